// The keys of database 0 per hash slot, kept in cluster mode only (Redis keeps the same index in
// cluster mode: CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT read it instead of scanning the keyspace).
// Keys are listed newest first, as Redis adds a key at the head of its slot's list; an overwrite
// does not move a key. The database tells the index of every key it adds or removes (KeyIndex).

import type { KeyIndex } from '../keyspace/database.js';
import { keyHashSlot } from './slots.js';

export class SlotKeys implements KeyIndex {
  /** Slot -> its keys in the order they were added (a Set keeps insertion order). */
  private readonly slots = new Map<number, Set<string>>();

  added(key: string): void {
    const slot = keyHashSlot(key);
    let keys = this.slots.get(slot);
    if (keys === undefined) this.slots.set(slot, (keys = new Set()));
    keys.add(key);
  }

  removed(key: string): void {
    const slot = keyHashSlot(key);
    const keys = this.slots.get(slot);
    if (keys === undefined) return;
    keys.delete(key);
    if (keys.size === 0) this.slots.delete(slot);
  }

  cleared(): void {
    this.slots.clear();
  }

  count(slot: number): number {
    return this.slots.get(slot)?.size ?? 0;
  }

  /** Up to `max` keys of `slot`, newest first. */
  newest(slot: number, max: number): string[] {
    const keys = [...(this.slots.get(slot) ?? [])];
    return keys.slice(Math.max(0, keys.length - max)).reverse();
  }
}
