// DeadlineColumn (src/keyspace/deadline-column.ts) against a Map model: deadlines per slot over
// several chunks of rows, and the dense set of slots that have one, through phases that fill it
// (its array grows) and drain it (its array shrinks), with slots set, changed and cleared at random.

import test from 'ava';
import { DeadlineColumn } from '../../src/keyspace/deadline-column.js';
import { CHUNK } from '../../src/keyspace/slot-index.js';
import { mulberry32, pick } from '../helpers/rng.js';

function check(t: import('ava').ExecutionContext, col: DeadlineColumn, model: Map<number, number>, slots: number, where: string): void {
  if (col.size !== model.size) t.fail(`${where}: size ${col.size}, model ${model.size}`);
  const listed = new Set<number>();
  for (let p = 0; p < col.size; p++) {
    const slot = col.slotAt(p);
    if (listed.has(slot)) t.fail(`${where}: slot ${slot} listed twice`);
    listed.add(slot);
    if (!model.has(slot)) t.fail(`${where}: slot ${slot} listed without a deadline`);
  }
  for (let slot = 0; slot < slots; slot += 97) {
    const want = model.get(slot) ?? NaN;
    const got = col.at(slot);
    if (!Object.is(got, want)) t.fail(`${where}: slot ${slot} has ${got}, model ${want}`);
  }
  for (const [slot, when] of model) if (col.at(slot) !== when) t.fail(`${where}: slot ${slot} has ${col.at(slot)}, model ${when}`);
}

test('the deadlines and the set of slots with one follow a model through growth and shrinking', (t) => {
  const slots = 3 * CHUNK + 100;
  const col = new DeadlineColumn();
  for (let c = 0; c * CHUNK < slots; c++) col.addChunk();
  const model = new Map<number, number>();
  const rng = mulberry32(5);
  for (let phase = 0; phase < 8; phase++) {
    const filling = phase % 2 === 0;
    for (let op = 0; op < 25_000; op++) {
      const slot = pick(rng, slots);
      const clear = filling ? rng() < 0.2 : rng() < 0.8;
      if (clear) {
        col.set(slot, NaN);
        model.delete(slot);
      } else {
        const when = 1_700_000_000_000 + pick(rng, 1_000_000);
        col.set(slot, when);
        model.set(slot, when);
      }
    }
    check(t, col, model, slots, `phase ${phase}`);
  }
  for (const slot of [...model.keys()]) col.set(slot, NaN);
  t.is(col.size, 0);
  t.true(Number.isNaN(col.at(0)) && Number.isNaN(col.at(slots - 1)));
});

test('a chunk without deadlines has no arrays: clearing a deadline there is a no-op', (t) => {
  const col = new DeadlineColumn();
  col.addChunk();
  col.addChunk();
  col.set(CHUNK + 5, NaN);
  t.is(col.size, 0);
  t.true(Number.isNaN(col.at(CHUNK + 5)));
  col.set(CHUNK + 5, 42);
  col.set(7, 43);
  t.is(col.size, 2);
  t.deepEqual([col.slotAt(0), col.slotAt(1)].sort((a, b) => a - b), [7, CHUNK + 5]);
  col.set(CHUNK + 5, 44); // a change, not a second entry
  t.is(col.size, 2);
  t.is(col.at(CHUNK + 5), 44);
});
