// An idle client's reply buffer shrinks, as Redis 7.0's clientsCronResizeOutputBuffer: CLIENT LIST's
// rbs (the buffer's size) and rbp (the most a batch left in it lately), INFO reply_buffer_shrinks
// and DEBUG REPLYBUFFER, side by side with redis-server (Redis's own unit/replybufsize.tcl does the
// first half of this). CLIENT LIST showed rbs=16384 rbp=16384 whatever the buffer was.

import test from 'ava';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/aof.js';
import { ReplyBuffer } from '../../src/protocol/encoder.js';
import { ReplyBufferCron, type ReplyBufferOwner } from '../../src/server/reply-buffers.js';
import { pooledBytes, pooledFor } from '../../src/protocol/piece-pool.js';

/** CLIENT LIST's rbs and rbp of the client named `name`. */
async function buffers(admin: RawClient, name: string): Promise<{ rbs: number; rbp: number }> {
  const list = await admin.call('CLIENT', 'LIST');
  const line = list.split('\n').find((l) => l.includes(` name=${name} `)) ?? '';
  const field = (k: string): number => Number(new RegExp(` ${k}=(\\d+)`).exec(line)?.[1] ?? NaN);
  return { rbs: field('rbs'), rbp: field('rbp') };
}

/** The replybufsize.tcl steps against a server on `port`: what each step showed. */
async function script(port: number): Promise<string[]> {
  const admin = await RawClient.connect(port);
  const tc = await RawClient.connect(port);
  const seen: string[] = [];
  try {
    seen.push(await admin.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', '100'));
    seen.push(await tc.call('CLIENT', 'SETNAME', 'test_client'));
    // A reply of 3 KB: Redis's 16 KB buffer holds it, ours (1 KB at first) grows to 16 KB for it.
    await admin.call('SET', 'v3000', 'x'.repeat(3000));
    seen.push(`${(await tc.call('GET', 'v3000')).length}`);
    // Idle: the buffer shrinks to 1 KB (its peak, reset to 0, + 1, at least 1 KB) within a second or so.
    await waitFor(async () => {
      const b = await buffers(admin, 'test_client');
      return b.rbs >= 1024 && b.rbs < 2046;
    }, 5000, 'the idle client\'s reply buffer to shrink');
    const idle = await buffers(admin, 'test_client');
    seen.push(`idle: rbs=${idle.rbs} rbp=${idle.rbp}`);
    const stats = await admin.call('INFO', 'stats');
    seen.push(`shrinks counted: ${Number(/reply_buffer_shrinks:(\d+)/.exec(stats)?.[1]) >= 1}`);
    // One write, one batch: the cron can shrink the admin's own buffer (grown by the INFO reply
    // above) between two round trips, and count it after the reset.
    const [, reset] = await admin.pipeline([['CONFIG', 'RESETSTAT'], ['INFO', 'stats']]);
    seen.push(/reply_buffer_shrinks:\d+/.exec(reset)?.[0] ?? 'none');
    // A batch larger than the buffer keeps: the peak is of the buffer (Redis's rbp <= rbs).
    await tc.pipeline(Array.from({ length: 100 }, () => ['GET', 'v3000']));
    const after = await buffers(admin, 'test_client');
    seen.push(`after a 300 KB batch: rbp <= rbs ${after.rbp <= after.rbs}`);
    seen.push(await admin.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'x'));
    seen.push(await admin.call('DEBUG', 'REPLYBUFFER', 'RESIZING'));
    seen.push(await admin.call('DEBUG', 'REPLYBUFFER', 'nosuch', '1'));
    seen.push(await admin.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'reset'));
    seen.push(await admin.call('DEBUG', 'REPLYBUFFER', 'RESIZING', '1'));
  } finally {
    admin.close();
    tc.close();
  }
  return seen;
}

test('an idle client\'s reply buffer shrinks to 1 KB, as redis-server\'s (rbs, rbp, reply_buffer_shrinks, DEBUG REPLYBUFFER)', async (t) => {
  const s = await startServer({ port: 0, config: { 'enable-debug-command': 'yes' } });
  t.teardown(() => s.close());
  const ours = await script(s.port);
  t.deepEqual(ours.slice(0, 7), ['+OK\r\n', '+OK\r\n', '3009', 'idle: rbs=1024 rbp=0', 'shrinks counted: true', 'reply_buffer_shrinks:0', 'after a 300 KB batch: rbp <= rbs true']);
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis(['--enable-debug-command', 'yes']);
  t.teardown(() => redis.stop());
  t.deepEqual(ours, await script(redis.port));
});

// Redis 7.0 seeds a client's last peak reset in seconds and compares it in milliseconds: its cron's
// first look resets the peak, and the next shrinks an idle fresh client's buffer (default 5 s reset).
test('a fresh idle client\'s buffer shrinks within a second at the default peak reset time, as redis-server\'s', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const shrinks = async (port: number): Promise<number> => {
    const admin = await RawClient.connect(port);
    const c = await RawClient.connect(port);
    try {
      await c.call('CLIENT', 'SETNAME', 'fresh');
      const start = Date.now();
      await waitFor(async () => (await buffers(admin, 'fresh')).rbs === 1024, 4000, 'the fresh client\'s shrink');
      return Date.now() - start;
    } finally {
      admin.close();
      c.close();
    }
  };
  const ours = await shrinks(s.port);
  t.true(ours < 2000, `ours shrank after ${ours} ms`);
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis();
  t.teardown(() => redis.stop());
  const theirs = await shrinks(redis.port);
  t.true(theirs < 2000, `redis-server shrank after ${theirs} ms`);
});

// A review: shrunk to exactly peak + 1, the buffer was regrown by the next batch of the same size
// (the encoder reserves a bulk's header room), then shrunk again at each look of the cron.
test('a busy pipelining client\'s buffer is shrunk once to its batches\' size, as redis-server\'s (rbs=1792 for 16 GETs of 100 bytes)', async (t) => {
  const run = async (port: number): Promise<string> => {
    const admin = await RawClient.connect(port);
    const c = await RawClient.connect(port);
    try {
      await admin.call('SET', 'v100', 'x'.repeat(100));
      await c.call('CLIENT', 'SETNAME', 'busy');
      const before = Number(/reply_buffer_shrinks:(\d+)/.exec(await admin.call('INFO', 'stats'))![1]);
      for (const end = Date.now() + 1500; Date.now() < end;) await c.pipeline(Array.from({ length: 16 }, () => ['GET', 'v100']));
      const shrinks = Number(/reply_buffer_shrinks:(\d+)/.exec(await admin.call('INFO', 'stats'))![1]) - before;
      const b = await buffers(admin, 'busy');
      return `rbs=${b.rbs} rbp=${b.rbp} shrinks ${shrinks <= 2 ? 'at most 2' : shrinks}`;
    } finally {
      admin.close();
      c.close();
    }
  };
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const ours = await run(s.port);
  t.is(ours, 'rbs=1792 rbp=1728 shrinks at most 2');
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis();
  t.teardown(() => redis.stop());
  t.is(ours, await run(redis.port));
});

// Redis's starts at 16 KB and its cron shrinks it within a second; 16 KB for every new client,
// freed a moment later, left glibc holding ~4 KB of RSS a connection (bench/README.md).
test.serial('a new client\'s reply buffer is 1 KB, grown to 16 KB by the first batch that needs more; a closed one\'s serves the next', async (t) => {
  const s = await startServer({ port: 0, config: { 'enable-debug-command': 'yes' } });
  t.teardown(() => s.close());
  const admin = await RawClient.connect(s.port);
  t.teardown(() => admin.close());
  // No cron shrink can explain the sizes below.
  await admin.call('DEBUG', 'REPLYBUFFER', 'RESIZING', '0');
  await admin.call('SET', 'v3000', 'x'.repeat(3000));
  const pooled = pooledFor(1024);
  const tc = await RawClient.connect(s.port);
  t.is(pooledFor(1024), Math.max(0, pooled - 1), 'a pooled 1 KB buffer, when there is one, is taken');
  await tc.call('CLIENT', 'SETNAME', 'fresh');
  t.deepEqual(await buffers(admin, 'fresh'), { rbs: 1024, rbp: 1024 });
  t.is((await tc.call('GET', 'v3000')).length, 3009);
  t.deepEqual(await buffers(admin, 'fresh'), { rbs: 16384, rbp: 3009 });
  const small = await RawClient.connect(s.port);
  await small.call('PING');
  const before = pooledFor(1024);
  small.close();
  await waitFor(() => pooledFor(1024) === before + 1, 2000, 'the closed client\'s 1 KB buffer back in the pool');
  tc.close();
  t.pass();
});

// A review: a closed client's 16 KB storage went back to the pool, where new clients (1 KB) no
// longer took it: the pool filled with them (16 MB) and refused the big values' buffers.
test.serial('clients connecting per request with replies over 1 KB do not pile 16 KB buffers up in the pool', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const admin = await RawClient.connect(s.port);
  t.teardown(() => admin.close());
  await admin.call('SET', 'v3000', 'x'.repeat(3000));
  const before = pooledFor(16384);
  for (let i = 0; i < 60; i++) {
    const c = await RawClient.connect(s.port);
    t.is((await c.call('GET', 'v3000')).length, 3009);
    c.close();
    await waitFor(() => c.closed, 2000, 'the close');
  }
  await new Promise((r) => setTimeout(r, 100));
  t.true(pooledFor(16384) <= before + 2, `16 KB buffers pooled: ${before} -> ${pooledFor(16384)}`);
});

test.serial('idle clients closing together leave at most 1 MB of small buffers in the pool', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const admin = await RawClient.connect(s.port);
  t.teardown(() => admin.close());
  const clients: RawClient[] = [];
  for (let i = 0; i < 1500; i++) clients.push(await RawClient.connect(s.port));
  await clients[0].call('PING');
  for (const c of clients) c.close();
  await waitFor(async () => /connected_clients:1\r\n/.test(await admin.call('INFO', 'clients')), 5000, 'the clients to go');
  t.true(pooledFor(1024) <= 1024, `1 KB buffers pooled: ${pooledFor(1024)}`);
  t.true(pooledFor(1024) >= 512, 'the pool still keeps some');
});

test('a busy client\'s buffer regrows at once, and RESIZING 0 stops the shrinking', async (t) => {
  const s = await startServer({ port: 0, config: { 'enable-debug-command': 'yes' } });
  t.teardown(() => s.close());
  const admin = await RawClient.connect(s.port);
  const tc = await RawClient.connect(s.port);
  t.teardown(() => {
    admin.close();
    tc.close();
  });
  await admin.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', '100');
  await tc.call('CLIENT', 'SETNAME', 'tc');
  await waitFor(async () => (await buffers(admin, 'tc')).rbs === 1024, 5000, 'the shrink');
  // Redis's cron doubles it in steps up to 16 KB (its reply list takes the rest meanwhile); ours
  // grows as the batch needs: a 32 KB reply in one buffer.
  await admin.call('SET', 'bigval', 'x'.repeat(32768));
  await admin.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'never');
  t.is((await tc.call('GET', 'bigval')).length, 32768 + 10);
  const busy = await buffers(admin, 'tc');
  t.true(busy.rbs >= 32768 && busy.rbp === 32768 + 10, JSON.stringify(busy));
  await new Promise((r) => setTimeout(r, 400));
  t.deepEqual(await buffers(admin, 'tc'), busy, 'peak kept (NEVER): no shrink');
  await admin.call('DEBUG', 'REPLYBUFFER', 'RESIZING', '0');
  await admin.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', '100');
  await new Promise((r) => setTimeout(r, 400));
  t.deepEqual(await buffers(admin, 'tc'), busy, 'RESIZING 0: neither a shrink nor a peak reset');
  await admin.call('DEBUG', 'REPLYBUFFER', 'RESIZING', '1');
  await waitFor(async () => (await buffers(admin, 'tc')).rbs === 1024, 5000, 'the shrink after RESIZING 1');
  t.is(await tc.call('PING'), '+PONG\r\n', 'the shrunk buffer still serves');
});

/** `n` clients of 16 KB reply buffers whose peak was reset to 0 (the cron may shrink them), by ID. */
function idleOwners(n: number): Map<number, ReplyBufferOwner> {
  const owners = new Map<number, ReplyBufferOwner>();
  for (let i = 0; i < n; i++) {
    const out = new ReplyBuffer(undefined, true);
    out.peak = 0;
    owners.set(i, { out, peakResetAt: 0 });
  }
  return owners;
}

test('the limits\' check runs in the same walk: numclients/hz clients a run, and a client it closed is not resized', (t) => {
  const owners = idleOwners(100);
  const cron = new ReplyBufferCron();
  const checked: number[] = [];
  const closing = owners.get(1)!;
  cron.cron(owners, 10, 1000, (c) => {
    checked.push([...owners.values()].indexOf(c));
    return c === closing;
  });
  t.deepEqual(checked, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'a tenth of them at hz 10');
  t.is(closing.out.buf.length, 16384, 'closed: not resized');
  t.is(owners.get(2)!.out.buf.length, 1024);
  cron.resizing = false;
  cron.cron(owners, 20, 1000, (c) => (checked.push([...owners.values()].indexOf(c)), false));
  t.deepEqual(checked.slice(10), [10, 11, 12, 13, 14], 'RESIZING 0 still walks for the limits: at least 5 a run');
  t.is(owners.get(12)!.out.buf.length, 16384);
});

test('the cron looks at numclients/hz clients a run (at least 5), round the clients, and never at a buffer holding bytes', (t) => {
  const owners = idleOwners(40);
  owners.get(3)!.out.writeAscii('+pending\r\n');
  const cron = new ReplyBufferCron();
  const pooled = pooledBytes();
  const shrunk = (): number[] => [...owners].filter(([, o]) => o.out.buf.length === 1024).map(([id]) => id);
  cron.cron(owners, 10, 1000);
  t.deepEqual(shrunk(), [0, 1, 2, 4], 'five looked at: the one holding bytes kept its buffer');
  cron.cron(owners, 10, 1000);
  t.deepEqual(shrunk(), [0, 1, 2, 4, 5, 6, 7, 8, 9]);
  for (let i = 0; i < 6; i++) cron.cron(owners, 10, 1000);
  t.is(shrunk().length, 39, 'round the whole map');
  t.is(cron.shrinks, 39);
  t.is(pooledBytes(), pooled, 'the storage given up is not pooled (idle clients filled the pool)');
  t.is(owners.get(3)!.out.buf.length, 16384);
  t.is(owners.get(0)!.peakResetAt, 0, 'not reset within 5 s');
  owners.set(99, { out: new ReplyBuffer(undefined, true), peakResetAt: 1000 });
  for (let i = 0; i < 9; i++) cron.cron(owners, 10, 1500);
  t.is(owners.get(99)!.out.buf.length, 16384, 'a fresh client (peak 16 KB) keeps its buffer until its peak is reset');
  for (let i = 0; i < 9; i++) cron.cron(owners, 10, 6500);
  t.is(owners.get(99)!.out.peak, 0, 'reset to what it holds after 5 s');
  for (let i = 0; i < 9; i++) cron.cron(owners, 10, 6600);
  t.is(owners.get(99)!.out.buf.length, 1024);
});
