// Dict: SCAN's guarantee (every key present for the whole iteration is returned) under random
// changes between calls, with live iterators and with the fallbacks (dropped iterators, unknown
// or reused cursors, clear, swap); random keys; snapshots for the AOF rewrite.

import test from 'ava';
import { Dict } from '../../src/keyspace/dict.js';
import { mulberry32, pick, type Rng } from '../helpers/rng.js';

function fill(n: number, prefix = 'k'): Dict<number> {
  const d = new Dict<number>();
  for (let i = 0; i < n; i++) d.set(`${prefix}${i}`, i);
  return d;
}

/** Runs a full iteration of `d`; `between` runs before every call after the first. */
function fullScan(d: Dict<number>, count: number, between: () => void = () => {}, maxCalls = 1e6): Set<string> {
  const seen = new Set<string>();
  let cursor = 0;
  let calls = 0;
  do {
    if (calls++ > 0) between();
    cursor = d.scan(cursor, count, (k) => seen.add(k));
  } while (cursor !== 0 && calls < maxCalls);
  if (cursor !== 0) throw new Error('scan did not finish');
  return seen;
}

test('a full scan returns every key once and ends with cursor 0', (t) => {
  for (const n of [0, 1, 9, 10, 11, 1000]) {
    const d = fill(n);
    const seen: string[] = [];
    let cursor = 0;
    do cursor = d.scan(cursor, 10, (k) => seen.push(k));
    while (cursor !== 0);
    t.is(seen.length, n);
    t.is(new Set(seen).size, n);
  }
});

test('a scan whose count covers the dict exactly finishes in one call', (t) => {
  const d = fill(10);
  const seen: string[] = [];
  t.is(d.scan(0, 10, (k) => seen.push(k)), 0);
  t.is(seen.length, 10);
});

test('cursors are positive integers below 2^53', (t) => {
  const d = fill(100);
  const c = d.scan(0, 5, () => {});
  t.true(Number.isSafeInteger(c) && c > 0);
});

/** Random changes: deletes, re-adds (moved to the end), new keys; records the keys it disturbed. */
function churn(d: Dict<number>, rng: Rng, touched: Set<string>, next: { n: number }, maxOps = 20): void {
  const ops = 1 + pick(rng, maxOps);
  for (let i = 0; i < ops; i++) {
    const r = rng();
    if (r < 0.4 && d.size > 0) {
      const k = d.randomKey()!;
      d.delete(k);
      touched.add(k);
    } else if (r < 0.8) {
      d.set(`n${next.n++}`, 0);
    } else {
      const k = `k${pick(rng, 2000)}`;
      touched.add(k);
      d.delete(k);
      d.set(k, 1);
    }
  }
}

test('keys present for the whole iteration are returned despite changes between calls', (t) => {
  for (let seed = 1; seed <= 30; seed++) {
    const rng = mulberry32(seed);
    const d = fill(2000);
    const touched = new Set<string>();
    const next = { n: 0 };
    // Fewer changes per call than keys per call, so that the iteration can finish.
    const count = 5 + pick(rng, 50);
    const seen = fullScan(d, count, () => churn(d, rng, touched, next, count - 1));
    for (let i = 0; i < 2000; i++) {
      const k = `k${i}`;
      if (!touched.has(k)) t.true(seen.has(k), `seed ${seed}: ${k} missed`);
    }
  }
});

test('the guarantee holds when iterators are dropped (hundreds of concurrent scans)', (t) => {
  const rng = mulberry32(7);
  const d = fill(3000);
  const touched = new Set<string>();
  const next = { n: 0 };
  // 400 interleaved scans: more than the dict keeps iterators for, so most resume by position.
  const scans = Array.from({ length: 400 }, () => ({ cursor: 0, started: false, seen: new Set<string>() }));
  let active = scans.length;
  while (active > 0) {
    for (const s of scans) {
      if (s.started && s.cursor === 0) continue;
      s.started = true;
      s.cursor = d.scan(s.cursor, 50, (k) => s.seen.add(k));
      if (s.cursor === 0) active--;
    }
    churn(d, rng, touched, next);
  }
  for (const s of scans) {
    for (let i = 0; i < 3000; i++) if (!touched.has(`k${i}`)) t.true(s.seen.has(`k${i}`));
  }
});

test('an unknown or reused cursor restarts safely', (t) => {
  const d = fill(100);
  const first = d.scan(0, 10, () => {});
  d.scan(first, 10, () => {});
  // Reusing `first` (already consumed) and a made-up cursor both restart from the beginning.
  for (const c of [first, 123456789, -1]) {
    const seen = new Set<string>();
    let cursor = d.scan(c, 10, (k) => seen.add(k));
    while (cursor !== 0) cursor = d.scan(cursor, 10, (k) => seen.add(k));
    t.is(seen.size, 100);
  }
});

test('deleting already returned keys between calls loses nothing', (t) => {
  const d = fill(1000);
  const seen = new Set<string>();
  let cursor = 0;
  const returned: string[] = [];
  do {
    cursor = d.scan(cursor, 20, (k) => {
      seen.add(k);
      returned.push(k);
    });
    // Delete everything returned so far: positions of the rest all move.
    for (const k of returned.splice(0)) d.delete(k);
  } while (cursor !== 0);
  t.is(seen.size, 1000);
});

test('clear and swap during a scan end or restart it without errors', (t) => {
  const a = fill(100, 'a');
  const b = fill(100, 'b');
  const c1 = a.scan(0, 10, () => {});
  a.swapWith(b);
  const seen = new Set<string>();
  let cursor = a.scan(c1, 10, (k) => seen.add(k));
  while (cursor !== 0) cursor = a.scan(cursor, 10, (k) => seen.add(k));
  t.is(seen.size, 100);
  t.true([...seen].every((k) => k.startsWith('b')));
  const c2 = a.scan(0, 10, () => {});
  a.clear();
  a.set('x', 1);
  const after: string[] = [];
  t.is(a.scan(c2, 10, (k) => after.push(k)), 0);
  t.deepEqual(after, ['x']);
});

test('randomKey returns live keys, reaches all of them, and follows changes', (t) => {
  const d = fill(50);
  t.is(new Dict<number>().randomKey(), undefined);
  const hits = new Set<string>();
  for (let i = 0; i < 5000; i++) hits.add(d.randomKey()!);
  t.is(hits.size, 50);
  for (let i = 0; i < 49; i++) d.delete(`k${i}`);
  for (let i = 0; i < 100; i++) t.is(d.randomKey(), 'k49');
  d.set('new', 1);
  const later = new Set<string>();
  for (let i = 0; i < 1000; i++) later.add(d.randomKey()!);
  t.deepEqual([...later].sort(), ['k49', 'new']);
});

test('a snapshot sees the data as it was and reports each first change before it happens', (t) => {
  const d = fill(5);
  const saved = new Map<string, number | undefined>();
  const view = d.beginSnapshot((k) => {
    if (!saved.has(k)) saved.set(k, view.get(k));
  });
  d.set('k0', 100);
  d.set('k0', 200);
  d.delete('k1');
  d.delete('missing');
  d.set('new', 1);
  t.deepEqual([...saved], [['k0', 0], ['k1', 1], ['new', undefined]]);
  // The walk sees current entries; the caller skips the saved ones and writes their T0 state.
  const t0 = new Map<string, number>();
  for (const [k, v] of view.entries()) if (!saved.has(k)) t0.set(k, v);
  for (const [k, v] of saved) if (v !== undefined) t0.set(k, v);
  t.deepEqual([...t0].sort(), [['k0', 0], ['k1', 1], ['k2', 2], ['k3', 3], ['k4', 4]]);
  // After a clear the T0 data is no longer changed: no more reports, the view keeps it.
  d.clear();
  d.set('k2', 9);
  t.false(saved.has('k2'));
  t.is(view.get('k2'), 2);
  view.end();
});

test('a snapshot follows its data through a swap', (t) => {
  const a = fill(3, 'a');
  const b = fill(3, 'b');
  const reported: string[] = [];
  const view = a.beginSnapshot((k) => reported.push(k));
  a.swapWith(b);
  a.set('x', 1); // a now holds b's data: not the snapshot's
  b.set('a0', 5); // b holds the snapshot's data
  t.deepEqual(reported, ['a0']);
  view.end();
  b.set('a1', 5);
  t.deepEqual(reported, ['a0']);
});
