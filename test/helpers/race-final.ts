// The end of a randomized persistence schedule (race-check.ts): once the server is idle (no rewrite
// running, scheduled or settling, no thread-pool operation in flight) the directory holds no stray
// files and its manifest's files all exist; a copy loads in a new Keystonelight to what the files
// may hold (the acknowledged dataset, when the file is on), passes redis-check-aof, and loads in
// redis-server to the same dataset. Crash images (directory copies taken at renames and directory
// fsyncs) must load, with no counter past any value it had (a write replayed twice).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/index.js';
import { checkAof, dumpServer, dumpWire, type Dump } from './aof.js';
import { RawClient } from './raw.js';
import { missingFiles, strayFiles } from './race-io.js';
import { diff, fromDump } from './race-model.js';
import type { RaceRun } from './race-check.js';

export interface CrashImage {
  dir: string;
  what: string;
  counterMax: Map<string, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function idleNow(run: RaceRun): Promise<boolean> {
  const p = run.s.server.persistence;
  if (p?.busy === true || run.s.server.aofOff.rewriting || run.io.inflight > 0) return false;
  const info = await run.c.call('INFO', 'persistence');
  return /aof_rewrite_scheduled:0\r\n/.test(info) && /rdb_bgsave_in_progress:0\r\n/.test(info);
}

/**
 * Waits until nothing runs in the background (three times in a row, 50 ms apart). A first base
 * whose automatic retries back off after repeated failures (a minute and more, as Redis's
 * aofRewriteLimited) is started by BGREWRITEAOF, as an operator would.
 */
export async function waitIdle(run: RaceRun, ms = 20_000): Promise<boolean> {
  const start = Date.now();
  let calm = 0;
  while (Date.now() < start + ms) {
    calm = (await idleNow(run)) ? calm + 1 : 0;
    if (calm >= 3) return true;
    if (Date.now() > start + 2000 && run.s.server.persistence?.starting === true && !run.s.server.persistence.rewriting) {
      run.trace.push(`end: BGREWRITEAOF -> ${(await run.c.call('BGREWRITEAOF')).trim()}`);
    }
    await sleep(50);
  }
  return false;
}

/** The dataset a new Keystonelight loads from a copy of `dir`, or the reason it refused. */
export async function loadCopy(dir: string): Promise<Dump | string> {
  try {
    const s = await startServer({ port: 0, config: { appendonly: 'yes', dir, loglevel: 'nothing' } });
    try {
      return dumpServer(s.server);
    } finally {
      await s.close();
    }
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
}

function copyOf(dir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'ks-racecopy-'));
  cpSync(dir, copy, { recursive: true, filter: (src) => !src.endsWith('keystonelight.pid') });
  return copy;
}

/** The dataset redis-server loads from `dir`, or the reason it did not (a port taken: tried again on another). */
async function redisLoad(dir: string): Promise<Dump | string> {
  for (let i = 0; ; i++) {
    const r = await redisLoadOn(dir);
    if (i === 4 || typeof r !== 'string' || !r.includes('Address already in use')) return r;
  }
}

async function redisLoadOn(dir: string): Promise<Dump | string> {
  const port = 20000 + Math.floor(Math.random() * 40000);
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir,
    '--aof-use-rdb-preamble', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  try {
    for (let i = 0; i < 200; i++) {
      if (p.exitCode !== null) return `redis-server exited ${p.exitCode}: ${out.trim().split('\n').slice(-3).join(' / ')}`;
      try {
        const c = await RawClient.connect(port);
        const r = await c.call('INFO');
        c.close();
        // Ours (not another test's redis-server that took the port first: ours then exits), loaded.
        if (r.includes(`process_id:${p.pid}\r\n`) && r.includes('loading:0\r\n')) return await dumpWire(port, 16);
      } catch {
        // not up yet
      }
      await sleep(25);
    }
    return `redis-server did not answer on ${port}: ${out.trim().split('\n').slice(-3).join(' / ')}`;
  } finally {
    p.kill('SIGKILL');
  }
}

export async function finalChecks(run: RaceRun, withRedis = true): Promise<void> {
  if (!(await waitIdle(run))) {
    const info = await run.c.call('INFO', 'persistence');
    return run.problem(`never idle: ${info.split('\r\n').filter((l) => /rewrite|bgsave_in|aof_enabled/.test(l)).join(' ')}, inflight ${run.io.inflight}`);
  }
  const m = run.model;
  const p = run.s.server.persistence;
  if (p !== null && !p.starting && m.on) m.settled();
  const live = diff(m.mem, dumpServer(run.s.server));
  if (live !== '') return run.problem(`memory differs from the model: ${live}`);
  const aofDir = join(run.dir, 'appendonlydir');
  const missing = missingFiles(aofDir);
  if (missing.length > 0) run.problem(`idle: the manifest names missing ${missing.join(', ')}`);
  const stray = strayFiles(run.dir);
  if (stray.length > 0) run.problem(`idle: files no manifest names: ${stray.join(', ')}`);
  const forKs = copyOf(run.dir);
  const forRedis = copyOf(run.dir);
  run.made.push(forKs, forRedis);
  const got = await loadCopy(forKs);
  if (typeof got === 'string') return run.problem(`a copy does not load: ${got}`);
  const hit = m.match(got);
  if (hit === null) return run.problem(`a copy loads none of what the files may hold:\n${m.describe(got)}`);
  if (!withRedis || !existsSync(join(forRedis, 'appendonlydir', 'appendonly.aof.manifest'))) return;
  const verdict = checkAof(forRedis);
  if (verdict !== '') return run.problem(verdict);
  const redis = await redisLoad(forRedis);
  if (typeof redis === 'string') return run.problem(redis);
  const d = diff(fromDump(got), redis);
  if (d !== '') run.problem(`redis-server loads another dataset: ${d}`);
}

/** Each crash image loads, and no counter in it is past the highest value it ever had. */
export async function crashImages(run: RaceRun): Promise<void> {
  for (const img of run.images) {
    const got = await loadCopy(img.dir);
    if (typeof got === 'string') {
      run.problem(`crash image at ${img.what} does not load: ${got}`);
      continue;
    }
    for (const [k, e] of Object.entries(got)) {
      const max = img.counterMax.get(k);
      if (/:c\d$/.test(k) && /^\d+$/.test(e.value) && Number(e.value) > (max ?? 0)) {
        run.problem(`crash image at ${img.what}: ${k}=${e.value}, never above ${max ?? 0} (replayed twice?)`);
      }
    }
  }
}
