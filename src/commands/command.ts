// COMMAND and its subcommands: what the server knows about its own commands, as Redis 7.0 answers.
//
// Name, arity, flags and legacy key positions come from our command table (what dispatch really
// uses); ACL categories, tips, key specs and docs from Redis 7.0's metadata (./meta). COMMAND COUNT
// and LIST count only what Keystonelight implements. Redis lists subcommands in hash order (it
// differs between runs); we list them in table order.

import { container, subcommandOf } from './dispatch.js';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { globMatch } from './glob.js';
import { cWord } from './args.js';
import { flagsReply, jsonReply, metaInfoParts, metaOf, type Json } from './meta/index.js';
import { commandHasKeys, countKeys, findKeys, type KeyRun } from './meta/keys.js';
import { encodeReply } from '../protocol/encode-once.js';
import {
  ArrayCollector, Deferred, err, LongArray, longArray, longMap, MapReply, RawReply, SetReply, SimpleString, status, type Reply,
} from '../protocol/reply.js';
import { SYNTAX, upperAscii } from '../errors.js';
import { lowerAscii } from '../protocol/binary.js';
import { SizedList } from '../chunked-list.js';

/**
 * A HELP reply as Redis's addReplyHelp builds it: a header naming the command as it was called
 * (c->argv[0] in upper case: CFG for a CONFIG renamed cfg), the lines, then HELP itself, in an
 * array of deferred length.
 */
export function helpReply(calledAs: string, lines: readonly string[]): Reply {
  return new Deferred(
    [`${upperAscii(calledAs)} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, 'HELP', '    Prints this help.'].map(status),
  );
}

const HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

const topLevel = (ctx: Ctx): CommandSpec[] => [...ctx.server.commands.values()];

/**
 * Each command's COMMAND INFO and DOCS entries, made once: they never change, and a request may
 * name a command 2^26 times. Made per name, COMMAND INFO of 1M names took 2.9 GB of RSS for its
 * 303 MB reply (redis-server: 392 MB), so some millions of names exhausted the memory.
 */
const infoMemo = new WeakMap<CommandSpec, Reply>();
const docsMemo = new WeakMap<CommandSpec, Reply>();

function memo(m: WeakMap<CommandSpec, Reply>, spec: CommandSpec, make: (spec: CommandSpec) => Reply): Reply {
  let r = m.get(spec);
  if (r === undefined) m.set(spec, (r = make(spec)));
  return r;
}

const info = (spec: CommandSpec): Reply => memo(infoMemo, spec, makeInfo);
const docs = (spec: CommandSpec): Reply => memo(docsMemo, spec, makeDocs);

/** One COMMAND INFO entry (Redis's addReplyCommandInfo). */
function makeInfo(spec: CommandSpec): Reply {
  const subs = spec.subcommands ?? [];
  return [
    spec.name, spec.arity, flagsReply(spec.flags), spec.firstKey, spec.lastKey, spec.step,
    ...metaInfoParts(spec.name),
    // Redis answers an empty set when there are no subcommands, an array otherwise.
    subs.length === 0 ? new SetReply([]) : subs.map(info),
  ];
}

/** One COMMAND DOCS value (Redis's addReplyCommandDocs): the 7.0 docs plus our subcommands. */
function makeDocs(spec: CommandSpec): Reply {
  const d = metaOf(spec.name)?.docs ?? { group: 'server' };
  const reply = jsonReply(d as Json) as MapReply;
  const subs = spec.subcommands ?? [];
  if (subs.length === 0) return reply;
  const entries: Reply[] = [];
  for (const s of subs) entries.push(s.name, docs(s));
  return new MapReply([...reply.entries, 'subcommands', new MapReply(entries)]);
}

/** Redis's lookupCommandBySds: "name" or "parent|sub", any case (COMMAND INFO/DOCS, LATENCY HISTOGRAM). */
export function lookupByName(table: ReadonlyMap<string, CommandSpec>, name: string): CommandSpec | undefined {
  const parts = lowerAscii(name).split('|');
  if (parts.length > 2) return undefined;
  const spec = table.get(parts[0]);
  if (parts.length === 1 || spec === undefined) return spec;
  return subcommandOf(spec, parts[1]);
}

/** Redis's lookupCommand on a command line: the command, or its subcommand when it has them. */
export function lookupLine(ctx: Ctx, argv: string[]): CommandSpec | undefined {
  const spec = ctx.server.commands.get(lowerAscii(argv[0]));
  if (spec === undefined || argv.length === 1 || spec.subcommands === undefined) return spec;
  return subcommandOf(spec, argv[1]);
}

function commandAll(ctx: Ctx): Reply {
  return topLevel(ctx).map(info);
}

function commandInfo(ctx: Ctx, args: string[]): Reply {
  if (args.length === 2) return commandAll(ctx);
  // A LongArray from 65,536 names: 14M of them make a reply past 4 GB (as MGET's).
  return longArray(args.slice(2).map((name) => {
    const spec = lookupByName(ctx.server.commands, name);
    return spec === undefined ? null : info(spec);
  }));
}

function commandDocs(ctx: Ctx, args: string[]): Reply {
  const specs = args.length === 2 ? topLevel(ctx) : args.slice(2).map((n) => lookupByName(ctx.server.commands, n));
  const entries = new ArrayCollector<Reply>();
  for (const spec of specs) {
    if (spec === undefined) continue;
    entries.push(spec.name);
    entries.push(docs(spec));
  }
  return longMap(entries, ctx.client.proto);
}

function commandCount(ctx: Ctx): Reply {
  return ctx.server.commands.size;
}

/**
 * The filter of COMMAND LIST FILTERBY, or null for a syntax error; no filter: () => true. Redis
 * compares the words and the category name with strcasecmp (up to a NUL byte: cWord), and matches
 * the pattern by its whole length.
 */
function listFilter(args: string[]): ((spec: CommandSpec) => boolean) | null {
  if (args.length === 2) return () => true;
  // Redis accepts FILTERBY only as the last three arguments.
  if (args.length !== 5 || cWord(args[2]) !== 'FILTERBY') return null;
  const arg = args[4];
  switch (cWord(args[3])) {
    case 'MODULE':
      return () => false; // no module commands here
    case 'ACLCAT': {
      const cat = `@${cWord(arg).toLowerCase()}`;
      return (spec) => (metaOf(spec.name)?.acl ?? []).includes(cat);
    }
    case 'PATTERN':
      return (spec) => globMatch(arg, spec.name, true);
    default:
      return null;
  }
}

function commandList(ctx: Ctx, args: string[]): Reply {
  const keep = listFilter(args);
  if (keep === null) return err(SYNTAX);
  const out: string[] = [];
  const visit = (spec: CommandSpec): void => {
    if (keep(spec)) out.push(spec.name);
    for (const s of spec.subcommands ?? []) visit(s);
  };
  topLevel(ctx).forEach(visit);
  // An array of deferred length, as Redis's.
  return new Deferred(out);
}

const arityOk = (arity: number, argc: number): boolean => (arity >= 0 ? argc === arity : argc >= -arity);

/** COMMAND GETKEYS / GETKEYSANDFLAGS (Redis's getKeysSubcommandImpl). */
function getKeys(ctx: Ctx, args: string[], withFlags: boolean): Reply {
  const argv = args.slice(2);
  const spec = lookupLine(ctx, argv);
  if (spec === undefined) return err('ERR Invalid command specified');
  if (!commandHasKeys(spec.name)) return err('ERR The command has no key arguments');
  if (!arityOk(spec.arity, argv.length)) return err('ERR Invalid number of arguments specified for command');
  const runs = findKeys(spec.name, argv);
  if (runs.length === 0) {
    return spec.flags.includes('no_mandatory_keys') ? [] : err('ERR Invalid arguments specified for command');
  }
  if (withFlags) return keysAndFlags(argv, runs, ctx.client.proto);
  const keys = new SizedList<string>(countKeys(runs));
  for (const { first, last, step } of runs) for (let i = first; i <= last; i += step) keys.push(argv[i]);
  return keys.chunks.length === 1 ? longArray(keys.chunks[0]) : new LongArray(keys.chunks, keys.length);
}

const PAIR = '*2\r\n';
const flagsMemo = new Map<string, RawReply>();

/** A key's flags as GETKEYSANDFLAGS sends them (a set of statuses) in `proto`, then `then`; made once. */
function flagsThen(flags: readonly string[], proto: number, then: string): RawReply {
  const id = `${proto} ${then} ${flags.join(' ')}`;
  let r = flagsMemo.get(id);
  if (r === undefined) {
    const set = encodeReply(new SetReply(flags.map((f) => new SimpleString(f))), proto);
    flagsMemo.set(id, (r = new RawReply(Buffer.concat([set, Buffer.from(then)]))));
  }
  return r;
}

/**
 * GETKEYSANDFLAGS's reply, a `[key, flags]` pair per key, written flat: the keys, and between them
 * the encoded end of one pair and start of the next (flagsThen), as a LongArray (written 63 MB of
 * storage at a time). Built as arrays, 5M keys were 30M objects (the pairs, their sets, the
 * statuses): 8.8 s, most of it garbage collection, and 2.1 GB of RSS (Redis 1.2 s, 480 MB).
 */
function keysAndFlags(argv: readonly string[], runs: readonly KeyRun[], proto: number): LongArray {
  const n = countKeys(runs);
  const out = new SizedList<Reply>(2 * n + 1);
  out.push(new RawReply(Buffer.from(`*${n}\r\n${PAIR}`)));
  for (let j = 0; j < runs.length; j++) {
    const { first, last, step, flags } = runs[j];
    const between = flagsThen(flags, proto, PAIR);
    for (let i = first; i <= last; i += step) {
      if (i !== first) out.push(between);
      out.push(argv[i]);
    }
    out.push(flagsThen(flags, proto, j === runs.length - 1 ? '' : PAIR));
  }
  return new LongArray(out.chunks, out.length, false);
}

const FLAGS = ['loading', 'stale'] as const;

export const commandCommands: CommandSpec[] = [
  {
    ...container('command', -1, [
      command('command|count', 2, FLAGS, NO_KEYS, commandCount),
      command('command|docs', -2, FLAGS, NO_KEYS, commandDocs),
      command('command|getkeys', -4, FLAGS, NO_KEYS, (ctx, args) => getKeys(ctx, args, false)),
      command('command|getkeysandflags', -4, FLAGS, NO_KEYS, (ctx, args) => getKeys(ctx, args, true)),
      command('command|help', 2, FLAGS, NO_KEYS, (_ctx, args) => helpReply(args[0], HELP)),
      command('command|info', -2, FLAGS, NO_KEYS, commandInfo),
      command('command|list', -2, FLAGS, NO_KEYS, commandList),
    ], FLAGS),
    handler: commandAll,
  },
];
