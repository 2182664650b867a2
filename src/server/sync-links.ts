// MIGRATE's connections to other servers (Redis's migrate_cached_sockets), used synchronously.
//
// Redis's MIGRATE talks to its target with blocking socket calls: the whole server waits, so no
// other client sees the keys between their transfer and their deletion. Handlers here are
// synchronous too, so the I/O is done by a worker thread (sync-link-worker.ts) while the main
// thread waits on a shared flag (Atomics.wait) and takes the answer with receiveMessageOnPort:
// the command stays one synchronous call, and atomic, as in Redis.
//
// As Redis: a connection per "host:port" is kept for reuse, with the database last SELECTed on it;
// at most 64, one dropped at random to make room; closed by the cron after 10 s unused.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { saturateLong } from '../config-values.js';
import { linkWorker, type LinkAnswer, type LinkRequest } from './sync-link-worker.js';

/** Redis's MIGRATE_SOCKET_CACHE_ITEMS and MIGRATE_SOCKET_CACHE_TTL (seconds). */
const CACHE_ITEMS = 64;
const CACHE_TTL_S = 10;

/**
 * How much longer than an operation's own timeout the main thread waits for the worker's answer
 * once bytes stop moving (the thread's start, its timers' lateness).
 */
const WORKER_GRACE_MS = 5000;

/**
 * How long a host name's lookup may block the server: getaddrinfo's own retries (resolv.conf's
 * timeout 5 s, attempts 2, per server) end well before; past it the lookup counts as failed.
 */
const LOOKUP_TIMEOUT_MS = 30_000;

export interface CachedLink {
  readonly name: string;
  /**
   * Why the connection failed, when it did (Redis's connBlockingConnect reports success for a
   * refused or timed-out connect of a resolved address: the first write then fails).
   */
  readonly failed: { timedOut: boolean } | null;
  /** The database last SELECTed on the connection, -1 when unknown (Redis's last_dbid). */
  lastDbid: bigint;
  lastUse: number;
}

/** One synchronous operation's outcome (see LinkAnswer). */
export type LinkResult = Pick<LinkAnswer, 'ok' | 'timedOut' | 'lines' | 'unresolved'>;

const FAILED: LinkResult = { ok: false, timedOut: false, lines: [] };

export class SyncLinks {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  /** Shared with the worker: [0] answered, [1] bytes moved (see linkWorker). */
  private readonly flag = new Int32Array(new SharedArrayBuffer(8));
  private lastId = 0;
  private readonly cached = new Map<string, CachedLink>();

  /** INFO migrate_cached_sockets. */
  get count(): number {
    return this.cached.size;
  }

  /**
   * The cached connection to host:port, or a new one (connected within `timeoutMs`, or `failed`);
   * null when the address cannot be resolved. `port` is the argument as typed, read as Redis reads it.
   */
  get(host: string, port: string, timeoutMs: number, nowS: number): CachedLink | null {
    const name = `${host}:${port}`;
    const known = this.cached.get(name);
    if (known !== undefined) {
      known.lastUse = nowS;
      return known;
    }
    if (this.cached.size >= CACHE_ITEMS) {
      const names = [...this.cached.keys()];
      this.close(names[Math.floor(Math.random() * names.length)]);
    }
    const p = portOf(port);
    // Port 0 is refused, as the kernel refuses it to Redis (Node would try it and, behind a
    // transparent proxy, even connect).
    const r: LinkResult = p === null ? { ...FAILED, unresolved: true } : p === 0 ? FAILED : this.call({ id: 0, op: 'connect', name, host, port: p, timeoutMs }, timeoutMs);
    if (r.unresolved === true) return null;
    const link: CachedLink = { name, failed: r.ok ? null : { timedOut: r.timedOut }, lastDbid: -1n, lastUse: nowS };
    this.cached.set(name, link);
    return link;
  }

  /**
   * Sends `data`, each 64 KB within `timeoutMs`. A buffer of its own (not a slice of Node's pool)
   * is handed to the thread rather than copied, so it is unusable afterwards: a 100 MB value's
   * MIGRATE would otherwise hold one more copy of its payload.
   */
  write(link: CachedLink, data: Uint8Array, timeoutMs: number): LinkResult {
    if (link.failed !== null) return { ...FAILED, timedOut: link.failed.timedOut };
    const own = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    return this.call({ id: 0, op: 'write', name: link.name, data, timeoutMs }, timeoutMs, own ? [data.buffer] : []);
  }

  /** Up to `lines` reply lines, no byte of them later than `timeoutMs` after the one before. */
  read(link: CachedLink, lines: number, timeoutMs: number): LinkResult {
    if (lines === 0) return { ok: true, timedOut: false, lines: [] };
    return this.call({ id: 0, op: 'read', name: link.name, lines, timeoutMs }, timeoutMs);
  }

  /**
   * The IPv4 address of host name `host`, or getaddrinfo's error, waited for with the server
   * blocked, as Redis's CONFIG SET bind resolves a name (Node has no synchronous resolver).
   */
  lookup(host: string): string | NodeJS.ErrnoException {
    const r = this.call({ id: 0, op: 'lookup', host }, LOOKUP_TIMEOUT_MS);
    if (r.ok) return r.lines[0];
    const code = r.lines[0] ?? 'EAI_FAIL';
    return Object.assign(new Error(`getaddrinfo ${code} ${host}`), { code, syscall: 'getaddrinfo', hostname: host });
  }

  /** Closes the connection to `name` ("host:port") if there is one (Redis's migrateCloseSocket). */
  close(name: string): void {
    if (!this.cached.delete(name) || this.port === null) return;
    this.port.postMessage({ id: ++this.lastId, op: 'close', name } satisfies LinkRequest);
  }

  /** The cron's migrateCloseTimedoutSockets: connections unused for more than 10 s. */
  closeIdle(nowS: number): void {
    for (const link of this.cached.values()) if (nowS - link.lastUse > CACHE_TTL_S) this.close(link.name);
  }

  /** Closes every connection and stops the thread (the server closes). */
  stop(): void {
    this.cached.clear();
    void this.worker?.terminate();
    this.port?.close();
    this.worker = null;
    this.port = null;
  }

  private start(): MessagePort {
    if (this.port !== null) return this.port;
    const { port1, port2 } = new MessageChannel();
    const source = `const { workerData } = require('node:worker_threads');
(${linkWorker.toString()})(workerData.port, new Int32Array(workerData.flag), require('node:net'), require('node:dns'));`;
    const worker = new Worker(source, {
      eval: true,
      workerData: { port: port2, flag: this.flag.buffer },
      transferList: [port2],
    });
    this.worker = worker;
    // Neither keeps the process alive: an embedded server's host exits as it would without them.
    worker.unref();
    // A thread that died: stopped, unless a later call has already replaced it.
    worker.on('error', () => {
      if (this.worker === worker) this.stop();
    });
    port1.unref();
    this.port = port1;
    return port1;
  }

  /**
   * Sends `req` to the worker and waits for its answer, as long as bytes keep moving and then at
   * most `timeoutMs` plus a grace for the thread itself. Without an answer the thread is stopped
   * (it hangs or died), every connection with it.
   */
  private call(req: LinkRequest, timeoutMs: number, transfer: ArrayBuffer[] = []): LinkResult {
    const port = this.start();
    const id = ++this.lastId;
    const patience = Math.min(timeoutMs + WORKER_GRACE_MS, 2 ** 31);
    let moved = Atomics.load(this.flag, 1);
    let deadline = performance.now() + patience;
    Atomics.store(this.flag, 0, 0);
    port.postMessage({ ...req, id }, transfer);
    for (;;) {
      // Answers to requests nobody waits for (close) are skipped.
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const a = m.message as LinkAnswer;
        if (a.id === id) return a;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        if (Atomics.load(this.flag, 1) === moved) break;
        moved = Atomics.load(this.flag, 1);
        deadline = performance.now() + patience;
        continue;
      }
      Atomics.wait(this.flag, 0, 0, left);
      Atomics.store(this.flag, 0, 0);
    }
    this.stop();
    return FAILED;
  }
}

/**
 * The TCP port Redis connects to for a port argument: C's atoi (blanks, a sign, digits; nothing
 * else reads as 0; glibc saturates to a long, then the int keeps its low 32 bits), printed back
 * with %d into anetTcpGenericConnect's `char portstr[6]`, so cut to 5 characters (`107386` is port
 * 10738), for getaddrinfo, which refuses a negative one (null) and keeps the low 16 bits of others
 * (`99999` is 34463).
 */
function portOf(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const n = Number(BigInt.asIntN(32, saturateLong(BigInt(m[1]))));
  return n < 0 ? null : Number(String(n).slice(0, 5)) & 0xffff;
}
