// Opening one listening socket, as Redis 7.0's anet.c does: a TCP one on an address and port
// (anetTcpServer / anetTcp6Server), a Unix one at a path (anetUnixServer). listener.ts decides
// which to open and when.
//
// A TCP socket is bound synchronously (listenNow): CONFIG SET port / bind is one synchronous
// command that answers whether the new listeners are up, as Redis's does (inside MULTI too).
// Node's server.listen() with a host resolves it first (dns.lookup, even for an IP literal) and
// binds a tick later, its error emitted a tick after that; so listenNow makes the handle itself
// with net._createServerHandle (Node's own cluster module makes its shared handles with it,
// lib/internal/cluster/shared_handle.js), reads bind()'s and listen()'s errors there, and gives
// the listening handle to server.listen(handle). A Node.js without it (it is not documented)
// binds at start through server.listen() (listenLater), and CONFIG SET port / bind is refused.

import * as net from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { lookup } from 'node:dns/promises';
import { getSystemErrorMap, getSystemErrorName } from 'node:util';
import { type Server as NetServer, type Socket } from 'node:net';
import { acceptFailure, errnoText, listenFailure, strerror, unixPathTooLong } from '../errors.js';

/** What a listener gives each connection it accepts. */
export type OnSocket = (s: Socket) => void;

interface ServerHandle {
  listen(backlog: number): number;
  close(): void;
}

type CreateServerHandle = (address: string, port: number, addressType: number, fd: undefined, flags: number) => ServerHandle | number;

/** Read when listening, not once at load: a test takes it away to run the fallback. */
const createServerHandle = (): CreateServerHandle | undefined => (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;

/** libuv's UV_TCP_IPV6ONLY (uv.h): an IPv6 listener takes no IPv4 connections, as Redis's anetV6Only. */
const UV_TCP_IPV6ONLY = 1;

/** Redis's anetUnixServer: sun_path holds 108 bytes, the path and its NUL. */
const SUN_PATH_SIZE = 108;

/** Whether TCP listeners can be opened synchronously (and so moved by CONFIG SET). */
export const canListenNow = (): boolean => typeof createServerHandle() === 'function';

/** A libuv error number as Node's own listen error: code, errno, syscall, address and port. */
function uvError(errno: number, address: string, port: number): NodeJS.ErrnoException {
  const [code, text] = getSystemErrorMap().get(errno) ?? [getSystemErrorName(errno), 'unknown error'];
  const e: NodeJS.ErrnoException = new Error(`listen ${code}: ${text} ${address}:${port}`);
  return Object.assign(e, { code, errno, syscall: 'listen', address, port });
}

/** A listener that hands each connection over paused (the server decides how it is read). */
function newListener(onSocket: OnSocket): NetServer {
  // No noDelay here: the Connection sets TCP_NODELAY on the socket it reads (readShared's
  // re-wrap, which does not know the handle has it), and a refused one sends one line.
  return net.createServer({ pauseOnConnect: true }, onSocket);
}

/**
 * Node reports a failed accept() (EMFILE when libuv's spare descriptor is gone, ENOBUFS ...) as
 * the listener's 'error': with no listener, an uncaught exception that ended the server, or the
 * host of an embedded one. Redis logs the failure and goes on accepting.
 */
function logAcceptFailures(srv: NetServer, warn: (line: string) => void): NetServer {
  return srv.on('error', (e) => warn(acceptFailure(e)));
}

/** A listener listening on `options` (Node's way: its listen error rejects). */
function listening(options: net.ListenOptions, onSocket: OnSocket, warn: (line: string) => void): Promise<NetServer> {
  return new Promise((resolvePromise, reject) => {
    const srv = newListener(onSocket);
    srv.once('error', reject);
    srv.listen(options, () => {
      srv.removeListener('error', reject);
      resolvePromise(logAcceptFailures(srv, warn));
    });
  });
}

/** Listens on an IP address (`address`: an IPv4 or IPv6 literal) now; throws Node's listen error. */
export function listenNow(address: string, port: number, backlog: number, onSocket: OnSocket, warn: (line: string) => void): NetServer {
  const family = net.isIP(address);
  const handle = createServerHandle()!(address, port, family, undefined, family === 6 ? UV_TCP_IPV6ONLY : 0);
  if (typeof handle === 'number') throw uvError(handle, address, port);
  // libuv reports EADDRINUSE at listen(), not at bind().
  const failed = handle.listen(backlog);
  if (failed !== 0) {
    handle.close();
    throw uvError(failed, address, port);
  }
  const srv = newListener(onSocket);
  srv.listen(handle as unknown as net.ListenOptions, backlog); // listen() again on a listening socket only sets its backlog
  return logAcceptFailures(srv, warn);
}

/** listenNow through Node's server.listen(), whose error rejects: at start, without canListenNow. */
export function listenLater(address: string, port: number, backlog: number, onSocket: OnSocket, warn: (line: string) => void): Promise<NetServer> {
  return listening({ host: address, port, backlog, ipv6Only: net.isIP(address) === 6 }, onSocket, warn);
}

/**
 * The address a host name of `bind` stands for: as Redis's anetTcpServer, which asks getaddrinfo
 * for an IPv4 address (a name has no ':', which would make it anetTcp6Server's), the first one.
 */
export async function resolveHost(host: string): Promise<string> {
  return (await lookup(host, { family: 4 })).address;
}

/** getaddrinfo's failure for a name that resolves to nothing, as Node reports it (ENOTFOUND). */
export function noSuchName(host: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: host });
}

/** Stops a listener at once: its port is free when this returns (libuv closes a TCP handle's descriptor in uv_close). */
export function closeNow(srv: NetServer): void {
  if (srv.listening) srv.close();
}

/** Stops accepting on every listener (connections already accepted stay open). */
export async function closeAll(servers: NetServer[]): Promise<void> {
  await Promise.all(servers.map((l) => new Promise<void>((r) => l.close(() => r()))));
}

/** A failure to listen: Redis's text, and the lines a start that fails with it logs (listener.ts). */
export class ListenError extends Error {
  lines: string[] = [];
}

/**
 * Node's error (`listen EADDRINUSE: ...`, `getaddrinfo ENOTFOUND <host>`) with Redis's text as its
 * message; its code, errno, syscall, address and port stay for programs, and it is the `cause`.
 */
export function bindError(host: string, port: number, e: unknown): ListenError {
  if (!(e instanceof Error)) return new ListenError(listenFailure(host, port, e));
  const err = new ListenError(listenFailure(host, port, e), { cause: e });
  for (const k of ['code', 'errno', 'syscall', 'address', 'port', 'hostname'] as const) {
    const v = (e as unknown as Record<string, unknown>)[k];
    if (v !== undefined) Object.defineProperty(err, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return err;
}

/**
 * Listens on the Unix socket at `path` (a file system path), as Redis's initServer: whatever is at
 * the path is removed first (a socket file a server left behind when it was killed; Redis does not
 * care whether the unlink works), then bound, then given `perm` when not 0 (a chmod failure is
 * ignored, as Redis's). Throws with anet.c's reason (`bind: <strerror>`, or the path's length),
 * Node's error as the `cause` and its code kept.
 */
export async function listenUnix(path: string, perm: number, backlog: number, onSocket: OnSocket, warn: (line: string) => void): Promise<NetServer> {
  // libuv would bind a longer path cut to sun_path's length, a socket at another name.
  const bytes = Buffer.byteLength(path);
  if (bytes > SUN_PATH_SIZE - 1) throw new Error(unixPathTooLong(bytes, SUN_PATH_SIZE));
  try {
    unlinkSync(path);
  } catch {
    // none there, or one that bind() will report
  }
  let srv: NetServer;
  try {
    srv = await listening({ path, backlog }, onSocket, warn);
  } catch (e) {
    // libuv turns bind()'s ENOENT (a directory of the path missing) into EACCES, as on Windows.
    let code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' && !existsSync(dirname(path))) code = 'ENOENT';
    // anet.c's words: the step that failed, then strerror (Node says `listen` for both steps).
    throw Object.assign(new Error(`bind: ${code === undefined ? errnoText(e) : strerror(code)}`, { cause: e }), { code });
  }
  try {
    if (perm !== 0) chmodSync(path, perm);
  } catch {
    // as Redis's, whose chmod's result is not checked
  }
  return srv;
}
