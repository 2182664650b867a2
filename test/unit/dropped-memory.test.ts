// The collection after a client closes with big buffers (src/server/dropped-memory.ts), with a
// stand-in for V8's gc(): when it runs, and how far apart.

import test from 'ava';
import { performance } from 'node:perf_hooks';
import { DROPPED_MIN, DroppedMemory, GAP_FACTOR, MIN_GAP_MS } from '../../src/server/dropped-memory.js';
import { sinkLogger } from '../../src/server/log.js';

/** A DroppedMemory whose gc() takes `pauseMs` and records when each full collection started. */
function harness(pauseMs: number, live = 0): { d: DroppedMemory; starts: number[]; lines: string[] } {
  const starts: number[] = [];
  const lines: string[] = [];
  const gc = (o?: { type: 'minor' | 'major' }): void => {
    if (o?.type === 'minor') return;
    starts.push(performance.now());
    const end = performance.now() + pauseMs;
    while (performance.now() < end); // the pause of a full collection
  };
  return { d: new DroppedMemory(sinkLogger('verbose', (_l, m) => void lines.push(m)), () => live, gc), starts, lines };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `starts` has `n` collections (timers fire late on a loaded machine, never early). */
async function collections(starts: number[], n: number): Promise<void> {
  for (let i = 0; i < 500 && starts.length < n; i++) await sleep(20);
}

test('a client closed with big buffers has one collection at once; clients closing soon after have one for all, MIN_GAP_MS after it', async (t) => {
  const { d, starts, lines } = harness(5);
  d.dropped(DROPPED_MIN);
  await sleep(50);
  t.is(starts.length, 1, 'the first collection runs at the end of the turn');
  // A client that fetched a big value without reading it and closed, again and again, had one
  // full collection each time.
  for (let i = 0; i < 5; i++) {
    d.dropped(DROPPED_MIN);
    await sleep(20);
  }
  t.is(starts.length, 1, 'none more within the gap');
  await collections(starts, 2);
  await sleep(100);
  t.is(starts.length, 2, 'one for the five clients once the gap has passed');
  t.true(starts[1] - starts[0] >= MIN_GAP_MS, `${starts[1] - starts[0]} ms apart`);
  t.regex(lines[1], /^Collected the garbage of clients closed with 320 MB in their buffers/, 'the five clients dropped 320 MB');
});

test('after a long collection the gap is GAP_FACTOR times its pause', async (t) => {
  const pause = 150;
  const { d, starts } = harness(pause);
  d.dropped(DROPPED_MIN);
  await sleep(pause + 50);
  d.dropped(DROPPED_MIN);
  await sleep(MIN_GAP_MS + 200);
  t.is(starts.length, 1, `not yet: the gap is ${GAP_FACTOR * pause} ms`);
  await collections(starts, 2);
  t.is(starts.length, 2);
  t.true(starts[1] - starts[0] >= pause + GAP_FACTOR * pause, `${starts[1] - starts[0]} ms apart`);
});

test('no collection for a client under DROPPED_MIN, or holding less than the dataset', async (t) => {
  const small = harness(1);
  small.d.dropped(DROPPED_MIN - 1);
  const big = harness(1, 2 * DROPPED_MIN);
  big.d.dropped(DROPPED_MIN);
  await sleep(50);
  t.is(small.starts.length + big.starts.length, 0);
});
