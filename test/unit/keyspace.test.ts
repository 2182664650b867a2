// Database and Keyspace: lazy expiry at the exact deadline, expiry events, TTL handling on writes,
// random keys, swap/clear, the active expiry cycle (reclaims untouched keys, bounded pauses), and
// value cloning/encodings.

import test from 'ava';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { MAX_DEADLINE, type Database, type KeyIndex } from '../../src/keyspace/database.js';
import { ManualClock } from '../../src/keyspace/clock.js';
import { cloneValue, encodingOf, RawString, type TypedValue } from '../../src/keyspace/values.js';
import { entryBytes, EXPIRE_ENTRY_BYTES } from '../../src/keyspace/memory.js';
import { Runner } from '../helpers/keyspace-model.js';

/** `n` keys `<prefix><i>` in `db`, each with the deadline `deadline(i)`. */
function withTtl(db: Database, prefix: string, n: number, deadline: (i: number) => number): void {
  for (let i = 0; i < n; i++) {
    db.set(`${prefix}${i}`, 'v');
    db.setExpire(`${prefix}${i}`, deadline(i));
  }
}

function setup(dbs = 2): { ks: Keyspace; clock: ManualClock; expired: string[]; db: Database } {
  const clock = new ManualClock();
  const expired: string[] = [];
  const ks = new Keyspace(dbs, clock, { expired: (db, key) => expired.push(`${db.id}:${key}`) });
  return { ks, clock, expired, db: ks.dbs[0] };
}

test('a key lives until its deadline and is gone right after it', (t) => {
  const { ks, clock, expired, db } = setup();
  db.set('k', 'v');
  db.setExpire('k', clock.ms + 100);
  clock.advance(100);
  ks.tick();
  t.is(db.get('k'), 'v'); // now == deadline: still alive, as Redis (expired when now > when)
  clock.advance(1);
  t.is(db.get('k'), 'v', 'the command time is read once per tick');
  ks.tick();
  t.is(db.get('k'), undefined);
  t.deepEqual(expired, ['0:k']);
  t.is(ks.expiredKeys, 1);
  t.is(db.size, 0);
});

test('isExpired reports without removing; expireIfNeeded removes and reports', (t) => {
  const { ks, clock, expired, db } = setup();
  db.set('k', 'v');
  db.setExpire('k', clock.ms);
  clock.advance(5);
  ks.tick();
  t.true(db.isExpired('k'));
  t.is(db.size, 1);
  t.deepEqual(expired, []);
  t.true(db.expireIfNeeded('k'));
  t.false(db.expireIfNeeded('k'));
  t.deepEqual(expired, ['0:k']);
});

test('set clears the TTL unless keepTtl; an expired old value never lends its deadline', (t) => {
  const { ks, clock, expired, db } = setup();
  db.set('k', 'a');
  db.setExpire('k', clock.ms + 1000);
  db.set('k', 'b', true);
  t.is(db.getExpire('k'), clock.ms + 1000);
  db.set('k', 'c');
  t.is(db.getExpire('k'), -1);
  db.setExpire('k', clock.ms + 10);
  clock.advance(11);
  ks.tick();
  db.set('k', 'd', true); // keepTtl on an expired key: the key is new, without a TTL
  t.is(db.get('k'), 'd');
  t.is(db.getExpire('k'), -1);
  t.deepEqual(expired, ['0:k']);
});

test('delete, persist and huge deadlines', (t) => {
  const { db } = setup();
  t.false(db.delete('k'));
  db.set('k', 'v');
  t.false(db.persist('k'));
  db.setExpire('k', 9223372036854775807n);
  t.is(db.getExpire('k'), MAX_DEADLINE);
  db.setExpire('k', 2 ** 60);
  t.is(db.getExpire('k'), MAX_DEADLINE);
  t.true(db.persist('k'));
  t.is(db.getExpire('k'), -1);
  t.true(db.delete('k'));
  t.is(db.size, 0);
});

test('randomKey reclaims expired picks and returns undefined when only expired keys are left', (t) => {
  const { ks, clock, expired, db } = setup();
  for (let i = 0; i < 20; i++) {
    db.set(`k${i}`, 'v');
    db.setExpire(`k${i}`, clock.ms + 10);
  }
  db.set('live', 'v');
  clock.advance(11);
  ks.tick();
  t.is(db.randomKey(), 'live');
  db.delete('live');
  t.is(db.randomKey(), undefined);
  t.is(db.size, 0);
  t.is(expired.length, 20);
});

test('swap exchanges contents and TTLs; flushAll empties every database', (t) => {
  const { ks, clock } = setup(3);
  ks.dbs[0].set('a', '1');
  ks.dbs[0].setExpire('a', clock.ms + 50);
  ks.dbs[2].set('b', '2');
  ks.swap(0, 2);
  t.is(ks.dbs[0].get('b'), '2');
  t.is(ks.dbs[2].get('a'), '1');
  t.is(ks.dbs[2].getExpire('a'), clock.ms + 50);
  t.is(ks.dbs[0].id, 0);
  ks.swap(1, 1);
  t.is(ks.keyCount, 2);
  ks.flushAll();
  t.is(ks.keyCount, 0);
});

test('the active cycle reclaims 10,000 untouched expired keys and leaves live ones', (t) => {
  const { ks, clock, expired } = setup(2);
  for (let i = 0; i < 10000; i++) {
    const db = ks.dbs[i % 2];
    db.set(`k${i}`, 'v');
    db.setExpire(`k${i}`, clock.ms + 100);
  }
  for (let i = 0; i < 100; i++) {
    ks.dbs[0].set(`live${i}`, 'v');
    if (i % 2) ks.dbs[0].setExpire(`live${i}`, clock.ms + 1e9);
  }
  clock.advance(101);
  let cycles = 0;
  while (ks.keyCount > 100 && cycles < 1000) {
    ks.activeExpireCycle(1);
    cycles++;
  }
  t.is(ks.keyCount, 100);
  t.is(ks.dbs[0].expires.size, 50);
  t.is(expired.length, 10000);
  t.true(cycles < 1000);
});

test('active-expire-effort: a cycle goes on until fewer keys are stale, as Redis\'s (effort 10: 65 keys a round, 1%)', (t) => {
  // 10,000 keys with a TTL, 500 of them (5%, spread through) expired: at effort 1 (stale under
  // 10%) a cycle stops after about one round; at effort 10 (under 1%) it goes on until few are left.
  const removedAt = (effort: number): number => {
    const { ks, clock } = setup(1);
    withTtl(ks.dbs[0], 'k', 10000, (i) => clock.ms + (i % 20 === 0 ? 10 : 1e9));
    clock.advance(11);
    return ks.activeExpireCycle(1000, effort - 1);
  };
  const low = removedAt(1);
  const high = removedAt(10);
  // 300 runs of each: effort 1 removed 1-6, effort 10 136-488 (its walk of 65 keys in order of
  // deadline always meets 3 expired ones at first, so it stops only once the draws thinned them).
  t.true(low < 40, `effort 1 removed ${low}`);
  t.true(high > 100, `effort 10 removed ${high}`);
});

// From a review: 600,000 keys of 500 ms set before 100,000 of hours left 7,990 expired keys after
// 30 s (684 after 120 s): the draws thinned them below the stale threshold, spread among the live
// ones, where a round a cycle took minutes to find them. redis-server: none left after 2.3-2.9 s.
test('expired keys left spread among live ones once under the stale threshold are swept within a few dozen cycles', (t) => {
  const { ks, clock } = setup(1);
  const db = ks.dbs[0];
  withTtl(db, 'short', 60_000, () => clock.ms + 10);
  withTtl(db, 'long', 10_000, () => clock.ms + 1e9);
  clock.advance(11);
  let cycles = 0;
  while (db.expires.size > 10_000 && cycles < 500) {
    ks.activeExpireCycle(1000);
    cycles++;
  }
  t.is(db.expires.size, 10_000, `${db.expires.size - 10_000} expired keys left after ${cycles} cycles`);
  t.true(cycles <= 40, `${cycles} cycles`);
});

test('a cycle out of time resumes at the next database, as Redis\'s current_db (moved on before a database is worked on)', (t) => {
  const { ks, clock } = setup(3);
  for (const db of ks.dbs) withTtl(db, 'k', 1000, () => clock.ms + 10);
  clock.advance(11);
  const sizes = (): number[] => ks.dbs.map((db) => db.size);
  ks.activeExpireCycle(0); // out of time after one round of database 0
  const first = sizes();
  t.true(first[0] < 1000 && first[1] === 1000 && first[2] === 1000, JSON.stringify(first));
  ks.activeExpireCycle(0);
  const second = sizes();
  t.is(second[0], first[0], 'not database 0 again');
  t.true(second[1] < 1000 && second[2] === 1000, JSON.stringify(second));
  t.is(ks.expiredTimeCapReachedCount, 2);
});

test('an active cycle stops at its time budget and the next one resumes', (t) => {
  const { ks, clock } = setup(1);
  const db = ks.dbs[0];
  for (let i = 0; i < 300000; i++) {
    db.set(`k${i}`, 'v');
    db.setExpire(`k${i}`, clock.ms);
  }
  clock.advance(1);
  let total = 0;
  const took: number[] = [];
  for (let i = 0; i < 21; i++) {
    // CPU time, not wall time: on a loaded machine the process waits for a CPU in the middle of
    // most cycles (median 15 ms of wall time seen), and a cycle that overran its budget spends it.
    const start = process.cpuUsage();
    const removed = ks.activeExpireCycle(2);
    const cpu = process.cpuUsage(start);
    took.push((cpu.user + cpu.system) / 1000);
    t.true(removed > 0 && removed < 300000, `removed ${removed}`);
    total += removed;
  }
  // A garbage collection can stretch any one cycle; the typical one keeps to its budget.
  took.sort((a, b) => a - b);
  t.true(took[10] < 10, `median cycle took ${took[10]} ms of CPU`);
  while (db.size > 0) total += ks.activeExpireCycle(5);
  t.is(total, 300000);
});

// From a review: the walk alone crossed a block of long-lived keys at one round a cycle while keys
// that expired meanwhile, set after them, waited behind (5,000 long-lived keys ahead of 20,000
// expired ones: all still there 20 s later through the wire). Redis walks its table in hash order,
// a random mix; here each round also draws keys at random, and goes on while they are stale.
test('keys expired behind a block of long-lived keys are reclaimed at once, not when the walk gets there', (t) => {
  const { ks, clock } = setup(1);
  const db = ks.dbs[0];
  for (let i = 0; i < 5000; i++) {
    db.set(`long${i}`, 'v');
    db.setExpire(`long${i}`, clock.ms + 1e9);
  }
  ks.activeExpireCycle(1000); // the walk is now among the long-lived keys: nothing to reclaim there
  for (let i = 0; i < 20000; i++) {
    db.set(`short${i}`, 'v');
    db.setExpire(`short${i}`, clock.ms + 100);
  }
  clock.advance(101);
  const removed = ks.activeExpireCycle(1000);
  // The cycle goes on while a round's random draws find over 10% expired: at most about 10% of the
  // set (some 550 keys) is left, against 0 reclaimed by the walk alone.
  t.true(removed >= 19000, `${removed} reclaimed in one cycle`);
  t.true(ks.expiredStalePerc > 0, 'INFO expired_stale_perc has an estimate');
});

test('the active cycle stops early when few sampled keys are expired', (t) => {
  const { ks, clock, db } = setup(1);
  withTtl(db, 'k', 10000, (i) => clock.ms + (i % 100 === 0 ? 1 : 1e9));
  clock.advance(2);
  const removed = ks.activeExpireCycle(1000);
  // 1% of the keys are expired: the first rounds find under 10% stale and the cycle moves on.
  t.true(removed < 100);
  t.is(db.size, 10000 - removed);
});

test('the active cycle estimates the average TTL as Redis (INFO avg_ttl)', (t) => {
  const { ks, clock } = setup(2);
  const db = ks.dbs[0];
  t.is(db.avgTtl, 0);
  for (let i = 0; i < 100; i++) {
    db.set(`k${i}`, 'v');
    db.setExpire(`k${i}`, clock.ms + 1_000_000);
  }
  ks.activeExpireCycle(10);
  // First estimate: the sample average, then weighted 49/50 with itself.
  t.is(db.avgTtl, Math.floor(1_000_000 / 50) * 49 + Math.floor(1_000_000 / 50));
  ks.swap(0, 1);
  t.is(ks.dbs[1].avgTtl, 1_000_000);
  t.is(ks.dbs[0].avgTtl, 0);
  ks.dbs[1].clear();
  t.is(ks.dbs[1].avgTtl, 0);
});

test('cloneValue copies strings keeping their encoding; typed values clone themselves', (t) => {
  t.is(cloneValue('abc'), 'abc');
  const raw = new RawString('xyz');
  const c = cloneValue(raw) as RawString;
  t.not(c, raw);
  t.is(c.s, 'xyz');
  t.is(encodingOf(c), 'raw');
  const list: TypedValue & { items: string[] } = {
    type: 'list',
    items: ['a'],
    clone() {
      return { ...this, items: [...this.items] };
    },
    encoding: () => 'listpack',
  };
  const copy = cloneValue(list) as typeof list;
  copy.items.push('b');
  t.deepEqual(list.items, ['a']);
  t.is(encodingOf(list), 'listpack');
  t.is(cloneValue({ type: 'stream' }), undefined);
  t.is(encodingOf({ type: 'stream' }), 'unknown');
});

test('string encodings: int, embstr, raw', (t) => {
  t.is(encodingOf('123'), 'int');
  t.is(encodingOf('-9223372036854775808'), 'int');
  t.is(encodingOf('9223372036854775808'), 'embstr');
  t.is(encodingOf('0123'), 'embstr');
  t.is(encodingOf('x'.repeat(44)), 'embstr');
  t.is(encodingOf('x'.repeat(45)), 'raw');
  t.is(encodingOf(new RawString('1')), 'raw');
});

test('the set of keys with a deadline, the deadlines beside the rows and the memory charged agree through every kind of change', (t) => {
  const { ks, clock, db } = setup();
  const other = ks.dbs[1];
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const check = (step: number): void => {
    for (const d of [db, other]) {
      const where = `step ${step}, db ${d.id}`;
      const listed = new Map<string, number>();
      for (const [key, when] of d.expires.entries()) {
        if (listed.has(key)) t.fail(`${where}: ${key} twice in the set`);
        listed.set(key, when);
      }
      let withTtl = 0;
      let bytes = 0;
      for (const [key, value] of d.dict.entries()) {
        const beside = d.getExpire(key);
        if ((listed.get(key) ?? -1) !== beside) t.fail(`${where}, ${key}: in the set ${listed.get(key)}, beside the row ${beside}`);
        if (beside >= 0) withTtl++;
        bytes += entryBytes(key, value);
      }
      if (withTtl !== listed.size || listed.size !== d.expires.size) t.fail(`${where}: ${withTtl} keys with a deadline, the set lists ${listed.size}, counts ${d.expires.size}`);
      if (d.bytes !== bytes + withTtl * EXPIRE_ENTRY_BYTES) t.fail(`${where}: ${d.bytes} bytes charged, ${bytes + withTtl * EXPIRE_ENTRY_BYTES} held`);
      const drawn = d.expires.randomKey();
      if ((drawn === undefined) !== (withTtl === 0) || (drawn !== undefined && d.getExpire(drawn) < 0)) t.fail(`${where}: drew ${drawn}`);
    }
  };
  for (let step = 0; step < 20_000; step++) {
    const key = `k${rnd(300)}`;
    const op = rnd(100);
    if (op < 25) db.set(key, 'v');
    else if (op < 35) db.set(key, 'v', true); // KEEPTTL
    else if (op < 55) {
      if (db.peek(key) !== undefined) db.setExpire(key, clock.ms + rnd(50));
    } else if (op < 62) db.persist(key);
    else if (op < 72) db.delete(key);
    else if (op < 80) db.get(key); // may reclaim an expired key
    else if (op < 84) clock.advance(rnd(10));
    else if (op < 88) ks.tick();
    else if (op < 92) ks.activeExpireCycle(1);
    else if (op < 95) db.swapWith(other);
    else if (op < 96) (rnd(2) === 0 ? db : other).clear();
    else db.randomKey();
    if (step % 500 === 0) check(step);
  }
  check(20_000);
  t.pass();
});

test('a lookup of a key without a TTL reads no clock, even when other keys have one', (t) => {
  let reads = 0;
  const clock = { now: (): number => (reads++, 1_700_000_000_000) };
  const ks = new Keyspace(1, clock);
  const db = ks.dbs[0];
  db.set('plain', 'v');
  db.set('ttl', 'v');
  db.setExpire('ttl', 1_800_000_000_000);
  ks.beginCommand();
  reads = 0;
  t.is(db.get('plain'), 'v');
  t.false(db.isExpired('plain'));
  t.is(reads, 0);
  t.is(db.get('ttl'), 'v');
  t.is(reads, 1, 'a key with a TTL reads the command clock (once per command)');
});

test('setExpire of a missing key sets nothing (a deadline is never stored without its key)', (t) => {
  const { db, clock } = setup();
  db.setExpire('x', clock.ms + 60_000);
  t.is(db.expires.size, 0);
  db.set('x', 'v', true);
  t.is(db.getExpire('x'), -1);
  t.is(db.expires.get('x'), undefined);
});

test('keys with deadlines across several chunks of rows: the set follows deletes, persists and reuse of slots', (t) => {
  const { ks, db, clock } = setup(1);
  const n = 140_000; // rows come in chunks of 65,536: three chunks
  for (let i = 0; i < n; i++) db.set(`k${i}`, 'v');
  for (let i = 0; i < n; i += 3) db.setExpire(`k${i}`, clock.ms + 1000 + i);
  for (let i = 0; i < n; i += 6) db.delete(`k${i}`);
  for (let i = 3; i < n; i += 12) db.persist(`k${i}`);
  for (let i = 0; i < 1000; i++) {
    db.set(`new${i}`, 'v'); // takes a freed slot
    db.setExpire(`new${i}`, clock.ms + 5);
  }
  const expected = new Map<string, number>();
  for (let i = 3; i < n; i += 6) if (i % 12 !== 3) expected.set(`k${i}`, clock.ms + 1000 + i);
  for (let i = 0; i < 1000; i++) expected.set(`new${i}`, clock.ms + 5);
  const listed = new Map(db.expires.entries());
  t.is(listed.size, expected.size);
  t.is(db.expires.size, expected.size);
  t.is([...expected].filter(([k, when]) => listed.get(k) !== when).length, 0, 'every deadline listed, right');
  clock.advance(10);
  ks.tick();
  // Draws from the set reach every key in it: all 1000 expired ones are found and reclaimed.
  for (let draws = 0; db.expires.size > expected.size - 1000 && draws < 10_000_000; draws++) {
    const k = db.expires.randomKey();
    if (k !== undefined) db.expireIfNeeded(k);
  }
  t.is(db.size, n - Math.ceil(n / 6), 'every new key expired, no other');
  t.is(db.expires.size, expected.size - 1000);
});

/**
 * Active expiry cycles (a large time budget: only the stale-ratio stop ends a cycle) until every
 * expired key is reclaimed, expired keys being the `expired(i)` ones of 110,000 keys with a TTL.
 */
function cyclesToReclaim(expired: (i: number) => boolean): number {
  const clock = new ManualClock();
  const ks = new Keyspace(1, clock, { expired: () => {} });
  const db = ks.dbs[0];
  let live = 0;
  for (let i = 0; i < 110_000; i++) {
    db.set(`k${i}`, 'v');
    if (!expired(i)) live++;
    db.setExpire(`k${i}`, clock.ms + (expired(i) ? 10 : 100_000_000));
  }
  clock.advance(100);
  let cycles = 0;
  while (db.expires.size > live && cycles < 200_000) {
    ks.activeExpireCycle(10_000);
    cycles++;
  }
  return cycles;
}

// From a review: walking the set of keys with a TTL upwards, each reclaimed key moved an unvisited
// one behind the cursor, and reclaiming took 45,001 and 14,744 cycles here.
test('active expiry reclaims expired keys in one walk over the set, wherever they sit in it', (t) => {
  const walk = Math.ceil(110_000 / 20); // 20 keys a round, one round a cycle over live keys
  const tail = cyclesToReclaim((i) => i >= 100_000);
  t.true(tail <= walk, `expired keys last in the set: ${tail} cycles`);
  const spread = cyclesToReclaim((i) => i % 11 === 0);
  t.true(spread <= walk, `every 11th key expired: ${spread} cycles`);
});

test('the walk of the set visits every key present throughout, whatever is removed between calls; at most one extra visit per removal', (t) => {
  const { db, clock } = setup(1);
  for (let i = 0; i < 5000; i++) {
    db.set(`k${i}`, 'v');
    db.setExpire(`k${i}`, clock.ms + 1000);
  }
  const rng = ((seed) => () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32)(3);
  const removed = new Set<string>();
  const seen = new Map<string, number>();
  let cursor = 0;
  do {
    cursor = db.expires.scan(cursor, 7, (key) => seen.set(key, (seen.get(key) ?? 0) + 1));
    for (let j = 0; j < 3; j++) {
      const k = `k${Math.floor(rng() * 5000)}`;
      removed.add(k);
      if (rng() < 0.5) db.persist(k);
      else db.delete(k);
    }
    db.set(`new${cursor}`, 'v');
    db.setExpire(`new${cursor}`, clock.ms + 1000);
  } while (cursor !== 0);
  for (let i = 0; i < 5000; i++) if (!removed.has(`k${i}`) && !seen.has(`k${i}`)) t.fail(`k${i} missed`);
  let extra = 0;
  for (const n of seen.values()) extra += n - 1;
  t.true(extra <= removed.size, `${extra} extra visits for ${removed.size} keys removed`);
});

// From a review: the cursors stayed with the database numbers on SWAPDB while the data moved, so a
// large set swapped with a small one every cycle restarted its walk from its end each time.
test('SWAPDB every cycle: active expiry still walks all of the large set (the cursors move with the data)', (t) => {
  const clock = new ManualClock();
  const ks = new Keyspace(2, clock, { expired: () => {} });
  const [a, b] = ks.dbs;
  for (let i = 0; i < 20_000; i++) {
    a.set(`k${i}`, 'v');
    a.setExpire(`k${i}`, clock.ms + (i < 2000 ? 10 : 100_000_000)); // the oldest 2,000 expire
  }
  for (let i = 0; i < 10; i++) {
    b.set(`s${i}`, 'v');
    b.setExpire(`s${i}`, clock.ms + 100_000_000);
  }
  clock.advance(100);
  const big = (): Database => (ks.dbs[0].size > 100 ? ks.dbs[0] : ks.dbs[1]);
  let cycles = 0;
  for (; cycles < 20_000 && big().size > 18_000; cycles++) {
    ks.activeExpireCycle(1000);
    ks.swap(0, 1);
    clock.advance(100);
  }
  t.is(big().size, 18_000, `expired keys left after ${cycles} cycles`);
});

test('a key its index cannot take is not stored (nor charged) either', (t) => {
  const { db } = setup(1);
  const full: KeyIndex = {
    bytesPerKey: 10,
    added: () => {
      throw new RangeError('Map maximum size exceeded');
    },
    removed: () => {},
    cleared: () => {},
  };
  db.keyIndex = full;
  t.throws(() => db.set('k', 'v'), { instanceOf: RangeError });
  t.is(db.size, 0);
  t.is(db.bytes, 0);
  t.is(db.get('k'), undefined);
});

test('the active expiry cycle gives back a large table that deletes or expiry left empty', (t) => {
  const { ks, db, clock } = setup(1);
  for (let i = 0; i < 70_000; i++) {
    db.set(`k${i}`, 'v');
    db.setExpire(`k${i}`, clock.ms + 10);
  }
  clock.advance(100);
  let cycles = 0;
  while (db.size > 0 && cycles++ < 10_000) ks.activeExpireCycle(100);
  t.is(db.size, 0);
  ks.activeExpireCycle(1);
  t.is(db.dict.stats().slots, 0);
  t.is(db.expires.size, 0);
  db.set('new', 'v');
  t.is(db.get('new'), 'v');
});

test('a key replaced in one command while a snapshot is open keeps its slot: a SCAN in progress still returns it', (t) => {
  // RENAME and COPY ... REPLACE onto a key delete it and add it again (Redis's dbDelete + dbAdd,
  // which put it back in its bucket). While an AOF rewrite's snapshot kept freed slots from being
  // reused, the key took a new slot past the end of the scan begun before, which never returned
  // it (on the wire too: SCAN, BGREWRITEAOF, RENAME x k100000 over 2^19 keys).
  const { ks, db } = setup(1);
  const run = new Runner(ks);
  for (let i = 0; i < 62; i++) db.set(`k${i}`, 'v');
  db.set('x', 'new');
  db.set('y', 'new'); // 64 keys: an iteration begun now ends at slot 64
  const slots = ['k40', 'k50'].map((k) => db.dict.slotOf(k));
  let [cursor] = run.run(0, ['SCAN', '0', 'COUNT', '1']) as [string, string[]];
  const view = db.dict.beginSnapshot(() => {});
  t.is(run.run(0, ['RENAME', 'x', 'k40']), '+OK');
  t.is(run.run(0, ['COPY', 'y', 'k50', 'REPLACE']), 1);
  t.deepEqual(['k40', 'k50'].map((k) => db.dict.slotOf(k)), slots);
  const seen = new Set<string>();
  while (cursor !== '0') {
    const [next, keys] = run.run(0, ['SCAN', cursor, 'COUNT', '7']) as [string, string[]];
    for (const k of keys) seen.add(k);
    cursor = next;
  }
  view.end();
  t.true(seen.has('k40') && seen.has('k50'));
  db.set('z', 'v');
  t.true(db.dict.slotOf('z') < 64, 'after the snapshot, freed slots are reused again');
});
