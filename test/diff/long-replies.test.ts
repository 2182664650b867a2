// One reply longer than a connection's reply storage holds of a long array (63 MB:
// protocol/encoder.ts's ReplyBuffer.seal), side by side with redis-server: the bytes must be
// Redis's, in order, across the storages the reply was written into and the big values' pieces
// among them. (Past 4 GB, the largest Buffer Node makes, a storage that doubled on failed the
// reply; encoder.test.ts checks that the storage stops at 64 MB, which a test of 4 GB through the
// wire would take a minute and 10 GB of memory to show.)

import test from 'ava';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { startServer } from '../../src/index.js';
import { startRealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { encodeArgs } from '../helpers/resp.js';

const COPIES = 1_000_000;
const VALUE = 'v'.repeat(100);
const BIG = 'B'.repeat(200 * 1024);

/**
 * Sends SET k VALUE, SET big BIG, then one MGET of k COPIES times with big every 250,000th, and
 * reads `expect` bytes: their length and SHA-256 (hashed as they come: the reply is 107 MB).
 */
async function mgetDigest(port: number, expect: number): Promise<{ bytes: number; sha: string }> {
  const s = connect(port, '127.0.0.1');
  const hash = createHash('sha256');
  let bytes = 0;
  const done = new Promise<void>((resolve, reject) => {
    s.on('data', (d: Buffer) => {
      hash.update(d);
      bytes += d.length;
      if (bytes >= expect) resolve();
    });
    s.on('error', reject);
    s.on('close', () => resolve());
  });
  s.write(encodeArgs(['SET', 'k', VALUE]));
  s.write(encodeArgs(['SET', 'big', BIG]));
  const keys = Array.from({ length: COPIES }, (_, i) => (i % 250_000 === 1 ? 'big' : 'k'));
  s.write(encodeArgs(['MGET', ...keys]));
  await done;
  s.destroy();
  return { bytes, sha: hash.digest('hex') };
}

test('an MGET reply of 107 MB (a million 100-byte values, big ones among them) is byte for byte redis-server\'s', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  t.timeout(60_000);
  const ks = await startServer({ port: 0, config: { appendonly: 'no' } });
  const redis = await startRealRedis();
  t.teardown(async () => {
    await Promise.all([ks.close(), redis.stop()]);
  });
  const bigs = 4;
  const expect = 2 * 5 + `*${COPIES}\r\n`.length + (COPIES - bigs) * (VALUE.length + 8) + bigs * (BIG.length + 11);
  const [ours, theirs] = [await mgetDigest(ks.port, expect), await mgetDigest(redis.port, expect)];
  t.is(theirs.bytes, expect, 'redis-server sent the reply worked out here');
  t.deepEqual(ours, theirs);
});
