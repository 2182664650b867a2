// What SlotDict (the keyspace's key -> value dict whose entries carry the access field, on its own
// hash table: slot-table.ts) has beyond a dict's contract (keyspace-dict.test.ts): fields, slot
// reuse, snapshots across slot reuse, slot cursors, the index's incremental rehashes, hash
// collisions and flooding.

import test from 'ava';
import { SlotDict } from '../../src/keyspace/slot-dict.js';
import { hashKey, release } from '../../src/keyspace/slot-index.js';
import { mulberry32, pick } from '../helpers/rng.js';
import { collidingKeys } from '../helpers/keyspace-model.js';

test('SlotDict: fields live with their key, a new key gets its own, slots are reused', (t) => {
  const d = new SlotDict<string>();
  t.true(d.set('a', 'x', 7));
  t.false(d.set('a', 'y', 99), 'an existing key keeps its field');
  t.is(d.field('a'), 7);
  t.is(d.get('a'), 'y');
  const slot = d.slotOf('a');
  d.setFieldAt(slot, 8);
  t.is(d.fieldAt(slot), 8);
  t.true(d.delete('a'));
  t.is(d.field('a'), undefined);
  t.is(d.slotOf('a'), -1);
  d.set('b', 'z', 1);
  t.is(d.slotOf('b'), slot, 'the freed slot is reused');
  t.is(d.field('b'), 1);
  for (let i = 0; i < 70_000; i++) d.set(`k${i}`, `v${i}`, i);
  t.is(d.get('k69999'), 'v69999');
  t.is(d.field('k65536'), 65536, 'past the first chunk');
});

test('SlotDict: a snapshot reads T0 values through slots freed after T0', (t) => {
  const d = new SlotDict<string>();
  for (let i = 0; i < 500; i++) d.set(`k${i}`, `t0-${i}`);
  const t0 = new Map(d.entries());
  const saved = new Map<string, string | undefined>();
  const view = d.beginSnapshot((k) => {
    if (!saved.has(k)) saved.set(k, view.get(k));
  });
  const walked = new Map<string, string>();
  let n = 0;
  for (const [k, v] of view.entries()) {
    if (!saved.has(k)) walked.set(k, v);
    // Delete a key, add a new one, overwrite another.
    d.delete(`k${(n * 7) % 500}`);
    d.set(`new${n}`, `late-${n}`);
    d.set(`k${(n * 11) % 500}`, `late-${n}`);
    n++;
  }
  view.end();
  const data = new Map(walked);
  for (const [k, v] of saved) {
    if (v === undefined) data.delete(k);
    else data.set(k, v);
  }
  const sorted = (m: Map<string, string>): [string, string][] => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  t.deepEqual(sorted(data), sorted(t0));
});

test('SlotDict: while a snapshot is open, freed slots are reused and claimed in every open snapshot', (t) => {
  const d = new SlotDict<string>();
  for (let i = 0; i < 100; i++) d.set(`k${i}`, `v${i}`);
  for (let i = 0; i < 50; i++) d.delete(`k${i}`);
  const claimed: number[] = [];
  const view = d.beginSnapshot(() => {}, (slot) => claimed.push(slot));
  t.is(view.limit, 100);
  t.is(view.slot('k60'), d.slotOf('k60'));
  t.is(view.slot('k10'), undefined);
  d.delete('k70');
  for (let i = 0; i < 60; i++) d.set(`new${i}`, 'n');
  const slots = Array.from({ length: 60 }, (_, i) => d.slotOf(`new${i}`));
  // The 51 freed slots (50 before T0, k70's during it), the last freed first, then 9 new ones.
  t.deepEqual(claimed, slots.slice(0, 51));
  t.is(slots[0], 70, "k70's slot, freed last, first");
  t.true(slots.slice(0, 51).every((s) => s < view.limit));
  t.deepEqual(slots.slice(51), [100, 101, 102, 103, 104, 105, 106, 107, 108]);
  const other: number[] = [];
  const second = d.beginSnapshot(() => {}, (slot) => other.push(slot));
  d.delete('new0');
  d.set('in-both', 'x');
  t.deepEqual([claimed.at(-1), other], [70, [70]], 'claimed in both open snapshots');
  view.end();
  view.end(); // idempotent
  d.delete('in-both');
  d.set('in-second', 'x');
  t.is(claimed.length, 52, 'an ended snapshot is told no more');
  t.deepEqual(other, [70, 70]);
  second.end();
  d.delete('in-second');
  d.set('after', 'x');
  t.is(d.slotOf('after'), 70);
  t.deepEqual(other, [70, 70]);
});

/** Every key of a full scan of `d` from cursor 0, with `between` run before each call after the first. */
function scanAll(d: SlotDict<number>, count: number, between: () => void = () => {}): string[] {
  const seen: string[] = [];
  let cursor = 0;
  let calls = 0;
  do {
    if (calls++ > 0) between();
    cursor = d.scan(cursor, count, (k) => seen.push(k));
  } while (cursor !== 0 && calls < 1e6);
  return seen;
}

function filled(n: number, prefix = 'k'): SlotDict<number> {
  const d = new SlotDict<number>();
  for (let i = 0; i < n; i++) d.set(`${prefix}${i}`, i);
  return d;
}

test('SlotDict: a cursor is a slot: reused it resumes at the same place, past the end it ends, across swap and clear it goes on', (t) => {
  const d = filled(100);
  const first: string[] = [];
  const c = d.scan(0, 10, (k) => first.push(k));
  t.true(c > 0);
  const a: string[] = [];
  const b: string[] = [];
  t.is(d.scan(c, 10, (k) => a.push(k)), d.scan(c, 10, (k) => b.push(k)));
  t.deepEqual(a, b, 'the same cursor gives the same page');
  t.is(a.filter((k) => first.includes(k)).length, 0);
  const none: string[] = [];
  t.is(d.scan(1e9, 10, (k) => none.push(k)), 0);
  t.is(d.scan(Number.MAX_SAFE_INTEGER, 10, (k) => none.push(k)), 0);
  t.deepEqual(none, []);
  // After SWAPDB the cursor goes on in the other data, from the same slot.
  const other = filled(100, 'o');
  d.swapWith(other);
  const rest: string[] = [];
  let cursor = c;
  do cursor = d.scan(cursor, 10, (k) => rest.push(k));
  while (cursor !== 0);
  t.is(rest.length, 90);
  t.true(rest.every((k) => k.startsWith('o')));
  d.clear();
  d.set('x', 1);
  t.is(d.scan(c, 10, () => t.fail('a cursor past the new data visits nothing')), 0);
});

test('SlotDict: a scan returns every key present throughout exactly once, under churn', (t) => {
  for (let seed = 1; seed <= 10; seed++) {
    const rng = mulberry32(seed);
    const d = filled(3000);
    const touched = new Set<string>();
    let n = 0;
    const seen = scanAll(d, 5 + pick(rng, 40), () => {
      for (let i = 0; i < 10; i++) {
        const r = rng();
        const k = `k${pick(rng, 3000)}`;
        if (r < 0.4) d.set(`new${n++}`, 0);
        else if (r < 0.7) {
          touched.add(k);
          d.delete(k);
        } else {
          touched.add(k);
          d.delete(k);
          d.set(k, 1); // re-added: it may take a freed slot anywhere
        }
      }
    });
    const counts = new Map<string, number>();
    for (const k of seen) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (let i = 0; i < 3000; i++) {
      const k = `k${i}`;
      if (!touched.has(k)) t.is(counts.get(k), 1, `seed ${seed}: ${k}`);
    }
  }
});

test('SlotDict: a scan call looks at no more than 10 x COUNT empty slots, passing empty pages free, and the walk still ends', (t) => {
  const d = filled(10_000);
  for (let i = 0; i < 10_000; i++) if (i % 1000 !== 999) d.delete(`k${i}`);
  const got: string[] = [];
  const c = d.scan(0, 1, (k) => got.push(k));
  t.deepEqual(got, []);
  // Slots 0-767 are three empty pages of 256; k999 is in the fourth, whose first ten slots are empty.
  t.is(c, 768 + 10, 'empty pages passed, then ten empty slots looked at');
  t.is(scanAll(d, 3).length, 10);
});

test('SlotDict: after mass deletes a full scan takes a few calls per remaining key, not one per 10 x COUNT slots', (t) => {
  const d = filled(200_000);
  const keep = new Set(Array.from({ length: 10 }, (_, i) => `k${i * 19_997}`));
  for (let i = 0; i < 200_000; i++) if (!keep.has(`k${i}`)) d.delete(`k${i}`);
  let calls = 0;
  const seen = scanAll(d, 10, () => calls++);
  t.deepEqual(new Set(seen), keep);
  t.true(calls <= 40, `${calls} calls`);
  // The snapshot walk (the AOF rewrite's) passes the same empty pages.
  const view = d.beginSnapshot(() => {});
  let looked = 0;
  for (let slot = view.next(-1); slot < view.limit; slot = view.next(slot)) looked++;
  view.end();
  t.true(looked <= 10 * 256, `${looked} slots looked at`);
});

test('SlotDict: the index grows and shrinks by incremental rehashes, every lookup right at every step', (t) => {
  const d = new SlotDict<number>();
  const ref = new Map<string, number>();
  const rng = mulberry32(3);
  let rehashes = 0;
  let wasGrowing = false;
  const check = (op: number): void => {
    const s = d.stats();
    if (s.growing && !wasGrowing) rehashes++;
    wasGrowing = s.growing;
    if (op % 97 !== 0) return;
    for (let j = 0; j < 20; j++) {
      const k = `k${pick(rng, 60_000)}`;
      if (d.get(k) !== ref.get(k)) t.fail(`get ${k} at op ${op}`);
    }
  };
  // Grow to 50,000 keys, with deletes along the way, then delete down to 100.
  for (let op = 0; op < 60_000; op++) {
    const k = `k${op}`;
    d.set(k, op);
    ref.set(k, op);
    if (rng() < 0.2) {
      const gone = `k${pick(rng, op + 1)}`;
      t.is(d.delete(gone), ref.delete(gone));
    }
    check(op);
  }
  t.is(d.size, ref.size);
  const peak = d.stats().capacity;
  t.true(peak >= ref.size * 4 / 3 && peak <= ref.size * 4, `capacity ${peak} for ${ref.size} keys`);
  const keys = [...ref.keys()];
  for (const [i, k] of keys.entries()) {
    if (i >= keys.length - 100) break;
    d.delete(k);
    ref.delete(k);
    check(i);
  }
  t.is(d.size, 100);
  for (const [k, v] of ref) t.is(d.get(k), v);
  t.true(d.stats().capacity <= 16 * d.size, `shrunk to ${d.stats().capacity} (at most 16 positions a key)`);
  t.true(rehashes > 15, `${rehashes} rehashes`);
  t.deepEqual([...d.entries()].sort(), [...ref].sort());
});

test('SlotDict: constant-size churn (deletes leave tombstones) keeps the index small', (t) => {
  const d = filled(1000);
  const cap = d.stats().capacity;
  for (let i = 0; i < 200_000; i++) {
    t.true(d.delete(`k${i}`) || i >= 1000 || t.fail(`k${i}`));
    d.set(`k${i + 1000}`, i);
  }
  t.is(d.size, 1000);
  t.true(d.stats().capacity <= cap * 2, `capacity ${d.stats().capacity}, was ${cap}`);
  for (let i = 200_000; i < 201_000; i++) t.is(d.get(`k${i}`), i - 1000);
});

test('SlotDict: a rehash moves on without writes (rehashSteps, the cron) and lookups work meanwhile', (t) => {
  const d = new SlotDict<number>();
  let i = 0;
  while (!d.stats().growing) d.set(`k${i}`, i++);
  t.true(d.stats().growing);
  for (let j = 0; j < i; j++) t.is(d.get(`k${j}`), j);
  t.is(d.get('missing'), undefined);
  d.rehashSteps(1e6);
  t.false(d.stats().growing);
  for (let j = 0; j < i; j++) t.is(d.get(`k${j}`), j);
});

test('SlotDict: randomKey is uniform over the keys, also mid-rehash and after mass deletes', (t) => {
  const d = new SlotDict<number>();
  let n = 0;
  while (!d.stats().growing) d.set(`k${n}`, n++);
  for (const phase of ['mid-rehash', 'after deletes']) {
    if (phase === 'after deletes') {
      d.rehashSteps(1e6);
      for (let i = 0; i < n; i++) if (i % 50 !== 0) d.delete(`k${i}`);
    }
    const counts = new Map<string, number>();
    const draws = d.size * 200;
    for (let i = 0; i < draws; i++) {
      const k = d.randomKey()!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    t.is(counts.size, d.size, phase);
    // 200 expected per key (sd ~14): all within 6 sd.
    for (const [k, c] of counts) if (c < 115 || c > 285) t.fail(`${phase}: ${k} drawn ${c} times`);
  }
  t.true(d.size > 0);
});

test('SlotDict: keys whose 32-bit hashes collide are told apart', (t) => {
  const byHash = new Map<number, string>();
  let pair: [string, string] | null = null;
  for (let i = 0; pair === null; i++) {
    const k = `c${i}`;
    const h = hashKey(k);
    const other = byHash.get(h);
    if (other !== undefined) pair = [other, k];
    else byHash.set(h, k);
  }
  const d = new SlotDict<string>();
  d.set(pair[0], 'first');
  t.is(d.get(pair[1]), undefined);
  d.set(pair[1], 'second');
  t.is(d.get(pair[0]), 'first');
  t.is(d.get(pair[1]), 'second');
  t.true(d.delete(pair[0]));
  t.is(d.get(pair[1]), 'second');
  t.is(d.get(pair[0]), undefined);
});

test('SlotDict: every index left behind by a rehash is released at once (its buffer handed to a young clone)', (t) => {
  // The memory effect itself depends on when the collector runs (measured with the bench: RSS after
  // a 1M-key load 154-157 B/key without this, 142-148 with it); what is checked here is that the
  // buffer is detached, so that no old object holds it, and that every drained index goes that way.
  const a = new Int32Array(1024);
  release(a);
  t.is(a.buffer.byteLength, 0, 'detached: the memory now belongs to the clone');
  const d = new SlotDict<number>();
  let grown = 0;
  let last = d.stats().capacity;
  for (let i = 0; i < 100_000; i++) {
    d.set(`k${i}`, i);
    const cap = d.stats().capacity;
    if (cap !== last) {
      grown += last * 8; // the index just replaced: released once it is drained
      last = cap;
    }
  }
  d.rehashSteps(1e6);
  t.true(grown > 0);
  t.is(d.stats().released, grown);
});

test('SlotDict: keys made to collide under the unkeyed hash move the table to SipHash (no hash flooding)', (t) => {
  const keys = collidingKeys(12);
  t.is(new Set(keys).size, 4096);
  t.is(new Set(keys.map(hashKey)).size, 1, 'one hash for all');
  const d = new SlotDict<number>();
  for (let i = 0; i < 1000; i++) d.set(`honest${i}`, i);
  for (const [i, k] of keys.entries()) d.set(k, i);
  t.true(d.stats().sipHashed);
  for (const [i, k] of keys.entries()) if (d.get(k) !== i) t.fail(`colliding key ${i}`);
  for (let i = 0; i < 1000; i++) t.is(d.get(`honest${i}`), i);
  t.true(d.delete(keys[7]));
  t.is(d.get(keys[7]), undefined);
  t.is(d.size, 1000 + 4095);
  // Honest keys, even many, never switch.
  const h = new SlotDict<number>();
  for (let i = 0; i < 300_000; i++) h.set(`key:${i}`, i);
  t.false(h.stats().sipHashed);
});

test('SlotDict: five keys sharing a 32-bit hash stay on hashKey, a sixth moves the table to SipHash', (t) => {
  const keys = collidingKeys(3);
  const d = new SlotDict<number>();
  for (let i = 0; i < 5; i++) d.set(keys[i], i);
  t.false(d.stats().sipHashed, 'a probe passing four keys with its hash is tolerated');
  d.set(keys[5], 5);
  t.true(d.stats().sipHashed, 'one passing five raises the alarm, and the write switches');
  for (let i = 0; i < 6; i++) t.is(d.get(keys[i]), i);
});

/** Home position of `key` in an index of `cap` pairs (slot-table.ts's home(), with hashKey). */
const homeOf = (key: string, cap: number): number => Math.floor((hashKey(key) >>> 0) * cap * 2 ** -32);

test('SlotDict: keys with different hashes piled into one run are caught by the lookup that walks it, and the next write switches', (t) => {
  // The capacity a dict reaches is set by its key count alone: learn it from a throwaway dict.
  const probe = new SlotDict<number>();
  let n = 0;
  while (probe.stats().capacity < 12_000 || probe.stats().growing) probe.set(`x${n++}`, 0);
  const cap = probe.stats().capacity;
  const p = Math.floor(cap / 4);
  const run = 1500;
  // Honest keys (about half the positions, everywhere), then 0.6 chosen keys per position of the
  // window, inserted in order of home: each insert probes a few hundred pairs at most, while the
  // window fills into one run of nearly 2,000 pairs. (All of it is deterministic: hashKey has no
  // seed, and the keys are fixed.)
  const d = new SlotDict<number>();
  for (let i = 0; i < n; i++) d.set(`f${i}`, i);
  d.rehashSteps(1e6);
  t.is(d.stats().capacity, cap);
  const chosen: string[] = [];
  for (let i = 0; chosen.length < run * 0.6; i++) {
    const k = `w${i}`;
    const h = homeOf(k, cap);
    if (h >= p && h < p + run) chosen.push(k);
  }
  chosen.sort((a, b) => homeOf(a, cap) - homeOf(b, cap));
  for (const k of chosen) d.set(k, 1);
  t.is(d.stats().capacity, cap);
  t.false(d.stats().sipHashed, 'no insert probed far');
  // Missing keys homed in the first half of the window walk the run to its end.
  let m = 0;
  for (let q = p; q < p + run / 2; q += 10) {
    let key = `m${m++}`;
    while (homeOf(key, cap) !== q) key = `m${m++}`;
    t.is(d.get(key), undefined);
  }
  t.false(d.stats().sipHashed, 'a lookup only raises the alarm');
  d.set('next-write', 1);
  t.true(d.stats().sipHashed);
  for (const k of chosen) t.is(d.get(k), 1);
  t.is(d.size, n + chosen.length + 1);
});

test('SlotDict: an alarm during a running rehash finishes it over several writes before switching, not at once', (t) => {
  const d = new SlotDict<number>();
  let i = 0;
  while (d.size < 100_000 || !d.stats().growing) d.set(`k${i}`, i++);
  const keys = collidingKeys(3);
  for (const [j, k] of keys.entries()) d.set(k, -j);
  t.true(d.stats().growing, 'the running rehash was not drained in one write');
  t.false(d.stats().sipHashed);
  let writes = 0;
  while (!d.stats().sipHashed && writes < 1000) d.set(`after${writes++}`, 0);
  t.true(d.stats().sipHashed);
  t.true(writes > 1, `${writes} writes`);
  for (let j = 0; j < i; j += 97) t.is(d.get(`k${j}`), j);
  for (const [j, k] of keys.entries()) t.is(d.get(k), -j);
});

test('SlotDict: a large table left empty is replaced by a fresh one, unless a snapshot is open', (t) => {
  const d = new SlotDict<number>();
  for (let i = 0; i < 100_000; i++) d.set(`k${i}`, i);
  t.false(d.releaseIfEmpty(), 'not while it has keys');
  t.is(d.stats().slots, 100_000);
  for (let i = 0; i < 100_000; i++) d.delete(`k${i}`);
  t.is(d.stats().slots, 100_000, 'a delete itself keeps the table (a key deleted and added again keeps its slot)');
  d.set('k7', 7);
  t.is(d.slotOf('k7'), 99_999, 'the last slot freed is taken first');
  d.delete('k7');
  t.true(d.releaseIfEmpty());
  t.is(d.stats().slots, 0, 'rows, free list and deadline columns given back');
  d.set('again', 1);
  t.is(d.get('again'), 1);
  t.is(d.size, 1);
  // With a snapshot open the T0 table must stay: its view still reads the T0 data. Once the
  // snapshot ends, the next call gives it back.
  for (let i = 0; i < 100_000; i++) d.set(`k${i}`, i);
  d.delete('again');
  const view = d.beginSnapshot(() => {});
  for (let i = 0; i < 100_000; i++) d.delete(`k${i}`);
  t.false(d.releaseIfEmpty());
  t.is(view.get('k5'), undefined, 'deleted keys read as gone through the view');
  t.is(view.limit, 100_001, 'the view still has the T0 table');
  view.end();
  t.true(d.releaseIfEmpty());
  t.is(d.stats().slots, 0);
  // Small tables are kept (their first chunk is as large as a fresh one's).
  const small = new SlotDict<number>();
  small.set('a', 1);
  small.delete('a');
  t.false(small.releaseIfEmpty());
  t.is(small.stats().slots, 1);
});
