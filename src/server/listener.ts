// The listening sockets: every address of `bind` on one port, as Redis's listenToPort. Accepted
// connections start paused (pauseOnConnect) so that the server decides how they are read. A failed
// accept() is logged, as Redis logs it, and the listener goes on.

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { acceptFailure, listenFailure, NOT_LISTENING, socketUnsupported } from '../errors.js';

/** Redis's wildcard addresses. A Map: a bind address such as `constructor` must not find Object's. */
const ANY = new Map([['*', '0.0.0.0'], ['::*', '::']]);

/** The listeners bound, and the port they share (the one given, or the one picked for port 0). */
export interface Bound {
  servers: NetServer[];
  port: number;
}

/**
 * Binds every address of `bind` (a leading '-' marks an address that may be unavailable; '*' is
 * every IPv4 address, '::*' every IPv6 one, as Redis's default `* -::*`). The first listener's
 * port is used for the others, so that port 0 picks one free port for all. On failure, what was
 * bound is closed again before the error is thrown. An optional address that is unavailable is
 * skipped with Redis's warning line (`warn`); with nothing bound the start fails as Redis's.
 */
export async function bindAll(bind: string, port: number, backlog: number, onSocket: (s: Socket) => void, warn: (line: string) => void): Promise<Bound> {
  const bound: Bound = { servers: [], port };
  for (const raw of bind.split(/\s+/).filter((a) => a !== '')) {
    const optional = raw.startsWith('-');
    const host = optional ? raw.slice(1) : raw;
    try {
      const srv = await listenOne(ANY.get(host) ?? host, bound.port, backlog, onSocket);
      // Node reports a failed accept() (EMFILE when libuv's spare descriptor is gone, ENOBUFS ...)
      // as the listener's 'error': with no listener, an uncaught exception that ended the server,
      // or the host of an embedded one. Redis logs the failure and goes on accepting.
      srv.on('error', (e) => warn(acceptFailure(e)));
      bound.servers.push(srv);
      const a = srv.address();
      if (a && typeof a === 'object') bound.port = a.port;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      // As Redis 7.0's listenToPort: an address the system has no protocol for (IPv6 disabled) is
      // skipped, optional or not; one not on any interface only when optional ('-').
      if (socketUnsupported(e) || (optional && code === 'EADDRNOTAVAIL')) {
        warn(`Warning: ${listenFailure(host, bound.port, e)}`);
        continue;
      }
      await closeAll(bound.servers);
      throw bindError(host, bound.port, e);
    }
  }
  if (bound.servers.length === 0) throw new Error(NOT_LISTENING);
  return bound;
}

/**
 * Node's error (`listen EADDRINUSE: ...`, `getaddrinfo ENOTFOUND <host>`) with Redis's text as its
 * message; its code, errno, syscall, address and port stay for programs, and it is the `cause`.
 */
function bindError(host: string, port: number, e: unknown): Error {
  if (!(e instanceof Error)) return new Error(listenFailure(host, port, e));
  const err = new Error(listenFailure(host, port, e), { cause: e });
  for (const k of ['code', 'errno', 'syscall', 'address', 'port', 'hostname'] as const) {
    const v = (e as unknown as Record<string, unknown>)[k];
    if (v !== undefined) Object.defineProperty(err, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return err;
}

function listenOne(host: string, port: number, backlog: number, onSocket: (s: Socket) => void): Promise<NetServer> {
  return new Promise((resolvePromise, reject) => {
    // No noDelay here: the Connection sets TCP_NODELAY on the socket it reads (readShared's
    // re-wrap, which does not know the handle has it), and a refused one sends one line.
    const srv = createServer({ pauseOnConnect: true }, onSocket);
    srv.once('error', reject);
    srv.listen({ host, port, backlog, ipv6Only: host.includes(':') }, () => {
      srv.removeListener('error', reject);
      resolvePromise(srv);
    });
  });
}

/** Stops accepting on every listener (connections already accepted stay open) and empties the list. */
export async function closeAll(servers: NetServer[]): Promise<void> {
  await Promise.all(servers.map((l) => new Promise<void>((r) => l.close(() => r()))));
  servers.length = 0;
}
