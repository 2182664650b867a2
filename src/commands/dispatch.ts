// The dispatcher: finds a command in the table, checks unknown command/subcommand and arity once,
// then runs the handler. Handlers never re-check their arity.

import { ErrorReply, type Reply } from '../protocol/reply.js';
import { errorText, unknownCommand, unknownSubcommand, wrongArity } from '../errors.js';
import { spec, type CommandSpec, type Ctx } from './types.js';
import { redisCommandNames } from './meta/index.js';
import { lowerAscii } from '../protocol/binary.js';

/** Most spellings of command names remembered per table (bounds what odd-case names can cost). */
const MAX_SPELLINGS = 4096;

/** Lower-case name -> spec, plus a cache of the names as clients actually type them. */
export class CommandTable extends Map<string, CommandSpec> {
  /**
   * "SET", "Get", "set" -> spec: one lookup per request instead of a lowerAscii() and a second
   * lookup (redis-benchmark and many clients send upper case). Filled as spellings are seen.
   */
  readonly spellings = new Map<string, CommandSpec>();
  /**
   * The table as built, before any rename-command (renameCommand): where the AOF replay looks up
   * a name the renamed table lacks (Redis's lookupCommandOrOriginal). Null while nothing is renamed.
   */
  original: CommandTable | null = null;
  /**
   * Redis 7.0's command names this table lacks, under the names renames gave them (renameCommand):
   * Redis's table has them, so they can be renamed, and a rename may not take their names.
   */
  absent: Set<string> | null = null;
  /** The last name found and its spec: pipelines repeat a command, and a compare beats hashing. */
  private lastName = '';
  private lastSpec: CommandSpec | undefined;

  /** The table changed (a rename): what lookups remembered of it goes. */
  changed(): void {
    this.spellings.clear();
    this.lastName = '';
    this.lastSpec = undefined;
  }

  /** The spec named `name` in any case, or undefined. */
  find(name: string): CommandSpec | undefined {
    if (name === this.lastName) return this.lastSpec;
    let spec = this.spellings.get(name);
    if (spec === undefined) {
      spec = this.get(lowerAscii(name));
      if (spec === undefined) return undefined;
      if (this.spellings.size < MAX_SPELLINGS) this.spellings.set(name, spec);
    }
    this.lastName = name;
    this.lastSpec = spec;
    return spec;
  }
}

/** Builds the name -> spec table from every family's list. Duplicate names are a programming error. */
export function buildTable(families: readonly (readonly CommandSpec[])[]): CommandTable {
  const table = new CommandTable();
  for (const family of families) {
    for (const spec of family) {
      if (table.has(spec.name)) throw new Error(`duplicate command ${spec.name}`);
      table.set(spec.name, spec);
    }
  }
  return table;
}

/**
 * `rename-command <from> <to>`, as Redis's config loading: the command now named `from` (any case;
 * a command, not a subcommand) is named `to` (any case) instead, or with `to` empty, removed. Its
 * spec keeps its own name, as Redis's fullname: COMMAND LIST, INFO commandstats, CLIENT LIST and
 * the arity error say `set` for a SET renamed. Returns Redis's error text, or null when done.
 */
export function renameCommand(table: CommandTable, from: string, to: string): string | null {
  const name = lowerAscii(from);
  const target = lowerAscii(to);
  if (table.original === null) {
    table.original = new CommandTable();
    for (const [n, s] of table) table.original.set(n, s);
    table.absent = new Set(redisCommandNames().filter((n) => !table.has(n)));
  }
  const absent = table.absent!;
  // (Redis finds "config|get" too, then asserts on removing it from its table: the server aborts.)
  const spec = name.includes('|') ? undefined : table.get(name);
  if (spec === undefined && !absent.has(name)) return 'No such command in rename-command';
  if (to !== '' && target !== name && (table.has(target) || absent.has(target))) return 'Target command name already exists';
  if (spec === undefined) {
    // A Redis command Keystonelight does not have (a hardening config's `rename-command EVAL ""`):
    // accepted, and its new name is taken, as in Redis's table; it stays unknown here either way.
    absent.delete(name);
    if (to !== '') absent.add(target);
    return null;
  }
  table.delete(name);
  if (to !== '') table.set(target, spec);
  table.changed();
  return null;
}

const arityOk = (arity: number, argc: number): boolean => (arity >= 0 ? argc === arity : argc >= -arity);

/**
 * Redis's lookupCommand: the spec for `args`, its subcommand's when it has subcommands and one is
 * given, or undefined when either is unknown. No arity check (the AOF replay tells an unknown
 * command, which Redis names in its log, from a wrong count).
 */
export function lookup(table: CommandTable, args: string[]): CommandSpec | undefined {
  const spec = table.find(args[0]);
  if (spec === undefined || spec.subcommands === undefined || args.length < 2) return spec;
  return subcommandOf(spec, args[1]);
}

/**
 * `spec`'s subcommand named `sub` in any case, by the spec's own name (`cfg get` finds config|get
 * once CONFIG is renamed cfg, as Redis's). Compared without building `parent|sub`: a sub as long
 * as a string can be (536,870,888 chars) cannot be joined to the parent's name, and the throw
 * closed the connection (CONFIG <512 MB word>) where Redis answers its unknown subcommand error.
 * The subcommands are all named `<parent>|<sub>`, so the same length and end are the same name;
 * `sub` is put in lower case only when its length is a subcommand's.
 */
export function subcommandOf(spec: CommandSpec, sub: string): CommandSpec | undefined {
  const length = spec.name.length + 1 + sub.length;
  let lower: string | undefined;
  return spec.subcommands?.find((s) => s.name.length === length && s.name.endsWith((lower ??= lowerAscii(sub))));
}

/**
 * Looks up the spec for `args`, resolving subcommands. Returns the spec, or an error reply for an
 * unknown command/subcommand or a wrong argument count.
 */
export function resolve(table: CommandTable, args: string[]): CommandSpec | ErrorReply {
  const spec = lookup(table, args);
  if (spec === undefined) {
    const parent = table.find(args[0]);
    // The name as sent (Redis's c->argv[0]): CFG for a CONFIG renamed cfg.
    return new ErrorReply(parent === undefined ? unknownCommand(args[0], args.slice(1)) : unknownSubcommand(args[1], args[0]));
  }
  return arityOk(spec.arity, args.length) ? spec : new ErrorReply(wrongArity(spec.name));
}

/** Runs one resolved command. A handler that throws answers -ERR and leaves the server running. */
export function execute(spec: CommandSpec, ctx: Ctx, args: string[], onCrash: (e: unknown, args: string[]) => void): Reply {
  try {
    return spec.handler(ctx, args);
  } catch (e) {
    onCrash(e, args);
    return new ErrorReply(`ERR internal error running '${spec.name}': ${errorText(e)}`);
  }
}

/** A container command (CONFIG, CLIENT, ...): its own handler only runs for a bare call. */
export function container(name: string, arity: number, subcommands: CommandSpec[], flags: CommandSpec['flags'] = []): CommandSpec {
  return spec(name, arity, flags, [0, 0, 0], () => new ErrorReply(wrongArity(name)), subcommands);
}
