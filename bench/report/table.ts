// The human-readable report printed at the end of a run: one table per suite, ratios as
// ours/redis (throughput: higher is better; CPU, memory, time: lower is better).

import type { CellResult } from '../suites/throughput.js';
import { label } from '../suites/throughput.js';
import type { LoadTimeResult, MemoryResult } from '../suites/memory.js';
import type { RewriteResult, RewriteServerResult } from '../suites/rewrite.js';
import type { ScaleResult } from '../suites/scale.js';

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
  redis: string;
  redisBenchmark: string;
  keystonelight: string;
}

export interface Results {
  machine: Machine;
  options: Record<string, unknown>;
  seconds: number;
  throughput: CellResult[];
  memory?: MemoryResult;
  load?: LoadTimeResult;
  rewrite?: RewriteResult;
  scale?: ScaleResult;
  errors: string[];
}

function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return digits === 0 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

/** Renders rows as aligned columns: first column left-aligned, the rest right-aligned. */
export function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

function throughputTable(cells: CellResult[]): string {
  const rows = [['cell', 'ours rps', 'redis rps', 'ratio', 'p50 ours', 'p50 redis', 'cpu us/req ours', 'redis', 'cpu ratio']];
  for (const c of cells) {
    const a = c.median.keystonelight;
    const b = c.median.redis;
    if (c.error && (!a || !b)) {
      rows.push([label(c), `skipped: ${c.error.slice(0, 90)}`]);
      continue;
    }
    rows.push([label(c), fmt(a?.rps), fmt(b?.rps), fmt(c.rpsRatio, 2), fmt(a?.p50Ms, 3), fmt(b?.p50Ms, 3),
      fmt(a?.cpuUsPerReq, 2), fmt(b?.cpuUsPerReq, 2), fmt(c.cpuRatio, 2)]);
  }
  return columns(rows.map((r) => (r.length === 2 ? [r[0], r[1], '', '', '', '', '', '', ''] : r)));
}

function rewriteRows(r: RewriteResult): string[][] {
  const rows = [['server', 'rewrite s quiet', 'under load', 'max ms warm-up', 'p99 ms base', 'p99 rewrite', 'max ms base', 'max rewrite', 'ping max base', 'ping max rewrite', 'stall (server)']];
  for (const k of ['keystonelight', 'redis'] as const) {
    const x = r[k];
    if ('error' in x) {
      rows.push([k, `failed: ${x.error.slice(0, 100)}`, '', '', '', '', '', '', '', '', '']);
      continue;
    }
    const s: RewriteServerResult = x;
    const stall = k === 'redis' ? (s.latestForkUsec !== null ? `fork ${fmt(s.latestForkUsec / 1000, 1)} ms` : '-') : s.reportedStallMs !== null ? `${fmt(s.reportedStallMs, 1)} ms` : 'not exposed';
    rows.push([k, fmt(s.quietRewriteSeconds, 2), fmt(s.during.rewriteSeconds, 2) + (s.during.covered ? '' : '*'), fmt(s.warmup.maxMs, 1), fmt(s.baseline.p99Ms, 3), fmt(s.during.p99Ms, 3),
      fmt(s.baseline.maxMs, 1), fmt(s.during.maxMs, 1), fmt(s.baseline.ping.maxMs, 1), fmt(s.during.ping.maxMs, 1), stall]);
  }
  return rows;
}

export function renderTables(r: Results): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`Keystonelight ${m.keystonelight} vs Redis ${m.redis} - ${m.date}`);
  out.push(`${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB; Linux ${m.kernel}; Node ${m.node}; redis-benchmark ${m.redisBenchmark}`);
  if (r.throughput.length > 0) {
    const keys = r.options.randomKeys ? `, random keys -r ${String(r.options.randomKeys)}` : '';
    out.push('', `Throughput (redis-benchmark -c ${String(r.options.clients)}${keys}, medians of ${String(r.options.rounds)} alternating rounds; ratio = median of the rounds' ours/redis, higher is better;`);
    out.push('cpu = server user+system CPU per request, ratio lower is better)', throughputTable(r.throughput));
  }
  if (r.memory) {
    const x = r.memory;
    out.push('', `Memory: ${fmt(x.keys)} keys, 16-byte values (RSS after - RSS before) / keys`);
    out.push(columns([
      ['server', 'RSS before MB', 'RSS after MB', 'bytes/key', 'load keys/s', 'longest PING ms'],
      ...(['keystonelight', 'redis'] as const).map((k) => [k, fmt(x.per[k].rssBefore / 1048576, 1), fmt(x.per[k].rssAfter / 1048576, 1),
        fmt(x.per[k].bytesPerKey, 1), fmt(x.per[k].loaded / x.per[k].loadSeconds), fmt(x.per[k].pingMaxMs, 1)]),
      ['ratio ours/redis', '', '', fmt(x.ratio, 2), '', ''],
    ]));
    if (x.settledRatio !== null && x.settledRatio !== undefined) {
      const at = (k: 'keystonelight' | 'redis'): string => `${fmt((x.per[k].rssSettled ?? 0) / 1048576, 1)} MB, ${fmt(x.per[k].bytesPerKeySettled ?? 0, 1)} B/key`;
      out.push(`At rest (lowest RSS of ${String(x.settleSeconds)} s idle after the load): ours ${at('keystonelight')}; redis ${at('redis')}; ratio ${fmt(x.settledRatio, 2)}`);
    }
  }
  if (r.load) {
    const x = r.load;
    out.push('', `AOF load: ${fmt(x.keys)} keys, ${fmt(x.aofBytes / 1048576, 1)} MB single-file AOF, medians of ${x.rounds} rounds`);
    out.push(columns([
      ['server', 'spawn->PONG s', 'logged load s', 'DBSIZE'],
      ...(['keystonelight', 'redis'] as const).map((k) => [k, fmt(x.per[k].medianReady, 3), fmt(x.per[k].medianLogged, 3), fmt(x.per[k].dbsize)]),
      ['ratio ours/redis', fmt(x.ratio, 2), fmt(x.loggedRatio, 2), ''],
    ]));
    const e = x.emptyStart;
    if (e !== undefined) {
      out.push(`Start-up in an empty directory (spawn -> PONG, median of ${e.rounds} rounds): ours ${fmt(e.medianMs.keystonelight, 0)} ms, redis ${fmt(e.medianMs.redis, 0)} ms, ratio ${fmt(e.ratio, 1)}`);
    }
  }
  if (r.rewrite) {
    out.push('', 'AOF rewrite under redis-benchmark SET load (-c 50 -P 1 -r keys); warm-up = first run, grows the keyspace past the dataset;');
    out.push('ping = longest round trip of a 1 ms PING loop (client-side stall); * = rewrite outlasted the benchmark;');
    out.push('base and rewrite runs alternate for the rounds: p99 and durations are medians, max, ping and stall the worst');
    out.push(columns(rewriteRows(r.rewrite)));
  }
  if (r.scale) {
    for (const [k, s] of Object.entries(r.scale)) {
      if (!s) continue;
      out.push('', `Scale (${k}): ${fmt(s.loaded)} of ${fmt(s.target)} keys loaded in ${fmt(s.loadSeconds, 1)} s; ${s.alive ? 'server alive' : 'SERVER DIED'}; ${fmt(s.bytesPerKey, 1)} bytes/key RSS`);
      if (s.loadError) out.push(`  load stopped: ${s.loadError}`);
      for (const c of s.checks) out.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
      if (!s.alive || s.loadError) out.push('  log tail:', ...s.logTail.split('\n').map((l) => `    ${l}`));
    }
  }
  if (r.errors.length > 0) out.push('', 'Errors:', ...r.errors.map((e) => `  ${e}`));
  out.push('', `Total ${fmt(r.seconds, 0)} s`);
  return out.join('\n');
}
