// The AOF's MULTI/EXEC blocks, as Redis 7.0 writes them: a command that logs more than one effect
// (keys it found expired, then its own effect) is one block; the DELs of keys that SCAN and
// RANDOMKEY find expired (keys they were not given: Redis's touches-arbitrary-keys) are not, nor
// those of active expiry. The comparison with a real redis-server, byte for byte, is in
// test/process/persist-interop.test.ts; this checks the cases whose order there depends on
// hash-table order (SCAN, RANDOMKEY), through the wire with a hand-moved clock.

import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/keyspace/clock.js';
import { RawClient } from '../helpers/raw.js';
import { aofContent, parseAof, waitFor } from '../helpers/aof.js';
import { serve } from '../helpers/serve.js';

/** The commands of an AOF, as their names and first arguments, e.g. "DEL a". */
const commands = (aof: Buffer): string[] => parseAof(aof).map((args) => args.slice(0, 2).join(' '));

test('a command with expired keys on the way logs one block; SCAN, RANDOMKEY and active expiry do not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-blocks-'));
  const clock = new ManualClock();
  const s = await serve(t, { clock, config: { appendonly: 'yes', dir, appendfsync: 'always' } });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  for (const k of ['a', 'b', 'c', 'd', 'e']) await c.call('SET', k, '1', 'PX', '10');
  clock.advance(20);
  t.is(await c.call('MGET', 'a', 'b'), '*2\r\n$-1\r\n$-1\r\n');
  t.is(await c.call('SCAN', '0'), '*2\r\n$1\r\n0\r\n*0\r\n');
  t.is(await c.call('SET', 'x', '1', 'PX', '10'), '+OK\r\n');
  t.is(await c.call('SET', 'y', '1', 'PX', '10'), '+OK\r\n');
  clock.advance(20);
  t.is(await c.call('RANDOMKEY'), '$-1\r\n');
  t.is(await c.call('SET', 'z', '1', 'PX', '10'), '+OK\r\n');
  t.is(await c.call('SET', 'w', '1', 'PX', '10'), '+OK\r\n');
  clock.advance(20);
  await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  await waitFor(async () => (await c.call('DBSIZE')) === ':0\r\n', 5000, 'active expiry');
  const cmds = commands(aofContent(dir)).filter((x) => !x.startsWith('SET '));
  // MGET's two DELs are one block; SCAN's three, RANDOMKEY's two and the cron's two are not.
  t.deepEqual(cmds.slice(0, 5), ['SELECT 0', 'MULTI', 'DEL a', 'DEL b', 'EXEC']);
  t.deepEqual(cmds.slice(5, 8).sort(), ['DEL c', 'DEL d', 'DEL e']);
  t.deepEqual(cmds.slice(8, 10).sort(), ['DEL x', 'DEL y']);
  t.deepEqual(cmds.slice(10).sort(), ['DEL w', 'DEL z']);

  // A block with a write in it replays: the key holds the value set over the expired one.
  await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  await c.call('SET', 'k', 'old', 'PX', '10');
  clock.advance(20);
  t.is(await c.call('SET', 'k', 'new', 'GET'), '$-1\r\n');
  t.deepEqual(commands(aofContent(dir)).slice(-4), ['MULTI', 'DEL k', 'SET k', 'EXEC']);
  await s.close();
  const again = await serve(t, { config: { appendonly: 'yes', dir } });
  const c2 = await RawClient.connect(again.port);
  t.teardown(() => c2.close());
  t.is(await c2.call('GET', 'k'), '$3\r\nnew\r\n');
  t.is(await c2.call('DBSIZE'), ':1\r\n');
});

test('keys evicted by CONFIG SET maxmemory are logged as separate DELs, not as a block of that command', async (t) => {
  // redis-server 7.0.15: SELECT 0, DEL ..., DEL ... with no MULTI (evictions are propagated alone).
  const dir = mkdtempSync(join(tmpdir(), 'ks-blocks-'));
  const s = await serve(t, { config: { appendonly: 'yes', dir, 'maxmemory-policy': 'allkeys-random' } });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  for (let i = 0; i < 20; i++) await c.call('SET', `big${i}`, 'x'.repeat(100_000));
  const used = Number(/\r\nused_memory:(\d+)\r\n/.exec(await c.call('INFO', 'memory'))![1]);
  t.is(await c.call('CONFIG', 'SET', 'maxmemory', String(used - 500_000)), '+OK\r\n');
  await waitFor(() => commands(aofContent(dir)).some((x) => x.startsWith('DEL ')), 5000, 'the evictions logged');
  const cmds = commands(aofContent(dir)).filter((x) => !x.startsWith('SET '));
  t.true(cmds.length >= 2, cmds.join(', '));
  t.false(cmds.includes('MULTI'), cmds.join(', '));
  t.true(cmds.slice(1).every((x) => x.startsWith('DEL big')), cmds.join(', '));
});
