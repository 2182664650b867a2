// SlotTable: the keyspace's own hash table (what SlotDict stores its keys in), built for the
// fewest cache misses per lookup rather than on V8 Maps.
//
// Why not Maps (as the Dict this replaced): a GET of a random key among a million took about six cache misses with
// a Map of key -> slot plus a slot store of values and access fields (the Map's bucket, its entry,
// the key string, the value array, the value string, the field array), against Redis's four. A
// lookup here takes four: the index, the key's row, the key string and the value string.
//
// - Rows: a key, its value and its access field side by side ([key, value, field], one row per
//   "slot"), in chunks of 2^16 rows, so that growth never copies more than a chunk; the keys'
//   deadlines are in a column beside them (deadline-column.ts). A key keeps its
//   slot for as long as it exists; slots of deleted keys are reused (while a snapshot is open
//   too, each one claimed in it: slot-dict.ts).
// - Index (slot-index.ts): open addressing with linear probing in an Int32Array of (hash,
//   slot + 1) pairs; 0 is an empty pair, -1 a deleted one (a tombstone, so that probes go past it).
//   The stored hash means a probe reads no key string but the one that matches. It is kept at most 3/4 full, counting tombstones; a rehash moves to an index sized for a load
//   of 1/2 (which also drops the tombstones): it grows 1.5-fold, not 2-fold, so that it takes 11 to
//   16 bytes a key rather than 11 to 21 (sizes need not be powers of two: see home()). It shrinks
//   when under 1/16 full.
// - Rehashing is incremental, as Redis's: the old index is kept beside the new one, lookups try the
//   new one then the old one, and every write moves the next STEP entries of the old one over
//   (a tombstone left behind each), so no write waits for millions of keys to move. The index
//   holds the hashes, so moving an entry reads no string at all.
//
// - Hash flooding: hashKey is fast and has no secret, so keys can be made to share one hash, and
//   with linear probing every insert of such a key would walk the whole run (16,384 of them took
//   1.1 s), and keys with different hashes but neighbouring home positions make one long run that
//   every lookup of a missing key homed in it walks. A probe (lookup or insert) that walks past
//   1024 pairs, or passes more than 4 other keys with its exact hash, raises an
//   alarm; the table's next write (or the cron) moves it to SipHash-1-3 under a secret key drawn
//   at start-up (siphash.ts, as Redis hashes), by the same incremental rehash. A rehash already
//   running finishes first (faster meanwhile), so that the switch never stops the server.
//
// Nothing here iterates the index in order, so nothing cares where an entry sits in it: SCAN and
// snapshots walk slots (slot-dict.ts), which never move.

import { randomSipKey, sipHash } from './siphash.js';
import { DeadlineColumn } from './deadline-column.js';
import { randomEntry } from './slot-random.js';
import { alarm, capacityFor, CHUNK, CHUNK_BITS, hashKey, locate, MASK, MIN_CAP, place, release, ROW } from './slot-index.js';

/** log2 of the slots per page (SlotTable.skipEmpty). */
const PAGE_BITS = 8;
const PAGE_MASK = (1 << PAGE_BITS) - 1;
/** Old-index entries moved over per write while a rehash runs (a growth needs about 1.4). */
const STEP = 16;
/** Free old-index positions a rehash step may pass. */
const EMPTY_VISITS = STEP * 16;
/** Rehash steps per write while the alarm waits for a running rehash to finish. */
const ALARM_STEPS = 64;
/**
 * The longest key kept as the last key hashed (SlotTable.hKey). A longer one is hashed again by a
 * write's second step: kept, the name of a lookup (EXISTS, GET, a DEL's key) stayed in memory
 * until the table's next lookup, which a database nobody else uses never makes (three EXISTS of
 * a 50 MB name in three databases: 150 MB kept; Redis frees the name with the command).
 */
const HASH_CACHE_MAX = 1024;
/** This process's secret SipHash key. */
const SIP_KEY = randomSipKey();

export class SlotTable<V> {
  /** Keys in the table. */
  n = 0;
  /** Bytes of drained indexes handed back at once (release()), for tests. */
  released = 0;
  /** Open snapshots: while there are any, the table is not swapped for a fresh one (slot-dict.ts). */
  snapshots = 0;
  /** Snapshot hooks: called before any key of this table changes. */
  hooks: ((key: string) => void)[] | null = null;
  /** Snapshot claims: told of each freed slot given to a new key while snapshots are open (alloc). */
  claims: ((slot: number) => void)[] | null = null;
  private readonly rows: unknown[][] = [];
  private readonly free: number[] = [];
  /** The keys' deadlines, and the set of slots that have one. */
  readonly deadlines = new DeadlineColumn();
  /** Keys per page of 2^PAGE_BITS slots (so that walks skip empty pages). */
  private pages = new Int32Array(16);
  private nextSlot = 0;
  private idx: Int32Array = new Int32Array(2 * MIN_CAP);
  private cap = MIN_CAP;
  /** Pairs of idx in use: entries and tombstones. */
  private used = 0;
  /** While a rehash runs: the old index, and the next position of it to move over. */
  private old: Int32Array | null = null;
  private oldCap = 0;
  private drain = 0;
  /** Whether idx (and old) hash keys with SipHash rather than hashKey (see PROBE_LIMIT). */
  private strong = false;
  private oldStrong = false;
  /** A probe raised the alarm: move to SipHash at the next write (see the module comment). */
  private wantStrong = false;
  /** The last key hashed (up to HASH_CACHE_MAX long) and its hash: a write looks its key up first, then stores it. */
  private hKey: string | null = null;
  private h = 0;

  /** Slots allocated so far (every slot in use is below). */
  get allocated(): number {
    return this.nextSlot;
  }

  private hash(key: string): number {
    if (key === this.hKey) return this.h;
    const h = this.strong ? sipHash(key, SIP_KEY) : hashKey(key);
    if (key.length <= HASH_CACHE_MAX) {
      this.hKey = key;
      this.h = h;
    }
    return h;
  }

  /** The hash of `key` in the old index (hashKey's when the new one is moving to SipHash). */
  private oldHash(key: string, h: number): number {
    return this.oldStrong === this.strong ? h : hashKey(key);
  }

  /** The slot of `key`, or -1. */
  find(key: string): number {
    const p = this.position(key);
    if (p >= 0) return this.idx[2 * p + 1] - 1;
    return p === -1 ? -1 : this.old![2 * (-2 - p) + 1] - 1;
  }

  /**
   * Where `key` is: its pair's position p >= 0 in the index, -2 - p in the old index during a
   * rehash, or -1 when it is in neither.
   */
  private position(key: string): number {
    const h = this.hash(key);
    const i = locate(this.idx, this.cap, h, key, this.rows);
    if (alarm[0] !== 0) this.heed();
    if (i >= 0 || this.old === null) return i;
    const j = locate(this.old, this.oldCap, this.oldHash(key, h), key, this.rows);
    if (alarm[0] !== 0) this.heed();
    return j < 0 ? -1 : -2 - j;
  }

  /**
   * Takes note of a raised alarm. Only a note: the switch waits for a write (moveToStrong), as a
   * lookup may run inside a snapshot hook, and delete() holds an index position across one.
   */
  private heed(): void {
    alarm[0] = 0;
    if (!this.strong) this.wantStrong = true;
  }

  keyAt(slot: number): string | undefined {
    return this.rows[slot >>> CHUNK_BITS][(slot & MASK) * ROW] as string | undefined;
  }

  valueAt(slot: number): V {
    return this.rows[slot >>> CHUNK_BITS][(slot & MASK) * ROW + 1] as V;
  }

  setValueAt(slot: number, v: V): void {
    this.rows[slot >>> CHUNK_BITS][(slot & MASK) * ROW + 1] = v;
  }

  fieldAt(slot: number): number {
    return this.rows[slot >>> CHUNK_BITS][(slot & MASK) * ROW + 2] as number;
  }

  setFieldAt(slot: number, f: number): void {
    this.rows[slot >>> CHUNK_BITS][(slot & MASK) * ROW + 2] = f;
  }

  /** The deadline of the key in `slot` (ms), NaN when it has none. */
  deadlineAt(slot: number): number {
    return this.deadlines.at(slot);
  }

  /** Sets (NaN: clears) the deadline of the key in `slot`. */
  setDeadlineAt(slot: number, when: number): void {
    this.deadlines.set(slot, when);
  }

  /** Runs the snapshot hooks, if any, before `key` changes. */
  beforeChange(key: string): void {
    if (this.hooks !== null) for (const h of this.hooks) h(key);
  }

  /** Adds `key`, which the caller knows is missing; returns its slot. */
  insert(key: string, value: V, field: number): number {
    this.beforeChange(key);
    const slot = this.alloc(key, value, field);
    if (place(this.idx, this.cap, this.hash(key), slot)) this.used++;
    if (alarm[0] !== 0) this.heed();
    this.n++;
    if (this.old !== null) this.step();
    if (this.used * 4 > this.cap * 3) this.rehash();
    if (this.wantStrong) this.moveToStrong();
    return slot;
  }

  /** Removes `key`; false when it is not here. */
  delete(key: string): boolean {
    const p = this.position(key);
    if (p === -1) return false;
    const idx = p >= 0 ? this.idx : this.old!;
    const i = p >= 0 ? p : -2 - p;
    this.beforeChange(key);
    this.release(idx[2 * i + 1] - 1);
    idx[2 * i + 1] = -1;
    this.n--;
    if (this.old !== null) this.step();
    else if (this.n * 16 < this.cap && this.cap > MIN_CAP) this.rehash();
    if (this.wantStrong) this.moveToStrong();
    return true;
  }

  /**
   * A slot for `key`: a freed one, the last freed first, else the next. So a key added back right
   * after its removal (RENAME or COPY ... REPLACE onto it, RESTORE REPLACE: Redis's dbDelete +
   * dbAdd, which put it back in its bucket) takes its own slot back: a new slot could lie past the
   * end of a SCAN in progress, which then missed a key that never stopped existing (the keyspace
   * checker found it; on the wire, during BGREWRITEAOF). While snapshots are open the slot reused
   * is claimed in each (slot-dict.ts): it holds a key added since T0, wherever it lies. (Never
   * reused then, as before, each key added during a snapshot took a slot past the high-water mark,
   * which every AOF rewrite under churn raised by the keys added meanwhile, for as long as the
   * table had a key: TTL keys set at 170k/s with rewrites back to back, 2.6M slots and 106 MB of
   * heap after 45 s for 50k-90k keys.)
   */
  private alloc(key: string, value: V, field: number): number {
    let slot = this.free.pop();
    if (slot !== undefined) {
      if (this.claims !== null) for (const c of this.claims) c(slot);
    } else {
      slot = this.nextSlot++;
      // new Array(n) is a holey array with room for the whole chunk: it never grows.
      if ((slot & MASK) === 0) {
        this.rows.push(new Array<unknown>(CHUNK * ROW));
        this.deadlines.addChunk();
      }
      if (slot >>> PAGE_BITS >= this.pages.length) this.growPages();
    }
    this.pages[slot >>> PAGE_BITS]++;
    const row = this.rows[slot >>> CHUNK_BITS];
    const at = (slot & MASK) * ROW;
    row[at] = key;
    row[at + 1] = value;
    row[at + 2] = field;
    return slot;
  }

  private release(slot: number): void {
    const row = this.rows[slot >>> CHUNK_BITS];
    const at = (slot & MASK) * ROW;
    row[at] = undefined;
    row[at + 1] = undefined;
    row[at + 2] = 0;
    this.deadlines.set(slot, NaN);
    this.pages[slot >>> PAGE_BITS]--;
    this.free.push(slot);
  }

  private growPages(): void {
    const pages = new Int32Array(this.pages.length * 2);
    pages.set(this.pages);
    this.pages = pages;
  }

  /** The slot after `slot` to look at in a walk: the next one, or past empty pages from a page's start. */
  next(slot: number): number {
    slot++;
    return (slot & PAGE_MASK) === 0 ? this.skipEmpty(slot) : slot;
  }

  /**
   * The first slot at or after `slot` in a page that holds a key (or `allocated`): walks of the
   * slots (SCAN, the rewrite) pass empty pages at the cost of a counter each, not of 256 slots.
   */
  skipEmpty(slot: number): number {
    const end = this.nextSlot;
    let p = slot >>> PAGE_BITS;
    if (slot >= end || this.pages[p] > 0) return slot;
    const last = (end - 1) >>> PAGE_BITS;
    while (++p <= last && this.pages[p] === 0);
    return Math.min(p << PAGE_BITS, end);
  }

  /**
   * Starts moving to an index sized for the keys now (finishing a rehash still running first),
   * hashed with SipHash from now on if `strong`.
   */
  private rehash(strong = this.strong): void {
    while (this.old !== null) this.step();
    const cap = capacityFor(this.n);
    this.old = this.idx;
    this.oldCap = this.cap;
    this.oldStrong = this.strong;
    this.drain = 0;
    this.idx = new Int32Array(2 * cap);
    this.cap = cap;
    this.used = 0;
    if (strong !== this.strong) {
      this.strong = strong;
      this.hKey = null;
    }
  }

  /**
   * The alarm was raised: keys were chosen to collide under hashKey (or the table is astronomically
   * unlucky). The table moves to SipHash under this process's secret key, by the usual incremental
   * rehash, and stays on it. A rehash already running is finished first, ALARM_STEPS steps a write
   * rather than all at once: draining millions of entries in one go would stop the server (190 ms
   * at 4.2M keys), and an attacker can tell from DBSIZE when a growth rehash runs.
   */
  private moveToStrong(): void {
    if (this.strong) {
      this.wantStrong = false;
      return;
    }
    for (let k = 0; k < ALARM_STEPS && this.old !== null; k++) this.step();
    if (this.old !== null) return;
    this.wantStrong = false;
    this.rehash(true);
    this.step();
  }

  /**
   * Moves the next STEP entries of the old index over, looking at no more than EMPTY_VISITS free
   * positions (as Redis's rehash step), and drops the old index once all are moved. Free positions
   * cost little to pass, so a sparse old index (a shrink) drains many times faster per write.
   */
  private step(): void {
    const old = this.old!;
    const cap = this.oldCap;
    let moved = 0;
    let visits = EMPTY_VISITS;
    let i = this.drain;
    for (; i < cap && moved < STEP && visits > 0; i++) {
      const s = old[2 * i + 1];
      if (s <= 0) {
        visits--;
        continue;
      }
      const h = this.oldStrong === this.strong ? old[2 * i] : sipHash(this.keyAt(s - 1)!, SIP_KEY);
      if (place(this.idx, this.cap, h, s - 1)) this.used++;
      old[2 * i + 1] = -1;
      moved++;
    }
    this.drain = i;
    // A long probe while moving entries is the new index's business: the next lookup or insert in
    // it raises the alarm itself, and this one must not be taken by another table's next probe.
    alarm[0] = 0;
    if (i === cap) {
      this.released += old.byteLength;
      release(old);
      this.old = null;
    }
  }

  /** Moves the rest of a running rehash over (the keyspace's cron, as Redis's activerehashing). */
  rehashSteps(steps: number): void {
    if (this.wantStrong) this.moveToStrong();
    for (let i = 0; i < steps && this.old !== null; i++) this.step();
  }

  /** Whether a rehash is running (for tests). */
  get rehashing(): boolean {
    return this.old !== null;
  }

  /** Whether the table hashes with SipHash (for tests). */
  get sipHashed(): boolean {
    return this.strong;
  }

  /** Index positions (for tests: growth and shrinking). */
  get capacity(): number {
    return this.cap;
  }

  /** The slot of a random key, every key equally likely (slot-random.ts), or -1 when empty. */
  randomSlot(): number {
    return this.n === 0 ? -1 : randomEntry(this.idx, this.cap, this.old, this.oldCap, this.drain);
  }
}
