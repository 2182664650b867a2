// One numbered database: the key -> value dictionary and, beside each key's row, its deadline;
// `expires` is the set of keys that have one, as Redis's db->dict and db->expires. Expiry is lazy
// on every access and active in the background (Keyspace.activeExpireCycle). Keys are binary
// strings.
//
// A key with deadline `when` (absolute ms) is alive while now <= when, as Redis's keyIsExpired
// (`now > when`); `now` is the time of the command being run, read once per command.
//
// The database knows nothing of protocol or persistence: when it deletes a key because its deadline
// passed, it tells `events.expired`, and the server decides what that means (an AOF DEL, a stat).
//
// Beside each key: its access metadata (lru.ts: LRU clock or LFU data, the 32-bit field of the
// key's SlotDict entry), set when the key is created and updated by get() as by Redis's
// lookupKey; peek() is the LOOKUP_NOTOUCH variant. Every change also keeps the memory
// estimate of memory.ts current (`bytes`, and the keyspace-wide total in `usage`).

import { SlotDict } from './slot-dict.js';
import { Expires } from './expires.js';
import type { Value } from './values.js';
import { initialField, touchedField, type MemorySettings } from './lru.js';
import { EXPIRE_ENTRY_BYTES, keyBytes, valueBytes } from './memory.js';

export interface KeyspaceEvents {
  /** A key was removed because its deadline passed (lazily or by the active cycle). */
  expired(db: Database, key: string): void;
  /** While true (CLIENT PAUSE), an expired key reads as missing but is not removed. */
  readonly deletionsPaused?: boolean;
  /** A key was removed to bring memory under maxmemory (evict.ts). */
  evicted?(db: Database, key: string): void;
}

/**
 * Told of every change of a key of a database that has watched keys (WATCH: server/watch.ts sets
 * it, keyspace code only calls it): `touched` after a key's value, deadline or existence changed
 * (Redis's signalModifiedKey), `flushed` before a database is emptied or swapped (Redis's
 * touchAllWatchedKeysInDb; `replacedWith` is the database whose contents come in, for SWAPDB).
 */
export interface WatchHook {
  touched(db: Database, key: string): void;
  flushed(emptied: Database, replacedWith: Database | null): void;
}

/**
 * A secondary index of a database's keys, told of every key added to and removed from it (cluster
 * mode's keys per hash slot). Overwrites are not reported: the key stays.
 */
export interface KeyIndex {
  /** Memory it takes per key (charged to the database's used memory with the key). */
  readonly bytesPerKey: number;
  added(key: string): void;
  removed(key: string): void;
  cleared(): void;
}

/** The keyspace's time as a database reads it. */
export interface DatabaseTime {
  /** The time of the command being run (one clock reading per command). */
  readonly now: number;
  /** The time of the last clock reading: access stamps use it (no clock reading per GET). */
  readonly coarseMs: number;
  /** lruClock(coarseMs). */
  readonly lru: number;
  /** A dataset is loading: no deadline counts as passed (CommandTime.loading). */
  readonly loading: boolean;
}

/**
 * The latest deadline stored, in ms. Redis accepts any deadline up to 2^63-1; past 2^53 (the year
 * 287396) a double cannot hold every integer, so later deadlines are stored as this one. Keeping
 * deadlines exact JS integers means String(deadline) is always a valid PEXPIREAT argument.
 */
export const MAX_DEADLINE = Number.MAX_SAFE_INTEGER;

/** A deadline as stored: an integer in ms, clamped to MAX_DEADLINE. */
export function toDeadline(when: number | bigint): number {
  if (typeof when === 'bigint') return when > BigInt(MAX_DEADLINE) ? MAX_DEADLINE : Number(when);
  return Math.min(when, MAX_DEADLINE);
}

/** RANDOMKEY's picks before it gives up looking for a live key (see randomKey). */
const RANDOM_KEY_TRIES = 100;

/** Bytes charged for an object value when stored (collections may change in place). */
const charged = new WeakMap<object, number>();

/** The bytes of `v` to charge now, remembered for an object so that removal subtracts the same. */
function charge(v: Value): number {
  if (typeof v === 'string') return valueBytes(v);
  const n = valueBytes(v);
  charged.set(v, n);
  return n;
}

/** The bytes charged for `v` when it was stored. */
function chargedFor(v: Value): number {
  return typeof v === 'string' ? valueBytes(v) : (charged.get(v) ?? valueBytes(v));
}

export class Database {
  /** Key -> value, each entry with its access metadata (lru.ts) as the field. */
  readonly dict = new SlotDict<Value>();
  /** The keys with a deadline (what active expiry, volatile-* eviction and INFO go through). */
  readonly expires = new Expires(this.dict);
  /** Estimated bytes of this database's keys (memory.ts). */
  bytes = 0;
  /**
   * Estimated average time to live of the keys with a deadline, in ms (INFO keyspace avg_ttl):
   * 0 until the active expiry cycle has sampled some, then a running average, as Redis's.
   */
  avgTtl = 0;
  /** An index told of every key added and removed (null: none); it describes the data, so SWAPDB moves it too. */
  keyIndex: KeyIndex | null = null;
  /** Set while some client WATCHes a key of this database (by number: SWAPDB does not move it). */
  watchers: WatchHook | null = null;

  constructor(
    public id: number,
    private readonly events: KeyspaceEvents,
    private readonly time: DatabaseTime,
    private readonly settings: MemorySettings,
    /** The estimated bytes of all databases' keys (memory.ts). */
    private readonly usage: { dataset: number },
  ) {}

  /** Keys stored, including expired keys not reclaimed yet (what DBSIZE reports, as Redis). */
  get size(): number {
    return this.dict.size;
  }

  /**
   * The value of `key`, or undefined if missing or expired (an expired key is removed). Counts as
   * an access of the key (Redis's lookupKey): its LRU clock or LFU counter is updated.
   */
  get(key: string): Value | undefined {
    const slot = this.dict.slotOf(key);
    if (slot < 0) return undefined;
    if (this.dict.volatileSize !== 0 && this.expireAt(slot, key)) return undefined;
    this.touch(slot);
    return this.dict.valueAt(slot);
  }

  /** As get() without counting an access (Redis's LOOKUP_NOTOUCH: OBJECT, TYPE, EXISTS). */
  peek(key: string): Value | undefined {
    const slot = this.dict.slotOf(key);
    if (slot < 0) return undefined;
    if (this.dict.volatileSize !== 0 && this.expireAt(slot, key)) return undefined;
    return this.dict.valueAt(slot);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Records an access of the key in `slot`. */
  private touch(slot: number): void {
    const s = this.settings;
    if (!s.lfu) this.dict.setFieldAt(slot, this.time.lru);
    else this.dict.setFieldAt(slot, touchedField(s, this.dict.fieldAt(slot), this.time.coarseMs));
  }

  /** The access metadata of a key (lru.ts), undefined when there is no such key. */
  accessField(key: string): number | undefined {
    return this.dict.field(key);
  }

  /** Sets the access metadata of an existing key (a moved key keeps its own, as Redis's object does). */
  setAccessField(key: string, field: number): void {
    const slot = this.dict.slotOf(key);
    if (slot >= 0) this.dict.setFieldAt(slot, field);
  }

  private addBytes(n: number): void {
    this.bytes += n;
    this.usage.dataset += n;
  }

  /**
   * Stores `value` under `key`. Like Redis's setKey, an overwrite clears the key's TTL unless
   * `keepTtl` is set. An expired previous value is reclaimed first (reported as expired), so that
   * its stale deadline is never kept. With `signal` false WATCH is not told: the caller tells it
   * if the command then changes the value.
   */
  set(key: string, value: Value, keepTtl = false, signal = true): void {
    let slot = this.dict.slotOf(key);
    if (slot >= 0 && this.dict.volatileSize !== 0) {
      // Reclaimed if expired (then gone, unless CLIENT PAUSE keeps it): found again.
      if (this.expireAt(slot, key)) slot = this.dict.slotOf(key);
      if (slot >= 0 && !keepTtl) this.persistAt(slot);
    }
    if (slot < 0) {
      // The index first: if it cannot take the key (it throws only when out of memory), the key
      // is not stored either, rather than stored without being in the index (or in the AOF).
      if (this.keyIndex !== null) {
        this.keyIndex.added(key);
        this.addBytes(this.keyIndex.bytesPerKey);
      }
      this.dict.insert(key, value, initialField(this.settings, this.time.coarseMs));
      this.addBytes(keyBytes(key) + charge(value));
    } else {
      this.addBytes(charge(value) - chargedFor(this.dict.valueAt(slot)));
      this.dict.replaceAt(key, slot, value);
      // Redis's setKey looks the key up for writing (an access) and overwrites it: the new object
      // is stamped now under LRU, and takes the old LFU data (dbOverwrite).
      this.touch(slot);
    }
    if (signal) this.signalModified(key);
  }

  /** Replaces the value of a live key, keeping its TTL and access data (in-place modification). */
  update(key: string, value: Value): void {
    const slot = this.dict.slotOf(key);
    if (slot < 0) return this.set(key, value, true);
    this.addBytes(charge(value) - chargedFor(this.dict.valueAt(slot)));
    this.dict.replaceAt(key, slot, value);
    this.signalModified(key);
  }

  /**
   * Readies `key`'s value to be changed in place, or swaps in `value`, the same contents in another
   * form (a string made a ByteString): an AOF rewrite's snapshot saves the key's T0 state first,
   * and the size is charged again. WATCH hears nothing: the caller calls signalModified() once
   * something did change, and resized() after.
   */
  editInPlace(key: string, value?: Value): void {
    const slot = this.dict.slotOf(key);
    if (slot < 0) return;
    const old = this.dict.valueAt(slot);
    this.dict.replaceAt(key, slot, value ?? old);
    if (value !== undefined) this.addBytes(charge(value) - chargedFor(old));
  }

  /** `key` changed: WATCH sees it modified (Redis's signalModifiedKey; every change here calls it). */
  signalModified(key: string): void {
    if (this.watchers !== null) this.watchers.touched(this, key);
  }

  /** A value changed in place (a collection): its size is estimated again. */
  resized(key: string): void {
    const v = this.dict.get(key);
    if (v === undefined) return;
    const before = chargedFor(v);
    this.addBytes(charge(v) - before);
  }

  /** Deletes `key` (if present and not expired); returns whether it existed. */
  delete(key: string): boolean {
    return this.peek(key) !== undefined && this.remove(key);
  }

  /**
   * Removes a key unconditionally (no expiry check: one past its deadline is removed, and not
   * reported as an expiry, as Redis's dbDelete); returns whether it was stored. With `signal`
   * false WATCH is not told (Redis's dbDelete itself does not tell it): the caller tells it.
   */
  remove(key: string, signal = true): boolean {
    const slot = this.dict.slotOf(key);
    if (slot < 0) return false;
    const v = this.dict.valueAt(slot);
    if (!Number.isNaN(this.dict.deadlineAt(slot))) this.addBytes(-EXPIRE_ENTRY_BYTES);
    this.dict.delete(key);
    this.addBytes(-keyBytes(key) - chargedFor(v));
    if (this.keyIndex !== null) {
      this.keyIndex.removed(key);
      this.addBytes(-this.keyIndex.bytesPerKey);
    }
    if (signal) this.signalModified(key);
    return true;
  }

  /** The deadline of `key` in ms, NaN when it has none or does not exist (read beside its row). */
  private deadlineOf(key: string): number {
    const slot = this.dict.slotOf(key);
    return slot < 0 ? NaN : this.dict.deadlineAt(slot);
  }

  /** Absolute deadline in ms of a live key, or -1 when it has none. Caller checks existence. */
  getExpire(key: string): number {
    const when = this.deadlineOf(key);
    return Number.isNaN(when) ? -1 : when;
  }

  /** Sets the deadline (absolute ms) of an existing key; see MAX_DEADLINE for huge values. */
  setExpire(key: string, whenMs: number | bigint): void {
    const slot = this.dict.slotOf(key);
    if (slot < 0) return;
    if (Number.isNaN(this.dict.deadlineAt(slot))) this.addBytes(EXPIRE_ENTRY_BYTES);
    this.dict.setDeadlineAt(slot, toDeadline(whenMs));
    this.signalModified(key);
  }

  /** Removes a TTL; returns whether there was one. */
  persist(key: string): boolean {
    const slot = this.dict.slotOf(key);
    if (slot < 0 || !this.persistAt(slot)) return false;
    this.signalModified(key);
    return true;
  }

  /** persist() of the key in `slot` (the caller found it there). */
  private persistAt(slot: number): boolean {
    if (Number.isNaN(this.dict.deadlineAt(slot))) return false;
    this.dict.setDeadlineAt(slot, NaN);
    this.addBytes(-EXPIRE_ENTRY_BYTES);
    return true;
  }

  /** True if `key` has a deadline that has passed, in which case it is removed and reported. */
  expireIfNeeded(key: string): boolean {
    const slot = this.dict.slotOf(key);
    return slot >= 0 && this.expireAt(slot, key);
  }

  /** expireIfNeeded for the key in `slot` (the caller found it there). */
  private expireAt(slot: number, key: string): boolean {
    const when = this.dict.deadlineAt(slot);
    // No deadline first: a key without a TTL must not cost a reading of the command's clock.
    if (Number.isNaN(when) || !(when < this.time.now)) return false;
    return this.expired(key);
  }

  /**
   * The key's deadline has passed: it is removed and reported, unless the dataset is loading (it
   * is not expired then, as Redis's keyIsExpired) or CLIENT PAUSE keeps deletions back (it reads
   * as missing but stays). Out of expireAt, which every read of a key with a TTL runs.
   */
  private expired(key: string): boolean {
    if (this.time.loading) return false;
    if (this.events.deletionsPaused === true) return true;
    this.remove(key);
    this.events.expired(this, key);
    return true;
  }

  /** True if the key's deadline has passed, without removing it (for reads that must not write). */
  isExpired(key: string): boolean {
    const when = this.deadlineOf(key);
    return !Number.isNaN(when) && when < this.time.now && !this.time.loading;
  }

  /**
   * A random live key, or undefined when there is none; expired picks are reclaimed (RANDOMKEY).
   * As Redis 7.2's dbRandomKey: when every key has a TTL and expired keys may not be removed
   * (CLIENT PAUSE), every pick may be expired forever, so after 100 tries the pick is returned as
   * it is (Redis 7.0 loops forever there).
   */
  randomKey(): string | undefined {
    const allVolatile = this.dict.size === this.dict.volatileSize;
    for (let tries = 1; ; tries++) {
      const key = this.dict.randomKey();
      if (key === undefined) return undefined;
      if (allVolatile && this.events.deletionsPaused === true && tries >= RANDOM_KEY_TRIES) return key;
      if (!this.expireIfNeeded(key)) return key;
    }
  }

  clear(): void {
    if (this.watchers !== null) this.watchers.flushed(this, null);
    this.dict.clear();
    this.keyIndex?.cleared();
    this.addBytes(-this.bytes);
    this.avgTtl = 0;
  }

  /** Swaps contents with another database (SWAPDB): the dictionaries move, the ids stay. */
  swapWith(other: Database): void {
    if (this.watchers !== null) this.watchers.flushed(this, other);
    if (other.watchers !== null) other.watchers.flushed(other, this);
    this.dict.swapWith(other.dict);
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
    [this.bytes, other.bytes] = [other.bytes, this.bytes];
    [this.keyIndex, other.keyIndex] = [other.keyIndex, this.keyIndex];
  }
}
