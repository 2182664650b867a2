// An in-process server that is closed when its test ends, whether the test passed or not. A test
// that closes its server only on its last line leaves it listening when an assertion (which throws
// in AVA) or a rejected await stops it earlier: the open server keeps the worker's event loop alive
// and the run hangs until AVA's timeout, which reports the timeout instead of the real failure.
// close() may be called again by the test itself (Server.close() is safe to call twice).

import type { ExecutionContext } from 'ava';
import { startServer, type RunningServer, type StartOptions } from '../../src/index.js';
import { RawClient } from './raw.js';
import { startRealRedis } from './redis.js';

/** startServer(opts) (port 0 unless given), closed by t.teardown; a close error is ignored there. */
export async function serve(t: ExecutionContext, opts: StartOptions = {}): Promise<RunningServer> {
  const s = await startServer({ port: 0, ...opts });
  t.teardown(() => s.close().catch(() => {}));
  return s;
}

/**
 * An in-process server (serve) and a real redis-server beside it, a RawClient connected to each
 * (`ours`, `theirs`), everything closed by t.teardown. The caller checks needBinary first.
 */
export async function servePair(t: ExecutionContext): Promise<{ ours: RawClient; theirs: RawClient }> {
  const [ks, redis] = await Promise.all([serve(t), startRealRedis()]);
  t.teardown(() => redis.stop());
  const [ours, theirs] = await Promise.all([RawClient.connect(ks.port), RawClient.connect(redis.port)]);
  t.teardown(() => (ours.close(), theirs.close()));
  return { ours, theirs };
}
