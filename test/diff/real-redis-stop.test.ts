// Self-test of the harness's real redis-server (helpers/redis.ts): stop() ends its background forks
// too. A SIGKILL to the server alone left a BGSAVE or rewrite child running, which wrote into the
// directory stop() was removing (wire/transactions' BGSAVE and BGREWRITEAOF test: ENOTEMPTY in 2 of
// 3 loaded full runs) and outlived the test.

import test from 'ava';
import { existsSync } from 'node:fs';
import { needBinary } from '../helpers/bins.js';
import { waitFor } from '../helpers/aof.js';
import { RawClient } from '../helpers/raw.js';
import { forksOf, isRunning, startRealRedis } from '../helpers/redis.js';

test('stop() during a BGSAVE kills the save child before removing the directory', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis();
  const c = await RawClient.connect(redis.port);
  t.teardown(() => c.close());
  await c.pipeline(Array.from({ length: 20 }, (_, i) => ['SET', `k${i}`, 'v']));
  // 100 ms a key: the child saves for 2 s, well past stop().
  t.is(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '100000'), '+OK\r\n');
  t.is(await c.call('BGSAVE'), '+Background saving started\r\n');
  let forks: number[] = [];
  await waitFor(() => (forks = forksOf(redis.proc.pid!)).length > 0, 5000, 'the save child');
  await redis.stop();
  t.deepEqual(forks.filter(isRunning), [], 'a fork still runs');
  t.false(existsSync(redis.dir));
});
