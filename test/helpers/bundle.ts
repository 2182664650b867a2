// Locates the built CLI bundle that belongs to this test build ($KS_OUT/dist/keystonelight.js),
// and starts it as a real process on a free port in a temporary directory.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ExecutionContext } from 'ava';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, whoAnswers } from './redis.js';

/** build/test/helpers/bundle.js -> ../../../dist/keystonelight.js */
export const BUNDLE = fileURLToPath(new URL('../../../dist/keystonelight.js', import.meta.url));

export interface ServerProcess {
  port: number;
  dir: string;
  proc: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function tempDir(prefix = 'ks-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

type BundleOptions = { dir?: string; port?: number; wait?: boolean; env?: NodeJS.ProcessEnv; configFile?: string; wrap?: string[]; direct?: boolean; stdin?: string };

/**
 * Starts the bundle with `args` (defaults: free port, temp dir), after `configFile` if given;
 * resolves once it answers PING (PONG, or NOAUTH when it has a requirepass) and INFO says the
 * answer came from this process. A free port can be taken by another test's server before the
 * bundle listens on it: the PONG then came from that server (a kill -9 test once checked the wrong
 * server's writes against this one's empty files), so with no port given it starts again on
 * another port.
 */
export async function startBundle(args: string[] = [], opts: BundleOptions = {}): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const r = await startOnce(args, opts, port);
    if (r !== 'port taken') return r;
    if (opts.port !== undefined || attempt === 5) throw new Error(`port ${port} is served by another process`);
  }
}

async function startOnce(args: string[], opts: BundleOptions, port: number): Promise<ServerProcess | 'port taken'> {
  const dir = opts.dir ?? tempDir();
  const file = opts.configFile === undefined ? [] : [opts.configFile];
  // `wrap`: a command the server runs under, e.g. ['prlimit', '--nofile=64:64'] (it execs it: same pid).
  // `direct`: the bundle runs as an executable (its shebang's node and flags), as the installed command.
  const node = opts.direct === true ? [] : [process.execPath];
  const argv = [...node, BUNDLE, ...file, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args];
  const [cmd, ...rest] = [...(opts.wrap ?? []), ...argv];
  const proc = spawn(cmd, rest, { stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
  proc.stdin?.end(opts.stdin); // `stdin`: what the server reads there (its configuration, with `-`)
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const sp: ServerProcess = {
    port,
    dir,
    proc,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited(sp);
    },
  };
  if (opts.wait === false) return sp;
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      if (/address already in use/i.test(out)) return 'port taken';
      throw new Error(`keystonelight exited with ${proc.exitCode}: ${out}`);
    }
    const answer = await whoAnswers(port);
    if (answer === 'auth' || answer === proc.pid) return sp;
    if (typeof answer === 'number') {
      await sp.stop('SIGKILL');
      return 'port taken';
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await sp.stop('SIGKILL');
  throw new Error(`keystonelight did not start: ${out}`);
}

/**
 * Resolves with the exit code once the process has exited (null if killed by a signal) and its
 * output has been read to the end: 'exit' can come before the last bytes of stdout, so a test that
 * reads output() then could miss the final log lines. Its pipes close with it, unless a process it
 * started (a daemon) holds them: then at most a second later.
 */
export async function exited(sp: ServerProcess): Promise<number | null> {
  const p = sp.proc;
  if (p.exitCode === null && p.signalCode === null) await new Promise((r) => p.once('exit', r));
  const drained = (s: NodeJS.ReadableStream | null): Promise<unknown> =>
    s === null || (s as unknown as { readableEnded: boolean }).readableEnded ? Promise.resolve() : new Promise((r) => s.once('end', r));
  await Promise.race([Promise.all([drained(p.stdout), drained(p.stderr)]), new Promise((r) => setTimeout(r, 1000))]);
  return p.exitCode;
}

/** A temporary directory (removed after the test) holding a config file `name` with `text`. */
export function confDir(t: ExecutionContext, text: string, name = 'redis.conf'): { dir: string; file: string } {
  const dir = tempDir('ks-conf-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

/** The process's exit status, or 'running' while it still runs `ms` later (a start that should not fail). */
export function statusAfter(sp: ServerProcess, ms = 1500): Promise<number | null | 'running'> {
  return Promise.race([exited(sp), new Promise<'running'>((r) => setTimeout(() => r('running'), ms))]);
}
