// One numbered database: the key -> value dictionary plus the key -> deadline dictionary, as in
// Redis (db->dict and db->expires). Expiry is lazy on every access and active in the background
// (Keyspace.activeExpireCycle). Keys are binary strings.
//
// A key with deadline `when` (absolute ms) is alive while now <= when, as Redis's keyIsExpired
// (`now > when`); `now` is the time of the command being run, read once per command.
//
// The database knows nothing of protocol or persistence: when it deletes a key because its deadline
// passed, it tells `events.expired`, and the server decides what that means (an AOF DEL, a stat).

import { Dict } from './dict.js';
import type { Value } from './values.js';

export interface KeyspaceEvents {
  /** A key was removed because its deadline passed (lazily or by the active cycle). */
  expired(db: Database, key: string): void;
  /** While true (CLIENT PAUSE), an expired key reads as missing but is not removed. */
  readonly deletionsPaused?: boolean;
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

export class Database {
  readonly dict = new Dict<Value>();
  readonly expires = new Dict<number>();
  /**
   * Estimated average time to live of the keys with a deadline, in ms (INFO keyspace avg_ttl):
   * 0 until the active expiry cycle has sampled some, then a running average, as Redis's.
   */
  avgTtl = 0;

  constructor(
    public id: number,
    private readonly events: KeyspaceEvents,
    /** The time of the command being run (one clock reading per command). */
    private readonly time: { now: number },
  ) {}

  /** Keys stored, including expired keys not reclaimed yet (what DBSIZE reports, as Redis). */
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
   * `keepTtl` is set. An expired previous value is reclaimed first (reported as expired), so that
   * its stale deadline is never kept.
   */
  set(key: string, value: Value, keepTtl = false): void {
    if (this.expires.size !== 0) {
      this.expireIfNeeded(key);
      if (!keepTtl) this.expires.delete(key);
    }
    this.dict.set(key, value);
  }

  /** Replaces the value of a live key, keeping its TTL (in-place modification). */
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

  /** Sets the deadline (absolute ms) of an existing key; see MAX_DEADLINE for huge values. */
  setExpire(key: string, whenMs: number | bigint): void {
    this.expires.set(key, toDeadline(whenMs));
  }

  /** Removes a TTL; returns whether there was one. */
  persist(key: string): boolean {
    return this.expires.delete(key);
  }

  /** True if `key` has a deadline that has passed, in which case it is removed and reported. */
  expireIfNeeded(key: string): boolean {
    if (!this.isExpired(key)) return false;
    if (this.events.deletionsPaused === true) return true;
    this.remove(key);
    this.events.expired(this, key);
    return true;
  }

  /** True if the key's deadline has passed, without removing it (for reads that must not write). */
  isExpired(key: string): boolean {
    const when = this.expires.get(key);
    return when !== undefined && when < this.time.now;
  }

  /** A random live key, or undefined when there is none; expired picks are reclaimed (RANDOMKEY). */
  randomKey(): string | undefined {
    while (true) {
      const key = this.dict.randomKey();
      if (key === undefined || !this.expireIfNeeded(key)) return key;
    }
  }

  clear(): void {
    this.dict.clear();
    this.expires.clear();
    this.avgTtl = 0;
  }

  /** Swaps contents with another database (SWAPDB): the dictionaries move, the ids stay. */
  swapWith(other: Database): void {
    this.dict.swapWith(other.dict);
    this.expires.swapWith(other.expires);
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
  }
}
