// The two servers under test, started the same way: a free loopback port, a fresh temporary
// directory, append-only persistence with the same fsync policy and no RDB snapshots. Every
// process and directory started here is registered, and killed / removed when the benchmark ends
// for any reason (normal end, exception, Ctrl-C), so a failed run leaves nothing behind.

import { freePort } from '../../test/helpers/redis.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, ReplyError } from './client.js';

export type ServerKind = 'keystonelight' | 'redis';

export interface ServerOptions {
  fsync: 'always' | 'everysec' | 'no';
  appendonly?: boolean;
  /** Use this directory (already prepared, e.g. with an AOF to load) instead of a fresh one. */
  dir?: string;
  /** How long to wait for PING to answer PONG. */
  readyTimeoutMs?: number;
}

export interface RunningServer {
  kind: ServerKind;
  port: number;
  dir: string;
  pid: number;
  proc: ChildProcess;
  /** Milliseconds from spawn until PING answered PONG (not -LOADING). */
  readyMs: number;
  /** Everything the server wrote to stdout/stderr (its log). */
  log(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();

/** Kills everything still running and removes the temp dirs (sync: usable in 'exit'). */
export function cleanupAll(): void {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

let handlersInstalled = false;
/** Process-level safety net: whatever happens, started servers die with the benchmark. */
export function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping servers\n`);
      cleanupAll();
      process.exit(130);
    });
  }
}

/** Registers a helper process (redis-benchmark) to be killed with the servers if the run stops. */
export function track(p: ChildProcess): void {
  live.add(p);
  p.once('exit', () => live.delete(p));
}

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(d);
  return d;
}

export function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  dirs.delete(d);
}

// The tests' free-port helper: listen on port 0 on loopback, read the port, close.
export { freePort };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Node.js options Keystonelight's process starts with (bench --node-flags). */
let nodeFlags: readonly string[] = [];
export function useNodeFlags(flags: readonly string[]): void {
  nodeFlags = flags;
}

/**
 * The Node.js options of the bundle's shebang (`#!/usr/bin/env -S node --max-old-space-size=...`):
 * Keystonelight is measured as the `keystonelight` command runs, with the same process's node.
 */
function shebangFlags(bundle: string): string[] {
  const first = readFileSync(bundle, 'latin1').slice(0, 200).split('\n')[0];
  const m = /^#!\S*env -S node (.*)$/.exec(first);
  return m === null ? [] : m[1].split(' ').filter((f) => f !== '');
}

function argsFor(kind: ServerKind, port: number, dir: string, o: ServerOptions, bundle: string): [string, string[]] {
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', o.appendonly === false ? 'no' : 'yes', '--appendfsync', o.fsync, '--loglevel', 'notice'];
  if (kind === 'keystonelight') return [process.execPath, [...shebangFlags(bundle), ...nodeFlags, bundle, ...common]];
  return ['redis-server', [...common, '--aof-use-rdb-preamble', 'no', '--daemonize', 'no', '--logfile', '']];
}

/** Starts one server and waits until it answers PING with PONG. */
export async function startServer(kind: ServerKind, bundle: string, o: ServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const dir = o.dir ?? tempDir(`ks-bench-${kind}-`);
  const [cmd, args] = argsFor(kind, port, dir, o, bundle);
  const t0 = performance.now();
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  track(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const s: RunningServer = {
    kind,
    port,
    dir,
    pid: proc.pid ?? -1,
    proc,
    readyMs: 0,
    log: () => out,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    async stop() {
      if (s.alive()) {
        proc.kill('SIGKILL');
        await exited;
      }
      if (o.dir === undefined) removeDir(dir);
    },
  };
  try {
    await waitReady(s, o.readyTimeoutMs ?? 20000);
  } catch (e) {
    await s.stop();
    throw e;
  }
  s.readyMs = performance.now() - t0;
  return s;
}

async function waitReady(s: RunningServer, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline) {
    if (!s.alive()) throw new Error(`${s.kind} exited during start-up: ${s.log().slice(-2000)}`);
    try {
      const c = await Client.connect(s.port);
      try {
        while (performance.now() < deadline) {
          const r = await c.call('PING');
          if (r === 'PONG') return;
          last = r instanceof ReplyError ? r.message : String(r);
          await sleep(5);
        }
      } finally {
        c.close();
      }
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  throw new Error(`${s.kind} did not answer PING within ${timeoutMs} ms (last: ${last}); log: ${s.log().slice(-2000)}`);
}

/** Linux USER_HZ, the unit of /proc times (100 on mainstream kernels; asked once to be sure). */
const CLK_TCK = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'latin1' }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of a process, all threads (from /proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after "(comm)"; comm may contain spaces, so split after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the comm.
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** Resident set size in bytes (VmRSS from /proc/PID/status). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) * 1024 : NaN;
}
