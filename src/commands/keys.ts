// Generic keyspace commands (Redis's db.c): DEL, UNLINK, EXISTS, TOUCH, TYPE, KEYS, SCAN,
// RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, RENAME, RENAMENX, COPY, MOVE. Expiry commands live
// in expire.ts, OBJECT in object.ts; `keyspaceCommands` gathers the whole family for the table.
//
// Lookups follow Redis: commands that read (EXISTS, TOUCH, TYPE, SCAN's TYPE filter) count keyspace
// hits and misses, the others do not; every access expires a key whose deadline has passed. AOF
// propagation is Redis 7.0's: these commands are logged as typed, and only when they changed
// something (DEL of missing keys logs nothing) — FLUSH* and SWAPDB are always logged.

import { command, NO_KEYS, ONE_KEY, type CommandSpec, type Ctx } from './types.js';
import { cWord, toI64 } from './args.js';
import { globMatch } from './glob.js';
import { lookupRead } from './keyaccess.js';
import { expireCommands } from './expire.js';
import { objectCommand } from './object.js';
import { ArrayCollector, Deferred, err, ErrorReply, OK, status, type Reply } from '../protocol/reply.js';
import {
  CURSOR_INVALID, DB_INDEX_RANGE, NO_SUCH_KEY, NOT_INTEGER, SAME_OBJECT, SWAPDB_FIRST, SWAPDB_SECOND, SYNTAX,
  UNKNOWN_TYPE_OBJECT, VALUE_RANGE, cstr, SWAPDB_IN_CLUSTER, MOVE_IN_CLUSTER, COPY_DB_IN_CLUSTER,
} from '../errors.js';
import { cloneValue, typeOf, type Value } from '../keyspace/values.js';
import type { Database } from '../keyspace/database.js';

const ALL_KEYS = [1, -1, 1] as const;

/**
 * Redis's getIntFromObjectOrReply for a database index: an error when the argument is not a
 * 32-bit integer (`msg` replaces the default texts, as SWAPDB's "invalid first DB index"), then
 * DB_INDEX_RANGE when there is no such database.
 */
export function parseDbIndex(ctx: Ctx, arg: string, msg?: string): number | ErrorReply {
  const id = parseInt32(arg, msg);
  if (id instanceof ErrorReply) return id;
  return id < 0 || id >= ctx.keyspace.dbs.length ? err(DB_INDEX_RANGE) : id;
}

/** The parsing half of parseDbIndex: a 32-bit integer, or the (custom) parse error. */
function parseInt32(arg: string, msg?: string): number | ErrorReply {
  const v = toI64(arg);
  if (v === null) return err(msg ?? NOT_INTEGER);
  if (v < -2147483648n || v > 2147483647n) return err(msg ?? VALUE_RANGE(-2147483648, 2147483647));
  return Number(v);
}

/** DEL and UNLINK (memory is reclaimed by the GC either way). */
function del(ctx: Ctx, args: string[]): Reply {
  let n = 0;
  for (let j = 1; j < args.length; j++) if (ctx.db.delete(args[j])) n++;
  if (n > 0) ctx.propagate(args, n);
  return n;
}

/**
 * EXISTS and TOUCH: how many of the keys exist (a repeated key counts each time). TOUCH counts as
 * an access of each key, EXISTS does not (`touch`).
 */
function countExisting(ctx: Ctx, args: string[], touch: boolean): Reply {
  let n = 0;
  for (let j = 1; j < args.length; j++) if (lookupRead(ctx, args[j], touch) !== undefined) n++;
  return n;
}

function type(ctx: Ctx, args: string[]): Reply {
  const v = lookupRead(ctx, args[1], false);
  return status(v === undefined ? 'none' : typeOf(v));
}

/**
 * KEYS pattern: every live key matching; expired keys are skipped, not reclaimed (as Redis). A
 * deferred-length array, as Redis's: for client-output-buffer-limit all of it counts.
 */
function keys(ctx: Ctx, args: string[]): Reply {
  const pattern = args[1];
  const all = pattern === '*';
  const out = new ArrayCollector<string>();
  for (const key of ctx.db.dict.keys()) {
    if ((all || globMatch(pattern, key)) && !ctx.db.isExpired(key)) out.push(key);
  }
  return new Deferred(out.done());
}

const isCSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const U64 = 1n << 64n;

/**
 * A SCAN cursor as Redis 7.0 reads it (strtoul on the NUL-terminated argument): optional sign,
 * decimal digits, nothing else, below 2^64; "-n" wraps as in C. Null when invalid.
 */
export function parseCursor(arg: string): bigint | null {
  const s = cstr(arg);
  if (s.length === 0) return 0n; // strtoul converts nothing and stops at the end: cursor 0
  if (isCSpace(s.charCodeAt(0))) return null;
  const sign = s[0] === '-' || s[0] === '+' ? 1 : 0;
  const digits = s.slice(sign);
  if (!/^[0-9]+$/.test(digits)) return null;
  const v = BigInt(digits);
  if (v >= U64) return null;
  return s[0] === '-' ? (U64 - v) % U64 : v;
}

export interface ScanOptions {
  count: number;
  /** Undefined when every element matches (no MATCH, or MATCH *). */
  pattern: string | undefined;
  /** The TYPE name, upper-cased. */
  type: string | undefined;
}

/**
 * The options of the SCAN family from `args[from]` on, as Redis's scanGenericCommand parses them
 * (each COUNT/MATCH/TYPE needs its value; TYPE only for the key SCAN, `allowType`).
 */
export function parseScanOptions(args: string[], from: number, allowType = true): ScanOptions | ErrorReply {
  const opts: ScanOptions = { count: 10, pattern: undefined, type: undefined };
  for (let i = from; i < args.length; i += 2) {
    const word = cWord(args[i]);
    if (i + 1 >= args.length) return err(SYNTAX);
    if (word === 'COUNT') {
      const n = toI64(args[i + 1]);
      if (n === null) return err(NOT_INTEGER);
      if (n < 1n) return err(SYNTAX);
      opts.count = Number(n);
    } else if (word === 'MATCH') {
      opts.pattern = args[i + 1] === '*' ? undefined : args[i + 1];
    } else if (word === 'TYPE' && allowType) {
      opts.type = cWord(args[i + 1]);
    } else {
      return err(SYNTAX);
    }
  }
  return opts;
}

/**
 * SCAN cursor [MATCH pattern] [COUNT n] [TYPE t]: SlotDict.scan walks about COUNT keys, then the keys
 * are filtered in Redis's order: pattern, type (a counted read lookup, "none" when gone), expiry
 * (an expired key is reclaimed and skipped).
 */
function scan(ctx: Ctx, args: string[]): Reply {
  const cursor = parseCursor(args[1]);
  if (cursor === null) return err(CURSOR_INVALID);
  const opts = parseScanOptions(args, 2);
  if (opts instanceof ErrorReply) return opts;
  const found = new ArrayCollector<string>();
  const dict = ctx.db.dict;
  // A cursor is slot * 64 + b: the next slot to look at (slot-dict.ts), and b the iteration's end,
  // slot 2^b, fixed by its first call (cursor 0) as the slots allocated then, rounded up. Keys
  // added since have later slots (or freed ones) and need not be returned: without the end, a
  // keyspace growing faster than SCAN walks it was never done (Redis's walk is bounded by its
  // table size; new keys land in buckets before and after its cursor).
  const bits = cursor === 0n ? endBits(dict.allocatedSlots) : Number(cursor % CURSOR_END);
  const at = cursor / CURSOR_END;
  const start = at <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(at) : Number.MAX_SAFE_INTEGER;
  const slot = dict.scan(start, opts.count, (key) => found.push(key), 2 ** bits);
  const next = slot === 0 ? 0n : BigInt(slot) * CURSOR_END + BigInt(bits);
  const out = new ArrayCollector<string>();
  found.forEach((key) => {
    if (opts.pattern !== undefined && !globMatch(opts.pattern, key)) return;
    if (opts.type !== undefined) {
      const v = lookupRead(ctx, key, false);
      if ((v === undefined ? 'NONE' : typeOf(v).toUpperCase()) !== opts.type) return;
    }
    if (!ctx.db.expireIfNeeded(key)) out.push(key);
  });
  return [String(next), out.done()];
}

/** SCAN cursors hold the iteration's end in their low 6 bits (see scan). */
const CURSOR_END = 64n;

/** The b of the smallest 2^b >= n (slots allocated when an iteration begins). */
const endBits = (n: number): number => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));

function randomkey(ctx: Ctx): Reply {
  return ctx.db.randomKey() ?? null;
}

/** FLUSHDB / FLUSHALL [ASYNC | SYNC]: both free memory the same way here (the GC does it). */
function flushArgsOk(args: string[]): boolean {
  if (args.length === 1) return true;
  const w = cWord(args[1]);
  return args.length === 2 && (w === 'SYNC' || w === 'ASYNC');
}

/**
 * A flush of `n` keys that Redis would hand to its lazyfree thread (ASYNC, or no option with
 * lazyfree-lazy-user-flush yes, as its getFlushCommandFlags) counts them in INFO lazyfreed_objects.
 */
function countLazyFlush(ctx: Ctx, args: string[], n: number): void {
  const async = args.length === 2 ? cWord(args[1]) === 'ASYNC' : ctx.server.config.bool('lazyfree-lazy-user-flush');
  if (async) ctx.server.stats.lazyfreedObjects += n;
}

function flushdb(ctx: Ctx, args: string[]): Reply {
  if (!flushArgsOk(args)) return err(SYNTAX);
  // Redis's emptyData: the keys it held count as changes (none: still logged, as Redis forces it).
  const n = ctx.db.size;
  ctx.db.clear();
  countLazyFlush(ctx, args, n);
  ctx.propagate(args, n);
  return OK;
}

function flushall(ctx: Ctx, args: string[]): Reply {
  if (!flushArgsOk(args)) return err(SYNTAX);
  let n = 0;
  for (const db of ctx.keyspace.dbs) n += db.size;
  ctx.keyspace.flushAll();
  countLazyFlush(ctx, args, n);
  ctx.propagate(args, n);
  // As Redis's flushAllDataAndResetRDB: a running BGSAVE is killed (its end records nothing), and
  // with save points set the emptied dataset is saved at once (our SAVE: the AOF written and
  // fsynced), which takes rdb_changes_since_last_save back to 0. A save that fails is logged and
  // the flush stands, as Redis's; with appendonly no there is none.
  ctx.server.persistence?.killSave();
  if (ctx.server.config.get('save') !== '') ctx.server.persistence?.save(false);
  return OK;
}

/** SWAPDB a b: clients keep their index and so see the other data; logged even when a == b. */
function swapdb(ctx: Ctx, args: string[]): Reply {
  if (ctx.server.cluster !== null) return err(SWAPDB_IN_CLUSTER);
  // Redis parses both indexes before checking either one's range.
  const a = parseInt32(args[1], SWAPDB_FIRST);
  if (a instanceof ErrorReply) return a;
  const b = parseInt32(args[2], SWAPDB_SECOND);
  if (b instanceof ErrorReply) return b;
  const n = ctx.keyspace.dbs.length;
  if (a < 0 || a >= n || b < 0 || b >= n) return err(DB_INDEX_RANGE);
  ctx.keyspace.swap(a, b);
  ctx.propagate(args);
  return OK;
}

/**
 * Stores `value` with deadline `when` (-1: none) under `key` in `db`, replacing whatever is there:
 * the shared end of RENAME, COPY and MOVE (Redis's dbDelete + dbAdd + setExpire). A moved value
 * keeps its `access` data (Redis moves the object itself); a copy is a new object, stamped now.
 */
function place(db: Database, key: string, value: Value, when: number, access?: number): void {
  db.remove(key);
  db.set(key, value);
  if (when !== -1) db.setExpire(key, when);
  if (access !== undefined) db.setAccessField(key, access);
}

/** RENAME / RENAMENX: the value and its TTL move to the new name. */
function renameGeneric(ctx: Ctx, args: string[], nx: boolean): Reply {
  const [, src, dst] = args;
  const v = ctx.db.get(src);
  if (v === undefined) return err(NO_SUCH_KEY);
  if (src === dst) return nx ? 0 : OK;
  if (ctx.db.get(dst) !== undefined && nx) return 0;
  place(ctx.db, dst, v, ctx.db.getExpire(src), ctx.db.accessField(src));
  ctx.db.remove(src);
  ctx.propagate(args);
  return nx ? 1 : OK;
}

/** COPY source destination [DB index] [REPLACE]: options are checked in order, as Redis does. */
function copy(ctx: Ctx, args: string[]): Reply {
  let dst = ctx.db;
  let replace = false;
  for (let j = 3; j < args.length; j++) {
    const w = cWord(args[j]);
    if (w === 'REPLACE') {
      replace = true;
    } else if (w === 'DB' && j + 1 < args.length) {
      const id = parseDbIndex(ctx, args[++j]);
      if (id instanceof ErrorReply) return id;
      dst = ctx.keyspace.dbs[id];
    } else {
      return err(SYNTAX);
    }
  }
  if (ctx.server.cluster !== null && (ctx.db.id !== 0 || dst.id !== 0)) return err(COPY_DB_IN_CLUSTER);
  const [, src, target] = args;
  if (dst === ctx.db && src === target) return err(SAME_OBJECT);
  const v = lookupRead(ctx, src);
  if (v === undefined) return 0;
  if (dst.get(target) !== undefined && !replace) return 0;
  const copied = cloneValue(v);
  if (copied === undefined) return err(UNKNOWN_TYPE_OBJECT);
  place(dst, target, copied, ctx.db.getExpire(src));
  ctx.propagate(args);
  return 1;
}

/** MOVE key db: only when the key is absent from the target database. */
function move(ctx: Ctx, args: string[]): Reply {
  if (ctx.server.cluster !== null) return err(MOVE_IN_CLUSTER);
  const id = parseDbIndex(ctx, args[2]);
  if (id instanceof ErrorReply) return id;
  const dst = ctx.keyspace.dbs[id];
  if (dst === ctx.db) return err(SAME_OBJECT);
  const key = args[1];
  const v = ctx.db.get(key);
  if (v === undefined || dst.get(key) !== undefined) return 0;
  place(dst, key, v, ctx.db.getExpire(key), ctx.db.accessField(key));
  ctx.db.remove(key);
  ctx.propagate(args);
  return 1;
}

const genericCommands: CommandSpec[] = [
  command('del', -2, ['write'], ALL_KEYS, del),
  command('unlink', -2, ['write', 'fast'], ALL_KEYS, del),
  command('exists', -2, ['readonly', 'fast'], ALL_KEYS, (ctx, args) => countExisting(ctx, args, false)),
  command('touch', -2, ['readonly', 'fast'], ALL_KEYS, (ctx, args) => countExisting(ctx, args, true)),
  command('type', 2, ['readonly', 'fast'], ONE_KEY, type),
  command('keys', 2, ['readonly'], NO_KEYS, keys),
  command('scan', -2, ['readonly', 'touches_arbitrary_keys'], NO_KEYS, scan),
  command('randomkey', 1, ['readonly', 'touches_arbitrary_keys'], NO_KEYS, randomkey),
  command('dbsize', 1, ['readonly', 'fast'], NO_KEYS, (ctx) => ctx.db.size),
  command('flushdb', -1, ['write'], NO_KEYS, flushdb),
  command('flushall', -1, ['write'], NO_KEYS, flushall),
  command('swapdb', 3, ['write', 'fast'], NO_KEYS, swapdb),
  command('rename', 3, ['write'], [1, 2, 1], (ctx, args) => renameGeneric(ctx, args, false)),
  command('renamenx', 3, ['write', 'fast'], [1, 2, 1], (ctx, args) => renameGeneric(ctx, args, true)),
  command('copy', -3, ['write', 'denyoom'], [1, 2, 1], copy),
  command('move', 3, ['write', 'fast'], ONE_KEY, move),
];

export const keyspaceCommands: CommandSpec[] = [...genericCommands, ...expireCommands, objectCommand];
