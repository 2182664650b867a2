// The event loop's longest stall (INFO stats eventloop_max_stall_ms): a long command, a rewrite
// step, a GC pause. The benchmark's rewrite target (no stall over 20 ms) reads it.

import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Sampling interval of the histogram. */
const SAMPLE_MS = 10;

/** Event-loop delay, sampled by a timer every SAMPLE_MS while started (listen() to close()). */
export class StallMonitor {
  private readonly histogram = monitorEventLoopDelay({ resolution: SAMPLE_MS });

  start(): void {
    this.histogram.enable();
  }

  stop(): void {
    this.histogram.disable();
  }

  reset(): void {
    this.histogram.reset();
  }

  /**
   * The histogram records whole intervals between the timer's runs, so an idle loop shows
   * SAMPLE_MS: the stall is what comes on top of that.
   */
  maxMs(): number {
    return Math.max(0, this.histogram.max / 1e6 - SAMPLE_MS);
  }
}
