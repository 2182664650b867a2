// Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET.

import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { is, toI64, toInt } from './args.js';
import { err, ErrorReply, MapReply, OK, PONG, status, type Reply } from '../protocol/reply.js';
import { AUTH_NO_PASSWORD, DB_INDEX_RANGE, helloOption, NOPROTO, NOT_INTEGER, SELECT_IN_CLUSTER, SYNTAX, VALUE_RANGE, WRONGPASS, wrongArity } from '../errors.js';
import { REDIS_VERSION } from '../version.js';
import { timingSafeEqual, createHash } from 'node:crypto';
import { aclLog } from './acl-log.js';

const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
const CLIENT_NAME_INVALID = 'ERR Client names cannot contain spaces, newlines or special characters.';

/** Constant-time password check against requirepass (both sides hashed to equal length first). */
function passwordMatches(ctx: Ctx, password: string): boolean {
  const want = ctx.server.config.get('requirepass');
  const h = (s: string): Buffer => createHash('sha256').update(Buffer.from(s, 'latin1')).digest();
  return timingSafeEqual(h(want), h(password));
}

/**
 * The default user's authentication, as Redis 7 with requirepass: with no password configured
 * the default user is "nopass" and accepts anything; other user names do not exist. A failure is
 * an ACL LOG entry, as Redis's ACLAuthenticateUser adds; `args` is the command (AUTH, HELLO).
 */
export function authenticate(ctx: Ctx, user: string, password: string, args: string[]): boolean {
  const required = ctx.server.config.get('requirepass');
  const ok = user === 'default' && (required === '' || passwordMatches(ctx, password));
  if (ok) ctx.client.authenticated = true;
  else aclLog(ctx.server).authFailed(ctx, user, args);
  return ok;
}

export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

function ping(_ctx: Ctx, args: string[]): Reply {
  if (args.length > 2) return err(wrongArity('ping'));
  return args.length === 2 ? args[1] : PONG;
}

/** SELECT parses a C int as Redis's getIntFromObjectOrReply: not a 64-bit integer, then not an int. */
function select(ctx: Ctx, args: string[]): Reply {
  const id = toInt(args[1]);
  if (id === null) return err(NOT_INTEGER);
  if (id < -2147483648 || id > 2147483647) return err(VALUE_RANGE(-2147483648, 2147483647));
  if (id !== 0 && ctx.server.cluster !== null) return err(SELECT_IN_CLUSTER);
  if (id < 0 || id >= ctx.keyspace.dbs.length) return err(DB_INDEX_RANGE);
  ctx.client.dbIndex = id;
  return OK;
}

function auth(ctx: Ctx, args: string[]): Reply {
  if (args.length > 3) return err(SYNTAX);
  if (args.length === 2 && ctx.server.config.get('requirepass') === '') return err(AUTH_NO_PASSWORD);
  const [user, pass] = args.length === 2 ? ['default', args[1]] : [args[1], args[2]];
  return authenticate(ctx, user, pass, args) ? OK : err(WRONGPASS);
}

/**
 * HELLO's options, applied left to right as they are read, as Redis 7.0 does: AUTH authenticates
 * and SETNAME names the connection on the spot, so both stick even when a later option fails or
 * the connection turns out to be unauthenticated. Returns an error reply, or null when all passed.
 */
function helloOptions(ctx: Ctx, args: string[]): ErrorReply | null {
  for (let j = 2; j < args.length; j++) {
    const more = args.length - 1 - j;
    if (is(args[j], 'AUTH') && more >= 2) {
      if (!authenticate(ctx, args[j + 1], args[j + 2], args)) return err(WRONGPASS);
      j += 2;
    } else if (is(args[j], 'SETNAME') && more >= 1) {
      const name = args[++j];
      if (!validClientName(name)) return err(CLIENT_NAME_INVALID);
      ctx.client.name = name;
    } else {
      return helloOption(args[j]);
    }
  }
  return null;
}

function hello(ctx: Ctx, args: string[]): Reply {
  let ver = 0;
  if (args.length >= 2) {
    const v = toI64(args[1]);
    if (v === null) return err('ERR Protocol version is not an integer or out of range');
    if (v < 2n || v > 3n) return err(NOPROTO);
    ver = Number(v);
  }
  const failed = helloOptions(ctx, args);
  if (failed !== null) return failed;
  if (!ctx.client.authenticated) return err(HELLO_NOAUTH);
  if (ver) ctx.client.proto = ver;
  return new MapReply([
    'server', 'redis',
    'version', REDIS_VERSION,
    'proto', ctx.client.proto,
    'id', ctx.client.id,
    'mode', ctx.server.cluster !== null ? 'cluster' : 'standalone',
    'role', 'master',
    'modules', [],
  ]);
}

function reset(ctx: Ctx): Reply {
  const c = ctx.client;
  c.dbIndex = 0;
  c.proto = 2;
  c.name = '';
  c.authenticated = ctx.server.config.get('requirepass') === '';
  c.clusterReadonly = false;
  // As Redis's clearClientConnectionState: replies come back on (a SKIP of RESET itself stays).
  c.setReplyMode('reset');
  if (c.monitor) ctx.server.monitors.remove(c);
  c.tx.discard(ctx.server.watches); // out of MULTI, nothing watched
  return status('RESET');
}

function quit(ctx: Ctx): Reply {
  ctx.client.closeAfterReply();
  return OK;
}

export const connectionCommands: CommandSpec[] = [
  command('ping', -1, ['fast'], NO_KEYS, ping),
  command('echo', 2, ['loading', 'stale', 'fast'], NO_KEYS, (_c, a) => a[1]),
  command('quit', -1, ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'], NO_KEYS, quit),
  command('select', 2, ['loading', 'stale', 'fast'], NO_KEYS, select),
  command('auth', -2, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], NO_KEYS, auth),
  command('hello', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], NO_KEYS, hello),
  command('reset', 1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], NO_KEYS, reset),
];
