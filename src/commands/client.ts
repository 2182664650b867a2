// CLIENT and its subcommands: connection introspection and control, in Redis 7.0's formats.
//
// CLIENT SETINFO is Redis 7.2's (client libraries send it on connect); the values it stores are
// not shown by CLIENT LIST, whose line keeps Redis 7.0's fields. State only this module reads
// (NO-EVICT) lives in a WeakMap beside the connection rather than on the ClientApi.

import { container } from './dispatch.js';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { cWord, msTimeout, toI64 } from './args.js';
import { helpReply } from './command.js';
import { validClientName } from './connection.js';
import type { ClientApi } from './context.js';
import { Deferred, err, ErrorReply, MapReply, NO_REPLY, OK, SetReply, type Reply } from '../protocol/reply.js';
import { LongText } from '../protocol/long-text.js';
import { LOG_MAX_LEN } from '../server/log.js';
import { cstr, noSuchUser, NOT_INTEGER, subcommandSyntax, SYNTAX, unknownClientType, unrecognizedOption } from '../errors.js';
import { wallNow } from '../timers.js';

const HELP = [
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
];

const CLIENT_NAME_INVALID = 'ERR Client names cannot contain spaces, newlines or special characters.';

/** Per-connection flags only CLIENT reads. */
const noEvict = new WeakSet<ClientApi>();

/** Redis's client types; every Keystonelight connection is a normal one. */
const CLIENT_TYPES = new Set(['normal', 'slave', 'replica', 'pubsub', 'master']);
const typeOf = (name: string): string | null => {
  const t = cWord(name).toLowerCase();
  return CLIENT_TYPES.has(t) ? (t === 'slave' ? 'replica' : t) : null;
};

/**
 * CLIENT LIST flags in Redis's order: O a monitor, b held by CLIENT PAUSE, c closing once its
 * replies are sent (QUIT; shown in the log line of a client closed over its output limit), u its
 * wait ended (CLIENT UNBLOCK, UNPAUSE) and its pipeline resumes after the current command, U
 * connected through the Unix socket, r READONLY in cluster mode, e no-evict, N none.
 */
const flagsOf = (c: ClientApi): string =>
  `${c.monitor ? 'O' : ''}${c.tx.queue !== null ? 'x' : ''}${c.blocked ? 'b' : ''}${c.tx.dirtyCas ? 'd' : ''}${c.closingAfterReply === true ? 'c' : ''}${c.unblocked ? 'u' : ''}${c.unixSocket !== '' ? 'U' : ''}${c.clusterReadonly ? 'r' : ''}${noEvict.has(c) ? 'e' : ''}` || 'N';

const wholeSeconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Seconds a client has been idle at `now` (ms), as Redis counts them (CLIENT LIST idle=, `timeout`):
 * the difference of whole-second timestamps, so 0.2 s across a second boundary is 1.
 */
export function idleSeconds(c: ClientApi, now: number): number {
  return wholeSeconds(now) - wholeSeconds(c.lastInteraction);
}

/** Redis's PROTO_REPLY_CHUNK_BYTES: a client's static reply buffer, and the least a reply chunk holds. */
const REPLY_CHUNK = 16 * 1024;

/**
 * A client's output as CLIENT LIST shows it (obl, oll, omem), as Redis lays it out: the first
 * REPLY_CHUNK bytes in its static buffer (obl), the rest in a list of chunks of at least that size
 * (oll), counted by omem (Redis's getClientOutputBufferMemoryUsage, which INFO's
 * client_recent_max_output_buffer records too, server/client-peaks.ts). Output of earlier turns
 * still waiting for the socket is past the static buffer (Redis writes that first).
 */
export function clientOutputMemory(c: ClientApi): { obl: number; oll: number; omem: number } {
  const pending = c.outputBufferLength;
  const obl = c.writeWaiting === true ? 0 : Math.min(pending, REPLY_CHUNK);
  const oll = Math.ceil((pending - obl) / REPLY_CHUNK);
  return { obl, oll, omem: oll * REPLY_CHUNK };
}

/**
 * CLIENT LIST argv-mem: the arguments of `args` (the running command), of the client's held
 * command, or of the request it is receiving (Redis's argv_len_sum counts those parsed so far).
 */
function argvMemory(c: ClientApi, args: readonly string[] | null): number {
  const argv = args ?? c.heldArgs;
  return argv !== null ? argv.reduce((n, a) => n + a.length, 0) : c.partialArgBytes;
}

/**
 * A client's input memory as INFO's client_recent_max_input_buffer records it (Redis's
 * clientsCronTrackExpansiveClients): CLIENT LIST's qbuf plus argv-mem.
 */
export function clientInputMemory(c: ClientApi): number {
  return c.queryBufferLength + argvMemory(c, null);
}

/**
 * One CLIENT LIST line in Redis 7.0's field order (also the client in log lines, as Redis's
 * catClientInfoString), without its newline, in three parts: the fields up to `name=`, the name,
 * and the rest. A name may be 512 MB, and two such lines are longer than a JS string can be
 * (long-text.ts). `args` is the running command of the caller (argv-mem counts it, as Redis
 * counts the arguments of a command being executed); another client's held by CLIENT PAUSE counts too.
 */
function clientLineParts(now: number, c: ClientApi, args: string[] | null): [string, string, string] {
  const qbuf = c.queryBufferLength;
  const { obl, oll, omem } = clientOutputMemory(c);
  const argvMem = argvMemory(c, args);
  const multiMem = c.tx.queuedBytes;
  const fields: [string, string | number][] = [
    ['age', wholeSeconds(now) - wholeSeconds(c.createdAt)], ['idle', Math.max(0, idleSeconds(c, now))],
    ['flags', flagsOf(c)], ['db', c.dbIndex], ['sub', 0], ['psub', 0], ['ssub', 0], ['multi', c.tx.queue?.length ?? -1],
    ['qbuf', qbuf], ['qbuf-free', 0], ['argv-mem', argvMem], ['multi-mem', multiMem], ['rbs', c.replyBufferSize], ['rbp', c.replyBufferPeak],
    ['obl', obl], ['oll', oll], ['omem', omem], ['tot-mem', qbuf + omem + argvMem + multiMem + c.replyBufferSize],
    ['events', c.writeWaiting === true ? 'rw' : 'r'], ['cmd', c.lastCommand], ['user', 'default'], ['redir', -1], ['resp', c.proto],
  ];
  const head = `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=`;
  return [head, c.name, ` ${fields.map(([k, v]) => `${k}=${v}`).join(' ')}`];
}

/** Adds the lines of `clients` (each with its newline) to `text`. */
function addClientLines(text: LongText, now: number, clients: ClientApi[], caller: ClientApi, args: string[]): void {
  for (const c of clients) {
    for (const part of clientLineParts(now, c, c === caller ? args : null)) text.add(part);
    text.add('\n');
  }
}

/**
 * A client's CLIENT LIST line (without newline) for ACL LOG's client-info: `args` the caller's
 * running command, as clientLineParts.
 */
export function clientInfoText(now: number, c: ClientApi, args: string[]): LongText {
  const text = new LongText();
  for (const part of clientLineParts(now, c, args)) text.add(part);
  return text;
}

/**
 * A client's CLIENT LIST line for a log message: its name cut at LOG_MAX_LEN bytes, as Redis's
 * serverLog cuts the whole message there (clientBytes: cut the message too). With a name of
 * 512 MB the line could not be made, and the exception of the log line of a protocol error ended
 * the process.
 */
export function clientLogLine(now: number, c: ClientApi): string {
  const [head, name, rest] = clientLineParts(now, c, null);
  return head + name.slice(0, LOG_MAX_LEN) + rest;
}

/** CLIENT LIST and INFO answer a verbatim string in RESP3, a bulk string in RESP2. */
const text = (ctx: Ctx, t: LongText): Reply => t.reply(ctx.client.proto, true);

function clientInfo(ctx: Ctx, args: string[]): Reply {
  const t = new LongText();
  addClientLines(t, wallNow(), [ctx.client], ctx.client, args);
  return text(ctx, t);
}

function clientList(ctx: Ctx, args: string[]): Reply {
  const clients = [...ctx.server.clients()];
  // age and idle are wall-clock times, as the client's creation and last interaction (never the
  // injected clock, which a test may set years away: age was -95867440 under a ManualClock()).
  const now = wallNow();
  const lines = (shown: ClientApi[]): Reply => {
    const t = new LongText();
    addClientLines(t, now, shown, ctx.client, args);
    return text(ctx, t);
  };
  if (args.length === 2) return lines(clients);
  if (args.length === 4 && cWord(args[2]) === 'TYPE') {
    const type = typeOf(args[3]);
    if (type === null) return unknownClientType(args[3]);
    return lines(type === 'normal' ? clients : []);
  }
  if (args.length > 3 && cWord(args[2]) === 'ID') {
    const ids: bigint[] = [];
    for (const a of args.slice(3)) {
      const id = toI64(a);
      if (id === null) return err('ERR Invalid client ID');
      ids.push(id);
    }
    const byId = new Map(clients.map((c) => [BigInt(c.id), c]));
    return lines(ids.map((id) => byId.get(id)).filter((c): c is ClientApi => c !== undefined));
  }
  return err(SYNTAX);
}

interface KillFilter {
  id?: number;
  type?: string;
  addr?: string;
  laddr?: string;
  skipme: boolean;
}

/** Parses CLIENT KILL's filter form (Redis checks the options in order); a filter or an error. */
function killFilter(args: string[]): KillFilter | ErrorReply {
  const f: KillFilter = { skipme: true };
  for (let i = 2; i < args.length; i += 2) {
    const opt = cWord(args[i]).toLowerCase();
    const val = args[i + 1];
    if (val === undefined) return err(SYNTAX);
    if (opt === 'id') {
      const id = toI64(val);
      if (id === null || id < 1n) return err('ERR client-id should be greater than 0');
      f.id = Number(id);
    } else if (opt === 'type') {
      const t = typeOf(val);
      if (t === null) return unknownClientType(val);
      f.type = t;
    } else if (opt === 'addr') f.addr = cstr(val); // compared with strcmp: up to a NUL byte
    else if (opt === 'laddr') f.laddr = cstr(val);
    else if (opt === 'user') {
      if (val !== 'default') return noSuchUser(val);
    } else if (opt === 'skipme') {
      const v = cWord(val).toLowerCase();
      if (v !== 'yes' && v !== 'no') return err(SYNTAX);
      f.skipme = v === 'yes';
    } else return err(SYNTAX);
  }
  return f;
}

const matches = (f: KillFilter, c: ClientApi, self: ClientApi): boolean =>
  (f.addr === undefined || c.addr === f.addr) && (f.laddr === undefined || c.laddr === f.laddr) &&
  (f.type === undefined || f.type === 'normal') && (f.id === undefined || c.id === f.id) && !(c === self && f.skipme);

/** CLIENT KILL addr (old form: may kill the caller; error when none) or CLIENT KILL <filters>. */
function clientKill(ctx: Ctx, args: string[]): Reply {
  const old = args.length === 3;
  const f = old ? { addr: cstr(args[2]), skipme: false } : killFilter(args);
  if (f instanceof ErrorReply) return f;
  let killed = 0;
  for (const c of [...ctx.server.clients()]) {
    if (!matches(f, c, ctx.client)) continue;
    if (c === ctx.client) c.closeAfterReply();
    else c.kill();
    killed++;
  }
  if (!old) return killed;
  return killed === 0 ? err('ERR No such client') : OK;
}

function clientSetName(ctx: Ctx, args: string[]): Reply {
  if (!validClientName(args[2])) return err(CLIENT_NAME_INVALID);
  ctx.client.name = args[2];
  return OK;
}

/** CLIENT SETINFO LIB-NAME|LIB-VER value, as Redis 7.2. */
function clientSetInfo(ctx: Ctx, args: string[]): Reply {
  const attr = cWord(args[2]).toLowerCase();
  if (attr !== 'lib-name' && attr !== 'lib-ver') return unrecognizedOption(args[2]);
  if (!validClientName(args[3])) return err(`ERR ${cstr(args[2])} cannot contain spaces, newlines or special characters.`);
  if (attr === 'lib-name') ctx.client.libName = args[3];
  else ctx.client.libVer = args[3];
  return OK;
}

/** An ON|OFF argument (any case), or null. */
function onOff(arg: string): boolean | null {
  const v = cWord(arg).toLowerCase();
  return v === 'on' ? true : v === 'off' ? false : null;
}

function clientNoEvict(ctx: Ctx, args: string[]): Reply {
  const on = onOff(args[2]);
  if (on === null) return err(SYNTAX);
  if (on) noEvict.add(ctx.client);
  else noEvict.delete(ctx.client);
  return OK;
}

/** CLIENT REPLY ON|OFF|SKIP: the connection stops (or skips one) reply; ON answers OK, the others nothing, as Redis. */
function clientReply(ctx: Ctx, args: string[]): Reply {
  const mode = cWord(args[2]).toLowerCase();
  if (mode !== 'on' && mode !== 'off' && mode !== 'skip') return err(SYNTAX);
  ctx.client.setReplyMode(mode);
  return mode === 'on' ? OK : NO_REPLY;
}

/** Tracking (client-side caching) is never enabled here: the replies of a connection without it. */
function clientTrackingInfo(): Reply {
  // The flags are a set of deferred length, as Redis's.
  return new MapReply(['flags', new Deferred(new SetReply(['off'])), 'redirect', -1, 'prefixes', []]);
}

/** CLIENT PAUSE timeout [WRITE|ALL] (timeout in ms, as Redis's getTimeoutFromObjectOrReply). */
function clientPause(ctx: Ctx, args: string[]): Reply {
  if (args.length > 4) return err(subcommandSyntax(args[1], args[0]));
  // The mode first, as Redis: `CLIENT PAUSE abc FOO` is a mode error. Its word ends at a NUL (strcasecmp).
  let mode: 'write' | 'all' = 'all';
  if (args.length === 4) {
    const m = cWord(args[3]);
    if (m !== 'WRITE' && m !== 'ALL') return err('ERR CLIENT PAUSE mode must be WRITE or ALL');
    mode = m === 'WRITE' ? 'write' : 'all';
  }
  const t = msTimeout(args[2]);
  if (t instanceof ErrorReply) return t;
  const now = wallNow();
  // Redis 7.0 adds the timeout to the clock unchecked: past LLONG_MAX the end wraps below now, and
  // the pause ends at its next check (redis-server 7.0.15: a write 200 ms later runs). Ours ends
  // in the next event-loop turn, as a pause of 0.
  const ms = BigInt(now) + t > 0x7fffffffffffffffn ? 0 : Number(t > 0x7fffffffffffffn ? 0x7fffffffffffffn : t);
  ctx.server.pause.pause(now, ms, mode);
  return OK;
}

/**
 * CLIENT UNBLOCK id [TIMEOUT|ERROR], as Redis 7.0: the reason is checked before the id. A client
 * blocked in WAIT answers now (TIMEOUT, the default: the replicas that acknowledged, 0; ERROR:
 * -UNBLOCKED) and its pipeline goes on: 1. Any other client: 0, also one held by CLIENT PAUSE
 * (redis-server 7.0.15 crashes on that, "Unknown btype in replyToBlockedClientTimedOut()"; 7.2
 * answers 0). The error sent to the other client counts as a failed call of CLIENT UNBLOCK, as
 * Redis's call() sees its error count rise.
 */
function clientUnblock(ctx: Ctx, args: string[]): Reply {
  if (args.length > 4) return err(subcommandSyntax(args[1], args[0]));
  let error = false;
  if (args.length === 4) {
    const reason = cWord(args[3]);
    if (reason !== 'TIMEOUT' && reason !== 'ERROR') return err('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
    error = reason === 'ERROR';
  }
  const id = toI64(args[2]);
  if (id === null) return err(NOT_INTEGER);
  // Client IDs are positive safe integers: anything else names no client.
  const n = id >= 1n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : -1;
  for (const c of ctx.server.clients()) {
    if (c.id !== n) continue;
    if (!c.unblock(error)) return 0;
    if (error) ctx.server.commandStats.of(unblockSpec).failed++;
    return 1;
  }
  return 0;
}

function clientUnpause(ctx: Ctx): Reply {
  ctx.server.pause.unpause();
  return OK;
}

const CONN = ['noscript', 'loading', 'stale'] as const;
const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;
const unblockSpec = command('client|unblock', -3, ADMIN, NO_KEYS, clientUnblock);

export const clientCommands: CommandSpec[] = [
  container('client', -2, [
    command('client|getname', 2, CONN, NO_KEYS, (ctx) => ctx.client.name || null),
    command('client|getredir', 2, CONN, NO_KEYS, () => -1),
    command('client|help', 2, ['loading', 'stale'], NO_KEYS, (_ctx, args) => helpReply(args[0], HELP)),
    command('client|id', 2, CONN, NO_KEYS, (ctx) => ctx.client.id),
    command('client|info', 2, CONN, NO_KEYS, clientInfo),
    command('client|kill', -3, ADMIN, NO_KEYS, clientKill),
    command('client|list', -2, ADMIN, NO_KEYS, clientList),
    command('client|no-evict', 3, ADMIN, NO_KEYS, clientNoEvict),
    command('client|pause', -3, ADMIN, NO_KEYS, clientPause),
    command('client|reply', 3, CONN, NO_KEYS, clientReply),
    command('client|setinfo', 4, CONN, NO_KEYS, clientSetInfo),
    command('client|setname', 3, CONN, NO_KEYS, clientSetName),
    command('client|trackinginfo', 2, CONN, NO_KEYS, clientTrackingInfo),
    unblockSpec,
    command('client|unpause', 2, ADMIN, NO_KEYS, clientUnpause),
  ]),
];
