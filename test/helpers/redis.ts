// Starts a real redis-server (Debian's redis-server, Redis 7.0) on a free loopback port in a
// temporary directory, for differential tests. Never touches 6379 or ./data.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from './raw.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface RealRedis {
  port: number;
  dir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** The pid of the server answering on `port` ('auth': it wants a password), or null: none yet. */
export async function whoAnswers(port: number): Promise<number | 'auth' | null> {
  try {
    const c = await RawClient.connect(port);
    try {
      const pong = await c.call('PING');
      if (pong.startsWith('-NOAUTH')) return 'auth';
      if (pong !== '+PONG\r\n') return null;
      const m = /process_id:(\d+)/.exec(await c.call('INFO', 'server'));
      return m === null ? null : Number(m[1]);
    } finally {
      c.close();
    }
  } catch {
    return null; // not listening yet
  }
}

/**
 * Waits until redis-server answers on `port`: 'up' when the answer comes from `proc` (INFO
 * process_id), 'taken' when another server answers there (the free port was taken before
 * redis-server could listen), 'exited' when it stopped (e.g. the port was in use).
 */
async function waitForPing(port: number, proc: ChildProcess, ms = 10000): Promise<'up' | 'taken' | 'exited'> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) return 'exited';
    const answer = await whoAnswers(port);
    if (answer === 'auth' || answer === proc.pid) return 'up'; // with requirepass: up, and asking for it
    if (typeof answer === 'number') return 'taken';
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}

/** A process's state letter and parent pid from /proc/<pid>/stat, or null: it is gone (or no /proc). */
function procStat(pid: number): { state: string; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

/** The pids of the children of `parent` (its BGSAVE / BGREWRITEAOF forks); none without /proc. */
export function forksOf(parent: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names.filter((n) => /^\d+$/.test(n) && procStat(Number(n))?.ppid === parent).map(Number);
}

/**
 * Stops redis-server `pid` (SIGSTOP) and lists its forks. A SIGKILL to the server alone left a
 * running BGSAVE or rewrite child writing its temporary file into the directory stop() was removing
 * (ENOTEMPTY in a loaded full run); stopped first, the server cannot fork between the listing and
 * the kill (a fork interrupted by the stop signal is restarted, never completed).
 */
async function stopAndListForks(pid: number): Promise<number[]> {
  process.kill(pid, 'SIGSTOP');
  for (const end = Date.now() + 5000; Date.now() < end && !/^[TtZX]$/.test(procStat(pid)?.state ?? 'X');) {
    await new Promise((r) => setTimeout(r, 2));
  }
  return forksOf(pid);
}

/** Whether process `pid` still runs (a zombie has ended; its parent has not reaped it yet). */
export function isRunning(pid: number): boolean {
  return !/^[ZX]$/.test(procStat(pid)?.state ?? 'X');
}

/** SIGKILL to `pid`, which may have ended since it was listed (a save that just finished). */
function killIfThere(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: gone already
  }
}

/** Waits until the killed `pids` are dead. */
async function waitGone(pids: number[]): Promise<void> {
  for (const end = Date.now() + 5000; Date.now() < end && pids.some(isRunning);) {
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Starts redis-server with `extra` options (e.g. ['--appendonly', 'yes']), after `configFile` if given. */
export async function startRealRedis(extra: string[] = [], dir?: string, configFile?: string): Promise<RealRedis> {
  const workDir = dir ?? mkdtempSync(join(tmpdir(), 'ks-redis-'));
  let port = 0;
  let proc: ChildProcess;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const args = [...(configFile === undefined ? [] : [configFile]), '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workDir, '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning', ...extra];
    proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const state = await waitForPing(port, proc);
    if (state === 'up') break;
    if (proc.exitCode === null) proc.kill('SIGKILL');
    if (attempt === 5) throw new Error(`redis-server could not start (${state})`);
  }
  return {
    port,
    dir: workDir,
    proc,
    async stop() {
      // Killed by a signal, a process has a signalCode and no exitCode: it is gone all the same
      // (waiting for its 'exit' again would never end).
      if (proc.exitCode === null && proc.signalCode === null) {
        const done = new Promise((r) => proc.once('exit', r));
        const forks = await stopAndListForks(proc.pid!);
        for (const pid of forks) killIfThere(pid);
        proc.kill('SIGKILL');
        await done;
        await waitGone(forks);
      }
      if (!dir) rmSync(workDir, { recursive: true, force: true });
    },
  };
}
