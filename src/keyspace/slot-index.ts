// The index of SlotTable (slot-table.ts): open addressing with linear probing in an Int32Array of
// (hash, slot + 1) pairs, 0 an empty pair and -1 a deleted one (a tombstone, so that probes go
// past it); the stored hash means a probe reads no key string but the one that matches. Pure
// functions over an index and the rows its slots point into, and the flood alarm they raise: a
// probe that walks past PROBE_LIMIT pairs, or passes more than TWIN_LIMIT other keys with its exact
// hash, sets `alarm`, which the table that probed reads and clears.

/** Rows come in chunks of 2^CHUNK_BITS slots (slot-table.ts). */
export const CHUNK_BITS = 16;
export const CHUNK = 1 << CHUNK_BITS;
export const MASK = CHUNK - 1;
/** Row layout: [key, value, field] per slot. */
export const ROW = 3;
const TWO_POW_MINUS_32 = 2 ** -32;
/** Smallest index (positions). */
export const MIN_CAP = 8;
/**
 * A probe that walks past this many pairs raises the alarm (see the module comment). Honest keys at
 * a load of 3/4 probe a few pairs on average; the longest run a reviewer saw among 6M keys was
 * about 210 pairs.
 */
const PROBE_LIMIT = 1024;
/**
 * A probe that passes more than this many other keys with its exact 32-bit hash raises the alarm:
 * among honest keys even two in one probe is rare, and each one costs a full key comparison (a
 * thousand keys sharing a hash and a 64 KB prefix made a GET of a missing one take 6.5 ms).
 */
const TWIN_LIMIT = 4;
/** Set by locate() and place() when a probe looks made (see PROBE_LIMIT); cleared by the table that probed. */
export const alarm = new Int32Array(1);

/**
 * A 32-bit hash of a key (FNV-1a over 16-bit pairs of chars, then a finalizer so that every bit
 * depends on every char; home() uses the high ones). Keys are latin1 strings, one char per byte.
 */
export function hashKey(s: string): number {
  const n = s.length;
  let h = 0x811c9dc5 ^ n;
  let i = 0;
  for (; i + 1 < n; i += 2) h = Math.imul(h ^ (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8)), 0x01000193);
  if (i < n) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/**
 * The home position of hash `h` in an index of `cap` pairs: the high bits of h scaled to cap
 * (Lemire's multiply-shift), so that cap need not be a power of two. h * cap < 2^64 rounds in the
 * double, but stays below cap * 2^32, so the result is always below cap.
 */
export function home(h: number, cap: number): number {
  return Math.floor((h >>> 0) * cap * TWO_POW_MINUS_32);
}

/** The position in `idx` (pair index) holding `key`, or -1; raises the alarm on a suspicious probe. */
export function locate(idx: Int32Array, cap: number, h: number, key: string, rows: unknown[][]): number {
  let twins = 0;
  for (let i = home(h, cap), d = 0; ; i = i + 1 === cap ? 0 : i + 1, d++) {
    const s = idx[2 * i + 1];
    if (s === 0) {
      if (d > PROBE_LIMIT) alarm[0] = 1;
      return -1;
    }
    if (s > 0 && idx[2 * i] === h) {
      const slot = s - 1;
      if (rows[slot >>> CHUNK_BITS][(slot & MASK) * ROW] === key) {
        if (d > PROBE_LIMIT) alarm[0] = 1;
        return i;
      }
      if (++twins > TWIN_LIMIT) alarm[0] = 1;
    }
  }
}

/** Puts (h, slot) at the first free pair of its probe; true when that pair was empty (not a tombstone). */
export function place(idx: Int32Array, cap: number, h: number, slot: number): boolean {
  for (let i = home(h, cap), d = 0; ; i = i + 1 === cap ? 0 : i + 1, d++) {
    const s = idx[2 * i + 1];
    if (s <= 0) {
      idx[2 * i] = h;
      idx[2 * i + 1] = slot + 1;
      if (d > PROBE_LIMIT) alarm[0] = 1;
      return s === 0;
    }
  }
}

/**
 * Frees a drained index's memory soon. An ArrayBuffer's memory goes back when its object is
 * collected, and the index object is old by then: it would wait for a full collection, holding
 * the indexes of every growth since the last one (after loading 1M keys, RSS was 154-157 bytes a
 * key in 3 runs with them waiting, 142-148 in 2 without). Transferring the buffer hands its memory
 * to a new, young object that the next scavenge frees; the transfer does not copy.
 */
export function release(idx: Int32Array): void {
  structuredClone(idx.buffer, { transfer: [idx.buffer as ArrayBuffer] });
}

/** The index size for `n` keys: a load of 1/2 (a multiple of 8 pairs, at least MIN_CAP). */
export function capacityFor(n: number): number {
  return Math.max(MIN_CAP, Math.ceil((n * 2) / 8) * 8);
}
