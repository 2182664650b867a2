// Dict: the keyspace's dictionary. A layer over one insertion-ordered Map, so that SCAN, random
// sampling and bookkeeping have one home and the rest of the code does not depend on Map.
//
// SCAN. Redis guarantees that a full iteration returns every key present for the whole iteration
// (duplicates allowed), with a cursor that is just a number. A Map iterator gives exactly that
// guarantee while the Map changes (deleted entries are skipped, added ones are visited), so the
// fast path keeps live iterators, keyed by the cursor handed out. A cursor is an opaque id
// (1, 2, 3, ... never reused, below 2^53 so that clients parsing it as a double keep it exact).
//
// Iterators cannot be copied or rebuilt cheaply, so the design plans for losing them: the small
// record kept per outstanding cursor is {pos, removedAt}, the number of entries the iteration has
// passed and this dict's removal counter when it started counting. Entries are only ever appended
// at the end of a Map, so the live entries before the iteration's point are at least
// pos - (removals since removedAt). Resuming a cursor whose iterator was dropped (more than
// MAX_LIVE scans at once) from that many entries in can revisit keys but never skips one. A cursor
// that is not known at all (already used, evicted from the ledger, from before a SWAPDB, or made
// up) restarts the iteration from the beginning, which is also safe.
//
// Random keys (RANDOMKEY, eviction sampling) come from a snapshot array of the keys, rebuilt when
// enough keys were added or removed since, so a pick is O(1) amortized instead of O(n).
//
// Snapshots (AOF rewrite without fork): beginSnapshot() gives a view of the dict as it is now (T0)
// and a hook called before each key of that data first changes, so the caller can save its T0
// state. Hooks are tied to the Map holding the T0 data, not to the Dict: SWAPDB moves them along
// with the data, and FLUSH* (which swaps in a fresh Map) leaves the T0 Map untouched from then on.

/** Cursors whose iterator is kept (the fast path); older ones resume by position. */
const MAX_LIVE = 256;
/** Outstanding cursors remembered at all (a few dozen bytes each); older ones restart. */
const MAX_CURSORS = 16384;
/** Tries at picking a live key from the snapshot before rebuilding it. */
const SAMPLE_TRIES = 8;

/** Process-wide, so that the cursors of different dicts never collide. */
let nextCursorId = 1;

/** Active snapshots: T0 Map -> hooks to call before one of its keys changes. */
const snapshotHooks = new Map<Map<string, unknown>, ((key: string) => void)[]>();

/** A dict's contents as they were when the snapshot began (see the module comment). */
export interface SnapshotView<V> {
  /** The key's value in the T0 data (its T0 value until the hook was called for it). */
  get(key: string): V | undefined;
  /** Walks the T0 data as it is now: keys changed since T0 must be skipped by the caller. */
  entries(): IterableIterator<[string, V]>;
  /** Stops calling the hook. */
  end(): void;
}

interface CursorRecord {
  pos: number;
  removedAt: number;
}

interface LiveScan<V> {
  it: Iterator<[string, V]>;
  /** The entry read ahead to learn whether the iteration was complete; not visited yet. */
  pending: string | undefined;
}

export class Dict<V> {
  private map = new Map<string, V>();
  /** Entries ever added to / removed from this dict (new keys, delete, clear). */
  private added = 0;
  private removed = 0;
  private readonly cursors = new Map<number, CursorRecord>();
  private readonly live = new Map<number, LiveScan<V>>();
  private sample: string[] | null = null;
  private sampleAdded = 0;
  private sampleRemoved = 0;

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  set(key: string, value: V): void {
    if (snapshotHooks.size !== 0) this.beforeChange(key);
    const n = this.map.size;
    this.map.set(key, value);
    if (this.map.size !== n) this.added++;
  }

  delete(key: string): boolean {
    if (snapshotHooks.size !== 0 && this.map.has(key)) this.beforeChange(key);
    if (!this.map.delete(key)) return false;
    this.removed++;
    return true;
  }

  clear(): void {
    // A fresh Map rather than Map.clear(): the old one is freed by the GC in the background, which
    // is what FLUSHALL ASYNC asks for. Outstanding cursors go on from the start of the new Map.
    this.removed += this.map.size;
    this.map = new Map();
    this.live.clear();
    this.sample = null;
  }

  /** Takes the other dict's contents and gives it ours (SWAPDB). Outstanding cursors restart. */
  swapWith(other: Dict<V>): void {
    const m = this.map;
    this.map = other.map;
    other.map = m;
    for (const d of [this, other]) {
      d.cursors.clear();
      d.live.clear();
      d.sample = null;
    }
  }

  private beforeChange(key: string): void {
    const hooks = snapshotHooks.get(this.map);
    if (hooks !== undefined) for (const h of hooks) h(key);
  }

  /** Starts a snapshot of the current contents; `before(key)` runs before each first change. */
  beginSnapshot(before: (key: string) => void): SnapshotView<V> {
    const map = this.map;
    const hooks = snapshotHooks.get(map) ?? [];
    hooks.push(before);
    snapshotHooks.set(map, hooks);
    return {
      get: (key) => map.get(key),
      entries: () => map.entries(),
      end: () => {
        const i = hooks.indexOf(before);
        if (i >= 0) hooks.splice(i, 1);
        if (hooks.length === 0 && snapshotHooks.get(map) === hooks) snapshotHooks.delete(map);
      },
    };
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  /** A random key (uniform over the keys of the current snapshot), or undefined when empty. */
  randomKey(): string | undefined {
    if (this.map.size === 0) return undefined;
    if (this.sampleIsStale()) this.takeSample();
    for (let round = 0; round < 2; round++) {
      const s = this.sample!;
      for (let i = 0; i < SAMPLE_TRIES; i++) {
        const k = s[Math.floor(Math.random() * s.length)];
        if (this.map.has(k)) return k;
      }
      this.takeSample();
    }
    return this.map.keys().next().value;
  }

  private sampleIsStale(): boolean {
    const s = this.sample;
    if (s === null || s.length === 0) return true;
    return this.added - this.sampleAdded > s.length / 4 || this.removed - this.sampleRemoved > s.length / 2;
  }

  private takeSample(): void {
    this.sample = [...this.map.keys()];
    this.sampleAdded = this.added;
    this.sampleRemoved = this.removed;
  }

  /**
   * Visits about `count` entries from `cursor` (0 = start) and returns the cursor to continue
   * with, 0 when the iteration is complete. Every key present for the whole iteration is visited
   * at least once. `visit` may change the dict.
   */
  scan(cursor: number, count: number, visit: (key: string, value: V) => void): number {
    const rec = cursor === 0 ? undefined : this.cursors.get(cursor);
    const scan = rec === undefined ? undefined : this.live.get(cursor);
    this.cursors.delete(cursor);
    this.live.delete(cursor);
    let pos = rec?.pos ?? 0;
    let removedAt = rec?.removedAt ?? this.removed;
    let it: Iterator<[string, V]>;
    let seen = 0;
    if (scan !== undefined) {
      it = scan.it;
      if (scan.pending !== undefined) {
        pos++;
        seen++;
        const v = this.map.get(scan.pending);
        if (v !== undefined) visit(scan.pending, v);
      }
    } else {
      // Resume by position: no fewer live entries than this precede the point reached.
      pos = Math.max(0, pos - (this.removed - removedAt));
      removedAt = this.removed;
      it = this.map.entries();
      for (let i = 0; i < pos && !it.next().done; i++);
    }
    for (; seen < count; seen++, pos++) {
      const r = it.next();
      if (r.done) return 0;
      visit(r.value[0], r.value[1]);
    }
    const ahead = it.next();
    if (ahead.done) return 0;
    return this.park({ pos, removedAt }, { it, pending: ahead.value[0] });
  }

  private park(rec: CursorRecord, scan: LiveScan<V>): number {
    const id = nextCursorId++;
    this.cursors.set(id, rec);
    this.live.set(id, scan);
    if (this.cursors.size > MAX_CURSORS) {
      const oldest = this.cursors.keys().next().value as number;
      this.cursors.delete(oldest);
      this.live.delete(oldest);
    }
    if (this.live.size > MAX_LIVE) this.live.delete(this.live.keys().next().value as number);
    return id;
  }
}
