// Latency while the AOF is rewritten. Redis forks and the child writes the snapshot; Keystonelight
// has one thread, so its rewrite runs in slices on the event loop and every slice delays clients.
// With the dataset loaded, for each server:
//   1. a rewrite with no load (its duration sizes the loaded run),
//   2. warm-up: redis-benchmark SET -r N. Its keys are key:000000123456 (12 digits), NEW keys next
//      to the dataset's key:0000123, so this run grows the keyspace past N; a V8 Map that doubles
//      stops the world while it rehashes (about 70 ms past 2^20 keys, 1 s past 2^23): recorded
//      here, and kept out of the next two runs, which add few keys,
//   3. baseline: the same SET load + a 1 ms PING loop,
//   4. the same with BGREWRITEAOF started 200 ms in; the benchmark is sized to outlast it.
// Steps 3 and 4 alternate for --rounds rounds, as the throughput cells do: one run's p99 moves
// more than the rewrite changes it (baselines of 0.85-2.1 ms in one session), so a single pair
// gave ratios of 1.08-3.12x for the same build.
// Reported, per round and summed up: redis-benchmark p99 (median of the rounds) and max (the
// worst), the PING loop's max round trip (a client-side measure of the longest stall; the
// worst), the rewrite duration (median), and what the server says itself (the worst round):
// eventloop_max_stall_ms in INFO stats (if Keystonelight exposes it; else the last "event-loop
// stall N ms" its log mentions) and Redis's latest_fork_usec.

import { benchmarkArgs, median, parseCsv, runRedisBenchmark } from '../lib/benchmark.js';
import { Client, infoField, ReplyError } from '../lib/client.js';
import { VALUE_BYTES } from '../lib/dataset.js';
import { sleep, type RunningServer, type ServerKind } from '../lib/servers.js';
import type { Options } from '../options.js';
import { startPinger, type PingStats } from '../lib/pinger.js';
import type { Log } from './throughput.js';

export interface LoadedRun {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  /** The 1 ms PING loop: samples, max and p99 round trip. */
  ping: PingStats;
}

export type DuringRun = LoadedRun & { rewriteSeconds: number; covered: boolean };

/** One round: the load without a rewrite, then with one, and what the server said of that rewrite. */
export interface RewriteRound {
  baseline: LoadedRun;
  during: DuringRun;
  /** INFO stats eventloop_max_stall_ms after the loaded rewrite, when the server reports it. */
  reportedStallMs: number | null;
  /** Redis: INFO stats latest_fork_usec (the main thread's only stop for a rewrite). */
  latestForkUsec: number | null;
}

export interface RewriteServerResult {
  quietRewriteSeconds: number;
  /** The first loaded run, which grows the keyspace (see the header). */
  warmup: LoadedRun;
  rounds: RewriteRound[];
  /** The rounds summed up (summarize): medians of rates and p99s, the worst of maxima. */
  baseline: LoadedRun;
  during: DuringRun;
  reportedStallMs: number | null;
  latestForkUsec: number | null;
  trigger: string;
}

export type RewriteResult = Record<ServerKind, RewriteServerResult | { error: string }>;

const FINISHED = /Background AOF rewrite (finished successfully|terminated with success)/g;
const FAILED = /Background AOF rewrite (failed|terminated with error)/g;

const count = (re: RegExp, text: string): number => (text.match(re) ?? []).length;

/**
 * Starts a rewrite (BGREWRITEAOF; SIGUSR1 for a Keystonelight without that command) and returns a
 * promise of its duration in seconds, judged from the server's log.
 */
async function startRewrite(s: RunningServer, c: Client): Promise<{ trigger: string; finished: Promise<number> }> {
  const before = count(FINISHED, s.log());
  const failedBefore = count(FAILED, s.log());
  const t0 = performance.now();
  const r = await c.call('BGREWRITEAOF');
  let trigger = 'BGREWRITEAOF';
  if (r instanceof ReplyError) {
    if (s.kind !== 'keystonelight') throw new Error(`BGREWRITEAOF: ${r.message}`);
    trigger = 'SIGUSR1 (no BGREWRITEAOF command yet)';
    process.kill(s.pid, 'SIGUSR1');
  }
  const finished = (async (): Promise<number> => {
    while (count(FINISHED, s.log()) === before) {
      if (count(FAILED, s.log()) > failedBefore) throw new Error(`rewrite failed: ${s.log().slice(-800)}`);
      if (!s.alive()) throw new Error(`${s.kind} died during the rewrite: ${s.log().slice(-800)}`);
      if (performance.now() - t0 > 600000) throw new Error('rewrite did not finish in 10 minutes');
      await sleep(10);
    }
    return (performance.now() - t0) / 1000;
  })();
  return { trigger, finished };
}

async function loadedRun(s: RunningServer, o: Options, requests: number, during?: () => Promise<void>): Promise<LoadedRun> {
  const pinger = await startPinger(s.port);
  try {
    const bench = runRedisBenchmark(benchmarkArgs(s.port, {
      test: 'set', requests, clients: o.clients, pipeline: 1, dataSize: VALUE_BYTES, keyspace: o.keys,
    }));
    const side = during ? sleep(200).then(during) : Promise.resolve();
    const [{ stdout }] = await Promise.all([bench, side]);
    const row = parseCsv(stdout);
    return {
      rps: Number(row.rps), p50Ms: Number(row.p50_latency_ms), p99Ms: Number(row.p99_latency_ms),
      maxMs: Number(row.max_latency_ms), requests, ping: await pinger.stop(),
    };
  } finally {
    await pinger.stop();
  }
}

/** The stall the server may log at the end of a rewrite: "... longest event-loop stall 12.3 ms". */
function loggedStall(text: string): number | null {
  const all = [...text.matchAll(/event[- ]loop stall:? ([\d.]+) ?ms/gi)];
  return all.length === 0 ? null : Number(all[all.length - 1][1]);
}

async function infoNumber(c: Client, section: string, field: string): Promise<number | null> {
  const r = await c.call('INFO', section);
  const v = infoField(r, field);
  return v === undefined || !Number.isFinite(Number(v)) ? null : Number(v);
}

/** The worst of values that may be missing (a server that reports no stall). */
function worst(xs: readonly (number | null)[]): number | null {
  const known = xs.filter((x): x is number => x !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/** Several runs as one: medians of rates, p50 and p99; the worst of the maxima. */
function summarize(runs: readonly LoadedRun[]): LoadedRun {
  const m = (f: (r: LoadedRun) => number): number => median(runs.map(f));
  return {
    rps: m((r) => r.rps), p50Ms: m((r) => r.p50Ms), p99Ms: m((r) => r.p99Ms), maxMs: Math.max(...runs.map((r) => r.maxMs)),
    requests: m((r) => r.requests),
    ping: { samples: m((r) => r.ping.samples), p99Ms: m((r) => r.ping.p99Ms), maxMs: Math.max(...runs.map((r) => r.ping.maxMs)) },
  };
}

/** A loaded run with a rewrite started 200 ms in, sized (`requests`) to outlast it. */
async function rewriteRound(s: RunningServer, o: Options, c: Client, requests: number): Promise<{ run: DuringRun; trigger: string }> {
  await c.call('CONFIG', 'RESETSTAT');
  let rewriteSeconds = NaN;
  let rewriteEnd = 0;
  let trigger = '';
  const run = await loadedRun(s, o, requests, async () => {
    const rw = await startRewrite(s, c);
    trigger = rw.trigger;
    rewriteSeconds = await rw.finished;
    rewriteEnd = performance.now();
  });
  return { run: { ...run, rewriteSeconds, covered: rewriteEnd <= performance.now() }, trigger };
}

async function rewriteOne(s: RunningServer, o: Options, log: Log): Promise<RewriteServerResult> {
  const c = await Client.connect(s.port);
  try {
    const quiet = await startRewrite(s, c);
    const quietRewriteSeconds = await quiet.finished;
    const warmup = await loadedRun(s, o, o.rewriteRequests);
    const rounds: RewriteRound[] = [];
    let trigger = quiet.trigger;
    for (let i = 0; i < o.rounds; i++) {
      const baseline = await loadedRun(s, o, o.rewriteRequests);
      // Long enough to cover the rewrite, which is slower under load: 3x the quiet time, plus 1 s.
      const requests = Math.max(o.rewriteRequests, Math.round(baseline.rps * (3 * quietRewriteSeconds + 1)));
      const { run, trigger: t } = await rewriteRound(s, o, c, requests);
      trigger = t;
      const round: RewriteRound = {
        baseline, during: run,
        reportedStallMs: (await infoNumber(c, 'stats', 'eventloop_max_stall_ms')) ?? loggedStall(s.log()),
        latestForkUsec: s.kind === 'redis' ? await infoNumber(c, 'stats', 'latest_fork_usec') : null,
      };
      rounds.push(round);
      log(`  ${s.kind.padEnd(13)} round ${i + 1}: rewrite ${run.rewriteSeconds.toFixed(2)} s loaded; p99 ${baseline.p99Ms} -> ${run.p99Ms} ms; max ${baseline.maxMs} -> ${run.maxMs} ms; ping max ${baseline.ping.maxMs.toFixed(1)} -> ${run.ping.maxMs.toFixed(1)} ms; reported stall ${round.reportedStallMs ?? 'n/a'}`);
    }
    const during = summarize(rounds.map((r) => r.during));
    const result: RewriteServerResult = {
      quietRewriteSeconds, warmup, rounds,
      baseline: summarize(rounds.map((r) => r.baseline)),
      during: { ...during, rewriteSeconds: median(rounds.map((r) => r.during.rewriteSeconds)), covered: rounds.every((r) => r.during.covered) },
      reportedStallMs: worst(rounds.map((r) => r.reportedStallMs)),
      latestForkUsec: worst(rounds.map((r) => r.latestForkUsec)),
      trigger,
    };
    log(`  ${s.kind.padEnd(13)} rewrite ${quietRewriteSeconds.toFixed(2)} s quiet / ${result.during.rewriteSeconds.toFixed(2)} s loaded (median); warm-up max ${warmup.maxMs} ms; p99 ${result.baseline.p99Ms} -> ${result.during.p99Ms} ms (medians of ${rounds.length}); max ${result.baseline.maxMs} -> ${result.during.maxMs} ms; ping max ${result.baseline.ping.maxMs.toFixed(1)} -> ${result.during.ping.maxMs.toFixed(1)} ms (the worst); reported stall ${result.reportedStallMs ?? 'n/a'}`);
    return result;
  } finally {
    c.close();
  }
}

export async function rewriteSuite(servers: Record<ServerKind, RunningServer>, o: Options, log: Log): Promise<RewriteResult> {
  log(`rewrite: BGREWRITEAOF of ${o.keys} keys under redis-benchmark SET load (-r ${o.keys})`);
  const out: Partial<RewriteResult> = {};
  for (const k of ['keystonelight', 'redis'] as const) {
    try {
      out[k] = await rewriteOne(servers[k], o, log);
    } catch (e) {
      out[k] = { error: (e as Error).message };
      log(`  ${k.padEnd(13)} FAILED: ${(e as Error).message.slice(0, 300)}`);
    }
  }
  return out as RewriteResult;
}
