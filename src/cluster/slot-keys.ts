// The keys of database 0 per hash slot, kept in cluster mode only (Redis keeps the same index in
// cluster mode: CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT read it instead of scanning the keyspace).
// Keys are listed newest first, as Redis adds a key at the head of its slot's list; an overwrite
// does not move a key. The database tells the index of every key it adds or removes (KeyIndex).
//
// Each slot keeps a log of its keys in the order they were added, with a hole where a key was
// removed, and each key's place in it: GETKEYSINSLOT walks back from the end for `count` keys
// rather than copying the slot's keys (a Set copied whole took about 1.4 ms per call for a slot
// of 200,000 keys, and resharding calls it for every 10 keys it moves). The log comes in chunks of
// CHUNK places, each compacted alone once under half full and dropped once empty: no removal
// rewrites more than CHUNK positions (compacting a whole log of 2M keys in one removal took
// 300 ms), and a walk for `count` keys passes at most about as many holes, plus one chunk.
// A V8 Map holds at most 2^24 entries, and one hash tag can put more keys than that in one slot,
// so each slot's places are kept in as many Maps as it needs (PlaceMaps).

import type { KeyIndex } from '../keyspace/database.js';
import { keyHashSlot } from './slots.js';

/** Places per chunk of a slot's log. */
const CHUNK = 1024;
/** Keys per Map of places: well under the 2^24 entries a V8 Map can hold. */
const KEYS_PER_MAP = 8_000_000;

/**
 * Key -> place, in one Map until it is full, then in more: a slot may hold more keys than a Map
 * can (Redis holds billions). Nearly always there is one Map, and a lookup costs one more load.
 */
class PlaceMaps {
  private maps = [new Map<string, number>()];
  private count = 0;

  constructor(private readonly perMap: number) {}

  get size(): number {
    return this.count;
  }

  get(key: string): number | undefined {
    const maps = this.maps;
    for (let i = 0; i < maps.length; i++) {
      const p = maps[i].get(key);
      if (p !== undefined) return p;
    }
    return undefined;
  }

  /**
   * Adds a key not present (the caller checked with get): to the first Map with room, so that Maps
   * drained by removals fill again instead of more being added under steady churn.
   */
  add(key: string, place: number): void {
    const maps = this.maps;
    let m = maps[0];
    for (let i = 1; m.size >= this.perMap; i++) {
      if (i === maps.length) maps.push(new Map());
      m = maps[i];
    }
    m.set(key, place);
    this.count++;
  }

  /** Changes the place of a present key. */
  move(key: string, place: number): void {
    for (const m of this.maps) if (m.has(key)) return void m.set(key, place);
  }

  delete(key: string): boolean {
    const maps = this.maps;
    for (let i = 0; i < maps.length; i++) {
      if (!maps[i].delete(key)) continue;
      this.count--;
      // An emptied Map other than the one being filled goes, so lookups do not pass empty ones.
      if (maps[i].size === 0 && maps.length > 1) maps.splice(i, 1);
      return true;
    }
    return false;
  }
}

/** A run of a slot's log: keys in the order added, undefined where one was removed. */
interface Chunk {
  readonly id: number;
  keys: (string | undefined)[];
  live: number;
}

/** One slot's keys, oldest first. */
class SlotLog {
  /** Key -> its place: chunk id * CHUNK + index in the chunk. */
  private readonly at: PlaceMaps;
  /** Chunks oldest first (so by id); emptied ones (live 0) are dropped when they are half of it. */
  private order: Chunk[] = [];
  private emptied = 0;
  private nextId = 0;

  constructor(perMap: number) {
    this.at = new PlaceMaps(perMap);
  }

  get size(): number {
    return this.at.size;
  }

  add(key: string): void {
    if (this.at.get(key) !== undefined) return;
    let c = this.order[this.order.length - 1];
    if (c === undefined || c.live === 0 || c.keys.length === CHUNK) {
      c = { id: this.nextId++, keys: [], live: 0 };
      this.order.push(c);
    }
    this.at.add(key, c.id * CHUNK + c.keys.length);
    c.keys.push(key);
    c.live++;
  }

  remove(key: string): void {
    const p = this.at.get(key);
    if (p === undefined) return;
    this.at.delete(key);
    const id = Math.floor(p / CHUNK);
    const c = this.chunk(id);
    c.keys[p - id * CHUNK] = undefined;
    if (--c.live === 0) {
      c.keys = [];
      if (++this.emptied * 2 > this.order.length) {
        this.order = this.order.filter((x) => x.live > 0);
        this.emptied = 0;
      }
    } else if (c.live * 2 < c.keys.length) {
      this.compact(c);
    }
  }

  /** Up to `max` keys, newest first. */
  newest(max: number): string[] {
    const out: string[] = [];
    for (let k = this.order.length - 1; k >= 0 && out.length < max; k--) {
      const keys = this.order[k].keys;
      for (let i = keys.length - 1; i >= 0 && out.length < max; i--) {
        const key = keys[i];
        if (key !== undefined) out.push(key);
      }
    }
    return out;
  }

  /** The chunk with id `id` (it holds a key): a binary search of `order`, which is sorted by id. */
  private chunk(id: number): Chunk {
    const order = this.order;
    let lo = 0;
    let hi = order.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid].id < id) lo = mid + 1;
      else hi = mid;
    }
    return order[lo];
  }

  /** Closes the holes of one chunk, keeping its keys' order. */
  private compact(c: Chunk): void {
    const keys: string[] = [];
    for (const key of c.keys) {
      if (key === undefined) continue;
      this.at.move(key, c.id * CHUNK + keys.length);
      keys.push(key);
    }
    c.keys = keys;
  }
}

export class SlotKeys implements KeyIndex {
  /**
   * Measured: 1,000,000 keys over the 16,384 slots take 58 bytes a key of V8 heap (after a full
   * GC): a Map entry, a place in a log, and each slot's own objects. Holes left by removals are
   * not charged (up to as many places as keys in a chunk before it is compacted).
   */
  readonly bytesPerKey = 58;
  private readonly slots = new Map<number, SlotLog>();

  /** `perMap`: keys per Map of a slot's places (small in tests, to cover a slot of several). */
  constructor(private readonly perMap = KEYS_PER_MAP) {}

  added(key: string): void {
    const slot = keyHashSlot(key);
    let keys = this.slots.get(slot);
    if (keys === undefined) this.slots.set(slot, (keys = new SlotLog(this.perMap)));
    keys.add(key);
  }

  removed(key: string): void {
    const slot = keyHashSlot(key);
    const keys = this.slots.get(slot);
    if (keys === undefined) return;
    keys.remove(key);
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
    return this.slots.get(slot)?.newest(max) ?? [];
  }
}
