// The thread behind sync-links.ts: it holds MIGRATE's connections to other servers and does their
// I/O, one request at a time, while the main thread waits for each answer (Atomics.wait), as
// Redis's MIGRATE does its socket I/O with the whole server blocked. It also resolves a host name
// for CONFIG SET bind, as Redis's getaddrinfo does with the server blocked.
//
// `linkWorker` runs in a worker thread started from its own source text (Function.toString), so it
// must not use anything from outside its body but its parameters and the globals of every thread
// (Buffer, setTimeout, Atomics): no imports, no module-level names.

import type { MessagePort } from 'node:worker_threads';
import type * as Net from 'node:net';
import type * as Dns from 'node:dns';

/** A request from the main thread. Each is answered once, with its `id`. */
export type LinkRequest =
  | { id: number; op: 'connect'; name: string; host: string; port: number; timeoutMs: number }
  | { id: number; op: 'write'; name: string; data: Uint8Array; timeoutMs: number }
  | { id: number; op: 'read'; name: string; lines: number; timeoutMs: number }
  | { id: number; op: 'close'; name: string }
  | { id: number; op: 'lookup'; host: string };

/**
 * The answer: `ok` false when the operation failed; `timedOut` when it failed for want of time
 * (Redis's ETIMEDOUT, after which MIGRATE does not retry); `lines`, the lines a read got (without
 * their CR LF, as latin1 strings: the bytes as they came), fewer than asked when it failed;
 * `unresolved`, a connect that failed on the address itself (getaddrinfo), not on the connection.
 * A lookup's `lines` are its IPv4 address, or when it failed (`ok` false) getaddrinfo's error code.
 */
export interface LinkAnswer {
  id: number;
  ok: boolean;
  timedOut: boolean;
  lines: string[];
  unresolved?: boolean;
}

/**
 * `flag` is shared with the main thread: [0] is set when an answer is posted (the main thread waits
 * on it), [1] counts the bytes' comings and goings (data received, a chunk written), so that the
 * main thread waits on while a slow exchange still moves (Redis's timeouts are per byte read and
 * per 64 KB written, not per operation).
 */
export function linkWorker(port: MessagePort, flag: Int32Array, net: typeof Net, dns: typeof Dns): void {
  interface Link {
    socket: Net.Socket;
    /** Bytes received and not yet read as lines. */
    pending: Buffer;
    ended: boolean;
    /** Called when bytes arrive or the connection ends (a read waiting for its line). */
    wake: (() => void) | null;
  }
  const links = new Map<string, Link>();
  /** Redis writes 64 KB at a time, each write given the whole timeout (connSyncWrite). */
  const CHUNK = 64 * 1024;
  /** Redis reads a reply line into 1,024 bytes: longer ones are cut (syncReadLine). */
  const LINE_MAX = 1023;
  /** setTimeout's longest delay; a longer timeout waits as long as the connection lasts. */
  const capped = (ms: number): number => Math.min(Math.max(ms, 1), 2 ** 31 - 1);

  const answer = (a: LinkAnswer): void => {
    port.postMessage(a);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };

  const moved = (): void => {
    Atomics.add(flag, 1, 1);
  };

  const drop = (name: string): void => {
    links.get(name)?.socket.destroy();
    links.delete(name);
  };

  const adopt = (name: string, socket: Net.Socket): void => {
    const link: Link = { socket, pending: Buffer.alloc(0), ended: false, wake: null };
    const ended = (): void => {
      link.ended = true;
      link.wake?.();
    };
    socket.on('data', (b: Buffer) => {
      link.pending = link.pending.length === 0 ? b : Buffer.concat([link.pending, b]);
      moved();
      // Redis reads no more than its replies: what else a target sends stays in the kernel's
      // buffers, and so it does here, rather than piling up in this thread's memory.
      if (link.wake === null && link.pending.length >= CHUNK) socket.pause();
      link.wake?.();
    });
    socket.on('end', ended);
    socket.on('close', ended);
    socket.on('error', ended);
    links.set(name, link);
  };

  const connect = (name: string, host: string, p: number, timeoutMs: number): Promise<LinkAnswer> =>
    new Promise((resolve) => {
      const out: LinkAnswer = { id: 0, ok: false, timedOut: false, lines: [] };
      // Redis's getaddrinfo("") fails; Node would take it for localhost.
      if (host === '') return resolve({ ...out, unresolved: true });
      const socket = net.connect({ host, port: p });
      let settled = false;
      const done = (r: Partial<LinkAnswer>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeListener('error', failed);
        if (r.ok === true) {
          socket.setNoDelay(true);
          adopt(name, socket);
        } else {
          socket.destroy();
        }
        resolve({ ...out, ...r });
      };
      const failed = (e: NodeJS.ErrnoException): void => done({ unresolved: e.syscall === 'getaddrinfo' });
      // As Redis's connSocketBlockingConnect, whose timeout is no error: the socket goes on
      // connecting and the first write waits for it, within its own timeout (redis-server 7.0.15
      // answers "writing" after twice the timeout, and a SYN answered meanwhile gets through). Not
      // while the name is still being looked up: Redis's lookup blocks before its timeout starts,
      // and one that fails is a connect error.
      let named = net.isIP(host) !== 0;
      socket.once('lookup', () => (named = true));
      const timer = setTimeout(() => done(named ? { ok: true } : { timedOut: true }), capped(timeoutMs));
      socket.once('connect', () => done({ ok: true }));
      socket.on('error', failed);
    });

  /** One chunk handed to the kernel within `timeoutMs`: true, false (failed), or 'timeout'. */
  const writeChunk = (link: Link, chunk: Uint8Array, timeoutMs: number): Promise<boolean | 'timeout'> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), capped(timeoutMs));
      link.socket.write(chunk, (e) => {
        clearTimeout(timer);
        resolve(e == null);
      });
    });

  const write = async (name: string, data: Uint8Array, timeoutMs: number): Promise<LinkAnswer> => {
    const link = links.get(name);
    const failed = { id: 0, ok: false, timedOut: false, lines: [] };
    if (link === undefined || link.ended) return failed;
    for (let at = 0; at < data.length; at += CHUNK) {
      const r = await writeChunk(link, data.subarray(at, at + CHUNK), timeoutMs);
      if (r !== true) return { ...failed, timedOut: r === 'timeout' };
      moved();
    }
    return { ...failed, ok: true };
  };

  /**
   * The next reply line of `link`, as Redis's syncReadLine reads one: up to its "\n" (a "\r" before
   * it dropped), or its first 1,023 bytes when the "\n" comes later (the rest, even a lone "\n", is
   * then the next line). 'failed' when the connection ended first, or for a bare "\n": the 0 that
   * MIGRATE takes for a failed read ("\r\n" is an empty line, read). Redis's timeout is per byte,
   * so time runs out only when nothing arrives for `timeoutMs`; a slow target is waited for.
   */
  const readLine = (link: Link, timeoutMs: number): Promise<{ line: string } | 'failed' | 'timeout'> =>
    new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (r: { line: string } | 'failed' | 'timeout'): void => {
        clearTimeout(timer);
        link.wake = null;
        resolve(r);
      };
      const look = (): void => {
        const nl = link.pending.subarray(0, LINE_MAX).indexOf(10);
        const end = nl >= 0 ? nl : Math.min(link.pending.length, LINE_MAX);
        if (nl < 0 && end < LINE_MAX) {
          if (link.ended) return finish('failed');
          clearTimeout(timer);
          timer = setTimeout(() => finish('timeout'), capped(timeoutMs));
          return;
        }
        const cr = nl > 0 && link.pending[nl - 1] === 13 ? 1 : 0;
        const line = link.pending.toString('latin1', 0, end - cr);
        link.pending = link.pending.subarray(nl >= 0 ? nl + 1 : end);
        finish(nl === 0 ? 'failed' : { line });
      };
      link.wake = look;
      if (link.socket.isPaused()) link.socket.resume();
      look();
    });

  const read = async (name: string, count: number, timeoutMs: number): Promise<LinkAnswer> => {
    const link = links.get(name);
    const out: LinkAnswer = { id: 0, ok: false, timedOut: false, lines: [] };
    if (link === undefined) return out;
    while (out.lines.length < count) {
      const r = await readLine(link, timeoutMs);
      if (typeof r !== 'object') {
        out.timedOut = r === 'timeout';
        return out;
      }
      out.lines.push(r.line);
    }
    out.ok = true;
    return out;
  };

  const run = async (req: LinkRequest): Promise<LinkAnswer> => {
    switch (req.op) {
      case 'connect': {
        drop(req.name);
        return { ...(await connect(req.name, req.host, req.port, req.timeoutMs)), id: req.id };
      }
      case 'write': return { ...(await write(req.name, req.data, req.timeoutMs)), id: req.id };
      case 'read': return { ...(await read(req.name, req.lines, req.timeoutMs)), id: req.id };
      case 'close':
        drop(req.name);
        return { id: req.id, ok: true, timedOut: false, lines: [] };
      case 'lookup':
        // As Redis's anetTcpServer for a name: getaddrinfo's first IPv4 address (listen-socket.ts).
        return new Promise((resolve) => dns.lookup(req.host, { family: 4 }, (e, address) => resolve({
          id: req.id, ok: e === null, timedOut: false, lines: [e === null ? address : String(e.code)],
        })));
    }
  };

  port.on('message', (req: LinkRequest) => {
    run(req).then(answer, () => answer({ id: req.id, ok: false, timedOut: false, lines: [] }));
  });
}
