// Keyspace and expiry commands over the wire: what the differential corpus cannot pin down — time
// (with a ManualClock), SCAN's guarantee while another client writes, active expiry of untouched
// keys, keyspace hit/miss counters, AOF propagation, and OBJECT under other maxmemory policies.

import test, { type ExecutionContext } from 'ava';
import { ManualClock, type RunningServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { encodeArgs } from '../helpers/resp.js';
import { serve, servePair } from '../helpers/serve.js';
import { needBinary } from '../helpers/bins.js';

const int = (n: number): string => `:${n}\r\n`;
const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;

/** Starts a server whose propagated effects are recorded as "db: ARGS...", and a client (both closed at the end). */
async function start(t: ExecutionContext, opts: { clock?: ManualClock; config?: Record<string, string> } = {}): Promise<{
  s: RunningServer;
  c: RawClient;
  aof: string[];
}> {
  const s = await serve(t, opts);
  const aof: string[] = [];
  s.server.propagate = (db: number, args: string[]) => void aof.push(`${db}: ${args.join(' ')}`);
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  return { s, c, aof };
}

/** Elements of a RESP2 array of bulk strings. */
function bulks(raw: string): string[] {
  const out: string[] = [];
  let p = raw.indexOf('\r\n') + 2;
  while (p < raw.length) {
    const e = raw.indexOf('\r\n', p);
    if (raw[p] === '*') {
      p = e + 2;
      continue;
    }
    const n = Number(raw.slice(p + 1, e));
    out.push(raw.slice(e + 2, e + 2 + n));
    p = e + 2 + n + 2;
  }
  return out;
}

/** SCAN reply -> [cursor, keys]. */
function scanReply(raw: string): [string, string[]] {
  const [cursor, ...keys] = bulks(raw);
  return [cursor, keys];
}

/** Sends many commands in one write and reads all replies. */
async function pipeline(c: RawClient, cmds: string[][]): Promise<string[]> {
  c.write(Buffer.concat(cmds.map(encodeArgs)));
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.read());
  return out;
}

/**
 * SCANs with COUNT `count` from cursor 0 over 5,000 keys k0..k4999 while a second client sends
 * `churn(call)`'s commands after each page; stops at cursor 0 or after `maxCalls` pages.
 */
async function scanWhileWriting(t: ExecutionContext, count: number, churn: (call: number) => string[][], maxCalls = Infinity): Promise<{ seen: Set<string>; calls: number; cursor: string }> {
  const { c, s } = await start(t);
  const writer = await RawClient.connect(s.port);
  t.teardown(() => writer.close());
  await pipeline(c, Array.from({ length: 5000 }, (_, i) => ['SET', `k${i}`, 'v']));
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, keys] = scanReply(await c.call('SCAN', cursor, 'COUNT', String(count)));
    for (const k of keys) seen.add(k);
    cursor = next;
    calls++;
    await pipeline(writer, churn(calls));
  } while (cursor !== '0' && calls < maxCalls);
  return { seen, calls, cursor };
}

// From a differential hunt: new keys take the next slots, so a SCAN cursor (a slot) chased a
// keyspace growing faster than it walked and never came back to 0 (40 s and 8M keys later, still
// going; Redis finished in 1.5 s). The iteration's end is now fixed by its first call.
test('SCAN ends while another client keeps adding keys faster than it walks', async (t) => {
  const add = (call: number): string[][] => Array.from({ length: 200 }, (_, i) => ['SET', `new${call}:${i}`, 'v']);
  const { seen, calls, cursor } = await scanWhileWriting(t, 100, add, 1000);
  // The end is the slots of the first call rounded up to a power of two (8192 here): about 82
  // pages of 100, whatever is added meanwhile.
  t.is(cursor, '0', `not done after ${calls} calls, ${calls * 200} keys added`);
  t.true(calls <= 100, `${calls} calls`);
  for (let i = 0; i < 5000; i++) t.true(seen.has(`k${i}`), `k${i}`);
});

test('SCAN returns every key present throughout while another client writes', async (t) => {
  // Churn: delete keys with an odd number, add new ones, overwrite some even ones.
  const churn = (call: number): string[][] => [['DEL', `k${2 * call + 1}`], ['SET', `new${call}`, 'v'], ['SET', `k${(call * 2) % 5000}`, 'w']];
  const { seen, calls } = await scanWhileWriting(t, 37, churn);
  for (let i = 0; i < 5000; i += 2) t.true(seen.has(`k${i}`), `k${i}`);
  t.true(calls > 100);
});

test('expiry follows the command clock: alive at the deadline, gone 1 ms later', async (t) => {
  const clock = new ManualClock();
  const { c, aof } = await start(t, { clock });
  await c.call('SET', 'k', 'v');
  t.is(await c.call('PEXPIREAT', 'k', String(clock.ms + 1000)), int(1));
  t.is(await c.call('PTTL', 'k'), int(1000));
  clock.advance(500);
  t.is(await c.call('PTTL', 'k'), int(500));
  t.is(await c.call('TTL', 'k'), int(1)); // 500 ms rounds up
  clock.advance(1);
  t.is(await c.call('TTL', 'k'), int(0)); // 499 ms rounds down
  clock.advance(499);
  t.is(await c.call('PTTL', 'k'), int(0));
  t.is(await c.call('GET', 'k'), bulk('v'));
  clock.advance(1);
  t.is(await c.call('GET', 'k'), '$-1\r\n');
  t.is(await c.call('PTTL', 'k'), int(-2));
  t.deepEqual(aof.slice(-1), ['0: DEL k']);
});

test('a deadline equal to the command time deletes at once', async (t) => {
  const clock = new ManualClock();
  const { c, aof } = await start(t, { clock });
  await c.call('SET', 'k', 'v');
  t.is(await c.call('PEXPIREAT', 'k', String(clock.ms)), int(1));
  t.is(await c.call('EXISTS', 'k'), int(0));
  await c.call('SET', 'k', 'v');
  t.is(await c.call('PEXPIRE', 'k', '1'), int(1));
  t.is(await c.call('EXISTS', 'k'), int(1));
  t.deepEqual(aof, ['0: SET k v', '0: DEL k', '0: SET k v', `0: PEXPIREAT k ${clock.ms + 1}`]);
});

test('KEYS skips expired keys without reclaiming them; SCAN and access reclaim them', async (t) => {
  const clock = new ManualClock();
  const { c, aof, s } = await start(t, { clock });
  s.server.keyspace.activeExpireCycle = () => 0; // only the commands may reclaim keys here
  await pipeline(c, [['SET', 'a', '1'], ['SET', 'b', '1'], ['SET', 'c', '1'], ['PEXPIRE', 'a', '10'], ['PEXPIRE', 'b', '10']]);
  clock.advance(11);
  aof.length = 0;
  t.is(await c.call('KEYS', '*'), `*1\r\n${bulk('c')}`);
  t.is(await c.call('DBSIZE'), int(3));
  t.deepEqual(scanReply(await c.call('SCAN', '0', 'COUNT', '100')), ['0', ['c']]);
  t.is(await c.call('DBSIZE'), int(1));
  t.deepEqual(aof.sort(), ['0: DEL a', '0: DEL b']);
  t.is(s.server.stats.expiredKeys, 2);
});

test('RANDOMKEY never returns an expired key and reclaims what it picks', async (t) => {
  const clock = new ManualClock();
  const { c } = await start(t, { clock });
  const cmds = Array.from({ length: 50 }, (_, i) => ['SET', `k${i}`, 'v', 'PX', '10']);
  await pipeline(c, [...cmds, ['SET', 'live', 'v']]);
  clock.advance(11);
  for (let i = 0; i < 20; i++) t.is(await c.call('RANDOMKEY'), bulk('live'));
  await c.call('DEL', 'live');
  t.is(await c.call('RANDOMKEY'), '$-1\r\n');
  t.is(await c.call('DBSIZE'), int(0));
});

test('RANDOMKEY answers when every key has expired but none may be removed (CLIENT PAUSE WRITE)', async (t) => {
  // Redis 7.0 loops forever here (expired keys are kept while paused, so each pick is "expired");
  // as Redis 7.2, when every key has a TTL, a key is returned after 100 tries, expired or not.
  const clock = new ManualClock();
  const { c } = await start(t, { clock, config: { 'enable-debug-command': 'yes' } });
  // No active expiry: the keys stay until a command looks at them.
  t.is(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
  await pipeline(c, [['SET', 'k1', 'v', 'PX', '10'], ['SET', 'k2', 'v', 'PX', '10']]);
  clock.advance(11);
  t.is(await c.call('CLIENT', 'PAUSE', '100000', 'WRITE'), '+OK\r\n');
  t.true(['$2\r\nk1\r\n', '$2\r\nk2\r\n'].includes(await c.call('RANDOMKEY')));
  t.is(await c.call('PING'), '+PONG\r\n');
  t.is(await c.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
  t.is(await c.call('RANDOMKEY'), '$-1\r\n');
});

test('RANDOMKEY reaches every key', async (t) => {
  const { c } = await start(t);
  await pipeline(c, Array.from({ length: 20 }, (_, i) => ['SET', `k${i}`, 'v']));
  const seen = new Set(await pipeline(c, Array.from({ length: 1000 }, () => ['RANDOMKEY'])));
  t.is(seen.size, 20);
});

test('active expiry reclaims 10,000 keys nobody touches', async (t) => {
  const { c, s, aof } = await start(t);
  const cmds = Array.from({ length: 10000 }, (_, i) => ['SET', `k${i}`, 'v', 'PX', String(50 + (i % 50))]);
  await pipeline(c, [...cmds, ['SET', 'live', 'v']]);
  const deadline = Date.now() + 10000;
  while (s.server.keyspace.dbs[0].size > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const db = s.server.keyspace.dbs[0];
  t.is(db.size, 1);
  t.is(db.expires.size, 0);
  t.is(s.server.stats.expiredKeys, 10000);
  const dels = aof.filter((l) => l.startsWith('0: DEL '));
  t.is(dels.length, 10000);
  t.is(new Set(dels).size, 10000);
  t.is(await c.call('DBSIZE'), int(1));
});

test.serial('active expiry takes up to a quarter of each cron period, as a real redis-server\'s slow cycle, and counts the cycles cut by time', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours: k, theirs: r } = await servePair(t);
  const stat = (info: string, name: string): number => Number(new RegExp(`\r\n${name}:(\\d+)\r\n`).exec(info)![1]);
  const drain = async (c: RawClient): Promise<{ ms: number; capped: number; cpuMs: number; longest: number }> => {
    t.is(await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '1'), '+OK\r\n');
    // One deadline for all, after the last SET: a SET past it stores nothing (Redis deletes the
    // key at once), leaving the cycles less to do. A fixed 300 ms was less than the 100K SETs took
    // under the full suite (0.8-1.6 s): the deadline is 1.5 times their time as measured now, on 10K.
    const probe = Date.now();
    await c.pipeline(Array.from({ length: 10_000 }, (_, j) => ['SET', `k${j}`, 'v']));
    const at = Date.now() + 300 + 15 * (Date.now() - probe);
    for (let i = 0; i < 100_000; i += 10_000) {
      await c.pipeline(Array.from({ length: 10_000 }, (_, j) => ['SET', `k${i + j}`, 'v', 'PXAT', String(at)]));
    }
    t.log(`the last SET ${at - Date.now()} ms before the deadline`);
    // Not a speed check (that is for benchmarks): a bound on waiting, far above the 1-2 s both take.
    while ((await c.call('DBSIZE')) !== int(0) && Date.now() < at + 20_000) await new Promise((res) => setTimeout(res, 20));
    const ms = Date.now() - at;
    const info = await c.call('INFO', 'stats');
    // LATENCY HISTORY expire-cycle: [unix time, ms] pairs; the longest cycle.
    const history = [...(await c.call('LATENCY', 'HISTORY', 'expire-cycle')).matchAll(/:(\d+)\r\n/g)].map((m) => Number(m[1]));
    const longest = Math.max(0, ...history.filter((_, i) => i % 2 === 1));
    return { ms, capped: stat(info, 'expired_time_cap_reached_count'), cpuMs: stat(info, 'expire_cycle_cpu_milliseconds'), longest };
  };
  // One server at a time, so that they do not share the CPU.
  for (const [name, c] of [['redis-server', r], ['keystonelight', k]] as const) {
    const { ms, capped, cpuMs, longest } = await drain(c);
    t.log(`${name}: all reclaimed ${ms} ms after the deadline, ${capped} capped cycles, ${cpuMs} ms of cycles, longest ${longest} ms`);
    t.true(ms < 20_000, `${name}: all reclaimed`);
    // With 100K keys to reclaim a cycle runs to its budget: 25 ms at hz 10 (a 2 ms budget took 5 s
    // for these keys). A lower bound only: a loaded machine makes a cycle longer, never shorter.
    t.true(longest >= 15, `${name}: the longest expire cycle took ${longest} ms`);
    // Redis's count depends on its timing: in a CI run on 2026-11-28 its cycles (slow ones from the
    // cron, fast ones from beforeSleep) reclaimed the 100K keys with none cut, the longest 24 ms,
    // just under its 25 ms budget. So the reference's count is only logged; ours must be cut.
    if (name === 'keystonelight') t.true(capped > 0, `${name}: cycles stopped at their time budget: ${capped}`);
    t.true(cpuMs > 0, `${name}: expire_cycle_cpu_milliseconds ${cpuMs}`);
    t.is(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
    const info = await c.call('INFO', 'stats');
    t.deepEqual([stat(info, 'expired_time_cap_reached_count'), stat(info, 'expire_cycle_cpu_milliseconds')], [0, 0], `${name}: RESETSTAT`);
  }
});

test('keyspace hits and misses are counted where Redis counts them', async (t) => {
  const { c, s } = await start(t);
  await pipeline(c, [['SET', 'a', '1'], ['SET', 'b', '2']]);
  const expect = async (args: string[], hits: number, misses: number): Promise<void> => {
    s.server.stats.keyspaceHits = 0;
    s.server.stats.keyspaceMisses = 0;
    await c.call(...args);
    t.deepEqual([s.server.stats.keyspaceHits, s.server.stats.keyspaceMisses], [hits, misses], args.join(' '));
  };
  await expect(['EXISTS', 'a', 'b', 'nokey'], 2, 1);
  await expect(['TOUCH', 'a', 'nokey'], 1, 1);
  await expect(['TYPE', 'a'], 1, 0);
  await expect(['TYPE', 'nokey'], 0, 1);
  await expect(['TTL', 'a'], 1, 0);
  await expect(['PEXPIRETIME', 'nokey'], 0, 1);
  await expect(['OBJECT', 'ENCODING', 'a'], 1, 0);
  await expect(['OBJECT', 'REFCOUNT', 'nokey'], 0, 1);
  await expect(['COPY', 'a', 'c'], 1, 0);
  await expect(['COPY', 'nokey', 'c'], 0, 1);
  await expect(['SCAN', '0', 'TYPE', 'string'], 3, 0);
  await expect(['SCAN', '0', 'MATCH', 'a', 'TYPE', 'string'], 1, 0);
  for (const args of [['SCAN', '0'], ['KEYS', '*'], ['RANDOMKEY'], ['DBSIZE'], ['RENAME', 'c', 'd'], ['MOVE', 'd', '1'],
    ['EXPIRE', 'a', '100'], ['PERSIST', 'a'], ['DEL', 'b'], ['RENAMENX', 'x', 'y']]) {
    await expect(args, 0, 0);
  }
});

test('AOF propagation is Redis 7.0\'s', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const { c, aof } = await start(t, { clock });
  const now = clock.ms;
  const cmds: string[][] = [
    ['SET', 'a', '1'],
    ['DEL', 'nokey'],
    ['del', 'a', 'nokey'],
    ['UNLINK', 'nokey'],
    ['SET', 'k', 'v'],
    ['EXPIRE', 'k', '100'],
    ['expire', 'k', '200', 'gt', 'XX'],
    ['EXPIRE', 'k', '10', 'GT'],
    ['PEXPIRE', 'k', '5000', 'lt'],
    ['EXPIREAT', 'k', '1800000000'],
    ['pexpireat', 'k', '1800000000001'],
    ['PERSIST', 'k'],
    ['PERSIST', 'k'],
    ['EXPIRE', 'k', '-1'],
    ['EXPIRE', 'nokey', '-1'],
    ['SET', 'x', '1'],
    ['RENAME', 'x', 'y'],
    ['RENAME', 'y', 'y'],
    ['RENAMENX', 'y', 'y'],
    ['COPY', 'y', 'z'],
    ['COPY', 'y', 'z'],
    ['COPY', 'y', 'z', 'REPLACE', 'DB', '2'],
    ['MOVE', 'z', '3'],
    ['MOVE', 'nokey', '3'],
    ['SELECT', '4'],
    ['SWAPDB', '0', '1'],
    ['SWAPDB', '1', '1'],
    ['FLUSHDB'],
    ['FLUSHALL', 'ASYNC'],
    ['TOUCH', 'a'],
  ];
  await pipeline(c, cmds);
  t.deepEqual(aof, [
    '0: SET a 1',
    '0: del a nokey',
    '0: SET k v',
    `0: PEXPIREAT k ${now + 100000}`,
    `0: PEXPIREAT k ${now + 200000} gt XX`,
    `0: PEXPIREAT k ${now + 5000} lt`,
    '0: PEXPIREAT k 1800000000000',
    '0: pexpireat k 1800000000001',
    '0: PERSIST k',
    '0: DEL k',
    '0: SET x 1',
    '0: RENAME x y',
    '0: COPY y z',
    '0: COPY y z REPLACE DB 2',
    '0: MOVE z 3',
    '4: SWAPDB 0 1',
    '4: SWAPDB 1 1',
    '4: FLUSHDB',
    '4: FLUSHALL ASYNC',
  ]);
});

test('SWAPDB changes what clients that selected either database see', async (t) => {
  const { c, s } = await start(t);
  const other = await RawClient.connect(s.port);
  t.teardown(() => other.close());
  await c.call('SET', 'a', 'zero');
  await other.call('SELECT', '1');
  t.is(await other.call('GET', 'a'), '$-1\r\n');
  await c.call('SWAPDB', '0', '1');
  t.is(await other.call('GET', 'a'), bulk('zero'));
  t.is(await c.call('DBSIZE'), int(0));
});

test('OBJECT FREQ and IDLETIME follow the maxmemory policy; REFCOUNT the sharing rule', async (t) => {
  // A ManualClock: with the system clock a second may start between SET and OBJECT IDLETIME.
  const { c, s } = await start(t, { clock: new ManualClock() });
  await pipeline(c, [['SET', 'n', '5'], ['SET', 's', 'abc']]);
  t.is(await c.call('OBJECT', 'IDLETIME', 's'), int(0));
  t.true((await c.call('OBJECT', 'FREQ', 's')).startsWith('-ERR An LFU maxmemory policy is not selected'));
  t.is(await c.call('OBJECT', 'REFCOUNT', 'n'), int(2147483647));
  s.server.config.set('maxmemory-policy', 'allkeys-lfu');
  // A key created under LFU starts at LFU_INIT_VAL (older keys' LRU bits are read as LFU data).
  await c.call('SET', 'fresh', 'abc');
  t.is(await c.call('OBJECT', 'FREQ', 'fresh'), int(5));
  t.true((await c.call('OBJECT', 'IDLETIME', 's')).startsWith('-ERR An LFU maxmemory policy is selected'));
  t.is(await c.call('OBJECT', 'REFCOUNT', 'n'), int(2147483647)); // no maxmemory: still shared
  s.server.config.set('maxmemory', '100000000');
  t.is(await c.call('OBJECT', 'REFCOUNT', 'n'), int(1));
  s.server.config.set('maxmemory-policy', 'volatile-ttl');
  t.is(await c.call('OBJECT', 'REFCOUNT', 'n'), int(2147483647));
});

test('huge deadlines are accepted and stored as the latest representable one', async (t) => {
  const { c, aof } = await start(t);
  await c.call('SET', 'k', 'v');
  t.is(await c.call('PEXPIREAT', 'k', '9223372036854775807'), int(1));
  t.is(await c.call('PEXPIRETIME', 'k'), int(Number.MAX_SAFE_INTEGER));
  t.is(aof.at(-1), '0: PEXPIREAT k 9223372036854775807');
  // All deadlines past 2^53 ms are the same stored deadline (Redis would answer 1 to this LT).
  t.is(await c.call('EXPIREAT', 'k', '9223372036854775', 'LT'), int(0));
  t.is(await c.call('EXPIRE', 'k', '100', 'LT'), int(1));
  t.is(await c.call('EXPIREAT', 'k', '9223372036854775'), int(1));
  t.is(aof.at(-1), '0: PEXPIREAT k 9223372036854775000');
});

test('SCAN pages: small counts, cursor round trip, TYPE filter on a large db', async (t) => {
  const { c } = await start(t);
  await pipeline(c, Array.from({ length: 1000 }, (_, i) => ['SET', `k${i}`, 'v']));
  const seen: string[] = [];
  let cursor = '0';
  let pages = 0;
  do {
    const [next, keys] = scanReply(await c.call('SCAN', cursor, 'COUNT', '10', 'TYPE', 'string'));
    t.true(keys.length <= 10);
    seen.push(...keys);
    cursor = next;
    pages++;
  } while (cursor !== '0');
  t.is(seen.length, 1000);
  t.is(new Set(seen).size, 1000);
  t.is(pages, 100);
});

// From a review: with a large table emptied inside a command (COPY ... DB REPLACE removes the only key
// and adds it again), a fresh table swapped in at once moved the key to slot 0, behind the cursor.
test('SCAN returns a key COPY ... REPLACE overwrites while it is the only key of a large table', async (t) => {
  const { c, s } = await start(t);
  const other = await RawClient.connect(s.port);
  t.teardown(() => other.close());
  const db1 = s.server.keyspace.dbs[1];
  for (let i = 0; i < 100_000; i++) db1.set(`k${i}`, 'v');
  for (let i = 0; i < 100_000; i++) if (i !== 50_000) db1.remove(`k${i}`);
  t.is(await other.call('SET', 'src', 'new'), '+OK\r\n');
  t.is(await c.call('SELECT', '1'), '+OK\r\n');
  const seen: string[] = [];
  let [cursor, keys] = scanReply(await c.call('SCAN', '0', 'COUNT', '1'));
  seen.push(...keys);
  t.not(cursor, '0', 'the scan is under way');
  t.is(await other.call('COPY', 'src', 'k50000', 'DB', '1', 'REPLACE'), int(1));
  while (cursor !== '0') {
    [cursor, keys] = scanReply(await c.call('SCAN', cursor, 'COUNT', '1'));
    seen.push(...keys);
  }
  t.deepEqual(seen, ['k50000']);
  t.is(await c.call('GET', 'k50000'), bulk('new'));
});

test('INFO expired_stale_perc: the active cycle estimates the stale share; CONFIG RESETSTAT zeroes it, as Redis', async (t) => {
  const clock = new ManualClock();
  const { c, s } = await start(t, { clock, config: { 'enable-debug-command': 'yes' } });
  t.is(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n'); // only the cycle run below
  await pipeline(c, Array.from({ length: 2000 }, (_, i) => ['SET', `k${i}`, 'v', 'PX', i % 2 === 0 ? '10' : '100000']));
  clock.advance(20);
  const stale = async (): Promise<number> => Number(/\r\nexpired_stale_perc:([\d.]+)\r\n/.exec(await c.call('INFO', 'stats'))![1]);
  t.is(await stale(), 0);
  s.server.keyspace.activeExpireCycle(0); // one round: its random draws find about half expired
  t.true((await stale()) > 0, 'an estimate after a cycle');
  t.is(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
  t.is(await stale(), 0);
});
