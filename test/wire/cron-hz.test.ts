// The cron's rate, as Redis's serverCron: CONFIG SET hz takes effect (INFO hz at once, the timer at
// its next run; it was read once at start), and dynamic-hz doubles it while there are more than
// 200 clients a run, up to 500. INFO hz / configured_hz side by side with redis-server.

import test from 'ava';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/aof.js';
import { CronTimer, dynamicHz } from '../../src/server/cron-timer.js';

/** INFO's hz and configured_hz. */
async function rates(c: RawClient): Promise<string> {
  const info = await c.call('INFO', 'server');
  return `hz=${/\bhz:(\d+)/.exec(info)?.[1]} configured=${/configured_hz:(\d+)/.exec(info)?.[1]}`;
}

/** The steps against a server on `port`: what each showed. */
async function script(port: number): Promise<string[]> {
  const admin = await RawClient.connect(port);
  const many: RawClient[] = [];
  const seen: string[] = [];
  try {
    seen.push(await rates(admin));
    await admin.call('CONFIG', 'SET', 'hz', '1000');
    seen.push(`after hz 1000: ${await rates(admin)}`); // capped at 500, INFO at once
    await admin.call('CONFIG', 'SET', 'hz', '1');
    seen.push(`after hz 1: ${await rates(admin)}`);
    // 210 clients at hz 1: 210 / 1 > 200, so the next run doubles it (210 / 2 is not).
    for (let i = 0; i < 209; i++) many.push(await RawClient.connect(port));
    await waitFor(async () => (await rates(admin)).startsWith('hz=2 '), 5000, 'the cron to double hz');
    seen.push(`210 clients: ${await rates(admin)}`);
    await admin.call('CONFIG', 'SET', 'dynamic-hz', 'no');
    await waitFor(async () => (await rates(admin)).startsWith('hz=1 '), 5000, 'the cron to go back to hz 1');
    seen.push(`dynamic-hz no: ${await rates(admin)}`);
    await admin.call('CONFIG', 'SET', 'dynamic-hz', 'yes');
    for (const c of many.splice(0)) c.close();
    await waitFor(async () => Number(/connected_clients:(\d+)/.exec(await admin.call('INFO', 'clients'))?.[1]) === 1, 5000, 'the clients to go');
    await new Promise((r) => setTimeout(r, 1200)); // a run of the cron at hz 1
    seen.push(`1 client: ${await rates(admin)}`);
  } finally {
    for (const c of many) c.close();
    admin.close();
  }
  return seen;
}

test('CONFIG SET hz and dynamic-hz, as redis-server (INFO hz, configured_hz)', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const ours = await script(s.port);
  t.deepEqual(ours, [
    'hz=10 configured=10', 'after hz 1000: hz=500 configured=500', 'after hz 1: hz=1 configured=1',
    '210 clients: hz=2 configured=1', 'dynamic-hz no: hz=1 configured=1', '1 client: hz=1 configured=1',
  ]);
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis();
  t.teardown(() => redis.stop());
  t.deepEqual(ours, await script(redis.port));
});

test('dynamicHz doubles the rate while clients / hz is over 200, up to 500', (t) => {
  t.is(dynamicHz(10, 0), 10);
  t.is(dynamicHz(10, 2009), 10, '2009 / 10 is 200');
  t.is(dynamicHz(10, 2010), 20);
  t.is(dynamicHz(10, 4010), 20);
  t.is(dynamicHz(10, 4020), 40);
  t.is(dynamicHz(1, 201), 2);
  t.is(dynamicHz(300, 60_300), 500, 'capped');
  t.is(dynamicHz(10, 10_000_000), 500);
});

test('the timer runs at the rate worked out at each run', async (t) => {
  let configured = 100;
  let runs = 0;
  const timer = new CronTimer({ configured: () => configured, dynamic: () => true, clients: () => 0 }, () => runs++);
  timer.start();
  t.teardown(() => timer.stop());
  await new Promise((r) => setTimeout(r, 500));
  const fast = runs;
  t.true(fast >= 10, `${fast} runs in 500 ms at hz 100`);
  configured = 4;
  await new Promise((r) => setTimeout(r, 50)); // the run that reads the new rate
  runs = 0;
  await new Promise((r) => setTimeout(r, 1000));
  t.true(runs <= 5, `${runs} runs in 1 s at hz 4`);
  timer.stop();
  const stopped = runs;
  await new Promise((r) => setTimeout(r, 300));
  t.is(runs, stopped, 'stopped');
});
