// The end of an event-loop turn, as Redis's beforeSleep: the connections that have replies are
// queued while the turn runs, and one setImmediate then writes the turn's AOF bytes (one write,
// and under `appendfsync always` one fsync: the group commit) before any reply leaves.

import type { Persistence } from './persistence-port.js';
import { setImmediate } from '../timers.js';

/** What the flush needs of a connection (connection.ts). */
export interface Flushable {
  /** Already in this turn's list. */
  flushQueued: boolean;
  /** Ran a write whose effects must be durable before its replies go out. */
  readonly awaitingDurability: boolean;
  /** Sends the connection's replies. */
  flush(): void;
}

export class TurnFlush {
  private list: Flushable[] = [];
  /** Replies held after a failed AOF write under `appendfsync always`. */
  private held: Flushable[] = [];
  private scheduled = false;

  /** `persistence` is read at each flush: CONFIG SET appendonly may replace it. */
  constructor(private readonly persistence: () => Persistence | null) {}

  /** Queues a connection's replies for this turn's flush. */
  queue(conn: Flushable): void {
    if (!conn.flushQueued) {
      conn.flushQueued = true;
      this.list.push(conn);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.onImmediate);
    }
  }

  /** Flushes now what this turn's flush would (the AOF rewrite, before each of its slices). */
  now(): void {
    if (this.scheduled) this.all();
  }

  /** Flushes unless a flush is already due this turn (the cron, after active expiry's DELs). */
  unlessDue(): void {
    if (!this.scheduled) this.all();
  }

  /** Created once: a closure per turn would be garbage on the hot path. */
  private readonly onImmediate = (): void => this.all();

  /**
   * Writes the AOF for this turn, then the replies. If the write failed under `appendfsync always`,
   * the replies of clients that wrote something are held (their effects are not durable yet) and
   * released by a later successful retry; the others are sent.
   */
  all(): void {
    this.scheduled = false;
    const list = this.list;
    this.list = [];
    const p = this.persistence();
    if (p !== null && !p.flush() && p.policy === 'always') {
      for (const c of list) {
        if (c.awaitingDurability) this.held.push(c);
        else c.flush();
      }
      return;
    }
    if (this.held.length > 0) {
      const held = this.held;
      this.held = [];
      for (const c of held) c.flush();
    }
    for (const c of list) c.flush();
  }
}
