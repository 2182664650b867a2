// Sharding behind twemproxy (Debian package `nutcracker`): three built-bundle instances behind a
// nutcracker started from the checked-in deploy/twemproxy/*.yml, with only the ports replaced (and
// commented-out lines enabled where a test says so), so these tests also keep those files working.
//
// twemproxy forwards key-based commands and answers PING, AUTH and QUIT itself; it closes the
// connection on anything else (HELLO, INFO, CLIENT, SELECT ...). ioredis therefore needs RESP2
// (`protocol: 2`: no HELLO), no ready check (`enableReadyCheck: false`: no INFO) and no client info
// (`disableClientInfo: true`: no CLIENT SETINFO).

import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { needBinary } from '../helpers/bins.js';
import { startBundle, tempDir, type ServerProcess } from '../helpers/bundle.js';
import { freePort } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';

const DEPLOY = join(process.cwd(), 'deploy', 'twemproxy');
const KEYS = 10_000;

/**
 * A checked-in nutcracker config with its ports (proxy 22121, instances 22001..22003) replaced,
 * and its commented-out `# name: value` lines for `enable` uncommented.
 */
function render(file: string, proxyPort: number, ports: number[], enable: string[] = []): string {
  let text = readFileSync(join(DEPLOY, file), 'utf8');
  const swap = (from: string, to: string): void => {
    if (!text.includes(from)) throw new Error(`${file} has no '${from}'`);
    text = text.split(from).join(to);
  };
  swap('127.0.0.1:22121', `127.0.0.1:${proxyPort}`);
  ports.forEach((p, i) => swap(`127.0.0.1:2200${i + 1}:`, `127.0.0.1:${p}:`));
  for (const name of enable) {
    const line = new RegExp(`^(\\s*)# (${name}: .*)$`, 'm');
    if (!line.test(text)) throw new Error(`${file} has no commented-out '${name}:' line`);
    text = text.replace(line, '$1$2');
  }
  return text;
}

/** The value of `name:` in a config text (e.g. redis_auth's password). */
function setting(text: string, name: string): string {
  const m = new RegExp(`^\\s*${name}: *(.+)$`, 'm').exec(text);
  if (m === null) throw new Error(`no ${name} in the config`);
  return m[1].trim();
}

interface Proxy {
  port: number;
  proc: ChildProcess;
  log(): string;
}

/** Starts nutcracker on `yml`; resolves once its listening port accepts connections. */
async function startProxy(t: ExecutionContext, yml: string): Promise<Proxy> {
  const dir = tempDir('ks-nutcracker-');
  const conf = join(dir, 'nutcracker.yml');
  const logFile = join(dir, 'nutcracker.log');
  writeFileSync(conf, yml);
  const port = Number(/listen: 127\.0\.0\.1:(\d+)/.exec(yml)![1]);
  const stats = await freePort();
  const proc = spawn('nutcracker', ['-c', conf, '-s', String(stats), '-a', '127.0.0.1', '-o', logFile], { stdio: 'ignore' });
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  t.teardown(() => {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    if (proc.exitCode !== null) throw new Error(`nutcracker exited with ${proc.exitCode}: ${log()}`);
    try {
      (await RawClient.connect(port)).close();
      return { port, proc, log };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nutcracker did not start: ${log()}`);
}

/** Starts a built-bundle instance (appendfsync always); killed and its directory removed at the end. */
async function startInstance(t: ExecutionContext, extra: string[] = [], at?: { port: number; dir: string }): Promise<ServerProcess> {
  const sp = await startBundle(['--appendfsync', 'always', '--loglevel', 'warning', ...extra], { ...at });
  t.teardown(async () => {
    await sp.stop('SIGKILL');
    if (at === undefined) rmSync(sp.dir, { recursive: true, force: true });
  });
  return sp;
}

async function startThree(t: ExecutionContext, extra: string[] = []): Promise<ServerProcess[]> {
  return Promise.all([0, 1, 2].map(() => startInstance(t, extra)));
}

/** DBSIZE of database `db`, asked of the instance directly (not through the proxy). */
async function dbsize(port: number, db = 0, password?: string): Promise<number> {
  const c = await RawClient.connect(port);
  try {
    if (password !== undefined && (await c.call('AUTH', password)) !== '+OK\r\n') throw new Error('AUTH failed');
    if ((await c.call('SELECT', String(db))) !== '+OK\r\n') throw new Error('SELECT failed');
    const r = await c.call('DBSIZE');
    const m = /^:(\d+)\r\n$/.exec(r);
    if (m === null) throw new Error(`DBSIZE answered ${JSON.stringify(r)}`);
    return Number(m[1]);
  } finally {
    c.close();
  }
}

/** An ioredis client for twemproxy: RESP2, no INFO ready check, no CLIENT SETINFO, no retries. */
async function proxyClient(t: ExecutionContext, port: number, opts: RedisOptions = {}): Promise<Redis> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    protocol: 2,
    enableReadyCheck: false,
    disableClientInfo: true,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...opts,
  });
  r.on('error', () => {});
  t.teardown(() => r.disconnect());
  await r.connect();
  return r;
}

const key = (i: number): string => `key:${i}`;
const value = (i: number): string => `value:${i}`;

async function writeKeys(r: Redis, n: number): Promise<void> {
  for (let from = 0; from < n; from += 1000) {
    const p = r.pipeline();
    for (let i = from; i < Math.min(n, from + 1000); i++) p.set(key(i), value(i));
    for (const [e, res] of (await p.exec())!) {
      if (e !== null || res !== 'OK') throw new Error(`SET through the proxy: ${e?.message ?? res}`);
    }
  }
}

/** Reads keys 0..n-1 back with MGETs of 100 keys (each one split over the instances by the proxy). */
async function readKeys(r: Redis, n: number): Promise<number> {
  let good = 0;
  for (let from = 0; from < n; from += 100) {
    const idx = Array.from({ length: Math.min(100, n - from) }, (_, j) => from + j);
    const got = await r.mget(...idx.map(key));
    idx.forEach((i, j) => (good += got[j] === value(i) ? 1 : 0));
  }
  return good;
}

test('10,000 keys sharded over three instances through nutcracker; a restarted instance keeps its share', async (t) => {
  t.timeout(30_000);
  if (!needBinary(t, 'nutcracker')) return;
  const ks = await startThree(t);
  const proxy = await startProxy(t, render('nutcracker.yml', await freePort(), ks.map((s) => s.port)));
  const r = await proxyClient(t, proxy.port);
  t.is(await r.ping(), 'PONG');

  await writeKeys(r, KEYS);
  t.is(await readKeys(r, KEYS), KEYS, 'every key reads back through the proxy');
  const shares = await Promise.all(ks.map((s) => dbsize(s.port)));
  t.log(`shares: ${shares.join(' + ')}`);
  t.is(shares.reduce((a, b) => a + b, 0), KEYS, 'the shares add up to every key, each on one instance');
  for (const n of shares) t.true(n > KEYS / 6, `every instance holds a fair share (${shares.join(', ')})`);

  // Restart one instance on the same port and directory: its share comes back from its AOF.
  const [, old] = ks;
  t.is(await old.stop('SIGTERM'), 0);
  const again = await startInstance(t, [], { port: old.port, dir: old.dir });
  t.is(await dbsize(again.port), shares[1], 'the restarted instance has its whole share');
  // The proxy reconnects to it on the next request (the first may still meet the closed connection).
  for (let tries = 0; ; tries++) {
    try {
      await r.get(key(0));
      break;
    } catch (e) {
      if (tries === 20) throw e;
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  t.is(await readKeys(r, KEYS), KEYS, 'every key still reads back through the proxy');
  t.is(await r.ping(), 'PONG');
  t.notRegex(proxy.log(), /unsupported command/, 'the client sent nothing twemproxy refuses');
});

test('redis_auth: the proxy checks AUTH itself and authenticates to instances with requirepass', async (t) => {
  t.timeout(30_000);
  if (!needBinary(t, 'nutcracker')) return;
  const password = setting(readFileSync(join(DEPLOY, 'nutcracker-auth.yml'), 'utf8'), 'redis_auth');
  const ks = await startThree(t, ['--requirepass', password]);
  const proxy = await startProxy(t, render('nutcracker-auth.yml', await freePort(), ks.map((s) => s.port)));

  const raw = await RawClient.connect(proxy.port);
  t.teardown(() => raw.close());
  t.regex(await raw.call('GET', 'x'), /^-NOAUTH /, 'nothing before AUTH');
  t.regex(await raw.call('AUTH', 'wrong'), /^-ERR invalid password/);
  t.is(await raw.call('AUTH', password), '+OK\r\n');
  t.is(await raw.call('PING'), '+PONG\r\n');
  t.is(await raw.call('SET', 'raw', '1'), '+OK\r\n');

  const r = await proxyClient(t, proxy.port, { password });
  t.is(await r.ping(), 'PONG');
  await writeKeys(r, 300);
  t.is(await readKeys(r, 300), 300);
  const shares = await Promise.all(ks.map((s) => dbsize(s.port, 0, password)));
  t.is(shares.reduce((a, b) => a + b, 0), 301, `in database 0 of the instances (${shares.join(', ')})`);

  const anonymous = await proxyClient(t, proxy.port);
  await t.throwsAsync(anonymous.get(key(1)), { message: /NOAUTH/ });
  t.notRegex(proxy.log(), /failed on/, 'the proxy authenticated to every instance');
});

test('redis_db: 1 (with redis_auth at the proxy): data lands in database 1 of the instances', async (t) => {
  t.timeout(30_000);
  if (!needBinary(t, 'nutcracker')) return;
  const ks = await startThree(t);
  const yml = render('nutcracker.yml', await freePort(), ks.map((s) => s.port), ['redis_auth', 'redis_db']);
  t.is(setting(yml, 'redis_db'), '1');
  const proxy = await startProxy(t, yml);
  const r = await proxyClient(t, proxy.port, { password: setting(yml, 'redis_auth') });
  t.is(await r.ping(), 'PONG');
  await writeKeys(r, 300);
  t.is(await readKeys(r, 300), 300);
  const db1 = await Promise.all(ks.map((s) => dbsize(s.port, 1)));
  const db0 = await Promise.all(ks.map((s) => dbsize(s.port, 0)));
  t.is(db1.reduce((a, b) => a + b, 0), 300, `all in database 1 (${db1.join(', ')})`);
  t.deepEqual(db0, [0, 0, 0], 'nothing in database 0');
  t.notRegex(proxy.log(), /SELECT 1 failed/);
});
