// Memory per key and AOF load time, on the same dataset (N keys, 16-byte values).
//   memory: RSS after loading minus RSS before (VmRSS), divided by N, for both servers; a PING
//           loop on a second connection meanwhile catches stalls as the keyspace grows. Read
//           1.5 s after the load, and then "at rest": the lowest RSS of the next --settle seconds
//           (both servers idle, watched together). A Node process keeps the young generation it
//           grew during the load (two 16 MB semi-spaces) until V8's memory reducer runs, 20-45 s
//           after the allocation stops (measured 2026-11-26); Redis's jemalloc also returns
//           pages lazily, a few MB here.
//   load:   the dataset written once as a single-file appendonly.aof; each server started on a copy
//           of it, timed from spawn until PING answers PONG instead of -LOADING, and the
//           "DB loaded from append only file: N seconds" line of each log read as well. Redis 7
//           finds the old-style single file and upgrades it to its appendonlydir on the way.

import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../lib/benchmark.js';
import { Client } from '../lib/client.js';
import { loadKeys, writeAof } from '../lib/dataset.js';
import { startPinger } from '../lib/pinger.js';
import { removeDir, rssBytes, sleep, startServer, tempDir, type RunningServer, type ServerKind } from '../lib/servers.js';
import type { Options } from '../options.js';
import type { Log } from './throughput.js';

export interface MemoryResult {
  keys: number;
  per: Record<ServerKind, {
    rssBefore: number; rssAfter: number; bytesPerKey: number; loadSeconds: number; loaded: number; error: string | null;
    /** Longest PING round trip on a second connection while the keys were loaded (keyspace growth stalls). */
    pingMaxMs: number;
    /** The lowest RSS while idle for --settle seconds after the load, and its bytes per key (null: not watched). */
    rssSettled: number | null;
    bytesPerKeySettled: number | null;
  }>;
  /** ours / redis */
  ratio: number;
  /** ours / redis at rest (null: not watched) */
  settledRatio: number | null;
  settleSeconds: number;
}

export interface LoadTimeResult {
  keys: number;
  aofBytes: number;
  rounds: number;
  per: Record<ServerKind, { readySeconds: number[]; loggedSeconds: (number | null)[]; medianReady: number; medianLogged: number; dbsize: number | null }>;
  /** ours / redis, from spawn to PONG */
  ratio: number;
  loggedRatio: number;
  /** Spawn to PONG in an empty directory (start-up alone), in ms: each round's, and the medians' ratio. */
  emptyStart: { rounds: number; ms: Record<ServerKind, number[]>; medianMs: Record<ServerKind, number>; ratio: number };
}

/** Fills a running server with the dataset and measures RSS growth. */
export async function measureMemory(s: RunningServer, keys: number, log: Log): Promise<MemoryResult['per'][ServerKind]> {
  await sleep(300);
  const rssBefore = rssBytes(s.pid);
  const pinger = await startPinger(s.port);
  const r = await loadKeys(s.port, keys);
  const ping = await pinger.stop();
  // Let allocator and GC settle before reading RSS (a Node heap keeps garbage until the next GC).
  await sleep(1500);
  const rssAfter = rssBytes(s.pid);
  const bytesPerKey = (rssAfter - rssBefore) / Math.max(1, r.loaded);
  log(`  ${s.kind.padEnd(13)} ${r.loaded} keys in ${r.seconds.toFixed(2)} s (${Math.round(r.loaded / r.seconds)} keys/s), RSS ${mb(rssBefore)} -> ${mb(rssAfter)} MB, ${bytesPerKey.toFixed(1)} B/key, longest PING ${ping.maxMs.toFixed(1)} ms${r.error ? `  ERROR ${r.error}` : ''}`);
  return { rssBefore, rssAfter, bytesPerKey, loadSeconds: r.seconds, loaded: r.loaded, error: r.error, pingMaxMs: ping.maxMs, rssSettled: null, bytesPerKeySettled: null };
}

/** Watches both idle servers' RSS for `seconds` and records the lowest of each as RSS at rest. */
async function settle(servers: Record<ServerKind, RunningServer>, per: MemoryResult['per'], seconds: number, log: Log): Promise<void> {
  const kinds = ['keystonelight', 'redis'] as const;
  const low = { keystonelight: Infinity, redis: Infinity };
  for (const end = Date.now() + seconds * 1000; Date.now() < end; await sleep(500)) {
    for (const k of kinds) low[k] = Math.min(low[k], rssBytes(servers[k].pid));
  }
  for (const k of kinds) {
    const p = per[k];
    p.rssSettled = low[k];
    p.bytesPerKeySettled = (low[k] - p.rssBefore) / Math.max(1, p.loaded);
    log(`  ${k.padEnd(13)} at rest (lowest RSS of ${seconds} s idle): ${mb(low[k])} MB, ${p.bytesPerKeySettled.toFixed(1)} B/key`);
  }
}

export const mb = (b: number): string => (b / 1048576).toFixed(1);

/**
 * Starts both servers (the main fsync policy), loads the dataset into each and measures memory.
 * The loaded servers are handed to `then` (the rewrite test uses them) and stopped afterwards.
 */
export async function memorySuite<T>(bundle: string, o: Options, log: Log, then: (s: Record<ServerKind, RunningServer>) => Promise<T>): Promise<{ memory: MemoryResult; after: T }> {
  log(`memory: ${o.keys} keys of ${16} bytes, appendfsync ${o.fsync}`);
  const ours = await startServer('keystonelight', bundle, { fsync: o.fsync });
  let redis: RunningServer | null = null;
  try {
    redis = await startServer('redis', bundle, { fsync: o.fsync });
    const per = {
      keystonelight: await measureMemory(ours, o.keys, log),
      redis: await measureMemory(redis, o.keys, log),
    };
    if (o.settle > 0) await settle({ keystonelight: ours, redis }, per, o.settle, log);
    const settled = per.keystonelight.bytesPerKeySettled !== null && per.redis.bytesPerKeySettled !== null
      ? per.keystonelight.bytesPerKeySettled / per.redis.bytesPerKeySettled : null;
    const memory: MemoryResult = { keys: o.keys, per, ratio: per.keystonelight.bytesPerKey / per.redis.bytesPerKey, settledRatio: settled, settleSeconds: o.settle };
    const after = await then({ keystonelight: ours, redis });
    return { memory, after };
  } finally {
    await ours.stop();
    await redis?.stop();
  }
}

async function dbsize(port: number): Promise<number | null> {
  const c = await Client.connect(port);
  try {
    const r = await c.call('DBSIZE');
    return typeof r === 'number' ? r : null;
  } finally {
    c.close();
  }
}

/** The "DB loaded from append only file: 1.234 seconds" line both servers log. */
export function loggedLoadSeconds(logText: string): number | null {
  const m = /DB loaded from append only file: ([\d.]+) seconds/.exec(logText);
  return m ? Number(m[1]) : null;
}

async function timeLoad(kind: ServerKind, bundle: string, aof: string, o: Options): Promise<{ ready: number; logged: number | null; dbsize: number | null }> {
  const dir = tempDir(`ks-bench-load-${kind}-`);
  try {
    copyFileSync(aof, join(dir, 'appendonly.aof'));
    const s = await startServer(kind, bundle, { fsync: o.fsync, dir, readyTimeoutMs: 600000 });
    try {
      // The log line may follow the first PONG by a moment.
      for (let i = 0; i < 50 && loggedLoadSeconds(s.log()) === null; i++) await sleep(20);
      return { ready: s.readyMs / 1000, logged: loggedLoadSeconds(s.log()), dbsize: await dbsize(s.port) };
    } finally {
      await s.stop();
    }
  } finally {
    removeDir(dir);
  }
}

/** Spawn to PONG of a server in an empty directory: its start-up alone (Node's and the bundle's, for ours). */
async function timeEmptyStart(kind: ServerKind, bundle: string, o: Options): Promise<number> {
  const dir = tempDir(`ks-bench-start-${kind}-`);
  try {
    const s = await startServer(kind, bundle, { fsync: o.fsync, dir });
    await s.stop();
    return s.readyMs;
  } finally {
    removeDir(dir);
  }
}

/** Start-up alone, alternately (ours, Redis, Redis, ours ...): a test suite that starts servers pays it each time. */
async function emptyStartSuite(bundle: string, o: Options, log: Log): Promise<LoadTimeResult['emptyStart']> {
  const rounds = Math.max(3, Math.min(o.rounds, 5));
  const ms: Record<ServerKind, number[]> = { keystonelight: [], redis: [] };
  for (let round = 0; round < rounds; round++) {
    const order: ServerKind[] = round % 2 === 0 ? ['keystonelight', 'redis'] : ['redis', 'keystonelight'];
    for (const k of order) ms[k].push(await timeEmptyStart(k, bundle, o));
  }
  const medianMs = { keystonelight: median(ms.keystonelight), redis: median(ms.redis) };
  log(`  start-up in an empty directory, ${rounds} rounds: ours ${ms.keystonelight.map((x) => x.toFixed(0)).join(' ')} ms, redis ${ms.redis.map((x) => x.toFixed(0)).join(' ')} ms`);
  return { rounds, ms, medianMs, ratio: medianMs.keystonelight / medianMs.redis };
}

export async function loadSuite(bundle: string, o: Options, log: Log): Promise<LoadTimeResult> {
  const src = tempDir('ks-bench-aof-');
  try {
    const aof = join(src, 'appendonly.aof');
    const aofBytes = writeAof(aof, o.keys);
    const rounds = Math.min(o.rounds, 3);
    log(`load: ${o.keys} keys, AOF ${mb(aofBytes)} MB, ${rounds} rounds`);
    const mk = (): LoadTimeResult['per'][ServerKind] => ({ readySeconds: [], loggedSeconds: [], medianReady: NaN, medianLogged: NaN, dbsize: null });
    const per = { keystonelight: mk(), redis: mk() };
    for (let round = 0; round < rounds; round++) {
      const order: ServerKind[] = round % 2 === 0 ? ['keystonelight', 'redis'] : ['redis', 'keystonelight'];
      for (const k of order) {
        const r = await timeLoad(k, bundle, aof, o);
        per[k].readySeconds.push(r.ready);
        per[k].loggedSeconds.push(r.logged);
        per[k].dbsize = r.dbsize;
        log(`  round ${round + 1}/${rounds}  ${k.padEnd(13)} ready after ${r.ready.toFixed(3)} s, log says ${r.logged ?? '?'} s, DBSIZE ${r.dbsize ?? '?'}`);
      }
    }
    for (const k of ['keystonelight', 'redis'] as const) {
      per[k].medianReady = median(per[k].readySeconds);
      per[k].medianLogged = median(per[k].loggedSeconds.filter((x): x is number => x !== null));
    }
    return {
      keys: o.keys, aofBytes, rounds, per,
      ratio: per.keystonelight.medianReady / per.redis.medianReady,
      loggedRatio: per.keystonelight.medianLogged / per.redis.medianLogged,
      emptyStart: await emptyStartSuite(bundle, o, log),
    };
  } finally {
    removeDir(src);
  }
}
