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
// samples, active expiry's draws), so a seed replays exactly. The state and shared steps are in
// keyspace-check-base.ts, the commands in keyspace-check-commands.ts, snapshots in
// keyspace-check-snapshot.ts; here: the step loop, time, active expiry, bulk changes, eviction and
// the whole-state checks.

import { keyHashSlot } from '../../src/cluster/slots.js';
import { mulberry32, pick } from './rng.js';
import { SnapshotCheck } from './keyspace-check-snapshot.js';
import { bulkName, Failed, sameValue, show, TRACE } from './keyspace-check-base.js';
import { CommandOps } from './keyspace-check-commands.js';

export interface KeyspaceCheckResult {
  seed: number;
  problems: string[];
  /** The last operations before the end (or the failure). */
  trace: string[];
  /** How often each rare path was seen (what the run covered). */
  seen: Record<string, number>;
}

const POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'];

/** One run of `steps` steps from `seed`: its problems (none when it passed), trace and coverage. */
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

class Check extends CommandOps {
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
      [0.03, () => this.snapshotOp()],
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
    if (i % (this.ks.keyCount > 20_000 ? 200 : 25) === 0) this.verify(`step ${i}`);
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
      this.expect(mean < 0.2, () => `volatile-ttl: the keys evicted had on average ${mean.toFixed(2)} of the candidates nearer their deadline`);
    }
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
    let left: [number, string][] = [];
    for (let i = 0; i < this.m.dbs.length; i++) for (const k of this.m.dbs[i].keys()) if (this.m.stale(i, k)) left.push([i, k]);
    for (let n = 0; ; n++) {
      left = left.filter(([i, k]) => this.m.dbs[i].has(k));
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
    if (this.snapshots.length < 2 && (this.snapshots.length === 0 || this.rng() < 0.7)) {
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
