// Wire tests of the string family through real client libraries, in RESP2 and RESP3:
// ioredis 6 (`protocol: 2 | 3`, default 3) and node-redis 6 (`createClient({ url, RESP })`,
// default RESP3). Plus a randomized INCRBYFLOAT comparison with a real redis-server when one is
// installed (the number formatting must match digit for digit).
import test from 'ava';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { serve } from '../helpers/serve.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';

for (const protocol of [3, 2] as const) {
  test(`ioredis (protocol ${protocol}): string commands`, async (t) => {
    const s = await serve(t);
    const r = new Redis({ port: s.port, host: '127.0.0.1', protocol, enableReadyCheck: false, lazyConnect: true });
    await r.connect();
    t.teardown(() => r.disconnect());
    t.is(await r.get('k'), null);
    t.is(await r.set('k', 'v', 'EX', 100), 'OK');
    t.is(await r.set('k', 'v2', 'NX'), null);
    t.is(await r.set('k', 'v3', 'XX', 'GET'), 'v');
    t.is(await r.setnx('k', 'x'), 0);
    t.is(await r.setex('e', 10, 'ev'), 'OK');
    t.is(await r.psetex('p', 10000, 'pv'), 'OK');
    t.deepEqual(await r.mget('k', 'e', 'p', 'missing'), ['v3', 'ev', 'pv', null]);
    t.is(await r.mset({ a: '1', b: '2' }), 'OK');
    t.is(await r.msetnx('a', '9', 'c', '3'), 0);
    t.is(await r.getset('a', '10'), '1');
    t.is(await r.getdel('b'), '2');
    t.is(await r.getex('a', 'PX', 5000), '10');
    t.is(await r.incr('a'), 11);
    t.is(await r.decrby('a', 20), -9);
    t.is(await r.incrbyfloat('a', '0.1'), '-8.9');
    t.is(await r.append('s', 'Hello'), 5);
    t.is(await r.setrange('s', 5, ' World'), 11);
    t.is(await r.getrange('s', -5, -1), 'World');
    t.is(await r.strlen('s'), 11);
    const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    t.is(await r.set('bin', bin), 'OK');
    t.deepEqual(await r.getBuffer('bin'), bin);
    await r.mset('l1', 'ohmytext', 'l2', 'mynewtext');
    t.is(await r.lcs('l1', 'l2'), 'mytext');
    t.is(await r.lcs('l1', 'l2', 'LEN'), 6);
    t.deepEqual(await r.lcs('l1', 'l2', 'IDX', 'MINMATCHLEN', 4), ['matches', [[[4, 7], [5, 8]]], 'len', 6]);
    await t.throwsAsync(r.incr('s'), { message: 'ERR value is not an integer or out of range' });
    await t.throwsAsync(r.set('k', 'v', 'EX', 0), { message: "ERR invalid expire time in 'set' command" });
  });
}

test('ioredis RESP3 with replyMapping resp3: LCS IDX arrives as an object', async (t) => {
  const s = await serve(t);
  const r = new Redis({ port: s.port, host: '127.0.0.1', protocol: 3, replyMapping: 'resp3', enableReadyCheck: false, lazyConnect: true });
  await r.connect();
  t.teardown(() => r.disconnect());
  await r.mset('l1', 'ohmytext', 'l2', 'mynewtext');
  t.deepEqual(await r.call('LCS', 'l1', 'l2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'), { matches: [[[4, 7], [5, 8], 4]], len: 6 });
});

for (const RESP of [3, 2] as const) {
  test(`node-redis (RESP${RESP}): string commands`, async (t) => {
    const s = await serve(t);
    const c = createClient({ url: `redis://127.0.0.1:${s.port}`, RESP });
    c.on('error', () => {});
    await c.connect();
    t.teardown(async () => {
      c.destroy();
    });
    t.is(await c.get('k'), null);
    t.is(await c.set('k', 'v', { expiration: { type: 'PX', value: 100000 } }), 'OK');
    t.is(await c.set('k', 'v2', { condition: 'NX' }), null);
    t.is(await c.setNX('n', '1'), 1);
    t.deepEqual(await c.mGet(['k', 'n', 'x']), ['v', '1', null]);
    t.is(await c.incrBy('n', 41), 42);
    t.is(await c.incrByFloat('n', 0.5), '42.5');
    t.is(await c.getEx('k', { type: 'PERSIST' }), 'v');
    t.is(await c.getDel('k'), 'v');
    t.is(await c.append('s', 'abc'), 3);
    t.is(await c.getRange('s', 1, -1), 'bc');
    t.is(await c.setRange('s', 1, 'X'), 3);
    t.is(await c.strLen('s'), 3);
    await c.mSet({ l1: 'ohmytext', l2: 'mynewtext' });
    t.is(await c.lcs('l1', 'l2'), 'mytext');
    t.is(await c.lcsLen('l1', 'l2'), 6);
    const idx = await c.lcsIdx('l1', 'l2', { MINMATCHLEN: 4 });
    t.deepEqual(JSON.parse(JSON.stringify(idx)), { matches: [[[4, 7], [5, 8]]], len: 6 });
    await t.throwsAsync(c.sendCommand(['DECRBY', 'n', '-9223372036854775808']), { message: 'ERR decrement would overflow' });
  });
}

/** Numbers of many shapes, as a user might send them to INCRBYFLOAT. */
function randomNumber(rnd: () => number): string {
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
  const sign = rnd() < 0.3 ? '-' : '';
  const int = digits(1 + Math.floor(rnd() * 12));
  const frac = rnd() < 0.7 ? '.' + digits(1 + Math.floor(rnd() * 20)) : '';
  const exp = rnd() < 0.3 ? `e${Math.floor(rnd() * 60) - 30}` : '';
  return sign + int + frac + exp;
}

test('INCRBYFLOAT matches redis-server digit for digit on random inputs', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const real = await startRealRedis();
  const s = await serve(t);
  t.teardown(() => real.stop());
  const [a, b] = await Promise.all([RawClient.connect(real.port), RawClient.connect(s.port)]);
  t.teardown(() => {
    a.close();
    b.close();
  });
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let mismatches = 0;
  for (let i = 0; i < 400; i++) {
    const key = `k${i % 40}`;
    const cmd = ['INCRBYFLOAT', key, randomNumber(rnd)];
    const [x, y] = await Promise.all([a.call(...cmd), b.call(...cmd)]);
    if (x !== y && mismatches++ < 5) t.log(`${cmd.join(' ')}: redis ${JSON.stringify(x)} ks ${JSON.stringify(y)}`);
  }
  t.is(mismatches, 0);
});
