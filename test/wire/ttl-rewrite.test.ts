// Deadlines are kept beside the keys' rows, and the keys that have one in a set (deadline-column.ts)
// that active expiry and eviction walk: random TTL-related commands through the wire while AOF
// rewrites run, and after every batch the two must agree; at the end the AOF reloads to the live dataset. Then the
// rewrite's T0 state of a key that SET ... EX changes during the walk. (Written by a reviewer.)
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { encodeArgs } from '../helpers/resp.js';
import { copyAof, dumpServer } from '../helpers/aof.js';
import type { AofPersistence } from '../../src/persistence/index.js';
import type { Database } from '../../src/keyspace/database.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ks-ttl-rewrite-'));

/** The set of keys with a deadline (walked position by position) against every key's own deadline. */
function check(dbs: readonly Database[]): string | null {
  for (const d of dbs) {
    const listed = new Map<string, number>();
    for (const [key, when] of d.expires.entries()) {
      if (listed.has(key)) return `db ${d.id} ${key}: twice in the set`;
      if (!d.dict.has(key)) return `db ${d.id} ${key}: in the set only`;
      listed.set(key, when);
    }
    for (const key of d.dict.keys()) {
      const a = listed.get(key) ?? -1;
      const b = d.getExpire(key);
      if (a !== b) return `db ${d.id} ${key}: in the set ${a}, beside the row ${b}`;
    }
    if (listed.size !== d.expires.size) return `db ${d.id}: the set lists ${listed.size} keys, counts ${d.expires.size}`;
  }
  return null;
}

test.serial('the deadlines and the set of keys with one agree under random commands and rewrites', async (t) => {
  const dir = tmp();
  const clock = new ManualClock(Date.now() + 10_000_000);
  const s = await startServer({ port: 0, clock, config: { appendonly: 'yes', dir, appendfsync: 'no', databases: '3' } });
  t.teardown(() => s.close().catch(() => {}));
  const ks = s.server.keyspace;
  for (let db = 0; db < 3; db++) {
    for (let i = 0; i < 20000; i++) {
      ks.dbs[db].set(`f${i}`, `v${i}`);
      if (i % 3 === 0) ks.dbs[db].setExpire(`f${i}`, clock.ms + 1_000_000 + i);
    }
  }
  let seed = Number(process.env.KS_SEED ?? 99);
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const c = await RawClient.connect(s.port);
  const key = (): string => (rnd(4) === 0 ? `f${rnd(20000)}` : `k${rnd(40)}`);
  const gen = (): string[] => {
    const k = key();
    switch (rnd(26)) {
      case 0: return ['SET', k, 'a'];
      case 1: return ['SET', k, 'b', 'EX', String(1 + rnd(5))];
      case 2: return ['SET', k, 'c', 'PX', String(1 + rnd(3000))];
      case 3: return ['SET', k, 'd', 'KEEPTTL'];
      case 4: return ['SET', k, 'e', 'NX', 'PX', String(1 + rnd(3000))];
      case 5: return ['SET', k, 'f', 'XX', 'PX', String(1 + rnd(3000))];
      case 6: return ['SET', k, 'g', 'GET', 'EX', String(1 + rnd(5))];
      case 7: return ['SET', k, 'h', 'PXAT', String(clock.ms - rnd(2000))];
      case 8: return ['SETEX', k, String(1 + rnd(5)), 'i'];
      case 9: return ['PEXPIRE', k, String(1 + rnd(3000))];
      case 10: return ['PERSIST', k];
      case 11: return ['GETEX', k, 'PX', String(1 + rnd(3000))];
      case 12: return ['GETEX', k, 'PERSIST'];
      case 13: return ['DEL', k];
      case 14: return ['RENAME', k, key()];
      case 15: return ['COPY', k, key(), 'DB', String(rnd(3)), 'REPLACE'];
      case 16: return ['MOVE', k, String(rnd(3))];
      case 17: return ['SELECT', String(rnd(3))];
      case 18: return rnd(20) === 0 ? ['SWAPDB', String(rnd(3)), String(rnd(3))] : ['GET', k];
      case 19: return rnd(200) === 0 ? ['FLUSHDB'] : ['INCR', `n${rnd(5)}`];
      case 20: return ['APPEND', k, 'x'];
      case 21: return ['GETSET', k, 'y'];
      case 22: return ['GETDEL', k];
      case 23: return ['PEXPIREAT', k, String(clock.ms + rnd(4000) - 1000)];
      case 24: return ['EXPIRE', k, String(1 + rnd(5)), ['NX', 'XX', 'GT', 'LT'][rnd(4)]];
      default: return ['PTTL', k];
    }
  };
  const p = s.server.persistence as AofPersistence;
  let rewrites = 0;
  for (let batch = 0; batch < 3000; batch++) {
    if (!p.rewriting && rnd(10) === 0) {
      await c.call('BGREWRITEAOF');
      rewrites++;
    }
    const cmds: string[][] = [];
    for (let j = 0; j < 30; j++) cmds.push(gen());
    c.write(Buffer.concat(cmds.map((x) => encodeArgs(x))));
    for (let j = 0; j < cmds.length; j++) await c.read();
    if (rnd(3) === 0) clock.advance(rnd(400));
    if (rnd(5) === 0) ks.activeExpireCycle(1);
    const bad = check(ks.dbs);
    if (bad !== null) {
      t.fail(`batch ${batch}: ${bad}`);
      return;
    }
  }
  await p.waitRewrite();
  c.close();
  await new Promise((r) => setImmediate(r));
  const live = (d: ReturnType<typeof dumpServer>): ReturnType<typeof dumpServer> =>
    Object.fromEntries(Object.entries(d).filter(([, v]) => v.pexpiretime === -1 || v.pexpiretime >= clock.ms));
  const copy = tmp();
  copyAof(dir, copy);
  const r = await startServer({ port: 0, config: { appendonly: 'yes', dir: copy, databases: '3' } });
  const loaded = dumpServer(r.server);
  await r.close();
  t.log(`rewrites ${rewrites}`);
  t.deepEqual(live(loaded), live(dumpServer(s.server)));
});

test.serial('SET EX during a rewrite on a T0 key with a TTL: the base file has its T0 value and T0 deadline', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { aofFiles } = await import('../helpers/aof.js');
  const dir = tmp();
  const clock = new ManualClock(Date.now());
  const s = await startServer({ port: 0, clock, config: { appendonly: 'yes', dir, appendfsync: 'no' } });
  t.teardown(() => s.close().catch(() => {}));
  const db = s.server.keyspace.dbs[0];
  for (let i = 0; i < 100_000; i++) db.set(`filler${i}`, 'x');
  const c = await RawClient.connect(s.port);
  await c.call('SET', 'k', 'old', 'PXAT', String(clock.ms + 5_000_000)); // walked last
  await c.call('SET', 'n', 'old'); // no TTL at T0
  const p = s.server.persistence as AofPersistence;
  await c.call('BGREWRITEAOF');
  while (!p.writer.rewriting) await new Promise((r) => setImmediate(r));
  t.true(p.rewriting);
  t.is(await c.call('SET', 'k', 'new', 'EX', '100'), '+OK\r\n');
  t.is(await c.call('SET', 'n', 'new', 'PX', '100000'), '+OK\r\n');
  t.true(p.rewriting, 'still walking');
  await p.waitRewrite();
  const base = readFileSync(aofFiles(dir).find((f) => f.endsWith('.base.aof'))!, 'latin1');
  t.true(base.includes('$1\r\nk\r\n$3\r\nold\r\n'), 'T0 value of k');
  t.true(base.includes(`$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n${clock.ms + 5_000_000}\r\n`), 'T0 deadline of k');
  t.true(base.includes('$1\r\nn\r\n$3\r\nold\r\n'), 'T0 value of n');
  t.false(/PEXPIREAT\r\n\$1\r\nn\r\n/.test(base), 'n had no deadline at T0');
  t.false(base.includes('new'));
  c.close();
  await new Promise((r) => setImmediate(r));
  const copy = tmp();
  copyAof(dir, copy);
  const r = await startServer({ port: 0, config: { appendonly: 'yes', dir: copy } });
  const loaded = dumpServer(r.server);
  await r.close();
  t.deepEqual(loaded['0:k'], { type: 'string', value: 'new', pexpiretime: clock.ms + 100_000 });
  t.deepEqual(loaded['0:n'], { type: 'string', value: 'new', pexpiretime: clock.ms + 100_000 });
});
