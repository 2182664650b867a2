// The keys of a database that have a deadline, as Redis's db->expires: a view over the deadline
// column of the database's SlotDict (deadline-column.ts), with what active expiry, volatile-*
// eviction, INFO, DEBUG DIGEST and the keyspace dump ask of it. It follows the dict's table
// through FLUSH* and SWAPDB, since it holds the dict, not the table.

import type { SlotDict } from './slot-dict.js';

export class Expires {
  constructor(private readonly dict: SlotDict<unknown>) {}

  get size(): number {
    return this.dict.volatileSize;
  }

  /** The deadline of `key` (ms), undefined when it has none or does not exist (expired or not). */
  get(key: string): number | undefined {
    const slot = this.dict.slotOf(key);
    if (slot < 0) return undefined;
    const when = this.dict.deadlineAt(slot);
    return Number.isNaN(when) ? undefined : when;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** A random key with a deadline (uniform over them), or undefined when none has one. */
  randomKey(): string | undefined {
    return this.dict.randomVolatileKey();
  }

  /**
   * Visits up to `count` keys with a deadline from `cursor` (0: start) and returns the cursor to
   * go on with, 0 when the walk is done. `visit` must not change the dict. A key whose deadline
   * goes between two calls moves the last key of the set into its place, which this walk may then
   * miss (the next walk sees it): active expiry samples, it does not need each key exactly once.
   */
  scan(cursor: number, count: number, visit: (key: string, when: number) => void): number {
    const d = this.dict;
    const size = d.volatileSize;
    let p = cursor > 0 && cursor < size ? cursor : 0;
    const end = Math.min(size, p + count);
    for (; p < end; p++) {
      const slot = d.volatileSlot(p);
      visit(d.keyAt(slot)!, d.deadlineAt(slot));
    }
    return p < size ? p : 0;
  }

  /** Every key with its deadline, in the set's order; not for use across changes of the dict. */
  *entries(): IterableIterator<[string, number]> {
    const d = this.dict;
    for (let p = 0; p < d.volatileSize; p++) {
      const slot = d.volatileSlot(p);
      yield [d.keyAt(slot)!, d.deadlineAt(slot)];
    }
  }
}
