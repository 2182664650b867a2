// Starts a real redis-server (Debian's redis-server, Redis 7.0) on a free loopback port in a
// temporary directory, for differential tests. Never touches 6379 or ./data.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

async function waitForPing(port: number, proc: ChildProcess, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
    try {
      const c = await RawClient.connect(port);
      const r = await c.call('PING');
      c.close();
      if (r === '+PONG\r\n' || r.startsWith('-NOAUTH')) return; // up (with requirepass: up, and asking for it)
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}

/** Starts redis-server with `extra` options (e.g. ['--appendonly', 'yes']). */
export async function startRealRedis(extra: string[] = [], dir?: string): Promise<RealRedis> {
  const port = await freePort();
  const workDir = dir ?? mkdtempSync(join(tmpdir(), 'ks-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workDir, '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning', ...extra];
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPing(port, proc);
  return {
    port,
    dir: workDir,
    proc,
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await done;
      }
      if (!dir) rmSync(workDir, { recursive: true, force: true });
    },
  };
}
