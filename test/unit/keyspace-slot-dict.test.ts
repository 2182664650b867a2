// Every Dict test of keyspace-dict.test.ts, run on SlotDict (the keyspace's key -> value dict whose
// entries carry the access field: values in a slot store, the key -> slot map a Dict), plus what
// only SlotDict has: fields, slot reuse, snapshots across slot reuse.

import test from 'ava';
import { SlotDict } from '../../src/keyspace/slot-dict.js';

process.env.KS_DICT_IMPL = 'slot';
await import('./keyspace-dict.test.js');

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
  const d = new SlotDict<string>({ shardLoad: 4, splitStep: 1 });
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

test('SlotDict: while a snapshot is open, freed slots are not reused, so keys added since T0 have slots >= limit', (t) => {
  const d = new SlotDict<string>();
  for (let i = 0; i < 100; i++) d.set(`k${i}`, `v${i}`);
  for (let i = 0; i < 50; i++) d.delete(`k${i}`);
  const view = d.beginSnapshot(() => {});
  t.is(view.limit, 100);
  t.is(view.slot('k60'), d.slotOf('k60'));
  t.is(view.slot('k10'), undefined);
  d.delete('k70');
  for (let i = 0; i < 60; i++) d.set(`new${i}`, 'n');
  for (let i = 0; i < 60; i++) t.true(d.slotOf(`new${i}`) >= view.limit, `new${i} took a slot freed before or during the snapshot`);
  const other = d.beginSnapshot(() => {});
  view.end();
  view.end(); // idempotent: the other snapshot still keeps slots from being reused
  d.set('during-other', 'x');
  t.true(d.slotOf('during-other') >= 160);
  other.end();
  d.set('after', 'x');
  t.true(d.slotOf('after') < 100, 'freed slots are reused again once every snapshot ended');
});
