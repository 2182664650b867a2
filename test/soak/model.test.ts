// The soak test's key model (model.ts) must catch what it exists to catch — a lost acknowledged
// write, a value nobody wrote — and must not cry wolf over what is allowed: a write in flight at a
// kill that did or did not happen, a TTL whose deadline falls while a command runs.

import test from 'ava';
import { KeyModel, NOT_INTEGER } from './model.js';

test('acknowledged writes are required; a different read is a violation', (t) => {
  const m = new KeyModel();
  t.true(m.observe({ op: 'set', value: '5' }, { ok: 'OK' }, 0, 1));
  t.true(m.observe({ op: 'incr' }, { ok: 6 }, 2, 3));
  t.true(m.observe({ op: 'append', value: '1' }, { ok: 2 }, 4, 5));
  t.false(m.observe({ op: 'get' }, { ok: null }, 6, 7), 'the key was lost');
  t.false(m.observe({ op: 'get' }, { ok: '6' }, 6, 7), 'the APPEND was lost');
  t.true(m.observe({ op: 'get' }, { ok: '61' }, 6, 7));
  t.false(m.clone().observe({ op: 'incr' }, { ok: 61 }, 8, 9), 'an INCR that did not count');
  t.true(m.observe({ op: 'incr' }, { ok: 62 }, 8, 9));
});

test('a write in flight at a kill may or may not have happened; a later reply decides', (t) => {
  const m = new KeyModel();
  t.true(m.observe({ op: 'set', value: '1' }, { ok: 'OK' }, 0, 1));
  m.unknown({ op: 'incr' }, 2, 3);
  m.unknown({ op: 'append', value: '7' }, 4, 5);
  t.is(m.states.length, 4);
  t.true(m.observe({ op: 'incr' }, { ok: 18 }, 6, 7), '"1" then APPEND 7 (the INCR lost), then INCR');
  t.is(m.describe(), '"18"');
  m.unknown({ op: 'del' }, 8, 9);
  t.false(m.observe({ op: 'get' }, { ok: '19' }, 10, 11), 'a value nobody wrote');
  t.true(m.observe({ op: 'get' }, { ok: null }, 10, 11));
});

test('a TTL: present before its deadline window, absent after, either within it', (t) => {
  const m = new KeyModel();
  t.true(m.observe({ op: 'set', value: 'x' }, { ok: 'OK' }, 0, 10));
  t.true(m.observe({ op: 'expire', seconds: 1 }, { ok: 1 }, 100, 120)); // deadline in [1100, 1120]
  t.false(m.clone().observe({ op: 'get' }, { ok: null }, 500, 501), 'gone long before its deadline');
  t.true(m.clone().observe({ op: 'get' }, { ok: 'x' }, 1105, 1106), 'within the window: still there...');
  t.true(m.clone().observe({ op: 'get' }, { ok: null }, 1105, 1106), '...or gone');
  t.false(m.clone().observe({ op: 'get' }, { ok: 'x' }, 2000, 2001), 'there long after its deadline');
  t.true(m.observe({ op: 'incr' }, { error: NOT_INTEGER }, 500, 501));
});
