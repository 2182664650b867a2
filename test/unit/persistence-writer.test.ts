// AofWriter: the exact bytes (SELECT on database change), one write per flush (group commit), the
// fsync policies, write errors (MISCONF, retry, recovery logged once, partial writes cut off) and
// switching files after a rewrite while a background fsync is running.

import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AofWriter, type FsyncPolicy } from '../../src/persistence/aof.js';
import { aofBytes, FaultyIO } from '../helpers/aof.js';

/** Waits (polling) until `cond` holds; a thread-pool fsync can take long on a loaded machine. */
async function until(cond: () => boolean, ms = 10000): Promise<void> {
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

test('appendfsync always: a failed fsync keeps MISCONF until an fsync succeeds, without rewriting', (t) => {
  const { path, io, w } = setup('always');
  io.failFsync = 'EIO';
  w.append(0, ['SET', 'a', '1']);
  t.false(w.flush());
  t.is(w.writeError(), 'MISCONF Errors writing to the AOF file: Input/output error');
  t.false(w.flush());
  io.failFsync = null;
  t.true(w.flush());
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

test('the rewrite tail gets every effect from its start, with its own SELECTs', (t) => {
  const { w } = setup();
  w.append(2, ['SET', 'x', '1']);
  const tail = w.startRewriteTail();
  w.append(2, ['INCR', 'x']);
  w.append(0, ['DEL', 'y']);
  t.deepEqual(tail.buf.take(), aofBytes(['SELECT', '2'], ['INCR', 'x'], ['SELECT', '0'], ['DEL', 'y']));
  w.stopRewriteTail(tail);
  w.append(0, ['DEL', 'z']);
  t.is(tail.buf.len, 0);
});

test('switching files while a background fsync runs closes the old descriptor only after it', async (t) => {
  const { io, w, path } = setup('everysec');
  w.append(0, ['SET', 'a', '1']);
  w.flush();
  let closed = 0;
  const realClose = io.closeAsync.bind(io);
  io.closeAsync = (fd, cb) => {
    closed++;
    realClose(fd, cb);
  };
  w.backgroundFsync(5000);
  const next = io.openWrite(`${path}.new`);
  w.switchTo(next, 0, true);
  t.is(closed, 0, 'not closed under the running fsync');
  await until(() => closed > 0);
  t.is(closed, 1, 'closed (on the thread pool) once the fsync is done');
  w.append(0, ['SET', 'b', '2']);
  t.true(w.flush());
  t.deepEqual(readFileSync(`${path}.new`), aofBytes(['SELECT', '0'], ['SET', 'b', '2']), 'a SELECT starts the new file');
});

test('a switch whose last bytes were not fsynced leaves them to the next background fsync', (t) => {
  const { io, w, path } = setup('everysec');
  const synced = io.openWrite(`${path}.a`);
  w.switchTo(synced, 0, true);
  w.backgroundFsync(5000);
  t.is(io.asyncFsyncs, 0, 'fsynced whole: nothing to do');
  const unsynced = io.openWrite(`${path}.b`);
  w.switchTo(unsynced, 0, false);
  w.backgroundFsync(10_000);
  t.is(io.asyncFsyncs, 1);
});
