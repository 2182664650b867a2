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
