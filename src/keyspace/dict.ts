// Dict: the keyspace's dictionary. Today a thin layer over one Map; it exists so that the rest of
// the code does not depend on Map's limits (2^24 entries) and so that SCAN and random sampling
// have one home.
//
// SCAN over an insertion-ordered Map: a Map iterator stays valid while the Map changes (deleted
// entries are skipped, added ones are visited), which is exactly SCAN's guarantee. Live iterators
// are kept in a small per-dict cache keyed by cursor. A cursor encodes the position reached
// (high part) and a cache tag (low 20 bits); if the tag is unknown (evicted, or the cursor was
// reused), iteration resumes by position, which is right unless keys before it were deleted since.

const TAG_BITS = 20;
const TAG_SPACE = 1 << TAG_BITS;
const MAX_CURSORS = 256;

interface ScanState<V> {
  map: Map<string, V>;
  it: Iterator<[string, V]>;
  pos: number;
}

export class Dict<V> {
  private map = new Map<string, V>();
  private cursors = new Map<number, ScanState<V>>();
  private nextTag = 1 + Math.floor(Math.random() * (TAG_SPACE - 2));

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
    this.map.set(key, value);
  }

  delete(key: string): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    // A fresh Map (not Map.clear) so that FLUSHALL ASYNC-style callers can keep the old one.
    this.map = new Map();
    this.cursors.clear();
  }

  /** Takes the other dict's contents and gives it ours. */
  swapWith(other: Dict<V>): void {
    const m = this.map;
    this.map = other.map;
    other.map = m;
    this.cursors.clear();
    other.cursors.clear();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  /** A uniformly random key, or undefined when empty. O(n) today. */
  randomKey(): string | undefined {
    const n = this.map.size;
    if (n === 0) return undefined;
    let skip = Math.floor(Math.random() * n);
    for (const k of this.map.keys()) {
      if (skip-- === 0) return k;
    }
    return undefined;
  }

  /**
   * Visits about `count` entries starting at `cursor` and returns the next cursor (0 when the
   * iteration is complete). Every key present for the whole iteration is visited at least once.
   */
  scan(cursor: number, count: number, visit: (key: string, value: V) => void): number {
    const state = this.resume(cursor);
    const { it } = state;
    let seen = 0;
    while (seen < count) {
      const r = it.next();
      if (r.done) return 0;
      seen++;
      visit(r.value[0], r.value[1]);
    }
    state.pos += seen;
    return this.park(state);
  }

  private resume(cursor: number): ScanState<V> {
    if (cursor !== 0) {
      const tag = cursor % TAG_SPACE;
      const pos = Math.floor(cursor / TAG_SPACE);
      const cached = this.cursors.get(tag);
      this.cursors.delete(tag);
      if (cached && cached.map === this.map && cached.pos === pos) return cached;
      const it = this.map.entries();
      for (let i = 0; i < pos && !it.next().done; i++);
      return { map: this.map, it, pos };
    }
    return { map: this.map, it: this.map.entries(), pos: 0 };
  }

  private park(state: ScanState<V>): number {
    if (this.cursors.size >= MAX_CURSORS) {
      const oldest = this.cursors.keys().next().value as number;
      this.cursors.delete(oldest);
    }
    const tag = this.nextTag;
    this.nextTag = this.nextTag + 1 >= TAG_SPACE ? 1 : this.nextTag + 1;
    this.cursors.set(tag, state);
    return state.pos * TAG_SPACE + tag;
  }
}
