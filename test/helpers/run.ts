// Runs an external program (redis-cli, redis-benchmark, the built CLI) to completion with optional
// standard input, capturing its output; a run that outlives its time limit is killed and reported.

import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} took longer than ${opts.timeoutMs ?? 30_000} ms; output: ${Buffer.concat(out).toString('latin1').slice(-500)}`));
    }, opts.timeoutMs ?? 30_000);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') });
    });
    p.stdin.on('error', () => {}); // the program may exit before reading all its input
    p.stdin.end(opts.input ?? '');
  });
}

export interface Watched {
  /** Everything written to standard output so far. */
  output(): string;
  /** Resolves with the output once `done(output)` holds; rejects (after killing it) past `ms`. */
  until(done: (out: string) => boolean, what: string, ms?: number): Promise<string>;
  /** Kills it (SIGTERM) and resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts a program that runs until stopped (`redis-cli --stat`, `MONITOR`) and watches its output.
 * redis-cli writes to a pipe through stdio's full buffering: run it under `stdbuf -oL`.
 */
export function watch(cmd: string, args: string[]): Watched {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString('latin1');
    for (const f of listeners) f();
  });
  p.stderr.on('data', (d: Buffer) => (err += d.toString('latin1')));
  const exited = new Promise<void>((r) => p.once('close', () => r()));
  p.once('close', () => {
    for (const f of listeners) f();
  });
  const stop = async (): Promise<void> => {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    await exited;
  };
  return {
    output: () => out,
    stop,
    until(done, what, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (done(out)) {
            finish();
            resolve(out);
          } else if (p.exitCode !== null || p.signalCode !== null) {
            finish();
            reject(new Error(`${cmd} exited (${p.exitCode ?? p.signalCode}) before ${what}; output: ${out.slice(-500)} ${err}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          void stop();
          reject(new Error(`timed out after ${ms} ms waiting for ${what}; output: ${out.slice(-500)} ${err}`));
        }, ms);
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
