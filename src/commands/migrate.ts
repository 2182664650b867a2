// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
//   [AUTH2 username password] [KEYS key [key ...]]: Redis 7.0's cluster.c migrateCommand.
//
// The keys are sent to the target as RESTORE commands (RESTORE-ASKING in cluster mode) of their
// DUMP payloads and remaining TTLs, after AUTH and a SELECT when the cached connection last used
// another database, written 64 MB at a time; then the replies are read, one line each. Each key
// the target accepted is deleted here (unless COPY), and the deletions reach the AOF as one DEL.
// As in Redis the whole exchange happens inside the command, the server waiting
// (server/sync-links.ts): no other client sees the keys in between. On a failed write or read (not
// a timeout) of a cached connection, Redis tries once more on a fresh one; so does this.

import { command, type CommandSpec, type Ctx } from './types.js';
import { toI64 } from './args.js';
import { walkMigrateOptions, type MigrateOptionWalk } from './migrate-options.js';
import { lookupRead } from './keyaccess.js';
import { dumpBulk } from './dump-payload.js';
import { err, ErrorReply, OK, SimpleString, type Reply } from '../protocol/reply.js';
import { MIGRATE_CONNECT, MIGRATE_IO, MIGRATE_KEYS_EMPTY, MIGRATE_TARGET, NOT_INTEGER, SYNTAX } from '../errors.js';
import { stringOf } from '../keyspace/values.js';
import type { CachedLink } from '../server/sync-links.js';

/** The command's options: those the walk read (migrate-options.ts), the target's database, where the keys are. */
interface MigrateOptions extends Pick<MigrateOptionWalk, 'copy' | 'replace' | 'username' | 'password'> {
  /** The target's database (checked after the options, as Redis). */
  dbid: bigint;
  /** Where the keys are in the arguments: the key argument alone, or those after KEYS. */
  firstKey: number;
  numKeys: number;
}

/**
 * The options after the timeout, as migrateCommand parses them: in order, so the first argument
 * it cannot read (a syntax error) or a KEYS after a key argument decides the error.
 */
function parseOptions(args: string[]): MigrateOptions | ErrorReply {
  const w = walkMigrateOptions(args);
  if (w.bad >= 0) return err(SYNTAX);
  if (w.keys >= 0 && args[3] !== '') return err(MIGRATE_KEYS_EMPTY);
  const { copy, replace, username, password } = w;
  const firstKey = w.keys >= 0 ? w.keys : 3;
  return { copy, replace, username, password, dbid: 0n, firstKey, numKeys: w.keys >= 0 ? args.length - firstKey : 1 };
}

/** A RESP command of `count` arguments, `words` the first of them, as the bytes sent to the target. */
function resp(words: string[], count = words.length): string {
  let s = `*${count}\r\n`;
  for (const w of words) s += `$${w.length}\r\n${w}\r\n`;
  return s;
}

/** A key to send: its name, value and remaining TTL in ms (0 without one). */
interface Outgoing {
  key: string;
  value: string;
  ttl: number;
}

/** The keys found by the first lookup, with their values. */
type Found = { key: string; value: string }[];

/**
 * The keys to send, with their TTLs: those found, less any whose deadline has passed since (as
 * Redis, which may have spent time serialising the ones before).
 */
function outgoing(ctx: Ctx, found: Found): Outgoing[] {
  const out: Outgoing[] = [];
  for (const { key, value } of found) {
    const at = ctx.db.getExpire(key);
    let ttl = 0;
    if (at !== -1) {
      ttl = at - ctx.clockNow;
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    out.push({ key, value, ttl });
  }
  return out;
}

/**
 * A request's bytes are written in pieces of about this size (a key's payload over it is a piece
 * of its own): the whole request as one Buffer could not pass Node's 4 GB (nine keys of 500 MB).
 */
const WRITE_PIECE = 64 * 1024 * 1024;

/**
 * The bytes of one attempt, piece by piece: AUTH, SELECT when the connection is on another
 * database, the RESTOREs. A key's payload is made when the pieces before it have been written.
 */
function* request(ctx: Ctx, o: MigrateOptions, select: string | null, keys: Outgoing[]): Generator<Buffer> {
  let parts: Buffer[] = [];
  let bytes = 0;
  const take = (): Buffer => {
    const b = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    parts = [];
    bytes = 0;
    return b;
  };
  let head = '';
  if (o.password !== null) head += resp(o.username !== null ? ['AUTH', o.username, o.password] : ['AUTH', o.password]);
  if (select !== null) head += resp(['SELECT', select]);
  parts.push(Buffer.from(head, 'latin1'));
  const restore = ctx.server.cluster !== null ? 'RESTORE-ASKING' : 'RESTORE';
  const compress = ctx.server.config.bool('rdbcompression');
  const tail = o.replace ? Buffer.from('$7\r\nREPLACE\r\n') : null;
  for (const k of keys) {
    const cmd = [Buffer.from(resp([restore, k.key, String(k.ttl)], o.replace ? 5 : 4), 'latin1'), dumpBulk(k.value, compress)];
    if (tail !== null) cmd.push(tail);
    for (const b of cmd) {
      if (b.length >= WRITE_PIECE) {
        // Not copied again: the bytes before it, then it.
        if (bytes > 0) yield take();
        yield b;
        continue;
      }
      parts.push(b);
      bytes += b.length;
      if (bytes >= WRITE_PIECE) yield take();
    }
  }
  if (bytes > 0) yield take();
}

/** What one attempt came to: a reply, or a socket error that may be retried on a new connection. */
type Attempt = Reply | { retry: true };

/** One attempt's exchange: the connection, its AUTH and SELECT replies to skip, the keys sent. */
interface Exchange {
  link: CachedLink;
  heads: number;
  dbid: bigint;
  keys: Outgoing[];
  mayRetry: boolean;
}

/** Redis's socket_err label: the connection closed, then one retry unless it timed out. */
function socketError(ctx: Ctx, x: Exchange, timedOut: boolean, writing: boolean): Attempt {
  ctx.server.migrateLinks.close(x.link.name);
  return x.mayRetry && !timedOut ? { retry: true } : err(MIGRATE_IO(writing));
}

/**
 * The replies to one attempt's request and what they do, as migrateCommand after its write: keys
 * the target accepted are deleted (unless COPY); the first error (AUTH's, SELECT's, then a
 * RESTORE's) becomes the reply; a connection that fails before the first RESTORE reply is retried.
 */
function settle(ctx: Ctx, o: MigrateOptions, x: Exchange, lines: string[], timedOut: boolean): Attempt {
  if (lines.length < x.heads) return socketError(ctx, x, timedOut, false);
  const headError = lines.slice(0, x.heads).find((l) => l.startsWith('-'));
  const replies = lines.slice(x.heads);
  let failed: ErrorReply | null = null;
  const deleted: string[] = [];
  for (let j = 0; j < replies.length; j++) {
    const error = headError ?? (replies[j].startsWith('-') ? replies[j] : undefined);
    if (error !== undefined) {
      if (failed === null) {
        x.link.lastDbid = -1n;
        failed = err(MIGRATE_TARGET(error.slice(1)));
      }
    } else if (!o.copy) {
      ctx.db.remove(x.keys[j].key);
      deleted.push(x.keys[j].key);
    }
  }
  const broken = replies.length < x.keys.length;
  if (broken && failed === null && replies.length === 0 && x.mayRetry && !timedOut) return socketError(ctx, x, false, false);
  if (broken) ctx.server.migrateLinks.close(x.link.name);
  if (deleted.length > 0) ctx.propagate(['DEL', ...deleted], deleted.length);
  if (failed !== null) return failed;
  if (broken) return err(MIGRATE_IO(false));
  x.link.lastDbid = x.dbid;
  return OK;
}

/** One attempt: connect (or reuse the cached connection), write everything, read the replies. */
function attempt(ctx: Ctx, args: string[], o: MigrateOptions, found: Found, timeout: number, mayRetry: boolean): Attempt {
  const links = ctx.server.migrateLinks;
  const link = links.get(args[1], args[2], timeout, Math.floor(ctx.now / 1000));
  if (link === null) return err(MIGRATE_CONNECT);
  const select = link.lastDbid !== o.dbid ? String(o.dbid) : null;
  const x: Exchange = { link, heads: (o.password !== null ? 1 : 0) + (select !== null ? 1 : 0), dbid: o.dbid, keys: outgoing(ctx, found), mayRetry };
  for (const piece of request(ctx, o, select, x.keys)) {
    const w = links.write(link, piece, timeout);
    if (!w.ok) return socketError(ctx, x, w.timedOut, true);
  }
  const r = links.read(link, x.heads + x.keys.length, timeout);
  return settle(ctx, o, x, r.lines, r.timedOut);
}

const retried = (a: Attempt): a is { retry: true } => typeof a === 'object' && a !== null && 'retry' in a;

function migrate(ctx: Ctx, args: string[]): Reply {
  const o = parseOptions(args);
  if (o instanceof ErrorReply) return o;
  const timeoutArg = toI64(args[5]);
  const dbid = toI64(args[4]);
  if (timeoutArg === null || dbid === null) return err(NOT_INTEGER);
  o.dbid = dbid;
  const timeout = timeoutArg <= 0n ? 1000 : Number(timeoutArg);
  // Keys missing (or expired) now are left out; none left: +NOKEY, not an error (Redis: "often
  // this is due to a normal condition like the key expiring in the meantime").
  const found: Found = [];
  for (let j = 0; j < o.numKeys; j++) {
    const key = args[o.firstKey + j];
    const v = lookupRead(ctx, key);
    if (v !== undefined) found.push({ key, value: stringOf(v) ?? '' });
  }
  if (found.length === 0) return new SimpleString('NOKEY');
  const first = attempt(ctx, args, o, found, timeout, true);
  if (!retried(first)) return first;
  // The second attempt may not retry (socketError answers the IOERR itself): the check is for the type.
  const second = attempt(ctx, args, o, found, timeout, false);
  return retried(second) ? err(MIGRATE_IO(false)) : second;
}

export const migrateCommands: CommandSpec[] = [
  command('migrate', -6, ['write', 'movablekeys'], [3, 3, 1], migrate),
];
