// Debian's prometheus-redis-exporter (oliver006/redis_exporter) pointed at a server on loopback:
// started on a free port with --debug (its log names every command it sends), scraped over HTTP,
// and its Prometheus text parsed into samples.

import { spawn } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { startBundle, type ServerProcess } from './bundle.js';
import { freePort } from './redis.js';
import { RawClient } from './raw.js';

export interface Exporter {
  port: number;
  /** One scrape of /metrics (each scrape queries the server again). */
  scrape(): Promise<Metrics>;
  /** The exporter's log so far (standard error). */
  log(): string;
  /** The commands its debug log says it sent, e.g. 'INFO ALL', 'SLOWLOG LEN', once each. */
  commands(): string[];
  stop(): Promise<void>;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export class Metrics {
  readonly samples: Sample[];

  constructor(readonly text: string) {
    this.samples = [];
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (m === null) throw new Error(`unparseable metrics line: ${line}`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
      this.samples.push({ name: m[1], labels, value: Number(m[3]) });
    }
  }

  /** The value of the one sample `name` whose labels include `labels`; undefined if none. */
  get(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
    return found[0]?.value;
  }

  /** Every metric name (of the redis_ namespace) present. */
  names(): Set<string> {
    return new Set(this.samples.map((s) => s.name).filter((n) => n.startsWith('redis_')));
  }
}

/** Starts the exporter for the server on 127.0.0.1:`redisPort`; resolves once it serves HTTP. */
export async function startExporter(redisPort: number, extra: string[] = []): Promise<Exporter> {
  const port = await freePort();
  const proc = spawn('prometheus-redis-exporter', ['--web.listen-address', `127.0.0.1:${port}`, '--redis.addr', `redis://127.0.0.1:${redisPort}`, '--debug', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d: Buffer) => (log += d.toString('utf8')));
  const url = `http://127.0.0.1:${port}/metrics`;
  const exporter: Exporter = {
    port,
    async scrape() {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
      return new Metrics(await res.text());
    },
    log: () => log,
    commands: () => [...new Set([...log.matchAll(/running command: (\S+) \[([^\]]*)\]/g)].map((m) => `${m[1]} ${m[2]}`.trim()))],
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await done;
    },
  };
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    if (proc.exitCode !== null) throw new Error(`prometheus-redis-exporter exited with ${proc.exitCode}: ${log}`);
    try {
      // Any answer means it listens; the root page is a small HTML link to /metrics.
      await fetch(`http://127.0.0.1:${port}/`);
      return exporter;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await exporter.stop();
  throw new Error(`prometheus-redis-exporter did not start: ${log}`);
}

/**
 * The same writes on any server: 20 SETs user:0..19 in db0 (5 EXPIREs), a 10 kB value SET then
 * DELeted, 3 SETs in db2. Returns the connection, kept open (one more connected client).
 */
export async function loadSample(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  const ok = async (...args: string[]): Promise<void> => {
    const r = await c.call(...args);
    if (r.startsWith('-')) throw new Error(`${args.join(' ')}: ${r}`);
  };
  for (let i = 0; i < 20; i++) await ok('SET', `user:${i}`, `name-${i}`);
  for (let i = 0; i < 5; i++) await ok('EXPIRE', `user:${i}`, '3600');
  await ok('SET', 'blob', 'x'.repeat(10_000));
  await ok('DEL', 'blob');
  await ok('SELECT', '2');
  for (const k of ['a', 'b', 'c']) await ok('SET', k, k);
  await ok('SELECT', '0');
  return c;
}

/**
 * A built-bundle server (with `serverArgs`) holding loadSample's keys, and an exporter (with
 * `exporterArgs`) on it, all stopped at the end of the test; plus the first scrape.
 */
export async function exportSample(t: ExecutionContext, serverArgs: string[] = [], exporterArgs: string[] = []): Promise<{ ks: ServerProcess; c: RawClient; exporter: Exporter; m: Metrics }> {
  const ks = await startBundle(serverArgs);
  t.teardown(() => ks.stop());
  const c = await loadSample(ks.port);
  t.teardown(() => c.close());
  const exporter = await startExporter(ks.port, exporterArgs);
  t.teardown(() => exporter.stop());
  return { ks, c, exporter, m: await exporter.scrape() };
}
