// Helpers for the persistence tests: AOF bytes from commands, a FileIO that injects faults and
// counts system calls, and dataset dumps (in-process and over the wire) to compare two servers.

import { realFileIO, ShortWriteError, type FileIO } from '../../src/persistence/fileio.js';
import { encodeArgs } from './resp.js';
import { RawClient } from './raw.js';
import type { Server } from '../../src/server/server.js';
import { stringOf } from '../../src/keyspace/values.js';
import { startServer } from '../../src/index.js';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { Manifest } from '../../src/persistence/manifest.js';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** The AOF bytes of `cmds` (each a command with its arguments). */
export function aofBytes(...cmds: string[][]): Buffer {
  return Buffer.concat(cmds.map((c) => encodeArgs(c)));
}

/** A real FileIO with switches: failing writes (optionally after some bytes), failing fsyncs. */
export class FaultyIO implements FileIO {
  /** errno code writes fail with, or null. */
  failWrites: string | null = null;
  /** Bytes a failing write still writes before failing. */
  partialBytes = 0;
  failFsync: string | null = null;
  failTruncate = false;
  writes = 0;
  /** The most bytes one write was given. */
  largestWrite = 0;
  /** Bytes written (synchronously and on the thread pool), to every file. */
  bytes = 0;
  fsyncs = 0;
  asyncFsyncs = 0;

  private readonly real: FileIO = realFileIO;

  /** Opening a file whose path matches fails with `code` (EACCES, as a read-only directory). */
  failOpen: { path: RegExp; code: string } | null = null;
  private checkOpen(path: string): void {
    const f = this.failOpen;
    if (f !== null && f.path.test(path)) throw Object.assign(new Error(`${f.code}: open '${path}'`), { code: f.code });
  }
  openAppend(path: string): number {
    this.checkOpen(path);
    return this.real.openAppend(path);
  }
  /** Asynchronous manifest saves started (their temp file opened). */
  manifestSaves = 0;
  openWrite(path: string): number {
    this.checkOpen(path);
    if (path.endsWith('.async.manifest')) this.manifestSaves++;
    return this.real.openWrite(path);
  }
  /** Runs before each synchronous write, with its bytes (a test takes a crash image there). */
  beforeWrite: ((buf: Buffer) => void) | null = null;
  write(fd: number, buf: Buffer): void {
    this.beforeWrite?.(buf);
    this.writes++;
    this.largestWrite = Math.max(this.largestWrite, buf.length);
    if (this.failWrites !== null) {
      const n = Math.min(this.partialBytes, buf.length);
      if (n > 0) this.real.write(fd, buf.subarray(0, n));
      throw new ShortWriteError(n, this.failWrites);
    }
    this.real.write(fd, buf);
    this.bytes += buf.length;
  }
  writeAsync(fd: number, buf: Buffer, cb: (err: Error | null) => void): void {
    if (this.failWrites !== null) {
      const code = this.failWrites;
      setImmediate(() => cb(Object.assign(new Error(code), { code })));
      return;
    }
    this.bytes += buf.length;
    this.largestWrite = Math.max(this.largestWrite, buf.length);
    this.real.writeAsync(fd, buf, cb);
  }
  fsync(fd: number): void {
    this.fsyncs++;
    if (this.failFsync !== null) throw Object.assign(new Error(this.failFsync), { code: this.failFsync });
    this.real.fsync(fd);
  }
  /** Delay (ms) before each fsync on the thread pool, to widen a window between steps. */
  fsyncDelayMs = 0;
  fsyncAsync(fd: number, cb: (err: Error | null) => void): void {
    if (this.fsyncDelayMs > 0) {
      const delay = this.fsyncDelayMs;
      setTimeout(() => this.fsyncAsyncNow(fd, cb), delay);
      return;
    }
    this.fsyncAsyncNow(fd, cb);
  }
  private fsyncAsyncNow(fd: number, cb: (err: Error | null) => void): void {
    this.asyncFsyncs++;
    if (this.failFsync !== null) {
      const code = this.failFsync;
      setImmediate(() => cb(Object.assign(new Error(code), { code })));
      return;
    }
    this.real.fsyncAsync(fd, cb);
  }
  ftruncate(fd: number, size: number): void {
    if (this.failTruncate) throw Object.assign(new Error('EIO'), { code: 'EIO' });
    this.real.ftruncate(fd, size);
  }
  close(fd: number): void {
    this.real.close(fd);
  }
  /** Runs (once) when the next asynchronous close is asked: to act inside that window. */
  beforeCloseAsync: (() => void) | null = null;
  closeAsync(fd: number, cb: (err: Error | null) => void): void {
    const hook = this.beforeCloseAsync;
    this.beforeCloseAsync = null;
    hook?.();
    this.real.closeAsync(fd, cb);
  }
  rename(from: string, to: string): void {
    this.real.rename(from, to);
  }
  unlink(path: string): void {
    this.real.unlink(path);
  }
  unlinkAsync(path: string, cb: (err: Error | null) => void): void {
    this.real.unlinkAsync(path, cb);
  }
  mkdir(path: string): void {
    this.real.mkdir(path);
  }
  /** errno code synchronous directory fsyncs fail with, or null. */
  failFsyncDir: string | null = null;
  fsyncDir(path: string): void {
    if (this.failFsyncDir !== null) throw Object.assign(new Error(this.failFsyncDir), { code: this.failFsyncDir });
    this.real.fsyncDir(path);
  }
  fsyncDirAsync(path: string, cb: (err: Error | null) => void): void {
    this.real.fsyncDirAsync(path, cb);
  }
  size(path: string): number {
    return this.real.size(path);
  }
}

/** One key's state: type, value (strings), absolute deadline or -1. */
export type Dump = Record<string, { type: string; value: string; pexpiretime: number }>;

/** The dataset of an in-process server, database by database ("db:key" -> state). */
export function dumpServer(server: Server): Dump {
  const out: Dump = {};
  for (const db of server.keyspace.dbs) {
    for (const [key, value] of db.dict.entries()) {
      const s = stringOf(value);
      out[`${db.id}:${key}`] = {
        type: s === undefined ? (value as { type: string }).type : 'string',
        value: s ?? '',
        pexpiretime: db.expires.get(key) ?? -1,
      };
    }
  }
  return out;
}

function bulk(reply: string): string {
  const nl = reply.indexOf('\r\n');
  return reply.slice(nl + 2, reply.length - 2);
}

function int(reply: string): number {
  return Number(reply.slice(1, -2));
}

/** Parses a SCAN reply: [next cursor, keys]. */
function parseScan(reply: string): [string, string[]] {
  const buf = Buffer.from(reply, 'latin1');
  let pos = reply.indexOf('\r\n') + 2; // *2
  const readBulk = (): string => {
    const nl = buf.indexOf('\r\n', pos);
    const len = Number(buf.toString('latin1', pos + 1, nl));
    const s = buf.toString('latin1', nl + 2, nl + 2 + len);
    pos = nl + 2 + len + 2;
    return s;
  };
  const cursor = readBulk();
  const nl = buf.indexOf('\r\n', pos);
  const n = Number(buf.toString('latin1', pos + 1, nl));
  pos = nl + 2;
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push(readBulk());
  return [cursor, keys];
}

/** The dataset of any server over the wire: SCAN + TYPE + GET + PEXPIRETIME in databases 0..dbs-1. */
export async function dumpWire(port: number, dbs = 16): Promise<Dump> {
  const c = await RawClient.connect(port);
  const out: Dump = {};
  try {
    for (let db = 0; db < dbs; db++) {
      await c.call('SELECT', String(db));
      let cursor = '0';
      do {
        const [next, keys] = parseScan(await c.call('SCAN', cursor, 'COUNT', '1000'));
        cursor = next;
        for (const key of keys) {
          const type = (await c.call('TYPE', key)).slice(1, -2);
          const value = type === 'string' ? bulk(await c.call('GET', key)) : '';
          out[`${db}:${key}`] = { type, value, pexpiretime: int(await c.call('PEXPIRETIME', key)) };
        }
      } while (cursor !== '0');
    }
  } finally {
    c.close();
  }
  return out;
}

/**
 * A write load over several connections: each sends pipelined batches of `SET w:<c>:<n> <n>` and
 * `INCR ctr:<c>`, and records what was acknowledged, until the server goes away or stop().
 */
export class WriteLoad {
  /** Acknowledged SETs: key -> value. */
  readonly acked = new Map<string, string>();
  /** Every key a SET was sent for. */
  readonly sent = new Set<string>();
  /** Per counter: highest acknowledged value, and INCRs sent. */
  readonly ackedCtr = new Map<string, number>();
  readonly sentCtr = new Map<string, number>();
  /** Error replies seen (e.g. MISCONF), by text. */
  readonly errors = new Map<string, number>();
  private stopped = false;
  private readonly done: Promise<void>[] = [];

  constructor(port: number, clients = 4, private readonly batch = 16, private readonly valueBytes = 8) {
    for (let c = 0; c < clients; c++) this.done.push(this.client(port, c));
  }

  private async client(port: number, c: number): Promise<void> {
    let conn: RawClient;
    try {
      conn = await RawClient.connect(port);
    } catch {
      return;
    }
    const ctr = `ctr:${c}`;
    let n = 0;
    try {
      while (!this.stopped) {
        const cmds: string[][] = [];
        for (let i = 0; i < this.batch; i++, n++) {
          const key = `w:${c}:${n}`;
          this.sent.add(key);
          cmds.push(['SET', key, `${n}`.padEnd(this.valueBytes, '.')], ['INCR', ctr]);
          this.sentCtr.set(ctr, (this.sentCtr.get(ctr) ?? 0) + 1);
        }
        conn.write(Buffer.concat(cmds.map((x) => encodeArgs(x))));
        for (const cmd of cmds) {
          const r = await conn.read(10_000);
          if (r[0] === '-') this.errors.set(r, (this.errors.get(r) ?? 0) + 1);
          else if (cmd[0] === 'SET') this.acked.set(cmd[1], cmd[2]);
          else this.ackedCtr.set(ctr, Math.max(this.ackedCtr.get(ctr) ?? 0, Number(r.slice(1, -2))));
        }
      }
    } catch {
      // the server went away (killed): the load ends here
    } finally {
      conn.close();
    }
  }

  /** Stops sending new batches (the ones in flight still complete); see stop() to wait for them. */
  halt(): void {
    this.stopped = true;
  }

  async stop(): Promise<void> {
    this.halt();
    await Promise.all(this.done);
  }

  /** Problems of a reloaded dataset (db 0) against what was acknowledged; empty when all is well. */
  check(d: Dump): string[] {
    const problems: string[] = [];
    for (const [k, v] of this.acked) {
      if (d[`0:${k}`]?.value !== v) problems.push(`acknowledged ${k}=${v} is ${JSON.stringify(d[`0:${k}`]?.value)}`);
    }
    for (const [ctr, sent] of this.sentCtr) {
      const have = Number(d[`0:${ctr}`]?.value ?? 0);
      const acked = this.ackedCtr.get(ctr) ?? 0;
      if (have < acked || have > sent) problems.push(`${ctr} is ${have}: acknowledged ${acked}, sent ${sent}`);
    }
    for (const k of Object.keys(d)) {
      if (k.startsWith('0:w:') && !this.sent.has(k.slice(2))) problems.push(`${k} was never written`);
    }
    return problems;
  }
}

/**
 * Loads a copy of data directory `dir` into an in-process server and returns its dataset (the
 * original is left as it is, for inspection). Throws if the files do not load.
 */
export async function loadDir(dir: string, config: Record<string, string> = {}): Promise<Dump> {
  const copy = mkdtempSync(join(tmpdir(), 'ks-loaddir-'));
  // Not the PID file: it names the server that may still run on `dir`, which owns only `dir`.
  cpSync(dir, copy, { recursive: true, filter: (src) => basename(src) !== 'keystonelight.pid' });
  const s = await startServer({ port: 0, config: { appendonly: 'yes', dir: copy, loglevel: 'warning', ...config } });
  try {
    return dumpServer(s.server);
  } finally {
    await s.close();
  }
}

/** redis-check-aof's verdict on the manifest in `dir`: '' when valid. */
export function checkAof(dir: string): string {
  const manifest = join(dir, 'appendonlydir', 'appendonly.aof.manifest');
  if (!existsSync(manifest)) return '';
  const r = spawnSync('redis-check-aof', [manifest], { encoding: 'latin1', timeout: 20_000 });
  return r.status === 0 && /(is|are) valid/.test(r.stdout) ? '' : `redis-check-aof (${r.status}): ${r.stdout.trim().split('\n').slice(-3).join(' / ')}`;
}

/** A copy of data directory `dir` (its PID file left out), as a crash at this instant would leave it. */
export function crashImage(dir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'ks-image-'));
  cpSync(dir, copy, { recursive: true, filter: (src) => basename(src) !== 'keystonelight.pid' });
  return copy;
}

/** Polls `cond` every 20 ms; throws after `ms` (tests never spin forever). */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The data files of the AOF in `dir` (Redis 7 layout: base, then incr files), in replay order. */
export function aofFiles(dir: string, dirname = 'appendonlydir', filename = 'appendonly.aof'): string[] {
  return Manifest.read(join(dir, dirname), filename).dataFiles();
}

/** The whole AOF of `dir` as one byte string (its files concatenated in replay order). */
export function aofContent(dir: string): Buffer {
  return Buffer.concat(aofFiles(dir).map((f) => readFileSync(f)));
}

/** Total bytes of the AOF of `dir`. */
export function aofSize(dir: string): number {
  return aofFiles(dir).reduce((n, f) => n + statSync(f).size, 0);
}

/** Copies the AOF directory of `from` into the data directory `to`. */
export function copyAof(from: string, to: string): void {
  cpSync(join(from, 'appendonlydir'), join(to, 'appendonlydir'), { recursive: true });
}

/** The commands of an AOF file (as written; MULTI/EXEC kept). */
export function parseAof(bytes: Buffer): string[][] {
  const out: string[][] = [];
  let pos = 0;
  const line = (): string => {
    const nl = bytes.indexOf('\r\n', pos);
    const s = bytes.toString('latin1', pos, nl);
    pos = nl + 2;
    return s;
  };
  while (pos < bytes.length) {
    const argc = Number(line().slice(1));
    const args: string[] = [];
    for (let i = 0; i < argc; i++) {
      const len = Number(line().slice(1));
      args.push(bytes.toString('latin1', pos, pos + len));
      pos += len + 2;
    }
    out.push(args);
  }
  return out;
}
