// SlotDict: the keyspace's key -> value dictionary, each entry with a 32-bit integer "field" (the
// key's access metadata, lru.ts), on SlotTable (slot-table.ts): every key has a slot, a row of
// [key, value, field] that it keeps for as long as it exists. clear() (FLUSH*) swaps in a new table
// and leaves the old one to the GC, which is what FLUSHALL ASYNC asks for; swapWith (SWAPDB) swaps
// tables.
//
// SCAN walks slots in order, and the cursor is the next slot to look at (0: start, and returned 0
// when the walk is done), as Redis's cursor is a bucket index. A key never changes slot, so every
// key present for the whole iteration is returned, exactly once; keys added meanwhile may or may
// not be. A call looks at no more than ten empty slots per key asked for (Redis's bound on empty
// buckets; pages of 256 slots without a key are passed at no charge, so that a dict emptied by
// mass deletes does not take thousands of calls), and the cursor needs no state kept by the server.
//
// Random keys (RANDOMKEY, eviction sampling): SlotTable.randomSlot, uniform over the keys.
//
// Snapshots (AOF rewrite without fork): beginSnapshot() gives a view of the dict as it is now (T0)
// and a hook called before any key of that data changes (its value, its deadline, or its removal),
// so the caller can save its T0 state.
// Hooks belong to the table holding the T0 data, not to the SlotDict: SWAPDB moves them with the
// data, and FLUSH* (which swaps in a new table) leaves the T0 data untouched from then on. Freed
// slots are reused while a snapshot is open too, each one given to a new key claimed in the
// snapshot (`claimed`): a slot at or above the view's `limit` was allocated after T0, and below it
// the T0 keys are the keys of the slots whose hook has not run and that were not claimed, which
// the snapshot's user tells apart with a bitmap over slots (snapshot-recorder.ts). (A user that
// skips the keys whose hook ran needs no claims: the hook runs for a key added since T0 too.)

import { SlotTable } from './slot-table.js';
import { CHUNK } from './slot-index.js';

/** A SlotDict's contents as they were when the snapshot began (see the module comment). */
export interface SlotSnapshotView<V> {
  /** Slots allocated at T0: a key at or above it was added after T0. */
  readonly limit: number;
  /**
   * The key's slot in the table that held the T0 data: its T0 slot until the hook was called for
   * it; after a delete and re-add, its new slot (a claimed one, one at or above `limit`, or its own
   * again when added back right after its removal).
   */
  slot(key: string): number | undefined;
  /** The key's value in the T0 table (its T0 value until the hook was called for it). */
  get(key: string): V | undefined;
  /** The key in a slot of the T0 table now (undefined: free); below `limit`, a T0 key unless its hook ran or the slot was claimed. */
  keyAt(slot: number): string | undefined;
  value(slot: number): V;
  /** The deadline of the key in a slot of the T0 table (NaN: none); T0's until the hook ran for it. */
  deadline(slot: number): number;
  /** The slot to look at after `slot` (empty pages passed over). */
  next(slot: number): number;
  /** Walks the T0 table's slots below `limit`: keys changed since T0 must be skipped by the caller. */
  entries(): IterableIterator<[string, V]>;
  /** Stops calling the hook (idempotent). */
  end(): void;
}

/** Slots a table must have allocated for releaseIfEmpty() to swap in a fresh one. */
const RESET_EMPTY_ABOVE = CHUNK;

/** Empty slots a SCAN call looks at per key asked for, at most (as Redis's); empty pages are passed free. */
const SCAN_EMPTY_PER_KEY = 10;

export class SlotDict<V> {
  private t = new SlotTable<V>();

  get size(): number {
    return this.t.n;
  }

  /**
   * Index positions, whether a rehash is running, whether keys are hashed with SipHash, the bytes
   * of drained indexes released at once, and the slots allocated (for tests).
   */
  stats(): { capacity: number; growing: boolean; sipHashed: boolean; released: number; slots: number } {
    const t = this.t;
    return { capacity: t.capacity, growing: t.rehashing, sipHashed: t.sipHashed, released: t.released, slots: t.allocated };
  }

  /** The slot of `key` (valid until the key is deleted), or -1. */
  slotOf(key: string): number {
    return this.t.find(key);
  }

  valueAt(slot: number): V {
    return this.t.valueAt(slot);
  }

  fieldAt(slot: number): number {
    return this.t.fieldAt(slot);
  }

  setFieldAt(slot: number, field: number): void {
    this.t.setFieldAt(slot, field);
  }

  /** The deadline of the key in `slot` (ms), NaN when it has none. */
  deadlineAt(slot: number): number {
    return this.t.deadlineAt(slot);
  }

  /** Sets (NaN: clears) the deadline of the key in `slot`, a change the snapshot hooks are told of. */
  setDeadlineAt(slot: number, when: number): void {
    const t = this.t;
    if (t.hooks !== null) t.beforeChange(t.keyAt(slot)!);
    t.setDeadlineAt(slot, when);
  }

  /** Keys with a deadline. */
  get volatileSize(): number {
    return this.t.deadlines.size;
  }

  /** The slot at `position` (0 <= position < volatileSize) of the set of keys with a deadline. */
  volatileSlot(position: number): number {
    return this.t.deadlines.slotAt(position);
  }

  /** A random key with a deadline (uniform over them), or undefined when none has one. */
  randomVolatileKey(): string | undefined {
    const d = this.t.deadlines;
    return d.size === 0 ? undefined : this.t.keyAt(d.slotAt(Math.floor(Math.random() * d.size)));
  }

  keyAt(slot: number): string | undefined {
    return this.t.keyAt(slot);
  }

  get(key: string): V | undefined {
    const slot = this.t.find(key);
    return slot < 0 ? undefined : this.t.valueAt(slot);
  }

  has(key: string): boolean {
    return this.t.find(key) >= 0;
  }

  /** The field of `key`, or undefined when there is no such key. */
  field(key: string): number | undefined {
    const slot = this.t.find(key);
    return slot < 0 ? undefined : this.t.fieldAt(slot);
  }

  /** Stores `value` under `key`; a new key gets `field`, an existing one keeps its own. True when new. */
  set(key: string, value: V, field = 0): boolean {
    const slot = this.t.find(key);
    if (slot < 0) {
      this.t.insert(key, value, field);
      return true;
    }
    this.replaceAt(key, slot, value);
    return false;
  }

  /** Adds `key`, which the caller just found missing (saves set()'s second lookup). */
  insert(key: string, value: V, field = 0): void {
    this.t.insert(key, value, field);
  }

  /** Replaces the value of `key`, whose slot is `slot` (saves set()'s lookup). */
  replaceAt(key: string, slot: number, value: V): void {
    this.t.beforeChange(key);
    this.t.setValueAt(slot, value);
  }

  delete(key: string): boolean {
    return this.t.delete(key);
  }

  /**
   * Swaps in a fresh table if this one is large, empty and no snapshot is open (the cron's call): it
   * gives back the rows, the free list and the deadline columns, which a table keeps for as long
   * as it has keys (a key keeps its slot for life). Not inside delete(): a command that removes
   * the last key and adds it again (COPY ... REPLACE) would move it to slot 0, behind a SCAN cursor
   * it was ahead of (found by review). Between commands an empty table has no key to promise any
   * SCAN. Small tables stay: their first chunk is as large as a fresh one's. Whether it swapped.
   */
  releaseIfEmpty(): boolean {
    const t = this.t;
    if (t.n !== 0 || t.snapshots !== 0 || t.allocated <= RESET_EMPTY_ABOVE) return false;
    this.t = new SlotTable<V>();
    return true;
  }

  clear(): void {
    this.t = new SlotTable<V>();
  }

  swapWith(other: SlotDict<V>): void {
    [this.t, other.t] = [other.t, this.t];
  }

  /** Runs up to `steps` steps (16 entries each) of a running rehash (the cron's share of it). */
  rehashSteps(steps: number): void {
    this.t.rehashSteps(steps);
  }

  /**
   * Starts a snapshot of the current contents: `before(key)` runs before each change from now, and
   * `claimed(slot)` when a freed slot is given to a key added since (see the module comment).
   */
  beginSnapshot(before: (key: string) => void, claimed: (slot: number) => void = () => {}): SlotSnapshotView<V> {
    const t = this.t;
    (t.hooks ??= []).push(before);
    (t.claims ??= []).push(claimed);
    t.snapshots++;
    const limit = t.allocated;
    let open = true;
    return {
      limit,
      slot: (key) => {
        const slot = t.find(key);
        return slot < 0 ? undefined : slot;
      },
      get: (key) => {
        const slot = t.find(key);
        return slot < 0 ? undefined : t.valueAt(slot);
      },
      keyAt: (slot) => t.keyAt(slot),
      value: (slot) => t.valueAt(slot),
      deadline: (slot) => t.deadlineAt(slot),
      next: (slot) => t.next(slot),
      entries: () => walk(t, limit),
      end: () => {
        if (!open) return;
        open = false;
        t.snapshots--;
        t.hooks = without(t.hooks, before);
        t.claims = without(t.claims, claimed);
      },
    };
  }

  /** Every key once; not for use across changes of the dict. */
  *keys(): IterableIterator<string> {
    for (const [k] of walk(this.t, this.t.allocated)) yield k;
  }

  /** Every entry once; not for use across changes of the dict. */
  entries(): IterableIterator<[string, V]> {
    return walk(this.t, this.t.allocated);
  }

  /** A random key (uniform over the keys), or undefined when empty. */
  randomKey(): string | undefined {
    const slot = this.t.randomSlot();
    return slot < 0 ? undefined : this.t.keyAt(slot);
  }

  /** Slots handed out so far (a key keeps its slot for life; new keys get the next ones or freed ones). */
  get allocatedSlots(): number {
    return this.t.allocated;
  }

  /**
   * Visits about `count` entries from `cursor` (0 = start) and returns the cursor to continue
   * with, 0 when the iteration is complete. Every key present for the whole iteration is visited
   * exactly once. `visit` may change the dict. The iteration ends at slot `end` (default: every
   * slot allocated): an end fixed when it began bounds it even while keys keep being added.
   */
  scan(cursor: number, count: number, visit: (key: string, value: V) => void, end = Infinity): number {
    const t = this.t;
    let slot = t.skipEmpty(Number.isSafeInteger(cursor) && cursor > 0 ? cursor : 0);
    let found = 0;
    let budget = Math.max(1, count) * SCAN_EMPTY_PER_KEY;
    const limit = Math.min(end, t.allocated);
    while (slot < limit && found < count && budget > 0) {
      const key = t.keyAt(slot);
      if (key === undefined) budget--;
      else {
        found++;
        visit(key, t.valueAt(slot));
      }
      slot = t.next(slot);
    }
    return slot < limit ? slot : 0;
  }
}

/** The entries of the slots below `limit`, in slot order. */
function* walk<V>(t: SlotTable<V>, limit: number): IterableIterator<[string, V]> {
  for (let slot = t.skipEmpty(0); slot < limit; slot = t.next(slot)) {
    const key = t.keyAt(slot);
    if (key !== undefined) yield [key, t.valueAt(slot)];
  }
}

/** A snapshot's hook or claim removed from the table's list (null once empty). */
function without<F>(list: F[] | null, fn: F): F[] | null {
  const i = list?.indexOf(fn) ?? -1;
  if (i >= 0) list!.splice(i, 1);
  return list?.length === 0 ? null : list;
}
