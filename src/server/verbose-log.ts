// Redis's log lines about clients and databases at the verbose and debug levels: "Accepted
// 127.0.0.1:52408" (through the Unix socket "Accepted connection to <path>") for each connection,
// "Client closed connection <client line>" when a peer closes, and from the cron every 5 seconds
// "DB 0: 2 keys (1 volatile) in 4 slots HT." per non-empty database (verbose) and "N clients
// connected (0 replicas), B bytes in use" (debug).
// Someone debugging with `loglevel verbose` expects them where Redis prints them. The per-client
// lines are built only when their level is on: a client connecting per request pays nothing.

import type { Socket } from 'node:net';
import { clientLogLine } from '../commands/client.js';
import type { ClientApi } from '../commands/context.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { clientBytes, type Logger } from './log.js';
import { wallNow } from '../timers.js';
import { fsPath } from '../config-values.js';

/** As Redis's run_with_period(5000) in serverCron. */
const PERIOD_MS = 5000;

/**
 * "Accepted ip:port", the address as Redis prints it (an IPv6 one unbracketed); through the Unix
 * socket (its path as configured, `unixSocket`), Redis's acceptUnixHandler's "Accepted connection to <path>".
 */
export function logAccepted(log: Logger, socket: Socket, unixSocket: string): void {
  if (!log.enabled('verbose')) return;
  if (unixSocket !== '') return log.verbose(`Accepted connection to ${fsPath(unixSocket)}`);
  const a = socket.remoteAddress ?? '?';
  log.verbose(`Accepted ${a.startsWith('::ffff:') ? a.slice(7) : a}:${socket.remotePort ?? 0}`);
}

/** At the peer's EOF, as Redis's readQueryFromClient on a read of 0 bytes. */
export function logClientClosed(log: Logger, client: ClientApi): void {
  if (log.enabled('verbose')) log.verbose(clientBytes(`Client closed connection ${clientLogLine(wallNow(), client)}`));
}

/** The cron's periodic lines: due at the first cron, then every PERIOD_MS. */
export class PeriodicLog {
  private next = 0;

  cron(now: number, log: Logger, keyspace: Keyspace, clients: number): void {
    if (now < this.next) return;
    this.next = now + PERIOD_MS;
    if (log.enabled('verbose')) {
      for (const db of keyspace.dbs) {
        const keys = db.size;
        const volatile = db.expires.size;
        if (keys > 0 || volatile > 0) log.verbose(`DB ${db.id}: ${keys} keys (${volatile} volatile) in ${db.dict.stats().capacity} slots HT.`);
      }
    }
    if (log.enabled('debug')) log.debug(`${clients} clients connected (0 replicas), ${keyspace.usedMemory} bytes in use`);
  }
}
