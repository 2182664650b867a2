// SipHash (Aumasson and Bernstein), the keyed hash Redis uses for its dictionaries (SipHash-1-3):
// with a secret random key, nobody who does not know it can choose keys that collide, which a
// fast unkeyed hash cannot promise (hash flooding). 64-bit words are pairs of 32-bit halves, so it
// costs several times SlotTable's usual hash: SlotTable switches a table to it only when probes run
// long (slot-table.ts). Keys are latin1 strings, one byte per char (protocol/binary.ts): a char
// above 255 would lose its high bits here, so such strings could collide.

import { randomBytes } from 'node:crypto';

// The state v0..v3 as (high, low) 32-bit halves: V[0] = v0 high, V[1] = v0 low, ... A typed array
// rather than module variables, which V8 checks for initialization on every access (SipHash-1-3 of
// an 11-byte key took 624 ns that way, 104 ns this way; hashKey takes 24).
const V = new Uint32Array(8);

/** `n` SipRounds on V. */
function rounds(n: number): void {
  let v0h = V[0], v0l = V[1], v1h = V[2], v1l = V[3], v2h = V[4], v2l = V[5], v3h = V[6], v3l = V[7];
  for (let r = 0; r < n; r++) {
    // v0 += v1; v1 = rotl(v1, 13) ^ v0; v0 = rotl(v0, 32)
    let lo = (v0l + v1l) >>> 0;
    v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
    v0l = lo;
    let h = ((v1h << 13) | (v1l >>> 19)) >>> 0;
    let l = ((v1l << 13) | (v1h >>> 19)) >>> 0;
    v1h = (h ^ v0h) >>> 0;
    v1l = (l ^ v0l) >>> 0;
    let t = v0h;
    v0h = v0l;
    v0l = t;
    // v2 += v3; v3 = rotl(v3, 16) ^ v2
    lo = (v2l + v3l) >>> 0;
    v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
    v2l = lo;
    h = ((v3h << 16) | (v3l >>> 16)) >>> 0;
    l = ((v3l << 16) | (v3h >>> 16)) >>> 0;
    v3h = (h ^ v2h) >>> 0;
    v3l = (l ^ v2l) >>> 0;
    // v0 += v3; v3 = rotl(v3, 21) ^ v0
    lo = (v0l + v3l) >>> 0;
    v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
    v0l = lo;
    h = ((v3h << 21) | (v3l >>> 11)) >>> 0;
    l = ((v3l << 21) | (v3h >>> 11)) >>> 0;
    v3h = (h ^ v0h) >>> 0;
    v3l = (l ^ v0l) >>> 0;
    // v2 += v1; v1 = rotl(v1, 17) ^ v2; v2 = rotl(v2, 32)
    lo = (v2l + v1l) >>> 0;
    v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
    v2l = lo;
    h = ((v1h << 17) | (v1l >>> 15)) >>> 0;
    l = ((v1l << 17) | (v1h >>> 15)) >>> 0;
    v1h = (h ^ v2h) >>> 0;
    v1l = (l ^ v2l) >>> 0;
    t = v2h;
    v2h = v2l;
    v2l = t;
  }
  V[0] = v0h; V[1] = v0l; V[2] = v1h; V[3] = v1l; V[4] = v2h; V[5] = v2l; V[6] = v3h; V[7] = v3l;
}

/** Four bytes of `s` from `at`, little-endian (chars past the end count as 0). */
function word(s: string, at: number, end: number): number {
  let w = 0;
  for (let i = Math.min(at + 3, end - 1); i >= at; i--) w = (w << 8) | (s.charCodeAt(i) & 0xff);
  return w >>> 0;
}

/** A 128-bit key as four 32-bit words: k0 low, k0 high, k1 low, k1 high. */
export type SipKey = readonly [number, number, number, number];

/** A key drawn at random for this process (Redis seeds its hash the same way at start-up). */
export function randomSipKey(): SipKey {
  const b = randomBytes(16);
  return [b.readUInt32LE(0), b.readUInt32LE(4), b.readUInt32LE(8), b.readUInt32LE(12)];
}

/** SipHash-c-d (1-3 by default, as Redis) of the latin1 string `s`: its low 32 bits, as an int32. */
export function sipHash(s: string, key: SipKey, c = 1, d = 3): number {
  compress(s, key, c, d);
  return V[1] ^ V[3] ^ V[5] ^ V[7];
}

/** SipHash-c-d (2-4 by default, the reference vectors'); the 64-bit result as [high, low] unsigned halves. */
export function sipHash64(s: string, key: SipKey, c = 2, d = 4): [number, number] {
  compress(s, key, c, d);
  return [(V[0] ^ V[2] ^ V[4] ^ V[6]) >>> 0, (V[1] ^ V[3] ^ V[5] ^ V[7]) >>> 0];
}

/** Runs SipHash-c-d over `s`, leaving the final state in v0..v3. */
function compress(s: string, key: SipKey, c: number, d: number): void {
  V[0] = key[1] ^ 0x736f6d65;
  V[1] = key[0] ^ 0x70736575;
  V[2] = key[3] ^ 0x646f7261;
  V[3] = key[2] ^ 0x6e646f6d;
  V[4] = key[1] ^ 0x6c796765;
  V[5] = key[0] ^ 0x6e657261;
  V[6] = key[3] ^ 0x74656462;
  V[7] = key[2] ^ 0x79746573;
  const n = s.length;
  const full = n - (n % 8);
  for (let at = 0; at <= full; at += 8) {
    let ml: number;
    let mh: number;
    if (at < full) {
      ml = s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24);
      mh = s.charCodeAt(at + 4) | (s.charCodeAt(at + 5) << 8) | (s.charCodeAt(at + 6) << 16) | (s.charCodeAt(at + 7) << 24);
    } else {
      // The last block: the remaining bytes, and the length's low byte on top.
      ml = word(s, at, n);
      mh = word(s, at + 4, n) | ((n & 0xff) << 24);
    }
    V[6] ^= mh;
    V[7] ^= ml;
    rounds(c);
    V[0] ^= mh;
    V[1] ^= ml;
  }
  V[5] ^= 0xff;
  rounds(d);
}
