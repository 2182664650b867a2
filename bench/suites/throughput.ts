// The redis-benchmark matrix: tests x pipelines x value sizes, each cell run against both servers
// alternately (A B, then B A the next round, ...) for several rounds, medians compared. Only ratios
// taken side by side mean anything on a shared, noisy machine. Then `set` again with appendfsync
// always, both servers restarted with that setting.

import { measure, median, type BenchResult } from '../lib/benchmark.js';
import { Client, ReplyError } from '../lib/client.js';
import { startServer, type RunningServer, type ServerKind } from '../lib/servers.js';
import { SIZELESS, type Options } from '../options.js';

export interface Cell {
  test: string;
  pipeline: number;
  dataSize: number;
  fsync: string;
  requests: number;
  /** redis-benchmark -r: random keys among this many; 0 (or absent in older results): one fixed key. */
  keyspace?: number;
}

export interface CellResult extends Cell {
  /** Per-round results; null where the run failed. */
  runs: Record<ServerKind, (BenchResult | null)[]>;
  median: Record<ServerKind, { rps: number; p50Ms: number; p99Ms: number; cpuUsPerReq: number } | null>;
  /** ours / redis: the median of the per-round ratios */
  rpsRatio: number;
  cpuRatio: number;
  error?: string;
}

/** What one probe command each test sends, to find out before benchmarking whether it works. */
const PROBE: Record<string, string[]> = {
  ping_inline: ['PING'],
  ping_mbulk: ['PING'],
  set: ['SET', 'key:__rand_int__', 'x'],
  get: ['GET', 'key:__rand_int__'],
  incr: ['INCR', 'counter:__rand_int__'],
  mset: ['MSET', 'key:__rand_int__', 'x'],
};

/**
 * Requests for a cell: -n at -P 1, x pipelinedFactor when pipelined; a quarter for MSET (ten keys
 * a request) and for appendfsync always (an fsync per event-loop turn), which are several times
 * slower, so that every run takes roughly the same few seconds.
 */
function requestsFor(o: Options, test: string, pipeline: number, fsync: string): number {
  let n = pipeline > 1 ? o.requests * o.pipelinedFactor : o.requests;
  if (test === 'mset') n /= 4;
  if (fsync === 'always') n /= 4;
  return Math.max(1000, Math.round(n));
}

export function matrix(o: Options, fsync: string, tests: string[]): Cell[] {
  const cells: Cell[] = [];
  for (const [si, d] of o.sizes.entries()) {
    for (const p of o.pipelines) {
      for (const t of tests) {
        if (si > 0 && SIZELESS.has(t)) continue;
        cells.push({ test: t, pipeline: p, dataSize: d, fsync, requests: requestsFor(o, t, p, fsync), keyspace: o.randomKeys });
      }
    }
  }
  return cells;
}

async function probe(s: RunningServer, test: string): Promise<string | null> {
  const c = await Client.connect(s.port);
  try {
    const r = await c.call(...PROBE[test]);
    return r instanceof ReplyError ? r.message : null;
  } finally {
    c.close();
  }
}

/** Value sizes each server's random keyspace was filled with (prepare). */
const filled = new WeakMap<RunningServer, Set<number>>();

/**
 * GET of a missing key is cheaper than a real read: give it a value of the cell's size first. With
 * random keys, the keyspace is filled once per server and value size by redis-benchmark itself
 * (3N random SETs leave about 95% of the N keys set, on both servers alike).
 */
async function prepare(s: RunningServer, cell: Cell, clients: number): Promise<void> {
  if (cell.test !== 'get') return;
  const n = cell.keyspace ?? 0;
  if (n > 0) {
    const sizes = filled.get(s) ?? new Set<number>();
    filled.set(s, sizes);
    if (sizes.has(cell.dataSize)) return;
    await measure(s, { test: 'set', requests: 3 * n, clients, pipeline: 16, dataSize: cell.dataSize, keyspace: n });
    sizes.add(cell.dataSize);
    return;
  }
  const c = await Client.connect(s.port);
  try {
    await c.call('SET', 'key:__rand_int__', 'x'.repeat(cell.dataSize));
  } finally {
    c.close();
  }
}

function summarize(cell: Cell, runs: CellResult['runs'], error?: string): CellResult {
  const med = (k: ServerKind): CellResult['median'][ServerKind] => {
    const ok = runs[k].filter((r): r is BenchResult => r !== null);
    if (ok.length === 0) return null;
    return {
      rps: median(ok.map((r) => r.rps)),
      p50Ms: median(ok.map((r) => r.p50Ms)),
      p99Ms: median(ok.map((r) => r.p99Ms)),
      cpuUsPerReq: median(ok.map((r) => r.cpuUsPerReq)),
    };
  };
  // Ratios: the median of each round's pair, measured back to back, so that a slow stretch of a
  // noisy machine weighs on both sides of a ratio rather than on one server's median.
  const pairs = (f: (r: BenchResult) => number): number => median(runs.keystonelight.map((a, i) => {
    const b = runs.redis[i];
    return a && b ? f(a) / f(b) : NaN;
  }));
  return {
    ...cell,
    runs,
    median: { keystonelight: med('keystonelight'), redis: med('redis') },
    rpsRatio: pairs((r) => r.rps),
    cpuRatio: pairs((r) => r.cpuUsPerReq),
    error,
  };
}

export type Log = (line: string) => void;

/**
 * Runs `cells` on the two servers (started by the caller), `rounds` times, alternating which
 * server goes first. A test the server rejects is skipped for both, with the error recorded.
 */
export async function runCells(servers: Record<ServerKind, RunningServer>, cells: Cell[], o: Options, log: Log): Promise<CellResult[]> {
  const runs = cells.map((): CellResult['runs'] => ({ keystonelight: [], redis: [] }));
  const errors: (string | undefined)[] = cells.map(() => undefined);
  for (const [i, cell] of cells.entries()) {
    for (const k of ['keystonelight', 'redis'] as const) {
      const e = await probe(servers[k], cell.test);
      if (e !== null) errors[i] ??= `${k}: ${e}`;
    }
  }
  await warmUp(servers, cells, errors, o, log);
  for (let round = 0; round < o.rounds; round++) {
    const order: ServerKind[] = round % 2 === 0 ? ['keystonelight', 'redis'] : ['redis', 'keystonelight'];
    for (const [i, cell] of cells.entries()) {
      if (errors[i] !== undefined) continue;
      const parts: string[] = [];
      for (const k of order) {
        let r: BenchResult | null = null;
        try {
          await prepare(servers[k], cell, o.clients);
          r = await measure(servers[k], { ...cell, clients: o.clients });
        } catch (e) {
          errors[i] ??= `${k}: ${(e as Error).message}`;
        }
        if (!servers[k].alive()) throw new Error(`${k} died during ${label(cell)}: ${servers[k].log().slice(-1500)}`);
        runs[i][k].push(r);
        parts.push(`${k === 'redis' ? 'redis' : 'ours'} ${r ? Math.round(r.rps) : 'FAIL'}`);
      }
      log(`  round ${round + 1}/${o.rounds}  ${label(cell).padEnd(34)} ${parts.join('  ')}`);
    }
  }
  return cells.map((c, i) => summarize(c, runs[i], errors[i]));
}

/**
 * Each cell once against both servers, a quarter of its requests, not recorded. A freshly started
 * Node process runs a command's code interpreted until V8 has compiled it, which the first
 * measured run would pay: `set -P 1` on freshly started servers, our user CPU per request was 9.8
 * (appendfsync always, 50,000 requests) and 10.4 us (everysec) in the first run, 7.0 and 4.8 in
 * the second; the always cells, run on servers restarted for them, were the most affected. Redis
 * gets the same run, so both are measured warm, as servers that have been up for a while.
 */
async function warmUp(servers: Record<ServerKind, RunningServer>, cells: Cell[], errors: (string | undefined)[], o: Options, log: Log): Promise<void> {
  for (const [i, cell] of cells.entries()) {
    if (errors[i] !== undefined) continue;
    for (const k of ['keystonelight', 'redis'] as const) {
      try {
        await prepare(servers[k], cell, o.clients);
        await measure(servers[k], { ...cell, clients: o.clients, requests: Math.max(1000, Math.round(cell.requests / 4)) });
      } catch (e) {
        errors[i] ??= `${k}: ${(e as Error).message}`;
      }
    }
  }
  log(`  warm-up: ${cells.length} cells once against both servers (not recorded)`);
}

export function label(c: Cell): string {
  return `${c.test} -P ${c.pipeline} -d ${c.dataSize}${c.keyspace ? ` -r ${c.keyspace}` : ''}${c.fsync !== 'everysec' ? ` fsync=${c.fsync}` : ''}`;
}

/** Starts both servers with `fsync`, runs the cells, always stops the servers. */
export async function withServers<T>(bundle: string, fsync: Options['fsync'], fn: (s: Record<ServerKind, RunningServer>) => Promise<T>): Promise<T> {
  const ours = await startServer('keystonelight', bundle, { fsync });
  let redis: RunningServer | null = null;
  try {
    redis = await startServer('redis', bundle, { fsync });
    return await fn({ keystonelight: ours, redis });
  } finally {
    await ours.stop();
    await redis?.stop();
  }
}

export async function throughputSuite(bundle: string, o: Options, log: Log): Promise<CellResult[]> {
  const results: CellResult[] = [];
  const cells = matrix(o, o.fsync, o.tests);
  if (cells.length > 0) {
    log(`throughput: ${cells.length} cells x ${o.rounds} rounds, appendfsync ${o.fsync}, -c ${o.clients}`);
    results.push(...(await withServers(bundle, o.fsync, (s) => runCells(s, cells, o, log))));
  }
  if (o.always && o.fsync !== 'always' && o.tests.includes('set')) {
    const always = matrix({ ...o, sizes: o.sizes.slice(0, 1) }, 'always', ['set']);
    log(`throughput: set with appendfsync always (servers restarted), ${always.length} cells`);
    results.push(...(await withServers(bundle, 'always', (s) => runCells(s, always, o, log))));
  }
  return results;
}
