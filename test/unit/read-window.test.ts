// The AOF loader's reads (persistence/read-window.ts): a file's bytes come back whole and in order
// across reads of any size, never past the size it is given, and a command no longer than one
// already read goes into the same storage (already faulted in: reading a 400 MB value into a
// fresh buffer cost 165 ms, into a used one 25 ms).

import test from 'ava';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadWindow } from '../../src/persistence/read-window.js';

const MB = 1024 * 1024;

/** A file of `n` bytes, byte i being i * 7 mod 251 (no period a chunk boundary could hide). */
function file(n: number): { path: string; bytes: Buffer } {
  const bytes = Buffer.alloc(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 7) % 251;
  const path = join(mkdtempSync(join(tmpdir(), 'ks-window-')), 'a.aof');
  writeFileSync(path, bytes);
  return { path, bytes };
}

function withWindow(path: string, size: number, f: (w: ReadWindow) => void): void {
  const fd = openSync(path, 'r');
  try {
    f(new ReadWindow(fd, path, size));
  } finally {
    closeSync(fd);
  }
}

test('long commands read into one storage: the unparsed bytes moved to its front, every byte in order', (t) => {
  const { path, bytes } = file(100 * MB);
  withWindow(path, bytes.length, (w) => {
    t.true(w.fill(0));
    t.is(w.bytes.length, 8 * MB, 'a chunk when the need is not known');
    w.consume(MB);
    t.true(w.fill(30 * MB), 'a 30 MB command starting 1 MB in');
    t.is(w.bytes.length, 30 * MB);
    t.true(w.bytes.equals(bytes.subarray(MB, 31 * MB)));
    const storage = w.bytes.buffer;
    w.consume(25 * MB);
    t.true(w.fill(20 * MB), 'a 20 MB command: 5 MB of it already read');
    t.is(w.bytes.buffer, storage, 'the same storage, not a new buffer');
    t.true(w.bytes.equals(bytes.subarray(26 * MB, 46 * MB)));
    w.consume(w.bytes.length);
    t.true(w.fill(40 * MB));
    t.not(w.bytes.buffer, storage, 'a longer command than the storage holds: a bigger one');
    t.true(w.bytes.equals(bytes.subarray(46 * MB, 86 * MB)));
    w.consume(w.bytes.length);
    t.true(w.fill(50 * MB));
    t.true(w.bytes.equals(bytes.subarray(86 * MB)), 'never past the end of the file');
    t.true(w.done);
    t.false(w.fill(MB), 'nothing left to read');
  });
});

test('never past the size given, even with more bytes in the file (a running EXEC written early)', (t) => {
  const { path, bytes } = file(3 * MB);
  withWindow(path, 2 * MB + 5, (w) => {
    t.true(w.fill(10 * MB));
    t.true(w.bytes.equals(bytes.subarray(0, 2 * MB + 5)));
    t.true(w.done);
  });
});

test('a storage grown for a long command is given back once the commands after it have been short for a while', (t) => {
  // Kept for the rest of the file, a 400 MB value's storage stayed under the 2M keys loaded after
  // it: peak RSS 1.20 GB, 0.94 GB given back (as with a new buffer per read; redis-server 0.67 GB).
  const { path, bytes } = file(128 * MB);
  withWindow(path, bytes.length, (w) => {
    t.true(w.fill(40 * MB), 'a 40 MB command');
    const storage = w.bytes.buffer;
    w.consume(40 * MB);
    let at = 40 * MB;
    /** Short commands: each read ends inside one, whose 100 bytes are kept for the next read. */
    const shortReads = (bytesToRead: number): void => {
      for (const stop = at + bytesToRead; at < stop; ) {
        t.true(w.fill(0));
        t.true(w.bytes.equals(bytes.subarray(at, at + w.bytes.length)));
        const n = w.bytes.length - 100;
        w.consume(n);
        at += n;
      }
    };
    shortReads(6 * MB);
    t.true(w.fill(40 * MB), 'another 40 MB command, a chunk of short ones after the first');
    t.is(w.bytes.buffer, storage, 'the same storage: long commands close together keep it');
    t.true(w.bytes.equals(bytes.subarray(at, at + 40 * MB)));
    w.consume(40 * MB);
    at += 40 * MB;
    shortReads(18 * MB);
    t.not(w.bytes.buffer, storage, 'past 16 MB of short commands, the storage is given back');
    t.true(w.bytes.buffer.byteLength <= 16 * MB, `${w.bytes.buffer.byteLength} bytes kept`);
    while (!w.done) {
      t.true(w.fill(0));
      t.true(w.bytes.equals(bytes.subarray(at, at + w.bytes.length)), 'every byte in order after it');
      at += w.bytes.length;
      w.consume(w.bytes.length);
    }
    t.is(at, bytes.length);
  });
});
