// The library (startServer) while CONFIG SET appendonly yes writes the first base in the background
// (Redis 7.0's AOF_WAIT_REWRITE): a client's SHUTDOWN is refused as by redis-server 7.0.15 and the
// CLI ("Writing initial AOF, can't exit."), since the files on disk do not hold the dataset yet; a
// SAVE or DEBUG RELOAD meanwhile, which writes the dataset itself, leaves no temp incr file behind.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type StartOptions } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import type { AofPersistence } from '../../src/persistence/index.js';
import { ShortWriteError } from '../../src/persistence/fileio.js';
import { FaultyIO, waitFor } from '../helpers/aof.js';

/** An embedded server in a new directory (`config` added to it), and a client. */
async function open(t: ExecutionContext, config: Record<string, string>, more: Partial<StartOptions> = {}): Promise<{ dir: string; s: RunningServer; c: RawClient }> {
  const dir = mkdtempSync(join(tmpdir(), 'ks-aofstart-lib-'));
  const s = await startServer({ port: 0, config: { dir, ...config }, ...more });
  t.teardown(() => s.close().catch(() => {}));
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  return { dir, s, c };
}

test('SHUTDOWN of an embedded server while its first base is written is refused, as redis-server 7.0.15; SHUTDOWN FORCE closes it', async (t) => {
  const lines: string[] = [];
  const { s, c } = await open(t, { 'enable-debug-command': 'yes', loglevel: 'notice' }, { log: (_l, m) => void lines.push(m) });
  t.is(await c.call('DEBUG', 'POPULATE', '300000', 'key', '200'), '+OK\r\n');
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  const p = s.server.persistence as AofPersistence;
  t.true(p.starting, 'the base is still being written');
  t.is(await c.call('SHUTDOWN'), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
  t.true(lines.includes("Writing initial AOF, can't exit."));
  t.is(await c.call('PING'), '+PONG\r\n', 'still serving');
  // FORCE: closed, as Redis exits ("Writing initial AOF. Exit anyway.").
  t.is(await c.call('SHUTDOWN', 'FORCE').catch(() => 'closed'), 'closed');
  t.true(lines.includes('Writing initial AOF. Exit anyway.'));
});

test('SHUTDOWN while the first base backs off after failures (no rewrite running) is not refused, as redis-server 7.0.15 (prepareForShutdown refuses only while the rewrite child runs)', async (t) => {
  // Before: refused for as long as the file was starting, so for up to an hour of back-off.
  const io = new FaultyIO();
  const lines: string[] = [];
  const { s, c } = await open(t, { loglevel: 'notice' }, { fileIO: io, log: (_l, m) => void lines.push(m) });
  t.is(await c.call('SET', 'a', '1'), '+OK\r\n');
  io.failFsync = 'EIO';
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  const p = s.server.persistence as AofPersistence;
  await waitFor(() => lines.filter((l) => l.startsWith('Background AOF rewrite failed')).length >= 3 && !p.rewriting, 15_000, 'three failed bases, then the back-off');
  io.failFsync = null;
  t.true(p.starting, 'the file is still to start');
  t.is(await c.call('SHUTDOWN').catch(() => 'closed'), 'closed');
  t.false(lines.includes("Writing initial AOF, can't exit."));
});

test('a failed first base is tried again by the cron, as Redis (serverCron), not in the next event-loop turn', async (t) => {
  // Before: retried at once, so three failures reached the back-off within a few ms. Judged by
  // the time between failures (a slower machine only lengthens it), not by what the next turn
  // sees: under load the cron's timer can come due before that turn.
  const io = new FaultyIO();
  const failedAt: number[] = [];
  const log = (_l: string, m: string): void => {
    if (!m.startsWith('Background AOF rewrite failed')) return;
    failedAt.push(performance.now());
    // The disk recovers after the second failure, before a third would start the back-off.
    if (failedAt.length === 2) io.failFsync = null;
  };
  const { s, c } = await open(t, { loglevel: 'notice', hz: '10' }, { fileIO: io, log });
  t.is(await c.call('SET', 'a', '1'), '+OK\r\n');
  io.failFsync = 'EIO';
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  const p = s.server.persistence as AofPersistence;
  await waitFor(() => failedAt.length >= 2, 15_000, 'two failed bases');
  // hz 10: a cron every 100 ms; the failing job itself takes a few ms.
  const gap = failedAt[1] - failedAt[0];
  t.true(gap >= 60, `the next attempt ${gap.toFixed(1)} ms after a failure`);
  t.true(p.starting, 'still to start: the cron tries again');
  await waitFor(() => !p.starting, 10_000, 'the base written once the disk recovers');
});

test('appendfsync always: a failed directory fsync after the first base\'s incr rename still starts the file; writes are refused (MISCONF) until an fsync of the directory succeeds, then nothing is lost', async (t) => {
  // Before: the whole start failed and was retried (backing off after three), its writes going
  // meanwhile to a new temp incr file that no manifest names.
  const io = new FaultyIO();
  const { dir, s, c } = await open(t, { appendfsync: 'always' }, { fileIO: io });
  t.is(await c.call('SET', 'a', '1'), '+OK\r\n');
  io.failFsyncDir = 'EIO';
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  const p = s.server.persistence as AofPersistence;
  await waitFor(() => !p.starting, 15_000, 'the file to start');
  t.false(p.rewriting);
  t.regex(await c.call('SET', 'b', '2'), /^-MISCONF Errors writing to the AOF file: Input\/output error/);
  io.failFsyncDir = null;
  await waitFor(async () => (await c.call('SET', 'b', '2')) === '+OK\r\n', 15_000, 'a directory fsync that succeeds');
  t.deepEqual(readdirSync(join(dir, 'appendonlydir')).sort(), ['appendonly.aof.1.base.aof', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
  await s.close();
  const again = await startServer({ port: 0, config: { dir, appendonly: 'yes' } });
  t.teardown(() => again.close().catch(() => {}));
  const c2 = await RawClient.connect(again.port);
  t.teardown(() => c2.close());
  t.deepEqual(await c2.pipeline([['GET', 'a'], ['GET', 'b']]), ['$1\r\n1\r\n', '$1\r\n2\r\n']);
});

for (const cmd of [['SAVE'], ['DEBUG', 'RELOAD']]) {
  test(`${cmd.join(' ')} while the first base is written leaves no temp-appendonly.aof.incr behind; the files hold the dataset`, async (t) => {
    const { dir, s, c } = await open(t, { 'enable-debug-command': 'yes' });
    t.is(await c.call('DEBUG', 'POPULATE', '300000', 'key', '200'), '+OK\r\n');
    t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
    const p = s.server.persistence as AofPersistence;
    t.true(p.starting);
    t.is(await c.call(...cmd), '+OK\r\n');
    t.false(p.starting, 'the dataset is in the files');
    t.is(await c.call('SET', 'after', '1'), '+OK\r\n');
    await p.waitRewrite();
    // The aborted rewrite settles in a later turn.
    await new Promise((r) => setTimeout(r, 300));
    t.deepEqual(readdirSync(join(dir, 'appendonlydir')).filter((f) => f.startsWith('temp-')), []);
    await s.close();
    const again = await startServer({ port: 0, config: { dir, appendonly: 'yes' } });
    t.teardown(() => again.close().catch(() => {}));
    t.is(again.server.keyspace.keyCount, 300001);
  });
}

/** Synchronous writes (the AOF writer's flush) fail while `syncFail` is set; the rewrite's asynchronous ones do not. */
class SyncWriteFaults extends FaultyIO {
  syncFail = false;
  override write(fd: number, buf: Buffer): void {
    if (this.syncFail) throw new ShortWriteError(0, 'ENOSPC');
    super.write(fd, buf);
  }
}

test('a write the file could not take when the first base is retried is not in the file twice (base and incr)', async (t) => {
  const io = new SyncWriteFaults();
  const { dir, s, c } = await open(t, { 'enable-debug-command': 'yes', appendfsync: 'no' }, { fileIO: io });
  t.is(await c.call('APPEND', 'l', 'a'), ':1\r\n');
  // The first base fails (its fsync), is tried again at each cron, and after 3 failures backs off (a
  // minute, as Redis's aofRewriteLimited): no retry starts on its own during the test.
  io.failFsync = 'EIO';
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  const p = s.server.persistence as AofPersistence;
  await waitFor(() => s.server.stats.aofrwConsecutiveFailures >= 3 && !p.rewriting, 15_000, 'the retries to back off');
  io.failFsync = null;
  // The disk is full: the next write stays in the writer's buffer (acknowledged, appendfsync no).
  io.syncFail = true;
  t.is(await c.call('APPEND', 'l', 'b'), ':2\r\n');
  // A rewrite started now would take that buffer into its new incr file, after T0 (before: it
  // did, and after a restart l was "abb"): not started while the old file cannot take it.
  t.is(await c.call('BGREWRITEAOF'), "-ERR Can't execute an AOF background rewriting. Please check the server logs for more information.\r\n");
  io.syncFail = false;
  await waitFor(() => p.writeError() === null, 15_000, 'the buffered write to be written');
  t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  await waitFor(() => !p.starting, 10_000, 'the first base to be written');
  t.is(await c.call('GET', 'l'), '$2\r\nab\r\n');
  await s.close();
  const again = await startServer({ port: 0, config: { dir, appendonly: 'yes' } });
  t.teardown(() => again.close().catch(() => {}));
  const c2 = await RawClient.connect(again.port);
  t.teardown(() => c2.close());
  t.is(await c2.call('GET', 'l'), '$2\r\nab\r\n', 'b once: in the base, not replayed from the incr file');
});

/** Runs `beforeDirSync` (once) before the next asynchronous directory fsync of the manifest: a command in that window. */
class DirSyncHook extends FaultyIO {
  beforeDirSync: (() => void) | null = null;
  override fsyncDirAsync(path: string, cb: (err: Error | null) => void): void {
    const hook = this.beforeDirSync;
    if (hook === null || !path.endsWith('.manifest')) return super.fsyncDirAsync(path, cb);
    this.beforeDirSync = null;
    setImmediate(() => {
      hook();
      super.fsyncDirAsync(path, cb);
    });
  }
}

test('SAVE while the first manifest of CONFIG SET appendonly yes is being made durable leaves no base file that no manifest names', async (t) => {
  const io = new DirSyncHook();
  const { dir, s, c } = await open(t, { 'enable-debug-command': 'yes' }, { fileIO: io });
  t.is(await c.call('DEBUG', 'POPULATE', '1000'), '+OK\r\n');
  let saved: string | null | undefined;
  io.beforeDirSync = () => void (saved = (s.server.persistence as AofPersistence).save());
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  const p = s.server.persistence as AofPersistence;
  await waitFor(() => saved !== undefined, 15_000, 'the SAVE');
  t.is(saved, null);
  await p.waitRewrite();
  await new Promise((r) => setTimeout(r, 300));
  const m = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
  const unnamed = readdirSync(join(dir, 'appendonlydir')).filter((f) => f !== 'appendonly.aof.manifest' && !m.includes(`file ${f} `));
  t.deepEqual(unnamed, [], `manifest:\n${m}`);
  await s.close();
  const again = await startServer({ port: 0, config: { dir, appendonly: 'yes' } });
  t.teardown(() => again.close().catch(() => {}));
  t.is(again.server.keyspace.keyCount, 1000);
});
