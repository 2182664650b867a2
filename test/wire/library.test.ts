// The library as a test suite embeds it: two servers on one data directory (in one process or
// not) are refused with the CLI's PID file; bad options reject naming the option (ConfigError);
// close() gives back the log file's descriptor; a client's SHUTDOWN whose close fails never
// surfaces in the host as an unhandled rejection.

import test from 'ava';
import { readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, PidFileError, startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { tempDir } from '../helpers/bundle.js';
import { FaultyIO, waitFor } from '../helpers/aof.js';

test('two embedded servers with an AOF in one directory: the second is refused until the first closes', async (t) => {
  const dir = tempDir();
  const first = await startServer({ port: 0, config: { appendonly: 'yes', dir } });
  await t.throwsAsync(startServer({ port: 0, config: { appendonly: 'yes', dir } }), { instanceOf: PidFileError, message: /Another server \(PID \d+\) is running on this data directory/ });
  await first.close();
  const second = await startServer({ port: 0, config: { appendonly: 'yes', dir } });
  await second.close();
  const memoryOnly = [await startServer({ port: 0, config: { dir } }), await startServer({ port: 0, config: { dir } })];
  for (const s of memoryOnly) await s.close(); // no AOF, no PID file: nothing to share
  t.false(readdirSync(dir).includes('keystonelight.pid'), 'released on close');
});

test('a bad option rejects with ConfigError naming it; an undefined one is skipped', async (t) => {
  await t.throwsAsync(startServer({ port: 0, config: { databases: 'abc' } }), { instanceOf: ConfigError, message: "bad option 'databases' (value 'abc'): argument couldn't be parsed into an integer" });
  const s = await startServer({ port: 0, config: { maxmemory: undefined as unknown as string } });
  await s.close();
  t.pass();
});

test.serial('close() gives back the log file, also after a failed start', async (t) => {
  const dir = tempDir();
  const fds = (): number => readdirSync('/proc/self/fd').length;
  const before = fds();
  for (let i = 0; i < 5; i++) {
    const s = await startServer({ port: 0, config: { logfile: join(dir, 'ks.log'), loglevel: 'notice' } });
    await s.close();
  }
  const busy = await startServer({ port: 0 });
  for (let i = 0; i < 3; i++) await t.throwsAsync(startServer({ port: busy.port, config: { logfile: join(dir, 'ks.log') } }));
  await busy.close();
  t.true(fds() - before <= 2, `descriptors: ${before} before, ${fds()} after`);
});

test('SHUTDOWN from a client while the AOF cannot be written: no unhandled rejection in the host', async (t) => {
  const io = new FaultyIO();
  const dir = tempDir();
  const s = await startServer({ port: 0, config: { appendonly: 'yes', dir, appendfsync: 'everysec' }, fileIO: io });
  const c = await RawClient.connect(s.port);
  t.is(await c.call('SET', 'k', 'v'), '+OK\r\n');
  io.failWrites = 'ENOSPC';
  const rejections: unknown[] = [];
  const onRejection = (e: unknown): void => void rejections.push(e);
  process.on('unhandledRejection', onRejection);
  try {
    // A write that stays pending (its write fails), then SHUTDOWN: the close cannot write it.
    c.write('*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$1\r\nv\r\n*1\r\n$8\r\nSHUTDOWN\r\n');
    await c.waitClosed(10_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    process.off('unhandledRejection', onRejection);
    io.failWrites = null;
    await s.close().catch(() => {});
  }
  t.deepEqual(rejections, []);
});

test('the PID file is given back however the server stops: close(), a client SHUTDOWN, a failed start; a symlinked dir is the same', async (t) => {
  const root = tempDir();
  const dir = join(root, 'not', 'yet'); // made by startServer, as the CLI makes it
  const a = await startServer({ port: 0, config: { appendonly: 'yes', dir } });
  symlinkSync(dir, join(root, 'link'));
  await t.throwsAsync(startServer({ port: 0, config: { appendonly: 'yes', dir: join(root, 'link') } }), { instanceOf: PidFileError });
  const c = await RawClient.connect(a.port);
  t.is(await c.call('SET', 'k', 'v'), '+OK\r\n');
  c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
  await c.waitClosed(10_000);
  await waitFor(() => !readdirSync(dir).includes('keystonelight.pid'), 10_000, 'the PID file to go');
  const b = await startServer({ port: 0, config: { appendonly: 'yes', dir } }); // the same process, after SHUTDOWN
  const d = await RawClient.connect(b.port);
  t.is(await d.call('GET', 'k'), '$1\r\nv\r\n');
  d.close();
  await b.close();
  await b.close(); // twice is harmless
  // A start that fails after taking the PID file (a bad cluster layout) gives it back.
  writeFileSync(join(dir, 'nodes.conf'), 'garbage\n');
  await t.throwsAsync(startServer({ port: 0, config: { appendonly: 'yes', dir, 'cluster-enabled': 'yes' } }));
  const e = await startServer({ port: 0, config: { appendonly: 'yes', dir } });
  await e.close();
});

test('close() twice with a log file is quick (the second waits for nothing)', async (t) => {
  const dir = tempDir();
  const s = await startServer({ port: 0, config: { logfile: join(dir, 'ks.log') } });
  await s.close();
  const started = Date.now();
  await s.close();
  t.true(Date.now() - started < 500, `${Date.now() - started} ms`);
});

test('CONFIG SET appendonly yes takes the PID file: refused (Redis\'s error, value restored) while another server holds the directory', async (t) => {
  const dir = tempDir();
  const owner = await startServer({ port: 0, config: { appendonly: 'yes', dir } });
  const late = await startServer({ port: 0, config: { dir } });
  const c = await RawClient.connect(late.port);
  try {
    t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.\r\n");
    t.is(await c.call('CONFIG', 'GET', 'appendonly'), '*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n');
    t.is(await c.call('SET', 'k', 'v'), '+OK\r\n');
    await owner.close();
    t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n', 'free once the owner is gone');
    t.true(readdirSync(dir).includes('keystonelight.pid'));
    await t.throwsAsync(startServer({ port: 0, config: { appendonly: 'yes', dir } }), { instanceOf: PidFileError });
  } finally {
    c.close();
    await late.close();
    await owner.close();
  }
  t.false(readdirSync(dir).includes('keystonelight.pid'), 'released on close');
});

test('CONFIG SET appendonly yes that cannot start the file: every value of the command is restored', async (t) => {
  const file = join(tempDir(), 'plain-file');
  writeFileSync(file, '');
  const s = await startServer({ port: 0, config: { dir: join(file, 'sub') } }); // mkdir fails: ENOTDIR
  const c = await RawClient.connect(s.port);
  try {
    t.is(await c.call('CONFIG', 'SET', 'maxmemory', '12345', 'appendonly', 'yes'), "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.\r\n");
    t.is(await c.call('CONFIG', 'GET', 'maxmemory'), '*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n');
    t.is(await c.call('CONFIG', 'GET', 'appendonly'), '*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n');
    const info = await c.call('INFO', 'persistence');
    t.regex(info, /\r\naof_enabled:0\r\n/);
    t.regex(info, /\r\naof_last_bgrewrite_status:err\r\n/, 'as Redis, whose rewrite to start the file failed');
  } finally {
    c.close();
    await s.close();
  }
});
