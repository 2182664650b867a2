// AofWriter: the exact bytes (SELECT on database change), one write per flush (group commit), the
// fsync policies, write errors (MISCONF, retry, recovery logged once, partial writes cut off) and
// switching to a new incr file when a rewrite starts.

import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AofWriter, type FsyncPolicy } from '../../src/persistence/aof.js';
import { aofBytes, FaultyIO } from '../helpers/aof.js';

/** Waits (polling) until `cond` holds; a thread-pool fsync can take long on a loaded machine. */
/** Waits for `cond`; long, as it only tells a hang from a slow fsync on a loaded machine's thread pool. */
async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

function setup(policy: FsyncPolicy = 'everysec') {
  const path = join(mkdtempSync(join(tmpdir(), 'ks-writer-')), 'appendonly.aof');
  const io = new FaultyIO();
  const logs: string[] = [];
  const log = { notice: (m: string) => logs.push(m), warning: (m: string) => logs.push(m) };
  const w = new AofWriter(io.openAppend(path), path, policy, io, log);
  return { path, io, logs, w };
}

test('effects are encoded as Redis logs them, with SELECT only when the database changes', (t) => {
  const { path, w } = setup();
  w.append(0, ['SET', 'a', '1']);
  w.append(0, ['INCR', 'a']);
  w.append(3, ['SET', 'b', 'x\r\ny']);
  w.append(0, ['DEL', 'a']);
  t.true(w.flush());
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['SET', 'a', '1'], ['INCR', 'a'], ['SELECT', '3'], ['SET', 'b', 'x\r\ny'], ['SELECT', '0'], ['DEL', 'a']));
  t.is(w.size, readFileSync(path).length);
});

test('a command that logs more than one effect is one MULTI/EXEC block, after the SELECT it needs', (t) => {
  const { path, w } = setup();
  w.append(3, ['SET', 'x', '1']); // outside a command (active expiry, eviction): never wrapped
  w.append(3, ['DEL', 'y']);
  w.beginUnit(); // one effect: as it is
  w.append(3, ['DEL', 'z']);
  w.endUnit();
  w.beginUnit(); // a key expired on the way, then the command's own effect, in another database
  w.append(0, ['DEL', 'k']);
  w.append(0, ['SET', 'k', '2']);
  w.endUnit();
  w.beginUnit(); // nothing logged
  w.endUnit();
  w.beginUnit(); // a second database inside the block gets its SELECT there
  w.append(0, ['DEL', 'a']);
  w.append(5, ['DEL', 'b']);
  w.endUnit();
  w.append(5, ['DEL', 'c']);
  t.true(w.flush());
  t.deepEqual(readFileSync(path), aofBytes(
    ['SELECT', '3'], ['SET', 'x', '1'], ['DEL', 'y'], ['DEL', 'z'],
    ['SELECT', '0'], ['MULTI'], ['DEL', 'k'], ['SET', 'k', '2'], ['EXEC'],
    ['MULTI'], ['DEL', 'a'], ['SELECT', '5'], ['DEL', 'b'], ['EXEC'], ['DEL', 'c'],
  ));
});

test('aof-timestamp-enabled: #TS before the first effect of each second, never inside a MULTI/EXEC block', (t) => {
  const { path, w } = setup();
  w.timestamps = true;
  let now = 1_000_000_999;
  w.wallClock = () => now;
  w.append(0, ['SET', 'a', '1']);
  w.append(0, ['SET', 'b', '1']); // same second: no line
  w.beginUnit();
  w.append(0, ['DEL', 'x']);
  now = 1_000_001_000; // the second turns inside the command
  w.append(0, ['SET', 'c', '1']);
  w.endUnit();
  w.append(0, ['SET', 'd', '1']); // the next command gets the new second's line
  t.true(w.flush());
  const ts = (sec: number): Buffer => Buffer.from(`#TS:${sec}\r\n`);
  t.deepEqual(readFileSync(path), Buffer.concat([
    ts(1_000_000), aofBytes(['SELECT', '0'], ['SET', 'a', '1'], ['SET', 'b', '1'], ['MULTI'], ['DEL', 'x'], ['SET', 'c', '1'], ['EXEC']),
    ts(1_000_001), aofBytes(['SET', 'd', '1']),
  ]));
});

test('a block whose first effects were written or moved before it ended is left unwrapped', (t) => {
  // Handlers never flush mid-command; should that change, half a block must not get an EXEC
  // without its MULTI (or a MULTI in the wrong place): the block is left as plain commands.
  const { path, w } = setup();
  w.beginUnit();
  w.append(0, ['DEL', 'k']);
  t.true(w.flush());
  w.append(0, ['SET', 'k', '2']);
  w.endUnit();
  t.true(w.flush());
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['DEL', 'k'], ['SET', 'k', '2']));
});

test('pending bytes past earlyWriteAt are written before the command ends: its block opened with MULTI there, closed by EXEC', (t) => {
  // An EXEC of nine 500 MB SETs grew one buffer past Node's 4 GB limit: the ninth SET threw after
  // changing the dataset, and no byte of the turn could be written (a write takes at most 2 GB).
  for (const policy of ['always', 'everysec'] as const) {
    const { path, io, w } = setup(policy);
    w.earlyWriteAt = 64;
    const big = 'x'.repeat(100);
    // As AofPersistence.append: append(), then appended() (the early write's test).
    const add = (args: string[]): void => {
      w.append(0, args);
      w.appended();
    };
    w.beginUnit();
    add(['SET', 'a', big]);
    t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['MULTI'], ['SET', 'a', big]), `${policy}: written at once, MULTI first`);
    t.is(io.fsyncs, policy === 'always' ? 1 : 0);
    add(['SET', 'b', '1']);
    add(['SET', 'c', big]); // a second early write inside the same block: no second MULTI
    add(['SET', 'd', '1']);
    w.endUnit();
    w.beginUnit(); // the next command: wrapped only if it has more than one effect, as before
    add(['DEL', 'e']);
    w.endUnit();
    t.true(w.flush());
    t.deepEqual(readFileSync(path), aofBytes(
      ['SELECT', '0'], ['MULTI'], ['SET', 'a', big], ['SET', 'b', '1'], ['SET', 'c', big], ['SET', 'd', '1'], ['EXEC'], ['DEL', 'e'],
    ), policy);
    t.is(w.size, readFileSync(path).length);
  }
  // One big effect alone in its command: MULTI, it, EXEC (loaded the same).
  const { path, w } = setup();
  w.earlyWriteAt = 64;
  w.beginUnit();
  w.append(0, ['SET', 'a', 'y'.repeat(100)]);
  w.appended();
  w.endUnit();
  t.true(w.flush());
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['MULTI'], ['SET', 'a', 'y'.repeat(100)], ['EXEC']));
});

test('an evicted key\'s DEL (appendAlone) that takes the pending bytes past earlyWriteAt opens the running command\'s block too', (t) => {
  // The early write ran inside appendAlone, which hides the unit (ops -1): the command's first
  // effects were written bare, and a crash before its end left half of it applied on load.
  const { path, w } = setup();
  w.earlyWriteAt = 100; // SELECT and SET a: 70 bytes; the DEL: 120
  const v = 'v'.repeat(20);
  const k = 'k'.repeat(30);
  w.beginUnit();
  w.append(0, ['SET', 'a', v]);
  w.appended();
  w.appendAlone(0, ['DEL', k]);
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['MULTI'], ['SET', 'a', v], ['DEL', k]), 'written early, in the block');
  w.append(0, ['SET', 'b', '1']);
  w.endUnit();
  t.true(w.flush());
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['MULTI'], ['SET', 'a', v], ['DEL', k], ['SET', 'b', '1'], ['EXEC']));
});

/** The largest buffer the pending bytes were kept in (the storage appended to). */
const pendingStorage = (w: AofWriter): number => (w as unknown as { pending: { len: number } }).pending.len;

test('early writes that fail: the bytes leave the buffer appended to, one piece per failed write, and are written in order once writes succeed', (t) => {
  // With a failing disk each later append retried the write with every byte kept, and the one
  // buffer grew until Node refused it (4 GB): an internal error in a command that had changed the
  // dataset. earlyWriteAt stands for 256 MB here.
  for (const policy of ['always', 'everysec'] as const) {
    const { path, io, w } = setup(policy);
    w.earlyWriteAt = 64;
    const add = (args: string[]): void => {
      w.append(0, args);
      w.appended();
    };
    const sets = Array.from({ length: 30 }, (_, i) => ['SET', `k${i}`, 'v'.repeat(i % 3 === 0 ? 70 : 5)]);
    w.beginUnit();
    add(['SET', 'a', '1']);
    io.failWrites = 'ENOSPC';
    let most = 0;
    for (const args of sets) {
      add(args);
      most = Math.max(most, pendingStorage(w));
    }
    t.true(most < 64 + 100, `${policy}: the buffer stays under earlyWriteAt and one effect (${most} bytes)`);
    t.true(io.largestWrite < 64 + 200, `${policy}: each attempt writes one piece (${io.largestWrite} bytes)`);
    t.is(readFileSync(path).length, 0);
    w.endUnit();
    const all = aofBytes(['SELECT', '0'], ['MULTI'], ['SET', 'a', '1'], ...sets, ['EXEC']);
    t.is(w.pendingBytes, all.length, 'every byte kept (INFO aof_buffer_length)');
    t.false(w.flush());
    t.is(w.writeError(), 'MISCONF Errors writing to the AOF file: No space left on device');
    io.failWrites = null;
    t.true(w.flush());
    t.deepEqual(readFileSync(path), all, policy);
    t.is(w.size, all.length);
    t.is(w.pendingBytes, 0);
    t.is(w.writeError(), null);
  }
});

test('early writes that fail in part and cannot be cut off: the pieces are written on from where the file ends, once', (t) => {
  const { path, io, w } = setup('everysec');
  w.earlyWriteAt = 64;
  io.failWrites = 'EIO';
  io.partialBytes = 50; // more than some pieces hold, less than others
  io.failTruncate = true;
  const sets = Array.from({ length: 12 }, (_, i) => ['SET', `k${i}`, 'x'.repeat(i % 2 === 0 ? 60 : 3)]);
  w.beginUnit();
  for (const args of sets) {
    w.append(1, args);
    w.appended();
  }
  w.endUnit();
  t.false(w.flush());
  t.false(w.flush());
  io.failWrites = null;
  t.true(w.flush());
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '1'], ['MULTI'], ...sets, ['EXEC']));
  t.is(w.size, readFileSync(path).length);
});

test('dropUnit of a block written early whose bytes cannot be cut off the file: the reason returned, the block goes on and is closed by its EXEC', (t) => {
  // The block was left in the file without its EXEC (only logged): a load with aof-load-truncated
  // no refused it, redis-check-aof called it truncated.
  for (const policy of ['always', 'everysec'] as const) {
    const { path, io, logs, w } = setup(policy);
    w.earlyWriteAt = 64;
    const big = 'b'.repeat(100);
    w.beginUnit();
    w.append(0, ['SET', 'a', big]);
    w.appended();
    w.append(0, ['SET', 'b', '1']);
    io.failTruncate = true;
    t.regex(w.dropUnit() ?? '', /could not cut the running transaction off the AOF file: EIO/, policy);
    t.true(logs.some((l) => l.includes('could not cut the running transaction off the AOF file')));
    w.append(0, ['SET', 'c', '1']);
    w.endUnit();
    t.true(w.flush());
    t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['MULTI'], ['SET', 'a', big], ['SET', 'b', '1'], ['SET', 'c', '1'], ['EXEC']), policy);
    // With the cut working, nothing of the block is left (as before).
    io.failTruncate = false;
    w.beginUnit();
    w.append(0, ['SET', 'd', big]);
    w.appended();
    w.append(0, ['SET', 'e', '1']);
    t.is(w.dropUnit(), null);
    w.endUnit();
    t.true(w.flush());
    t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['MULTI'], ['SET', 'a', big], ['SET', 'b', '1'], ['SET', 'c', '1'], ['EXEC']), `${policy}: cut`);
  }
});

test('dropUnit of a block whose early writes failed: its kept pieces are dropped, what came before them is written', (t) => {
  const { path, io, w } = setup('everysec');
  w.earlyWriteAt = 64;
  w.append(0, ['SET', 'before', '1']);
  io.failWrites = 'ENOSPC';
  t.false(w.flush());
  w.beginUnit();
  for (let i = 0; i < 5; i++) {
    w.append(0, ['SET', `k${i}`, 'z'.repeat(80)]);
    w.appended();
  }
  t.is(w.dropUnit(), null);
  w.endUnit();
  io.failWrites = null;
  t.true(w.flush());
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['SET', 'before', '1']));
});

test('group commit: one write per flush whatever the number of effects; always adds one fsync', (t) => {
  for (const policy of ['always', 'everysec', 'no'] as const) {
    const { io, w } = setup(policy);
    for (let i = 0; i < 100; i++) w.append(0, ['INCR', 'c']);
    t.true(w.flush());
    t.is(io.writes, 1, policy);
    t.is(io.fsyncs, policy === 'always' ? 1 : 0, policy);
    t.true(w.flush(), 'an empty flush is a no-op');
    t.is(io.writes, 1);
  }
});

test('no-appendfsync-on-rewrite: no fsync while a rewrite runs (always answers after the write), the bytes fsynced once it ends', async (t) => {
  const { io, w } = setup('always');
  w.noFsyncOnRewrite = true;
  w.rewriting = true;
  w.append(0, ['SET', 'a', '1']);
  t.true(w.flush());
  t.is(io.writes, 1);
  t.is(io.fsyncs, 0, 'always: written, not fsynced');
  w.backgroundFsync(10_000);
  t.is(io.asyncFsyncs, 0, 'nor in the background while it runs');
  w.rewriting = false;
  w.backgroundFsync(10_000);
  t.is(io.asyncFsyncs, 1, 'after it, the cron fsyncs what it left unsynced (no write came)');
  while (w.fsyncPending) await new Promise((r) => setTimeout(r, 5));
  w.backgroundFsync(20_000);
  t.is(io.asyncFsyncs, 1, 'once');
  w.append(0, ['SET', 'a', '2']);
  t.true(w.flush());
  t.is(io.fsyncs, 1, 'always fsyncs each write again');
  w.rewriting = true;
  w.noFsyncOnRewrite = false;
  w.append(0, ['SET', 'a', '3']);
  t.true(w.flush());
  t.is(io.fsyncs, 2, 'without the option a rewrite changes nothing');
  w.noFsyncOnRewrite = true;
  w.append(0, ['SET', 'a', '4']);
  t.true(w.flush());
  t.is(io.fsyncs, 2);
  w.syncNow(); // SHUTDOWN, SAVE, CONFIG SET appendonly no during the rewrite
  t.is(io.fsyncs, 3, 'syncNow fsyncs what the rewrite left unsynced, under always too');

  const e = setup('everysec');
  e.w.noFsyncOnRewrite = true;
  e.w.rewriting = true;
  e.w.append(0, ['SET', 'a', '1']);
  e.w.flush();
  e.w.backgroundFsync(10_000);
  t.is(e.io.asyncFsyncs, 0, 'everysec: skipped while it runs');
  e.w.rewriting = false;
  e.w.backgroundFsync(10_000);
  t.is(e.io.asyncFsyncs, 1);
});

test('everysec fsyncs in the background at most once a second, only after writes', async (t) => {
  const { io, w } = setup('everysec');
  w.backgroundFsync(10_000);
  t.is(io.asyncFsyncs, 0, 'nothing written: no fsync');
  w.append(0, ['SET', 'a', '1']);
  w.flush();
  w.backgroundFsync(10_000);
  t.is(io.asyncFsyncs, 1);
  while (w.fsyncPending) await new Promise((r) => setTimeout(r, 5));
  w.append(0, ['SET', 'a', '2']);
  w.flush();
  w.backgroundFsync(10_500);
  t.is(io.asyncFsyncs, 1, 'not twice in a second');
  w.backgroundFsync(11_000);
  t.is(io.asyncFsyncs, 2);
});

test('a failed write: MISCONF with the reason, logged once, bytes kept and retried, recovery logged', (t) => {
  const { path, io, logs, w } = setup('everysec');
  w.append(0, ['SET', 'a', '1']);
  w.flush();
  io.failWrites = 'ENOSPC';
  w.append(0, ['SET', 'b', '2']);
  t.false(w.flush());
  t.is(w.writeError(), 'MISCONF Errors writing to the AOF file: No space left on device');
  t.false(w.flush());
  t.is(logs.filter((l) => l.includes('Error writing to the AOF file: No space left on device')).length, 1);
  io.failWrites = null;
  t.true(w.flush());
  t.is(w.writeError(), null);
  t.true(logs.includes('AOF write error looks solved, Redis can write again.'));
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['SET', 'a', '1'], ['SET', 'b', '2']));
});

test('a partial write is cut off, so the retry does not leave half a command in the file', (t) => {
  const { path, io, w } = setup('always');
  w.append(0, ['SET', 'a', '1']);
  w.flush();
  io.failWrites = 'ENOSPC';
  io.partialBytes = 7;
  w.append(0, ['SET', 'b', '2']);
  t.false(w.flush());
  t.is(readFileSync(path).length, w.size, 'the partial bytes were truncated away');
  io.failWrites = null;
  t.true(w.flush());
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['SET', 'a', '1'], ['SET', 'b', '2']));
});

test('if the partial write cannot be cut off, the retry writes only the rest', (t) => {
  const { path, io, w } = setup('always');
  io.failWrites = 'EIO';
  io.partialBytes = 9;
  io.failTruncate = true;
  w.append(0, ['SET', 'b', '2']);
  t.false(w.flush());
  io.failWrites = null;
  t.true(w.flush());
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['SET', 'b', '2']));
  t.is(w.size, readFileSync(path).length);
});

test('appendfsync always: a failed fsync cuts the bytes off and writes them again before the next fsync (Linux reports a lost writeback once)', (t) => {
  const { path, io, w } = setup('always');
  io.failFsync = 'EIO';
  w.append(0, ['SET', 'a', '1']);
  t.false(w.flush());
  t.is(w.writeError(), 'MISCONF Errors writing to the AOF file: Input/output error');
  t.is(readFileSync(path).length, 0, 'cut off: a later fsync could succeed without them');
  t.is(w.pendingBytes, aofBytes(['SELECT', '0'], ['SET', 'a', '1']).length, 'kept to be written again');
  const writes = io.writes;
  t.false(w.flush());
  t.is(io.writes, writes + 1, 'each retry writes them anew');
  io.failFsync = null;
  t.true(w.flush());
  t.is(w.writeError(), null);
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['SET', 'a', '1']), 'written once');
});

test('appendfsync always: when a failed fsync\'s bytes cannot be cut off, they stay written and only the fsync is retried', (t) => {
  const { path, io, w } = setup('always');
  io.failFsync = 'EIO';
  io.failTruncate = true;
  w.append(0, ['SET', 'a', '1']);
  t.false(w.flush());
  t.is(w.pendingBytes, 0);
  const writes = io.writes;
  io.failFsync = null;
  t.true(w.flush());
  t.is(io.writes, writes, 'not written again');
  t.is(w.writeError(), null);
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['SET', 'a', '1']), 'written once');
});

test('a failed background fsync refuses writes until a later one succeeds', async (t) => {
  const { io, w } = setup('everysec');
  io.failFsync = 'EIO';
  w.append(0, ['SET', 'a', '1']);
  w.flush();
  w.backgroundFsync(5000);
  await until(() => !w.fsyncPending);
  t.is(w.writeError(), 'MISCONF Errors writing to the AOF file: Input/output error');
  io.failFsync = null;
  w.backgroundFsync(6000);
  await until(() => !w.fsyncPending);
  t.is(w.writeError(), null);
});

test('syncNow writes and fsyncs, and throws when it cannot', (t) => {
  const { io, w } = setup('no');
  w.append(0, ['SET', 'a', '1']);
  w.syncNow();
  t.is(io.fsyncs, 1);
  io.failWrites = 'ENOSPC';
  w.append(0, ['SET', 'a', '2']);
  t.throws(() => w.syncNow(), { message: /No space left on device/ });
});

test('switchFile: later effects go to the new file, which starts with a SELECT; sizes add up', (t) => {
  const { io, w, path } = setup('always');
  w.append(2, ['SET', 'x', '1']);
  t.true(w.flush());
  const before = w.size;
  const next = io.openWrite(`${path}.2`);
  w.switchFile(next, `${path}.2`);
  w.append(2, ['INCR', 'x']);
  t.true(w.flush());
  t.deepEqual(readFileSync(`${path}.2`), aofBytes(['SELECT', '2'], ['INCR', 'x']));
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '2'], ['SET', 'x', '1']), 'the old file keeps only what came before');
  t.is(w.size, before + readFileSync(`${path}.2`).length, 'size counts both files');
  w.rebase(10);
  t.is(w.size, 10 + readFileSync(`${path}.2`).length);
  t.is(w.baseSize, w.size);
});

test('switchFile fsyncs the old file on the thread pool when it has unsynced bytes, then closes it', async (t) => {
  const { io, w, path } = setup('everysec');
  w.append(0, ['SET', 'a', '1']);
  w.flush();
  const order: string[] = [];
  const realClose = io.closeAsync.bind(io);
  io.closeAsync = (fd, cb) => {
    order.push('close');
    realClose(fd, cb);
  };
  const realFsync = io.fsyncAsync.bind(io);
  io.fsyncAsync = (fd, cb) => {
    order.push('fsync');
    realFsync(fd, cb);
  };
  w.switchFile(io.openWrite(`${path}.new`), `${path}.new`);
  await until(() => order.length === 2);
  t.deepEqual(order, ['fsync', 'close']);
  w.backgroundFsync(5000);
  t.is(order.length, 2, 'the new file has nothing to fsync yet');
  w.switchFile(io.openWrite(`${path}.3`), `${path}.3`);
  await until(() => order.length === 3);
  t.deepEqual(order.slice(2), ['close'], 'nothing unsynced: closed without an fsync');
});

test('an fsync error of the replaced file is reported like a background fsync error', async (t) => {
  const { io, w, path } = setup('everysec');
  w.append(0, ['SET', 'a', '1']);
  w.flush();
  io.fsyncAsync = (_fd, cb) => setImmediate(() => cb(Object.assign(new Error('EIO'), { code: 'EIO' })));
  w.switchFile(io.openWrite(`${path}.new`), `${path}.new`);
  await until(() => w.writeError() !== null);
  t.regex(w.writeError()!, /MISCONF.*Input\/output error/);
});

test('turns of big effects reuse the pending buffer instead of regrowing it every turn', (t) => {
  const { path, w } = setup();
  const value = 'v'.repeat(100_000);
  const pending = (): Buffer => (w as unknown as { pending: { buf: Buffer } }).pending.buf;
  for (let i = 0; i < 10; i++) w.append(0, ['SET', 'k', value]);
  t.true(w.flush());
  const storage = pending();
  t.true(storage.length >= 1_000_000);
  for (let turn = 0; turn < 5; turn++) {
    for (let i = 0; i < 10; i++) w.append(0, ['SET', 'k', value]);
    t.true(w.flush());
    t.is(pending(), storage, `turn ${turn}`);
  }
  const one = aofBytes(['SET', 'k', value]);
  t.deepEqual(readFileSync(path), Buffer.concat([aofBytes(['SELECT', '0']), ...Array.from({ length: 60 }, () => one)]));
});
