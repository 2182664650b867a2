// Counters on string values: INCR, DECR, INCRBY, DECRBY (one signed 64-bit core, as Redis's
// incrDecrCommand) and INCRBYFLOAT (x86-64 long double arithmetic and Redis's "%.17Lf" output,
// see numbers.ts). A counter keeps the key's TTL. INCRBYFLOAT is propagated as
// SET key <result> KEEPTTL, so that replaying the AOF cannot round differently.

import { command, ONE_KEY, type CommandSpec, type Ctx } from './types.js';
import { toI64, toInt } from './args.js';
import { err, ErrorReply, type Reply } from '../protocol/reply.js';
import { DECR_OVERFLOW, INCR_NAN, NOT_FLOAT, NOT_INTEGER, OVERFLOW } from '../errors.js';
import { isCanonicalInt, LLONG_MAX, LLONG_MIN, RawString } from '../keyspace/values.js';
import { writableString } from './keyaccess.js';
import { addFloats, Float, formatLongDouble, LONG_DOUBLE, parseLongDouble } from './numbers.js';

/** Stores a counter's new text: an existing key keeps its TTL, as Redis's in-place update. */
function store(ctx: Ctx, key: string, existed: boolean, text: string | RawString): void {
  if (existed) ctx.db.update(key, text);
  else ctx.db.set(key, text);
}

/** old + by for a 64-bit counter; small values stay JS numbers (the common, fast case). */
function add(old: string | null, by: bigint, small: number | null): bigint | number | null {
  if (old === null) return small ?? by;
  if (small !== null && old.length < 16) {
    const n = toInt(old);
    if (n === null) return null;
    const sum = n + small;
    if (Number.isSafeInteger(sum)) return sum;
  }
  const n = toI64(old);
  return n === null ? null : n + by;
}

/** `by` as a JS number when it is small enough for the fast path of add(), else null. */
const smallOf = (by: bigint): number | null => (by >= -1000000000n && by <= 1000000000n ? Number(by) : null);

/**
 * Redis's incrDecrCommand: adds `by` to the integer held at args[1]. `small` is smallOf(by),
 * passed in so that INCR and DECR (the common case) do no BigInt arithmetic at all.
 */
function incrDecr(ctx: Ctx, args: string[], by: bigint, small: number | null): Reply {
  const key = args[1];
  const old = writableString(ctx, key);
  if (old instanceof ErrorReply) return old;
  const next = add(old, by, small);
  if (next === null) return err(NOT_INTEGER);
  if (typeof next === 'bigint' && (next > LLONG_MAX || next < LLONG_MIN)) return err(OVERFLOW);
  store(ctx, key, old !== null, String(next));
  ctx.propagate(args);
  return next;
}

function incrby(ctx: Ctx, args: string[]): Reply {
  const by = toI64(args[2]);
  return by === null ? err(NOT_INTEGER) : incrDecr(ctx, args, by, smallOf(by));
}

function decrby(ctx: Ctx, args: string[]): Reply {
  const by = toI64(args[2]);
  if (by === null) return err(NOT_INTEGER);
  // -LLONG_MIN does not exist: Redis refuses it before looking at the key.
  if (by === LLONG_MIN) return err(DECR_OVERFLOW);
  return incrDecr(ctx, args, -by, smallOf(-by));
}

function incrbyfloat(ctx: Ctx, args: string[]): Reply {
  const key = args[1];
  const old = writableString(ctx, key);
  if (old instanceof ErrorReply) return old;
  const value = old === null ? Float.ZERO : parseLongDouble(old);
  const incr = parseLongDouble(args[2]);
  if (value === null || incr === null) return err(NOT_FLOAT);
  const sum = addFloats(value, incr, LONG_DOUBLE);
  if (!sum.isFinite()) return err(INCR_NAN);
  const text = formatLongDouble(sum);
  // Redis stores the result unencoded: "3000" is an embstr, not an int, until it is rewritten.
  store(ctx, key, old !== null, isCanonicalInt(text) ? new RawString(text, true) : text);
  ctx.propagate(['SET', key, text, 'KEEPTTL']);
  return text;
}

export const counterCommands: CommandSpec[] = [
  command('incr', 2, ['write', 'denyoom', 'fast'], ONE_KEY, (ctx, args) => incrDecr(ctx, args, 1n, 1)),
  command('decr', 2, ['write', 'denyoom', 'fast'], ONE_KEY, (ctx, args) => incrDecr(ctx, args, -1n, -1)),
  command('incrby', 3, ['write', 'denyoom', 'fast'], ONE_KEY, incrby),
  command('decrby', 3, ['write', 'denyoom', 'fast'], ONE_KEY, decrby),
  command('incrbyfloat', 3, ['write', 'denyoom', 'fast'], ONE_KEY, incrbyfloat),
];
