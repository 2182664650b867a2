// Eviction under maxmemory: Redis's performEvictions and evictionPoolPopulate (evict.c).
//
// While the used memory (Keyspace.usedMemory: the estimate of memory.ts) is above maxmemory, a key
// is picked and deleted, until enough bytes were freed:
// - lru / lfu / ttl policies sample maxmemory-samples keys of every database (all keys, or only
//   those with a TTL for volatile-*) into a pool of the 16 best candidates kept across calls,
//   ranked by idle time, by 255 minus the LFU counter, or by nearness of the deadline; the best one
//   still present is evicted (a key deleted since it was sampled is a "ghost", skipped);
// - random policies take a random key of the next database that has candidates, round robin.
// The approximation is Redis's: with few samples a key that is not the idlest may go, which is why
// the pool remembers good candidates between evictions.
//
// Every 16 keys the loop checks the time limit of maxmemory-eviction-tenacity (Redis's
// evictionTimeLimitUs: 50 us per step up to 10, then +15% per step, none at 100); past it the
// caller gets 'running' and continues soon, so that freeing a lot of memory never stalls the server.
//
// Evicted keys are reported to `onEvict`, which the server turns into an AOF DEL and a stat, as it
// does for expired keys.

import { performance } from 'node:perf_hooks';
import { MAX_DEADLINE, type Database } from './database.js';
import type { Keyspace } from './keyspace.js';
import { evictionScore } from './lru.js';

/** Redis's EVPOOL_SIZE. */
const POOL_SIZE = 16;

export type EvictResult = 'ok' | 'fail' | 'running';

interface PoolEntry {
  key: string;
  /** Higher: better candidate. */
  score: number;
  db: number;
}

/** Redis's evictionTimeLimitUs, in ms. */
export function evictionTimeLimitMs(tenacity: number): number {
  if (tenacity <= 10) return (50 * tenacity) / 1000;
  if (tenacity < 100) return (500 * Math.pow(1.15, tenacity - 10)) / 1000;
  return Infinity;
}

export class Evictor {
  /** Candidates, worst first (as Redis's pool: the best is at the highest index in use). */
  private pool: PoolEntry[] = [];
  /** The database the random policies try next. */
  private nextDb = 0;

  constructor(
    private readonly ks: Keyspace,
    private readonly onEvict: (db: Database, key: string) => void,
  ) {}

  /** Evicts until used memory is at most maxmemory; see Keyspace.performEvictions. */
  perform(): EvictResult {
    const ks = this.ks;
    const s = ks.settings;
    if (s.policy.kind === 'none') return 'fail';
    const stopAt = performance.now() + evictionTimeLimitMs(s.tenacity);
    let freed = 0;
    let evicted = 0;
    const toFree = ks.usedMemory - s.maxmemory;
    while (freed < toFree) {
      const pick = s.policy.kind === 'random' ? this.randomPick() : this.poolPick();
      if (pick === null) return 'fail';
      const db = ks.dbs[pick.db];
      const before = ks.usedMemory;
      db.remove(pick.key);
      freed += before - ks.usedMemory;
      this.onEvict(db, pick.key);
      if (++evicted % 16 === 0 && performance.now() > stopAt) return 'running';
    }
    return 'ok';
  }

  /** The dictionary a policy samples: every key, or the keys with a TTL. */
  private candidates(db: Database): { size: number; randomKey(): string | undefined; get(k: string): unknown } {
    return this.ks.settings.policy.allKeys ? db.dict : db.expires;
  }

  /** volatile-random / allkeys-random: a random key of the next database with candidates. */
  private randomPick(): { key: string; db: number } | null {
    const dbs = this.ks.dbs;
    for (let i = 0; i < dbs.length; i++) {
      const j = (++this.nextDb) % dbs.length;
      const key = this.candidates(dbs[j]).randomKey();
      if (key !== undefined) return { key, db: j };
    }
    return null;
  }

  /** lru / lfu / ttl: fills the pool from every database, then takes its best live entry. */
  private poolPick(): { key: string; db: number } | null {
    for (;;) {
      let total = 0;
      for (const db of this.ks.dbs) {
        const size = this.candidates(db).size;
        if (size === 0) continue;
        total += size;
        this.populate(db);
      }
      if (total === 0) return null;
      while (this.pool.length > 0) {
        const best = this.pool.pop()!;
        // A key deleted (or persisted, for volatile-*) since it was sampled is a ghost.
        if (this.candidates(this.ks.dbs[best.db]).get(best.key) !== undefined) return best;
      }
    }
  }

  /** Redis's evictionPoolPopulate: samples keys of `db` into the pool (kept sorted, worst first). */
  private populate(db: Database): void {
    const s = this.ks.settings;
    const dict = this.candidates(db);
    const now = this.ks.time.coarseMs;
    for (let i = 0; i < s.samples; i++) {
      const key = dict.randomKey();
      if (key === undefined) return;
      // volatile-ttl: Redis's ULLONG_MAX - deadline, above every idle time and LFU score, so that
      // candidates an LRU or LFU policy left in the pool never outrank a deadline after a switch.
      const score = s.policy.kind === 'ttl' ? MAX_DEADLINE - db.getExpire(key) : evictionScore(s, db.accessField(key) ?? 0, now);
      this.insert({ key, score, db: db.id });
    }
  }

  /**
   * Inserts a candidate in score order; when full, only if better than the worst, which goes. A key
   * sampled again keeps its better score: Redis's pool holds it twice, and takes the better entry
   * first (kept with its first score, a key scored by the policy before a switch stayed there).
   */
  private insert(e: PoolEntry): void {
    const pool = this.pool;
    const i = pool.findIndex((p) => p.key === e.key && p.db === e.db);
    if (i >= 0) {
      if (pool[i].score >= e.score) return;
      pool.splice(i, 1);
    }
    let k = 0;
    while (k < pool.length && pool[k].score < e.score) k++;
    if (pool.length === POOL_SIZE) {
      if (k === 0) return;
      pool.splice(k, 0, e);
      pool.shift();
    } else {
      pool.splice(k, 0, e);
    }
  }
}
