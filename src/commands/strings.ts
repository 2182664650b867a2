// String commands, the get/set core: GET, SET (NX XX GET KEEPTTL EX PX EXAT PXAT), SETNX, SETEX,
// PSETEX, GETSET, GETDEL, GETEX, MGET, MSET, MSETNX. Ranges (APPEND, SETRANGE, ...), counters
// and LCS live in their own modules; `stringCommands` gathers the whole family for the table.
//
// As in Redis's t_string.c, SET/SETNX/SETEX/PSETEX share one generic set, and GET/GETSET/GETDEL/
// SET ... GET share one read. AOF propagation follows Redis 7.0: a SET with any expiry is logged
// as SET key value PXAT <absolute ms>, SET ... GET without the GET, GETSET as SET, GETDEL as DEL
// (UNLINK under lazyfree-lazy-user-del), GETEX as PEXPIREAT / DEL (UNLINK under
// lazyfree-lazy-expire) / PERSIST, everything else as typed, and nothing when nothing changed.

import { command, ONE_KEY, type CommandSpec, type Ctx } from './types.js';
import { cWord, toI64 } from './args.js';
import { err, ErrorReply, longArray, OK, type Reply } from '../protocol/reply.js';
import { INVALID_EXPIRE, NOT_INTEGER, SYNTAX, wrongArity } from '../errors.js';
import { LLONG_MAX, stringOf } from '../keyspace/values.js';
import { lookupRead, readString } from './keyaccess.js';
import { rangeCommands } from './string-ranges.js';
import { counterCommands } from './counters.js';
import { lcsCommands } from './lcs.js';
import { alreadyExpired, deletionEffect, expireAtOnce } from './expire.js';

// Option flags of SET and GETEX (Redis's OBJ_* flags).
const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const PERSIST = 16;
const EX = 32;
const PX = 64;
const EXAT = 128;
const PXAT = 256;
const EXPIRES = EX | PX | EXAT | PXAT;
const EXPIRE_WORDS: Record<string, number> = { EX, PX, EXAT, PXAT };

interface SetOptions {
  flags: number;
  /** The argument following EX/PX/EXAT/PXAT. */
  expire?: string;
}

/**
 * Redis's parseExtendedStringArgumentsOrReply: the options of SET (`forSet`) or GETEX from
 * args[start]. A repeated option is accepted; conflicting ones are a syntax error.
 */
function parseOptions(args: string[], start: number, forSet: boolean): SetOptions | ErrorReply {
  let flags = 0;
  let expire: string | undefined;
  for (let j = start; j < args.length; j++) {
    const opt = cWord(args[j]);
    let flag = 0;
    if (opt === 'NX' && forSet && !(flags & XX)) flag = NX;
    else if (opt === 'XX' && forSet && !(flags & NX)) flag = XX;
    else if (opt === 'GET' && forSet) flag = GET;
    else if (opt === 'KEEPTTL' && forSet && !(flags & (PERSIST | EXPIRES))) flag = KEEPTTL;
    else if (opt === 'PERSIST' && !forSet && !(flags & (KEEPTTL | EXPIRES))) flag = PERSIST;
    else {
      const unit = EXPIRE_WORDS[opt] ?? 0;
      if (unit !== 0 && j + 1 < args.length && !(flags & (KEEPTTL | PERSIST | (EXPIRES & ~unit)))) {
        flag = unit;
        expire = args[++j];
      }
    }
    if (flag === 0) return err(SYNTAX);
    flags |= flag;
  }
  return { flags, expire };
}

/**
 * Redis's getExpireMillisecondsOrReply: the absolute deadline in ms for an EX/PX/EXAT/PXAT
 * argument. Non-positive times and times that overflow a signed 64-bit ms count are invalid.
 */
function deadline(ctx: Ctx, text: string, flags: number, cmd: string): bigint | ErrorReply {
  const n = toI64(text);
  if (n === null) return err(NOT_INTEGER);
  const seconds = (flags & (EX | EXAT)) !== 0;
  if (n <= 0n || (seconds && n > LLONG_MAX / 1000n)) return err(INVALID_EXPIRE(cmd));
  let ms = seconds ? n * 1000n : n;
  if (flags & (EX | PX)) ms += BigInt(ctx.clockNow);
  // Redis's addition wraps past LLONG_MAX and then fails its "<= 0" check.
  return ms > LLONG_MAX ? err(INVALID_EXPIRE(cmd)) : ms;
}

/** The SET request without its GET options, as Redis 7.0 propagates SET ... GET. */
function withoutGet(args: string[]): string[] {
  return args.filter((a, j) => j < 3 || cWord(a) !== 'GET');
}

interface SetReplies {
  /** Reply when the value was set (without GET). */
  ok: Reply;
  /** Reply when NX/XX prevented the set (without GET). */
  abort: Reply;
  /** Command name for the invalid-expire error. */
  cmd: string;
}

/** Redis's setGenericCommand: SET, SETNX, SETEX and PSETEX. */
function setGeneric(ctx: Ctx, args: string[], key: string, value: string, opts: SetOptions, replies: SetReplies): Reply {
  const { flags, expire } = opts;
  let when: bigint | undefined;
  if (expire !== undefined) {
    const w = deadline(ctx, expire, flags, replies.cmd);
    if (w instanceof ErrorReply) return w;
    when = w;
  }
  let old: Reply = null;
  if (flags & GET) {
    old = readString(ctx, key);
    if (old instanceof ErrorReply) return old;
  }
  if (flags & (NX | XX)) {
    const found = ctx.db.get(key) !== undefined;
    if ((flags & NX && found) || (flags & XX && !found)) return flags & GET ? old : replies.abort;
  }
  // With a new deadline to follow, the old one is kept until setExpire replaces it: the same result
  // as clearing it first, without taking the key out of the set of keys with a TTL and back in.
  ctx.db.set(key, value, (flags & KEEPTTL) !== 0 || when !== undefined);
  if (when !== undefined) {
    // A deadline already in the past is stored as is: the key expires on its next access.
    ctx.db.setExpire(key, when);
    ctx.propagate(['SET', key, value, 'PXAT', when.toString()]);
  } else {
    ctx.propagate(flags & GET ? withoutGet(args) : args);
  }
  return flags & GET ? old : replies.ok;
}

const SET_REPLIES: SetReplies = { ok: OK, abort: null, cmd: 'set' };
/** SET key value, no options: the common case, without parsing or a new options object. */
const NO_OPTIONS: SetOptions = { flags: 0, expire: undefined };

function set(ctx: Ctx, args: string[]): Reply {
  const opts = args.length === 3 ? NO_OPTIONS : parseOptions(args, 3, true);
  if (opts instanceof ErrorReply) return opts;
  return setGeneric(ctx, args, args[1], args[2], opts, SET_REPLIES);
}

const SETNX_REPLIES: SetReplies = { ok: 1, abort: 0, cmd: 'setnx' };

function setnx(ctx: Ctx, args: string[]): Reply {
  return setGeneric(ctx, args, args[1], args[2], { flags: NX }, SETNX_REPLIES);
}

/** SETEX key seconds value / PSETEX key milliseconds value. */
function setex(unit: number, cmd: string) {
  const replies: SetReplies = { ok: OK, abort: null, cmd };
  return (ctx: Ctx, args: string[]): Reply =>
    setGeneric(ctx, args, args[1], args[3], { flags: unit, expire: args[2] }, replies);
}

function getset(ctx: Ctx, args: string[]): Reply {
  const old = readString(ctx, args[1]);
  if (old instanceof ErrorReply) return old;
  ctx.db.set(args[1], args[2]);
  ctx.propagate(['SET', args[1], args[2]]);
  return old;
}

function getdel(ctx: Ctx, args: string[]): Reply {
  const old = readString(ctx, args[1]);
  if (typeof old === 'string') {
    ctx.db.remove(args[1]);
    // As Redis 7.0's getdelCommand: UNLINK under lazyfree-lazy-user-del (only the AOF shows it).
    ctx.propagate(deletionEffect(args[1], ctx.server.config.bool('lazyfree-lazy-user-del')));
  }
  return old;
}

/** GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]. */
function getex(ctx: Ctx, args: string[]): Reply {
  const opts = parseOptions(args, 2, false);
  if (opts instanceof ErrorReply) return opts;
  const key = args[1];
  const value = readString(ctx, key);
  if (typeof value !== 'string') return value;
  const { flags, expire } = opts;
  if (expire !== undefined) {
    const when = deadline(ctx, expire, flags, 'getex');
    if (when instanceof ErrorReply) return when;
    if (flags & (EXAT | PXAT) && alreadyExpired(ctx, when)) {
      expireAtOnce(ctx, key);
    } else {
      ctx.db.setExpire(key, when);
      ctx.propagate(['PEXPIREAT', key, when.toString()]);
    }
  } else if (flags & PERSIST && ctx.db.persist(key)) {
    ctx.propagate(['PERSIST', key]);
  }
  return value;
}

function mget(ctx: Ctx, args: string[]): Reply {
  const out: Reply[] = new Array(args.length - 1);
  for (let j = 1; j < args.length; j++) {
    const v = lookupRead(ctx, args[j]);
    out[j - 1] = v === undefined ? null : (stringOf(v) ?? null);
  }
  return longArray(out);
}

/** MSET / MSETNX: all keys or (MSETNX, when any key exists) none. */
function msetGeneric(ctx: Ctx, args: string[], nx: boolean): Reply {
  if (args.length % 2 === 0) return err(wrongArity(nx ? 'msetnx' : 'mset'));
  if (nx) {
    for (let j = 1; j < args.length; j += 2) if (ctx.db.get(args[j]) !== undefined) return 0;
  }
  for (let j = 1; j < args.length; j += 2) ctx.db.set(args[j], args[j + 1]);
  ctx.propagate(args, (args.length - 1) / 2);
  return nx ? 1 : OK;
}

const coreCommands: CommandSpec[] = [
  command('get', 2, ['readonly', 'fast'], ONE_KEY, (ctx, args) => readString(ctx, args[1])),
  command('set', -3, ['write', 'denyoom'], ONE_KEY, set),
  command('setnx', 3, ['write', 'denyoom', 'fast'], ONE_KEY, setnx),
  command('setex', 4, ['write', 'denyoom'], ONE_KEY, setex(EX, 'setex')),
  command('psetex', 4, ['write', 'denyoom'], ONE_KEY, setex(PX, 'psetex')),
  command('getset', 3, ['write', 'denyoom', 'fast'], ONE_KEY, getset),
  command('getdel', 2, ['write', 'fast'], ONE_KEY, getdel),
  command('getex', -2, ['write', 'fast'], ONE_KEY, getex),
  command('mget', -2, ['readonly', 'fast'], [1, -1, 1], mget),
  command('mset', -3, ['write', 'denyoom'], [1, -1, 2], (ctx, args) => msetGeneric(ctx, args, false)),
  command('msetnx', -3, ['write', 'denyoom'], [1, -1, 2], (ctx, args) => msetGeneric(ctx, args, true)),
];

/** The whole string family, for the command table. */
export const stringCommands: CommandSpec[] = [...coreCommands, ...rangeCommands, ...counterCommands, ...lcsCommands];
