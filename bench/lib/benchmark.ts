// Runs redis-benchmark (Debian's redis-tools, 7.0) against one server and reads its --csv output.
// Redis 7.0 prints a header line and one line per test:
//   "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
// The columns are found by name, so a version that adds or reorders columns still parses.
// Around each run the server's CPU time is read from /proc, to get CPU seconds per request.

import { spawn } from 'node:child_process';
import { cpuSeconds, track, type RunningServer } from './servers.js';

export interface BenchArgs {
  test: string;
  requests: number;
  clients: number;
  pipeline: number;
  dataSize: number;
  /** -r: random keys in this range (0: one fixed key). */
  keyspace?: number;
}

export interface BenchResult {
  rps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Wall time of the redis-benchmark process. */
  seconds: number;
  /** Server CPU (user+system, all threads) during the run, divided by requests, in microseconds. */
  cpuUsPerReq: number;
}

export function benchmarkArgs(port: number, a: BenchArgs): string[] {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', a.test, '-n', String(a.requests),
    '-c', String(a.clients), '-P', String(a.pipeline), '-d', String(a.dataSize), '--csv'];
  if (a.keyspace) args.push('-r', String(a.keyspace));
  return args;
}

/** Parses redis-benchmark --csv output: the first data row, columns by header name. */
export function parseCsv(text: string): Record<string, string> {
  const rows = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('"'))
    .map((l) => l.split('","').map((c) => c.replace(/^"|"$/g, '')));
  const header = rows.find((r) => r[0] === 'test');
  const data = rows.find((r) => r[0] !== 'test');
  if (!header || !data) throw new Error(`no CSV result in redis-benchmark output: ${text.slice(0, 500)}`);
  const out: Record<string, string> = {};
  header.forEach((h, i) => (out[h] = data[i]));
  return out;
}

function num(row: Record<string, string>, col: string): number {
  const v = Number(row[col]);
  return Number.isFinite(v) ? v : NaN;
}

/** Runs redis-benchmark to completion; rejects with its stderr if it fails (e.g. an error reply). */
export function runRedisBenchmark(args: string[], timeoutMs = 300000): Promise<{ stdout: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      // "Could not fetch server CONFIG" is only a warning (CONFIG may be missing or differ).
      const errors = stderr.split('\n').filter((l) => l.trim() !== '' && !/Could not fetch server CONFIG/.test(l));
      if (code !== 0 || signal !== null) {
        reject(new Error(`redis-benchmark ${signal ?? `exit ${code}`}: ${errors.join(' | ').slice(0, 400) || stdout.slice(0, 400)}`));
      } else {
        resolve({ stdout, seconds });
      }
    });
  });
}

/** One measured run against `server`. */
export async function measure(server: RunningServer, a: BenchArgs): Promise<BenchResult> {
  const cpu0 = cpuSeconds(server.pid);
  const { stdout, seconds } = await runRedisBenchmark(benchmarkArgs(server.port, a));
  const cpu1 = cpuSeconds(server.pid);
  const row = parseCsv(stdout);
  return {
    rps: num(row, 'rps'),
    avgMs: num(row, 'avg_latency_ms'),
    p50Ms: num(row, 'p50_latency_ms'),
    p99Ms: num(row, 'p99_latency_ms'),
    maxMs: num(row, 'max_latency_ms'),
    seconds,
    cpuUsPerReq: ((cpu1 - cpu0) * 1e6) / a.requests,
  };
}

export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}
