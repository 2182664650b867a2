// INFO total_forks and latest_fork_usec, side by side with redis-server 7.0: Redis counts the child
// processes it forks for its background jobs (a rewrite, a BGSAVE, the first base of CONFIG SET
// appendonly yes), and tools (Redis's own tests among them) wait for total_forks to rise to know a
// job has started. Ours forks nothing but runs the same jobs, and counts them the same way.
// CONFIG RESETSTAT zeroing both is counters.test.ts's.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/index.js';
import { startRealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { RawClient } from '../helpers/raw.js';
import { waitFor } from '../helpers/aof.js';

/** INFO field `name` of the server behind `c`, as a number. */
async function field(c: RawClient, name: string): Promise<number> {
  const info = String(await c.call('INFO', 'everything'));
  const m = new RegExp(`^${name}:(\\d+)\\r?$`, 'm').exec(info);
  if (m === null) throw new Error(`no ${name} in INFO`);
  return Number(m[1]);
}

/** Until no job runs or is scheduled (Redis forks a scheduled one at its next cron). */
async function idle(c: RawClient): Promise<void> {
  const busy = ['aof_rewrite_in_progress', 'aof_rewrite_scheduled', 'rdb_bgsave_in_progress'];
  await waitFor(async () => (await Promise.all(busy.map((f) => field(c, f)))).every((v) => v === 0), 15_000, 'jobs to end');
}

/** Keystonelight and redis-server, each with appendonly yes in a temp directory, as RawClients. */
async function pair(t: ExecutionContext): Promise<[RawClient, RawClient] | null> {
  if (!needBinary(t, 'redis-server')) return null;
  const dir = mkdtempSync(join(tmpdir(), 'ks-forks-'));
  const ks = await startServer({ port: 0, config: { appendonly: 'yes', dir } });
  const redis = await startRealRedis(['--appendonly', 'yes']);
  const clients = await Promise.all([RawClient.connect(ks.port), RawClient.connect(redis.port)]);
  t.teardown(async () => {
    for (const c of clients) c.close();
    await Promise.all([ks.close(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  return clients as [RawClient, RawClient];
}

test('total_forks counts each background job when it starts, as redis-server: BGREWRITEAOF, BGSAVE, appendonly yes, one run by EXEC', async (t) => {
  const clients = await pair(t);
  if (clients === null) return;
  const steps: [string, string[][]][] = [
    ['at start', []],
    ['BGREWRITEAOF', [['BGREWRITEAOF']]],
    ['BGSAVE', [['BGSAVE']]],
    ['SAVE (no job)', [['SAVE']]],
    ['BGREWRITEAOF with appendonly no', [['CONFIG', 'SET', 'appendonly', 'no'], ['BGREWRITEAOF']]],
    ['CONFIG SET appendonly yes', [['CONFIG', 'SET', 'appendonly', 'yes']]],
    ['BGREWRITEAOF run by EXEC', [['MULTI'], ['SET', 'a', '1'], ['BGREWRITEAOF'], ['EXEC']]],
  ];
  const seen: string[][] = [[], []];
  for (const [name, cmds] of steps) {
    for (const [i, c] of clients.entries()) {
      for (const cmd of cmds) await c.call(...cmd);
      await idle(c);
      seen[i].push(`${name}: ${await field(c, 'total_forks')}`);
    }
  }
  t.deepEqual(seen[0], seen[1], 'Keystonelight vs redis-server');
  t.is(seen[0].at(-1), 'BGREWRITEAOF run by EXEC: 5');
  for (const c of clients) t.true((await field(c, 'latest_fork_usec')) > 0, 'the last start took some time');
});
