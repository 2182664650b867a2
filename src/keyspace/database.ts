// One numbered database: the key -> value dictionary plus the key -> deadline dictionary, as in
// Redis (db->dict and db->expires). Expiry is lazy on every access and active in the background
// (Keyspace.activeExpireCycle). Keys are binary strings.
//
// The database knows nothing of protocol or persistence: when it deletes a key because its deadline
// passed, it tells `events.expired`, and the server decides what that means (an AOF DEL, a stat).

import { Dict } from './dict.js';
import type { Value } from './values.js';

export interface KeyspaceEvents {
  /** A key was removed because its deadline passed (lazily or by the active cycle). */
  expired(db: Database, key: string): void;
}

export class Database {
  readonly dict = new Dict<Value>();
  readonly expires = new Dict<number>();

  constructor(
    public id: number,
    private readonly events: KeyspaceEvents,
    /** The time of the command being run (one clock reading per command). */
    private readonly time: { now: number },
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /** The value of `key`, or undefined if missing or expired (an expired key is removed). */
  get(key: string): Value | undefined {
    const v = this.dict.get(key);
    if (v === undefined) return undefined;
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    return v;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Stores `value` under `key`. Like Redis's setKey, an overwrite clears the key's TTL unless
   * `keepTtl` is set.
   */
  set(key: string, value: Value, keepTtl = false): void {
    this.dict.set(key, value);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
  }

  /** Replaces the value of an existing key, keeping its TTL (in-place modification). */
  update(key: string, value: Value): void {
    this.dict.set(key, value);
  }

  /** Deletes `key` (if present and not expired); returns whether it existed. */
  delete(key: string): boolean {
    if (this.get(key) === undefined) return false;
    this.remove(key);
    return true;
  }

  /** Removes a key unconditionally (no expiry check). */
  remove(key: string): void {
    this.dict.delete(key);
    if (this.expires.size !== 0) this.expires.delete(key);
  }

  /** Absolute deadline in ms of a live key, or -1 when it has none. Caller checks existence. */
  getExpire(key: string): number {
    const t = this.expires.get(key);
    return t === undefined ? -1 : t;
  }

  setExpire(key: string, whenMs: number): void {
    this.expires.set(key, whenMs);
  }

  /** Removes a TTL; returns whether there was one. */
  persist(key: string): boolean {
    return this.expires.delete(key);
  }

  /** True if `key` has a deadline that has passed, in which case it is removed and reported. */
  expireIfNeeded(key: string): boolean {
    const when = this.expires.get(key);
    if (when === undefined || when > this.time.now) return false;
    this.remove(key);
    this.events.expired(this, key);
    return true;
  }

  /** True if the key's deadline has passed, without removing it (for reads that must not write). */
  isExpired(key: string): boolean {
    const when = this.expires.get(key);
    return when !== undefined && when <= this.time.now;
  }

  clear(): void {
    this.dict.clear();
    this.expires.clear();
  }

  /** Swaps contents with another database (SWAPDB): the dictionaries move, the ids stay. */
  swapWith(other: Database): void {
    this.dict.swapWith(other.dict);
    this.expires.swapWith(other.expires);
  }
}
