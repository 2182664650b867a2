// Invocations generated from Redis's own argument specs, for the docs-args differential test
// (docs-args.test.ts). The argument tree of each command comes from a real redis-server's
// COMMAND DOCS (parsed here from its RESP2 reply); from it we draw valid invocations (optional
// arguments in or out, repeats of `multiple` ones, tokened options shuffled where Redis lets them
// come in any order) and near-valid ones, each made by one mutation of a valid one, aimed at the
// argument parsers: an option repeated, a token without its value, a value of the wrong kind, two
// branches of a oneof together, extra trailing words, tokens in odd case, an empty argument.
//
// Values come from small pools chosen by argument type (and for strings by argument name), so
// that key-dependent paths see the fixture keys (docs-args.test.ts fills them) and integer and
// double parsers see their edges. No pool value allocates much: offsets stay small or out of
// range (a SETBIT at 2^31 would make a 256 MB value on both servers).

import { replyEnd } from '../helpers/resp.js';
import type { Rng } from './generators.js';

// --- RESP2 reply parsing --------------------------------------------------------------------

/** A parsed reply: strings (simple and bulk), integers, arrays (RESP3 maps flattened), null. */
export type Resp = string | number | null | Resp[];

/** Parses one RESP2 reply, or a RESP3 one made of these types and maps (raw latin1 bytes). */
export function parseResp(raw: string): Resp {
  const buf = Buffer.from(raw, 'latin1');
  const parse = (pos: number): [Resp, number] => {
    const eol = buf.indexOf('\r\n', pos);
    const head = buf.toString('latin1', pos + 1, eol);
    switch (raw[pos]) {
      case '+': case '-': return [head, eol + 2];
      case ':': return [Number(head), eol + 2];
      case '$': {
        const n = Number(head);
        return n < 0 ? [null, eol + 2] : [buf.toString('latin1', eol + 2, eol + 2 + n), eol + 4 + n];
      }
      case '*': case '%': {
        const out: Resp[] = [];
        let p = eol + 2;
        for (let i = 0; i < Number(head) * (raw[pos] === '%' ? 2 : 1); i++) [out[i], p] = parse(p);
        return [out, p];
      }
      default: throw new Error(`not RESP2 at ${pos}: ${raw.slice(pos, pos + 20)}`);
    }
  };
  const [v, end] = parse(0);
  if (end !== replyEnd(buf, 0)) throw new Error('trailing bytes after a RESP2 reply');
  return v;
}

/** A flat RESP2 array of name/value pairs as a map. */
function pairs(v: Resp): Map<string, Resp> {
  const m = new Map<string, Resp>();
  if (!Array.isArray(v)) return m;
  for (let i = 0; i + 1 < v.length; i += 2) m.set(String(v[i]), v[i + 1]);
  return m;
}

// --- argument trees ------------------------------------------------------------------------

export interface DocArg {
  name: string;
  type: string;
  token?: string;
  optional: boolean;
  multiple: boolean;
  multipleToken: boolean;
  args: DocArg[];
}

export interface DocCommand {
  /** Table name, `container|sub` for a subcommand. */
  name: string;
  /** The words that name it: ['GET'] or ['OBJECT', 'ENCODING']. */
  words: string[];
  args: DocArg[];
}

function docArg(v: Resp): DocArg {
  const m = pairs(v);
  const flags = (m.get('flags') as string[] | undefined) ?? [];
  const token = m.get('token');
  return {
    name: String(m.get('name')),
    type: String(m.get('type')),
    ...(typeof token === 'string' ? { token } : {}),
    optional: flags.includes('optional'),
    multiple: flags.includes('multiple'),
    multipleToken: flags.includes('multiple_token'),
    args: ((m.get('arguments') as Resp[] | undefined) ?? []).map(docArg),
  };
}

/**
 * The commands of a COMMAND DOCS reply (RESP2) as argument trees: containers are replaced by
 * their subcommands, and `keep` says which table names to take.
 */
export function docCommands(reply: string, keep: (name: string) => boolean): DocCommand[] {
  const out: DocCommand[] = [];
  const walk = (entries: Map<string, Resp>): void => {
    for (const [name, doc] of entries) {
      const m = pairs(doc);
      const subs = m.get('subcommands');
      if (Array.isArray(subs) && subs.length > 0) walk(pairs(subs));
      else if (keep(name)) out.push({ name, words: name.split('|').map((w) => w.toUpperCase()), args: ((m.get('arguments') as Resp[] | undefined) ?? []).map(docArg) });
    }
  };
  walk(pairs(parseResp(reply)));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// --- value pools ---------------------------------------------------------------------------

/** The keys docs-args.test.ts fills before every invocation, and one it never fills. */
export const FIXTURE_KEYS = ['int', 'neg', 'float', 'big', 'str', 'bin', 'long', 'empty', 'ttl', 'ttlint', 'missing'];

const INTS = ['0', '1', '2', '3', '-1', '-2', '5', '10', '16', '100', '1000', '-100', '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967295', '4294967296', '536870912', '9223372036854775806', '9223372036854775807', '-9223372036854775807', '-9223372036854775808'];
/** Offsets index bytes or bits: small, or out of every range (never a huge valid one). */
const OFFSETS = ['0', '1', '7', '8', '64', '100', '-1', '4294967296', '9223372036854775807', '-9223372036854775808', '#1', '#0', '#-1'];
export const BAD_INTS = ['1.5', 'abc', '9223372036854775808', '-9223372036854775809', '-0', ' 1', '1 ', '+1', '0x10', '1e3', '', '01', '-', '18446744073709551616'];
const DOUBLES = ['0', '1', '1.5', '-2.5', '1e3', '0.1', '17', '3.0000000000000001', '1e-5', '.5', '-0'];
export const BAD_DOUBLES = ['inf', '-inf', 'nan', '1e400', '', 'abc', '1.5.5', ' 1', '0x10', '+inf', '1e'];
const UNIX_TIMES = ['0', '1', '1000000000', '4102444800', '4102444800000', '-1', '9223372036854775807', '-9223372036854775808', '100', '9223372036854775', '9223372036854776'];
const PATTERNS = ['*', 'i*', '?', '[a-f]*', '*t*', '\\*', '', '[', 'x[^a]y', 'nomatch*', '*\x00*'];
const STRINGS = ['', 'a', 'hello', '12', '-3', '3.5', '\x00\xff', 'x'.repeat(100), 'on', 'OFF', 'yes', 'no', '0', '1', 'nosuch'];

/** String pools for arguments whose name says what they hold (else STRINGS). */
const BY_NAME: [RegExp, string[]][] = [
  [/^command(-name)?$/, ['get', 'SET', 'object', 'object|encoding', 'client|list', 'lcs', 'bitfield', 'nosuch', 'hset', 'command', '']],
  [/^parameter$/, ['maxmemory', 'hz', 'save', '*', 'nosuch', 'MAXMEMORY', 'appendonly', 'maxmemory-*', 'slave-read-only', 'dir']],
  [/^section$/, ['server', 'all', 'default', 'everything', 'keyspace', 'commandstats', 'nosuch', 'SERVER', 'errorstats', 'cpu']],
  [/^username$/, ['default', 'nosuch', 'DEFAULT', '']],
  [/^password$/, ['', 'pw', 'secret']],
  [/^category$/, ['string', 'keyspace', 'dangerous', 'nosuch', 'STRING']],
  [/^encoding$/, ['i8', 'u8', 'i64', 'u63', 'u64', 'i1', 'i0', 'x8', 'I8', 'u1', 'i65']],
  [/name$/, ['name', '', 'a b', 'x', 'lib']],
  [/^function-code$/, ['x', '#!lua\nreturn 1', '#!nope name=a\n', '#!lua name=\n', '#!lua name=a foo=b\n', '']],
  [/^serialized-value$/, ['garbage', '', '\x00']],
  [/^event$/, ['command', 'fast-command', 'nosuch', 'expire-cycle']],
  [/^path$/, ['/nonexistent/module.so', '']],
  [/^type$/, ['string', 'list', 'normal', 'master', 'pubsub', 'replica', 'nosuch', 'STRING']],
  [/pattern/, PATTERNS],
];

function valueOf(r: Rng, arg: DocArg): string {
  switch (arg.type) {
    case 'key': return r.pick(FIXTURE_KEYS);
    case 'integer': return r.pick(/offset/.test(arg.name) ? OFFSETS : INTS);
    case 'double': return r.pick(DOUBLES);
    case 'unix-time': return r.pick(UNIX_TIMES);
    case 'pattern': return r.pick(PATTERNS);
    default: return r.pick(BY_NAME.find(([re]) => re.test(arg.name))?.[1] ?? STRINGS);
  }
}

/** A bad value for an argument of this type, or null when it has no notion of one. */
function badValueOf(r: Rng, type: string | undefined): string | null {
  if (type === 'integer' || type === 'unix-time') return r.pick(BAD_INTS);
  if (type === 'double') return r.pick(BAD_DOUBLES);
  return null;
}

// --- invocations ---------------------------------------------------------------------------

/** One word of an invocation and what it stands for, so that mutations can find their target. */
interface Word {
  text: string;
  kind: 'name' | 'token' | 'value';
  type?: string;
}

/** The words of one top-level argument (empty when an optional one was left out). */
interface Item {
  arg: DocArg;
  words: Word[];
}

/** `combo`: options shuffled, then two of the word-level mutations, so that Redis's order of checks shows. */
export const MUTATIONS = ['valid', 'shuffled', 'repeat', 'no-value', 'bad-value', 'oneof-both', 'extra', 'odd-case', 'empty', 'combo'] as const;
export type Mutation = (typeof MUTATIONS)[number];

export interface Invocation {
  args: string[];
  command: string;
  mutation: Mutation;
}

/** Whether Redis's parsers could take this argument anywhere among its siblings (it is introduced by a token). */
const tokened = (a: DocArg): boolean => a.token !== undefined || (a.type === 'oneof' && a.args.every(tokened));

class Emitter {
  constructor(
    private readonly r: Rng,
    /** The oneof to emit two branches of (mutation oneof-both). */
    private readonly both: DocArg | null,
    /** How often an optional argument is given: more often when a mutation needs targets. */
    private readonly optional: number,
  ) {}

  /** Whether `arg` is, or contains, the oneof to emit two branches of. */
  private holdsBoth(arg: DocArg): boolean {
    return arg === this.both || arg.args.some((a) => this.holdsBoth(a));
  }

  /** One occurrence of `arg` (or none, when optional and left out). */
  emit(arg: DocArg, forced = false): Word[] {
    if (arg.optional && !forced && !this.holdsBoth(arg) && !this.r.chance(this.optional)) return [];
    const reps = arg.multiple ? this.r.int(1, 3) : 1;
    const out: Word[] = [];
    const token = (): Word => ({ text: arg.token!, kind: 'token' });
    if (arg.token !== undefined && !arg.multipleToken) out.push(token());
    for (let i = 0; i < reps; i++) {
      if (arg.token !== undefined && arg.multipleToken) out.push(token());
      out.push(...this.body(arg));
    }
    return out;
  }

  private body(arg: DocArg): Word[] {
    switch (arg.type) {
      case 'pure-token': return [];
      case 'block': return arg.args.flatMap((a) => this.emit(a));
      case 'oneof': {
        const first = arg.args.find((a) => this.holdsBoth(a)) ?? this.r.pick(arg.args);
        if (arg !== this.both || arg.args.length < 2) return this.emit(first, true);
        const second = this.r.pick(arg.args.filter((a) => a !== first));
        return [...this.emit(first, true), ...this.emit(second, true)];
      }
      default: return [{ text: valueOf(this.r, arg), kind: 'value', type: arg.type }];
    }
  }
}

function allOneofs(args: DocArg[]): DocArg[] {
  return args.flatMap((a) => [...(a.type === 'oneof' ? [a] : []), ...allOneofs(a.args)]);
}

function allTokens(args: DocArg[]): string[] {
  return args.flatMap((a) => [...(a.token !== undefined ? [a.token] : []), ...allTokens(a.args)]);
}

function shuffle<T>(r: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** Shuffles the trailing run of optional tokened arguments, which Redis's option loops take in any order. */
function shuffleOptions(r: Rng, items: Item[]): void {
  let start = items.length;
  while (start > 0 && items[start - 1].arg.optional && tokened(items[start - 1].arg)) start--;
  items.splice(start, items.length - start, ...shuffle(r, items.slice(start)));
}

function oddCase(r: Rng, s: string): string {
  const mixed = [...s].map((ch) => (r.chance(0.5) ? ch.toLowerCase() : ch.toUpperCase())).join('');
  return r.chance(0.5) || mixed === s ? s.toLowerCase() : mixed;
}

/** Applies a mutation that works on the flat word list; false when the invocation has no target for it. */
function mutateWords(r: Rng, m: Mutation, cmd: DocCommand, words: Word[]): boolean {
  const where = (f: (w: Word, i: number) => boolean): number[] => words.flatMap((w, i) => (f(w, i) ? [i] : []));
  switch (m) {
    case 'no-value': {
      const at = where((w, i) => w.kind === 'token' && words[i + 1]?.kind === 'value');
      if (at.length === 0) return false;
      const i = r.pick(at);
      if (r.chance(0.5)) words.splice(i + 1, 1);
      else words.push(...words.splice(i, 2).slice(0, 1));
      return true;
    }
    case 'bad-value': {
      const at = where((w) => w.kind === 'value' && badValueOf(r, w.type) !== null);
      if (at.length === 0) return false;
      const w = words[r.pick(at)];
      w.text = badValueOf(r, w.type)!;
      return true;
    }
    case 'extra': {
      const pool = ['extra', '1', '', ...allTokens(cmd.args)];
      for (let n = r.int(1, 2); n > 0; n--) words.push({ text: r.pick(pool), kind: 'value' });
      return true;
    }
    case 'odd-case': {
      const at = where((w) => w.kind !== 'value' && /[a-z]/i.test(w.text));
      for (const i of at.filter(() => r.chance(0.5)).concat(at.length ? [r.pick(at)] : [])) words[i].text = oddCase(r, words[i].text);
      return at.length > 0;
    }
    case 'empty': {
      const at = where((w) => w.kind !== 'name');
      if (at.length === 0) return false;
      words[r.pick(at)].text = '';
      return true;
    }
    default: return true;
  }
}

/** One try at an invocation of `cmd` under `mutation`; null when the invocation drawn has no target for it. */
function attempt(r: Rng, cmd: DocCommand, mutation: Mutation): Invocation | null {
  const oneofs = allOneofs(cmd.args);
  if (mutation === 'oneof-both' && oneofs.length === 0) return null;
  const e = new Emitter(r, mutation === 'oneof-both' ? r.pick(oneofs) : null, mutation === 'valid' || mutation === 'shuffled' ? 0.5 : 0.75);
  const items: Item[] = cmd.args.map((arg) => ({ arg, words: e.emit(arg) }));
  if (mutation === 'shuffled' || (mutation === 'combo' && r.chance(0.5))) shuffleOptions(r, items);
  if (mutation === 'repeat') {
    const present = items.filter((it) => it.words.length > 0 && tokened(it.arg));
    if (present.length === 0) return null;
    const it = r.pick(present);
    items.splice(r.int(items.indexOf(it) + 1, items.length), 0, { arg: it.arg, words: e.emit(it.arg, true) });
  }
  const words: Word[] = [...cmd.words.map((text): Word => ({ text, kind: 'name' })), ...items.flatMap((it) => it.words)];
  if (mutation === 'combo') {
    const done = [0, 1].map(() => mutateWords(r, r.pick(['no-value', 'bad-value', 'odd-case', 'empty', 'bad-value'] as const), cmd, words));
    return done.some((d) => d) ? { args: words.map((w) => w.text), command: cmd.name, mutation } : null;
  }
  return mutateWords(r, mutation, cmd, words) ? { args: words.map((w) => w.text), command: cmd.name, mutation } : null;
}

/** Draws one invocation of `cmd`: valid (30%), or near-valid by one mutation that applies to it. */
export function invocation(r: Rng, cmd: DocCommand): Invocation {
  if (r.chance(0.3)) return attempt(r, cmd, r.pick(['valid', 'shuffled'] as const))!;
  for (let tries = 0; tries < 8; tries++) {
    const inv = attempt(r, cmd, r.pick(MUTATIONS.slice(2)));
    if (inv !== null) return inv;
  }
  return attempt(r, cmd, 'extra')!;
}

/** The size of an argument tree: commands with more arguments are drawn more often. */
export function weight(cmd: DocCommand): number {
  const nodes = (args: DocArg[]): number => args.reduce((n, a) => n + 1 + nodes(a.args), 0);
  return 1 + nodes(cmd.args);
}
