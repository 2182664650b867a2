// MONITOR: a client that sends it receives, from then on, one status line per command run by any
// client (itself included), as Redis 7.0's replicationFeedMonitors writes it:
//
//   +1700000000.123456 [0 127.0.0.1:54321] "SET" "k" "v"
//
// (wall-clock seconds and µs when the command finished, the client's database after the command,
// its address, every argument in sdscatrepr quoting), in RESP2 and RESP3 alike. Commands refused
// before running are not shown, nor admin commands and those flagged skip_monitor; AUTH's and
// HELLO AUTH's secrets show as "(redacted)". A monitoring client may still send commands that do
// not touch the keyspace (Redis treats it as a replica); RESET ends monitoring, QUIT closes.
// The slow log shows arguments through the same redaction.

import { performance } from 'node:perf_hooks';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import type { ClientApi } from './context.js';
import { err, OK, RawReply, type Reply } from '../protocol/reply.js';
import { MONITOR_IN_MULTI } from '../errors.js';
import { walkMigrateOptions } from './migrate-options.js';
import { findOption } from '../config.js';
import { putRepr, reprLength } from '../config-values.js';

/** A reply of no bytes: MONITOR from a client already monitoring is ignored silently, as in Redis. */
const NOTHING = new RawReply(Buffer.alloc(0));

const REDACTED = '(redacted)';

/**
 * The arguments as logs show them (monitor, slowlog): the secrets of AUTH, HELLO AUTH, ACL SETUSER
 * and of CONFIG SET's sensitive options (requirepass) show as "(redacted)".
 */
export function redacted(spec: CommandSpec, args: string[]): string[] {
  switch (spec.name) {
    case 'auth': return args.map((a, i) => (i === 0 ? a : REDACTED));
    // Redis's aclCommand redacts every argument of SETUSER (the name and its rules, passwords
    // among them) before anything else, so even a refused one shows none.
    case 'acl|setuser': return args.map((a, i) => (i < 2 ? a : REDACTED));
    case 'hello': return redactHello(args);
    case 'config|set': return redactConfigSet(args);
    case 'migrate': return redactMigrate(args);
    default: return args;
  }
}

function redactHello(args: string[]): string[] {
  let out = args;
  for (let i = 2; i < args.length; i++) {
    if (args[i].toLowerCase() === 'auth' && i + 2 < args.length) {
      if (out === args) out = args.slice();
      out[i + 1] = out[i + 2] = REDACTED;
      i += 2;
    }
  }
  return out;
}

/**
 * As migrateCommand's redactClientCommandArgument calls: AUTH's password, AUTH2's user and password,
 * as its parse reaches them (up to a KEYS or a syntax error).
 */
function redactMigrate(args: string[]): string[] {
  const out = args.slice();
  const { secrets, bad } = walkMigrateOptions(args);
  for (const j of secrets) if (bad < 0 || j < bad) out[j] = REDACTED;
  return out;
}

/**
 * As Redis's configSetCommand: the value of every sensitive option named, even when the command
 * then fails on another pair; nothing when the arguments are not pairs (a syntax error first).
 */
function redactConfigSet(args: string[]): string[] {
  if (args.length % 2 !== 0) return args;
  let out = args;
  for (let i = 2; i < args.length; i += 2) {
    if (findOption(args[i])?.sensitive !== true) continue;
    if (out === args) out = args.slice();
    out[i + 1] = REDACTED;
  }
  return out;
}

/** True for commands Redis never shows to monitors. */
export const hiddenFromMonitors = (spec: CommandSpec): boolean =>
  spec.flags.includes('admin') || spec.flags.includes('skip_monitor');

/** Wall-clock "seconds.micros" (performance.timeOrigin + now(): µs precision, unlike Date.now()). */
function timestamp(): string {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}

/**
 * The monitor line for `args` run by `client` in database `db`: its status reply's bytes, made once
 * for every monitor. Built as bytes: a quoted argument takes up to 4 bytes a byte, and the line was
 * a string built a character at a time (a 20 MB binary SET with a monitor: 5.4 s and 1.6 GB of RSS,
 * redis-server 1.1 s and 200 MB; 200 MB had not answered after 60 s at 7.8 GB), which past V8's
 * longest string (512 MB: a 128 MB binary argument) could not be built at all.
 */
export function monitorLine(client: ClientApi, db: number, args: readonly string[]): RawReply {
  // As Redis's replicationFeedMonitors: a client of the Unix socket is shown by its path.
  const head = `+${timestamp()} [${db} ${client.unixSocket === '' ? client.addr : `unix:${client.unixSocket}`}]`;
  let n = head.length + 2;
  for (let i = 0; i < args.length; i++) n += 1 + reprLength(args[i]);
  const line = Buffer.allocUnsafe(n);
  let at = line.latin1Write(head, 0);
  for (let i = 0; i < args.length; i++) {
    line[at] = 32;
    at = putRepr(line, at + 1, args[i]);
  }
  line[at] = 13;
  line[at + 1] = 10;
  return new RawReply(line);
}

/** The clients in monitor mode, in the order they started. */
export class Monitors {
  private list: ClientApi[] = [];
  /**
   * True while nothing is shown: set by the server to "the dataset is loading", as Redis 7.0's
   * replicationFeedMonitors returns at once while server.loading (at start-up, clients that may
   * run while loading, INFO, CONFIG, ECHO..., are not shown to monitors).
   */
  silent: () => boolean = () => false;

  get count(): number {
    return this.list.length;
  }

  add(c: ClientApi): void {
    if (!this.list.includes(c)) this.list.push(c);
    c.monitor = true;
  }

  remove(c: ClientApi): void {
    this.list = this.list.filter((m) => m !== c);
    c.monitor = false;
  }

  /** Sends the line of a command that ran to every monitor (the caller's own after its reply). */
  feed(spec: CommandSpec, client: ClientApi, args: string[]): void {
    if (hiddenFromMonitors(spec) || this.silent()) return;
    const line = monitorLine(client, client.dbIndex, redacted(spec, args));
    for (const m of this.list) m.sendMonitorLine(line, m === client);
  }
}

function monitor(ctx: Ctx): Reply {
  // As Redis 7.0 (CLIENT_DENY_BLOCKING): run by EXEC (still in MULTI), a client expects one reply per command.
  if (ctx.client.tx.queue !== null) return err(MONITOR_IN_MULTI);
  if (ctx.client.monitor) return NOTHING;
  ctx.server.monitors.add(ctx.client);
  return OK;
}

export const monitorCommands: CommandSpec[] = [
  command('monitor', 1, ['admin', 'noscript', 'loading', 'stale'], NO_KEYS, monitor),
];
