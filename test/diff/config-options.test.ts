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

async function allOptions(port: number): Promise<Map<string, string>> {
  const r = new Redis({ port, host: '127.0.0.1', protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await r.connect();
    const flat = (await r.config('GET', '*')) as string[];
    const out = new Map<string, string>();
    for (let i = 0; i < flat.length; i += 2) out.set(flat[i], flat[i + 1]);
    return out;
  } finally {
    r.disconnect();
  }
}

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
