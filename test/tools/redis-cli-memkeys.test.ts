// `redis-cli --memkeys` against the built bundle: it walks the keyspace with SCAN, TYPE and
// MEMORY USAGE ... SAMPLES, and reports the biggest key and totals per type, in the sizes of
// MEMORY USAGE (keyspace/memory.ts).

import test from 'ava';
import { needBinary } from '../helpers/bins.js';
import { startBundle } from '../helpers/bundle.js';
import { RawClient } from '../helpers/raw.js';
import { run } from '../helpers/run.js';
import { entryBytes } from '../../src/keyspace/memory.js';

test('redis-cli --memkeys finds the biggest key with MEMORY USAGE sizes', async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const sp = await startBundle();
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  const big = 'x'.repeat(1000);
  await c.call('SET', 'big', big);
  await c.call('SET', 'small', 'x');
  c.close();
  const r = await run('redis-cli', ['-p', String(sp.port), '--memkeys'], { timeoutMs: 20_000 });
  t.is(r.code, 0, r.stderr);
  const total = entryBytes('big', big) + entryBytes('small', 'x');
  t.regex(r.stdout, /Sampled 2 keys in the keyspace!/);
  t.regex(r.stdout, new RegExp(`Biggest string found '"big"' has ${entryBytes('big', big)} bytes`));
  t.regex(r.stdout, new RegExp(`2 strings with ${total} bytes \\(100\\.00% of keys, avg size ${(total / 2).toFixed(2)}\\)`));
  await sp.stop();
});
