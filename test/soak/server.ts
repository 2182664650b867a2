// The soak test's server: the BUILT bundle (dist/keystonelight.js) as a real process on loopback,
// in a temporary directory, with appendfsync always, restarted on the same port and directory
// after each kill -9. Keeps the tail of its output for the report.

import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

export class SoakServer {
  private proc: ChildProcess | null = null;
  private out = '';
  /** Exits nobody asked for (the server died by itself). */
  unexpectedExits: string[] = [];
  private expectingExit = false;

  constructor(readonly bundle: string, readonly port: number, readonly dir: string, private readonly extraArgs: string[] = []) {}

  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  /** The last 4 KB of everything the server printed. */
  output(): string {
    return this.out.slice(-4096);
  }

  /** Starts the server; resolves once it answers PING (after loading its AOF). */
  async start(): Promise<void> {
    const p = spawn(process.execPath, [this.bundle, '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--appendonly', 'yes', '--appendfsync', 'always', '--loglevel', 'notice', ...this.extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    this.expectingExit = false;
    const keep = (d: Buffer): void => {
      this.out = (this.out + d.toString('latin1')).slice(-65536);
    };
    p.stdout!.on('data', keep);
    p.stderr!.on('data', keep);
    p.on('exit', (code, signal) => {
      if (!this.expectingExit) this.unexpectedExits.push(`exit code ${code} signal ${signal}: ${this.output().slice(-1000)}`);
    });
    const deadline = Date.now() + 60_000;
    while (!(await ping(this.port))) {
      if (p.exitCode !== null) throw new Error(`the server exited with ${p.exitCode} while starting: ${this.output()}`);
      if (Date.now() > deadline) throw new Error(`the server did not answer PING within 60 s: ${this.output()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends `signal` and waits for the exit; resolves with the exit code (null when killed). */
  async stop(signal: NodeJS.Signals): Promise<number | null> {
    const p = this.proc;
    if (p === null || p.exitCode !== null || p.signalCode !== null) return p?.exitCode ?? null;
    this.expectingExit = true;
    const done = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    p.kill(signal);
    return done;
  }

  /** A signal that does not stop the server (SIGHUP: rewrite the AOF). */
  signal(signal: NodeJS.Signals): void {
    this.proc?.kill(signal);
  }
}

/** Whether the server answers +PONG (a raw connection: no client library state involved). */
export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), 1000);
    let got = '';
    s.on('connect', () => s.write('*1\r\n$4\r\nPING\r\n'));
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done(got === '+PONG\r\n');
    });
    s.on('error', () => done(false));
  });
}
