// Where the append-only file's latency events go (the server's LATENCY monitor), and the clock
// readings for them, taken only while monitoring is on.

import { performance } from 'node:perf_hooks';

/**
 * Where the AOF's latency events go (the server's LATENCY monitor), under Redis's names:
 * aof-write and one of aof-write-pending-fsync / aof-write-active-child / aof-write-alone per
 * write, aof-fsync-always, and the rewrite's aof-rename (of its new base file). The clock is
 * read only while monitoring is on (threshold > 0).
 */
export interface LatencySink {
  readonly threshold: number;
  sample(event: string, ms: number): void;
}

export const NO_LATENCY: LatencySink = { threshold: 0, sample: () => {} };

/** A start time for `LatencySink` samples: 0 (no clock read) while monitoring is off. */
export const latencyStart = (sink: LatencySink): number => (sink.threshold === 0 ? 0 : performance.now());

/** Samples the time since `t0` under each of `events` (nothing while monitoring is off). */
export function latencyEnd(sink: LatencySink, t0: number, ...events: string[]): void {
  if (sink.threshold === 0 || t0 === 0) return;
  const ms = performance.now() - t0;
  for (const e of events) sink.sample(e, ms);
}
