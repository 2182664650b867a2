// The option list against a real redis-server 7.0: CONFIG GET * names the same options (aliases
// included) on both, but for Keystonelight's own cluster-node-id, and every option Keystonelight
// accepts only for redis.conf compatibility (src/config-redis-only.ts) shows Redis's default. The
// per-option CONFIG SET cases are in cases/config-redis-only.ts (run by corpus.test.ts).

import test from 'ava';
import { needBinary } from '../helpers/bins.js';
import { Redis } from 'ioredis';
import { startRealRedis } from '../helpers/redis.js';
import { serve } from '../helpers/serve.js';
import { AS_REDIS } from './cases/config-redis-only.js';

/** Keystonelight's own options, which Redis does not have. */
const OURS_ONLY = new Set(['cluster-node-id']);

/** CONFIG GET of `patterns` (RESP2): the names and values in reply order. */
async function configGet(port: number, ...patterns: string[]): Promise<[string, string][]> {
  const r = new Redis({ port, host: '127.0.0.1', protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await r.connect();
    const flat = (await r.call('CONFIG', 'GET', ...patterns)) as string[];
    const out: [string, string][] = [];
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
    return out;
  } finally {
    r.disconnect();
  }
}

async function allOptions(port: number): Promise<Map<string, string>> {
  return new Map(await configGet(port, '*'));
}

/**
 * Redis 7.0.15's HIDDEN_CONFIG options (config.c), with their defaults, and the one Debian's build
 * (7.0.15-1~deb12u6, the reference redis-server) adds with its backported Lua fixes.
 */
const HIDDEN: [string, string][] = [
  ['use-exit-on-panic', 'no'], ['loading-process-events-interval-bytes', '2097152'],
  ['watchdog-period', '0'], ['key-load-delay', '0'], ['rdb-key-save-delay', '0'],
  ['lua-enable-deprecated-api', 'no'],
];

test('CONFIG GET * names the options redis-server 7.0 has, and the accepted ones show its defaults', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([serve(t), startRealRedis()]);
  t.teardown(() => redis.stop());
  const [ours, theirs] = await Promise.all([allOptions(ks.port), allOptions(redis.port)]);
  t.deepEqual([...theirs.keys()].filter((n) => !ours.has(n)).sort(), [], 'options redis-server has and Keystonelight does not');
  t.deepEqual([...ours.keys()].filter((n) => !theirs.has(n) && !OURS_ONLY.has(n)).sort(), [], 'options Keystonelight has and redis-server does not');
  for (const spec of AS_REDIS) {
    for (const name of [spec.name, ...(spec.alias ? [spec.alias] : [])]) t.is(ours.get(name), theirs.get(name), `CONFIG GET ${name}`);
  }
});

test('Redis\'s hidden options: CONFIG GET answers them by exact name only, as redis-server 7.0', async (t) => {
  const names = HIDDEN.map(([n]) => n);
  // Globs that would match them, one each and together; an exact name among patterns; any case.
  const asks: string[][] = [
    ...names.map((n) => [n]), names, ['WATCHDOG-PERIOD'], ['Key-Load-Delay', 'maxmemory', 'key-load-delay'],
    ['watchdog*'], ['*delay*'], ['*panic*'], ['loading*'], ['lua*'], ['*deprecated*'], ['watchdog-perio?'], ['[w]atchdog-period'], ['rdb-key-save-delay', 'rdb*'],
  ];
  const ks = await serve(t);
  // Sorted: Redis replies in its dict's order.
  const seen = async (port: number): Promise<[string, string][][]> => Promise.all(asks.map(async (a) => (await configGet(port, ...a)).sort()));
  const ours = await seen(ks.port);
  t.deepEqual(ours.slice(0, names.length), HIDDEN.map((h) => [h]), 'each by its name, with Redis\'s default');
  const all = await allOptions(ks.port);
  t.deepEqual(names.filter((n) => all.has(n)), [], 'CONFIG GET * leaves them out');
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis();
  t.teardown(() => redis.stop());
  t.deepEqual(ours, await seen(redis.port));
});
