// maxmemory over the wire: which keys each policy evicts, the OOM refusal, evicted_keys, the AOF
// DELs of evicted keys, CONFIG SET maxmemory below the usage. Time is a ManualClock, so idle times
// are exact. Every key of a test has the same size, so "evict k keys" is an exact limit:
// used_memory - k * (bytes of one key). The sets are lopsided (few keys to keep, many to evict,
// maxmemory-samples 10) so that the sampled approximation picks a key to keep with a probability
// below 1e-9: these tests are not flaky.

import test, { type ExecutionContext } from 'ava';
import { ManualClock, type RunningServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { serve, servePair } from '../helpers/serve.js';
import { needBinary } from '../helpers/bins.js';
import { OOM } from '../../src/errors.js';
import { EXPIRE_ENTRY_BYTES, KEY_ENTRY_BYTES } from '../../src/keyspace/memory.js';

const int = (n: number): string => `:${n}\r\n`;

interface Started {
  s: RunningServer;
  c: RawClient;
  clock: ManualClock;
  aof: string[];
  close(): Promise<void>;
}

/** A server and a client, closed when the test ends (or earlier by close()). */
async function start(t: ExecutionContext, policy: string): Promise<Started> {
  const clock = new ManualClock();
  const config = { 'maxmemory-policy': policy, 'maxmemory-samples': '10', 'maxmemory-eviction-tenacity': '100' };
  const s = await serve(t, { clock, config });
  const aof: string[] = [];
  // Every effect logged: a command's own (propagate) and evictions' DELs (propagateAlone).
  s.server.propagate = s.server.propagateAlone = (db: number, args: string[]) => void aof.push(`${db}: ${args.join(' ')}`);
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  return { s, c, clock, aof, close: async () => (c.close(), await s.close()) };
}

/** `n` keys "prefix:NNN" (same length for every prefix of 1 char), with a TTL in seconds if given. */
async function fill(c: RawClient, prefix: string, n: number, ttl?: number): Promise<string[]> {
  const keys = Array.from({ length: n }, (_, i) => `${prefix}:${String(i).padStart(3, '0')}`);
  await c.pipeline(keys.map((k) => (ttl === undefined ? ['SET', k, 'value-16-bytes!!'] : ['SET', k, 'value-16-bytes!!', 'EX', String(ttl)])));
  return keys;
}

async function infoField(c: RawClient, section: string, name: string): Promise<number> {
  const raw = await c.call('INFO', section);
  const m = new RegExp(`\\r\\n${name}:(\\d+)`).exec(raw);
  if (m === null) throw new Error(`no ${name} in ${raw}`);
  return Number(m[1]);
}

/** Sets maxmemory so that exactly `k` keys of `bytesPerKey` must go. */
async function evict(c: RawClient, k: number, bytesPerKey: number): Promise<void> {
  const used = await infoField(c, 'memory', 'used_memory');
  const r = await c.call('CONFIG', 'SET', 'maxmemory', String(used - k * bytesPerKey));
  if (r !== '+OK\r\n') throw new Error(`CONFIG SET maxmemory: ${r}`);
}

async function existing(c: RawClient, keys: string[]): Promise<string[]> {
  const r = await c.pipeline(keys.map((k) => ['EXISTS', k]));
  return keys.filter((_, i) => r[i] === int(1));
}

/** MEMORY USAGE of a key, plus a TTL's entry: what its eviction frees. */
async function keyBytes(c: RawClient, key: string, ttl: boolean): Promise<number> {
  const usage = Number((await c.call('MEMORY', 'USAGE', key)).slice(1));
  return usage + (ttl ? EXPIRE_ENTRY_BYTES : 0);
}

test('allkeys-lru evicts the idle keys, never the recently used ones', async (t) => {
  const { c, clock, aof } = await start(t, 'allkeys-lru');
  const cold = await fill(c, 'c', 200);
  const hot = await fill(c, 'h', 20);
  clock.advance(100_000);
  await c.pipeline(hot.map((k) => ['GET', k]));
  await evict(c, 50, await keyBytes(c, 'c:000', false));
  t.is(await c.call('DBSIZE'), int(170));
  t.deepEqual(await existing(c, hot), hot);
  const dels = aof.filter((l) => l.startsWith('0: DEL ')).map((l) => l.slice(7));
  t.is(dels.length, 50, 'one AOF DEL per evicted key');
  t.deepEqual(await existing(c, cold), cold.filter((k) => !dels.includes(k)));
  t.is(await infoField(c, 'stats', 'evicted_keys'), 50);
});

test('volatile-lru evicts only keys with a TTL, the idle ones first', async (t) => {
  const { c, clock } = await start(t, 'volatile-lru');
  const plain = await fill(c, 'p', 50);
  const cold = await fill(c, 'c', 200, 100_000);
  const hot = await fill(c, 'h', 20, 100_000);
  clock.advance(100_000);
  await c.pipeline(hot.map((k) => ['GET', k]));
  await evict(c, 40, await keyBytes(c, 'c:000', true));
  t.deepEqual(await existing(c, plain), plain, 'keys without a TTL stay, however idle');
  t.deepEqual(await existing(c, hot), hot);
  t.is((await existing(c, cold)).length, 160);
});

test('allkeys-lfu evicts the rarely used keys', async (t) => {
  const { c } = await start(t, 'allkeys-lfu');
  const rare = await fill(c, 'r', 200);
  const often = await fill(c, 'o', 20);
  // The first access of a new key always counts (LFU_INIT_VAL 5 -> 6); later ones rarely do.
  for (let i = 0; i < 5; i++) await c.pipeline(often.map((k) => ['GET', k]));
  for (const k of often) t.true(Number((await c.call('OBJECT', 'FREQ', k)).slice(1)) >= 6);
  t.is(await c.call('OBJECT', 'FREQ', 'r:000'), int(5));
  await evict(c, 60, await keyBytes(c, 'r:000', false));
  t.deepEqual(await existing(c, often), often);
  t.is((await existing(c, rare)).length, 140);
});

test('volatile-lfu evicts only keys with a TTL, the rarely used ones first', async (t) => {
  const { c } = await start(t, 'volatile-lfu');
  const plain = await fill(c, 'p', 50);
  const rare = await fill(c, 'r', 200, 1000);
  const often = await fill(c, 'o', 20, 1000);
  await c.pipeline(often.map((k) => ['GET', k]));
  await evict(c, 30, await keyBytes(c, 'r:000', true));
  t.deepEqual(await existing(c, plain), plain);
  t.deepEqual(await existing(c, often), often);
  t.is((await existing(c, rare)).length, 170);
});

test('volatile-ttl evicts the keys whose deadline is nearest', async (t) => {
  const { c } = await start(t, 'volatile-ttl');
  const plain = await fill(c, 'p', 50);
  const soon = await fill(c, 's', 200, 100);
  const late = await fill(c, 'l', 20, 100_000);
  await evict(c, 50, await keyBytes(c, 's:000', true));
  t.deepEqual(await existing(c, plain), plain);
  t.deepEqual(await existing(c, late), late);
  t.is((await existing(c, soon)).length, 150);
});

test('allkeys-random evicts any keys; volatile-random only keys with a TTL, then refuses writes', async (t) => {
  const a = await start(t, 'allkeys-random');
  await fill(a.c, 'k', 100);
  await evict(a.c, 30, await keyBytes(a.c, 'k:000', false));
  t.is(await a.c.call('DBSIZE'), int(70));
  await a.close();

  const { c } = await start(t, 'volatile-random');
  const plain = await fill(c, 'p', 50);
  const vol = await fill(c, 'v', 50, 1000);
  const bytes = await keyBytes(c, 'v:000', true);
  await evict(c, 20, bytes);
  t.deepEqual(await existing(c, plain), plain);
  t.is((await existing(c, vol)).length, 30);
  // More than every volatile key can free: they all go, then denyoom commands are refused.
  await evict(c, 100, bytes);
  t.is((await existing(c, vol)).length, 0);
  t.deepEqual(await existing(c, plain), plain);
  t.is(await c.call('SET', 'x', 'y'), `-${OOM}\r\n`);
});

test('noeviction: over the limit, denyoom commands get -OOM; reads and deletes still run', async (t) => {
  const { c, s } = await start(t, 'noeviction');
  await fill(c, 'k', 10);
  await evict(c, 1, 1);
  t.is(await c.call('SET', 'new', 'v'), `-${OOM}\r\n`);
  t.is(await c.call('APPEND', 'k:000', 'v'), `-${OOM}\r\n`);
  t.is(await c.call('GET', 'k:000'), '$16\r\nvalue-16-bytes!!\r\n');
  t.is(await c.call('DEL', 'k:001'), int(1), 'DEL is not denyoom');
  t.is(await c.call('EXPIRE', 'k:002', '100'), int(1), 'EXPIRE is not denyoom');
  // Freeing one key brought usage under the limit: writes run again.
  t.is(await c.call('SET', 'k:001', 'x'), '+OK\r\n');
  t.is(await infoField(c, 'stats', 'evicted_keys'), 0);
  t.is(await c.call('DBSIZE'), int(10));
  s.server.config.set('maxmemory', '0');
});

test('the used memory eviction uses is what INFO and MEMORY USAGE show', async (t) => {
  const { c } = await start(t, 'allkeys-lru');
  const startup = await infoField(c, 'memory', 'used_memory_startup');
  t.is(await infoField(c, 'memory', 'used_memory'), startup);
  await c.pipeline([['SET', 'a', '1'], ['SET', 'bb', 'x'.repeat(100)], ['SET', 'c', 'v', 'EX', '100'], ['APPEND', 'd', 'xyz']]);
  let sum = 0;
  for (const k of ['a', 'bb', 'c', 'd']) sum += Number((await c.call('MEMORY', 'USAGE', k)).slice(1));
  t.is(await infoField(c, 'memory', 'used_memory'), startup + sum + EXPIRE_ENTRY_BYTES, 'keys plus one TTL entry');
  // As Redis: the dataset is the used memory less the overhead (startup, and the tables' own bytes:
  // KEY_ENTRY_BYTES a key, EXPIRE_ENTRY_BYTES a TTL), and INFO and MEMORY STATS agree on both.
  const overhead = startup + 4 * KEY_ENTRY_BYTES + EXPIRE_ENTRY_BYTES;
  t.is(await infoField(c, 'memory', 'used_memory_overhead'), overhead);
  t.is(await infoField(c, 'memory', 'used_memory_dataset'), sum - 4 * KEY_ENTRY_BYTES);
  const stats = await c.call('MEMORY', 'STATS');
  t.regex(stats, new RegExp(`\\$14\r\noverhead\\.total\r\n:${overhead}\r\n`));
  t.regex(stats, new RegExp(`\\$13\r\ndataset\\.bytes\r\n:${sum - 4 * KEY_ENTRY_BYTES}\r\n`));
  await c.pipeline([['DEL', 'a', 'bb'], ['PERSIST', 'c'], ['FLUSHDB']]);
  t.is(await infoField(c, 'memory', 'used_memory'), startup);
  const raw = await c.call('INFO', 'memory');
  t.regex(raw, /\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:allkeys-lru\r\n/);
  await c.call('CONFIG', 'SET', 'maxmemory', '100mb');
  t.regex(await c.call('INFO', 'memory'), /\r\nmaxmemory:104857600\r\nmaxmemory_human:100.00M\r\n/);
});

test('no eviction while clients are paused (as Redis 7.0); it resumes with the next command after', async (t) => {
  const { c, s } = await start(t, 'allkeys-random');
  const keys = await fill(c, 'k', 20);
  t.is(await c.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
  t.is(await c.call('CONFIG', 'SET', 'maxmemory', '1'), '+OK\r\n'); // every key would have to go
  t.is(await c.call('DBSIZE'), int(20), 'CONFIG SET maxmemory evicted nothing during the pause');
  t.is(await c.call('GET', keys[0]), '$16\r\nvalue-16-bytes!!\r\n', 'nor did a read');
  t.is(await infoField(c, 'stats', 'evicted_keys'), 0);
  t.is(await c.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
  t.is(await c.call('DBSIZE'), int(0), 'the first command after the pause evicts');
  t.is(await infoField(c, 'stats', 'evicted_keys'), 20);
  s.server.config.set('maxmemory', '0');
});

/** INFO total_eviction_exceeded_time and current_eviction_exceeded_time, in ms (one INFO call). */
async function exceeded(c: RawClient): Promise<[number, number]> {
  const raw = await c.call('INFO', 'stats');
  const m = /\r\ntotal_eviction_exceeded_time:(\d+)\r\ncurrent_eviction_exceeded_time:(\d+)\r\n/.exec(raw);
  if (m === null) throw new Error(`no eviction_exceeded_time fields in ${raw}`);
  return [Number(m[1]), Number(m[2])];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The eviction-exceeded times through one scenario, in ms: over the limit (noeviction) for 300 ms,
 * back under it, over it again and the limit removed while over (which Redis never ends), RESETSTAT.
 */
async function exceededScenario(c: RawClient): Promise<[number, number][]> {
  const out: [number, number][] = [];
  await c.call('SET', 'k', 'v');
  out.push(await exceeded(c));
  await c.call('CONFIG', 'SET', 'maxmemory', '1');
  await sleep(300);
  out.push(await exceeded(c));
  await c.call('CONFIG', 'SET', 'maxmemory', '1gb');
  out.push(await exceeded(c));
  await c.call('CONFIG', 'SET', 'maxmemory', '1');
  await c.call('CONFIG', 'SET', 'maxmemory', '0');
  await sleep(300);
  out.push(await exceeded(c));
  await c.call('CONFIG', 'RESETSTAT');
  out.push(await exceeded(c));
  return out;
}

test('INFO total/current_eviction_exceeded_time follow the time spent over maxmemory, as a real redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours: k, theirs: r } = await servePair(t);
  for (const [name, c] of [['redis-server', r], ['keystonelight', k]] as const) {
    const [before, over, under, stuck, reset] = await exceededScenario(c);
    t.deepEqual(before, [0, 0], name);
    t.true(over[0] >= 250 && over[0] < 5000 && over[1] === over[0], `${name}: over the limit ${over.join(' ')}`);
    t.true(under[0] >= over[0] && under[0] < over[0] + 5000 && under[1] === 0, `${name}: back under ${under.join(' ')}`);
    t.true(stuck[1] >= 250 && stuck[0] >= under[0] + stuck[1], `${name}: limit removed while over ${stuck.join(' ')}, before ${under.join(' ')}`);
    t.deepEqual(reset, [0, 0], `${name}: RESETSTAT`);
  }
});
