// The keyspace: the numbered databases, the time of the command being run, and the active expiry
// cycle that reclaims keys nobody touches (Redis's activeExpireCycle, in small time-bounded steps).

import { systemClock, type Clock } from './clock.js';
import { Database, type KeyspaceEvents } from './database.js';

export class Keyspace {
  readonly dbs: Database[];
  /** Time of the command being run; refreshed once per command with `tick()`. */
  readonly time = { now: 0 };
  /** Expired keys removed so far (INFO stats expired_keys). */
  expiredKeys = 0;
  private activeDb = 0;

  constructor(
    count: number,
    readonly clock: Clock = systemClock,
    private readonly events: KeyspaceEvents = { expired: () => {} },
  ) {
    const ev: KeyspaceEvents = {
      expired: (db, key) => {
        this.expiredKeys++;
        this.events.expired(db, key);
      },
    };
    this.dbs = [];
    for (let i = 0; i < count; i++) this.dbs.push(new Database(i, ev, this.time));
    this.time.now = clock.now();
  }

  /** Reads the clock once; every expiry decision until the next tick uses this time. */
  tick(): number {
    return (this.time.now = this.clock.now());
  }

  flushAll(): void {
    for (const db of this.dbs) db.clear();
  }

  swap(a: number, b: number): void {
    if (a !== b) this.dbs[a].swapWith(this.dbs[b]);
  }

  get keyCount(): number {
    let n = 0;
    for (const db of this.dbs) n += db.size;
    return n;
  }

  /**
   * One step of active expiry: samples keys with a TTL, deletes the expired ones, and stops after
   * `budgetMs` or when a round finds few expired keys (as Redis: under 25% of a sample of 20).
   * Returns the number of keys removed.
   */
  activeExpireCycle(budgetMs: number): number {
    const start = this.tick();
    let removed = 0;
    for (let n = 0; n < this.dbs.length; n++) {
      const db = this.dbs[(this.activeDb + n) % this.dbs.length];
      if (db.expires.size === 0) continue;
      while (true) {
        const r = this.expireRound(db);
        removed += r.expired;
        if (this.clock.now() - start >= budgetMs) {
          this.activeDb = db.id;
          return removed;
        }
        if (r.sampled === 0 || r.expired * 4 < r.sampled) break;
      }
    }
    this.activeDb = 0;
    return removed;
  }

  /** Checks the next 20 keys of db's expiry cursor; removes the expired ones. */
  private expireRound(db: Database): { sampled: number; expired: number } {
    let sampled = 0;
    let expired = 0;
    const now = this.time.now;
    const due: string[] = [];
    const cursor = this.expireCursors.get(db.id) ?? 0;
    const next = db.expires.scan(cursor, 20, (key, when) => {
      sampled++;
      if (when <= now) due.push(key);
    });
    this.expireCursors.set(db.id, next);
    for (const key of due) if (db.expireIfNeeded(key)) expired++;
    return { sampled, expired };
  }

  private readonly expireCursors = new Map<number, number>();
}
