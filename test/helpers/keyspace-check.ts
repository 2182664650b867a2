// The keyspace's seeded random checker (test/unit/keyspace-model-random.test.ts): one run drives a
// Keyspace on a ManualClock through a random sequence of commands (the keyspace commands' own
// handlers, in-process), bulk growth and shrinking across the index's resize thresholds, clock
// moves (backwards too), active expiry cycles, eviction under every policy and CLIENT PAUSE
// stretches, against the model of keyspace-model.ts. Checked at every step: each reply; every
// expiry and eviction the keyspace reports (only expired keys expire, never under pause; volatile-*
// evicts only keys with a TTL, noeviction nothing); lazy expiry of every key a command looks up;
// SCAN's guarantee (every key live and matching from a scan's first call to its last is returned,
// every key returned is live and matches, a scan ends); RANDOMKEY; and, every few steps and at the
// end, the whole state: keys, values, deadlines, the set of keys with a deadline, the memory
// accounting, cluster mode's keys per slot. Math.random is seeded too (random keys, eviction
// samples, active expiry's draws), so a seed replays exactly.

import { ManualClock } from '../../src/keyspace/clock.js';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import type { Database } from '../../src/keyspace/database.js';
import { typeOf, type Value } from '../../src/keyspace/values.js';
import { globMatch } from '../../src/commands/glob.js';
import { SlotKeys } from '../../src/cluster/slot-keys.js';
import { keyHashSlot } from '../../src/cluster/slots.js';
import { mulberry32, pick, type Rng } from './rng.js';
import { hashValue, keyNames, Model, Runner } from './keyspace-model.js';
import { SnapshotCheck } from './keyspace-check-snapshot.js';

export interface KeyspaceCheckResult {
  seed: number;
  problems: string[];
  /** The last operations before the end (or the failure). */
  trace: string[];
  /** How often each rare path was seen (what the run covered). */
  seen: Record<string, number>;
}

const POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'];
const PATTERNS = ['*', 'k*', '{t1}*', '*1*', '\x00*', '?', 'k[0-3]*', 'b*'];
const TRACE = 80;

class Failed extends Error {}

/** A SCAN iteration in progress: what it must still return, and what it returned. */
interface ScanState {
  db: number;
  cursor: string;
  opts: string[];
  pattern: string;
  type: string | undefined;
  must: Set<string>;
  seen: Set<string>;
  calls: number;
}

/** An event the keyspace reported during the current operation. */
interface Reported {
  kind: 'expired' | 'evicted';
  db: number;
  key: string;
}

export function runKeyspaceCheck(seed: number, steps: number): KeyspaceCheckResult {
  const random = Math.random;
  Math.random = mulberry32(seed ^ 0x5bd1e995);
  const c = new Check(seed);
  try {
    for (let i = 0; i < steps; i++) c.step(i);
    c.finish();
  } catch (e) {
    if (!(e instanceof Failed)) c.problems.push(`exception: ${(e as Error).stack ?? String(e)}`);
  } finally {
    Math.random = random;
  }
  return { seed, problems: c.problems, trace: c.trace.slice(-TRACE), seen: c.seen };
}

class Check {
  readonly problems: string[] = [];
  readonly trace: string[] = [];
  readonly seen: Record<string, number> = {};
  /** Per database, the index size and slots allocated last seen (to count resizes and fresh tables). */
  private shape: { capacity: number; slots: number }[] = [];
  private readonly rng: Rng;
  private readonly clock = new ManualClock();
  private readonly ks: Keyspace;
  private readonly m: Model;
  private readonly run: Runner;
  private readonly cluster: boolean;
  private readonly slotKeys: SlotKeys | null = null;
  private readonly names: string[];
  private paused = false;
  /** Runs that go past 65,536 keys in a database now and then. */
  private readonly huge: boolean;
  private scans: ScanState[] = [];
  private snapshots: SnapshotCheck[] = [];
  private reported: Reported[] = [];
  private bulkNext = 0;
  /** volatile-ttl evictions: the share of candidates with a nearer deadline than the key evicted. */
  private ttlRanks: number[] = [];

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
      this.slotKeys = new SlotKeys(3);
      this.ks.dbs[0].keyIndex = this.slotKeys;
      this.run.server.cluster = {};
    }
  }

  private fail(msg: string): never {
    this.problems.push(msg);
    throw new Failed(msg);
  }

  private expect(cond: boolean, msg: () => string): void {
    if (!cond) this.fail(msg());
  }

  private tally(what: string): void {
    this.seen[what] = (this.seen[what] ?? 0) + 1;
  }

  /** Counts index growths and shrinks, SipHash, second chunks and fresh tables since the last step. */
  private observe(): void {
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

  private note(s: string): void {
    this.trace.push(s);
    if (this.trace.length > 4 * TRACE) this.trace.splice(0, this.trace.length - TRACE);
  }

  private get now(): number {
    return Math.floor(this.clock.ms);
  }

  private onExpired(db: Database, key: string): void {
    const e = this.m.dbs[db.id].get(key);
    this.expect(!this.paused, () => `db ${db.id}: ${JSON.stringify(key)} expired while deletions are paused`);
    this.expect(e !== undefined, () => `db ${db.id}: expired ${JSON.stringify(key)}, which the model does not hold`);
    this.expect(e!.dl !== undefined && e!.dl < this.m.now, () => `db ${db.id}: expired live ${JSON.stringify(key)} (deadline ${e!.dl}, now ${this.m.now})`);
    this.reported.push({ kind: 'expired', db: db.id, key });
    this.tally('expired');
    this.gone(db.id, key);
  }

  private onEvicted(db: Database, key: string): void {
    const e = this.m.dbs[db.id].get(key);
    const policy = this.ks.settings.policy;
    this.expect(e !== undefined, () => `db ${db.id}: evicted ${JSON.stringify(key)}, which the model does not hold`);
    this.expect(policy.kind !== 'none', () => `noeviction evicted ${JSON.stringify(key)}`);
    this.expect(policy.allKeys || e!.dl !== undefined, () => `volatile-${policy.kind} evicted ${JSON.stringify(key)}, which has no TTL`);
    if (policy.kind === 'ttl') {
      let nearer = 0;
      let all = 0;
      for (const d of this.m.dbs) for (const x of d.values()) if (x.dl !== undefined) (all++, x.dl < e!.dl! && nearer++);
      this.ttlRanks.push(nearer / all);
    }
    this.reported.push({ kind: 'evicted', db: db.id, key });
    this.gone(db.id, key);
  }

  /** A key leaves the model: no scan may count on it any more (it was not there throughout). */
  private gone(db: number, key: string): void {
    this.m.dbs[db].delete(key);
    for (const s of this.scans) if (s.db === db) s.must.delete(key);
  }

  private create(db: number, key: string, v: Value, dl: number | undefined): void {
    this.gone(db, key);
    this.m.create(db, key, v, dl);
  }

  private key(): string {
    if (this.bulkNext > 0 && this.rng() < 0.2) return bulkName(pick(this.rng, this.bulkNext));
    return this.names[pick(this.rng, this.names.length)];
  }

  private value(): Value {
    return this.rng() < 0.15 ? hashValue(pick(this.rng, 3)) : `v${pick(this.rng, 1000)}`;
  }

  private db(): number {
    return pick(this.rng, this.m.dbs.length);
  }

  step(i: number): void {
    this.m.now = this.now;
    this.reported = [];
    const r = this.rng();
    const reads: [number, () => void][] = [
      [0.14, () => this.readOp()],
      [0.12, () => this.scanOp()],
      [0.03, () => this.randomKeyOp(this.db())],
      [0.02, () => this.listOp()],
      [0.09, () => this.clockOp(undefined)],
    ];
    const writes: [number, () => void][] = [
      [0.2, () => this.setOp()],
      [0.1, () => this.expireOp()],
      [0.05, () => this.delOp()],
      [0.06, () => this.renameCopyMoveOp()],
      [0.04, () => this.activeOp()],
      [0.02, () => this.bulkOp()],
      [0.02, () => this.evictOp()],
      [0.006, () => this.flushOp()],
      [0.006, () => this.swapOp()],
      [0.01, () => this.togglePause()],
      [0.015, () => this.snapshotOp()],
    ];
    const ops = this.paused ? [...reads, [0.1, () => this.togglePause()] as [number, () => void]] : [...reads, ...writes];
    const total = ops.reduce((a, [w]) => a + w, 0);
    let x = r * total;
    for (const [w, f] of ops) {
      if ((x -= w) <= 0) {
        f();
        break;
      }
    }
    this.observe();
    if (i % (this.m.dbs[0].size > 20_000 ? 200 : 25) === 0) this.verify(`step ${i}`);
  }

  finish(): void {
    this.m.now = this.now;
    if (this.paused) this.togglePause();
    for (const s of this.scans) while (s.cursor !== '0' || s.calls === 0) this.scanCall(s);
    this.scans = [];
    for (const snap of this.snapshots) snap.close();
    this.drain();
    this.verify('end');
    if (this.ttlRanks.length >= 30) {
      const mean = this.ttlRanks.reduce((a, b) => a + b, 0) / this.ttlRanks.length;
      this.expect(mean < 0.35, () => `volatile-ttl: the keys evicted had on average ${mean.toFixed(2)} of the candidates nearer their deadline`);
    }
  }

  /** The keys `keys` of `db` stale in the model now must be reclaimed by the command: checked after. */
  private lazily(db: number, keys: string[], op: () => void): void {
    const stale = keys.filter((k) => this.m.stale(db, k));
    op();
    if (this.paused) return;
    for (const k of stale) {
      this.expect(this.reported.some((e) => e.kind === 'expired' && e.db === db && e.key === k), () => `db ${db}: ${JSON.stringify(k)} was looked up past its deadline and not reclaimed`);
    }
  }

  private cmd(db: number, args: string[]): unknown {
    this.note(`db ${db} t=${this.now}: ${JSON.stringify(args)}`);
    return this.run.run(db, args);
  }

  private same(got: unknown, want: unknown, what: string): void {
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    if (Array.isArray(got) && Array.isArray(want)) {
      const extra = got.filter((x) => !want.includes(x));
      const missing = want.filter((x) => !got.includes(x));
      this.fail(`${what}: ${got.length} items, the model ${want.length}; extra ${clip(extra)}, missing ${clip(missing)}`);
    }
    this.fail(`${what}: got ${clip(got)}, the model says ${clip(want)}`);
  }

  private readOp(): void {
    const db = this.db();
    const k = this.key();
    const k2 = this.key();
    const m = this.m;
    const what = pick(this.rng, 6);
    if (what === 0) {
      this.note(`db ${db} t=${this.now}: get ${JSON.stringify(k)}`);
      this.ks.beginCommand();
      this.lazily(db, [k], () => {
        const v = this.ks.dbs[db].get(k);
        const e = m.live(db, k);
        this.expect(sameValue(v, e?.v), () => `db ${db}: get ${JSON.stringify(k)} gave ${show(v)}, the model says ${show(e?.v)}`);
      });
      return;
    }
    const live = (key: string): boolean => m.live(db, key) !== undefined;
    this.lazily(db, what === 1 ? [k, k2] : what === 5 ? [] : [k], () => {
      // The model's answers are taken before the command: it reclaims, the model follows.
      if (what === 1) {
        const want = [k, k2, k].filter(live).length;
        this.same(this.cmd(db, ['EXISTS', k, k2, k]), want, 'EXISTS');
      } else if (what === 2) {
        const e = m.live(db, k);
        this.same(this.cmd(db, ['TYPE', k]), `+${e === undefined ? 'none' : typeOf(e.v)}`, 'TYPE');
      } else {
        const e = m.live(db, k);
        const ms = e === undefined ? -2 : e.dl === undefined ? -1 : Math.max(0, e.dl - m.now);
        const secs = ms < 0 ? ms : Math.floor((ms + 500) / 1000);
        if (what === 3) this.same(this.cmd(db, ['PTTL', k]), ms, 'PTTL');
        else if (what === 4) this.same(this.cmd(db, ['TTL', k]), secs, 'TTL');
        else this.same(this.cmd(db, ['DBSIZE']), m.dbs[db].size, 'DBSIZE');
      }
    });
  }

  private listOp(): void {
    const db = this.db();
    const pattern = PATTERNS[pick(this.rng, PATTERNS.length)];
    const want = this.m.liveKeys(db).filter((k) => matches(pattern, k)).sort();
    const got = (this.cmd(db, ['KEYS', pattern]) as string[]).slice().sort();
    this.same(got, want, `KEYS ${pattern}`);
  }

  private setOp(): void {
    const db = this.db();
    const k = this.key();
    const v = this.value();
    const keepTtl = this.rng() < 0.2;
    this.note(`db ${db} t=${this.now}: set ${JSON.stringify(k)} ${show(v)} keepTtl=${keepTtl}`);
    this.ks.beginCommand();
    this.lazily(db, [k], () => this.ks.dbs[db].set(k, v, keepTtl));
    const old = this.m.dbs[db].get(k);
    // A change of type: scans with a TYPE filter no longer owe the key.
    if (old !== undefined && typeOf(old.v) !== typeOf(v)) for (const s of this.scans) if (s.db === db && s.type !== undefined) s.must.delete(k);
    if (this.m.dbs[db].has(k)) this.m.set(db, k, v, keepTtl);
    else this.create(db, k, v, undefined);
  }

  private expireOp(): void {
    const db = this.db();
    const k = this.key();
    const m = this.m;
    if (this.rng() < 0.2) {
      const e = m.live(db, k);
      this.lazily(db, [k], () => this.same(this.cmd(db, ['PERSIST', k]), e?.dl !== undefined ? 1 : 0, 'PERSIST'));
      if (e !== undefined) e.dl = undefined;
      return;
    }
    // Now and then a deadline past 2^53 ms, stored as MAX_DEADLINE (database.ts).
    const huge = this.rng() < 0.05;
    const when = huge ? Number.MAX_SAFE_INTEGER : m.now + pick(this.rng, 800) - 100;
    const e = m.live(db, k);
    this.lazily(db, [k], () => this.same(this.cmd(db, ['PEXPIREAT', k, huge ? '9223372036854775807' : String(when)]), e === undefined ? 0 : 1, 'PEXPIREAT'));
    if (e === undefined) return;
    if (when <= m.now) this.gone(db, k);
    else e.dl = when;
  }

  private delOp(): void {
    const db = this.db();
    const keys = [this.key(), this.key(), this.key()];
    const want = new Set(keys.filter((k) => this.m.live(db, k) !== undefined)).size;
    this.lazily(db, keys, () => this.same(this.cmd(db, ['DEL', ...keys]), want, 'DEL'));
    for (const k of keys) this.gone(db, k);
  }

  /** RENAME / RENAMENX / COPY [DB] [REPLACE] / MOVE, their TTLs and their refusals in cluster mode. */
  private renameCopyMoveOp(): void {
    const m = this.m;
    const db = this.db();
    const src = this.key();
    const dst = this.rng() < 0.1 ? src : this.key();
    const e = m.live(db, src);
    const what = pick(this.rng, 4);
    if (what <= 1) {
      const nx = what === 1;
      const taken = m.live(db, dst) !== undefined;
      const want = e === undefined ? '-ERR no such key' : src === dst ? (nx ? 0 : '+OK') : nx && taken ? 0 : nx ? 1 : '+OK';
      this.lazily(db, e !== undefined && src !== dst ? [src, dst] : [src], () => this.same(this.cmd(db, [nx ? 'RENAMENX' : 'RENAME', src, dst]), want, 'RENAME'));
      if (e !== undefined && src !== dst && !(nx && taken)) {
        this.gone(db, src);
        this.create(db, dst, e.v, e.dl);
      }
      return;
    }
    const to = this.cluster ? 0 : this.db();
    if (what === 2) {
      const replace = this.rng() < 0.5;
      const args = ['COPY', src, dst, ...(to !== db || this.rng() < 0.3 ? ['DB', String(to)] : []), ...(replace ? ['REPLACE'] : [])];
      const taken = m.live(to, dst) !== undefined;
      const want = to === db && src === dst ? '-ERR source and destination objects are the same' : e === undefined || (taken && !replace) ? 0 : 1;
      const looked = to === db && src === dst ? [] : [src];
      this.lazily(db, looked, () => this.same(this.cmd(db, args), want, 'COPY'));
      if (e !== undefined && want === 1) this.create(to, dst, typeof e.v === 'string' ? e.v : hashValue((e.v as unknown as { tag: number }).tag), e.dl);
      return;
    }
    if (this.cluster) return void this.same(this.cmd(db, ['MOVE', src, '0']), '-ERR MOVE is not allowed in cluster mode', 'MOVE');
    const target = this.db();
    const taken = m.live(target, src) !== undefined;
    const want = target === db ? '-ERR source and destination objects are the same' : e === undefined || taken ? 0 : 1;
    this.lazily(db, target === db ? [] : [src], () => this.same(this.cmd(db, ['MOVE', src, String(target)]), want, 'MOVE'));
    if (want === 1) {
      this.gone(db, src);
      this.create(target, src, e!.v, e!.dl);
    }
  }

  private flushOp(): void {
    const db = this.db();
    const mode = ['', 'SYNC', 'ASYNC'][pick(this.rng, 3)];
    const all = this.rng() < 0.25;
    const name = all ? 'FLUSHALL' : 'FLUSHDB';
    this.same(this.cmd(db, mode === '' ? [name] : [name, mode]), '+OK', name);
    for (let i = 0; i < this.m.dbs.length; i++) if (all || i === db) for (const k of [...this.m.dbs[i].keys()]) this.gone(i, k);
  }

  private swapOp(): void {
    const a = this.db();
    const b = this.db();
    if (this.cluster) return void this.same(this.cmd(0, ['SWAPDB', '0', '0']), '-ERR SWAPDB is not allowed in cluster mode', 'SWAPDB');
    this.same(this.cmd(a, ['SWAPDB', String(a), String(b)]), '+OK', 'SWAPDB');
    const dbs = this.m.dbs;
    [dbs[a], dbs[b]] = [dbs[b], dbs[a]];
    // A scan's cursor now walks other data: nothing is owed to it (as in Redis).
    if (a !== b) for (const s of this.scans) if (s.db === a || s.db === b) s.must.clear();
  }

  private clockOp(by?: number): void {
    const r = this.rng();
    const ms = by !== undefined ? by : r < 0.7 ? pick(this.rng, 30) : r < 0.85 ? 100 + pick(this.rng, 3000) : r < 0.9 ? 3_600_000 : r < 0.97 ? -1 - pick(this.rng, 500) : 0.5;
    this.note(`clock ${ms > 0 ? '+' : ''}${ms}`);
    this.clock.advance(ms);
    if (ms > 0) this.pruneScans();
  }

  private activeOp(): void {
    const effort = pick(this.rng, 10);
    // Now and then a budget spent at once: the cycle stops at its first check, to resume later.
    const budget = this.rng() < 0.25 ? 0 : 1000;
    this.note(`t=${this.now}: active expiry cycle, effort ${effort}, budget ${budget} ms`);
    this.ks.activeExpireCycle(budget, effort);
  }

  /** Active expiry alone, the clock still, reclaims every expired key within a bounded number of cycles. */
  private drain(): void {
    let most = 0;
    for (const db of this.ks.dbs) most = Math.max(most, db.expires.size);
    const limit = 2 * Math.ceil(most / 20) + 100;
    this.m.now = this.now;
    const stale: [number, string][] = [];
    for (let i = 0; i < this.m.dbs.length; i++) for (const k of this.m.dbs[i].keys()) if (this.m.stale(i, k)) stale.push([i, k]);
    for (let n = 0; ; n++) {
      const left = stale.filter(([i, k]) => this.m.dbs[i].has(k));
      if (left.length === 0) return;
      this.expect(n < limit, () => `${left.length} expired keys left after ${limit} active expiry cycles`);
      this.ks.activeExpireCycle(1000, 0);
    }
  }

  /** Every key of `db` gets a deadline within 40 ms: soon all of them are expired (RANDOMKEY's worst case). */
  private expireAll(db: number): void {
    this.note(`db ${db} t=${this.now}: every key expires within 40 ms`);
    this.ks.beginCommand();
    for (const k of this.m.liveKeys(db)) {
      const when = this.m.now + pick(this.rng, 40);
      this.ks.dbs[db].setExpire(k, when);
      this.m.dbs[db].get(k)!.dl = when;
    }
    if (this.rng() < 0.5) {
      this.clockOp(41);
      this.randomKeyOp(db);
    }
  }

  /** Opens a snapshot of a database (at most two at once), or closes one and checks it. */
  private snapshotOp(): void {
    if (this.snapshots.length < 2 && (this.snapshots.length === 0 || this.rng() < 0.4)) {
      const db = this.db();
      this.note(`db ${db}: snapshot opened`);
      this.snapshots.push(new SnapshotCheck(this.ks.dbs[db], (msg) => this.fail(msg)));
      this.tally('snapshots');
      return;
    }
    const i = pick(this.rng, this.snapshots.length);
    this.note(`snapshot ${i} closed`);
    this.snapshots.splice(i, 1)[0].close();
  }

  private togglePause(): void {
    this.paused = !this.paused;
    this.note(this.paused ? 'pause deletions' : 'unpause deletions');
  }

  /** Many keys added to a database (some with a TTL), or most of one deleted: across resize thresholds. */
  private bulkOp(): void {
    const db = this.db();
    const d = this.ks.dbs[db];
    this.ks.beginCommand();
    const r = this.rng();
    if (r < 0.12) return this.expireAll(db);
    if (r < 0.6 || this.m.dbs[db].size < 200) {
      // Past 65,536 slots now and then: a second chunk of rows and of deadlines (slot-index.ts).
      const n = this.huge && this.rng() < 0.15 ? 66_000 + pick(this.rng, 8000) : 200 + pick(this.rng, 2500);
      this.note(`db ${db} t=${this.now}: bulk add ${n} keys from b${this.bulkNext}`);
      for (let i = 0; i < n; i++) {
        const k = bulkName(this.bulkNext++);
        d.set(k, 'x');
        this.create(db, k, 'x', undefined);
        if (this.rng() < 0.4) {
          const when = this.m.now + pick(this.rng, 3000) - 50;
          d.setExpire(k, when);
          this.m.dbs[db].get(k)!.dl = when;
        }
      }
      return;
    }
    const share = 0.5 + this.rng() / 2;
    this.note(`db ${db} t=${this.now}: bulk delete ${Math.round(share * 100)}%`);
    for (const k of [...this.m.dbs[db].keys()]) {
      if (this.rng() >= share) continue;
      const live = this.m.live(db, k) !== undefined;
      this.expect(d.delete(k) === live, () => `db ${db}: delete ${JSON.stringify(k)} said ${!live}`);
      if (live) this.gone(db, k);
      else this.expect(!this.m.dbs[db].has(k), () => `db ${db}: delete of expired ${JSON.stringify(k)} did not reclaim it`);
    }
  }

  /** Goes on with a scan in progress, or starts one (MATCH, COUNT, TYPE at random). */
  private scanOp(): void {
    if (this.scans.length > 0 && this.rng() < 0.85) {
      const s = this.scans[pick(this.rng, this.scans.length)];
      this.scanCall(s);
      if (s.cursor === '0') this.scans.splice(this.scans.indexOf(s), 1);
      return;
    }
    if (this.scans.length >= 4) return;
    const db = this.db();
    const opts: string[] = [];
    const pattern = this.rng() < 0.4 ? PATTERNS[pick(this.rng, PATTERNS.length)] : '*';
    if (pattern !== '*' || this.rng() < 0.1) opts.push('MATCH', pattern);
    if (this.rng() < 0.7) opts.push('COUNT', String(this.rng() < 0.1 ? 1000 : 1 + pick(this.rng, 40)));
    const type = this.rng() < 0.2 ? ['string', 'hash', 'none', 'STRING'][pick(this.rng, 4)] : undefined;
    if (type !== undefined) opts.push('TYPE', type);
    const s: ScanState = { db, cursor: '0', opts, pattern, type: type?.toLowerCase(), must: new Set(), seen: new Set(), calls: 0 };
    for (const k of this.m.liveKeys(db)) if (this.owed(s, k)) s.must.add(k);
    this.scans.push(s);
    this.scanCall(s);
    if (s.cursor === '0') this.scans.pop();
  }

  /** Whether `s` must return `k` if it stays as it is now: live, matching, of the type asked. */
  private owed(s: ScanState, k: string): boolean {
    const e = this.m.live(s.db, k);
    return e !== undefined && matches(s.pattern, k) && (s.type === undefined || s.type === typeOf(e.v));
  }

  private scanCall(s: ScanState): void {
    const [cursor, keys] = this.cmd(s.db, ['SCAN', s.cursor, ...s.opts]) as [string, string[]];
    s.calls++;
    for (const k of keys) {
      // TYPE none: a key that expired during the call reads as type "none" (Redis's filter looks it
      // up, which reclaims it, and then finds nothing left to expire): returned, as Redis does.
      if (s.type === 'none' && this.reported.some((e) => e.kind === 'expired' && e.db === s.db && e.key === k)) continue;
      this.expect(this.owed(s, k), () => `db ${s.db}: SCAN returned ${JSON.stringify(k)}, not live or not matching (${JSON.stringify(s.opts)})`);
      s.seen.add(k);
    }
    this.expect(s.calls < 100_000, () => `db ${s.db}: SCAN did not end after ${s.calls} calls`);
    s.cursor = cursor;
    if (cursor !== '0') return;
    this.tally(s.must.size > 0 ? 'full scans owing keys' : 'full scans owing none');
    const missed = [...s.must].filter((k) => !s.seen.has(k));
    this.expect(missed.length === 0, () => `db ${s.db}: a full SCAN (${JSON.stringify(s.opts)}, ${s.calls} calls) missed ${JSON.stringify(missed.slice(0, 10))}, live and matching throughout`);
  }

  /**
   * The clock moved on: keys whose deadline it passed are no longer live, so no longer owed (only
   * time makes a key stop being live without leaving the model; gone() handles the rest).
   */
  private pruneScans(): void {
    const now = this.now;
    for (const s of this.scans) {
      const keys = this.m.dbs[s.db];
      for (const k of s.must) if ((keys.get(k)?.dl ?? Infinity) < now) s.must.delete(k);
    }
  }

  /** RANDOMKEY: a live key whenever there is one; nil only when none is live (expired picks reclaimed). */
  private randomKeyOp(db = this.db()): void {
    this.m.now = this.now;
    const m = this.m;
    const anyLive = m.liveKeys(db).length > 0;
    const allVolatile = [...m.dbs[db].values()].every((e) => e.dl !== undefined);
    const stored = m.dbs[db].size;
    const got = this.cmd(db, ['RANDOMKEY']) as string | null;
    if (got === null) {
      this.tally(stored > 0 ? 'RANDOMKEY nil, all expired' : 'RANDOMKEY nil, empty');
      this.expect(!anyLive, () => `db ${db}: RANDOMKEY gave nil with ${m.liveKeys(db).length} live keys`);
      if (!this.paused) this.expect(m.dbs[db].size === 0, () => `db ${db}: RANDOMKEY gave nil, ${m.dbs[db].size} expired keys left`);
      return;
    }
    if (this.paused && allVolatile && !anyLive) return void this.tally('RANDOMKEY paused, all expired'); // Redis 7.2's way out of 7.0's endless loop (redis-compat.md)
    this.expect(m.live(db, got) !== undefined, () => `db ${db}: RANDOMKEY gave ${JSON.stringify(got)}, not live`);
  }

  /** maxmemory just under the used memory, a random policy and sample count: what is evicted, and the outcome. */
  private evictOp(): void {
    const ks = this.ks;
    const s = ks.settings;
    const policy = POLICIES[pick(this.rng, POLICIES.length)];
    s.setPolicy(policy);
    s.tenacity = 100; // no time limit: a run must not depend on how fast the machine is
    // volatile-ttl is checked for preferring near deadlines (finish): enough samples to tell.
    s.samples = policy === 'volatile-ttl' ? 5 + pick(this.rng, 6) : 1 + pick(this.rng, 10);
    const used = ks.usedMemory;
    s.maxmemory = used - 1 - pick(this.rng, 4000);
    this.note(`t=${this.now}: evict ${used - s.maxmemory} bytes, ${policy}, samples ${s.samples}`);
    ks.beginCommand();
    const result = ks.performEvictions();
    const evicted = this.reported.filter((e) => e.kind === 'evicted').length;
    const volatile = ks.dbs.some((d) => d.expires.size > 0);
    this.tally(`eviction ${result}`);
    if (evicted > 0) this.tally(`evicted by ${policy}`);
    if (policy === 'noeviction') this.expect(result === 'fail' && evicted === 0, () => `noeviction: ${result}, ${evicted} evicted`);
    else if (result === 'ok') this.expect(ks.usedMemory <= s.maxmemory, () => `${policy}: ok, but ${ks.usedMemory} bytes used of ${s.maxmemory}`);
    else if (result === 'fail') this.expect(policy.startsWith('volatile') ? !volatile : ks.keyCount === 0, () => `${policy}: fail with keys left to evict`);
    s.maxmemory = 0;
  }

  /** The whole state against the model. */
  private verify(where: string): void {
    const m = this.m;
    let dataset = 0;
    for (let i = 0; i < m.dbs.length; i++) {
      const d = this.ks.dbs[i];
      const want = m.dbs[i];
      const at = `${where}, db ${i}`;
      this.expect(d.size === want.size, () => `${at}: ${d.size} keys, the model ${want.size}`);
      let volatile = 0;
      for (const [k, e] of want) {
        const v = d.dict.get(k);
        this.expect(sameValue(v, e.v), () => `${at}: ${JSON.stringify(k)} holds ${show(v)}, the model ${show(e.v)}`);
        this.expect(d.expires.get(k) === e.dl, () => `${at}: ${JSON.stringify(k)} deadline ${d.expires.get(k)}, the model ${e.dl}`);
        if (e.dl !== undefined) volatile++;
      }
      this.expect(d.expires.size === volatile, () => `${at}: ${d.expires.size} keys with a deadline, the model ${volatile}`);
      let listed = 0;
      for (const [k, when] of d.expires.entries()) {
        listed++;
        this.expect(want.get(k)?.dl === when, () => `${at}: the set of keys with a deadline holds ${JSON.stringify(k)} at ${when}`);
      }
      this.expect(listed === volatile, () => `${at}: the set of keys with a deadline lists ${listed}`);
      const bytes = m.bytes(i, d.keyIndex?.bytesPerKey ?? 0);
      this.expect(d.bytes === bytes, () => `${at}: ${d.bytes} bytes charged, the model ${bytes}`);
      dataset += d.bytes;
    }
    this.expect(this.ks.usage.dataset === dataset, () => `${where}: dataset ${this.ks.usage.dataset} bytes, the databases ${dataset}`);
    if (this.slotKeys !== null) this.verifySlots(where);
  }

  /** Cluster mode: COUNTKEYSINSLOT and GETKEYSINSLOT's keys (newest first) for every slot in use. */
  private verifySlots(where: string): void {
    const bySlot = new Map<number, [string, number][]>();
    for (const [k, e] of this.m.dbs[0]) {
      const slot = keyHashSlot(k);
      let list = bySlot.get(slot);
      if (list === undefined) bySlot.set(slot, (list = []));
      list.push([k, e.born]);
    }
    for (const [slot, list] of bySlot) {
      const keys = this.slotKeys!;
      this.expect(keys.count(slot) === list.length, () => `${where}: slot ${slot} counts ${keys.count(slot)} keys, the model ${list.length}`);
      const max = pick(this.rng, list.length + 2);
      const want = list.sort((a, b) => b[1] - a[1]).slice(0, max).map(([k]) => k);
      this.same(keys.newest(slot, max), want, `${where}: slot ${slot}'s ${max} newest keys`);
    }
    const other = (keyHashSlot('k0') + 1) & 16383;
    if (!bySlot.has(other)) this.expect(this.slotKeys!.count(other) === 0, () => `${where}: empty slot ${other} counts keys`);
  }
}

/**
 * The i-th bulk key: one in three shares the hash tag {x}, so that in cluster mode one slot holds
 * thousands of keys (several chunks of its log in slot-keys.ts, compacted and dropped).
 */
function bulkName(i: number): string {
  return i % 3 === 0 ? `b{x}${i}` : `b${i}`;
}

/**
 * Whether KEYS / SCAN MATCH select `k`: "*" alone selects every key (both skip matching then, as
 * Redis's), while Redis 7.0's stringmatchlen matches no pattern against the empty key, "*" too.
 */
function matches(pattern: string, k: string): boolean {
  return pattern === '*' || globMatch(pattern, k);
}

function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (typeof a === 'string' || typeof b === 'string' || a === undefined || b === undefined) return a === b;
  return typeOf(a) === typeOf(b) && (a as unknown as { tag: number }).tag === (b as unknown as { tag: number }).tag;
}

/** JSON, cut short. */
function clip(x: unknown): string {
  const s = JSON.stringify(x);
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

function show(v: Value | undefined): string {
  return v === undefined ? 'nothing' : typeof v === 'string' ? JSON.stringify(v) : `hash#${(v as unknown as { tag: number }).tag}`;
}
