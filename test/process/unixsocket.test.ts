// The CLI on a Unix socket, as redis-server 7.0.15: the socket file (its mode from unixsocketperm,
// a stale one replaced, removed at SHUTDOWN and at SIGTERM with Redis's lines), port 0 beside it
// meaning no TCP (the ready line and the process title name the socket), a path too long for
// sun_path failing the start with Redis's line; and CONFIG SET port / bind with a config file (the
// title follows, CONFIG REWRITE writes them). Side by side with redis-server where it can run too.

import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, confDir, exited, startBundle, tempDir } from '../helpers/bundle.js';
import { RawClient } from '../helpers/raw.js';
import { freePort } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { run } from '../helpers/run.js';

/** What ps shows: the command line, its NULs as spaces (the title's padding dropped). */
const cmdline = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ');

/** Log lines without Redis's `pid:role date time mark ` prefix. */
const messages = (log: string): string[] => log.split('\n').filter((l) => l !== '').map((l) => l.replace(/^\d+:\w [\d\w :.]+? [#*.-] /, ''));

/** Waits until the socket at `path` answers PING; the client, closed by t.teardown. */
async function whenServing(t: ExecutionContext, path: string, ms = 15_000): Promise<RawClient> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const c = await RawClient.connectPath(path);
      t.teardown(() => c.close());
      if ((await c.call('PING')) === '+PONG\r\n') return c;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A redis-server started with `args` in `dir`, logging to dir/redis.log; killed by t.teardown. */
function realRedis(t: ExecutionContext, dir: string, args: string[]): { pid: number; log: () => string; exit: Promise<unknown> } {
  const logfile = join(dir, 'redis.log');
  const proc = spawn('redis-server', ['--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', logfile, ...args], { stdio: 'ignore' });
  const exit = new Promise((r) => proc.once('exit', r));
  t.teardown(() => void proc.kill('SIGKILL'));
  return { pid: proc.pid!, log: () => (existsSync(logfile) ? readFileSync(logfile, 'latin1') : ''), exit };
}

/** A socket file left behind by a process killed while it listened on it. */
function staleSocket(path: string): void {
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
}

test('the socket file: unixsocketperm\'s mode, a stale one replaced, removed at SHUTDOWN with redis-server\'s lines', async (t) => {
  const dir = tempDir('ks-us-');
  const path = join(dir, 'ks.sock');
  staleSocket(path);
  t.true(statSync(path).isSocket(), 'a stale socket file is there');
  const sp = await startBundle(['--unixsocket', path, '--unixsocketperm', '700', '--appendonly', 'no'], { dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  t.is(statSync(path).mode & 0o777, 0o700);
  await whenServing(t, path);
  if (!needBinary(t, 'redis-cli')) return;
  t.is((await run('timeout', ['10', 'redis-cli', '-s', path, 'SHUTDOWN'])).code, 0);
  t.is(await exited(sp), 0);
  t.false(existsSync(path), 'removed at shutdown');
  const ours = messages(sp.output());
  const tail = ours.slice(ours.indexOf('User requested shutdown...'));
  t.deepEqual(tail, ['User requested shutdown...', 'Removing the pid file.', 'Removing the unix socket file.', 'Keystonelight is now ready to exit, bye bye...']);
  if (!needBinary(t, 'redis-server')) return;
  const rdir = tempDir('ks-us-');
  const rpath = join(rdir, 'r.sock');
  staleSocket(rpath);
  const redis = realRedis(t, rdir, ['--port', String(await freePort()), '--bind', '127.0.0.1', '--unixsocket', rpath, '--unixsocketperm', '700', '--pidfile', join(rdir, 'r.pid')]);
  await whenServing(t, rpath);
  t.is(statSync(rpath).mode & 0o777, 0o700);
  await run('timeout', ['10', 'redis-cli', '-s', rpath, 'SHUTDOWN']);
  await redis.exit;
  t.false(existsSync(rpath));
  const theirs = messages(redis.log());
  t.deepEqual(tail.map((l) => l.replace('Keystonelight', 'Redis')), theirs.slice(theirs.indexOf('User requested shutdown...')));
});

test('SIGTERM removes the socket file, which replaced a regular file at its path (as Redis, which unlinks whatever is there)', async (t) => {
  const dir = tempDir('ks-us-');
  const path = join(dir, 'ks.sock');
  writeFileSync(path, 'not a socket');
  const sp = await startBundle(['--unixsocket', path], { dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  t.true(statSync(path).isSocket());
  t.is(statSync(path).mode & 0o777, 0o777 & ~process.umask(), 'unixsocketperm 0: no chmod');
  await whenServing(t, path);
  t.is(await sp.stop('SIGTERM'), 0);
  t.false(existsSync(path));
  t.regex(sp.output(), /\* Removing the pid file\.\n.*\* Removing the unix socket file\.\n.*# Keystonelight is now ready to exit, bye bye\.\.\.\n/);
});

test('port 0 beside a unixsocket: no TCP, as redis-server; the ready line and the title name the socket; CONFIG SET port opens TCP', async (t) => {
  const dir = tempDir('ks-us-');
  const path = join(dir, 'ks.sock');
  const sp = await startBundle(['--port', '0', '--unixsocket', path, '--appendonly', 'no'], { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await whenServing(t, path);
  const to = await freePort();
  const ours = {
    tcpPort: /tcp_port:\d+/.exec(await c.call('INFO', 'server'))![0],
    title: cmdline(sp.proc.pid!),
    ready: messages(sp.output()).filter((l) => /ready to accept|Ready to accept/i.test(l)),
    set: await c.call('CONFIG', 'SET', 'port', String(to)),
    moved: cmdline(sp.proc.pid!),
  };
  t.deepEqual(ours, {
    tcpPort: 'tcp_port:0', title: `keystonelight.js unixsocket:${path}`, ready: [`The server is now ready to accept connections at ${path}`],
    set: '+OK\r\n', moved: `keystonelight.js 127.0.0.1:${to}`,
  });
  t.is(await (await RawClient.connect(to)).call('PING'), '+PONG\r\n');
  if (!needBinary(t, 'redis-server')) return;
  const rdir = tempDir('ks-us-');
  const rpath = join(rdir, 'r.sock');
  const redis = realRedis(t, rdir, ['--port', '0', '--bind', '127.0.0.1', '--unixsocket', rpath]);
  const r = await whenServing(t, rpath);
  const rto = await freePort();
  const theirs = {
    tcpPort: /tcp_port:\d+/.exec(await r.call('INFO', 'server'))![0],
    title: cmdline(redis.pid),
    ready: messages(redis.log()).filter((l) => /ready to accept|Ready to accept/i.test(l)),
    set: await r.call('CONFIG', 'SET', 'port', String(rto)),
    moved: cmdline(redis.pid),
  };
  const mask = (o: typeof ours, p: string, port: number): string => JSON.stringify(o).replaceAll(p, 'SOCK').replaceAll(String(port), 'P').replace(/(keystonelight\.js|redis-server) /g, 'TITLE ');
  t.is(mask(ours, path, to), mask(theirs, rpath, rto));
});

test('a unixsocket path too long for sun_path fails the start with redis-server\'s line', async (t) => {
  const dir = tempDir('ks-us-');
  const long = join(dir, 'x'.repeat(108 - dir.length - 1));
  const ours = await run(process.execPath, [BUNDLE, '--port', '0', '--unixsocket', long, '--dir', dir, '--appendonly', 'no'], { timeoutMs: 20_000 });
  t.is(ours.code, 1);
  t.is(messages(ours.stdout).at(-1), 'Failed opening Unix socket: unix socket path too long (108), must be under 108');
  if (!needBinary(t, 'redis-server')) return;
  const theirs = await run('timeout', ['10', 'redis-server', '--port', '0', '--unixsocket', long, '--dir', dir, '--save', '']);
  t.is(theirs.code, 1);
  t.is(messages(theirs.stdout).at(-1), messages(ours.stdout).at(-1));
});

test('CONFIG SET port and bind with a config file: CONFIG REWRITE writes them, the title follows', async (t) => {
  const { dir, file } = confDir(t, 'appendonly no\n');
  const sp = await startBundle([], { configFile: file, dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  const to = await freePort();
  t.is(await c.call('CONFIG', 'SET', 'port', String(to), 'bind', '127.0.0.1'), '+OK\r\n');
  t.is(cmdline(sp.proc.pid!), `keystonelight.js 127.0.0.1:${to}`);
  const moved = await RawClient.connect(to);
  t.teardown(() => moved.close());
  t.is(await moved.call('CONFIG', 'REWRITE'), '+OK\r\n');
  const text = readFileSync(file, 'latin1');
  t.regex(text, new RegExp(`\\nport ${to}\\n`));
  t.regex(text, /\nbind 127\.0\.0\.1\n/, 'not the default (127.0.0.1 -::1): written');
});
