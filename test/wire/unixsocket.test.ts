// Listening on a Unix socket (`unixsocket`, `unixsocketperm`), as Redis 7.0.15: clients connect
// with ioredis `{ path }`, node-redis `{ socket: { path } }` and `redis-cli -s`; such a client is
// shown as Redis shows it (CLIENT LIST addr / laddr `<path>:0` and flag U, MONITOR `unix:<path>`,
// SLOWLOG's address, CLIENT KILL ADDR / LADDR), is never refused by protected mode and is local for
// `enable-debug-command local`: side by side with a real redis-server on a socket of its own. The
// process side (the file's mode, a stale file, its removal at shutdown) is
// test/process/unixsocket.test.ts.

import test, { type ExecutionContext } from 'ava';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { serve } from '../helpers/serve.js';
import { startRealRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/bundle.js';
import { needBinary } from '../helpers/bins.js';
import { run } from '../helpers/run.js';

/** A fresh socket path in a temporary directory (short: sun_path holds 107 bytes). */
const socketPath = (): string => join(tempDir('ks-us-'), 's.sock');

async function connectPath(t: ExecutionContext, path: string): Promise<RawClient> {
  const c = await RawClient.connectPath(path);
  t.teardown(() => c.close());
  return c;
}

/** Keystonelight and redis-server, each on a Unix socket of its own (TCP too). */
async function pair(t: ExecutionContext, config: Record<string, string> = {}): Promise<{ ours: string; theirs: string }> {
  const ours = socketPath();
  await serve(t, { config: { unixsocket: ours, ...config } });
  const theirs = socketPath();
  const redis = await startRealRedis(['--unixsocket', theirs, ...Object.entries(config).flatMap(([k, v]) => [`--${k}`, v])]);
  t.teardown(() => redis.stop());
  return { ours, theirs };
}

/** A CLIENT LIST line's fields that do not vary between servers or runs, the socket's path as SOCK. */
function stableFields(line: string, path: string): string {
  const keep = ['addr', 'laddr', 'name', 'flags', 'db', 'multi', 'cmd', 'user', 'resp'];
  return line.trim().split(' ').filter((f) => keep.includes(f.slice(0, f.indexOf('=')))).join(' ').replaceAll(path, 'SOCK');
}

test('ioredis { path }, node-redis { socket: { path } } and redis-cli -s reach the server through its Unix socket', async (t) => {
  const path = socketPath();
  const s = await serve(t, { config: { unixsocket: path } });
  t.true(s.port > 0, 'the library still listens on TCP (its port 0 is a free port)');
  const io = new Redis({ path, lazyConnect: true });
  t.teardown(() => io.disconnect());
  await io.connect();
  t.is(await io.set('k', 'v1'), 'OK');
  const nr = createClient({ socket: { path, tls: false } });
  t.teardown(() => nr.disconnect().catch(() => {}));
  await nr.connect();
  t.is(await nr.get('k'), 'v1');
  t.is(await nr.clientInfo().then((i) => i.flags), 'U');
  if (!needBinary(t, 'redis-cli')) return;
  const r = await run('timeout', ['10', 'redis-cli', '-s', path, 'GET', 'k']);
  t.is(r.stdout, 'v1\n');
});

test('CLIENT LIST and CLIENT INFO show a Unix socket client as redis-server does: addr and laddr <path>:0, flag U', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await pair(t);
  const seen: string[][] = [];
  for (const path of [ours, theirs]) {
    const c = await connectPath(t, path);
    await c.call('CLIENT', 'SETNAME', 'viaunix');
    const list = await c.call('CLIENT', 'LIST');
    const multi = await c.pipeline([['MULTI'], ['CLIENT', 'INFO'], ['EXEC']]);
    seen.push([stableFields(list.split('\r\n')[1], path), stableFields(multi[2].split('\r\n')[2], path)]);
  }
  t.deepEqual(seen[0], [
    'addr=SOCK:0 laddr=SOCK:0 name=viaunix flags=U db=0 multi=-1 cmd=client|list user=default resp=2',
    'addr=SOCK:0 laddr=SOCK:0 name=viaunix flags=xU db=0 multi=1 cmd=exec user=default resp=2',
  ]);
  t.deepEqual(seen[0], seen[1]);
});

test('MONITOR, SLOWLOG and CLIENT KILL ADDR / LADDR name a Unix socket client as redis-server does', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await pair(t, { 'slowlog-log-slower-than': '0' });
  const seen: string[][] = [];
  for (const path of [ours, theirs]) {
    const mon = await connectPath(t, path);
    await mon.call('MONITOR');
    const c = await connectPath(t, path);
    await c.call('set', 'a', 'b');
    const line = (await mon.read()).replace(/^\+[\d.]+ /, '+TIME ');
    const slowlog = await c.call('SLOWLOG', 'GET', '1');
    const other = await connectPath(t, path);
    await other.call('PING');
    const kills = [
      await c.call('CLIENT', 'KILL', 'ADDR', `${path}:0`), // the monitor and `other`, not the caller (SKIPME yes)
      await c.call('CLIENT', 'KILL', 'LADDR', `${path}:0`, 'SKIPME', 'no'), // the caller, whose reply still comes
    ];
    seen.push([line, slowlog.slice(slowlog.indexOf('$3\r\nset')), ...kills].map((s) => s.replaceAll(`$${path.length + 2}\r\n${path}`, '$N\r\nSOCK').replaceAll(path, 'SOCK')));
  }
  t.deepEqual(seen[0], ['+TIME [0 unix:SOCK] "set" "a" "b"\r\n', '$3\r\nset\r\n$1\r\na\r\n$1\r\nb\r\n$N\r\nSOCK:0\r\n$0\r\n\r\n', ':2\r\n', ':1\r\n']);
  t.deepEqual(seen[0], seen[1]);
});

test('a path of 76 bytes or more is cut to 77 in addr and laddr, as Redis makes them in NET_ADDR_STR_LEN bytes (CLIENT INFO, SLOWLOG, CLIENT KILL ADDR)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const long = (): string => {
    const dir = tempDir('ks-us-');
    return join(dir, 's'.repeat(100 - dir.length - 1)); // 100 bytes, under sun_path's 107
  };
  const ours = long();
  await serve(t, { config: { unixsocket: ours, 'slowlog-log-slower-than': '0' } });
  const theirs = long();
  const redis = await startRealRedis(['--unixsocket', theirs, '--slowlog-log-slower-than', '0']);
  t.teardown(() => redis.stop());
  const seen: string[][] = [];
  for (const path of [ours, theirs]) {
    const cut = path.slice(0, 77);
    const c = await connectPath(t, path);
    const info = /addr=\S* laddr=\S*/.exec(await c.call('CLIENT', 'INFO'))?.[0] ?? '';
    const slowlog = await c.call('SLOWLOG', 'GET', '1');
    const kill = await c.call('CLIENT', 'KILL', 'ADDR', cut, 'SKIPME', 'no');
    seen.push([info, slowlog.slice(slowlog.indexOf('$6\r\nCLIENT')), kill].map((s) => s.replaceAll(cut, 'CUT')));
  }
  t.deepEqual(seen[0], ['addr=CUT laddr=CUT', '$6\r\nCLIENT\r\n$4\r\nINFO\r\n$77\r\nCUT\r\n$0\r\n\r\n', ':1\r\n']);
  t.deepEqual(seen[0], seen[1]);
});

test('a Unix socket client is local: protected mode never refuses it, enable-debug-command local lets it run DEBUG, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await pair(t, { 'enable-debug-command': 'local', 'protected-mode': 'yes' });
  for (const path of [ours, theirs]) {
    const c = await connectPath(t, path);
    t.is(await c.call('DEBUG', 'SLEEP', '0'), '+OK\r\n', path === ours ? 'ours' : 'theirs');
    t.is(await c.call('CONFIG', 'GET', 'unixsocket'), `*2\r\n$10\r\nunixsocket\r\n$${path.length}\r\n${path}\r\n`);
  }
});

test('unixsocketperm sets the file\'s mode; a relative path is inside dir, as Redis (which works in dir)', async (t) => {
  const path = socketPath();
  await serve(t, { config: { unixsocket: path, unixsocketperm: '700' } });
  t.is(statSync(path).mode & 0o777, 0o700);
  t.true(statSync(path).isSocket());
  const dir = tempDir('ks-us-');
  const s = await serve(t, { config: { unixsocket: 'rel.sock', dir } });
  const c = await connectPath(t, join(dir, 'rel.sock'));
  t.regex(await c.call('CLIENT', 'INFO'), / addr=rel\.sock:0 laddr=rel\.sock:0 /);
  await s.close();
  t.false(existsSync(join(dir, 'rel.sock')), 'close() removes the file');
});

test('a path that cannot be listened on rejects the start with Redis\'s line: too long for sun_path, a missing directory', async (t) => {
  const dir = tempDir('ks-us-');
  const long = join(dir, 'x'.repeat(108 - dir.length - 1)); // 108 bytes: one too many
  t.is(Buffer.byteLength(long), 108);
  await t.throwsAsync(startServer({ port: 0, config: { unixsocket: long } }), { message: 'Failed opening Unix socket: unix socket path too long (108), must be under 108' });
  const fits = long.slice(0, -1);
  const s = await startServer({ port: 0, config: { unixsocket: fits } });
  t.true(existsSync(fits), 'not a byte cut off');
  await s.close();
  const e = await t.throwsAsync(startServer({ port: 0, config: { unixsocket: join(dir, 'no-such-dir', 's.sock') } }), { message: 'Failed opening Unix socket: bind: No such file or directory' });
  t.is((e as NodeJS.ErrnoException).code, 'ENOENT');
  const again = await startServer({ port: 0 }); // nothing was left listening
  await again.close();
});

test('cluster mode: through the Unix socket a single node shows the empty address a lone Redis node shows', async (t) => {
  const path = socketPath();
  await serve(t, { config: { unixsocket: path, 'cluster-enabled': 'yes', dir: tempDir() } });
  const c = await connectPath(t, path);
  t.regex(await c.call('CLUSTER', 'SLOTS'), /^\*1\r\n\*3\r\n:0\r\n:16383\r\n\*4\r\n\$0\r\n\r\n:\d+\r\n/);
});
