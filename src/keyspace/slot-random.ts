// Drawing a random key of a SlotTable (slot-table.ts), for RANDOMKEY and eviction sampling: every
// key equally likely. Positions of its index are drawn until one holds a key (the table keeps its
// index at least 1/16 full, so a few draws); during a rehash the old index's positions not yet
// moved over are drawn from too, the part already moved (tombstones) is not.

/**
 * Random positions tried before randomEntry walks to the next entry, which favours keys after long
 * empty runs (right after a shrink starts, 3.6% of draws fell back with 64 tries, and one key of
 * 8,191 came up 60 times too often). Positions hold a key at least 1 time in 16 or so: 1024 misses
 * in a row practically never happen.
 */
const RANDOM_TRIES = 1024;

/** An index being drawn from: its pairs, and the old index's not yet moved over (`drain` on). */
interface Drawn {
  idx: Int32Array;
  cap: number;
  old: Int32Array | null;
  drain: number;
}

/**
 * The slot of a random entry of index `idx` (`cap` pairs) and of the pairs of `old` (`oldCap`
 * pairs) from position `drain` on, or -1 when there is none.
 */
export function randomEntry(idx: Int32Array, cap: number, old: Int32Array | null, oldCap: number, drain: number): number {
  const d: Drawn = { idx, cap, old, drain };
  const total = cap + (old === null ? 0 : oldCap - drain);
  for (let tries = 0; ; tries++) {
    const p = Math.floor(Math.random() * total);
    const s = drawn(d, p);
    if (s > 0) return s - 1;
    if (tries === RANDOM_TRIES) return nextEntry(d, p, total);
  }
}

/** The (slot + 1) field of drawn position p: the index's positions, then the old index's not yet moved over. */
function drawn(d: Drawn, p: number): number {
  return p < d.cap ? d.idx[2 * p + 1] : d.old![2 * (p - d.cap + d.drain) + 1];
}

/** The slot of the first key at or after drawn position p, of `total`. */
function nextEntry(d: Drawn, p: number, total: number): number {
  for (let k = 0; k < total; k++, p = p + 1 === total ? 0 : p + 1) {
    const s = drawn(d, p);
    if (s > 0) return s - 1;
  }
  return -1;
}
