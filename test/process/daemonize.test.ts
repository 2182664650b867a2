// `daemonize yes` on the built CLI: the command returns (exit 0, nothing printed) only once the
// background server answers; that server runs in its own session, its PID is in the PID file, and
// SIGTERM to it shuts it down cleanly and removes the file. A background start that fails (port in
// use, PID file held) makes the command exit 1 with the reason, leaving no process behind.

import test, { type ExecutionContext } from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BUNDLE, tempDir } from '../helpers/bundle.js';
import { freePort } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';
import { run, type RunResult } from '../helpers/run.js';
import { aofContent, waitFor } from '../helpers/aof.js';

const ks = (args: string[]): Promise<RunResult> => run(process.execPath, [BUNDLE, ...args], { timeoutMs: 30_000 });

/** /proc/<pid>/stat fields after the command name: [state, ppid, pgrp, session, ...]; null if gone. */
function procStat(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Gone, or a zombie: an orphaned daemon is reaped by PID 1, which may not do it in a container. */
const gone = (pid: number): boolean => {
  const s = procStat(pid);
  return s === null || s[0] === 'Z';
};

/** Kills a daemon a failed test left running. */
function reap(t: ExecutionContext, pidFile: string): void {
  t.teardown(() => {
    try {
      process.kill(Number(readFileSync(pidFile, 'latin1')), 'SIGKILL');
    } catch {
      // not started, or already gone
    }
  });
}

async function daemon(dir: string, extra: string[] = []): Promise<{ port: number; r: RunResult; args: string[] }> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'yes', ...extra];
  return { port, args, r: await ks(args) };
}

test('daemonize yes: returns once the server answers; PID file holds it; SIGTERM stops it cleanly', async (t) => {
  const dir = tempDir();
  const log = join(dir, 'keystonelight.log');
  const pidFile = join(dir, 'keystonelight.pid');
  reap(t, pidFile);
  const { port, r } = await daemon(dir, ['--logfile', log]);
  t.deepEqual(r, { code: 0, stdout: '', stderr: '' });
  const pid = Number(readFileSync(pidFile, 'latin1'));
  t.is(readFileSync(pidFile, 'latin1'), `${pid}\n`);
  const stat = procStat(pid);
  t.truthy(stat, 'the PID in the file is a live process');
  t.is(stat![3], String(pid), 'it leads its own session (detached from the terminal)');
  // Ready means listening and loaded: the first attempt answers, no retry.
  const c = await RawClient.connect(port);
  t.is(await c.call('PING'), '+PONG\r\n');
  t.is(await c.call('SET', 'k', 'v'), '+OK\r\n');
  t.is(await c.call('CONFIG', 'GET', 'daemonize'), '*2\r\n$9\r\ndaemonize\r\n$3\r\nyes\r\n');
  c.close();
  // The log is written through a stream: on a busy machine the lines land a little after the reply.
  const started = new RegExp(`pid=${pid}, just started[^]*Ready to accept connections tcp on port ${port}`);
  await waitFor(() => started.test(readFileSync(log, 'latin1')), 10_000, 'the start-up lines in the log').catch(() => {});
  t.regex(readFileSync(log, 'latin1'), started);
  process.kill(pid, 'SIGTERM');
  await waitFor(() => gone(pid), 20_000, 'the daemon to exit');
  t.false(existsSync(pidFile), 'PID file removed');
  t.regex(readFileSync(log, 'latin1'), /Received SIGTERM scheduling shutdown[^]*Removing the pid file[^]*bye bye/);
  t.regex(aofContent(dir).toString('latin1'), /\$3\r\nSET\r\n\$1\r\nk\r\n\$1\r\nv\r\n/, 'the write is in the AOF');
});

test('daemonize yes in the config file, no logfile: nothing printed (the log goes to /dev/null, as Redis)', async (t) => {
  const dir = tempDir();
  const port = await freePort();
  const conf = join(dir, 'ks.conf');
  writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir "${dir}"\ndaemonize yes\n`);
  const pidFile = join(dir, 'keystonelight.pid');
  reap(t, pidFile);
  t.deepEqual(await ks([conf]), { code: 0, stdout: '', stderr: '' });
  const pid = Number(readFileSync(pidFile, 'latin1'));
  const c = await RawClient.connect(port);
  t.is(await c.call('SHUTDOWN').catch(() => 'closed'), 'closed', 'no reply: the connection is closed');
  c.close();
  await waitFor(() => gone(pid), 20_000, 'the daemon to exit');
  t.false(existsSync(pidFile));
});

test('a background start that fails (port in use): exit 1 with the reason, no process and no PID file left', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const dir = tempDir();
  const log = join(dir, 'ks.log');
  const r = await ks(['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'yes', '--logfile', log]);
  t.is(r.code, 1);
  t.is(r.stderr, `keystonelight: Could not create server TCP listening socket 127.0.0.1:${port}: bind: Address already in use\n`);
  t.is(r.stdout, '');
  t.false(existsSync(join(dir, 'keystonelight.pid')));
  const pid = Number(/pid=(\d+), just started/.exec(readFileSync(log, 'latin1'))?.[1]);
  t.true(pid > 0, 'the background server logged its start');
  await waitFor(() => gone(pid), 20_000, 'the failed background server to exit');
});

test('a background start on a data directory in use: exit 1 naming the running server', async (t) => {
  const dir = tempDir();
  const pidFile = join(dir, 'keystonelight.pid');
  reap(t, pidFile);
  const first = await daemon(dir);
  t.is(first.r.code, 0, first.r.stderr);
  const pid = Number(readFileSync(pidFile, 'latin1'));
  const second = await daemon(dir);
  t.is(second.r.code, 1);
  t.regex(second.r.stderr, new RegExp(`^keystonelight: Another server \\(PID ${pid}\\) is running on this data directory.*\\n$`));
  t.is(readFileSync(pidFile, 'latin1'), `${pid}\n`, 'the first server keeps its PID file');
  const c = await RawClient.connect(first.port);
  t.is(await c.call('PING'), '+PONG\r\n', 'and keeps serving');
  c.close();
  process.kill(pid, 'SIGTERM');
  await waitFor(() => gone(pid), 20_000, 'the daemon to exit');
});

test('a bad value is refused before anything starts', async (t) => {
  const r = await ks(['--port', String(await freePort()), '--dir', tempDir(), '--daemonize', 'maybe']);
  t.deepEqual(r, { code: 1, stdout: '', stderr: 'keystonelight: command line: \'daemonize "maybe"\': argument must be \'yes\' or \'no\'\n' });
});

test('daemonize with `-`: the background server gets the configuration read from standard input (a requirepass there is not lost)', async (t) => {
  // The background server is this command started again, with /dev/null as its standard input:
  // it read nothing there, and ran without the password (and every other line) given on stdin.
  const dir = tempDir();
  const pidFile = join(dir, 'keystonelight.pid');
  reap(t, pidFile);
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '-'];
  const r = await run(process.execPath, [BUNDLE, ...args], { input: 'daemonize yes\nrequirepass s3cret\nhz 7\n', timeoutMs: 30_000 });
  t.deepEqual(r, { code: 0, stdout: '', stderr: '' });
  const pid = Number(readFileSync(pidFile, 'latin1'));
  const c = await RawClient.connect(port);
  t.regex(await c.call('PING'), /^-NOAUTH /);
  t.is(await c.call('AUTH', 's3cret'), '+OK\r\n');
  t.is(await c.call('CONFIG', 'GET', 'hz'), '*2\r\n$2\r\nhz\r\n$1\r\n7\r\n');
  c.close();
  process.kill(pid, 'SIGTERM');
  await waitFor(() => gone(pid), 20_000, 'the daemon to exit');
});
