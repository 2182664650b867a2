// The SHA-1 of DEBUG DIGEST (src/commands/sha1.ts) against node:crypto's, over every input length
// around the padding's edges (55, 56, 63, 64 bytes...), random bytes, and output into the input.

import test from 'ava';
import { createHash } from 'node:crypto';
import { sha1 } from '../../src/commands/sha1.js';
import { mulberry32 } from '../helpers/rng.js';

const reference = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');
const ours = (b: Uint8Array, len = b.length): string => {
  const out = Buffer.alloc(20);
  sha1(b, len, out);
  return out.toString('hex');
};

test('SHA-1 equals node:crypto for every length from 0 to 300 bytes, random contents', (t) => {
  const rng = mulberry32(7);
  for (let n = 0; n <= 300; n++) {
    const b = Buffer.from(Array.from({ length: n }, () => Math.floor(rng() * 256)));
    t.is(ours(b), reference(b), `${n} bytes`);
  }
});

test('SHA-1 known answers (FIPS 180 examples) and long inputs', (t) => {
  t.is(ours(Buffer.from('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  t.is(ours(Buffer.from('')), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  t.is(ours(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')), '84983e441c3bd26ebaae4aa1f95129e5e54670f1');
  const big = Buffer.alloc(1_000_000, 'a');
  t.is(ours(big), '34aa973cd4c4daa4f61eeb2bdbad27316534016f');
  const odd = Buffer.alloc(100_003, 0xfe);
  t.is(ours(odd), reference(odd));
});

test('SHA-1 reads only data[0, len), and may write its result over its input', (t) => {
  const b = Buffer.from('hello world, and more that must not count');
  t.is(ours(b, 11), reference(b.subarray(0, 11)));
  const d = Buffer.from('0123456789abcdefghij');
  const expected = reference(d);
  sha1(d, 20, d);
  t.is(d.toString('hex'), expected);
});
