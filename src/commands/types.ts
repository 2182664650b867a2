// The shapes shared by every command module: the table entry and the context a handler runs in.
//
// A handler is synchronous: it reads its arguments, checks them, applies its effect to the
// keyspace and returns a reply value. Because the server runs one handler at a time, each command
// is atomic, as in Redis. Effects that must reach the append-only file are reported with
// `ctx.propagate`, after the change, as the command Redis would log (effects, not requests).

import type { Reply } from '../protocol/reply.js';
import type { Database } from '../keyspace/database.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { ServerApi, ClientApi } from './context.js';

export type CommandFlag =
  | 'write' | 'readonly' | 'denyoom' | 'admin' | 'pubsub' | 'noscript' | 'blocking' | 'loading'
  | 'stale' | 'skip_monitor' | 'skip_slowlog' | 'asking' | 'fast' | 'no_auth' | 'may_replicate'
  | 'sentinel' | 'only_sentinel' | 'no_mandatory_keys' | 'protected' | 'module' | 'no_async_loading'
  | 'no_multi' | 'movablekeys' | 'allow_busy'
  // Internal, as Redis 7.0's CMD_TOUCHES_ARBITRARY_KEYS (not shown by COMMAND INFO): the command may
  // lazily expire keys it was not given (SCAN, RANDOMKEY), whose DELs are then not wrapped in
  // MULTI/EXEC with its other effects.
  | 'touches_arbitrary_keys';

export interface Ctx {
  readonly server: ServerApi;
  readonly client: ClientApi;
  readonly keyspace: Keyspace;
  /** The client's selected database. */
  readonly db: Database;
  /** Time of this command in ms (one clock reading per command; EXEC's first, inside EXEC). */
  readonly now: number;
  /**
   * The clock's time in ms, where Redis 7.0 reads mstime() rather than the command's cached time:
   * TTL and PTTL, TIME, the deadlines of relative forms (SET EX, EXPIRE) and checkAlreadyExpired.
   * The same as `now` but inside EXEC, whose one time Redis keeps for expiry decisions only.
   */
  readonly clockNow: number;
  /**
   * Logs an effect to the AOF (and, later, replicas), in the client's database, counting
   * `changes` (default 1) changes to the dataset (ServerApi.dirty: Redis's server.dirty, which
   * MSET counts per key, DEL per key deleted, BITFIELD per field changed).
   */
  propagate(args: string[], changes?: number): void;
}

export type Handler = (ctx: Ctx, args: string[]) => Reply;

export interface CommandSpec {
  /** Lower-case name; "parent|sub" for subcommands. */
  readonly name: string;
  /** Redis arity: N = exactly N arguments (including the name), -N = at least N. */
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  /** Key positions (1-based argument indexes; lastKey -1 = last argument), 0 when keyless. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly handler: Handler;
  /** Container commands (CONFIG, CLIENT, ...) dispatch on their first argument. */
  readonly subcommands?: readonly CommandSpec[];
  // The flags the server checks on every request, computed once from `flags` (see gates()):
  // a scan of the flag list per command is measurable on the request hot path.
  /** 'write': refused while the AOF cannot be written (-MISCONF). */
  readonly isWrite: boolean;
  /** 'no_auth': allowed before AUTH. */
  readonly noAuth: boolean;
  /**
   * 'protected' (DEBUG): refused before authentication unless its enable-*-command option lets
   * the client run it, as Redis 7.0's CMD_PROTECTED check.
   */
  readonly isProtected: boolean;
  /** 'loading': allowed while the dataset loads. */
  readonly okLoading: boolean;
  /** 'fast' (O(1) or O(log N)): timed per run of such commands, not one by one (observe.ts). */
  readonly isFast: boolean;
  /**
   * Not 'touches_arbitrary_keys': when the command logs more than one effect (a key it expired on
   * the way, then its own), they reach the AOF as one MULTI/EXEC block, as in Redis 7.0.
   */
  readonly atomicEffects: boolean;
  /** A number unique to this spec, from 0: the index of its counters in per-server arrays (stats). */
  readonly index: number;
}

let specCount = 0;
/** How many specs exist so far (every index is below this). */
export const specsCreated = (): number => specCount;

/** The per-request flag checks of a spec, derived from its flag list. */
export function gates(flags: readonly CommandFlag[]): Pick<CommandSpec, 'isWrite' | 'noAuth' | 'isProtected' | 'okLoading' | 'isFast' | 'atomicEffects'> {
  return {
    isWrite: flags.includes('write'), noAuth: flags.includes('no_auth'), isProtected: flags.includes('protected'), okLoading: flags.includes('loading'), isFast: flags.includes('fast'),
    atomicEffects: !flags.includes('touches_arbitrary_keys'),
  };
}

/** Builds a table entry with the usual defaults; keeps command modules short and uniform. */
export function command(
  name: string,
  arity: number,
  flags: readonly CommandFlag[],
  keys: readonly [number, number, number],
  handler: Handler,
): CommandSpec {
  return spec(name, arity, flags, keys, handler, undefined);
}

/**
 * Every spec is built here, with its fields always in the same order, so that the dispatcher's
 * property reads see one object shape.
 */
export function spec(
  name: string,
  arity: number,
  flags: readonly CommandFlag[],
  keys: readonly [number, number, number],
  handler: Handler,
  subcommands: readonly CommandSpec[] | undefined,
): CommandSpec {
  const g = gates(flags);
  return {
    name, arity, flags, firstKey: keys[0], lastKey: keys[1], step: keys[2], handler, subcommands,
    isWrite: g.isWrite, noAuth: g.noAuth, isProtected: g.isProtected, okLoading: g.okLoading, isFast: g.isFast, atomicEffects: g.atomicEffects,
    index: specCount++,
  };
}

export const NO_KEYS = [0, 0, 0] as const;
export const ONE_KEY = [1, 1, 1] as const;
