// DUMP, RESTORE and RESTORE-ASKING (Redis's cluster.c dumpCommand / restoreCommand) for string
// values, the one type Keystonelight stores. The payload format lives in dump-payload.ts.
//
// RESTORE checks as Redis 7.0 does, in its order: the options (REPLACE, ABSTTL, IDLETIME, FREQ),
// the key (BUSYKEY unless REPLACE), the TTL, then the payload (version and checksum first, then its
// contents). A TTL of 0 means no expiry. AOF propagation is Redis 7.0's: a relative TTL is logged
// as the absolute deadline with ABSTTL appended (the rest of the request as typed); a deadline
// already past creates nothing, and is logged as DEL when REPLACE deleted a key (always DEL in 7.0:
// UNLINK under lazyfree-lazy-server-del came with Redis 7.2), else not at all. IDLETIME / FREQ set the restored key's LRU clock / LFU
// counter, whichever the maxmemory policy keeps (the other is ignored), as objectSetLRUOrLFU.

import { command, ONE_KEY, type CommandSpec, type Ctx } from './types.js';
import { cWord, toI64 } from './args.js';
import { lookupRead } from './keyaccess.js';
import { alreadyExpired } from './expire.js';
import { dumpBulk, readPayload } from './dump-payload.js';
import { err, ErrorReply, OK, RawReply, type Reply } from '../protocol/reply.js';
import {
  BAD_DATA_FORMAT, BUSYKEY, DUMP_PAYLOAD, INVALID_FREQ, INVALID_IDLETIME, INVALID_TTL, NOT_INTEGER,
  RESTORE_UNSUPPORTED_TYPE, STRING_TOO_LONG, SYNTAX,
} from '../errors.js';
import { stringOf, typeOf } from '../keyspace/values.js';
import { LRU_CLOCK_MAX, lfuMinutes, lruClock } from '../keyspace/lru.js';

function dump(ctx: Ctx, args: string[]): Reply {
  const v = lookupRead(ctx, args[1]);
  if (v === undefined) return null;
  const s = stringOf(v);
  return s === undefined ? err(RESTORE_UNSUPPORTED_TYPE(typeOf(v))) : new RawReply(dumpBulk(s, ctx.server.config.bool('rdbcompression')));
}

interface RestoreOptions {
  replace: boolean;
  absttl: boolean;
  /** IDLETIME's seconds and FREQ's counter; -1 when not given (they exclude each other). */
  idle: bigint;
  freq: bigint;
}

/** The options after the payload, parsed (and their values checked) in order, as restoreCommand. */
function parseOptions(args: string[]): RestoreOptions | ErrorReply {
  const o: RestoreOptions = { replace: false, absttl: false, idle: -1n, freq: -1n };
  for (let j = 4; j < args.length; j++) {
    const word = cWord(args[j]);
    const more = j + 1 < args.length;
    if (word === 'REPLACE') {
      o.replace = true;
    } else if (word === 'ABSTTL') {
      o.absttl = true;
    } else if (word === 'IDLETIME' && more && o.freq === -1n) {
      const n = toI64(args[++j]);
      if (n === null) return err(NOT_INTEGER);
      if (n < 0n) return err(INVALID_IDLETIME);
      o.idle = n;
    } else if (word === 'FREQ' && more && o.idle === -1n) {
      const n = toI64(args[++j]);
      if (n === null) return err(NOT_INTEGER);
      if (n < 0n || n > 255n) return err(INVALID_FREQ);
      o.freq = n;
    } else {
      return err(SYNTAX);
    }
  }
  return o;
}

/** The value of a payload, or the reply refusing it. */
function payloadValue(payload: string): string | ErrorReply {
  const r = readPayload(payload);
  if (r.kind === 'string') return r.value;
  if (r.kind === 'checksum') return err(DUMP_PAYLOAD);
  if (r.kind === 'too-long') return err(STRING_TOO_LONG);
  return err(r.kind === 'bad' ? BAD_DATA_FORMAT : RESTORE_UNSUPPORTED_TYPE(r.type));
}

/**
 * Redis's objectSetLRUOrLFU for a restored key: FREQ under an LFU policy, IDLETIME otherwise (the
 * other is ignored). IDLETIME's seconds are taken off the LRU clock now, in Redis's arithmetic: a
 * result below 0 gets LRU_CLOCK_MAX added once, then is cut to the 24-bit field (so an idle time
 * past the clock's range reads back modulo it), and its `* 1000 / 1000` scaling wraps in 64 bits.
 */
function setAccess(ctx: Ctx, key: string, o: RestoreOptions): void {
  const { settings, time } = ctx.keyspace;
  if (settings.lfu) {
    if (o.freq >= 0n) ctx.db.setAccessField(key, (lfuMinutes(time.coarseMs) << 8) | Number(o.freq));
  } else if (o.idle >= 0n) {
    const idle = BigInt.asIntN(64, o.idle * 1000n) / 1000n;
    let abs = BigInt(lruClock(time.coarseMs)) - idle;
    if (abs < 0n) abs += BigInt(LRU_CLOCK_MAX);
    ctx.db.setAccessField(key, Number(BigInt.asUintN(24, abs)));
  }
}

/** RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]. */
function restore(ctx: Ctx, args: string[]): Reply {
  const o = parseOptions(args);
  if (o instanceof ErrorReply) return o;
  const key = args[1];
  if (!o.replace && ctx.db.get(key) !== undefined) return err(BUSYKEY);
  const ttlArg = toI64(args[2]);
  if (ttlArg === null) return err(NOT_INTEGER);
  if (ttlArg < 0n) return err(INVALID_TTL);
  const value = payloadValue(args[3]);
  if (value instanceof ErrorReply) return value;
  // dbDelete: a key past its deadline but still stored counts as deleted too. WATCH hears of it
  // once, after the DEL or the store, as restoreCommand's one signalModifiedKey: so a key watched
  // while already expired is then stored again, which Redis's touchWatchedKey does not count.
  const deleted = o.replace && ctx.db.remove(key, false);
  // Redis adds in signed 64 bits: a sum past LLONG_MAX wraps negative, a deadline already past.
  const ttl = ttlArg !== 0n && !o.absttl ? BigInt.asIntN(64, ttlArg + BigInt(ctx.clockNow)) : ttlArg;
  if (ttl !== 0n && alreadyExpired(ctx, ttl)) {
    if (deleted) {
      ctx.db.signalModified(key);
      ctx.propagate(['DEL', key]);
    }
    return OK;
  }
  ctx.db.set(key, value);
  if (ttl !== 0n) ctx.db.setExpire(key, ttl);
  setAccess(ctx, key, o);
  ctx.propagate(ttl !== 0n && !o.absttl ? [args[0], key, ttl.toString(), ...args.slice(3), 'ABSTTL'] : args);
  return OK;
}

export const dumpCommands: CommandSpec[] = [
  command('dump', 2, ['readonly'], ONE_KEY, dump),
  command('restore', -4, ['write', 'denyoom'], ONE_KEY, restore),
  command('restore-asking', -4, ['write', 'denyoom', 'asking'], ONE_KEY, restore),
];
