// SCAN over a sharded table (dict-table.ts) that may gain shards between two calls.
//
// Order. Shards are walked in the order of their index's bits reversed, as Redis walks buckets:
// then the shards a shard splits into (i + m*S) are neighbours, and together cover exactly the
// part of the walk the old shard covered. A walk's progress is a position in a fixed space of
// 2^30 reversed hash prefixes: everything before `pos` is done, whatever the shard count is now.
// At `pos` starts a "unit": one shard, or while shard i is being split, `from` followed by its
// fresh parts (keys only move forwards in that list: from `from` to a part).
//
// Within a unit the walk follows a live Map iterator (which visits every entry present from start
// to end, whatever else changes), tied to the unit by the id of its first Map. When the unit at
// `pos` is no longer the one walked (its shard was split meanwhile, the table was cleared), the
// walk starts that unit again from its beginning: keys may repeat, never be skipped.
//
// Iterators cannot be copied or rebuilt cheaply, so a cursor whose iterator was dropped (too many
// cursors at once) keeps {offset, removedAt}: entries taken from the current Map, and that Map's
// removal counter when counting started. Maps only append, so at least offset - (removals since)
// live entries precede the point reached: resuming that many entries in can revisit keys but
// never skips one. With shards of at most ~2^15 keys, that resume costs little.

import type { Shard, Table } from './dict-table.js';

const SPACE_BITS = 30;
/** The end of the walk. */
export const SPACE_END = 2 ** SPACE_BITS;

interface Unit<V> {
  start: number;
  end: number;
  maps: Shard<V>[];
  /** maps[0] is a shard being split: its values may be stale (read them from the table). */
  splitting: boolean;
}

/** The low `bits` bits of x, reversed. */
function rev(x: number, bits: number): number {
  if (bits === 0) return 0;
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  x = (x >>> 16) | (x << 16);
  return x >>> (32 - bits);
}

function unit<V>(maps: Shard<V>[], prefix: number, bits: number, splitting = false): Unit<V> {
  const width = 2 ** (SPACE_BITS - bits);
  return { start: prefix * width, end: (prefix + 1) * width, maps, splitting };
}

/** The unit of the table's current layout that contains position `pos`. */
function unitAt<V>(t: Table<V>, pos: number): Unit<V> {
  const bits = 31 - Math.clz32(t.mask + 1);
  if (t.mask !== t.oldMask) {
    // A round is running: old shards from `split` on are still whole (or being split).
    const oldBits = 31 - Math.clz32(t.oldMask + 1);
    const prefix = Math.floor(pos / 2 ** (SPACE_BITS - oldBits));
    const i = rev(prefix, oldBits);
    if (t.isWhole(i)) return unit([t.shards[i]], prefix, oldBits);
    if (i === t.split) {
      const maps = [t.from!];
      for (let j = i; j <= t.mask; j += t.oldMask + 1) maps.push(t.shards[j]);
      return unit(maps, prefix, oldBits, true);
    }
  }
  const prefix = Math.floor(pos / 2 ** (SPACE_BITS - bits));
  return unit([t.shards[rev(prefix, bits)]], prefix, bits);
}

/** The state of one SCAN: where it is, and (while live) the Map iterator it follows. */
export class Walker<V> {
  /** Start of the unit being walked: all before it is done. */
  pos = 0;
  /** Id of the walked unit's first Map (0: none yet). */
  private sig = 0;
  private mapIdx = 0;
  /** Entries taken from maps[mapIdx]'s iteration, and its removal counter then. */
  private offset = 0;
  private removedAt = 0;
  /** The entry read ahead to learn whether the walk is complete; not visited yet. */
  pending: string | undefined = undefined;
  private table: Table<V> | null = null;
  private version = -1;
  private unit: Unit<V> | null = null;
  private it: Iterator<[string, V]> | null = null;

  /** The next entry (with its current value), or null at the end of the walk. */
  next(t: Table<V>): [string, V] | null {
    while (this.pos < SPACE_END) {
      if (this.table !== t || this.version !== t.version) this.sync(t);
      const u = this.unit!;
      this.it ??= this.open(u.maps[this.mapIdx]);
      const r = this.it.next();
      if (!r.done) {
        this.offset++;
        if (this.mapIdx !== 0 || !u.splitting) return r.value;
        const v = t.get(r.value[0]);
        if (v !== undefined) return [r.value[0], v];
        continue;
      }
      this.it = null;
      this.offset = 0;
      if (++this.mapIdx < u.maps.length) continue;
      this.pos = u.end;
      this.mapIdx = 0;
      this.sig = 0;
      this.version = -1;
    }
    return null;
  }

  /** Drops the iterator (kept: the position to resume from). The read-ahead entry is unread. */
  demote(): void {
    if (this.pending !== undefined) {
      this.pending = undefined;
      this.offset--;
    }
    this.it = null;
    this.unit = null;
    this.table = null;
    this.version = -1;
  }

  /** Finds the unit at `pos` in the current layout; walks it anew unless it is the one walked. */
  private sync(t: Table<V>): void {
    const u = unitAt(t, this.pos);
    if (u.maps[0].sid !== this.sig || u.start !== this.pos) {
      this.pos = u.start;
      this.sig = u.maps[0].sid;
      this.mapIdx = 0;
      this.offset = 0;
      this.it = null;
    }
    this.table = t;
    this.version = t.version;
    this.unit = u;
  }

  /** An iterator of `map` past the entries already taken (all of them, or by position). */
  private open(map: Shard<V>): Iterator<[string, V]> {
    const it = map.entries();
    // offset and removedAt are about this map when offset > 0 (a resumed walk).
    const skip = this.offset === 0 ? 0 : Math.max(0, this.offset - (map.removed - this.removedAt));
    let n = 0;
    while (n < skip && !it.next().done) n++;
    this.offset = n;
    this.removedAt = map.removed;
    return it;
  }
}
