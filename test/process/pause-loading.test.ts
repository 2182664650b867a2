// The timed end of a CLIENT PAUSE runs an active expiry cycle (onTimedEnd), but not while the AOF
// loads, where no cycle may run (Server.cron returns while loading): a key loaded with a passed
// deadline was deleted mid-load, and a later command of the file that gives it a new deadline
// found nothing, the key lost (a review). redis-server 7.0.15, same file, CLIENT PAUSE 5 WRITE
// sent over and over during its load (31 answered +OK): PTTL k -> 593196, DBSIZE 1500001.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBundle, tempDir } from '../helpers/bundle.js';
import { aofBytes, waitFor } from '../helpers/aof.js';
import { RawClient } from '../helpers/raw.js';

test('a CLIENT PAUSE that times out while the AOF loads deletes no loaded key, as Redis', async (t) => {
  const now = Date.now();
  const parts: Buffer[] = [aofBytes(['SELECT', '0'], ['SET', 'k', 'v', 'PXAT', String(now - 60_000)])];
  for (let i = 0; i < 300_000; i++) parts.push(aofBytes(['SET', `key:${i}`, `value:${i}`]));
  parts.push(aofBytes(['PEXPIREAT', 'k', String(now + 600_000)]));
  const dir = tempDir('ks-pause-load-');
  writeFileSync(join(dir, 'appendonly.aof'), Buffer.concat(parts));
  const sp = await startBundle(['--loglevel', 'notice'], { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  let paused = 0;
  await waitFor(async () => {
    try {
      const c = await RawClient.connect(sp.port);
      if ((await c.call('CLIENT', 'PAUSE', '1', 'WRITE')) === '+OK\r\n') paused++;
      await new Promise((r) => setTimeout(r, 5));
      const r = await c.call('PING');
      c.close();
      return r === '+PONG\r\n';
    } catch {
      return false;
    }
  }, 60_000, 'the load');
  t.log(`${paused} CLIENT PAUSE during/after the load`);
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  t.is(await c.call('EXISTS', 'k'), ':1\r\n', 'k was loaded, then given a future deadline by the file');
});

test('while the AOF loads, DEBUG LOADAOF is refused with -LOADING and nothing is evicted (a restart finds what memory held)', async (t) => {
  const parts: Buffer[] = [];
  for (let i = 0; i < 1_000_000; i++) parts.push(aofBytes(['SET', `key:${i}`, `value:${i}`]));
  const dir = tempDir('ks-load-debug-');
  writeFileSync(join(dir, 'appendonly.aof'), Buffer.concat(parts));
  const args = ['--loglevel', 'notice', '--enable-debug-command', 'yes', '--maxmemory-policy', 'allkeys-random'];
  const sp = await startBundle(args, { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  // INFO and the commands after it are sent in one write, so they run in one batch: a load in
  // slices cannot end between them. (Sent one round trip at a time, the load ended between INFO's
  // loading:1 and DEBUG LOADAOF on a fast CI machine.) The batch that finds the load over runs
  // them after it, which the checks below allow for.
  let refused = 0;
  await waitFor(async () => {
    try {
      const c = await RawClient.connect(sp.port);
      const [info, set, load] = await c.pipeline([
        ['INFO', 'persistence'],
        ['CONFIG', 'SET', 'maxmemory', '20mb'],
        ['DEBUG', 'LOADAOF'],
      ]);
      t.is(set, '+OK\r\n');
      if (/\r\nloading:1\r\n/.test(info)) {
        t.is(load, '-LOADING Redis is loading the dataset in memory\r\n');
        refused++;
      }
      c.close();
      return /\r\nloading:0\r\n/.test(info); // not async_loading's
    } catch {
      return false;
    }
  }, 60_000, 'the load');
  t.true(refused > 0, 'asked while loading');
  const c = await RawClient.connect(sp.port);
  // The first command after the load evicts (its DELs go to the AOF, which is on by then).
  await c.call('SET', 'after', '1');
  t.is(await c.call('CONFIG', 'SET', 'maxmemory', '0'), '+OK\r\n'); // no eviction goes on after the count
  const kept = await c.call('DBSIZE');
  t.not(kept, ':1000001\r\n', 'evicted once the load was over');
  c.close();
  t.is(await sp.stop(), 0);
  const again = await startBundle(['--loglevel', 'notice'], { dir });
  t.teardown(() => void again.stop('SIGKILL'));
  const c2 = await RawClient.connect(again.port);
  t.teardown(() => c2.close());
  t.is(await c2.call('DBSIZE'), kept, 'the files hold what memory held');
});
