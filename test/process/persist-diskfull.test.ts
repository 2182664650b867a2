// A real full disk: the data directory is a 2 MB tmpfs (needs root to mount; skipped loudly
// otherwise — test/unit/persistence-server.test.ts covers the same with an injected FileIO). Under
// a write load with appendfsync always the file fills the disk: writes and PING get -MISCONF with
// "No space left on device", reads keep working, the error is logged once; when space is freed
// writes are accepted again by themselves, and after a restart every acknowledged write is there.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBundle, tempDir } from '../helpers/bundle.js';
import { loadDir, waitFor, WriteLoad } from '../helpers/aof.js';
import { RawClient } from '../helpers/raw.js';

const MISCONF = '-MISCONF Errors writing to the AOF file: No space left on device\r\n';

function mountTmpfs(): string | null {
  const dir = tempDir('ks-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { encoding: 'latin1' });
  return r.status === 0 ? dir : null;
}

test('a full disk: MISCONF for writes and PING, reads work, automatic recovery, nothing acknowledged lost', async (t) => {
  const mnt = mountTmpfs();
  if (mnt === null) {
    const msg = 'SKIPPED: cannot mount a tmpfs here (needs root); the injected-FileIO test covers disk errors';
    console.warn(msg);
    t.log(msg);
    t.pass();
    return;
  }
  t.teardown(() => void spawnSync('umount', ['-l', mnt]));
  const filler = join(mnt, 'filler');
  writeFileSync(filler, Buffer.alloc(1024 * 1024));
  const sp = await startBundle(['--appendfsync', 'always', '--loglevel', 'notice'], { dir: mnt });
  t.teardown(() => void sp.stop('SIGKILL'));
  const load = new WriteLoad(sp.port, 4, 16, 1000);
  // Under appendfsync always the writers' replies are held from the failed write on (their data is
  // not durable yet), so they stop sending: the log tells when the disk is full.
  await waitFor(() => sp.output().includes('Error writing to the AOF file: No space left on device'), 30_000, 'the disk to fill up');
  const c = await RawClient.connect(sp.port);
  t.is(await c.call('PING'), MISCONF);
  t.is(await c.call('SET', 'x', 'y'), MISCONF);
  t.regex(await c.call('GET', 'w:0:0'), /^\$1000\r\n0\.+\r\n$/, 'reads keep working');
  t.is(sp.output().split('Error writing to the AOF file: No space left on device').length - 1, 1, 'logged once');

  // No new batches from here on: otherwise the load could fill the freed space again before the
  // checks below. Batches in flight wait for the recovery (their replies are held).
  load.halt();
  unlinkSync(filler);
  await waitFor(async () => (await c.call('PING')) === '+PONG\r\n', 10_000, 'the recovery');
  await load.stop();
  t.is(await c.call('SET', 'after', 'recovery'), '+OK\r\n');
  t.regex(sp.output(), /AOF write error looks solved, Redis can write again\./);
  c.close();
  t.is(await sp.stop('SIGTERM'), 0);
  t.log(`${load.acked.size} writes acknowledged, ${load.errors.get(MISCONF) ?? 0} refused with MISCONF`);
  const d = await loadDir(mnt);
  t.deepEqual(load.check(d).slice(0, 5), []);
  t.is(d['0:after']?.value, 'recovery');
});
