// The scale check (--scale [N], off by default): fill ONE database with N small keys (default
// 50,000,000) and check that the server still answers correctly: DBSIZE, GET of a sample, SET,
// expiry, and a full SCAN that must return every key. A V8 Map holds at most 2^24 (16,777,216)
// entries, so a keyspace built on one Map fails somewhere past that; this records where and how.
// Persistence is off here (appendonly no): the question is the keyspace, not the disk.

import { Client, ReplyError, type Reply } from '../lib/client.js';
import { keyName, keyWidth, loadKeys, valueOf } from '../lib/dataset.js';
import { rssBytes, sleep, startServer, type RunningServer, type ServerKind } from '../lib/servers.js';
import type { Options } from '../options.js';
import { mb } from './memory.js';
import type { Log } from './throughput.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ScaleServerResult {
  target: number;
  loaded: number;
  loadSeconds: number;
  loadError: string | null;
  alive: boolean;
  rssBefore: number;
  rssAfter: number;
  bytesPerKey: number;
  checks: Check[];
  logTail: string;
}

export type ScaleResult = Partial<Record<ServerKind, ScaleServerResult>>;

const SCAN_LIMIT_SECONDS = 900;

async function checkReads(c: Client, loaded: number, width: number): Promise<Check[]> {
  const out: Check[] = [];
  const size = await c.call('DBSIZE');
  out.push({ name: 'DBSIZE', ok: size === loaded, detail: `${show(size)} (expected ${loaded})` });
  let bad = 0;
  let firstBad = '';
  for (let j = 0; j < 1000; j++) {
    const i = Math.floor(Math.random() * loaded);
    const v = await c.call('GET', keyName(i, width));
    if (v !== valueOf(i)) {
      bad++;
      firstBad ||= `${keyName(i, width)} -> ${show(v)}`;
    }
  }
  out.push({ name: 'GET 1000 random keys', ok: bad === 0, detail: bad === 0 ? 'all values right' : `${bad} wrong, e.g. ${firstBad}` });
  const set = await c.call('SET', 'scale:new', 'fresh');
  const got = await c.call('GET', 'scale:new');
  out.push({ name: 'SET + GET of a new key', ok: set === 'OK' && got === 'fresh', detail: `SET ${show(set)}, GET ${show(got)}` });
  return out;
}

async function checkExpiry(c: Client, base: number): Promise<Check> {
  const name = 'expiry (100 keys SET PX 300)';
  let refused: Reply = null;
  for (let i = 0; i < 100; i++) {
    const r = await c.call('SET', `scale:exp:${i}`, 'x', 'PX', '300');
    if (r !== 'OK') refused ??= r;
  }
  if (refused !== null) return { name, ok: false, detail: `SET refused: ${show(refused)}` };
  const pttl = await c.call('PTTL', 'scale:exp:0');
  await sleep(700);
  let alive = 0;
  for (let i = 0; i < 100; i++) if ((await c.call('GET', `scale:exp:${i}`)) !== null) alive++;
  const size = await c.call('DBSIZE');
  const ok = typeof pttl === 'number' && pttl > 0 && pttl <= 300 && alive === 0 && size === base;
  return { name, ok, detail: `PTTL ${show(pttl)}, ${alive} still readable after 700 ms, DBSIZE ${show(size)} (expected ${base})` };
}

/** A full SCAN: every key must come back at least once (duplicates are allowed, as in Redis). */
async function checkScan(c: Client, loaded: number, width: number, log: Log): Promise<Check> {
  const seen = new Uint8Array(loaded);
  let distinct = 0;
  let returned = 0;
  let calls = 0;
  let cursor = '0';
  const t0 = performance.now();
  do {
    const r = await c.call('SCAN', cursor, 'COUNT', '10000');
    if (!Array.isArray(r) || typeof r[0] !== 'string' || !Array.isArray(r[1])) {
      return { name: 'full SCAN', ok: false, detail: `bad reply after ${calls} calls: ${show(r)}` };
    }
    cursor = r[0];
    calls++;
    for (const k of r[1]) {
      returned++;
      if (typeof k !== 'string' || !k.startsWith('key:') || k.length !== 4 + width) continue;
      const i = Number(k.slice(4));
      if (i < loaded && seen[i] === 0) {
        seen[i] = 1;
        distinct++;
      }
    }
    if (calls % 500 === 0) log(`    scan: ${calls} calls, ${distinct} distinct keys, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    if (performance.now() - t0 > SCAN_LIMIT_SECONDS * 1000) {
      return { name: 'full SCAN', ok: false, detail: `stopped after ${SCAN_LIMIT_SECONDS} s: ${distinct} of ${loaded} keys in ${calls} calls` };
    }
  } while (cursor !== '0');
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  return { name: 'full SCAN', ok: distinct === loaded, detail: `${distinct} of ${loaded} keys (${returned} returned) in ${calls} calls, ${secs} s` };
}

function show(r: Reply): string {
  if (r instanceof ReplyError) return `(error) ${r.message}`;
  const s = JSON.stringify(r) ?? String(r);
  return s.length > 120 ? s.slice(0, 120) + '...' : s;
}

async function scaleOne(kind: ServerKind, bundle: string, o: Options, log: Log): Promise<ScaleServerResult> {
  const s: RunningServer = await startServer(kind, bundle, { fsync: 'everysec', appendonly: false });
  try {
    await sleep(300);
    const rssBefore = rssBytes(s.pid);
    let lastLog = performance.now();
    const r = await loadKeys(s.port, o.scale, (done) => {
      if (performance.now() - lastLog > 10000) {
        lastLog = performance.now();
        log(`    ${kind}: ${done} keys, RSS ${s.alive() ? mb(rssBytes(s.pid)) : '(dead)'} MB`);
      }
    });
    log(`  ${kind.padEnd(13)} loaded ${r.loaded} of ${o.scale} keys in ${r.seconds.toFixed(1)} s${r.error ? `; stopped: ${r.error}` : ''}`);
    const res: ScaleServerResult = {
      target: o.scale, loaded: r.loaded, loadSeconds: r.seconds, loadError: r.error, alive: s.alive(),
      rssBefore, rssAfter: NaN, bytesPerKey: NaN, checks: [], logTail: '',
    };
    if (s.alive()) {
      await sleep(1500);
      res.rssAfter = rssBytes(s.pid);
      res.bytesPerKey = (res.rssAfter - rssBefore) / Math.max(1, r.loaded);
      res.checks = await runChecks(s, r.loaded, o.scale, log);
    }
    res.alive = s.alive();
    res.logTail = s.log().split('\n').slice(-15).join('\n');
    return res;
  } finally {
    await s.stop();
  }
}

async function runChecks(s: RunningServer, loaded: number, target: number, log: Log): Promise<Check[]> {
  const width = keyWidth(target);
  const checks: Check[] = [];
  const c = await Client.connect(s.port);
  try {
    // The key count after the load may differ from `loaded` if the server misbehaved; checks
    // are against what it acknowledged.
    checks.push(...(await checkReads(c, loaded, width)));
    checks.push(await checkExpiry(c, loaded + 1));
    checks.push(await checkScan(c, loaded, width, log));
  } catch (e) {
    checks.push({ name: 'connection', ok: false, detail: (e as Error).message });
  } finally {
    c.close();
  }
  for (const ch of checks) log(`    ${ch.ok ? 'ok  ' : 'FAIL'} ${ch.name}: ${ch.detail}`);
  return checks;
}

export async function scaleSuite(bundle: string, o: Options, log: Log): Promise<ScaleResult> {
  const out: ScaleResult = {};
  const kinds: ServerKind[] = o.scaleRedis ? ['keystonelight', 'redis'] : ['keystonelight'];
  log(`scale: ${o.scale} keys in one database (${kinds.join(', ')}), appendonly no`);
  for (const k of kinds) out[k] = await scaleOne(k, bundle, o, log);
  return out;
}
