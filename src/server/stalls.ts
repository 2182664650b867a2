// The event loop's longest stall (INFO stats eventloop_max_stall_ms): a long command, a rewrite
// step, a GC pause. The benchmark's rewrite target (no stall over 20 ms) reads it.

import { clearInterval, setInterval } from '../timers.js';
import { usecNow } from './stats.js';

/** How often the loop is sampled, in ms. */
const SAMPLE_MS = 10;

/**
 * Event-loop delay, sampled by a timer every SAMPLE_MS while started (listen() to close()): the
 * time between two runs of the timer, less SAMPLE_MS, is how long the loop was held. A timer of our
 * own rather than perf_hooks' monitorEventLoopDelay: that histogram forgets its last sample when it
 * is reset or enabled, so a stall beginning before its next sample went unrecorded (a CONFIG
 * RESETSTAT and a 300 ms command in one batch reported 0.4 ms).
 */
export class StallMonitor {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** When the timer last ran, in µs (usecNow). */
  private last = 0;
  private maxUsec = 0;
  /** When the longest stall was last forgotten (reset), in µs: what was held before is not counted. */
  private since = 0;

  private readonly sample = (): void => {
    const now = usecNow();
    // The loop was due here SAMPLE_MS after the last run; held since then, or since a reset that
    // came later (a stall that ended at a CONFIG RESETSTAT in the same batch was reported whole).
    const held = now - Math.max(this.last + SAMPLE_MS * 1000, this.since);
    if (held > this.maxUsec) this.maxUsec = held;
    this.last = now;
  };

  start(): void {
    if (this.timer !== null) return;
    this.last = usecNow();
    this.timer = setInterval(this.sample, SAMPLE_MS);
    this.timer.unref(); // a measure, not a reason to keep the process alive
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Forgets the longest stall, not the last sample: a stall that starts now is still measured, and
   * one that ends now is not counted after it.
   */
  reset(): void {
    this.maxUsec = 0;
    this.since = usecNow();
  }

  maxMs(): number {
    return this.maxUsec / 1000;
  }
}
