// AofWriter.holdBig: an effect holding one of the turn's big request arguments, given with their
// bytes as received (RequestSink.bigArg), of earlyWriteAt bytes or more, has it written from the
// request's own buffer after what is pending, instead of being copied into the pending buffer (a third of a
// 400 MB SET's peak RSS with the AOF on). The file is the same either way, including when a write
// fails and is retried.

import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AofWriter } from '../../src/persistence/aof.js';
import { aofBytes, FaultyIO } from '../helpers/aof.js';

const V = 'v\r\n'.repeat(1000);
const W = 'w'.repeat(2000);
interface BigArgBytes {
  arg: string;
  bytes: Buffer;
}

/** `s` as the decoder gives it with its bytes: a buffer of its own for each request, as each big bulk has. */
const asReceived = (s: string): BigArgBytes => ({ arg: s, bytes: Buffer.from(`$${s.length}\r\n${s}\r\n`, 'latin1') });
/** Whether a write was given `b`'s own memory (a view of it), not a copy. */
const wrote = (given: Buffer[], b: Buffer): boolean =>
  given.some((g) => g.buffer === b.buffer && g.byteOffset === b.byteOffset && g.length === b.length);

function setup() {
  const path = join(mkdtempSync(join(tmpdir(), 'ks-through-')), 'appendonly.aof');
  const io = new FaultyIO();
  const logs: string[] = [];
  const w = new AofWriter(io.openAppend(path), path, 'everysec', io, { notice: (m) => logs.push(m), warning: (m) => logs.push(m) });
  w.earlyWriteAt = 1000;
  const given: Buffer[] = [];
  io.beforeWrite = (b) => given.push(b);
  return { path, io, w, given };
}

/**
 * One request: its big arguments held (as the decoder gives them), its effect appended (as
 * AofPersistence.append: append, then appended), what is held dropped once it ran.
 */
function command(w: AofWriter, args: string[], big: BigArgBytes[]): void {
  for (const b of big) w.holdBig(OWNER, b.arg, b.bytes);
  w.beginUnit();
  w.append(0, args);
  w.appended();
  w.endUnit();
  w.dropHeld(OWNER);
}

const OWNER = {};

/** What the file holds once the same commands are appended without their bytes (copied, as before). */
function copied(cmds: string[][]): Buffer {
  const { path, w } = setup();
  for (const args of cmds) command(w, args, []);
  w.flush();
  return readFileSync(path);
}

test('a big argument given as received is written from those bytes: the same file as when copied', (t) => {
  const { path, w, given } = setup();
  const v = asReceived(V);
  const other = asReceived(W);
  const cmds = [['SET', 'k', V, 'PXAT', '1'], ['MSET', 'a', W, 'b', V], ['SET', 'small', 'x']];
  command(w, cmds[0], [v]);
  t.true(wrote(given, v.bytes), 'the request\'s own bytes were written');
  const v2 = asReceived(V);
  command(w, cmds[1], [other, v2]);
  t.true(wrote(given, other.bytes) && wrote(given, v2.bytes));
  command(w, cmds[2], [asReceived(V)]); // not among the arguments: encoded as any
  t.true(w.flush());
  const file = readFileSync(path);
  t.deepEqual(file, copied(cmds));
  t.deepEqual(file, aofBytes(['SELECT', '0'], ['MULTI'], cmds[0], ['EXEC'], ['MULTI'], cmds[1], ['EXEC'], cmds[2]));
  t.true(given.every((b) => b.length < 2000 || [v, v2, other].some((x) => wrote([b], x.bytes))), 'no copy of a big value written');
});

test('an argument under earlyWriteAt, or a different string, is copied as before', (t) => {
  const { path, w, given } = setup();
  const short = asReceived('s'.repeat(500));
  command(w, ['SET', 'k', short.arg], [short]);
  command(w, ['SET', 'k', W], [asReceived('w'.repeat(1999) + 'x')]);
  t.true(w.flush());
  t.false(wrote(given, short.bytes));
  t.deepEqual(readFileSync(path), copied([['SET', 'k', short.arg], ['SET', 'k', W]]));
});

test('a failed write of the request\'s bytes keeps them pending: retried, the same file', (t) => {
  const { path, io, w } = setup();
  const v = asReceived(V);
  io.beforeWrite = (b) => {
    if (wrote([b], v.bytes)) io.failWrites = 'ENOSPC';
  };
  command(w, ['SET', 'k', V], [v]);
  t.truthy(w.writeError(), 'MISCONF meanwhile');
  io.beforeWrite = null;
  io.failWrites = null;
  t.true(w.flush());
  t.is(w.writeError(), null);
  t.deepEqual(readFileSync(path), copied([['SET', 'k', V]]));
});

test('when what is pending cannot be written first, the value is copied after it, as before', (t) => {
  const { path, io, w, given } = setup();
  const v = asReceived(V);
  io.failWrites = 'EIO';
  command(w, ['SET', 'k', V], [v]);
  t.false(wrote(given, v.bytes));
  io.failWrites = null;
  t.true(w.flush());
  t.deepEqual(readFileSync(path), copied([['SET', 'k', V]]));
});

test('what one connection\'s request holds is kept while another\'s runs, and dropped with its own', (t) => {
  const { path, w, given } = setup();
  const mine = {};
  const v = asReceived(V);
  w.holdBig(mine, v.arg, v.bytes); // a request still arriving
  command(w, ['SET', 'other', 'x'], [asReceived(W)]); // another connection's, which runs and is done
  command(w, ['SET', 'k', V], []);
  t.true(wrote(given, v.bytes), 'still held');
  const w1 = asReceived(W);
  w.holdBig(mine, W, w1.bytes);
  w.dropHeld(mine);
  command(w, ['SET', 'k2', W], []);
  t.true(w.flush());
  t.deepEqual(readFileSync(path), copied([['SET', 'other', 'x'], ['SET', 'k', V], ['SET', 'k2', W]]));
  t.false(wrote(given, w1.bytes), 'the dropped one copied');
});

test('an effect outside the command\'s block (appendAlone: an eviction\'s DEL) is copied, and the command\'s block still opened by the early write', (t) => {
  const { path, w, given } = setup();
  const key = asReceived(V);
  w.holdBig(OWNER, key.arg, key.bytes);
  w.beginUnit();
  w.append(0, ['SET', 'a', '1']);
  w.appended();
  w.appendAlone(0, ['DEL', V]); // past earlyWriteAt: written early, the command's MULTI first
  w.append(0, ['SET', 'b', '1']);
  w.appended();
  w.endUnit();
  w.dropHeld(OWNER);
  t.true(w.flush());
  t.false(wrote(given, key.bytes));
  t.deepEqual(readFileSync(path), aofBytes(['SELECT', '0'], ['MULTI'], ['SET', 'a', '1'], ['DEL', V], ['SET', 'b', '1'], ['EXEC']));
});

test('on a failing disk, each big value is set aside as a failed early write\'s bytes are (spill), and the retry writes the same file', (t) => {
  const { path, io, w } = setup();
  io.failWrites = 'ENOSPC';
  const cmd = ['MSET', 'a', W, 'b', V, 'c', 'x'];
  command(w, cmd, [asReceived(W), asReceived(V)]);
  t.true(w.pendingBytes > W.length + V.length, 'all kept');
  t.true(w.pendingBytes < W.length + V.length + 200, 'once');
  t.truthy(w.writeError());
  io.failWrites = null;
  t.true(w.flush());
  t.deepEqual(readFileSync(path), copied([cmd]));
});
