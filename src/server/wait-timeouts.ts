// WAIT's timeouts, as Redis's handleBlockedClientsTimeout (in beforeSleep): when one fires, every
// WAIT whose deadline has passed is answered, earliest deadline first (then the lower client id, as
// Redis's radix tree of timeouts orders them), and only then do their pipelines run, from the
// unblocked queue (unblocked.ts). Run from each WAIT's own timer, the first one's pipeline ran
// before the second timer fired, when a busy server (a DEBUG SLEEP) let both deadlines pass: its
// CLIENT UNBLOCK of the second answered :1 and the second -UNBLOCKED, where Redis answers :0 and the
// second WAIT's own :0 (test/diff/pause-monitor.test.ts).

import type { UnblockedQueue } from './unblocked.js';

/** A client blocked in WAIT with a deadline. */
export interface TimedWait {
  readonly id: number;
  /** The block's deadline (wall clock, ms). */
  readonly waitDeadline: number;
  /** Answers the timed-out WAIT and joins the unblocked queue, without running anything. */
  timeOutWait(): void;
}

export class WaitTimeouts {
  private readonly waits = new Set<TimedWait>();

  constructor(private readonly unblocked: UnblockedQueue) {}

  add(c: TimedWait): void {
    this.waits.add(c);
  }

  delete(c: TimedWait): void {
    this.waits.delete(c);
  }

  /** A WAIT's timer found its deadline passed: every due WAIT is answered, then the pipelines run. */
  fire(nowMs: number): void {
    const due: TimedWait[] = [];
    for (const c of this.waits) if (c.waitDeadline <= nowMs) due.push(c);
    due.sort((a, b) => a.waitDeadline - b.waitDeadline || a.id - b.id);
    for (const c of due) c.timeOutWait();
    this.unblocked.run();
  }
}
