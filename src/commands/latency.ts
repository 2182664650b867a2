// LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR / HISTOGRAM / HELP and the latency monitor, as
// Redis 7.0's latency.c: each event class keeps its last 160 samples (one per second: a second
// sample within the same second only raises that second's value) and its all-time maximum. A
// sample is taken when something lasts at least latency-monitor-threshold ms (0: monitoring off).
//
// Events recorded (the names are Redis's): command / fast-command (server), aof-write,
// aof-write-alone / aof-write-active-child, aof-fsync-always, aof-rename
// (persistence), expire-cycle (server cron), eviction-cycle (server/maxmemory.ts). Not
// eviction-del: Redis times each evicted key's deletion, O(1) here (string values).

import { readFileSync } from 'node:fs';
import { container } from './dispatch.js';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { helpReply, lookupByName } from './command.js';
import { ArrayCollector, Deferred, longMap, MapReply, VerbatimReply, type Reply } from '../protocol/reply.js';
import { sparkline } from './sparkline.js';
import { latencyReport } from './latency-doctor.js';
import { wallNow } from '../timers.js';
import { noSamples } from '../errors.js';

/** Redis's LATENCY_TS_LEN. */
const TS_LEN = 160;
const GRAPH_COLS = 80;

export class LatencySeries {
  /** Ring of samples: times (unix s, 0 = empty) and latencies (ms). */
  readonly times = new Array<number>(TS_LEN).fill(0);
  readonly values = new Array<number>(TS_LEN).fill(0);
  idx = 0;
  max = 0;

  add(nowSec: number, ms: number): void {
    if (ms > this.max) this.max = ms;
    const prev = (this.idx + TS_LEN - 1) % TS_LEN;
    if (this.times[prev] === nowSec) {
      if (ms > this.values[prev]) this.values[prev] = ms;
      return;
    }
    this.times[this.idx] = nowSec;
    this.values[this.idx] = ms;
    this.idx = (this.idx + 1) % TS_LEN;
  }

  /** [time, ms] from the oldest sample to the newest. */
  samples(): [number, number][] {
    const out: [number, number][] = [];
    for (let j = 0; j < TS_LEN; j++) {
      const i = (this.idx + j) % TS_LEN;
      if (this.times[i] !== 0) out.push([this.times[i], this.values[i]]);
    }
    return out;
  }

  latest(): [number, number] {
    const last = (this.idx + TS_LEN - 1) % TS_LEN;
    return [this.times[last], this.values[last]];
  }
}

export class LatencyMonitor {
  /** Event name -> series, in the order events first happened. */
  readonly events = new Map<string, LatencySeries>();
  /** latency-monitor-threshold in ms; 0 = off. Kept current by the server from the config. */
  threshold = 0;

  /** latencyAddSampleIfNeeded: records `ms` for `event` when monitoring is on and it reaches the threshold. */
  sample(event: string, ms: number): void {
    if (this.threshold === 0 || ms < this.threshold) return;
    let s = this.events.get(event);
    if (s === undefined) {
      s = new LatencySeries();
      this.events.set(event, s);
    }
    s.add(Math.floor(wallNow() / 1000), Math.floor(ms));
  }

  /** Forgets `event` (any case), or every event; returns how many were forgotten. */
  reset(event?: string): number {
    let n = 0;
    for (const name of [...this.events.keys()]) {
      if (event === undefined || name.toLowerCase() === event.toLowerCase()) {
        this.events.delete(name);
        n++;
      }
    }
    return n;
  }
}

function latencyLatest(ctx: Ctx): Reply {
  return [...ctx.server.latency.events].map(([name, s]) => [name, ...s.latest(), s.max]);
}

function latencyHistory(ctx: Ctx, args: string[]): Reply {
  // An event's samples are an array of deferred length, as Redis's; an unknown event's is empty.
  const event = ctx.server.latency.events.get(args[2]);
  return event === undefined ? [] : new Deferred(event.samples());
}

function latencyReset(ctx: Ctx, args: string[]): Reply {
  const mon = ctx.server.latency;
  if (args.length === 2) return mon.reset();
  return args.slice(2).reduce((n, e) => n + mon.reset(e), 0);
}

/** "Ns" / "Nm" / "Nh" / "Nd" ago, as the graph's labels. */
function ago(elapsed: number): string {
  if (elapsed < 60) return `${elapsed}s`;
  if (elapsed < 3600) return `${Math.floor(elapsed / 60)}m`;
  if (elapsed < 86400) return `${Math.floor(elapsed / 3600)}h`;
  return `${Math.floor(elapsed / 86400)}d`;
}

function latencyGraph(ctx: Ctx, args: string[]): Reply {
  const s = ctx.server.latency.events.get(args[2]);
  if (s === undefined) return noSamples(args[2]);
  const nowSec = Math.floor(wallNow() / 1000);
  const samples = s.samples();
  const values = samples.map(([, v]) => v);
  const high = values.length === 0 ? 0 : Math.max(...values);
  const low = values.length === 0 ? 0 : Math.min(...values);
  const head = `${args[2]} - high ${high} ms, low ${low} ms (all time high ${s.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n`;
  return new VerbatimReply(head + sparkline(samples.map(([t, v]) => ({ value: v, label: ago(nowSec - t) })), GRAPH_COLS, 4));
}

/** Transparent huge pages used by this process (a DOCTOR advice), from /proc; 0 when unknown. */
function anonHugePages(): number {
  try {
    const m = /AnonHugePages:\s+(\d+)/.exec(readFileSync('/proc/self/smaps_rollup', 'latin1'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

function latencyDoctor(ctx: Ctx): Reply {
  const cfg = ctx.server.config;
  return new VerbatimReply(latencyReport(ctx.server.latency, {
    slowlogSlowerThan: cfg.int('slowlog-log-slower-than'), fsyncAlways: cfg.get('appendfsync') === 'always',
    hz: ctx.server.hz, nowSec: Math.floor(wallNow() / 1000), anonHugePages: anonHugePages(),
  }));
}

/** LATENCY HISTOGRAM [command ...]: per command, calls and cumulative µs buckets (a map). */
function latencyHistogram(ctx: Ctx, args: string[]): Reply {
  const stats = ctx.server.commandStats;
  // Each command's entry made once for the call, and the entries collected in chunks: a request
  // may name a command 2^26 times (1M names took 53 s and 620 MB, redis-server 6 s; 2^26 names
  // were more entries than one JS array may hold, the end of the process).
  const made = new Map<CommandSpec, Reply | null>();
  const entries = new ArrayCollector<Reply>();
  const add = (spec: CommandSpec): void => {
    let entry = made.get(spec);
    if (entry === undefined) {
      const h = stats.histogram(spec);
      entry = h === null ? null : new MapReply(['calls', h.total, 'histogram_usec', new MapReply(h.cumulativeBuckets().flat())]);
      made.set(spec, entry);
    }
    if (entry === null) return;
    entries.push(spec.name);
    entries.push(entry);
  };
  if (args.length === 2) for (const [spec] of stats.histograms()) add(spec);
  for (let i = 2; i < args.length; i++) {
    const spec = lookupByName(ctx.server.commands, args[i]);
    if (spec === undefined) continue;
    add(spec);
    for (const sub of spec.subcommands ?? []) add(sub);
  }
  // A map of deferred length, as Redis's.
  return new Deferred(longMap(entries, ctx.client.proto));
}

const HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

export const latencyCommands: CommandSpec[] = [
  container('latency', -2, [
    command('latency|doctor', 2, ADMIN, NO_KEYS, latencyDoctor),
    command('latency|graph', 3, ADMIN, NO_KEYS, latencyGraph),
    command('latency|help', 2, ['loading', 'stale'], NO_KEYS, (_ctx, args) => helpReply(args[0], HELP)),
    command('latency|histogram', -2, ADMIN, NO_KEYS, latencyHistogram),
    command('latency|history', 3, ADMIN, NO_KEYS, latencyHistory),
    command('latency|latest', 2, ADMIN, NO_KEYS, latencyLatest),
    command('latency|reset', -2, ADMIN, NO_KEYS, latencyReset),
  ]),
];

