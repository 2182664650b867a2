// The deadlines of a SlotTable's keys, and the set of slots that have one (Redis's db->expires).
//
// - Deadlines (ms; NaN: none) per chunk of rows, in a Float64Array beside the rows rather than in
//   them: a chunk gets its array when one of its keys first gets a deadline, so keys without TTLs
//   pay nothing, and a lookup reads its key's deadline without hashing anything.
// - The slots with a deadline, in a dense Int32Array, each slot's position in it kept beside its
//   deadline (an Int32Array per chunk): adding, removing (the last one moves into the gap),
//   counting and drawing a uniform random one (volatile-* eviction) are O(1), and active expiry
//   walks it with a cursor (a position).
//
// Why not a dict of key -> deadline (the V8 Maps this replaced, kept in step with the column):
// every EXPIRE and SET EX hashed its key into a Map and boxed the deadline. Profile of SET ... EX
// -P 16 over a million random keys: the Map's set and get were 23% of the server's busy time, and
// each deadline cost 36 bytes there against 16 here.

import { CHUNK, CHUNK_BITS, MASK } from './slot-index.js';

/** A deadline read from the column (NaN: none) as the rest of the code passes it (undefined: none). */
export function deadlineOrUndefined(when: number): number | undefined {
  return Number.isNaN(when) ? undefined : when;
}

export class DeadlineColumn {
  private readonly when: (Float64Array | undefined)[] = [];
  /** Per chunk, each slot's position in `slots` (valid while its deadline is not NaN). */
  private readonly pos: (Int32Array | undefined)[] = [];
  private slots = new Int32Array(16);
  /** Slots with a deadline. */
  size = 0;

  /** The table allocated a new chunk of rows. */
  addChunk(): void {
    this.when.push(undefined);
    this.pos.push(undefined);
  }

  /** The deadline of the key in `slot` (ms), NaN when it has none. */
  at(slot: number): number {
    const when = this.when[slot >>> CHUNK_BITS];
    return when === undefined ? NaN : when[slot & MASK];
  }

  /** Sets (NaN: clears) the deadline of the key in `slot`. */
  set(slot: number, deadline: number): void {
    const c = slot >>> CHUNK_BITS;
    let when = this.when[c];
    if (when === undefined) {
      if (Number.isNaN(deadline)) return;
      when = this.when[c] = new Float64Array(CHUNK).fill(NaN);
      this.pos[c] = new Int32Array(CHUNK);
    }
    const i = slot & MASK;
    const had = !Number.isNaN(when[i]);
    when[i] = deadline;
    if (Number.isNaN(deadline)) {
      if (had) this.unlist(this.pos[c]![i]);
    } else if (!had) {
      this.list(slot, c, i);
    }
  }

  /** The slot at `position` of the set (0 <= position < size): random draws, active expiry. */
  slotAt(position: number): number {
    return this.slots[position];
  }

  private list(slot: number, c: number, i: number): void {
    if (this.size === this.slots.length) this.resize(this.slots.length * 2);
    this.pos[c]![i] = this.size;
    this.slots[this.size++] = slot;
  }

  /** Removes the slot at position `p`: the last slot of the set moves into its place. */
  private unlist(p: number): void {
    const last = this.slots[--this.size];
    this.slots[p] = last;
    this.pos[last >>> CHUNK_BITS]![last & MASK] = p;
    if (this.size * 4 < this.slots.length && this.slots.length > 16) this.resize(this.slots.length / 2);
  }

  private resize(length: number): void {
    const slots = new Int32Array(length);
    slots.set(this.slots.subarray(0, this.size));
    this.slots = slots;
  }
}
