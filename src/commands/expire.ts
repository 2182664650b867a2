// Expiry commands (Redis's expire.c): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT,
// TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
//
// As Redis's expireGenericCommand, the four setters share one core that works in signed 64-bit
// arithmetic (bigint) so that overflow is detected exactly where Redis detects it. AOF propagation
// is Redis 7.0's: a deadline in the future is logged as PEXPIREAT key <absolute ms> followed by the
// flags as typed (a PEXPIREAT is logged as typed), one at or before the command's time deletes the
// key and is logged as DEL key (UNLINK key under lazyfree-lazy-expire), and nothing is logged when
// nothing changed.

import { command, ONE_KEY, type CommandSpec, type Ctx } from './types.js';
import { cWord, toI64 } from './args.js';
import { lookupRead } from './keyaccess.js';
import { err, ErrorReply, type Reply } from '../protocol/reply.js';
import { GT_LT_NX, INVALID_EXPIRE, NOT_INTEGER, NX_XX_GT_LT, unsupportedOption } from '../errors.js';
import { LLONG_MAX, LLONG_MIN } from '../keyspace/values.js';
import { toDeadline } from '../keyspace/database.js';

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;
const FLAG_WORDS: Record<string, number> = { NX, XX, GT, LT };

/** Redis's parseExtendedExpireArgumentsOrReply: the flags after the time, checked before it. */
function parseFlags(args: string[]): number | ErrorReply {
  let flags = 0;
  for (let j = 3; j < args.length; j++) {
    const f = FLAG_WORDS[cWord(args[j])];
    if (f === undefined) return unsupportedOption(args[j]);
    flags |= f;
  }
  if (flags & NX && flags & (XX | GT | LT)) return err(NX_XX_GT_LT);
  if (flags & GT && flags & LT) return err(GT_LT_NX);
  return flags;
}

/** Whether the flags let a key with deadline `current` (-1: none) take the new deadline `when`. */
function flagsAllow(flags: number, current: number, when: bigint): boolean {
  if (flags & NX && current !== -1) return false;
  if (flags & XX && current === -1) return false;
  // No deadline counts as an infinite one: GT never beats it, LT always does.
  if (flags & GT && (current === -1 || when <= BigInt(current))) return false;
  if (flags & LT && current !== -1 && when >= BigInt(current)) return false;
  return true;
}

/**
 * Redis's checkAlreadyExpired: a deadline given to EXPIRE and friends (or GETEX EXAT/PXAT) that
 * has passed deletes the key at once, except while a dataset loads (the key is loaded with it,
 * and expires once the load is over).
 */
export function alreadyExpired(ctx: Ctx, when: bigint): boolean {
  return !ctx.keyspace.time.loading && when <= BigInt(ctx.clockNow);
}

/**
 * Redis's propagateDeletion: how a key the server deleted by itself (expired, evicted) is logged,
 * UNLINK when the lazyfree option of that kind of deletion is on; GETDEL's too (getdelCommand,
 * under lazyfree-lazy-user-del). Only the AOF shows the difference: both free the value at once.
 */
export function deletionEffect(key: string, lazy: boolean): string[] {
  return [lazy ? 'UNLINK' : 'DEL', key];
}

/**
 * A deadline already past given to EXPIRE & co or GETEX EXAT/PXAT: the key is deleted and logged
 * as a deletion under lazyfree-lazy-expire, as expireGenericCommand and getexCommand rewrite it.
 */
export function expireAtOnce(ctx: Ctx, key: string): void {
  ctx.db.remove(key);
  ctx.propagate(deletionEffect(key, ctx.server.config.bool('lazyfree-lazy-expire')));
}

/**
 * The absolute deadline in ms for the time argument, or Redis's error: the argument must be a
 * 64-bit integer; conversion to ms and the addition of the base time must not overflow.
 */
function absoluteMs(ctx: Ctx, text: string, relative: boolean, seconds: boolean, cmd: string): bigint | ErrorReply {
  let when = toI64(text);
  if (when === null) return err(NOT_INTEGER);
  if (seconds) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) return err(INVALID_EXPIRE(cmd));
    when *= 1000n;
  }
  const base = relative ? BigInt(ctx.clockNow) : 0n;
  if (when > LLONG_MAX - base) return err(INVALID_EXPIRE(cmd));
  return when + base;
}

/** EXPIRE (relative, s), PEXPIRE (relative, ms), EXPIREAT (absolute, s), PEXPIREAT (absolute, ms). */
function expireGeneric(cmd: string, relative: boolean, seconds: boolean) {
  return (ctx: Ctx, args: string[]): Reply => {
    const flags = parseFlags(args);
    if (flags instanceof ErrorReply) return flags;
    const when = absoluteMs(ctx, args[2], relative, seconds, cmd);
    if (when instanceof ErrorReply) return when;
    const key = args[1];
    if (ctx.db.get(key) === undefined) return 0;
    // Deadlines are compared as stored: every one past MAX_DEADLINE is MAX_DEADLINE.
    if (flags !== 0 && !flagsAllow(flags, ctx.db.getExpire(key), BigInt(toDeadline(when)))) return 0;
    if (alreadyExpired(ctx, when)) {
      expireAtOnce(ctx, key);
      return 1;
    }
    ctx.db.setExpire(key, when);
    if (cmd === 'pexpireat') ctx.propagate(args);
    else ctx.propagate(['PEXPIREAT', key, when.toString(), ...args.slice(3)]);
    return 1;
  };
}

/**
 * TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 without a deadline, else the time
 * left (or the deadline itself) in ms or in seconds rounded to the nearest, as Redis.
 */
function ttlGeneric(ms: boolean, absolute: boolean) {
  return (ctx: Ctx, args: string[]): Reply => {
    if (lookupRead(ctx, args[1], false) === undefined) return -2;
    const when = ctx.db.getExpire(args[1]);
    if (when === -1) return -1;
    const t = Math.max(0, absolute ? when : when - ctx.clockNow);
    return ms ? t : Math.floor((t + 500) / 1000);
  };
}

function persist(ctx: Ctx, args: string[]): Reply {
  if (ctx.db.get(args[1]) === undefined || !ctx.db.persist(args[1])) return 0;
  ctx.propagate(args);
  return 1;
}

export const expireCommands: CommandSpec[] = [
  command('expire', -3, ['write', 'fast'], ONE_KEY, expireGeneric('expire', true, true)),
  command('pexpire', -3, ['write', 'fast'], ONE_KEY, expireGeneric('pexpire', true, false)),
  command('expireat', -3, ['write', 'fast'], ONE_KEY, expireGeneric('expireat', false, true)),
  command('pexpireat', -3, ['write', 'fast'], ONE_KEY, expireGeneric('pexpireat', false, false)),
  command('ttl', 2, ['readonly', 'fast'], ONE_KEY, ttlGeneric(false, false)),
  command('pttl', 2, ['readonly', 'fast'], ONE_KEY, ttlGeneric(true, false)),
  command('expiretime', 2, ['readonly', 'fast'], ONE_KEY, ttlGeneric(false, true)),
  command('pexpiretime', 2, ['readonly', 'fast'], ONE_KEY, ttlGeneric(true, true)),
  command('persist', 2, ['write', 'fast'], ONE_KEY, persist),
];
