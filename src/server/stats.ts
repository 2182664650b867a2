// Per-command and per-error statistics, as Redis 7.0 keeps them for INFO commandstats,
// errorstats and latencystats (and LATENCY HISTOGRAM).
//
// Counting follows Redis's call() and rejectCommand(): a command refused before it runs (wrong
// arity, NOAUTH, -LOADING, -MISCONF, a cluster redirect) counts a rejected call of its spec and
// nothing else; a command that runs counts a call, its duration, and a failed call when its reply
// is an error. An unknown command or subcommand has no spec: only the error is counted. Every
// error reply counts in errorstats under its first word ("ERR", "WRONGTYPE", ...).
//
// The counters run on every command, so they are plain numbers in objects held in an array indexed
// by CommandSpec.index: one array read per command, no Map lookup, no allocation.

import { performance } from 'node:perf_hooks';
import type { CommandTable } from '../commands/dispatch.js';
import type { ServerStats } from '../commands/context.js';
import { specsCreated, type CommandSpec } from '../commands/types.js';
import { Histogram } from './histogram.js';

export class CommandStat {
  calls = 0;
  /** Total duration in µs, fractional (printed rounded down, as Redis's integer sum would be). */
  usec = 0;
  rejected = 0;
  failed = 0;
  /** Created on the first recorded duration: most commands of the table are never called. */
  hist: Histogram | null = null;
}

/** Microseconds on a monotonic clock, with sub-µs precision (performance.now: one call, no BigInt). */
export const usecNow = (): number => performance.now() * 1000;

type Fields = [string, string | number][];

export class CommandStats {
  private byIndex: CommandStat[] = [];
  /** Error replies by their first word, in first-seen order (INFO errorstats). */
  private errors = new Map<string, number>();
  /** latency-tracking: per-command histograms are recorded. */
  tracking = true;

  constructor(private readonly table: CommandTable) {
    this.reset();
  }

  /** The counters of `spec` (created for specs made after this server started, e.g. by tests). */
  of(spec: CommandSpec): CommandStat {
    return this.byIndex[spec.index] ?? (this.byIndex[spec.index] = new CommandStat());
  }

  /** A command that ran; `failed` when it answered an error. */
  ran(spec: CommandSpec, failed: boolean): void {
    const st = this.byIndex[spec.index] ?? this.of(spec);
    st.calls++;
    if (failed) st.failed++;
  }

  /** The duration of `calls` calls of `spec` (one unless given), in µs each. */
  took(spec: CommandSpec, usec: number, calls = 1): void {
    const st = this.byIndex[spec.index] ?? this.of(spec);
    st.usec += calls === 1 ? usec : usec * calls;
    if (this.tracking) (st.hist ?? (st.hist = new Histogram())).recordUsec(Math.floor(usec), calls);
  }

  /** Counts one error reply under its code (the text up to the first space). */
  error(message: string): void {
    const sp = message.indexOf(' ');
    const code = sp === -1 ? message : message.slice(0, sp);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** CONFIG RESETSTAT. */
  reset(): void {
    this.byIndex = Array.from({ length: specsCreated() }, () => new CommandStat());
    this.errors = new Map();
  }

  /** Every spec of the table (subcommands after their container) with its counters. */
  private *all(): Generator<[CommandSpec, CommandStat]> {
    for (const spec of this.table.values()) {
      yield [spec, this.of(spec)];
      for (const sub of spec.subcommands ?? []) yield [sub, this.of(sub)];
    }
  }

  /** The spec's histogram, if it recorded anything (LATENCY HISTOGRAM). */
  histogram(spec: CommandSpec): Histogram | null {
    const h = this.of(spec).hist;
    return h !== null && h.total > 0 ? h : null;
  }

  /** Specs with a histogram, in table order. */
  histograms(): [CommandSpec, Histogram][] {
    const out: [CommandSpec, Histogram][] = [];
    for (const [spec] of this.all()) {
      const h = this.histogram(spec);
      if (h !== null) out.push([spec, h]);
    }
    return out;
  }

  /** INFO commandstats: commands called, rejected or failed at least once. */
  commandstats(): Fields {
    const out: Fields = [];
    for (const [spec, st] of this.all()) {
      if (st.calls === 0 && st.rejected === 0 && st.failed === 0) continue;
      const usec = Math.floor(st.usec);
      const perCall = st.calls === 0 ? 0 : usec / st.calls;
      out.push([`cmdstat_${spec.name}`,
        `calls=${st.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${st.rejected},failed_calls=${st.failed}`]);
    }
    return out;
  }

  /** INFO errorstats, sorted by code as Redis's radix tree iterates them. */
  errorstats(): Fields {
    return [...this.errors.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([code, n]) => [`errorstat_${code}`, `count=${n}`]);
  }

  /**
   * INFO latencystats; `percentiles` as latency-tracking-info-percentiles words ("50", "99.9").
   * Nothing while latency-tracking is off, as Redis 7.0 (the section's header alone), though the
   * histograms are kept: LATENCY HISTOGRAM still shows them, and they are back once it is on.
   */
  latencystats(percentiles: readonly string[]): Fields {
    if (!this.tracking) return [];
    return this.histograms().map(([spec, h]) => [`latency_percentiles_usec_${spec.name}`,
      percentiles.map((p) => `p${p}=${(h.valueAtPercentile(Number(p)) / 1000).toFixed(3)}`).join(',')]);
  }
}

/** The counters of INFO stats, all zero: at start, and after CONFIG RESETSTAT. */
export const newStats = (): ServerStats => ({
  totalConnections: 0, totalCommands: 0, rejectedConnections: 0, netInputBytes: 0, netOutputBytes: 0,
  keyspaceHits: 0, keyspaceMisses: 0, expiredKeys: 0, evictedKeys: 0, evictionExceededUs: 0, evictionExceededSince: 0,
  errorReplies: 0, aofRewrites: 0, aofrwConsecutiveFailures: 0, rdbSaves: 0, totalForks: 0, latestForkUsec: 0,
  readsProcessed: 0, writesProcessed: 0, lazyfreedObjects: 0,
});

/**
 * A background job (a rewrite, a BGSAVE) has started, `t0` (usecNow()) being when its start
 * began: as Redis's redisFork, INFO total_forks counts it and latest_fork_usec is how long the
 * start held the event loop. No process forks here, but these are the same jobs Redis forks for,
 * and tools (Redis's own tests among them) watch total_forks rise to know one has started; the
 * start's stall is what latest_fork_usec tells a Redis user (the time fork() blocked).
 */
export function recordJobStart(stats: ServerStats, t0: number): void {
  stats.totalForks++;
  stats.latestForkUsec = Math.round(usecNow() - t0);
}
