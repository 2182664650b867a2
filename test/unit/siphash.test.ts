// SipHash against the reference vectors of its authors (SipHash-2-4, key 00 01 .. 0f, messages
// 00 01 .. n-1): the 1-3 variant SlotTable uses is the same code with fewer rounds.

import test from 'ava';
import { randomSipKey, sipHash, sipHash64 } from '../../src/keyspace/siphash.js';

const KEY = [0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c] as const;
const msg = (n: number): string => Array.from({ length: n }, (_, i) => String.fromCharCode(i)).join('');
const hex = ([h, l]: [number, number]): string => h.toString(16).padStart(8, '0') + l.toString(16).padStart(8, '0');

test('SipHash-2-4 matches the reference vectors (empty, 7, 8, 15 and 16 bytes)', (t) => {
  t.is(hex(sipHash64(msg(0), KEY)), '726fdb47dd0e0e31');
  t.is(hex(sipHash64(msg(7), KEY)), 'ab0200f58b01d137');
  t.is(hex(sipHash64(msg(8), KEY)), '93f5f5799a932462');
  t.is(hex(sipHash64(msg(15), KEY)), 'a129ca6149be45e5');
  t.is(hex(sipHash64(msg(16), KEY)), '3f2acc7f57c29bdb');
});

test('sipHash: SipHash-1-3 as an int32, depending on the key and on every byte', (t) => {
  const k = randomSipKey();
  const h = sipHash('user:1000', k);
  t.is(h, h | 0);
  t.is(sipHash('user:1000', k), h);
  t.not(sipHash('user:1001', k), h);
  t.not(sipHash('user:1000', randomSipKey()), h);
  t.not(sipHash('user:1000\u00ff', k), h);
});
