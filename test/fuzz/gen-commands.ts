// Command cases for the fuzzer: a random argument list for any command of the table, guided by
// Redis 7.0's COMMAND DOCS argument tree of that command (src/commands/meta/redis-7.0.json), so
// most cases get past the parser to the interesting code: tokens in random case, optional
// arguments present or not, repeated ones repeated, one-of choices, and values from pools that sit
// on the edges (0, -1, int64 limits, 2^63, floats, inf, nan, binary, empty, long). A share of
// cases are then mutated (an argument dropped, duplicated, swapped or replaced), and another share
// are random argument lists of random length. Keys come from one small pool shared by every
// command, so commands meet each other's data.
//
// A few arguments are steered away from what would stop the fuzzer itself; they are the EXCLUSIONS
// below, listed in docs/reliability.md.

import { pick, type Rng } from '../helpers/rng.js';
import { metaOf, type Json } from '../../src/commands/meta/index.js';
import { optionNames } from '../../src/config.js';
import type { CommandSpec } from '../../src/commands/types.js';
import type { CommandTable } from '../../src/commands/dispatch.js';

/** What the fuzzer never sends, and why (also printed by `npm run fuzz -- --help`). */
export const EXCLUSIONS: readonly string[] = [
  'SHUTDOWN: stops the server (covered by test/process/persist-shutdown.test.ts)',
  'DEBUG SLEEP: its argument is replaced by 0 (a long sleep is a hang by design)',
  'CLIENT PAUSE: its timeout is replaced by 0 (a long pause is a hang by design)',
  'WAIT: a timeout that would block (0, or longer than 1 ms) is replaced by 1 (WAIT 1 0 blocks for ever by design: test/wire/wait.test.ts)',
  'MONITOR: turns the connection into a stream of lines (covered by test/wire/observe.test.ts)',
  'MULTI: every later command of the connection would be queued (covered by test/diff/cases/transactions.ts and test/wire/transactions.test.ts); EXEC, DISCARD, WATCH and UNWATCH are sent',
  'CONFIG SET requirepass / maxclients / timeout / client-output-buffer-limit: would lock the fuzzer out or close its connection',
  'CONFIG SET port / bind: would move the server off the port the fuzzer connects to (covered by test/wire/listen-config.test.ts)',
  'CONFIG SET appendonly / loglevel: would turn off the AOF round-trip check / flood the log',
  'CONFIG SET proto-max-bulk-len / client-query-buffer-limit: the byte cases are checked against the default limits (test/diff/protocol.test.ts covers other limits)',
  'Byte-stream cases whose decoded commands include QUIT, SHUTDOWN, CLIENT, HELLO, RESET, DEBUG, CONFIG, MONITOR or MULTI (run as command cases instead)',
];

/** Configuration options CONFIG SET must not change (see EXCLUSIONS). */
const CONFIG_DENY = new Set(['requirepass', 'maxclients', 'timeout', 'client-output-buffer-limit', 'appendonly', 'loglevel', 'proto-max-bulk-len', 'client-query-buffer-limit', 'port', 'bind']);

interface DocArg {
  name: string;
  type: string;
  token?: string;
  flags?: string[];
  arguments?: DocArg[];
}

export const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'key:6', '\x00b\xff'];
// Names Object.prototype has: a lookup table keyed by user input must not find them.
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const RARE_KEYS = ['', '\x00', 'x'.repeat(300), 'k*', 'K0', ...PROTO_NAMES];
const SMALL_INTS = ['0', '1', '-1', '2', '3', '5', '10', '100', '-100'];
export const EDGE_NUMBERS = ['0', '-1', '1', '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967295', '4294967296',
  '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-9223372036854775809', '18446744073709551615',
  '18446744073709551616', '99999999999999999999999', '4611686018427387904', '536870911', '536870912', '536870888', '1048576',
  '1.5', '-1.5', '0.0', '-0', '+1', '01', ' 1', '1 ', '1e3', '1e308', '1e309', '-1e309', '4.9e-324', '3.0000000000000001', '.5', '5.',
  'inf', '-inf', '+inf', 'Infinity', 'nan', '-nan', 'NaN', '0x10', '1e', '--1', '', 'abc', '1' + '0'.repeat(400), '1\x00'];
const FLOATS = ['0', '1.5', '-0.25', '3e2', '0.1', '1e-5', '10.50', '5.0e3', '1e308', '-1e308', '17', '.5', '-.5', '1e-320'];
const TIMES = ['0', '1', '1000000000', '1700000000', '4102444800', '1000000000000', '1700000000000', '4102444800000', '-1'];
const PATTERNS = ['*', 'k*', 'k?', 'k[0-3]', 'k[^0-3]', '*:*', '\x00*', '[a-k]*', '*[', '[', '\\', 'k\\', '[^', '[a-', '',
  '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', '?'.repeat(40), '*'.repeat(100)];
const SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats',
  'errorstats', 'cluster', 'keyspace', 'latencystats', 'all', 'default', 'everything', 'nosuch', ...PROTO_NAMES];
const TYPES = ['string', 'list', 'set', 'zset', 'hash', 'stream', 'none', 'STRING', 'nosuch'];
const CONFIG_VALUES = ['yes', 'no', '0', '1', '-1', '100', '1mb', '1gb', '10k', '1kb', '100b', 'everysec', 'always', 'no',
  'allkeys-lru', 'noeviction', '', '3600 1 300 100', '1 2 3', '9223372036854775807', '18446744073709551616', 'x', '"',
  '1constructor', ...PROTO_NAMES];
/** DEBUG has no argument docs: its subcommands and their arguments, as Keystonelight implements them. */
const DEBUG_SUBS: [string, (rng: Rng) => string[]][] = [
  ['HELP', () => []], ['LOG', (r) => [value(r)]], ['SLEEP', () => ['0']], ['SET-ACTIVE-EXPIRE', (r) => [oneOf(r, ['0', '1', 'x', ''])]],
  ['DIGEST', () => []], ['DIGEST-VALUE', (r) => keys(r)], ['ERROR', (r) => [value(r)]], ['LOADAOF', () => []],
  ['RELOAD', (r) => (r() < 0.5 ? [] : [oneOf(r, ['MERGE', 'NOFLUSH', 'NOSAVE', 'nosuch'])])], ['CHANGE-REPL-ID', () => []],
  ['OBJECT', (r) => [key(r)]], ['NOSUCH', () => []],
];

const oneOf = <T>(rng: Rng, xs: readonly T[]): T => xs[pick(rng, xs.length)];

function randomCase(rng: Rng, s: string): string {
  const r = rng();
  if (r < 0.6) return s;
  if (r < 0.85) return s.toLowerCase();
  return [...s].map((c) => (rng() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

function binary(rng: Rng, max = 20): string {
  let s = '';
  for (let i = pick(rng, max + 1); i > 0; i--) s += String.fromCharCode(pick(rng, 256));
  return s;
}

const key = (rng: Rng): string => (rng() < 0.05 ? oneOf(rng, RARE_KEYS) : oneOf(rng, KEYS));
const keys = (rng: Rng): string[] => Array.from({ length: pick(rng, 4) }, () => key(rng));
const int = (rng: Rng): string => (rng() < 0.6 ? (rng() < 0.5 ? oneOf(rng, SMALL_INTS) : String(pick(rng, 200) - 20)) : oneOf(rng, EDGE_NUMBERS));
const float = (rng: Rng): string => (rng() < 0.6 ? oneOf(rng, FLOATS) : oneOf(rng, EDGE_NUMBERS));

/** A value for a string argument: numbers (so counters work), text, binary, now and then long. */
function value(rng: Rng): string {
  const r = rng();
  if (r < 0.3) return int(rng);
  if (r < 0.4) return oneOf(rng, FLOATS);
  if (r < 0.7) return oneOf(rng, ['', 'a', 'abc', 'hello world', 'foo bar "baz"', '\r\n', 'ab\r\ncd', 'ÿÿ', '12abc', 'x'.repeat(40), ...PROTO_NAMES]);
  if (r < 0.98) return binary(rng);
  return 'v'.repeat(1000 + pick(rng, 70_000));
}

let configNames: string[] | null = null;
/** Option names CONFIG may be asked about (aliases too), except those CONFIG SET must not touch. */
function configName(rng: Rng, forSet: boolean): string {
  configNames ??= optionNames().map(([n]) => n);
  const r = rng();
  if (r < 0.1) return oneOf(rng, ['*', 'max*', '*-*', 'nosuch', '', 'PORT', 'save', ...PROTO_NAMES]);
  const name = oneOf(rng, configNames);
  return forSet && CONFIG_DENY.has(name) ? 'hz' : randomCase(rng, name);
}

/** A value for a string argument, by the argument's name in the docs. */
function stringFor(rng: Rng, name: string, table: CommandTable, depth: number): string[] {
  switch (name) {
    case 'parameter': return [configName(rng, true)];
    case 'section': return [oneOf(rng, SECTIONS)];
    case 'type': return [oneOf(rng, TYPES)];
    case 'yes/no': return [oneOf(rng, ['yes', 'no', 'YES', 'maybe'])];
    case 'ip:port': return [oneOf(rng, ['127.0.0.1:1', '127.0.0.1', ':', '1.2.3.4:5', '[::1]:6379'])];
    case 'username': return [oneOf(rng, ['default', 'nosuch', ''])];
    case 'category': return [oneOf(rng, ['@string', 'string', 'keyspace', '@all', 'nosuch'])];
    case 'pattern': case 'library-name-pattern': return [oneOf(rng, PATTERNS)];
    case 'module-name': return [oneOf(rng, ['redisjson', ''])];
    case 'function-code': return [oneOf(rng, ['#!lua name=lib\nredis.register_function("f", function() return 1 end)', '#!lua', '#!', 'return 1', '#!js name=x\n'])];
    case 'command-name':
      // COMMAND GETKEYS and GETKEYSANDFLAGS take a whole command: generate one.
      if (depth === 0 && rng() < 0.7) return genCommand(rng, oneOf(rng, allSpecs(table)), table, 1);
      return [oneOf(rng, [...table.keys(), 'config|get', 'client|list', 'nosuch', 'GET', ''])];
    default: return [value(rng)];
  }
}

function emit(rng: Rng, a: DocArg, out: string[], table: CommandTable, depth: number, parent: string): void {
  switch (a.type) {
    case 'pure-token': out.push(rng() < 0.01 ? oneOf(rng, PROTO_NAMES) : randomCase(rng, a.token!)); return;
    case 'oneof': {
      if (a.token) out.push(randomCase(rng, a.token));
      emit(rng, oneOf(rng, a.arguments!), out, table, depth, a.name);
      return;
    }
    case 'block':
      if (a.token) out.push(randomCase(rng, a.token));
      walk(rng, a.arguments!, out, table, depth, a.name);
      return;
    default:
      if (a.token) out.push(randomCase(rng, a.token));
      if (a.type === 'key') out.push(key(rng));
      else if (a.type === 'integer') out.push(/db|index/.test(a.name) && rng() < 0.7 ? oneOf(rng, ['0', '1', '15', '16', '-1']) : a.name === 'protover' ? oneOf(rng, ['2', '3', '1', '4']) : int(rng));
      else if (a.type === 'double') out.push(float(rng));
      else if (a.type === 'unix-time') out.push(rng() < 0.7 ? oneOf(rng, TIMES) : int(rng));
      else if (parent === 'parameter_value' && a.name === 'value') out.push(oneOf(rng, CONFIG_VALUES));
      else out.push(...stringFor(rng, a.name, table, depth));
  }
}

function walk(rng: Rng, args: DocArg[], out: string[], table: CommandTable, depth: number, parent = ''): void {
  for (const a of args) {
    const flags = a.flags ?? [];
    if (flags.includes('optional') && rng() < 0.5) continue;
    // Repeated arguments: usually a few, now and then hundreds (MSET, DEL, MGET... of many keys).
    const reps = !flags.includes('multiple') ? 1 : rng() < 0.02 ? 50 + pick(rng, 500) : 1 + pick(rng, 3);
    for (let i = 0; i < reps; i++) emit(rng, a, out, table, depth, parent);
  }
}

/** Every token in an argument tree (the keywords random argument lists draw from). */
function tokens(args: readonly DocArg[], out: string[] = []): string[] {
  for (const a of args) {
    if (a.token) out.push(a.token);
    tokens(a.arguments ?? [], out);
  }
  return out;
}

/** One randomly chosen argument: a keyword of this command, a key, a number or a value. */
function anyArg(rng: Rng, words: readonly string[]): string {
  const r = rng();
  if (r < 0.3 && words.length > 0) return randomCase(rng, oneOf(rng, words));
  if (r < 0.5) return key(rng);
  if (r < 0.75) return int(rng);
  return value(rng);
}

function mutateArgs(rng: Rng, args: string[], words: readonly string[], fixed: number): void {
  if (args.length <= fixed) {
    args.push(anyArg(rng, words));
    return;
  }
  const at = fixed + pick(rng, args.length - fixed);
  switch (pick(rng, 5)) {
    case 0: args.splice(at, 1); break;
    case 1: args.splice(at, 0, args[at]); break;
    case 2: args.splice(at, 0, anyArg(rng, words)); break;
    case 3: args[at] = anyArg(rng, words); break;
    default: {
      const other = fixed + pick(rng, args.length - fixed);
      [args[at], args[other]] = [args[other], args[at]];
    }
  }
}

let specsCache: { table: CommandTable; specs: CommandSpec[] } | null = null;

/**
 * Every command the fuzzer exercises: each plain command, each container alone (its bare form is
 * an arity error) and each of its subcommands — all of the table but SHUTDOWN, MONITOR and MULTI.
 */
export function allSpecs(table: CommandTable): CommandSpec[] {
  if (specsCache?.table === table) return specsCache.specs;
  const specs: CommandSpec[] = [];
  for (const s of table.values()) {
    if (s.name === 'shutdown' || s.name === 'monitor' || s.name === 'multi') continue;
    specs.push(s);
    for (const sub of s.subcommands ?? []) specs.push(sub);
  }
  specsCache = { table, specs };
  return specs;
}

/** The words naming a spec as a client types them: ['get'] or ['config', 'get'], in random case. */
function nameWords(rng: Rng, spec: CommandSpec): string[] {
  return spec.name.split('|').map((w) => randomCase(rng, w));
}

/** A random argument list (name included) for `spec`. */
export function genCommand(rng: Rng, spec: CommandSpec, table: CommandTable, depth = 0): string[] {
  const out = nameWords(rng, spec);
  const fixed = out.length;
  const docArgs = ((metaOf(spec.name)?.docs.arguments ?? []) as Json) as unknown as DocArg[];
  const words = tokens(docArgs);
  if (spec.name === 'debug') {
    const [sub, gen] = oneOf(rng, DEBUG_SUBS);
    out.push(randomCase(rng, sub), ...gen(rng));
    words.push(...DEBUG_SUBS.map(([s]) => s));
  } else if (rng() < 0.9) {
    walk(rng, docArgs, out, table, depth);
  } else {
    // Random arguments, as many as the command takes give or take one (or at random).
    const n = rng() < 0.7 ? Math.max(0, Math.abs(spec.arity) - fixed + pick(rng, 3) - 1) : pick(rng, 7);
    for (let i = 0; i < n; i++) out.push(anyArg(rng, words));
  }
  if (rng() < 0.2) for (let n = 1 + pick(rng, 2); n > 0; n--) mutateArgs(rng, out, words, fixed);
  if (spec.name === 'config|set') steerConfigSet(out);
  if (spec.name === 'debug' && out.length >= 3 && out[1].toLowerCase() === 'sleep') out[2] = '0';
  if (out.length >= 3 && out[0].toLowerCase() === 'client' && out[1].toLowerCase() === 'pause') out[2] = '0';
  if (out.length === 3 && out[0].toLowerCase() === 'wait' && /^(0|[1-9]\d*)$/.test(out[2])) out[2] = '1';
  return out;
}

/** Mutations may have put an excluded option name where CONFIG SET reads names: replace it. */
function steerConfigSet(args: string[]): void {
  for (let i = 2; i < args.length; i += 2) if (CONFIG_DENY.has(args[i].toLowerCase())) args[i] = 'hz';
}
