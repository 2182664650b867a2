// DEBUG: the subcommands tests and tools rely on (LOG, SLEEP, SET-ACTIVE-EXPIRE, DIGEST, DIGEST-VALUE,
// OBJECT, ERROR, LOADAOF, RELOAD, CHANGE-REPL-ID, CONFIG-REWRITE-FORCE-ALL, AOF-FLUSH-SLEEP, PROTOCOL),
// with Redis 7.0's replies. Like Redis 7.0, DEBUG is refused unless `enable-debug-command` is yes
// (or local, for loopback clients).
// DEBUG DIGEST and DIGEST-VALUE are in digest.ts, DEBUG PROTOCOL in debug-protocol.ts.

import { constants } from 'node:buffer';
import { getHeapStatistics } from 'node:v8';
import { atoi, cWord, toI64 } from './args.js';
import { strtod } from './numbers.js';
import { argString } from '../protocol/binary.js';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { helpReply } from './command.js';
import { datasetDigest, digestValues } from './digest.js';
import { err, OK, RawReply, status, type Reply } from '../protocol/reply.js';
import { cstr, LOADING, NO_SUCH_KEY, NOT_INTEGER, STRING_TOO_LONG, subcommandSyntax } from '../errors.js';
import { rdbStringLength } from './dump-payload.js';
import { refcount } from './object.js';
import { encodingOf, stringOf, typeOf } from '../keyspace/values.js';
import { idleMs, lruClock } from '../keyspace/lru.js';
import { DEFAULT_PEAK_RESET_MS } from '../server/reply-buffers.js';
import { clientBytes, LOG_MAX_LEN } from '../server/log.js';
import { blockFor } from '../timers.js';
import { configRewriteForceAll } from './config.js';
import { debugProtocol } from './debug-protocol.js';

/** 2^63: a C long long holds less. */
const LLONG_LIMIT = 2 ** 63;

/**
 * DEBUG SLEEP blocks the whole server, as in Redis, which makes strtod's seconds whole microseconds
 * (`long long utime = dtime*1000000`) and nanosleeps them. A time out of a long long's range, or
 * NaN, converts on x86-64 to its minimum: negative, as any time below 0, which nanosleep refuses
 * at once. blockFor (Atomics.wait) takes fractional milliseconds, so sub-millisecond times are slept too.
 */
function sleep(seconds: number): void {
  const us = Math.trunc(seconds * 1e6);
  if (us > 0 && us < LLONG_LIMIT) blockFor(us / 1000);
}

/** DEBUG RELOAD [MERGE|NOFLUSH|NOSAVE ...]: the options compared as Redis's strcasecmp (cWord). */
function reload(ctx: Ctx, options: string[]): Reply {
  if (ctx.server.loading) return err(LOADING);
  const opts = options.map((o) => cWord(o).toLowerCase());
  if (opts.some((o) => !['merge', 'noflush', 'nosave'].includes(o))) {
    return err('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const p = ctx.server.persistence;
  const nosave = opts.includes('nosave');
  // Redis's save takes the changes counted back to 0 and its load counts none: NOSAVE keeps them.
  const dirty = ctx.server.dirty;
  // Nothing on disk: what a reload would bring back is what we have.
  const failure = p === null ? null : nosave ? p.loadAof() : p.reload();
  if (nosave) ctx.server.dirty = dirty;
  else if (p === null) ctx.server.dirty = 0;
  return failure === null ? OK : err(failure);
}

/**
 * DEBUG LOADAOF. Refused while the dataset loads at start (DEBUG is allowed then): a load inside
 * that load would end the loading state under it (redis-server 7.0.15 crashes there).
 */
function loadAof(ctx: Ctx): Reply {
  if (ctx.server.loading) return err(LOADING);
  // After CONFIG SET appendonly yes in the same EXEC: the file to come (persistence/pending-start.ts).
  // With appendonly no, as Redis: the files its manifest names (the last ones written).
  const failure = (ctx.server.persistence ?? ctx.server.aofStart ?? ctx.server.aofOff).loadAof();
  return failure === null ? OK : err(failure);
}

const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
/** Redis formats a populated key into a 128-byte buffer (snprintf): longer names are cut there. */
const KEY_BUFFER = 127;
/** Heap a populated key is taken to need at least, besides its value (for the refusal below). */
const BYTES_PER_KEY = 128;

/** A C long from 0 up, as Redis's getPositiveLongFromObjectOrReply; null where it refuses. */
function positiveLong(s: string): number | null {
  const v = toI64(s);
  return v === null || v < 0n ? null : Number(v);
}

/**
 * DEBUG POPULATE <count> [<prefix>] [<size>], as Redis's: string keys <prefix>:0 ... (prefix "key")
 * with values "value:<n>", cut or padded with zero bytes to <size> when one is given; keys that
 * exist are left alone. As Redis, nothing is propagated: the keys reach the AOF only through a
 * rewrite. Where Redis's dictTryExpand fails for a count its memory cannot hold, a count the V8
 * heap cannot hold is refused the same way, rather than ending the process with a heap error.
 */
function populate(ctx: Ctx, a: string[]): Reply {
  const count = positiveLong(a[2]);
  const size = a.length === 5 ? positiveLong(a[4]) : 0;
  if (count === null || size === null) return err(MUST_BE_POSITIVE);
  // No keys: nothing is made, whatever the size (Redis answers OK; the value buffer below threw).
  if (count === 0) return OK;
  // A value V8 cannot hold as a string (Redis would make it): refused as other too-long strings.
  if (size > constants.MAX_STRING_LENGTH) return err(STRING_TOO_LONG);
  const heap = getHeapStatistics();
  if (count * (BYTES_PER_KEY + size) > heap.heap_size_limit - heap.used_heap_size) return err('ERR OOM in dictTryExpand');
  // Names and values are made from bytes (argString), as the decoder makes them: a concatenation
  // of 13 characters or more is a cons string, which took twice the memory and slowed each lookup.
  const prefix = a.length >= 4 ? cstr(a[3]) : 'key';
  const keyBuf = Buffer.alloc(prefix.length + 21);
  const at = keyBuf.latin1Write(prefix, 0);
  keyBuf[at] = 58; // ':'
  // Zero-filled: the padding. "value:<n>" never gets shorter as n grows, so no stale byte shows.
  const valBuf = Buffer.alloc(Math.max(size, 26));
  const db = ctx.db;
  for (let j = 0; j < count; j++) {
    const key = argString(keyBuf, 0, Math.min(at + 1 + keyBuf.latin1Write(String(j), at + 1), KEY_BUFFER));
    if (db.get(key) !== undefined) continue;
    const n = valBuf.latin1Write(`value:${j}`, 0);
    db.set(key, argString(valBuf, 0, size === 0 ? n : size));
  }
  return OK;
}

/**
 * DEBUG OBJECT <key>: Redis's line of a value's internals, read as Redis reads it (dictFind: no
 * expiry check, no access, no hit or miss). `Value at` is no address here (a value has none a
 * client could use): a stable number per key's slot in the table, in the form of one. The rest is
 * what OBJECT and DUMP say: the encoding and reference count, the RDB length (rdbcompression as
 * DUMP), and the access field as Redis keeps it (the LRU clock, or the LFU time and counter under
 * an LFU policy, which Redis's lru_seconds_idle reads as a clock all the same).
 */
function debugObject(ctx: Ctx, key: string): Reply {
  const v = ctx.db.dict.get(key);
  if (v === undefined) return err(NO_SUCH_KEY);
  const s = stringOf(v);
  if (s === undefined) return err(`ERR DEBUG OBJECT is not supported for values of type ${typeOf(v)}`);
  const at = (0x7f0000000000 + ctx.db.id * 0x100000000 + ctx.db.dict.slotOf(key) * 16).toString(16);
  const field = ctx.db.accessField(key) ?? 0;
  const idle = Math.floor(idleMs(field, lruClock(ctx.keyspace.time.coarseMs)) / 1000);
  const length = rdbStringLength(s, ctx.server.config.bool('rdbcompression'));
  return status(`Value at:0x${at} refcount:${refcount(ctx, v)} encoding:${encodingOf(v)} serializedlength:${length} lru:${field} lru_seconds_idle:${idle}`);
}

/** A digest, or an error reply naming the value type that cannot be digested yet. */
function digestReply(f: () => Reply): Reply {
  try {
    return f();
  } catch (e) {
    return err(`ERR ${(e as Error).message}`);
  }
}

/**
 * DEBUG ERROR: the text as an error line, its CR and LF made spaces. Redis writes it with
 * addReplySds, not addReplyError, so it is not an error reply to its statistics: no errorstats or
 * total_error_replies count, no failed_calls. Raw bytes here, for the same reason.
 */
function debugError(text: string): Reply {
  return new RawReply(Buffer.from(`-${text.replace(/[\r\n]/g, ' ')}\r\n`, 'latin1'));
}

/** Subcommand name -> [exact argument count, or -min; handler; the most arguments, if bounded]. */
const SUBCOMMANDS: Record<string, [number, (ctx: Ctx, args: string[]) => Reply, number?]> = {
  help: [2, (_ctx, args) => helpReply(args[0], HELP)],
  log: [3, (ctx, a) => (ctx.server.log.warning(clientBytes(`DEBUG LOG: ${cstr(a[2].slice(0, LOG_MAX_LEN))}`)), OK)], // Redis logs it with %s
  sleep: [3, (_ctx, a) => (sleep(strtod(a[2])), OK)],
  'set-active-expire': [3, (ctx, a) => ((ctx.server.activeExpire = atoi(a[2]) !== 0), OK)],
  // As Redis: atoi's microseconds, slept before each write of the AOF's pending bytes (below 1: none).
  'aof-flush-sleep': [3, (ctx, a) => ((ctx.server.aofFlushSleepUs = Math.max(0, atoi(a[2]))), OK)],
  digest: [2, (ctx) => digestReply(() => status(datasetDigest(ctx.keyspace.dbs)))],
  'digest-value': [-2, (ctx, a) => digestReply(() => digestValues(ctx, a.slice(2)))],
  object: [3, (ctx, a) => debugObject(ctx, a[2])],
  error: [3, (_ctx, a) => debugError(a[2])],
  loadaof: [-2, loadAof], // as Redis 7.0, which does not look at further arguments
  populate: [-3, populate, 5],
  reload: [-2, (ctx, a) => reload(ctx, a.slice(2))],
  replybuffer: [4, replyBuffer],
  'config-rewrite-force-all': [2, configRewriteForceAll],
  protocol: [3, debugProtocol],
  'change-repl-id': [2, (ctx) => (ctx.server.log.warning('Changing replication IDs after receiving DEBUG change-repl-id'), OK)],
};

/**
 * DEBUG REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|ms> / RESIZING <0|1>: the idle clients' reply
 * buffer shrinking (server/reply-buffers.ts), as Redis 7.0's debug.c (RESIZING reads its value
 * with atoi: anything not a number is 0). Its words are compared with strcasecmp (cWord); the ms,
 * with getLongFromObject, whole.
 */
function replyBuffer(ctx: Ctx, args: string[]): Reply {
  const cron = ctx.server.replyBuffers;
  const what = cWord(args[2]).toLowerCase();
  const v = args[3];
  if (what === 'peak-reset-time') {
    const lower = cWord(v).toLowerCase();
    const ms = toI64(v);
    if (lower !== 'never' && lower !== 'reset' && ms === null) return err(NOT_INTEGER);
    cron.peakResetMs = lower === 'never' ? -1 : lower === 'reset' ? DEFAULT_PEAK_RESET_MS : Number(ms);
  } else if (what === 'resizing') {
    cron.resizing = atoi(v) !== 0;
  } else {
    return err(subcommandSyntax(args[1], args[0]));
  }
  return OK;
}

/**
 * enable-debug-command is checked by the server before authentication (Server.execute), as Redis.
 * The subcommand name is compared as Redis's strcasecmp: up to a NUL byte (cWord).
 */
function debug(ctx: Ctx, args: string[]): Reply {
  const name = cWord(args[1]).toLowerCase();
  const sub = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  const argc = sub?.[0];
  if (sub === undefined || (argc! >= 0 ? args.length !== argc : args.length < -argc!) || args.length > (sub[2] ?? Infinity)) {
    return err(subcommandSyntax(args[1], args[0]));
  }
  return sub[1](ctx, args);
}

export const debugCommands: CommandSpec[] = [
  command('debug', -2, ['admin', 'noscript', 'loading', 'stale', 'protected'], NO_KEYS, debug),
];

const HELP = [
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'ASSERT',
  '    Crash by assertion failed.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'CRASH-AND-RECOVER [<milliseconds>]',
  '    Hard crash and restart after a <milliseconds> delay (default 0).',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LEAK <string>',
  '    Create a memory leak of the input string.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return hash table statistics of the specified Redis database.',
  'HTSTATS-KEY <key>',
  "    Like HTSTATS but for the hash table stored at <key>'s value.",
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'MALLCTL <key> [<val>]',
  '    Get or set a malloc tuning integer.',
  'MALLCTL-STR <key> [<val>]',
  '    Get or set a malloc tuning string.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
  'OOM',
  '    Crash the server simulating an out-of-memory error.',
  'PANIC',
  '    Crash the server simulating a panic.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  '    it is used instead of the \'key\' prefix. These are not propagated to',
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'RESTART [<milliseconds>]',
  '    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).',
  'SDSLEN <key>',
  '    Show low level SDS string info representing `key` and value.',
  'SEGFAULT',
  '    Crash the server with sigsegv.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Enables or disables checksum checks for RDB files and RESTORE\'s payload.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'STRUCTSIZE',
  '    Return the size of different Redis core C structures.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  '    The optional argument (0 by default) sets the level of detail',
  'CLIENT-EVICTION',
  '    Show low level client eviction pools info (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  '    In case NEVER is provided the last observed peak will never be reset',
  '    In case RESET is provided the peak reset time will be restored to the default value',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Kills the link based on the direction to/from (both) with the provided node.',
];
