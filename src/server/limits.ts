// Hardening limits, as Redis 7.0 applies them to clients:
// - protected mode (networking.c clientAcceptHandler): with protected-mode yes and no password for
//   the default user, a client whose peer address is not 127.0.0.1 or ::1 gets -DENIED and is
//   closed (never one of the Unix socket). Whatever `bind` says (7.0 no longer cares), and
//   127.0.0.2 is not local (checked on a real 7.0.15);
// - `timeout` (clientsCronHandleTimeout): a client idle for more than `timeout` whole seconds is
//   closed. Redis exempts replicas (a MONITOR client is one), masters, blocked clients (a command
//   held by CLIENT PAUSE blocks its client) and pub/sub clients: here monitors and held clients;
// - `client-output-buffer-limit` for the normal class (checkClientOutputBufferLimits), and the
//   internal bound that pauses a client which does not read its replies;
// - the descriptor limit at start (adjustOpenFilesLimit): maxclients is lowered to fit; and the
//   warning for a tcp-backlog the kernel caps (checkTcpBacklogSettings).

import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { obufClass, type ObufClassLimits } from '../config-obuf.js';
import { clientLogLine, idleSeconds } from '../commands/client.js';
import { clientBytes, type Logger } from './log.js';
import type { Connection } from './connection.js';
import { REPLY_BLOCK, REPLY_BUFFER, REPLY_NODE } from './reply-list.js';

/**
 * Pending output above which a client's input is paused (not read, its pipeline not run) until
 * its socket drains. Redis's default `normal 0 0 0` lets a client that never reads grow the
 * server's memory without bound; pausing bounds it (to this plus one reply) without
 * disconnecting anyone: a client that reads slowly gets every reply, only later.
 */
export const OUTPUT_PAUSE = 8 * 1024 * 1024;

/** Redis's CONFIG_MIN_RESERVED_FDS: descriptors kept for files, listeners and the like. */
const RESERVED_FDS = 32;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** True when protected mode refuses a client connecting from `remote` (its peer address). */
export function protectedModeDenies(config: Config, remote: string | undefined): boolean {
  if (!config.bool('protected-mode') || config.get('requirepass') !== '') return false;
  return remote === undefined || !LOOPBACK.has(remote);
}

/**
 * True when `setting` (enable-debug-command, enable-protected-configs) refuses its action to
 * `client`: as Redis 7.0's allowProtectedAction, `local` lets in only clients of the Unix socket and
 * those whose address (CLIENT LIST's `addr`, `ip:port` or `[ip]:port`) is 127.0.0.1 or ::1
 * (islocalClient compares the peer's text; 127.0.0.2 is not local).
 */
export function protectedActionDenied(allowed: string, client: { readonly addr: string; readonly unixSocket: string }): boolean {
  if (allowed === 'yes') return false;
  if (allowed !== 'local') return true;
  if (client.unixSocket !== '') return false;
  const addr = client.addr;
  const host = addr.slice(0, addr.lastIndexOf(':'));
  return !LOOPBACK.has(host.startsWith('[') ? host.slice(1, -1) : host);
}

/**
 * The per-client limits of one server, kept as numbers (run() compares against them per command)
 * and current through CONFIG SET.
 */
export class ClientLimits {
  /** Pending output from which run() asks checkOutput(): the smallest limit in force. */
  outputCheck = OUTPUT_PAUSE;
  /** Pending output above which a client's input is paused. */
  pauseAt = OUTPUT_PAUSE;
  private normal: ObufClassLimits = { hard: 0, soft: 0, softSeconds: 0 };
  private timeout: number;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.timeout = config.int('timeout');
    config.onChange('timeout', (v) => (this.timeout = Number(v)));
    this.setOutputLimits(config.get('client-output-buffer-limit'));
    config.onChange('client-output-buffer-limit', (v) => this.setOutputLimits(v));
  }

  /**
   * With a hard or soft limit above OUTPUT_PAUSE, pausing waits for it: the client reaches the
   * limit and is closed as in Redis, instead of stalling below it.
   */
  private setOutputLimits(value: string): void {
    const n = obufClass(value, 'normal');
    this.normal = n;
    const set = [n.hard, n.soft].filter((x) => x > 0);
    this.pauseAt = Math.max(OUTPUT_PAUSE, ...set.map((x) => x + REPLY_BUFFER));
    // The least pending output whose blocks (checkOutput) reach a limit.
    const reaches = (x: number): number => REPLY_BUFFER + (Math.ceil(x / (REPLY_BLOCK + REPLY_NODE)) - 1) * REPLY_BLOCK + 1;
    this.outputCheck = Math.min(OUTPUT_PAUSE, ...set.map(reaches));
  }

  /**
   * Redis's checkClientOutputBufferLimits for a normal client whose reply list uses `used` bytes: over
   * the hard limit, or over the soft limit for more than its seconds (counted from the first time
   * it was seen over, in whole seconds). Closes the client and logs as Redis; true when closed.
   * `fromCron`: Redis's closeClientOnOutputBufferLimitReached(c, 0) from clientsCron, which frees
   * the client at once and says "closed", where a reply being added schedules it ("ASAP").
   */
  checkOutput(conn: Connection, used: number, nowMs: number, fromCron = false): boolean {
    const { hard, soft, softSeconds } = this.normal;
    // `used`: as Redis 7.0's getClientOutputBufferMemoryUsage, the reply list's blocks as
    // allocated, each of 16 KB rounded up to jemalloc's size class (REPLY_BLOCK usable bytes), plus
    // its list node (replyListBytes, ReplyListTally). Redis counts only the reply list, not its 16 KB
    // static buffer, and never closes a client whose replies all fit in that buffer (with a 1-byte
    // limit, +OK still goes out).
    if (used === 0) return false;
    // Redis's fix of CVE-2025-21605 (6.2.18, 7.2.8, 7.4.3; in Debian's 7.0.15-1~deb12u7, which the
    // differential tests run): a client that must still AUTH is closed once its output memory is
    // over 1024 bytes, whatever the limits. Its reply list grows by nodes of at least 16 KB, so
    // that is as soon as a reply spills out of the static buffer: the 482nd NOAUTH error of a
    // pipeline (481 of 34 bytes fit in 16 KB), before any is written.
    let over = conn.authRequired && used > 1024;
    if (!over) {
      const now = Math.floor(nowMs / 1000);
      over = hard > 0 && used >= hard;
      if (soft > 0 && used >= soft) {
        if (conn.obufSoftSince === 0) conn.obufSoftSince = now;
        else if (now - conn.obufSoftSince > softSeconds) over = true;
      } else {
        conn.obufSoftSince = 0;
      }
    }
    if (!over) return false;
    const how = fromCron ? 'closed' : 'scheduled to be closed ASAP';
    this.log.warning(clientBytes(`Client ${clientLogLine(nowMs, conn)} ${how} for overcoming of output buffer limits.`));
    conn.kill();
    return true;
  }

  /**
   * Periodic checks (serverCron's clientsCron): an idle client past `timeout`, and a client's
   * output against the limits, as Redis 7.0's clientsCron: replies are checked when added, but a
   * client that stopped reading after its last reply gets none added (one left between the soft
   * limit and the pause threshold was never closed), and a limit set by CONFIG SET applies to
   * output already waiting. Null when there is nothing to check; else the check of one client,
   * true when it closed it. The cron's walk of the clients (reply-buffers.ts) runs it for its
   * share of them, numclients/hz a run, as Redis's: each client about once a second.
   */
  cronCheck(nowMs: number): ((c: Connection) => boolean) | null {
    // With a password set, a client that must AUTH is closed over the reply buffer whatever the limits.
    const limited = this.normal.hard > 0 || this.normal.soft > 0 || this.config.get('requirepass') !== '';
    const timeout = this.timeout;
    if (timeout === 0 && !limited) return null;
    return (c) => {
      if (timeout > 0) {
        if (c.outputMoved()) c.lastInteraction = nowMs;
        if (idleSeconds(c, nowMs) > timeout && !c.monitor && !c.blocked) {
          this.log.verbose('Closing idle client');
          c.kill();
          return true;
        }
      }
      return limited && this.checkOutput(c, c.outputListBytes, nowMs, true);
    };
  }
}

/** The soft RLIMIT_NOFILE of this process (Node raised it to the hard limit at start), or null. */
export function openFilesLimit(procLimits = '/proc/self/limits'): number | null {
  let text: string;
  try {
    text = readFileSync(procLimits, 'latin1');
  } catch {
    return null;
  }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (m === null) return null;
  return m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

const SOMAXCONN = '/proc/sys/net/core/somaxconn';

/**
 * Redis's checkTcpBacklogSettings at start: its warning when the kernel caps listen()'s backlog
 * below tcp-backlog (somaxconn, which listen() silently applies), or null.
 */
export function tcpBacklogWarning(backlog: number, somaxconnPath = SOMAXCONN): string | null {
  let somaxconn: number;
  try {
    somaxconn = parseInt(readFileSync(somaxconnPath, 'latin1'), 10); // atoi
  } catch {
    return null;
  }
  if (!(somaxconn > 0 && somaxconn < backlog)) return null;
  return `WARNING: The TCP backlog setting of ${backlog} cannot be enforced because ${SOMAXCONN} is set to the lower value of ${somaxconn}.`;
}

/** Logs Redis's warnings for `maxclients` not fitting in `limit` descriptors; the maxclients that fits. */
function reduceMaxclients(log: Logger, maxclients: number, limit: number): number {
  const lowered = limit - RESERVED_FDS;
  log.warning(`You requested maxclients of ${maxclients} requiring at least ${maxclients + RESERVED_FDS} max file descriptors.`);
  log.warning(`Keystonelight can't raise the open files limit itself (Node.js has no setrlimit): the hard limit is ${limit}.`);
  log.warning(`Current maximum open files is ${limit}. maxclients has been reduced to ${lowered} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.`);
  return lowered;
}

/**
 * Redis's adjustOpenFilesLimit at start: maxclients needs maxclients + 32 descriptors. Node
 * cannot call setrlimit (it already raised the soft limit to the hard one), so when the limit is
 * lower, maxclients is lowered to fit, with Redis's warnings. Returns the error that must stop
 * the start (a limit of 32 or less), or null. Then CONFIG SET maxclients is held to the limit too.
 */
export function adjustOpenFilesLimit(config: Config, log: Logger, limit = openFilesLimit()): string | null {
  if (limit === null) {
    log.verbose('Unable to read the open files limit (no /proc/self/limits): maxclients left as configured.');
    return null;
  }
  config.addCheck('maxclients', (value, prev) => maxclientsCheck(log, Number(value), Number(prev), limit));
  const maxclients = config.int('maxclients');
  const needed = maxclients + RESERVED_FDS;
  if (limit >= needed) return null;
  if (limit <= RESERVED_FDS) {
    // Not logged here: the caller's start failure logs its reason, once.
    return `Your current 'ulimit -n' of ${limit} is not enough for the server to start. Please increase your open file limit to at least ${needed}. Exiting.`;
  }
  config.set('maxclients', String(reduceMaxclients(log, maxclients, limit)));
  return null;
}

/**
 * CONFIG SET maxclients, as Redis's updateMaxclients: raising it past what the descriptors allow
 * fails (the value stays), with Redis's warnings and reason. Lowering it always succeeds.
 */
function maxclientsCheck(log: Logger, value: number, prev: number, limit: number): string | null {
  if (value <= prev || value + RESERVED_FDS <= limit) return null;
  const fits = reduceMaxclients(log, value, limit);
  log.warning('Failed applying new configuration. Possibly related to new maxclients setting. Restoring previous settings.');
  return `The operating system is not able to handle the specified number of clients, try with ${fits}`;
}
