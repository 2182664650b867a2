// `daemonize yes` without fork(): Node cannot fork a running process, so the command re-spawns
// itself — same runtime flags, same script, same arguments, same working directory — detached
// (setsid: no controlling terminal, its own session), with standard input, output and error on
// /dev/null as Redis's daemonize() leaves them (so with `logfile ""` the log is lost, as in Redis).
//
// Unlike Redis, whose parent exits 0 right after fork(), our parent waits for a readiness
// handshake on a pipe (descriptor 3 of the child): the child writes `READY` once it accepts
// connections (after loading the AOF), or `ERR <reason>` when its start fails (port in use, PID
// file held, unreadable AOF ...). The parent then exits 0, or prints the reason and exits 1. A
// child that dies without a word (a crash) closes the pipe: the parent reports its exit status.
// The PID file is written by the child, so it holds the daemon's PID.

import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';

/** Names the readiness pipe's descriptor in the child's environment; its presence marks the child. */
const READY_FD = 'KEYSTONELIGHT_READY_FD';

let readyFd: number | null = null;
const fdText = process.env[READY_FD];
if (fdText !== undefined) {
  readyFd = Number(fdText);
  delete process.env[READY_FD]; // not inherited by anything this process starts
}

/** True in the re-spawned (background) server. */
export function isDaemonChild(): boolean {
  return fdText !== undefined;
}

/** Writes the one handshake line and closes the pipe (synchronously: the caller may exit next). */
function tell(line: string): void {
  if (readyFd === null) return;
  const fd = readyFd;
  readyFd = null;
  try {
    writeSync(fd, `${line.replace(/[\r\n]+/g, ' ')}\n`);
    closeSync(fd);
  } catch {
    // the parent is gone (killed while waiting): nobody to tell
  }
}

/** The server accepts connections: the parent may exit 0. */
export function notifyReady(): void {
  tell('READY');
}

/** The start failed: the parent prints `message` and exits 1. */
export function notifyFailure(message: string): void {
  tell(`ERR ${message}`);
}

/**
 * Parent side: starts the background server and waits for its handshake. Resolves with null once
 * it is ready, or with the reason it did not start.
 */
export function spawnDaemon(argv: readonly string[], stdin?: string): Promise<string | null> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...argv], {
    detached: true,
    // `-` read the configuration from our standard input: the background server gets the same
    // text on its own (Redis forks after reading it; we start again and would read /dev/null).
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore', 'pipe'],
    env: { ...process.env, [READY_FD]: '3' },
  });
  if (stdin !== undefined) {
    child.stdin!.on('error', () => {}); // a child that failed early: its exit status tells why
    child.stdin!.end(stdin, 'latin1');
  }
  return new Promise((resolve) => {
    let said = '';
    let exit: string | null = null;
    let ended = false;
    const settle = (): void => {
      const line = said.split('\n')[0];
      if (line === 'READY') resolve(null);
      else if (line.startsWith('ERR ')) resolve(line.slice(4));
      else if (exit !== null) resolve(`the background server exited (${exit}) before it was ready`);
      else return; // pipe closed without a word: wait for the exit status
      child.unref();
      pipe.destroy();
    };
    const pipe = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
    pipe.setEncoding('latin1');
    pipe.on('data', (d: string) => (said += d));
    pipe.on('end', () => {
      ended = true;
      settle();
    });
    child.once('error', (e) => resolve(`can't start the background server: ${e.message}`));
    child.once('exit', (code, signal) => {
      exit = signal === null ? `exit code ${code}` : `signal ${signal}`;
      if (ended) settle();
    });
  });
}
