// CONFIG SET appendonly no/yes (and BGREWRITEAOF with the file off) while the rewrite it stopped
// is still saving its manifest. The stopped rewrite deleted the files it made that no manifest
// names when its save gave up; the rewrite started right after, from the same manifest, had taken
// the same names (the next base and incr numbers). So that cleanup deleted the new rewrite's base
// after its rename, the manifest then named a missing base, and the directory no longer loaded,
// with no crash at all (first seen by a kill -9 hunt: a restart refused with `Unable to obtain
// the AOF file appendonly.aof.N.base.aof length`). Now they go at the stop (InitialRewrite.abort).
// The window is widened here by a slow fsync of the stopped rewrite's manifest; then every file
// the manifest names must exist, and a new server on the directory must load every acknowledged
// write.

import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startServer, type RunningServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { aofBytes, FaultyIO, waitFor } from '../helpers/aof.js';

/** The base and incr files `manifest` names that do not exist (history files may be gone already). */
function missing(manifest: string): string[] {
  if (!existsSync(manifest)) return [];
  const named = readFileSync(manifest, 'latin1').trim().split('\n').filter((l) => !l.endsWith(' type h'));
  return named.map((l) => l.split(' ')[1]).filter((f) => !existsSync(join(dirname(manifest), f)));
}

/**
 * Delays the fsync of the next asynchronous manifest save by `slowMs`, once armed; at every
 * directory fsync (after each rename), notes the files the manifest on disk names that are missing:
 * a kill -9 at that instant would leave a directory that does not load.
 */
class SlowManifestIO extends FaultyIO {
  private readonly manifestFds = new Set<number>();
  slowMs = 0;
  readonly missingAtSync: string[] = [];

  private check(path: string): void {
    for (const f of missing(join(dirname(path), 'appendonly.aof.manifest'))) this.missingAtSync.push(f);
  }

  override fsyncDir(path: string): void {
    this.check(path);
    super.fsyncDir(path);
  }

  override fsyncDirAsync(path: string, cb: (err: Error | null) => void): void {
    this.check(path);
    super.fsyncDirAsync(path, cb);
  }

  override openWrite(path: string): number {
    const fd = super.openWrite(path);
    if (path.endsWith('.async.manifest')) this.manifestFds.add(fd);
    else this.manifestFds.delete(fd);
    return fd;
  }

  override fsyncAsync(fd: number, cb: (err: Error | null) => void): void {
    const ms = this.manifestFds.has(fd) ? this.slowMs : 0;
    if (ms === 0) return super.fsyncAsync(fd, cb);
    this.slowMs = 0;
    setTimeout(() => super.fsyncAsync(fd, cb), ms);
  }
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ks-toggle-'));

async function open(t: ExecutionContext, dir: string, io: FaultyIO, appendonly: string): Promise<{ s: RunningServer; c: RawClient }> {
  const s = await startServer({ port: 0, config: { appendonly, dir, appendfsync: 'always', loglevel: 'nothing' }, fileIO: io });
  t.teardown(() => s.close().catch(() => {}));
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  return { s, c };
}

/**
 * Every file the manifest names exists, and did at every directory fsync; a new server on `dir`
 * holds `keys` (the old one closed first).
 */
async function checkDir(t: ExecutionContext, s: RunningServer, c: RawClient, io: SlowManifestIO, dir: string, keys: number): Promise<void> {
  await waitFor(async () => /aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n/.test(await c.call('INFO', 'persistence')), 10_000, 'the rewrites');
  await new Promise((r) => setTimeout(r, 400)); // the stopped one's slow save gives up, its cleanup runs
  t.deepEqual(missing(join(dir, 'appendonlydir', 'appendonly.aof.manifest')), []);
  t.deepEqual(io.missingAtSync, []);
  c.close();
  await s.close();
  const again = await startServer({ port: 0, config: { appendonly: 'yes', dir, loglevel: 'nothing' } });
  t.teardown(() => again.close().catch(() => {}));
  const d = await RawClient.connect(again.port);
  t.teardown(() => d.close());
  t.is(await d.call('DBSIZE'), `:${keys}\r\n`);
  t.is(await d.call('GET', 'after'), '$1\r\n1\r\n');
}

test('appendonly no then yes while the stopped first base is saving its manifest: the new base is kept, the directory loads', async (t) => {
  const dir = tmp();
  const io = new SlowManifestIO();
  const { s, c } = await open(t, dir, io, 'yes');
  for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
  const saves = io.manifestSaves;
  io.slowMs = 300;
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  await waitFor(() => io.manifestSaves > saves, 5000, 'the first base saving its manifest');
  t.deepEqual(await c.pipeline([['CONFIG', 'SET', 'appendonly', 'no'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'after', '1']]), ['+OK\r\n', '+OK\r\n', '+OK\r\n']);
  await checkDir(t, s, c, io, dir, 51);
});

test('BGREWRITEAOF with appendonly no, stopped by appendonly yes while it saves its manifest: the first base is kept, the directory loads', async (t) => {
  const dir = tmp();
  const io = new SlowManifestIO();
  const { s, c } = await open(t, dir, io, 'yes');
  for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
  await c.call('SET', 'k50', 'v'); // in no file until a base holds it
  const saves = io.manifestSaves;
  io.slowMs = 300;
  t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  await waitFor(() => io.manifestSaves > saves, 5000, 'the rewrite saving its manifest');
  t.deepEqual(await c.pipeline([['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'after', '1']]), ['+OK\r\n', '+OK\r\n']);
  await checkDir(t, s, c, io, dir, 52);
});

test('BGREWRITEAOF with appendonly no right after a stopped first base, still saving its manifest: its base is kept, the directory loads', async (t) => {
  const dir = tmp();
  const io = new SlowManifestIO();
  const { s, c } = await open(t, dir, io, 'no');
  for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
  const saves = io.manifestSaves;
  io.slowMs = 300;
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  await waitFor(() => io.manifestSaves > saves, 5000, 'the first base saving its manifest');
  t.deepEqual(await c.pipeline([['CONFIG', 'SET', 'appendonly', 'no'], ['SET', 'after', '1'], ['BGREWRITEAOF']]), [
    '+OK\r\n', '+OK\r\n', '+Background append only file rewriting started\r\n',
  ]);
  await checkDir(t, s, c, io, dir, 51);
});

test('appendonly no then yes while a BGREWRITEAOF is saving the manifest that names its new incr file: the new first base keeps its incr file', async (t) => {
  // The stopped rewrite's incr file and the new first base's have the same name; the stopped one
  // deleted it when its save gave up, between the new manifest's rename and the rename of the
  // temp incr file into it: a kill -9 there left a manifest naming a missing incr file.
  const dir = tmp();
  const io = new SlowManifestIO();
  const { s, c } = await open(t, dir, io, 'yes');
  for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
  const saves = io.manifestSaves;
  io.slowMs = 300;
  t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  await waitFor(() => io.manifestSaves > saves, 5000, 'the rewrite saving the manifest naming its incr file');
  t.deepEqual(await c.pipeline([['CONFIG', 'SET', 'appendonly', 'no'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'after', '1']]), ['+OK\r\n', '+OK\r\n', '+OK\r\n']);
  await checkDir(t, s, c, io, dir, 51);
});

/**
 * Delays (once) the fsync of the manifest naming base file `base`, and counts the renames onto
 * that name: a stopped BGREWRITEAOF's last manifest, still in flight, names a base that a later
 * rewrite, numbering from the manifest on disk, renames its own temp file onto.
 */
class SlowFinalManifestIO extends FaultyIO {
  private readonly slowFds = new Set<number>();
  renamesOnto = 0;
  slowStarted = false;

  constructor(private readonly base: string, private readonly ms: number) {
    super();
  }

  override writeAsync(fd: number, buf: Buffer, cb: (err: Error | null) => void): void {
    if (!this.slowStarted && buf.toString('latin1').includes(`file ${this.base} seq`)) this.slowFds.add(fd);
    super.writeAsync(fd, buf, cb);
  }

  override fsyncAsync(fd: number, cb: (err: Error | null) => void): void {
    if (!this.slowFds.delete(fd)) return super.fsyncAsync(fd, cb);
    this.slowStarted = true;
    setTimeout(() => super.fsyncAsync(fd, cb), this.ms);
  }

  override rename(from: string, to: string): void {
    if (to.endsWith(`/${this.base}`)) this.renamesOnto++;
    super.rename(from, to);
  }
}

test('appendonly no, yes, no while a stopped BGREWRITEAOF saves its last manifest: that manifest is dropped, the directory loads', async (t) => {
  // The stopped rewrite's last manifest named its new base 2 and was still renamed after the stop;
  // the first base started meanwhile, numbering from the manifest on disk, renamed its own base
  // onto the same name, and deleted it when stopped: the manifest landing next named a missing base.
  const dir = tmp();
  const io = new SlowFinalManifestIO('appendonly.aof.2.base.aof', 400);
  const { s, c } = await open(t, dir, io, 'yes');
  for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
  t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  await waitFor(() => io.slowStarted, 5000, 'the rewrite saving its last manifest');
  t.deepEqual(await c.pipeline([['CONFIG', 'SET', 'appendonly', 'no'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'after', '1']]), ['+OK\r\n', '+OK\r\n', '+OK\r\n']);
  await waitFor(() => io.renamesOnto === 2, 5000, 'the first base renamed onto the same name');
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
  await new Promise((r) => setTimeout(r, 600)); // the stopped rewrite's slow save ends
  t.deepEqual(missing(join(dir, 'appendonlydir', 'appendonly.aof.manifest')), []);
  c.close();
  await s.close();
  const again = await startServer({ port: 0, config: { appendonly: 'yes', dir, loglevel: 'nothing' } });
  t.teardown(() => again.close().catch(() => {}));
  const d = await RawClient.connect(again.port);
  t.teardown(() => d.close());
  // 'after' went to the temp incr file of a first base that never ended: in no file, as in Redis.
  t.is(await d.call('DBSIZE'), ':50\r\n');
});

test('appendonly no then yes while a BGREWRITEAOF writes its base: its temp file goes at the stop, not logged as left by a crash', async (t) => {
  // As Redis's killAppendOnlyChild (aofRemoveTempFile). Deleted when the stopped rewrite noticed,
  // it was still there when appendonly yes cleared the directory of stale temp files, which logged
  // it as an interrupted rewrite's.
  const dir = tmp();
  const io = new FaultyIO();
  const lines: string[] = [];
  const s = await startServer({ port: 0, config: { appendonly: 'yes', dir, loglevel: 'notice' }, fileIO: io, log: (_l, m) => void lines.push(m) });
  t.teardown(() => s.close().catch(() => {}));
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
  io.fsyncDelayMs = 300; // the temp file's fsync: the rewrite is still running at the stop
  t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  await waitFor(() => readdirSync(dir).some((f) => f.startsWith('temp-rewriteaof-bg-')), 5000, 'its temp file');
  t.deepEqual(await c.pipeline([['CONFIG', 'SET', 'appendonly', 'no'], ['CONFIG', 'SET', 'appendonly', 'yes']]), ['+OK\r\n', '+OK\r\n']);
  t.deepEqual(lines.filter((l) => l.includes('left by an interrupted AOF rewrite')), []);
});

/** Fails the next synchronous directory fsync once armed (the one after a synchronous manifest rename). */
class FailDirOnceIO extends FaultyIO {
  armed = false;

  override fsyncDir(path: string): void {
    if (this.armed) {
      this.armed = false;
      throw Object.assign(new Error('EIO'), { code: 'EIO' });
    }
    super.fsyncDir(path);
  }
}

for (const appendfsync of ['everysec', 'always']) {
  test(`DEBUG RELOAD whose directory fsync fails after its manifest's rename (${appendfsync}): later writes go to the files that manifest names`, async (t) => {
    // The rename had put the new base and incr file in place, but the failed fsync after it left the
    // server on the old manifest: writes went on to the old incr file, which no manifest named any
    // more, so a restart lost every write acknowledged after the DEBUG RELOAD (found by the seeded
    // checker, test/helpers/race-check.ts). Redis's rdbSave fails the same way after its rename.
    const dir = tmp();
    const io = new FailDirOnceIO();
    const s = await startServer({ port: 0, config: { appendonly: 'yes', dir, appendfsync, loglevel: 'nothing', 'enable-debug-command': 'yes' }, fileIO: io });
    t.teardown(() => s.close().catch(() => {}));
    const c = await RawClient.connect(s.port);
    t.teardown(() => c.close());
    for (let i = 0; i < 10; i++) await c.call('SET', `k${i}`, 'v');
    io.armed = true;
    t.is(await c.call('DEBUG', 'RELOAD'), '-ERR Error trying to rewrite the AOF: EIO\r\n');
    // Under `always` the rename may not be durable: refused until a retried directory fsync succeeds.
    await waitFor(async () => (await c.call('SET', 'after', '1')) === '+OK\r\n', 5000, 'SET after acknowledged');
    t.is(await c.call('INCR', 'n'), ':1\r\n');
    t.deepEqual(missing(join(dir, 'appendonlydir', 'appendonly.aof.manifest')), []);
    c.close();
    await s.close();
    const again = await startServer({ port: 0, config: { appendonly: 'yes', dir, loglevel: 'nothing' } });
    t.teardown(() => again.close().catch(() => {}));
    const d = await RawClient.connect(again.port);
    t.teardown(() => d.close());
    t.deepEqual(await d.pipeline([['DBSIZE'], ['GET', 'after'], ['GET', 'n']]), [':12\r\n', '$1\r\n1\r\n', '$1\r\n1\r\n']);
  });
}

/** Records every file operation that changes the directory or a file, and when. */
class OpLogIO extends FaultyIO {
  readonly ops: { what: string; at: number }[] = [];

  private note(what: string): void {
    this.ops.push({ what, at: Date.now() });
  }

  override fsync(fd: number): void {
    this.note('fsync');
    super.fsync(fd);
  }

  override fsyncAsync(fd: number, cb: (err: Error | null) => void): void {
    this.note('fsyncAsync');
    super.fsyncAsync(fd, cb);
  }

  override close(fd: number): void {
    this.note('close');
    super.close(fd);
  }

  override closeAsync(fd: number, cb: (err: Error | null) => void): void {
    this.note('closeAsync');
    super.closeAsync(fd, cb);
  }

  override unlink(path: string): void {
    this.note(`unlink ${path.slice(path.lastIndexOf('/') + 1)}`);
    super.unlink(path);
  }

  override unlinkAsync(path: string, cb: (err: Error | null) => void): void {
    this.note(`unlinkAsync ${path.slice(path.lastIndexOf('/') + 1)}`);
    super.unlinkAsync(path, cb);
  }
}

test('close() right after CONFIG SET appendonly no stopped a rewrite: the file that command closed is closed first, nothing touches the directory after', async (t) => {
  // The close of the file CONFIG SET appendonly no turned off runs on after the command (its
  // rewrite settling, then its last fsync and close); the library's close() did not wait for it,
  // so it gave the directory back with that close still to write, fsync and delete there: a server
  // started next on the directory loaded it without the bytes still to come, and raced the old
  // one's deletions (found by the seeded checker, test/helpers/race-check.ts).
  const dir = tmp();
  const io = new OpLogIO();
  const { s, c } = await open(t, dir, io, 'yes');
  for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
  io.fsyncDelayMs = 300; // the rewrite's fsyncs: still running at the stop
  t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  await waitFor(() => readdirSync(dir).some((f) => f.startsWith('temp-rewriteaof-bg-')), 5000, 'its temp file');
  t.deepEqual(await c.pipeline([['SET', 'last', '1'], ['CONFIG', 'SET', 'appendonly', 'no']]), ['+OK\r\n', '+OK\r\n']);
  c.close();
  await s.close();
  const closed = Date.now();
  await new Promise((r) => setTimeout(r, 700)); // longer than the slow fsync
  t.deepEqual(io.ops.filter((o) => o.at > closed).map((o) => o.what), []);
  const again = await startServer({ port: 0, config: { appendonly: 'yes', dir, loglevel: 'nothing' } });
  t.teardown(() => again.close().catch(() => {}));
  const d = await RawClient.connect(again.port);
  t.teardown(() => d.close());
  t.deepEqual(await d.pipeline([['DBSIZE'], ['GET', 'last']]), [':51\r\n', '$1\r\n1\r\n']);
});

/** Delays (once armed) the next asynchronous directory fsync, and says when that delay began. */
class SlowDirIO extends FaultyIO {
  slowMs = 0;
  slowStarted = false;

  override fsyncDirAsync(path: string, cb: (err: Error | null) => void): void {
    const ms = this.slowMs;
    if (ms === 0) return super.fsyncDirAsync(path, cb);
    this.slowMs = 0;
    this.slowStarted = true;
    setTimeout(() => super.fsyncDirAsync(path, cb), ms);
  }
}

test('DEBUG LOADAOF while the first base fsyncs the directory after its manifest: its temp incr file is not renamed into that manifest', async (t) => {
  // The manifest naming the new base and an empty incr file was in place, the temp incr file not
  // yet renamed onto that incr file; DEBUG LOADAOF loaded the dataset of T0 (dropping the writes
  // since from memory) and stopped the start, which still renamed the temp file afterwards: the
  // directory then held writes memory did not (replayed by a restart on a base that never held
  // them, counters counted twice), and the writes made on the reloaded dataset after them (found
  // by the seeded checker, test/helpers/race-check.ts).
  const dir = tmp();
  const io = new SlowDirIO();
  const s = await startServer({ port: 0, config: { appendonly: 'yes', dir, loglevel: 'nothing', 'enable-debug-command': 'yes' }, fileIO: io });
  t.teardown(() => s.close().catch(() => {}));
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v');
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
  await new Promise((r) => setTimeout(r, 100)); // its close settles
  io.slowMs = 400;
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  t.is(await c.call('INCR', 'dropped'), ':1\r\n'); // in the temp incr file
  await waitFor(() => io.slowStarted, 5000, 'the first base fsyncing the directory after its manifest');
  t.deepEqual(await c.pipeline([['DEBUG', 'LOADAOF'], ['GET', 'dropped'], ['INCR', 'after'], ['CONFIG', 'SET', 'appendonly', 'no']]), [
    '+OK\r\n', '$-1\r\n', ':1\r\n', '+OK\r\n',
  ]);
  c.close();
  await s.close();
  t.deepEqual(missing(join(dir, 'appendonlydir', 'appendonly.aof.manifest')), []);
  const again = await startServer({ port: 0, config: { appendonly: 'yes', dir, loglevel: 'nothing' } });
  t.teardown(() => again.close().catch(() => {}));
  const d = await RawClient.connect(again.port);
  t.teardown(() => d.close());
  // The dataset of T0, as DEBUG LOADAOF loaded it ('after' went to a temp incr file of a start that
  // never ended: in no file, as in Redis).
  t.deepEqual(await d.pipeline([['DBSIZE'], ['GET', 'dropped']]), [':50\r\n', '$-1\r\n']);
});

test('CONFIG SET appendonly no under always while the turn\'s writes cannot be written: refused, their replies held until they are durable', async (t) => {
  // The file was turned off in the turn whose write had failed: the turn's replies, held under
  // `always` until their bytes are durable, were sent (the file being gone), and a DEBUG LOADAOF
  // right after loaded the files without them, so an acknowledged write (a FLUSHALL, an APPEND)
  // vanished from memory too (found by the seeded checker, test/helpers/race-check.ts).
  const dir = tmp();
  const io = new FaultyIO();
  const s = await startServer({ port: 0, config: { appendonly: 'yes', dir, appendfsync: 'always', loglevel: 'nothing', 'enable-debug-command': 'yes' }, fileIO: io });
  t.teardown(() => s.close().catch(() => {}));
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  t.is(await c.call('SET', 'k', 'v1'), '+OK\r\n');
  io.failWrites = 'EIO';
  c.write(aofBytes(['SET', 'k', 'v2'], ['CONFIG', 'SET', 'appendonly', 'no']));
  await new Promise((r) => setTimeout(r, 300));
  t.is(c.pending(), ''); // nothing acknowledged while the bytes are not in the file
  io.failWrites = null;
  t.is(await c.read(), '+OK\r\n');
  t.regex(await c.read(), /^-ERR CONFIG SET failed \(possibly related to argument 'appendonly'\) - Unable to turn off AOF/);
  t.deepEqual(await c.pipeline([['CONFIG', 'GET', 'appendonly'], ['DEBUG', 'LOADAOF'], ['GET', 'k']]), [
    '*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n', '+OK\r\n', '$2\r\nv2\r\n',
  ]);
});
