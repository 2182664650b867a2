// ChunkedList: a list held in JS arrays of a bounded size, as V8 ends the process when one array
// grows past ~112.8M elements (a MULTI's queue, EXEC's and KEYS's replies can hold more).

import test from 'ava';
import { ChunkedList, SizedList } from '../../src/chunked-list.js';

test('elements kept in order in arrays of at most the chunk size, counted', (t) => {
  for (const n of [0, 1, 3, 4, 9, 10]) {
    const l = new ChunkedList<number>(3);
    for (let i = 0; i < n; i++) l.push(i);
    t.is(l.length, n);
    t.is(l.chunks.length, Math.max(1, Math.ceil(n / 3)), `${n} elements`);
    t.true(l.chunks.every((c) => c.length <= 3));
    const seen: number[] = [];
    l.forEach((x) => seen.push(x));
    t.deepEqual(seen, Array.from({ length: n }, (_, i) => i));
    t.deepEqual(l.chunks.flat(), seen);
  }
});

test('SizedList: arrays of exactly their final sizes, filled in order', (t) => {
  for (const n of [0, 1, 3, 4, 9, 10]) {
    const l = new SizedList<number>(n, 3);
    t.deepEqual(l.chunks.map((c) => c.length), Array.from({ length: Math.ceil(n / 3) }, (_, i) => Math.min(3, n - 3 * i)), `${n} elements`);
    for (let i = 0; i < n; i++) l.push(i);
    t.is(l.length, n);
    t.deepEqual(l.chunks.flat(), Array.from({ length: n }, (_, i) => i));
  }
});
