// MEMORY over the wire: USAGE from the one size estimate (keyspace/memory.ts), its option errors,
// STATS in Redis 7.0's order and shape (RESP2 flat array, RESP3 map, a nested map per database
// holding keys), DOCTOR, MALLOC-STATS, PURGE.

import test, { type ExecutionContext } from 'ava';
import type { RunningServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { serve } from '../helpers/serve.js';
import { entryBytes, EXPIRE_ENTRY_BYTES } from '../../src/keyspace/memory.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';

const int = (n: number): string => `:${n}\r\n`;

/** A server and a client, both closed when the test ends. */
async function start(t: ExecutionContext): Promise<{ s: RunningServer; c: RawClient }> {
  const s = await serve(t);
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  return { s, c };
}

test('MEMORY USAGE: the bytes the key is charged; null for a missing key; SAMPLES checked', async (t) => {
  const { c } = await start(t);
  await c.call('SET', 'foo', 'bar');
  await c.call('SET', 'big', 'x'.repeat(1000));
  await c.call('SET', 'raw', 'ab');
  await c.call('APPEND', 'raw', 'c');
  t.is(await c.call('MEMORY', 'USAGE', 'foo'), int(entryBytes('foo', 'bar')));
  t.true(Number((await c.call('MEMORY', 'USAGE', 'big')).slice(1)) > 1000);
  t.true(Number((await c.call('MEMORY', 'USAGE', 'raw')).slice(1)) > Number((await c.call('MEMORY', 'USAGE', 'foo')).slice(1)), 'a RawString costs its wrapper');
  t.is(await c.call('MEMORY', 'USAGE', 'foo', 'SAMPLES', '0'), int(entryBytes('foo', 'bar')));
  t.is(await c.call('memory', 'usage', 'foo', 'samples', '1', 'SAMPLES', '2'), int(entryBytes('foo', 'bar')));
  t.is(await c.call('MEMORY', 'USAGE', 'nokey'), '$-1\r\n');
  t.is(await c.call('MEMORY', 'USAGE', 'foo', 'SAMPLES', '-1'), '-ERR syntax error\r\n');
  t.is(await c.call('MEMORY', 'USAGE', 'foo', 'SAMPLES', 'x'), '-ERR value is not an integer or out of range\r\n');
  t.is(await c.call('MEMORY', 'USAGE', 'foo', 'SAMPLES'), '-ERR syntax error\r\n');
  t.is(await c.call('MEMORY', 'USAGE', 'foo', 'bar'), '-ERR syntax error\r\n');
  t.is(await c.call('MEMORY', 'USAGE', 'nokey', 'bar'), '-ERR syntax error\r\n', 'options before the key');
  t.is(await c.call('MEMORY', 'USAGE'), "-ERR wrong number of arguments for 'memory|usage' command\r\n");
});

/** MEMORY USAGE of a 100,001-byte value made by SET, by SETRANGE and by SETBIT on missing keys. */
async function madeBy(c: RawClient): Promise<{ set: number; setrange: number; setbit: number }> {
  await c.call('SET', 's', 'x'.repeat(100_001));
  await c.call('SETRANGE', 'r', '100000', 'x');
  await c.call('SETBIT', 'b', String(100_000 * 8), '1');
  const usage = async (k: string): Promise<number> => Number((await c.call('MEMORY', 'USAGE', k)).slice(1));
  return { set: await usage('s'), setrange: await usage('r'), setbit: await usage('b') };
}

test('SETRANGE and SETBIT make a missing key of exactly its size, as Redis (sdsnewlen): charged as SET\'s value of that size, not twice it', async (t) => {
  const { c } = await start(t);
  const m = await madeBy(c);
  // Ours are byte strings, whose wrapper (256 bytes) a plain string does not have.
  t.true(m.setrange - m.set < 512, `SETRANGE ${m.setrange} against SET ${m.set}`);
  t.true(m.setbit - m.set < 512, `SETBIT ${m.setbit} against SET ${m.set}`);
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis();
  t.teardown(() => redis.stop());
  const r = await RawClient.connect(redis.port);
  t.teardown(() => r.close());
  const ref = await madeBy(r);
  t.deepEqual([ref.setrange, ref.setbit], [ref.set, ref.set], 'redis-server: the same allocation for all three');
});

const STATS_KEYS = [
  'peak.allocated', 'total.allocated', 'startup.allocated', 'replication.backlog', 'clients.slaves', 'clients.normal',
  'cluster.links', 'aof.buffer', 'lua.caches', 'functions.caches', 'db.0', 'db.3', 'overhead.total', 'keys.count',
  'keys.bytes-per-key', 'dataset.bytes', 'dataset.percentage', 'peak.percentage', 'allocator.allocated', 'allocator.active',
  'allocator.resident', 'allocator-fragmentation.ratio', 'allocator-fragmentation.bytes', 'allocator-rss.ratio',
  'allocator-rss.bytes', 'rss-overhead.ratio', 'rss-overhead.bytes', 'fragmentation', 'fragmentation.bytes',
];

type Parsed = string | number | Parsed[];

/** A small RESP2/RESP3 reader: aggregates as arrays (maps flattened), scalars as text or numbers. */
function parse(raw: string): Parsed {
  let p = 0;
  const line = (): string => {
    const e = raw.indexOf('\r\n', p);
    const l = raw.slice(p, e);
    p = e + 2;
    return l;
  };
  const one = (): Parsed => {
    const l = line();
    const n = Number(l.slice(1));
    switch (l[0]) {
      case ':': return n;
      case '$': { const v = raw.slice(p, p + n); p += n + 2; return v; }
      case '*': return Array.from({ length: n }, one);
      case '%': return Array.from({ length: 2 * n }, one);
      default: return l.slice(1);
    }
  };
  return one();
}

/** The top-level keys of a MEMORY STATS reply, in order. */
const statsKeys = (raw: string): string[] => (parse(raw) as Parsed[]).filter((_, i) => i % 2 === 0) as string[];

test('MEMORY STATS: Redis 7.0 fields and order, a map per database with keys, RESP2 and RESP3', async (t) => {
  const { c } = await start(t);
  await c.call('SET', 'a', '1');
  await c.call('SET', 'b', '2', 'EX', '100');
  await c.call('SELECT', '3');
  await c.call('SET', 'c', '3');
  const r2 = await c.call('MEMORY', 'STATS');
  t.true(r2.startsWith(`*${STATS_KEYS.length * 2}\r\n`));
  t.deepEqual(statsKeys(r2), STATS_KEYS);
  // One key of db 0 has a TTL: its expires overhead is one deadline's bytes.
  t.regex(r2, new RegExp(`\\$4\r\ndb\\.0\r\n\\*6\r\n\\$23\r\noverhead\\.hashtable\\.main\r\n:\\d+\r\n\\$26\r\noverhead\\.hashtable\\.expires\r\n:${EXPIRE_ENTRY_BYTES}\r\n\\$31\r\noverhead\\.hashtable\\.slot-to-keys\r\n:0\r\n`));
  t.regex(r2, /\$10\r\nkeys\.count\r\n:3\r\n/);
  t.regex(r2, /\$18\r\ndataset\.percentage\r\n\$\d+\r\n[\d.]+\r\n/, 'doubles are bulk strings in RESP2');
  await c.call('HELLO', '3');
  const r3 = await c.call('MEMORY', 'STATS');
  t.true(r3.startsWith(`%${STATS_KEYS.length}\r\n`));
  t.regex(r3, /\$4\r\ndb\.3\r\n%3\r\n/);
  t.regex(r3, /\$15\r\npeak\.percentage\r\n,[\d.]+\r\n/);
});

test('MEMORY DOCTOR, MALLOC-STATS, PURGE and HELP', async (t) => {
  const { c } = await start(t);
  // An empty server gets Redis's answer for one (redis-server 7.0.15 at start: the same text).
  t.regex(await c.call('MEMORY', 'DOCTOR'), /^\$\d+\r\nHi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions\./);
  await c.call('SET', 'big', 'x'.repeat(5 << 20));
  t.regex(await c.call('MEMORY', 'DOCTOR'), /^\$\d+\r\n(Sam, I detected a few issues in this Redis instance memory implants:\n\n|Hi Sam, I can't find any memory issue in your instance\.)/);
  await c.call('HELLO', '3');
  t.regex(await c.call('MEMORY', 'DOCTOR'), /^=\d+\r\ntxt:/);
  t.is(await c.call('MEMORY', 'MALLOC-STATS'), '$45\r\nStats not supported for the current allocator\r\n');
  t.is(await c.call('MEMORY', 'PURGE'), '+OK\r\n');
  t.regex(await c.call('MEMORY', 'HELP'), /^\*14\r\n\+MEMORY <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:\r\n\+DOCTOR\r\n/);
  t.is(await c.call('MEMORY', 'NOPE'), '-ERR unknown subcommand \'NOPE\'. Try MEMORY HELP.\r\n');
  t.is(await c.call('MEMORY', 'PURGE', 'x'), "-ERR wrong number of arguments for 'memory|purge' command\r\n");
});
