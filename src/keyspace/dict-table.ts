// The storage behind Dict: a table of V8 Maps ("shards"), a key's shard chosen by the low bits of
// a hash of the key. Why not one Map: a V8 Map holds at most 2^24 entries, and it rehashes its
// whole table in one go when it grows (about 1 s at 2^23 entries: a stall for every client).
// Here no shard's Map grows past 2^15 slots, so its own rehash costs a millisecond or two, and the
// table holds 2^24 shards of them.
//
// A small table has one shard and computes no hash at all: below SHARD_LOAD keys a Dict costs what
// one Map costs. Past (shards x SHARD_LOAD) keys the shard count grows FAN-fold, in a "round" done
// a few keys at a time (like Redis's incremental rehash), never all at once:
//
// - The round starts by growing the shards array FAN-fold, the new slots pointing at the same Maps
//   as the old ones ("aliases"): shards[i + m*S] all hold old shard i, which is right for a key
//   whose hash ends in i whatever its next bits, so lookups need no special case for unsplit shards.
// - Old shards are then split in order, one at a time: shard i ("from") is replaced by FAN fresh
//   Maps at i + m*S, and every write to the table copies the next STEP entries of `from` to them.
//   Until the copy is done a key of shard i is in a fresh Map (written since, or copied) or only
//   in `from`; a write moves its key out of `from` at once, so the copy never overwrites a newer
//   value, and a lookup that misses in the fresh Map looks in `from`. `from` is never changed by
//   the copy itself (copied keys stay there as stale duplicates until it is dropped), which is
//   what lets snapshots and SCAN keep reading it.
// - Copies run on writes only, so a read-only load keeps at most one split pending (one shard's
//   lookups then take two Map reads on a miss).
// Why FAN = 8 rather than doubling: a key is copied once per round, so growing 8-fold copies each
// key 1/7 times on average instead of once, and memory does not care: each Map sizes itself by its
// own count, so S Maps of N/S keys take the slots one Map of N keys would. Fresh Maps rather than
// moving keys out of the old one: V8 Maps do not shrink until they are a quarter full.
//
// The shard count never shrinks (a dict emptied by deletes keeps its empty Maps, a few hundred
// bytes each); clear() starts over with a new one-shard table.

/** Keys per shard at which the shard count grows: 80% of 2^15, so that a shard's Map never has to
 *  grow to 2^16 slots while its round runs (the round finishes within 12.5% of growth). The largest
 *  rehash a shard does is then 2^14 -> 2^15 slots (a 2^15 -> 2^16 one measured 3-6 ms here). */
export const SHARD_LOAD = Math.floor(0.8 * (1 << 15));
/** Entries copied per write while a round runs (see SHARD_LOAD). */
export const SPLIT_STEP = 8;
/** log2 of the growth factor of the shard count per round. */
const FAN_BITS = 3;
/** More shards than this are never made (2^24 shards of 2^15 keys is far beyond memory). */
const MAX_SHARDS = 1 << 24;
/** Tries of the random shard pick before the exact (O(shards)) one. */
const RANDOM_TRIES = 64;
/** Tries at picking a live key from a shard's sample before rebuilding it. */
const SAMPLE_TRIES = 8;

export interface TableConfig {
  /** Keys per shard that start a round. */
  load: number;
  /** Entries copied per write during a round. */
  step: number;
}

/** Process-wide shard ids: a SCAN cursor tells by id whether its shard is still the same Map. */
let nextSid = 1;

/**
 * A 32-bit hash of a key (FNV-1a over 16-bit pairs of chars, then a finalizer so that the low bits,
 * which pick the shard, depend on every char). Keys are latin1 strings, one char per byte.
 */
export function hashKey(s: string): number {
  const n = s.length;
  let h = 0x811c9dc5 ^ n;
  let i = 0;
  for (; i + 1 < n; i += 2) h = Math.imul(h ^ (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8)), 0x01000193);
  if (i < n) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** One shard: a Map plus what SCAN's position fallback and random picks need to know about it. */
export class Shard<V> extends Map<string, V> {
  readonly sid = nextSid++;
  /** Entries ever deleted from this Map. */
  removed = 0;
  /** Keys as they were at `sampleSize`/`sampleRemoved`, for uniform random picks. */
  private sample: string[] | null = null;
  private sampleSize = 0;
  private sampleRemoved = 0;

  /** A random key of this shard (uniform over its sample of keys), or undefined when empty. */
  randomKey(): string | undefined {
    if (this.size === 0) return undefined;
    for (let round = 0; round < 2; round++) {
      if (round === 1 || this.sampleIsStale()) this.takeSample();
      const s = this.sample!;
      for (let i = 0; i < SAMPLE_TRIES; i++) {
        const k = s[Math.floor(Math.random() * s.length)];
        if (this.has(k)) return k;
      }
    }
    return this.keys().next().value;
  }

  /** Stale when a quarter as many keys were added, or half as many removed, as it holds. */
  private sampleIsStale(): boolean {
    const s = this.sample;
    if (s === null || s.length === 0) return true;
    const removed = this.removed - this.sampleRemoved;
    const added = this.size - this.sampleSize + removed;
    return added > s.length / 4 || removed > s.length / 2;
  }

  private takeSample(): void {
    this.sample = [...this.keys()];
    this.sampleSize = this.size;
    this.sampleRemoved = this.removed;
  }
}

export class Table<V> {
  /** Key -> shards[hash & mask] (no hash while mask is 0); a round starts its new slots as aliases. */
  shards: Shard<V>[] = [new Shard<V>()];
  mask = 0;
  /** The mask before the current round (equal to mask when no round is running). */
  oldMask = 0;
  /** During a round: old shards below this one are split. */
  split = 0;
  /** The old shard being split, or null (between splits, or no round). */
  from: Shard<V> | null = null;
  /** Keys in the table. */
  n = 0;
  /** Bumped whenever a shard is replaced, so that SCAN walkers know to look again. */
  version = 0;
  /** Snapshot hooks: called before any key of this table changes (see Dict.beginSnapshot). */
  hooks: ((key: string) => void)[] | null = null;
  private growAt: number;
  private copying: Iterator<[string, V]> | null = null;
  /** randomKey's bound of the shards' sizes, and the picks made since it was computed. */
  private weightMax = 0;
  private weightUses = 0;

  constructor(private readonly cfg: TableConfig) {
    this.growAt = cfg.load;
  }

  get(key: string): V | undefined {
    if (this.mask === 0) return this.shards[0].get(key);
    const h = hashKey(key);
    const v = this.shards[h & this.mask].get(key);
    if (v !== undefined || this.from === null || (h & this.oldMask) !== this.split) return v;
    return this.from.get(key);
  }

  /** Stores `value` under `key`; true when the key is new. */
  set(key: string, value: V): boolean {
    if (this.hooks !== null) this.callHooks(key);
    let s = this.shards[0];
    if (this.mask !== 0) {
      if (this.mask !== this.oldMask) return this.setGrowing(key, value);
      s = this.shards[hashKey(key) & this.mask];
    }
    const before = s.size;
    s.set(key, value);
    if (s.size === before) return false;
    if (++this.n > this.growAt) this.startRound();
    return true;
  }

  /** set() while a round runs (kept apart so that the common path stays small enough to inline). */
  private setGrowing(key: string, value: V): boolean {
    const h = hashKey(key);
    const s = this.shards[h & this.mask];
    const before = s.size;
    s.set(key, value);
    let added = s.size !== before;
    // A key of the shard being split leaves `from` now (see the module comment).
    if (this.from !== null && (h & this.oldMask) === this.split && this.from.delete(key)) {
      this.from.removed++;
      added = false;
    }
    if (added) this.n++;
    this.step();
    return added;
  }

  delete(key: string): boolean {
    if (this.hooks !== null && this.get(key) !== undefined) this.callHooks(key);
    let s = this.shards[0];
    if (this.mask !== 0) {
      if (this.mask !== this.oldMask) return this.deleteGrowing(key);
      s = this.shards[hashKey(key) & this.mask];
    }
    if (!s.delete(key)) return false;
    s.removed++;
    this.n--;
    return true;
  }

  private deleteGrowing(key: string): boolean {
    const h = hashKey(key);
    const s = this.shards[h & this.mask];
    let found = s.delete(key);
    if (found) s.removed++;
    if (this.from !== null && (h & this.oldMask) === this.split && this.from.delete(key)) {
      this.from.removed++;
      found = true;
    }
    if (!found) return false;
    this.n--;
    this.step();
    return true;
  }

  /** Runs the snapshot hooks, if any, for a change of `key` made outside the table. */
  beforeChange(key: string): void {
    if (this.hooks !== null) this.callHooks(key);
  }

  private callHooks(key: string): void {
    for (const h of this.hooks!) h(key);
  }

  /** Grows the shards array, the new slots aliasing the old shards; splits start with the next write. */
  private startRound(): void {
    const count = this.shards.length;
    if (count >= MAX_SHARDS) {
      this.growAt = Infinity;
      return;
    }
    for (let j = count; j < count << FAN_BITS; j++) this.shards.push(this.shards[j - count]);
    this.oldMask = this.mask;
    this.mask = (count << FAN_BITS) - 1;
    this.split = 0;
    this.version++;
  }

  /** During a round: whether old shard i is not split yet (its Map fills all of its slots). */
  isWhole(i: number): boolean {
    return this.mask !== this.oldMask && (i > this.split || (i === this.split && this.from === null));
  }

  /** Copies the next entries of the shard being split (starting its split if none is running). */
  private step(): void {
    if (this.copying === null) this.startSplit();
    const it = this.copying!;
    for (let i = 0; i < this.cfg.step; i++) {
      const r = it.next();
      if (r.done) return this.endSplit();
      const [k, v] = r.value;
      this.shards[hashKey(k) & this.mask].set(k, v);
    }
  }

  private startSplit(): void {
    const i = this.split;
    const from = this.shards[i];
    this.from = from;
    for (let j = i; j <= this.mask; j += this.oldMask + 1) this.shards[j] = new Shard<V>();
    this.copying = from.entries();
    this.version++;
  }

  private endSplit(): void {
    this.from = null;
    this.copying = null;
    this.version++;
    if (++this.split <= this.oldMask) return;
    this.oldMask = this.mask;
    this.split = 0;
    this.growAt = (this.mask + 1) * this.cfg.load;
    if (this.n > this.growAt) this.startRound();
  }

  /** Completes the split in progress, if any (at most one shard's copy). */
  finishSplit(): void {
    while (this.from !== null) this.step();
  }

  /** The distinct shards (aliases once), without `from`. */
  distinct(): Shard<V>[] {
    return this.shards.filter((_, j) => j <= this.oldMask || !this.isWhole(j & this.oldMask));
  }

  /** Every entry once; the table must not change during the iteration. */
  *entries(): IterableIterator<[string, V]> {
    const from = this.from;
    if (from !== null) {
      // Keys still only in `from` (the others were copied, and the fresh shard has them).
      for (const e of from) if (!this.shards[hashKey(e[0]) & this.mask].has(e[0])) yield e;
    }
    for (const s of this.distinct()) yield* s;
  }

  /** A random key, every key about equally likely; undefined when empty. */
  randomKey(): string | undefined {
    if (this.n === 0) return undefined;
    if (this.mask === 0) return this.shards[0].randomKey();
    // Pick a slot (a shard, or `from`), accept it with probability proportional to its keys, then
    // a key in it: uniform over keys, whatever the shard sizes (rejection sampling).
    const slots = this.shards.length;
    const fan = slots / (this.oldMask + 1);
    for (let tries = 0; tries < RANDOM_TRIES; tries++) {
      const j = Math.floor(Math.random() * (slots + 1));
      const s = j === slots ? this.from : this.shards[j];
      if (s === null || s.size === 0) continue;
      // An unsplit shard fills `fan` slots: its keys are shared among them.
      const weight = j !== slots && this.isWhole(j & this.oldMask) ? s.size / fan : s.size;
      if (Math.random() * this.maxWeight(weight) >= weight) continue;
      const k = s.randomKey()!;
      // A key copied out of `from` counts in its fresh shard, not here.
      if (s === this.from && this.shards[hashKey(k) & this.mask].has(k)) continue;
      return k;
    }
    return this.randomKeyExact();
  }

  /** An upper bound of the slots' weights, recomputed every `slots` uses (amortized O(1)). */
  private maxWeight(weight: number): number {
    if (++this.weightUses <= this.shards.length && weight <= this.weightMax) return this.weightMax;
    this.weightUses = 0;
    let max = this.from === null ? 0 : this.from.size;
    for (const s of this.shards) if (s.size > max) max = s.size;
    return (this.weightMax = max);
  }

  /** The slow path of randomKey (very uneven shards): a shard picked by a walk over all of them. */
  private randomKeyExact(): string | undefined {
    this.finishSplit();
    let r = Math.floor(Math.random() * this.n);
    for (const s of this.distinct()) {
      if (r < s.size) return s.randomKey();
      r -= s.size;
    }
    return undefined;
  }
}
