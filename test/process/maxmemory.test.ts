// Eviction on the built bundle with an append-only file: every evicted key is logged as a DEL (as
// Redis propagates evictions), so that a restart loads exactly the dataset the server had.

import test from 'ava';
import { startBundle } from '../helpers/bundle.js';
import { aofContent, dumpWire } from '../helpers/aof.js';
import { RawClient } from '../helpers/raw.js';

test('evicted keys reach the AOF as DEL; a restart loads the same dataset', async (t) => {
  const args = ['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'allkeys-lru', '--maxmemory-eviction-tenacity', '100'];
  const sp = await startBundle(args);
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  const keys = Array.from({ length: 300 }, (_, i) => `key:${String(i).padStart(4, '0')}`);
  await c.pipeline(keys.slice(0, 200).map((k) => ['SET', k, 'v'.repeat(32)]));
  await c.pipeline([['SELECT', '2'], ...keys.slice(0, 20).map((k) => ['SET', k, 'w'.repeat(32)]), ['SELECT', '0']]);
  const used = Number(/\r\nused_memory:(\d+)/.exec(await c.call('INFO', 'memory'))![1]);
  const bytes = Number((await c.call('MEMORY', 'USAGE', 'key:0000')).slice(1));
  t.is(await c.call('CONFIG', 'SET', 'maxmemory', String(used - 50 * bytes)), '+OK\r\n');
  // Each new key of the same size evicts one more.
  await c.pipeline(keys.slice(200).map((k) => ['SET', k, 'v'.repeat(32)]));
  c.close();
  const before = await dumpWire(sp.port, 3);
  t.is(Object.keys(before).length, 220 + 100 - 150, '150 keys evicted');
  const info = await RawClient.connect(sp.port);
  t.regex(await info.call('INFO', 'stats'), /\r\nevicted_keys:150\r\n/);
  info.close();
  t.is(await sp.stop('SIGTERM'), 0);

  const aof = aofContent(sp.dir).toString('latin1');
  const dels = [...aof.matchAll(/\*2\r\n\$3\r\nDEL\r\n\$\d+\r\n([^\r]+)\r\n/g)].map((m) => m[1]);
  t.is(dels.length, 150);
  const written = [...keys.map((k) => `0:${k}`), ...keys.slice(0, 20).map((k) => `2:${k}`)];
  t.is(written.filter((k) => before[k] === undefined).length, 150);

  const again = await startBundle(args, { dir: sp.dir });
  t.teardown(() => void again.stop('SIGKILL'));
  t.deepEqual(await dumpWire(again.port, 3), before);
  t.is(await again.stop('SIGTERM'), 0);
});
