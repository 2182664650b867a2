// The bitmap commands and the append-only file, side by side with redis-server 7.0.15: the same
// replies and the same incr file bytes (a command logged as typed only when it changed something:
// not a SETBIT that leaves its bit, a BITFIELD whose operations all fail or only read, a BITOP
// with nothing to delete), then the built server restarted on its files, and again after a
// rewrite, holds the dataset it had.

import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needBinary } from '../helpers/bins.js';
import { startBundle, tempDir } from '../helpers/bundle.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { dumpWire, waitFor } from '../helpers/aof.js';

const SCRIPT: string[][] = [
  ['SETBIT', 'b', '7', '1'],
  ['SETBIT', 'b', '7', '1'], // no change: not logged
  ['SETBIT', 'b', '7', '0'],
  ['SETBIT', 'b', '100', '0'], // zero-pads: logged
  ['SETBIT', 'b', '-1', '1'], // error
  ['SET', 's', 'foobar'],
  ['SETBIT', 's', '1', '1'], // no change to an existing string
  ['SETBIT', 's', '2', '0'],
  ['GETBIT', 's', '2'],
  ['BITCOUNT', 's'],
  ['BITPOS', 's', '0'],
  ['BITOP', 'AND', 'd', 's', 'b'],
  ['BITOP', 'OR', 'gone', 'none1', 'none2'], // nothing to delete: not logged
  ['SET', 'gone', 'x'],
  ['BITOP', 'OR', 'gone', 'none1', 'none2'], // deletes: logged
  ['BITFIELD', 'f', 'SET', 'u8', '0', '200', 'INCRBY', 'u8', '0', '100', 'GET', 'u8', '0'],
  ['BITFIELD', 'f', 'GET', 'u8', '0'], // reads only
  ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300'], // fails: not logged
  ['BITFIELD', 'f', 'SET', 'u8', '0', '44'], // the same value: not logged
  ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '300'], // creates g, logged by neither
  ['BITFIELD_RO', 'f', 'GET', 'i8', '0'],
  ['MULTI'],
  ['SETBIT', 'm', '3', '1'],
  ['BITFIELD', 'm', 'INCRBY', 'i5', '#1', '-7'],
  ['EXEC'],
  ['SELECT', '3'],
  ['SETBIT', 'other', '9', '1'],
];

/** The bytes of `dir`'s incr file. */
function incr(dir: string): string {
  const d = join(dir, 'appendonlydir');
  return readFileSync(join(d, readdirSync(d).find((f) => f.endsWith('.incr.aof'))!), 'latin1');
}

test('bitmap commands: the same replies and AOF bytes as redis-server 7.0.15, and the dataset back after restarts and a rewrite', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const r = await startRealRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']);
  t.teardown(() => r.stop());
  const dir = tempDir();
  const ours = await startBundle(['--appendonly', 'yes'], { dir });
  t.teardown(() => void ours.stop('SIGKILL'));
  const rc = await RawClient.connect(r.port);
  const c = await RawClient.connect(ours.port);
  t.teardown(() => (rc.close(), c.close()));
  for (const req of SCRIPT) t.is(await c.call(...req), await rc.call(...req), req.join(' '));
  await waitFor(() => incr(dir) === incr(r.dir), 5000, 'the incr files to hold the same bytes');
  t.notRegex(incr(dir), /BITFIELD_RO|GETBIT|BITCOUNT|BITPOS/, 'reads are not logged');
  // g exists in memory (Redis creates it before its operation fails) but is in neither file.
  const before = await dumpWire(ours.port);
  t.is(before['0:g']?.value, '\0');
  delete before['0:g'];
  c.close();
  t.is(await ours.stop(), 0);

  const again = await startBundle(['--appendonly', 'yes'], { dir });
  t.teardown(() => void again.stop('SIGKILL'));
  t.deepEqual(await dumpWire(again.port), before, 'after a restart');
  const c2 = await RawClient.connect(again.port);
  t.is(await c2.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  await waitFor(async () => /aof_rewrite_in_progress:0\r\n/.test(await c2.call('INFO', 'persistence')), 10_000, 'the rewrite');
  c2.close();
  t.is(await again.stop(), 0);
  const third = await startBundle(['--appendonly', 'yes'], { dir });
  t.teardown(() => void third.stop('SIGKILL'));
  t.deepEqual(await dumpWire(third.port), before, 'after a rewrite and a restart');
});

test('a restart with a lower proto-max-bulk-len still loads the bitmaps and strings written under the old one, as redis-server (its AOF client obeys no such limit)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const writes = [['SETBIT', 'k', '16000000', '1'], ['BITFIELD', 'k2', 'SET', 'u8', '16000000', '7'], ['SETRANGE', 'k3', '2000000', 'x'], ['APPEND', 'k3', 'yz']];
  const reads = [['STRLEN', 'k'], ['STRLEN', 'k2'], ['STRLEN', 'k3'], ['GETBIT', 'k', '16000000'], ['BITFIELD_RO', 'k2', 'GET', 'u8', '16000000'], ['GETRANGE', 'k3', '-3', '-1'], ['SETBIT', 'k', '16000001', '1']];
  const answers: string[][] = [];
  const redisDir = tempDir();
  const ourDir = tempDir();
  for (const kind of ['redis', 'ours'] as const) {
    const start = (extra: string[]) => kind === 'redis'
      ? startRealRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', ...extra], redisDir)
      : startBundle(['--appendonly', 'yes', ...extra], { dir: ourDir });
    const first = await start([]);
    const c = await RawClient.connect(first.port);
    for (const w of writes) await c.call(...w);
    c.close();
    if (kind === 'redis') {
      // Its stop() is a SIGKILL, which can lose writes under appendfsync everysec when a busy
      // disk makes Redis postpone its AOF write (up to 2 s): a clean shutdown writes them.
      const exit = new Promise((r) => first.proc.once('exit', r));
      first.proc.kill('SIGTERM');
      await exit;
    }
    await first.stop();
    const again = await start(['--proto-max-bulk-len', '1mb']);
    t.teardown(() => void again.stop());
    const c2 = await RawClient.connect(again.port);
    answers.push([]);
    for (const r of reads) answers.at(-1)!.push(await c2.call(...r));
    c2.close();
  }
  t.deepEqual(answers[1], answers[0]);
  t.deepEqual(answers[0].slice(0, 3), [':2000001\r\n', ':2000001\r\n', ':2000003\r\n']);
  t.is(answers[0][6], '-ERR bit offset is not an integer or out of range\r\n', 'a client is held to the new limit');
});

test('BITOP deleting an expired destination it was not given as a source logs the BITOP and counts no expired key, as redis-server 7.0.15 (its dbDelete does not look the key up)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const args = ['--appendonly', 'yes', '--enable-debug-command', 'yes'];
  const r = await startRealRedis([...args, '--aof-use-rdb-preamble', 'no']);
  t.teardown(() => r.stop());
  const dir = tempDir();
  const ours = await startBundle(args, { dir });
  t.teardown(() => void ours.stop('SIGKILL'));
  const rc = await RawClient.connect(r.port);
  const c = await RawClient.connect(ours.port);
  t.teardown(() => (rc.close(), c.close()));
  // Deadlines in the past with active expiry off: the keys stay stored until a command meets them.
  const script = [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SET', 'd', 'x', 'PXAT', '1000'],
    ['BITOP', 'AND', 'd', 'nosuch'], // d deleted by the BITOP: BITOP logged
    ['SET', 'e', 'x', 'PXAT', '1000'],
    ['BITOP', 'NOT', 'e', 'e'], // e read as a source first: expired there, DEL logged
    ['DBSIZE'],
  ];
  for (const req of script) t.is(await c.call(...req), await rc.call(...req), req.join(' '));
  await waitFor(() => incr(dir) === incr(r.dir), 5000, 'the incr files to hold the same bytes');
  t.regex(incr(dir), /\$5\r\nBITOP\r\n\$3\r\nAND\r\n\$1\r\nd\r\n/);
  const expired = async (cl: RawClient): Promise<string | undefined> => /expired_keys:(\d+)/.exec(await cl.call('INFO', 'stats'))?.[1];
  t.is(await expired(c), await expired(rc));
  t.is(await expired(c), '1');
});
