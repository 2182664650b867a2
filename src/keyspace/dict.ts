// Dict: a dictionary on V8 Maps with SCAN, random sampling, snapshots and growth in one place: the
// keyspace's key -> deadline dictionary (a database's keys and values are in SlotDict, on a hash
// table of its own: slot-dict.ts, slot-table.ts).
//
// Storage (dict-table.ts): a table of V8 Maps ("shards") picked by a hash of the key, one Map (and
// no hashing) while the dict is small; the shard count grows 8-fold, a few keys per write, as the
// dict grows, so that no Map nears V8's limit of 2^24 entries or stalls the server rehashing
// millions of them (no Map grows past 2^15 slots). clear() (FLUSH*) swaps in a new table and
// leaves the old one to the GC, which is what FLUSHALL ASYNC asks for; swapWith (SWAPDB) swaps
// tables.
//
// SCAN (dict-scan.ts). Redis guarantees that a full iteration returns every key present for the
// whole iteration (duplicates allowed), with a cursor that is just a number. A cursor here is an
// opaque id (1, 2, 3, ... never reused, below 2^53 so that clients parsing it as a double keep it
// exact) of a walker kept by the dict. A cursor that is not known at all (already used, evicted,
// from before a SWAPDB, or made up) restarts the iteration from the beginning, which is safe.
//
// Random keys (RANDOMKEY, eviction sampling): a shard is picked with probability proportional to
// its size, then a key from a per-shard array of its keys, rebuilt when enough keys were added or
// removed since: O(1) amortized, and a rebuild costs one shard, not the whole dict.
//
// Snapshots (AOF rewrite without fork): beginSnapshot() gives a view of the dict as it is now (T0)
// and a hook called before any key of that data changes, so the caller can save its T0 state.
// Hooks belong to the table holding the T0 data, not to the Dict: SWAPDB moves them with the
// data, and FLUSH* (which swaps in a new table) leaves the T0 data untouched from then on. The
// view walks the shards of T0: the split of a shard after T0 copies its keys into new Maps and
// never changes the T0 Map, so the walk sees each T0 key once, unchanged unless the hook ran.

import { Walker } from './dict-scan.js';
import { SHARD_LOAD, SPLIT_STEP, Table, type Shard, type TableConfig } from './dict-table.js';

/** Cursors whose iterator is kept (the fast path); older ones resume by position. */
const MAX_LIVE = 256;
/** Outstanding cursors remembered at all (a few dozen bytes each); older ones restart. */
const MAX_CURSORS = 16384;

/** Process-wide, so that the cursors of different dicts never collide. */
let nextCursorId = 1;

/** A dict's contents as they were when the snapshot began (see the module comment). */
export interface SnapshotView<V> {
  /** The key's value in the T0 data (its T0 value until the hook was called for it). */
  get(key: string): V | undefined;
  /** Walks the T0 data as it is now: keys changed since T0 must be skipped by the caller. */
  entries(): IterableIterator<[string, V]>;
  /** Stops calling the hook. */
  end(): void;
}

/** Tuning, for tests that want many shards from few keys. */
export interface DictOptions {
  /** Keys per shard at which the shard count grows (default 26214). */
  shardLoad?: number;
  /** Entries copied per write while the shard count grows (default 8). */
  splitStep?: number;
}

export class Dict<V> {
  private t: Table<V>;
  private readonly cfg: TableConfig;
  /** Outstanding cursors, oldest first. */
  private readonly cursors = new Map<number, Walker<V>>();
  /** The cursors whose walker keeps its iterator, oldest first. */
  private readonly live = new Set<number>();

  constructor(options: DictOptions = {}) {
    this.cfg = { load: Math.max(1, options.shardLoad ?? SHARD_LOAD), step: Math.max(1, options.splitStep ?? SPLIT_STEP) };
    this.t = new Table<V>(this.cfg);
  }

  get size(): number {
    return this.t.n;
  }

  /** Shards in use, the largest one's size, and whether the shard count is growing (for tests). */
  stats(): { shards: number; largest: number; growing: boolean } {
    const t = this.t;
    const maps = t.from === null ? t.distinct() : [t.from, ...t.distinct()];
    return { shards: maps.length, largest: maps.reduce((n, m) => Math.max(n, m.size), 0), growing: t.mask !== t.oldMask };
  }

  get(key: string): V | undefined {
    return this.t.get(key);
  }

  has(key: string): boolean {
    return this.t.get(key) !== undefined;
  }

  /** Stores `value` under `key`; true when the key is new. */
  set(key: string, value: V): boolean {
    return this.t.set(key, value);
  }

  delete(key: string): boolean {
    return this.t.delete(key);
  }

  /**
   * Runs the snapshot hooks for `key`, as a set() would, for a caller about to change what the
   * key's value refers to (SlotDict overwrites values in its own store).
   */
  beforeChange(key: string): void {
    this.t.beforeChange(key);
  }

  clear(): void {
    this.t = new Table<V>(this.cfg);
    // Outstanding cursors go on in the new table (from the start of the unit they were in).
    this.dropIterators();
  }

  /** Takes the other dict's contents and gives it ours (SWAPDB). Outstanding cursors restart. */
  swapWith(other: Dict<V>): void {
    [this.t, other.t] = [other.t, this.t];
    for (const d of [this, other]) {
      d.cursors.clear();
      d.live.clear();
    }
  }

  /** Starts a snapshot of the current contents; `before(key)` runs before each change from now. */
  beginSnapshot(before: (key: string) => void): SnapshotView<V> {
    const t = this.t;
    // No split half done at T0: the T0 data is then exactly the distinct shards, disjoint.
    t.finishSplit();
    const maps = t.distinct();
    (t.hooks ??= []).push(before);
    return {
      get: (key) => t.get(key),
      entries: () => walkAll(maps),
      end: () => dropHook(t, before),
    };
  }

  /** Every key once; not for use across changes of the dict. */
  *keys(): IterableIterator<string> {
    for (const [k] of this.t.entries()) yield k;
  }

  /** Every entry once; not for use across changes of the dict. */
  entries(): IterableIterator<[string, V]> {
    return this.t.entries();
  }

  /** A random key (about uniform over the keys), or undefined when empty. */
  randomKey(): string | undefined {
    return this.t.randomKey();
  }

  /**
   * Visits about `count` entries from `cursor` (0 = start) and returns the cursor to continue
   * with, 0 when the iteration is complete. Every key present for the whole iteration is visited
   * at least once. `visit` may change the dict.
   */
  scan(cursor: number, count: number, visit: (key: string, value: V) => void): number {
    let w = cursor === 0 ? undefined : this.cursors.get(cursor);
    if (w !== undefined) {
      this.cursors.delete(cursor);
      this.live.delete(cursor);
    } else w = new Walker<V>();
    let seen = 0;
    if (w.pending !== undefined) {
      const key = w.pending;
      w.pending = undefined;
      seen++;
      const v = this.t.get(key);
      if (v !== undefined) visit(key, v);
    }
    for (; seen < count; seen++) {
      const e = w.next(this.t);
      if (e === null) return 0;
      visit(e[0], e[1]);
    }
    const ahead = w.next(this.t);
    if (ahead === null) return 0;
    w.pending = ahead[0];
    return this.park(w);
  }

  private park(w: Walker<V>): number {
    const id = nextCursorId++;
    this.cursors.set(id, w);
    this.live.add(id);
    if (this.cursors.size > MAX_CURSORS) {
      const oldest = this.cursors.keys().next().value as number;
      this.cursors.delete(oldest);
      this.live.delete(oldest);
    }
    if (this.live.size > MAX_LIVE) {
      const oldest = this.live.values().next().value as number;
      this.live.delete(oldest);
      this.cursors.get(oldest)?.demote();
    }
    return id;
  }

  private dropIterators(): void {
    for (const id of this.live) this.cursors.get(id)?.demote();
    this.live.clear();
  }
}

/** Removes a snapshot's hook from the table holding its T0 data (Dict's and SlotDict's alike). */
export function dropHook(t: { hooks: ((key: string) => void)[] | null }, before: (key: string) => void): void {
  const i = t.hooks?.indexOf(before) ?? -1;
  if (i >= 0) t.hooks!.splice(i, 1);
  if (t.hooks?.length === 0) t.hooks = null;
}

/** The entries of several Maps, one after the other. */
function* walkAll<V>(maps: Shard<V>[]): IterableIterator<[string, V]> {
  for (const m of maps) yield* m;
}
