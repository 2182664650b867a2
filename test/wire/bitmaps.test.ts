// Bitmap commands through real client libraries (ioredis and node-redis, RESP2 and RESP3), and what
// changing a value in place (keyspace/values.ts ByteString) must not break: an AOF rewrite's T0
// copy of a bitmap, or of a string APPENDed or SETRANGEd in place, changed while the rewrite walks
// (the base holds the T0 bytes, a reload the live ones, each change applied once), WATCH (only a real change aborts), the memory estimate
// (a growing bitmap is charged, a deleted one refunded), COPY (an independent copy).
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer } from '../../src/index.js';
import type { AofPersistence } from '../../src/persistence/index.js';
import { serve } from '../helpers/serve.js';
import { RawClient } from '../helpers/raw.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';
import { aofFiles, dumpServer, loadDir } from '../helpers/aof.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ks-bitmaps-'));

for (const protocol of [3, 2] as const) {
  test(`ioredis (protocol ${protocol}): bitmap commands`, async (t) => {
    const s = await serve(t);
    const r = new Redis({ port: s.port, host: '127.0.0.1', protocol, enableReadyCheck: false, lazyConnect: true });
    await r.connect();
    t.teardown(() => r.disconnect());
    t.is(await r.setbit('b', 7, 1), 0);
    t.is(await r.setbit('b', 7, 1), 1);
    t.is(await r.getbit('b', 7), 1);
    t.is(await r.getbit('b', 1000), 0);
    t.deepEqual(await r.getBuffer('b'), Buffer.from([1]));
    await r.set('f', 'foobar');
    t.is(await r.bitcount('f'), 26);
    t.is(await r.bitcount('f', 1, 1), 6);
    t.is(await r.bitcount('f', 5, 30, 'BIT'), 17);
    t.is(await r.bitpos('f', 1), 1);
    t.is(await r.bitpos('f', 0, 2, -1, 'BIT'), 3);
    await r.set('g', 'abcdef');
    t.is(await r.bitop('AND', 'd', 'f', 'g'), 6);
    t.is(await r.get('d'), '`bc`ab');
    t.deepEqual(await r.call('BITFIELD', 'bf', 'SET', 'i8', 0, 100, 'INCRBY', 'i8', 0, 100, 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', 100, 5, 'GET', 'u4', 0), [0, -56, null, 12]);
    t.deepEqual(await r.call('BITFIELD_RO', 'bf', 'GET', 'i8', 0), [-56]);
    await t.throwsAsync(r.setbit('b', 1, 2), { message: 'ERR bit is not an integer or out of range' });
    await t.throwsAsync(r.call('BITFIELD_RO', 'bf', 'SET', 'u8', 0, 1), { message: 'ERR BITFIELD_RO only supports the GET subcommand' });
  });

  test(`node-redis (RESP${protocol}): bitmap commands`, async (t) => {
    const s = await serve(t);
    const c = createClient({ url: `redis://127.0.0.1:${s.port}`, RESP: protocol });
    await c.connect();
    t.teardown(() => void c.close());
    t.is(await c.setBit('b', 15, 1), 0);
    t.is(await c.getBit('b', 15), 1);
    t.is(await c.bitCount('b'), 1);
    t.is(await c.bitPos('b', 1), 15);
    t.is(await c.bitOp('NOT', 'n', 'b'), 2);
    t.is(await c.bitCount('n', { start: 0, end: -1, mode: 'BIT' }), 15);
    t.deepEqual(await c.bitField('bf', [{ operation: 'INCRBY', encoding: 'u8', offset: '#2', increment: 300 }, { operation: 'GET', encoding: 'u24', offset: 0 }]), [44, 44]);
    t.deepEqual(await c.bitFieldRo('bf', [{ encoding: 'u8', offset: 16 }]), [44]);
  });
}

/**
 * A server with an AOF and 100,000 filler keys, so that a rewrite's walk is still going while the
 * test changes keys in place; and a client.
 */
async function rewriteFixture(t: ExecutionContext): Promise<{ dir: string; s: Awaited<ReturnType<typeof startServer>>; c: RawClient }> {
  const dir = tmp();
  const s = await startServer({ port: 0, config: { appendonly: 'yes', dir, appendfsync: 'no' } });
  t.teardown(() => s.close().catch(() => {}));
  const db = s.server.keyspace.dbs[0];
  for (let i = 0; i < 100_000; i++) db.set(`filler${i}`, 'x');
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  return { dir, s, c };
}

test('a bitmap changed in place during a rewrite: the base holds its T0 bytes, a reload the live ones, each change once', async (t) => {
  const { dir, s, c } = await rewriteFixture(t);
  await c.call('SET', 'plain', 'AB'); // a string made a ByteString during the walk
  await c.call('SETBIT', 'bm', '7', '1'); // a ByteString already
  await c.call('BITFIELD', 'ctr', 'SET', 'u8', '0', '10');
  const p = s.server.persistence as AofPersistence;
  await c.call('BGREWRITEAOF');
  while (!p.writer.rewriting) await new Promise((r) => setImmediate(r));
  t.is(await c.call('SETBIT', 'plain', '15', '1'), ':0\r\n');
  t.is(await c.call('SETBIT', 'bm', '6', '1'), ':0\r\n');
  t.is(await c.call('SETBIT', 'bm', '100', '1'), ':0\r\n'); // grows in place
  for (let i = 0; i < 5; i++) await c.call('BITFIELD', 'ctr', 'INCRBY', 'u8', '0', '1');
  t.true(p.rewriting, 'still walking');
  await p.waitRewrite();
  const base = readFileSync(aofFiles(dir).find((f) => f.endsWith('.base.aof'))!, 'latin1');
  t.true(base.includes('$5\r\nplain\r\n$2\r\nAB\r\n'), 'T0 value of plain');
  t.true(base.includes('$2\r\nbm\r\n$1\r\n\x01\r\n'), 'T0 value of bm');
  t.true(base.includes('$3\r\nctr\r\n$1\r\n\x0a\r\n'), 'T0 value of ctr');
  const live = dumpServer(s.server);
  t.is(live['0:plain'].value, 'AC');
  t.is(live['0:ctr'].value, '\x0f');
  c.close();
  await new Promise((r) => setImmediate(r));
  const loaded = await loadDir(dir);
  for (const k of ['0:plain', '0:bm', '0:ctr']) t.deepEqual(loaded[k], live[k], k);
});

test('strings APPENDed and SETRANGEd in place during a rewrite: the base holds their T0 bytes, a reload the live ones, each APPEND once', async (t) => {
  const { dir, s, c } = await rewriteFixture(t);
  const long = (ch: string): string => ch.repeat(5000);
  await c.call('SET', 'log', long('a'));
  await c.call('APPEND', 'log', 'b'); // a ByteString already, with room to grow where it is
  await c.call('SET', 'str', long('c')); // a string made a ByteString during the walk
  await c.call('SET', 'sr', long('d'));
  const p = s.server.persistence as AofPersistence;
  await c.call('BGREWRITEAOF');
  while (!p.writer.rewriting) await new Promise((r) => setImmediate(r));
  for (const tail of ['X', 'Y', 'Z']) await c.call('APPEND', 'log', tail);
  await c.call('SETRANGE', 'log', '0', 'Q');
  await c.call('COPY', 'log', 'cp'); // added after T0, then apart from log
  await c.call('APPEND', 'str', 'e');
  await c.call('APPEND', 'str', 'f');
  await c.call('SETRANGE', 'sr', '4998', 'gh');
  await c.call('SETRANGE', 'sr', '0', 'i');
  await c.call('APPEND', 'cp', 'j');
  t.true(p.rewriting, 'still walking');
  await p.waitRewrite();
  const base = readFileSync(aofFiles(dir).find((f) => f.endsWith('.base.aof'))!, 'latin1');
  t.true(base.includes(`$3\r\nlog\r\n$5001\r\n${long('a')}b\r\n`), 'T0 value of log');
  t.true(base.includes(`$3\r\nstr\r\n$5000\r\n${long('c')}\r\n`), 'T0 value of str');
  t.true(base.includes(`$2\r\nsr\r\n$5000\r\n${long('d')}\r\n`), 'T0 value of sr');
  t.false(base.includes('$2\r\ncp\r\n'), 'cp is not in the T0 data');
  const live = dumpServer(s.server);
  t.is(live['0:log'].value, `Q${long('a').slice(1)}bXYZ`);
  t.is(live['0:cp'].value, `${live['0:log'].value}j`);
  t.is(live['0:str'].value, `${long('c')}ef`);
  t.is(live['0:sr'].value, `i${long('d').slice(1, 4998)}gh`);
  c.close();
  await new Promise((r) => setImmediate(r));
  const loaded = await loadDir(dir);
  for (const k of ['0:log', '0:cp', '0:str', '0:sr']) t.deepEqual(loaded[k], live[k], k);
});

/** WATCH k on `port`, `other` on a second connection, then MULTI GET EXEC: whether the EXEC ran. */
async function watchSurvives(port: number, setup: string[], other: string[]): Promise<boolean> {
  const a = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  try {
    await a.call('FLUSHALL');
    await a.call(...setup);
    await a.call('WATCH', 'k');
    await b.call(...other);
    await a.call('MULTI');
    await a.call('GET', 'k');
    return (await a.call('EXEC')) !== '*-1\r\n';
  } finally {
    a.close();
    b.close();
  }
}

test('WATCH: a SETBIT or BITFIELD that changes nothing does not abort the transaction, one that changes a bit does, as redis-server', async (t) => {
  const s = await serve(t);
  const redis = needBinary(t, 'redis-server') ? await startRealRedis() : null;
  if (redis !== null) t.teardown(() => redis.stop());
  const setup = ['SETBIT', 'k', '3', '1'];
  // A BITFIELD that creates k and then fails every operation: Redis adds the key without telling WATCH.
  t.is(await watchSurvives(s.port, ['DEL', 'k'], ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9']), true, 'a BITFIELD creating k, its ops failing');
  if (redis !== null) t.is(await watchSurvives(redis.port, ['DEL', 'k'], ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9']), true, 'redis-server: the same');
  for (const [other, survives] of [
    [['SETBIT', 'k', '3', '1'], true],
    [['SETBIT', 'k', '3', '0'], false],
    [['SETBIT', 'k', '30', '0'], false], // zero-pads: a change
    [['BITFIELD', 'k', 'SET', 'u4', '0', '1'], true],
    [['BITFIELD', 'k', 'INCRBY', 'u4', '0', '1'], false],
    [['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u4', '0', '100'], true],
    [['BITFIELD_RO', 'k', 'GET', 'u4', '0'], true],
  ] as const) {
    t.is(await watchSurvives(s.port, setup, [...other]), survives, other.join(' '));
    if (redis !== null) t.is(await watchSurvives(redis.port, setup, [...other]), survives, `redis-server: ${other.join(' ')}`);
  }
});

test('memory estimate: a bitmap growing in place is charged, and refunded when deleted; COPY is independent', async (t) => {
  const s = await serve(t);
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  const used = (): number => s.server.keyspace.usage.dataset;
  const before = used();
  await c.call('SETBIT', 'b', '0', '1');
  const small = used();
  t.true(small > before);
  await c.call('SETBIT', 'b', String(8 * 1024 * 1024 - 1), '1'); // 1 MB
  t.true(used() - small >= 1024 * 1024, 'the grown storage is charged');
  t.regex(await c.call('MEMORY', 'USAGE', 'b'), /^:\d{7,}\r\n$/);
  await c.call('COPY', 'b', 'c');
  await c.call('SETBIT', 'c', '0', '0');
  t.is(await c.call('GETBIT', 'b', '0'), ':1\r\n', 'the copy is a copy');
  await c.call('DEL', 'b', 'c');
  t.is(used(), before);
});

// Serial (ava runs serial tests before the others): the spy on ByteString's getter is process-wide.
test.serial('STRLEN, GETRANGE, APPEND, SETRANGE and the bit commands never turn a whole bitmap into a string (O(1) or O(range) as Redis)', async (t) => {
  const { ByteString } = await import('../../src/keyspace/values.js');
  const s = await serve(t);
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  await c.call('SETBIT', 'bm', '8000', '1');
  const getter = Object.getOwnPropertyDescriptor(ByteString.prototype, 's')!;
  let copies = 0;
  Object.defineProperty(ByteString.prototype, 's', { configurable: true, get(this: InstanceType<typeof ByteString>) {
    copies++;
    return getter.get!.call(this);
  } });
  t.teardown(() => Object.defineProperty(ByteString.prototype, 's', getter));
  const replies = [];
  for (const cmd of [['STRLEN', 'bm'], ['GETRANGE', 'bm', '1000', '1000'], ['APPEND', 'bm', 'xy'], ['SETRANGE', 'bm', '2', 'ab'], ['BITCOUNT', 'bm', '0', '5'], ['BITPOS', 'bm', '1'], ['GETBIT', 'bm', '8000'], ['BITFIELD', 'bm', 'INCRBY', 'u8', '0', '1'], ['SETBIT', 'bm', '20000', '1']]) {
    replies.push(await c.call(...cmd));
  }
  t.deepEqual(replies, [':1001\r\n', '$1\r\n\x80\r\n', ':1003\r\n', ':1003\r\n', ':6\r\n', ':17\r\n', ':1\r\n', '*1\r\n:1\r\n', ':0\r\n']);
  t.is(copies, 0);
  t.is(await c.call('GETRANGE', 'bm', '0', '3'), '$4\r\n\x01\x00ab\r\n');
  t.is(await c.call('STRLEN', 'bm'), ':2501\r\n');
});

test('BITCOUNT or BITPOS over a long range of a plain string makes it a ByteString once (same contents, WATCH not told); a short range leaves it alone', async (t) => {
  const { ByteString } = await import('../../src/keyspace/values.js');
  const s = await serve(t);
  const a = await RawClient.connect(s.port);
  const b = await RawClient.connect(s.port);
  t.teardown(() => (a.close(), b.close()));
  const big = 'ab\x00\xff'.repeat(5000);
  await a.call('SET', 'p', big);
  await a.call('SET', 'q', big);
  const stored = (k: string): unknown => s.server.keyspace.dbs[0].dict.get(k);
  await a.call('WATCH', 'p');
  t.is(await b.call('BITCOUNT', 'p', '0', '9'), ':34\r\n');
  t.is(typeof stored('p'), 'string', 'a short range is copied, the value left as it is');
  t.is(await b.call('BITCOUNT', 'p'), ':70000\r\n');
  t.true(stored('p') instanceof ByteString);
  t.is(await b.call('BITPOS', 'q', '1', '100'), ':801\r\n');
  t.true(stored('q') instanceof ByteString);
  await a.call('MULTI');
  await a.call('GET', 'p');
  t.is(await a.call('EXEC'), `*1\r\n$20000\r\n${big}\r\n`, 'the same contents; WATCH not told');
  t.is(await b.call('OBJECT', 'ENCODING', 'p'), '$3\r\nraw\r\n');
});

test('DEBUG DIGEST of big values and bitmaps: as redis-server, and no scratch buffer kept at their size', async (t) => {
  const { needBinary: need } = await import('../helpers/bins.js');
  const { digestScratchBytes } = await import('../../src/commands/digest.js');
  if (!need(t, 'redis-server')) return;
  const s = await serve(t, { config: { 'enable-debug-command': 'yes' } });
  const r = await startRealRedis(['--enable-debug-command', 'yes']);
  t.teardown(() => r.stop());
  const [ours, theirs] = [await RawClient.connect(s.port), await RawClient.connect(r.port)];
  t.teardown(() => (ours.close(), theirs.close()));
  for (const cmd of [['SET', 'plain', 'xyz'.repeat(700_000)], ['SETBIT', 'bm', String(8 * 3_000_000), '1'], ['DEBUG', 'DIGEST-VALUE', 'plain', 'bm'], ['DEBUG', 'DIGEST']]) {
    t.is(await ours.call(...cmd), await theirs.call(...cmd), cmd.slice(0, 2).join(' '));
  }
  t.true(digestScratchBytes() <= 1024 * 1024, `scratch ${digestScratchBytes()} bytes`);
});
