// Real client libraries against an in-process server: ioredis 6 and node-redis 6, each in RESP3
// (their default: both open with HELLO 3) and RESP2. Handshakes, readiness, pipelines, binary
// values, errors surfacing as client errors, SCAN through their iterators, and ROLE as they parse it.

import test, { type ExecutionContext } from 'ava';
import { Redis, type RedisOptions } from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import { startServer, type RunningServer } from '../../src/index.js';
import type { Connection } from '../../src/server/connection.js';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

interface Spy {
  server: RunningServer;
  /** Every request the server ran, in order. */
  seen: string[][];
  /** Requests named `name` (case-insensitive). */
  named(name: string): string[][];
  connections(): Connection[];
}

/** A server per test, recording every request it runs. */
async function spyServer(t: ExecutionContext): Promise<Spy> {
  const server = await startServer({ port: 0 });
  t.teardown(() => server.close());
  const seen: string[][] = [];
  const inner = server.server;
  const execute = inner.execute.bind(inner);
  inner.execute = (conn, args) => {
    seen.push(args);
    return execute(conn, args);
  };
  return {
    server,
    seen,
    named: (name) => seen.filter((a) => a[0].toLowerCase() === name),
    connections: () => [...inner.clients()],
  };
}

/** An ioredis client that fails fast instead of reconnecting forever. */
function ioredis(t: ExecutionContext, port: number, opts: RedisOptions = {}): Redis {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, ...opts });
  r.on('error', () => {}); // surfaced through the command promises
  t.teardown(() => r.disconnect());
  return r;
}

function waitReady(r: Redis, ms = 5000): Promise<void> {
  if (r.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after ${ms} ms (status ${r.status})`)), ms);
    r.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// --- ioredis ---------------------------------------------------------------------------------------

test('ioredis default: HELLO 3, then the INFO ready check, then ready on a RESP3 connection', async (t) => {
  const spy = await spyServer(t);
  const r = ioredis(t, spy.server.port);
  for (let i = 0; i < 100 && spy.named('info').length === 0; i++) await new Promise((res) => setTimeout(res, 20));
  t.deepEqual(spy.named('hello')[0], ['hello', '3'], 'opens with HELLO 3');
  t.is(spy.connections()[0].proto, 3);
  t.is(spy.named('info').length, 1, 'ready check reads INFO');
  await waitReady(r);
  t.is(await r.ping(), 'PONG');
});

for (const protocol of [3, 2] as const) {
  test(`ioredis RESP${protocol}: the ready check waits while the server is loading (INFO loading:1)`, async (t) => {
    const spy = await spyServer(t);
    spy.server.server.setLoading(true);
    const r = ioredis(t, spy.server.port, { protocol, maxLoadingRetryTime: 100 });
    for (let i = 0; i < 250 && spy.named('info').length < 2; i++) await new Promise((res) => setTimeout(res, 20));
    t.true(spy.named('info').length >= 2, 'INFO asked again');
    t.not(r.status, 'ready');
    spy.server.server.setLoading(false);
    await waitReady(r);
    t.is(await r.ping(), 'PONG');
  });
}

test('ioredis protocol: 2 sends no HELLO and stays on RESP2', async (t) => {
  const spy = await spyServer(t);
  const r = ioredis(t, spy.server.port, { protocol: 2, enableReadyCheck: false });
  t.is(await r.ping(), 'PONG');
  t.is(spy.named('hello').length, 0);
  t.is(spy.connections()[0].proto, 2);
});

for (const protocol of [2, 3] as const) {
  test(`ioredis RESP${protocol}: pipelines of 1000 commands keep their order`, async (t) => {
    const spy = await spyServer(t);
    const r = ioredis(t, spy.server.port, { protocol, enableReadyCheck: false });
    const p = r.pipeline();
    for (let i = 0; i < 250; i++) p.set(`k${i}`, `v${i}`).get(`k${i}`).incr('counter').echo(`e${i}`);
    const results = await p.exec();
    t.is(results!.length, 1000);
    for (let i = 0; i < 250; i++) {
      t.deepEqual(results!.slice(i * 4, i * 4 + 4), [[null, 'OK'], [null, `v${i}`], [null, i + 1], [null, `e${i}`]]);
    }
  });

  test(`ioredis RESP${protocol}: binary keys and values round-trip as Buffers`, async (t) => {
    const spy = await spyServer(t);
    const r = ioredis(t, spy.server.port, { protocol, enableReadyCheck: false });
    const key = Buffer.concat([Buffer.from('bin:'), ALL_BYTES]);
    t.is(await r.set(key, ALL_BYTES), 'OK');
    t.deepEqual(await r.getBuffer(key), ALL_BYTES);
    t.is(await r.strlen(key), 256);
    // Every single byte value as its own value, pipelined.
    const p = r.pipeline();
    for (let b = 0; b < 256; b++) p.set(Buffer.from([b]), Buffer.from([b, b]));
    for (let b = 0; b < 256; b++) p.getBuffer(Buffer.from([b]));
    const res = await p.exec();
    for (let b = 0; b < 256; b++) t.deepEqual(res![256 + b][1], Buffer.from([b, b]));
    const big = Buffer.alloc(5 * 1024 * 1024 + 7, 0xa5);
    await r.set('big', big);
    t.true((await r.getBuffer('big'))!.equals(big), '5 MB value'); // (deepEqual is slow on big Buffers)
  });

  test(`ioredis RESP${protocol}: server errors surface as ReplyErrors, and the connection goes on`, async (t) => {
    const spy = await spyServer(t);
    const r = ioredis(t, spy.server.port, { protocol, enableReadyCheck: false });
    await r.set('text', 'abc');
    await t.throwsAsync(r.incr('text'), { name: 'ReplyError', message: 'ERR value is not an integer or out of range' });
    await t.throwsAsync(r.call('NOSUCHCMD', 'a'), { message: "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' " });
    await t.throwsAsync(r.call('GET'), { message: "ERR wrong number of arguments for 'get' command" });
    const res = await r.pipeline().incr('text').get('text').exec();
    t.is((res![0][0] as Error).message, 'ERR value is not an integer or out of range');
    t.deepEqual(res![1], [null, 'abc']);
    t.is(await r.get('missing'), null);
    t.is(await r.ping(), 'PONG');
  });
}

// --- node-redis ------------------------------------------------------------------------------------

async function nodeRedis(t: ExecutionContext, port: number, RESP?: 2 | 3) {
  // connectTimeout: node-redis gives up after 5 s by default, which a loaded machine overran (seen).
  const c = createClient({ url: `redis://127.0.0.1:${port}`, ...(RESP ? { RESP } : {}), socket: { reconnectStrategy: false, connectTimeout: 30_000 } });
  c.on('error', () => {});
  await c.connect();
  t.teardown(() => {
    if (c.isOpen) c.destroy();
  });
  return c;
}

test('node-redis default: HELLO 3, RESP3 connection', async (t) => {
  const spy = await spyServer(t);
  const c = await nodeRedis(t, spy.server.port);
  t.true(c.isReady);
  t.is(await c.ping(), 'PONG');
  t.deepEqual(spy.named('hello')[0].slice(0, 2), ['HELLO', '3']);
  t.is(spy.connections()[0].proto, 3);
});

test('node-redis RESP: 2 sends no HELLO and stays on RESP2', async (t) => {
  const spy = await spyServer(t);
  const c = await nodeRedis(t, spy.server.port, 2);
  t.is(await c.ping(), 'PONG');
  t.is(spy.named('hello').length, 0);
  t.is(spy.connections()[0].proto, 2);
});

for (const resp of [2, 3] as const) {
  test(`node-redis RESP${resp}: 1000 commands sent at once come back in order`, async (t) => {
    const spy = await spyServer(t);
    const c = await nodeRedis(t, spy.server.port, resp);
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 250; i++) ops.push(c.set(`k${i}`, `v${i}`), c.get(`k${i}`), c.incr('counter'), c.sendCommand(['ECHO', `e${i}`]));
    const res = await Promise.all(ops);
    for (let i = 0; i < 250; i++) t.deepEqual(res.slice(i * 4, i * 4 + 4), ['OK', `v${i}`, i + 1, `e${i}`]);
    t.deepEqual(await c.mGet(['k0', 'nope', 'k249']), ['v0', null, 'v249']);
  });

  test(`node-redis RESP${resp}: binary values round-trip as Buffers`, async (t) => {
    const spy = await spyServer(t);
    const c = await nodeRedis(t, spy.server.port, resp);
    const bc = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    const key = Buffer.concat([Buffer.from('bin:'), ALL_BYTES]);
    t.is(await c.set(key, ALL_BYTES), 'OK');
    t.deepEqual(await bc.get(key), ALL_BYTES);
    for (let b = 0; b < 256; b += 15) {
      await c.set(Buffer.from([b]), Buffer.from([b, 255 - b]));
      t.deepEqual(await bc.get(Buffer.from([b])), Buffer.from([b, 255 - b]));
    }
  });

  test(`node-redis RESP${resp}: server errors reject with the server's text`, async (t) => {
    const spy = await spyServer(t);
    const c = await nodeRedis(t, spy.server.port, resp);
    await c.set('text', 'abc');
    await t.throwsAsync(c.incr('text'), { message: 'ERR value is not an integer or out of range' });
    await t.throwsAsync(c.sendCommand(['NOSUCHCMD']), { message: "ERR unknown command 'NOSUCHCMD', with args beginning with: " });
    t.is(await c.get('missing'), null);
    t.is(await c.ping(), 'PONG');
  });
}

// --- ROLE, as the libraries parse it --------------------------------------------------------------

for (const resp of [2, 3] as const) {
  test(`ROLE in RESP${resp}: ioredis role() and node-redis role() read a master without replicas`, async (t) => {
    const spy = await spyServer(t);
    const r = ioredis(t, spy.server.port, { protocol: resp });
    t.deepEqual(await r.role(), ['master', 0, []]);
    const c = await nodeRedis(t, spy.server.port, resp);
    t.deepEqual(await c.role(), { role: 'master', replicationOffest: 0, replicas: [] });
  });
}

// --- ACL and MODULE, as the libraries and the tools built on them call them ------------------------

for (const resp of [2, 3] as const) {
  test(`ACL and MODULE in RESP${resp}: node-redis aclWhoAmI(), aclCat(), aclUsers(), aclGetUser(), moduleList() and ioredis acl/module`, async (t) => {
    const spy = await spyServer(t);
    const c = await nodeRedis(t, spy.server.port, resp);
    t.is(await c.aclWhoAmI(), 'default');
    t.deepEqual(await c.aclUsers(), ['default']);
    t.deepEqual(await c.aclList(), ['user default on nopass ~* &* +@all']);
    t.true((await c.aclCat()).includes('keyspace'));
    t.true((await c.aclCat('string')).includes('get'));
    const user = (await c.aclGetUser('default'))!;
    t.deepEqual([user.flags, user.passwords, user.commands, user.keys, user.channels], [['on', 'nopass'], [], '+@all', '~*', '&*']);
    t.deepEqual(await c.moduleList(), []);
    t.deepEqual(await c.aclLog(), []);
    const r = ioredis(t, spy.server.port, { protocol: resp });
    t.is(await r.acl('WHOAMI'), 'default');
    t.deepEqual(await r.call('MODULE', 'LIST'), []);
  });
}

// --- WAIT, as the libraries send it: no replica here, so 0 (at once, or after the timeout) --------

test('WAIT through ioredis wait() and node-redis wait(): 0 at once for no replica, 0 after the timeout for one, in MULTI at once', async (t) => {
  const spy = await spyServer(t);
  const r = ioredis(t, spy.server.port);
  t.is(await r.wait(0, 0), 0);
  const t0 = performance.now();
  t.is(await r.wait(1, 100), 0);
  t.true(performance.now() - t0 >= 90, 'blocked for its timeout');
  t.deepEqual(await r.multi().set('k', 'v').wait(1, 0).exec(), [[null, 'OK'], [null, 0]]);
  const c = await nodeRedis(t, spy.server.port, 3);
  t.is(await c.wait(0, 0), 0);
  t.is(await c.wait(1, 50), 0);
  t.deepEqual(await c.multi().set('k', 'v').wait(1, 0).exec(), ['OK', 0]);
});

// --- SCAN through both clients ---------------------------------------------------------------------

test('ioredis scanStream and node-redis scanIterator walk a keyspace thinned by mass deletes, written meanwhile: every key present throughout, once', async (t) => {
  const spy = await spyServer(t);
  const r = ioredis(t, spy.server.port);
  const n = await nodeRedis(t, spy.server.port);
  const writer = ioredis(t, spy.server.port);
  const all = Array.from({ length: 20_000 }, (_, i) => `scan:${i}`);
  await r.mset(...all.flatMap((k) => [k, 'v']));
  const kept = all.filter((_, i) => i % 20 === 0);
  await r.del(...all.filter((_, i) => i % 20 !== 0));
  let extra = 0;
  const churn = async (): Promise<void> => {
    // New keys (which may take the deleted keys' slots) while the walks go on.
    await writer.mset(...Array.from({ length: 50 }, () => [`new:${extra++}`, 'x']).flat());
  };
  const counted = (keys: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    return m;
  };
  const viaIoredis: string[] = [];
  for await (const page of r.scanStream({ match: 'scan:*', count: 100 })) {
    viaIoredis.push(...(page as string[]));
    await churn();
  }
  const viaNode: string[] = [];
  for await (const page of n.scanIterator({ MATCH: 'scan:*', COUNT: 100 })) {
    viaNode.push(...(Array.isArray(page) ? page : [page]));
    await churn();
  }
  for (const [name, keys] of [['ioredis', viaIoredis], ['node-redis', viaNode]] as const) {
    const m = counted(keys);
    t.is(m.size, kept.length, name);
    t.true(kept.every((k) => m.get(k) === 1), `${name}: each kept key exactly once`);
  }
  t.true(extra > 0);
});
