// SlotDict: a Dict whose entries also carry a 32-bit integer "field" (the keyspace's per-key
// access metadata, lru.ts), for 12 bytes a key instead of a second dictionary entry (~29 bytes).
//
// The key -> value Dict becomes a key -> slot Dict (a slot is a small integer: V8 stores it in the
// Map entry, unboxed), and values and fields live in a store indexed by slot: chunks of 2^16 values
// (a JS array, 8 bytes a slot) and of 2^16 fields (an Int32Array, 4 bytes a slot). Chunks, not one
// array, so that growing never copies more than one chunk (no pause at tens of millions of keys).
// Slots of deleted keys are reused (except while a snapshot is open, see below).
//
// Everything else (sharding, SCAN, random keys, snapshots) is the inner Dict's: a split copies
// key -> slot pairs and never moves a value, which is why a stale copy is harmless. Snapshots:
// before a value changes in place, the inner table's hooks run (Dict.beforeChange), so a snapshot
// reads the T0 value through the slot before it is overwritten. While a snapshot is open, freed
// slots are not reused: every slot a key gets after T0 is then at or above the view's `limit`, so a
// snapshot's user can tell the T0 keys still unchanged by their slot alone (below the limit and not
// marked by its hook), with a bitmap instead of a set of changed keys (see rewrite.ts).

import { Dict, type DictOptions, type SnapshotView } from './dict.js';

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

class SlotStore<V> {
  private readonly values: (V | undefined)[][] = [];
  private readonly fields: Int32Array[] = [];
  private readonly free: number[] = [];
  private next = 0;
  /**
   * Open snapshots: while there are any, freed slots are not reused (see the module comment). So a
   * long rewrite under heavy key turnover grows the store by a slot (12 bytes) per key added
   * meanwhile; the slots are reused afterwards, the chunks stay (not counted in used_memory).
   */
  snapshots = 0;

  /** Slots allocated so far: every slot allocated from now on, while a snapshot is open, is at least this. */
  get allocated(): number {
    return this.next;
  }

  alloc(v: V, field: number): number {
    let slot = this.snapshots === 0 ? this.free.pop() : undefined;
    if (slot === undefined) {
      slot = this.next++;
      if ((slot & MASK) === 0) {
        // new Array(2^16) is a fast holey array with room for the whole chunk: no regrowth.
        this.values.push(new Array<V | undefined>(CHUNK));
        this.fields.push(new Int32Array(CHUNK));
      }
    }
    this.values[slot >>> CHUNK_BITS][slot & MASK] = v;
    this.fields[slot >>> CHUNK_BITS][slot & MASK] = field;
    return slot;
  }

  release(slot: number): void {
    this.values[slot >>> CHUNK_BITS][slot & MASK] = undefined;
    this.free.push(slot);
  }

  value(slot: number): V {
    return this.values[slot >>> CHUNK_BITS][slot & MASK] as V;
  }

  setValue(slot: number, v: V): void {
    this.values[slot >>> CHUNK_BITS][slot & MASK] = v;
  }

  field(slot: number): number {
    return this.fields[slot >>> CHUNK_BITS][slot & MASK];
  }

  setField(slot: number, f: number): void {
    this.fields[slot >>> CHUNK_BITS][slot & MASK] = f;
  }
}

/** A SlotDict's snapshot: also the T0 slots of keys, and the bound below which slots are T0's. */
export interface SlotSnapshotView<V> extends SnapshotView<V> {
  /**
   * Slots allocated at T0. A key whose slot is at or above it was added after T0 (freed slots are
   * not reused while the snapshot is open); one below it is a T0 key, unchanged unless the hook ran.
   */
  readonly limit: number;
  /**
   * The key's slot in the table that held the T0 data: its T0 slot until the hook was called for
   * it; after a delete and re-add, its new slot (at or above `limit`).
   */
  slot(key: string): number | undefined;
}

export class SlotDict<V> {
  private readonly slots: Dict<number>;
  private store = new SlotStore<V>();

  constructor(options: DictOptions = {}) {
    this.slots = new Dict<number>(options);
  }

  get size(): number {
    return this.slots.size;
  }

  stats(): { shards: number; largest: number; growing: boolean } {
    return this.slots.stats();
  }

  /** The slot of `key` (valid until the key is deleted), or -1. */
  slotOf(key: string): number {
    return this.slots.get(key) ?? -1;
  }

  valueAt(slot: number): V {
    return this.store.value(slot);
  }

  fieldAt(slot: number): number {
    return this.store.field(slot);
  }

  setFieldAt(slot: number, field: number): void {
    this.store.setField(slot, field);
  }

  get(key: string): V | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.store.value(slot);
  }

  has(key: string): boolean {
    return this.slots.get(key) !== undefined;
  }

  /** The field of `key`, or undefined when there is no such key. */
  field(key: string): number | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.store.field(slot);
  }

  /** Stores `value` under `key`; a new key gets `field`, an existing one keeps its own. True when new. */
  set(key: string, value: V, field = 0): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return this.slots.set(key, this.store.alloc(value, field));
    this.slots.beforeChange(key);
    this.store.setValue(slot, value);
    return false;
  }

  /** Adds `key`, which the caller just found missing (saves set()'s second lookup). */
  insert(key: string, value: V, field = 0): void {
    this.slots.set(key, this.store.alloc(value, field));
  }

  /** Replaces the value of `key`, whose slot is `slot` (saves set()'s lookup). */
  replaceAt(key: string, slot: number, value: V): void {
    this.slots.beforeChange(key);
    this.store.setValue(slot, value);
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.slots.delete(key);
    this.store.release(slot);
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.store = new SlotStore<V>();
  }

  swapWith(other: SlotDict<V>): void {
    this.slots.swapWith(other.slots);
    [this.store, other.store] = [other.store, this.store];
  }

  /** As Dict.beginSnapshot, values read through the T0 slots; the maps' raw values are slots. */
  beginSnapshot(before: (key: string) => void): SlotSnapshotView<V> {
    const view = this.slots.beginSnapshot(before);
    const store = this.store;
    store.snapshots++;
    let open = true;
    return {
      limit: store.allocated,
      slot: (key) => view.get(key),
      get: (key) => {
        const slot = view.get(key);
        return slot === undefined ? undefined : store.value(slot);
      },
      entries: () => withValues(view.entries(), store),
      maps: () => view.maps(),
      value: (slot) => store.value(slot as number),
      end: () => {
        view.end();
        if (open) store.snapshots--;
        open = false;
      },
    };
  }

  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  entries(): IterableIterator<[string, V]> {
    return withValues(this.slots.entries(), this.store);
  }

  randomKey(): string | undefined {
    return this.slots.randomKey();
  }

  scan(cursor: number, count: number, visit: (key: string, value: V) => void): number {
    return this.slots.scan(cursor, count, (key, slot) => visit(key, this.store.value(slot)));
  }
}

function* withValues<V>(entries: IterableIterator<[string, number]>, store: SlotStore<V>): IterableIterator<[string, V]> {
  for (const [key, slot] of entries) yield [key, store.value(slot)];
}
