// The event loop's longest stall (INFO stats eventloop_max_stall_ms): a long command, a rewrite
// step, a GC pause. The benchmark's rewrite target (no stall over 20 ms) reads it.

import { clearInterval, setInterval } from '../timers.js';
import { usecNow } from './stats.js';

/** How often the loop is sampled, in ms. */
const SAMPLE_MS = 10;
/** Samples with nothing to watch (no read, no background job) before the sampler sleeps: 1 s. */
const IDLE_SAMPLES = 100;

/**
 * Event-loop delay, sampled by a timer every SAMPLE_MS: the time between two runs of the timer,
 * less SAMPLE_MS, is how long the loop was held. A timer of our own rather than perf_hooks'
 * monitorEventLoopDelay: that histogram forgets its last sample when it is reset or enabled, so a
 * stall beginning before its next sample went unrecorded (a CONFIG RESETSTAT and a 300 ms command
 * in one batch reported 0.4 ms).
 *
 * The sampler runs only while there is work that can stall the loop: woken by each batch of
 * requests (and by the cron while a background job runs), it sleeps after a second without any.
 * A hundred wake-ups a second were most of an idle server's CPU (20-50 of 40-70 ms per 5 s, where
 * redis-server used 10). Asleep, what the cron runs is measured by the cron itself (ran()).
 */
export class StallMonitor {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Between start() and stop() (listen() to close()): whether wake() may start the sampler. */
  private on = false;
  /** Samples since the last wake(). */
  private quiet = 0;
  /** When the timer last ran (or was woken), in µs (usecNow). */
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
    if (++this.quiet >= IDLE_SAMPLES) this.sleep();
  };

  start(): void {
    this.on = true;
    this.wake();
  }

  stop(): void {
    this.on = false;
    this.sleep();
  }

  /** Work is about to run (a batch of requests, a background job's turn): sample the loop. */
  wake(): void {
    this.quiet = 0;
    if (this.timer !== null || !this.on) return;
    this.last = usecNow();
    this.timer = setInterval(this.sample, SAMPLE_MS);
    this.timer.unref(); // a measure, not a reason to keep the process alive
  }

  private sleep(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Work that held the loop for `usec` µs, as measured by itself (the cron's tick). */
  ran(usec: number): void {
    if (usec > this.maxUsec) this.maxUsec = usec;
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
