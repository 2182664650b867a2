// INFO's instantaneous_* rates and the memory peak, sampled by the cron as Redis's serverCron
// does: a rate is the mean of the last 16 samples taken every 100 ms (trackInstantaneousMetric),
// so the first INFO of a poller that calls once a minute still sees the current load, and a peak
// reached and left between two INFO calls is still the peak. The clients' recent buffer peaks
// (client_recent_max_*) too: client-peaks.ts.

import type { ServerStats } from '../commands/context.js';
import { ClientPeaks } from './client-peaks.js';

/** STATS_METRIC_SAMPLES. */
const SAMPLES = 16;
/** run_with_period(100). */
const PERIOD_MS = 100;

/** One counter's per-second rate over its last SAMPLES samples. */
class Rate {
  private readonly samples = new Array<number>(SAMPLES).fill(0);
  private idx = 0;
  private lastTime: number;
  private lastCount = 0;

  constructor(now: number) {
    this.lastTime = now;
  }

  track(now: number, count: number): void {
    const t = now - this.lastTime;
    this.samples[this.idx] = t > 0 ? Math.trunc(((count - this.lastCount) * 1000) / t) : 0;
    this.idx = (this.idx + 1) % SAMPLES;
    this.lastTime = now;
    this.lastCount = count;
  }

  /** getInstantaneousMetric: the samples' mean, as an integer. */
  get value(): number {
    let sum = 0;
    for (const s of this.samples) sum += s;
    return Math.trunc(sum / SAMPLES);
  }
}

export class ServerMetrics {
  private ops: Rate;
  private netIn: Rate;
  private netOut: Rate;
  private loops = 0;
  /** The most memory used since start (not reset by CONFIG RESETSTAT, as Redis). */
  peakMemory = 0;
  /** The biggest client buffers of the last seconds, recorded by the cron's walk of the clients. */
  readonly clientPeaks = new ClientPeaks();

  constructor(now: number) {
    [this.ops, this.netIn, this.netOut] = [new Rate(now), new Rate(now), new Rate(now)];
  }

  /** From each cron run: the peaks every time, the rates every 100 ms (every run below hz 10). */
  cron(now: number, hz: number, stats: ServerStats, usedMemory: number): void {
    this.notePeak(usedMemory);
    this.clientPeaks.startRun(now);
    const every = Math.max(1, Math.floor(PERIOD_MS / (1000 / hz)));
    if (this.loops++ % every !== 0) return;
    this.ops.track(now, stats.totalCommands);
    this.netIn.track(now, stats.netInputBytes);
    this.netOut.track(now, stats.netOutputBytes);
  }

  notePeak(usedMemory: number): number {
    if (usedMemory > this.peakMemory) this.peakMemory = usedMemory;
    return this.peakMemory;
  }

  /** CONFIG RESETSTAT: the rates start again from the counters' reset. */
  reset(now: number): void {
    [this.ops, this.netIn, this.netOut] = [new Rate(now), new Rate(now), new Rate(now)];
  }

  rates(): { ops: number; inKbps: string; outKbps: string } {
    return { ops: this.ops.value, inKbps: (this.netIn.value / 1024).toFixed(2), outKbps: (this.netOut.value / 1024).toFixed(2) };
  }
}
