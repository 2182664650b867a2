// What a rewrite did on the event loop, step by step. Every rewrite keeps the longest synchronous
// step (a walk slice, the start, the rename), which the end-of-rewrite log line reports. With
// KS_REWRITE_TRACE=<file> (for profiling, read once at start) every step is also recorded with its
// start, duration and bytes, together with the garbage collections that ran meanwhile
// (PerformanceObserver 'gc' entries), and written to <file> as JSON when the rewrite ends.

import { readFileSync, writeFileSync } from 'node:fs';
import { performance, PerformanceObserver } from 'node:perf_hooks';

const TRACE_FILE = process.env.KS_REWRITE_TRACE || null;

interface Step {
  name: string;
  /** performance.now() at the start, ms. */
  at: number;
  ms: number;
  bytes?: number;
  keys?: number;
  /** Main thread's time waiting for a CPU (run queue), cumulative, ms (Linux; trace mode only). */
  rq?: number;
  /** Of `ms`, the time the thread waited for a CPU (descheduled by the OS: not our work). */
  waited?: number;
  /** An asynchronous phase (the event loop ran meanwhile), not a step. */
  async?: boolean;
}

/** The calling thread's run-queue wait so far, ms: how long the OS kept it from running. */
function runQueueMs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[1]) / 1e6;
  } catch {
    return undefined;
  }
}

export class RewriteTrace {
  /** The longest synchronous step so far, and its name. */
  longestMs = 0;
  longestStep = '';
  private readonly steps: Step[] | null = TRACE_FILE === null ? null : [];
  private readonly gcs: { at: number; ms: number; kind: number }[] = [];
  private readonly observer: PerformanceObserver | null = null;
  private rqAtStart: number | undefined = undefined;

  constructor() {
    if (this.steps === null) return;
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
        this.gcs.push({ at: e.startTime, ms: e.duration, kind });
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Starts a step: returns its start time (and, tracing, notes the run-queue wait so far). */
  start(): number {
    if (this.steps !== null) this.rqAtStart = runQueueMs();
    return performance.now();
  }

  /** Records a synchronous step that started at `start` (from start()) and ends now. */
  step(name: string, start: number, bytes?: number, keys?: number): void {
    const ms = performance.now() - start;
    if (ms > this.longestMs) {
      this.longestMs = ms;
      this.longestStep = name;
    }
    if (this.steps === null) return;
    const rq = runQueueMs();
    const waited = rq !== undefined && this.rqAtStart !== undefined ? rq - this.rqAtStart : undefined;
    this.steps.push({ name, at: start, ms, bytes, keys, rq, waited });
  }

  /** Records an asynchronous phase (off the event loop): traced, not a step. */
  waited(name: string, start: number): void {
    this.steps?.push({ name, at: start, ms: performance.now() - start, async: true });
  }

  /** A one-line summary for the log. */
  summary(): string {
    return `longest event-loop step ${this.longestMs.toFixed(1)} ms (${this.longestStep || 'none'})`;
  }

  /** Writes the trace file (trace mode only). */
  end(extra: Record<string, unknown>): void {
    if (this.steps === null || TRACE_FILE === null) return;
    this.observer?.disconnect();
    const slices = this.steps.filter((s) => s.name === 'slice').map((s) => s.ms).sort((a, b) => a - b);
    const pick = (q: number): number => slices[Math.min(slices.length - 1, Math.floor(q * slices.length))] ?? 0;
    const out = {
      ...extra,
      longestMs: this.longestMs,
      longestStep: this.longestStep,
      // The longest step without the time the OS kept the thread off the CPU.
      longestOwnMs: this.steps.reduce((m, s) => (s.async ? m : Math.max(m, s.ms - (s.waited ?? 0))), 0),
      slices: { n: slices.length, p50: pick(0.5), p99: pick(0.99), max: pick(1) },
      gcTotalMs: this.gcs.reduce((a, g) => a + g.ms, 0),
      steps: this.steps,
      gcs: this.gcs,
    };
    try {
      writeFileSync(TRACE_FILE, JSON.stringify(out));
    } catch {
      // a profiling aid: never the reason a rewrite fails
    }
  }
}
