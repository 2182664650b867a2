// The keyspace: the numbered databases, the time of the command being run, the active expiry
// cycle that reclaims keys nobody touches (Redis's activeExpireCycle, in small time-bounded steps),
// the estimate of the memory its keys use (memory.ts) and eviction under maxmemory (evict.ts).

import { performance } from 'node:perf_hooks';
import { systemClock, wholeMs, type Clock } from './clock.js';
import { Database, type KeyspaceEvents } from './database.js';
import { lruClock, MemorySettings } from './lru.js';
import { STARTUP_BYTES } from './memory.js';
import { Evictor, type EvictResult } from './evict.js';

/**
 * Keys with a TTL checked per round of the active cycle (Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP),
 * at active-expire-effort 1; each step of effort above 1 adds a quarter of it, as Redis's.
 */
const KEYS_PER_ROUND = 20;
/**
 * A database is worked on while a round finds more than this percentage of expired keys
 * (Redis's ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE): below it, what is left is not worth the CPU.
 * Each step of effort above 1 takes one off, as Redis's.
 */
const ACCEPTABLE_STALE = 10;
/**
 * While the random draws still see expired keys now and then (expiredStalePerc over SWEEP_STALE),
 * each cycle's walk also goes through 1/SWEEP_CYCLES of a database's keys with a TTL, at most
 * SWEEP_MAX (looking at a deadline is cheap): see sweep().
 */
const SWEEP_STALE = 0.01;
const SWEEP_CYCLES = 20;
const SWEEP_MAX = 5000;
/** Removes those of `keys` that are expired (a key drawn twice is removed once); how many. */
function reclaim(db: Database, keys: readonly string[]): number {
  let n = 0;
  for (const key of keys) if (db.expireIfNeeded(key)) n++;
  return n;
}
/** Rehash steps (up to 16 entries each) per database per active expiry step: tens of microseconds. */
const CRON_REHASH_STEPS = 1024;

/**
 * The time of the command being run. A command that starts (beginCommand) marks it stale; the
 * clock is then read on the first use only, so one command still sees one time, but the many
 * commands that never look at it (no key with a TTL involved) skip the clock read, which costs
 * about as much as dispatching a whole GET. Setting `now` (tick, the AOF replayer) fixes it.
 */
export class CommandTime {
  private ms: number;
  private stale = false;
  /**
   * The time of the last clock reading (not the AOF replayer's fixed time): what access stamps
   * use, as Redis's cached server.lruclock. The cron reads the clock every 1000/hz ms, so it is
   * never far behind; a clock that costs nothing to read (ManualClock) is read per command.
   */
  coarseMs = 0;
  /** lruClock(coarseMs), kept with it: the stamp of every access under an LRU policy. */
  lru = 0;
  /**
   * While a dataset loads (the AOF at start, DEBUG LOADAOF), as Redis's keyIsExpired and
   * checkAlreadyExpired: no deadline counts as passed, so a key whose TTL ran out since it was
   * written still takes the commands after it in the file (INCR keeps the TTL, not a new key);
   * the relative forms a file may hold (EXPIRE, SET EX) still count from the clock's time.
   */
  loading = false;

  constructor(private readonly clock: Clock) {
    this.ms = this.coarse(clock.now());
  }

  private coarse(ms: number): number {
    this.coarseMs = ms;
    this.lru = lruClock(ms);
    return ms;
  }

  get now(): number {
    if (this.stale) {
      this.ms = this.coarse(this.clock.now());
      this.stale = false;
    }
    return this.ms;
  }

  set now(ms: number) {
    this.ms = ms;
    this.stale = false;
  }

  /** The next read of `now` reads the clock. */
  invalidate(): void {
    this.stale = true;
    if (this.clock.cheap === true) this.coarse(this.clock.now());
  }

  /** Reads the clock now; `now` and `coarseMs` take its time. */
  read(): number {
    this.stale = false;
    return (this.ms = this.coarse(this.clock.now()));
  }
}

export class Keyspace {
  readonly dbs: Database[];
  /** Time of the command being run: per command (beginCommand), or fixed with `tick()`. */
  readonly time: CommandTime;
  /** Expired keys removed so far (INFO stats expired_keys). */
  expiredKeys = 0;
  /** Estimated share of the keys with a TTL that are expired and not reclaimed yet (noteStale). */
  expiredStalePerc = 0;
  /** Active cycles that stopped at their time budget (INFO expired_time_cap_reached_count). */
  expiredTimeCapReachedCount = 0;
  /** Real time spent in active cycles, in µs (INFO expire_cycle_cpu_milliseconds, in ms). */
  expireCycleTimeUsedUs = 0;
  /** maxmemory and the eviction policy (kept current by the server from its configuration). */
  readonly settings = new MemorySettings();
  /** Estimated bytes of the keys of all databases (memory.ts). */
  readonly usage = { dataset: 0 };
  /** What the server uses besides its keys, counted in "used memory" (memory.ts). */
  baselineBytes = STARTUP_BYTES;
  /**
   * Used memory that is not the keyspace's: the clients' query and output buffers, as Redis's
   * zmalloc counts them. A running total its owner keeps current (the server: client-memory.ts),
   * so that reading usedMemory before every command stays O(1); this module never walks clients.
   */
  readonly outside = { bytes: 0 };
  private readonly evictor: Evictor;
  /** The database the next active cycle starts with (the one after where the last ran out of time). */
  private nextDb = 0;
  /** Per database, the SCAN cursor of the active cycle over its deadlines. */
  private readonly expireCursors: number[];

  /** The clock given, read in whole milliseconds (wholeMs). */
  readonly clock: Clock;

  constructor(
    count: number,
    clock: Clock = systemClock,
    private readonly events: KeyspaceEvents = { expired: () => {} },
  ) {
    this.clock = clock = wholeMs(clock);
    const outer = this.events;
    const ev: KeyspaceEvents = {
      expired: (db, key) => {
        this.expiredKeys++;
        this.events.expired(db, key);
      },
      get deletionsPaused() {
        return outer.deletionsPaused;
      },
    };
    this.time = new CommandTime(clock);
    this.dbs = [];
    for (let i = 0; i < count; i++) this.dbs.push(new Database(i, ev, this.time, this.settings, this.usage));
    this.expireCursors = new Array<number>(count).fill(0);
    this.evictor = new Evictor(this, (db, key) => this.events.evicted?.(db, key));
  }

  /**
   * The memory the server counts as used: baseline plus the estimate of every key (memory.ts),
   * plus the clients' buffers (outside).
   */
  get usedMemory(): number {
    return this.baselineBytes + this.usage.dataset + this.outside.bytes;
  }

  /**
   * Redis's performEvictions: with maxmemory set and used memory above it, evicts keys by the
   * policy until under it. 'fail': over the limit and nothing can be evicted (denyoom commands
   * are refused); 'running': stopped at the time limit of maxmemory-eviction-tenacity, to be
   * continued (call again soon); 'ok' otherwise.
   */
  performEvictions(): EvictResult {
    const s = this.settings;
    if (s.maxmemory === 0 || this.usedMemory <= s.maxmemory) return 'ok';
    return this.evictor.perform();
  }

  /** A command starts: it gets its own time, read from the clock when first needed. */
  beginCommand(): void {
    this.time.invalidate();
  }

  /** Reads the clock once; every expiry decision until the next tick uses this time. */
  tick(): number {
    return this.time.read();
  }

  flushAll(): void {
    for (const db of this.dbs) db.clear();
  }

  swap(a: number, b: number): void {
    if (a === b) return;
    this.dbs[a].swapWith(this.dbs[b]);
    // The active expiry cursors go with the data, as Redis's expires_cursor: left behind, a small
    // set's finished walk restarted a large one from its end at every SWAPDB, and the large one's
    // oldest keys were never reached (a reviewer's repro: 2,000 expired keys never reclaimed).
    const c = this.expireCursors;
    [c[a], c[b]] = [c[b], c[a]];
  }

  get keyCount(): number {
    let n = 0;
    for (const db of this.dbs) n += db.size;
    return n;
  }

  /**
   * One step of active expiry, run between commands: walks each database's deadlines 20 at a
   * time (at effort 0) and draws as many more at random each round (expireRound), deleting the expired ones, moving
   * on when a round finds few of them, and stopping after
   * `budgetMs` of real time (the next step resumes where this one stopped), so that even millions
   * of expired keys never stall the server for long. Returns the number of keys removed.
   * The caller picks the budget: Redis allows up to 25% of each 1000/hz ms period. The cycle
   * reclaims roughly 300 keys per ms, so a budget that is too small lets memory grow when keys
   * expire faster than that. A cycle that stops at its budget counts in
   * expiredTimeCapReachedCount; the time spent adds to expireCycleTimeUsedUs. `effort`: Redis's
   * active-expire-effort less 1 (0-9): 5 more keys a round and 1 point less of acceptable stale
   * keys per step (its caller gives 2 points more of each period per step).
   */
  activeExpireCycle(budgetMs: number, effort = 0): number {
    const startedAt = performance.now();
    try {
      return this.expireCycle(startedAt + budgetMs, KEYS_PER_ROUND + (KEYS_PER_ROUND / 4) * effort, ACCEPTABLE_STALE - effort);
    } finally {
      this.expireCycleTimeUsedUs += Math.round((performance.now() - startedAt) * 1000);
    }
  }

  /** `perRound` keys walked and as many drawn a round; another while over `stalePerc` percent expired. */
  private expireCycle(stopAt: number, perRound: number, stalePerc: number): number {
    const stale = (expired: number, sampled: number): boolean => expired * 100 > sampled * stalePerc;
    this.tick();
    // A rehash of a keyspace index moves on with writes; this moves it on without any (Redis's
    // activerehashing), so that a read-only load does not keep looking in two indexes. A large
    // table left empty is swapped for a fresh one (SlotDict.releaseIfEmpty).
    for (const db of this.dbs) {
      db.dict.rehashSteps(CRON_REHASH_STEPS);
      db.dict.releaseIfEmpty();
    }
    const n = this.dbs.length;
    let removed = 0;
    let sampledAtRandom = 0;
    let expiredAtRandom = 0;
    const timeUp = (db: Database): boolean => {
      if (performance.now() < stopAt) return false;
      this.nextDb = db.id + 1; // as Redis's current_db, moved on before a database is worked on
      this.expiredTimeCapReachedCount++;
      return true;
    };
    for (let i = 0; i < n; i++) {
      const db = this.dbs[(this.nextDb + i) % n];
      let capped = false;
      while (db.expires.size !== 0) {
        const r = this.expireRound(db, perRound);
        removed += r.walkExpired + r.drawnExpired;
        sampledAtRandom += r.drawn;
        expiredAtRandom += r.drawnExpired;
        if ((capped = timeUp(db))) break;
        if (!stale(r.walkExpired, r.walked) && !stale(r.drawnExpired, r.drawn)) break;
      }
      if (!capped && this.expiredStalePerc > SWEEP_STALE) {
        removed += this.sweep(db, Math.min(SWEEP_MAX, Math.ceil(db.expires.size / SWEEP_CYCLES)), stopAt);
        capped = timeUp(db);
      }
      if (capped) {
        this.noteStale(sampledAtRandom, expiredAtRandom);
        return removed;
      }
    }
    this.nextDb = 0;
    this.noteStale(sampledAtRandom, expiredAtRandom);
    return removed;
  }

  /**
   * Walks on through `count` keys of `db` with a deadline (fewer if the walk ends or the budget
   * does), removing the expired ones. The draws thin expired keys everywhere at once, and a key
   * removed has the set's last one moved into its place, so once under the stale threshold the
   * rest are few and spread among live ones, where a round a cycle took minutes to find them
   * (a review: 600,000 keys of 500 ms set before 100,000 of hours, 7,990 expired ones left after
   * 30 s and 684 after 120 s; redis-server, whose walk meets them at their first density, none
   * after 2.3-2.9 s). This pass reaches each key within SWEEP_CYCLES cycles (at most SWEEP_MAX a
   * cycle) while the draws say some are left.
   */
  private sweep(db: Database, count: number, stopAt: number): number {
    const now = this.time.now;
    const due: string[] = [];
    let walked = 0;
    let removed = 0;
    let cursor = this.expireCursors[db.id];
    while (walked < count && performance.now() < stopAt) {
      cursor = db.expires.scan(cursor, Math.min(256, count - walked), (key, when) => {
        walked++;
        if (when < now) due.push(key);
      });
      removed += reclaim(db, due);
      due.length = 0;
      if (cursor === 0) break;
    }
    this.expireCursors[db.id] = cursor;
    return removed;
  }

  /**
   * Redis's stat_expired_stale_perc (INFO expired_stale_perc): a running average, each cycle
   * weighing 5%, of the share of expired keys among those the cycle drew at random.
   */
  private noteStale(sampled: number, expired: number): void {
    const perc = sampled === 0 ? 0 : expired / sampled;
    this.expiredStalePerc = perc * 0.05 + this.expiredStalePerc * 0.95;
  }

  /**
   * One round of the active cycle on `db`: the next keys of its deadline cursor, and as many drawn
   * at random, and removes the expired ones. Redis walks its expires table in hash order, so the
   * keys of a round are a random mix of the set; the set here is in the order deadlines were set,
   * and a walk alone crosses a block of long-lived keys at one round a cycle while keys that
   * expired since wait behind them (5,000 long-lived keys ahead of 20,000 expired ones left them
   * all in place for 20-30 s). The random draws see those wherever they sit, and keep the cycle
   * going while they find more than ACCEPTABLE_STALE percent expired; the walk still reaches every
   * key. The deadlines the walk sees feed db.avgTtl (a running average weighting each round 2%, as
   * Redis).
   */
  private expireRound(db: Database, perRound: number): { walked: number; walkExpired: number; drawn: number; drawnExpired: number } {
    let walked = 0;
    let ttlSum = 0;
    let ttlSamples = 0;
    const now = this.time.now;
    const due: string[] = [];
    this.expireCursors[db.id] = db.expires.scan(this.expireCursors[db.id], perRound, (key, when) => {
      walked++;
      if (when < now) due.push(key);
      else if (when > now) {
        ttlSum += when - now;
        ttlSamples++;
      }
    });
    const walkExpired = reclaim(db, due);
    due.length = 0;
    const drawn = Math.min(perRound, db.expires.size);
    db.expires.sample(drawn, (key, when) => {
      if (when < now) due.push(key);
    });
    const drawnExpired = reclaim(db, due);
    if (ttlSamples > 0) {
      const avg = Math.floor(ttlSum / ttlSamples);
      if (db.avgTtl === 0) db.avgTtl = avg;
      db.avgTtl = Math.floor(db.avgTtl / 50) * 49 + Math.floor(avg / 50);
    }
    return { walked, walkExpired, drawn, drawnExpired };
  }
}
