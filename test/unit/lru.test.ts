// The access metadata arithmetic of keyspace/lru.ts (Redis's evict.c), the memory accounting of the
// databases (keyspace/memory.ts), and eviction's time limit, on their own.

import test from 'ava';
import {
  idleMs, lfuDecrAndReturn, lfuLogIncr, lfuMinutes, lruClock, LRU_CLOCK_MAX, MemorySettings, parsePolicy,
} from '../../src/keyspace/lru.js';
import { evictionTimeLimitMs } from '../../src/keyspace/evict.js';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { EXPIRE_ENTRY_BYTES, entryBytes, STARTUP_BYTES } from '../../src/keyspace/memory.js';
import { RawString } from '../../src/keyspace/values.js';

test('LRU clock: seconds modulo 2^24; idle time wraps as estimateObjectIdleTime', (t) => {
  t.is(lruClock(1_700_000_123_999), 1_700_000_123 & LRU_CLOCK_MAX);
  t.is(idleMs(100, 110), 10_000);
  t.is(idleMs(LRU_CLOCK_MAX - 5, 4), (4 + 5) * 1000, 'after the clock wrapped');
});

test('LFULogIncr: certain at or below LFU_INIT_VAL, 1/((c-5)*factor+1) above, saturating at 255', (t) => {
  t.is(lfuLogIncr(0, 10, () => 0.999), 1);
  t.is(lfuLogIncr(5, 10, () => 0.999), 6);
  t.is(lfuLogIncr(6, 10, () => 1 / 11 - 1e-9), 7);
  t.is(lfuLogIncr(6, 10, () => 1 / 11), 6);
  t.is(lfuLogIncr(255, 0, () => 0), 255);
  t.is(lfuLogIncr(100, 0, () => 0.999), 101, 'factor 0: every access counts');
});

test('LFUDecrAndReturn: one per decay period since the stored minutes, wrapping at 2^16, floor 0', (t) => {
  const field = (minutes: number, counter: number): number => (minutes << 8) | counter;
  t.is(lfuDecrAndReturn(field(100, 20), 100, 1), 20);
  t.is(lfuDecrAndReturn(field(100, 20), 103, 1), 17);
  t.is(lfuDecrAndReturn(field(100, 20), 106, 2), 17);
  t.is(lfuDecrAndReturn(field(100, 20), 200, 1), 0);
  t.is(lfuDecrAndReturn(field(65530, 20), 2, 1), 13, '65535 - 65530 + 2 minutes after the wrap (as Redis counts)');
  t.is(lfuDecrAndReturn(field(0, 20), 5000, 0), 20, 'decay time 0: none');
  t.is(lfuMinutes(60_000 * 65536 + 120_000), 2);
});

test('maxmemory-policy names; eviction time limit as evictionTimeLimitUs', (t) => {
  t.deepEqual(parsePolicy('volatile-ttl'), { kind: 'ttl', allKeys: false });
  t.deepEqual(parsePolicy('allkeys-lfu'), { kind: 'lfu', allKeys: true });
  t.deepEqual(parsePolicy('noeviction'), { kind: 'none', allKeys: false });
  const s = new MemorySettings();
  s.setPolicy('volatile-lfu');
  t.true(s.lfu);
  t.is(evictionTimeLimitMs(10), 0.5);
  t.is(evictionTimeLimitMs(0), 0);
  t.true(Math.abs(evictionTimeLimitMs(20) - 0.5 * 1.15 ** 10) < 1e-12);
  t.is(evictionTimeLimitMs(100), Infinity);
});

test('the accounting follows every change and comes back to the startup figure', (t) => {
  const ks = new Keyspace(2, new ManualClock());
  const [a, b] = ks.dbs;
  t.is(ks.usedMemory, STARTUP_BYTES);
  a.set('k', 'v');
  t.is(ks.usage.dataset, entryBytes('k', 'v'));
  a.set('k', 'longer value');
  t.is(ks.usage.dataset, entryBytes('k', 'longer value'));
  a.update('k', new RawString('raw'));
  t.is(ks.usage.dataset, entryBytes('k', new RawString('raw')));
  a.setExpire('k', 2e12);
  a.setExpire('k', 3e12);
  t.is(ks.usage.dataset, entryBytes('k', new RawString('raw')) + EXPIRE_ENTRY_BYTES);
  a.set('k', 'plain');
  t.is(ks.usage.dataset, entryBytes('k', 'plain'), 'an overwrite drops the TTL');
  b.set('x', 'y');
  b.setExpire('x', 2e12);
  ks.swap(0, 1);
  t.is(ks.dbs[0].bytes, entryBytes('x', 'y') + EXPIRE_ENTRY_BYTES);
  ks.dbs[0].clear();
  t.is(ks.usage.dataset, entryBytes('k', 'plain'));
  t.true(ks.dbs[1].delete('k'));
  t.is(ks.usedMemory, STARTUP_BYTES);
  t.is(ks.dbs[1].accessField('k'), undefined, 'access metadata goes with the key');
});

test('eviction: lru order through the pool, fail when nothing is left', (t) => {
  const clock = new ManualClock();
  const evicted: string[] = [];
  const ks = new Keyspace(1, clock, { expired: () => {}, evicted: (_db, key) => evicted.push(key) });
  const db = ks.dbs[0];
  ks.settings.setPolicy('allkeys-lru');
  ks.settings.samples = 200;
  for (let i = 0; i < 5; i++) {
    db.set(`k${i}`, 'v');
    clock.advance(10_000);
    ks.beginCommand();
  }
  ks.settings.maxmemory = ks.usedMemory - 2 * entryBytes('k0', 'v');
  t.is(ks.performEvictions(), 'ok');
  t.deepEqual(evicted.sort(), ['k0', 'k1'], 'the two idlest (200 samples of 5 keys see them all)');
  ks.settings.maxmemory = 1;
  t.is(ks.performEvictions(), 'fail');
  t.is(db.size, 0);
  ks.settings.setPolicy('noeviction');
  t.is(ks.performEvictions(), 'fail');
});

test('eviction: after a switch from volatile-lru to volatile-ttl the nearest deadline goes first, whatever the pool kept', (t) => {
  // Redis scores volatile-ttl candidates ULLONG_MAX - deadline, above any idle time, and its pool
  // may hold a key twice (the better entry is taken first). Scored -deadline (below every idle
  // time) and kept with its first score when sampled again, the candidates the LRU runs left in
  // the pool went first: b (an hour to live) here, before c and d.
  const clock = new ManualClock();
  const evicted: string[] = [];
  const ks = new Keyspace(1, clock, { expired: () => {}, evicted: (_db, key) => evicted.push(key) });
  const db = ks.dbs[0];
  const s = ks.settings;
  s.setPolicy('volatile-lru');
  s.samples = 200; // every key sampled: 200 draws of 3 or 4 keys
  for (const k of ['a', 'b', 'c']) {
    db.set(k, 'v');
    db.setExpire(k, clock.ms + 3_600_000);
  }
  clock.advance(10_000);
  ks.beginCommand();
  db.get('c');
  s.maxmemory = ks.usedMemory - 1;
  t.is(ks.performEvictions(), 'ok');
  t.true(evicted[0] === 'a' || evicted[0] === 'b', 'one of the two idlest');
  s.setPolicy('volatile-ttl');
  db.set('d', 'v');
  db.setExpire('d', clock.ms + 1000);
  db.setExpire('c', clock.ms + 500);
  s.maxmemory = ks.usedMemory - 1;
  t.is(ks.performEvictions(), 'ok');
  s.maxmemory = ks.usedMemory - 1;
  t.is(ks.performEvictions(), 'ok');
  t.deepEqual(evicted.slice(1), ['c', 'd'], 'nearest deadline first');
});
