// The state and the shared steps of the keyspace's seeded random checker (keyspace-check.ts): the
// keyspace on its ManualClock, the model, the stub command runner, the expiries and evictions the
// keyspace reports (each checked against the model as it happens, the model following), the SCAN
// iterations in progress, the trace, and the lazily() check that a command reclaims every expired
// key it looks up.

import { ManualClock } from '../../src/keyspace/clock.js';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import type { Database } from '../../src/keyspace/database.js';
import { typeOf, type Value } from '../../src/keyspace/values.js';
import { globMatch } from '../../src/commands/glob.js';
import { SlotKeys } from '../../src/cluster/slot-keys.js';
import { mulberry32, pick, type Rng } from './rng.js';
import { hashValue, keyNames, Model, Runner } from './keyspace-model.js';
import type { SnapshotCheck } from './keyspace-check-snapshot.js';

export const TRACE = 80;

export class Failed extends Error {}

/** A SCAN iteration in progress: what it must still return, and what it returned. */
export interface ScanState {
  db: number;
  cursor: string;
  opts: string[];
  pattern: string;
  type: string | undefined;
  must: Set<string>;
  /** Keys returned, and how many times. */
  seen: Map<string, number>;
  calls: number;
}

/** An event the keyspace reported during the current operation. */
interface Reported {
  kind: 'expired' | 'evicted';
  db: number;
  key: string;
}

export class CheckBase {
  readonly problems: string[] = [];
  readonly trace: string[] = [];
  readonly seen: Record<string, number> = {};
  /** Per database, the index size and slots allocated last seen (to count resizes and fresh tables). */
  protected shape: { capacity: number; slots: number }[] = [];
  protected readonly rng: Rng;
  protected readonly clock = new ManualClock();
  protected readonly ks: Keyspace;
  protected readonly m: Model;
  protected readonly run: Runner;
  protected readonly cluster: boolean;
  protected readonly slotKeys: SlotKeys | null = null;
  protected readonly names: string[];
  protected paused = false;
  /** Runs that go past 65,536 keys in a database now and then. */
  protected readonly huge: boolean;
  protected scans: ScanState[] = [];
  protected snapshots: SnapshotCheck[] = [];
  protected reported: Reported[] = [];
  protected bulkNext = 0;
  /** volatile-ttl evictions: the share of candidates with a nearer deadline than the key evicted. */
  protected ttlRanks: number[] = [];

  constructor(seed: number) {
    const rng = (this.rng = mulberry32(seed));
    this.cluster = rng() < 0.25;
    const count = this.cluster ? 1 : 3;
    this.names = keyNames(rng, rng() < 0.5);
    this.huge = rng() < 0.2;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.ks = new Keyspace(count, this.clock, {
      expired: (db, key) => this.onExpired(db, key),
      evicted: (db, key) => this.onEvicted(db, key),
      get deletionsPaused() {
        return self.paused;
      },
    });
    this.m = new Model(count);
    this.run = new Runner(this.ks);
    if (this.cluster) {
      // Few keys per Map of places, so that a slot holds several (slot-keys.ts PlaceMaps); more in runs
      // past 65,536 keys, where a lookup through hundreds of Maps would take most of the run.
      this.slotKeys = new SlotKeys(this.huge ? 1000 : 40);
      this.ks.dbs[0].keyIndex = this.slotKeys;
      this.run.server.cluster = {};
    }
  }

  protected fail(msg: string): never {
    this.problems.push(msg);
    throw new Failed(msg);
  }

  protected expect(cond: boolean, msg: () => string): void {
    if (!cond) this.fail(msg());
  }

  protected tally(what: string): void {
    this.seen[what] = (this.seen[what] ?? 0) + 1;
  }

  /** Counts index growths and shrinks, SipHash, second chunks and fresh tables since the last step. */
  protected observe(): void {
    this.ks.dbs.forEach((d, i) => {
      const st = d.dict.stats();
      const was = this.shape[i] ?? { capacity: st.capacity, slots: st.slots };
      if (st.capacity > was.capacity) this.tally('index grown');
      if (st.capacity < was.capacity) this.tally('index shrunk');
      if (st.growing) this.tally('step mid-rehash');
      if (st.sipHashed) this.tally('step on SipHash');
      if (st.slots > 65_536) this.tally('step past one chunk');
      if (st.slots < was.slots) this.tally('table replaced');
      this.shape[i] = { capacity: st.capacity, slots: st.slots };
    });
  }

  protected note(s: string): void {
    this.trace.push(s);
    if (this.trace.length > 4 * TRACE) this.trace.splice(0, this.trace.length - TRACE);
  }

  protected get now(): number {
    return Math.floor(this.clock.ms);
  }

  protected onExpired(db: Database, key: string): void {
    const e = this.m.dbs[db.id].get(key);
    this.expect(!this.paused, () => `db ${db.id}: ${JSON.stringify(key)} expired while deletions are paused`);
    this.expect(e !== undefined, () => `db ${db.id}: expired ${JSON.stringify(key)}, which the model does not hold`);
    this.expect(e!.dl !== undefined && e!.dl < this.m.now, () => `db ${db.id}: expired live ${JSON.stringify(key)} (deadline ${e!.dl}, now ${this.m.now})`);
    this.reported.push({ kind: 'expired', db: db.id, key });
    this.tally('expired');
    this.gone(db.id, key);
  }

  protected onEvicted(db: Database, key: string): void {
    const e = this.m.dbs[db.id].get(key);
    const policy = this.ks.settings.policy;
    this.expect(e !== undefined, () => `db ${db.id}: evicted ${JSON.stringify(key)}, which the model does not hold`);
    this.expect(policy.kind !== 'none', () => `noeviction evicted ${JSON.stringify(key)}`);
    this.expect(policy.allKeys || e!.dl !== undefined, () => `volatile-${policy.kind} evicted ${JSON.stringify(key)}, which has no TTL`);
    if (policy.kind === 'ttl') {
      let nearer = 0;
      let all = 0;
      for (const d of this.m.dbs) {
        for (const x of d.values()) {
          if (x.dl === undefined) continue;
          all++;
          if (x.dl < e!.dl!) nearer++;
        }
      }
      this.ttlRanks.push(nearer / all);
    }
    this.reported.push({ kind: 'evicted', db: db.id, key });
    this.gone(db.id, key);
  }

  /** A key leaves the model: no scan may count on it any more (it was not there throughout). */
  protected gone(db: number, key: string): void {
    this.m.dbs[db].delete(key);
    for (const s of this.scans) if (s.db === db) s.must.delete(key);
  }

  protected create(db: number, key: string, v: Value, dl: number | undefined): void {
    this.gone(db, key);
    this.m.create(db, key, v, dl);
  }

  /**
   * A live key replaced in one command (RENAME onto it, COPY ... REPLACE): never missing, so a scan
   * still owes it (as Redis's, whose dbDelete + dbAdd put it back in the same bucket), unless its
   * type changed under a TYPE filter. A new key for the keys per slot, as Redis's dbAdd.
   */
  protected replace(db: number, key: string, v: Value, dl: number | undefined): void {
    if (this.m.live(db, key) === undefined) return this.create(db, key, v, dl);
    if (this.scans.some((s) => s.db === db && s.must.has(key))) this.tally('replaced while owed by a scan');
    const was = typeOf(this.m.dbs[db].get(key)!.v);
    for (const s of this.scans) if (s.db === db && s.type !== undefined && was !== typeOf(v)) s.must.delete(key);
    this.m.create(db, key, v, dl);
  }

  protected key(): string {
    if (this.bulkNext > 0 && this.rng() < 0.2) return bulkName(pick(this.rng, this.bulkNext));
    return this.names[pick(this.rng, this.names.length)];
  }

  /** A key stored in `db` (the keyspace's own random pick), or any name when it is empty. */
  protected storedKey(db: number): string {
    return this.ks.dbs[db].dict.randomKey() ?? this.key();
  }

  protected value(): Value {
    return this.rng() < 0.15 ? hashValue(pick(this.rng, 3)) : `v${pick(this.rng, 1000)}`;
  }

  protected db(): number {
    return pick(this.rng, this.m.dbs.length);
  }

  /** The keys `keys` of `db` stale in the model now must be reclaimed by the command: checked after. */
  protected lazily(db: number, keys: string[], op: () => void): void {
    const stale = keys.filter((k) => this.m.stale(db, k));
    op();
    if (this.paused) return;
    for (const k of stale) {
      this.expect(this.reported.some((e) => e.kind === 'expired' && e.db === db && e.key === k), () => `db ${db}: ${JSON.stringify(k)} was looked up past its deadline and not reclaimed`);
    }
  }

  protected cmd(db: number, args: string[]): unknown {
    this.note(`db ${db} t=${this.now}: ${JSON.stringify(args)}`);
    return this.run.run(db, args);
  }

  protected same(got: unknown, want: unknown, what: string): void {
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    if (Array.isArray(got) && Array.isArray(want)) {
      const extra = got.filter((x) => !want.includes(x));
      const missing = want.filter((x) => !got.includes(x));
      this.fail(`${what}: ${got.length} items, the model ${want.length}; extra ${clip(extra)}, missing ${clip(missing)}`);
    }
    this.fail(`${what}: got ${clip(got)}, the model says ${clip(want)}`);
  }
}

/**
 * The i-th bulk key: one in three shares the hash tag {x}, so that in cluster mode one slot holds
 * thousands of keys (several chunks of its log in slot-keys.ts, compacted and dropped).
 */
export function bulkName(i: number): string {
  return i % 3 === 0 ? `b{x}${i}` : `b${i}`;
}

/**
 * Whether KEYS / SCAN MATCH select `k`: "*" alone selects every key (both skip matching then, as
 * Redis's), while Redis 7.0's stringmatchlen matches no pattern against the empty key, "*" too.
 */
export function matches(pattern: string, k: string): boolean {
  return pattern === '*' || globMatch(pattern, k);
}

export function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (typeof a === 'string' || typeof b === 'string' || a === undefined || b === undefined) return a === b;
  return typeOf(a) === typeOf(b) && (a as unknown as { tag: number }).tag === (b as unknown as { tag: number }).tag;
}

/** JSON, cut short. */
export function clip(x: unknown): string {
  const s = JSON.stringify(x);
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

export function show(v: Value | undefined): string {
  return v === undefined ? 'nothing' : typeof v === 'string' ? JSON.stringify(v) : `hash#${(v as unknown as { tag: number }).tag}`;
}

