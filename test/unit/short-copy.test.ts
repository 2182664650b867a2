// ReplyBuffer.writeRange (a request's bytes copied into the AOF): short ranges go through
// ShortCopy's DataViews once a Buffer comes back, byte by byte the first time. Every length up to
// past the short limit, at every alignment, from a source seen once, kept, replaced, and too big to
// keep, into storage that grows meanwhile: the bytes are always the source's.

import test from 'ava';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ReplyBuffer } from '../../src/protocol/encoder.js';
import { ShortCopy } from '../../src/protocol/short-copy.js';

const source = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 1) & 255));

test('writeRange copies every short length at every offset, the same Buffer again and a new one', (t) => {
  const out = new ReplyBuffer();
  const expected: Buffer[] = [];
  const sources = [source(300, 1), source(300, 2), source(70_000, 3)]; // the last is too big to keep
  for (const src of sources) {
    for (let n = 0; n <= 70; n++) {
      for (let from = 0; from < 9; from++) {
        out.writeRange(src, from, from + n);
        expected.push(src.subarray(from, from + n));
      }
    }
  }
  // 3 sources x 71 lengths x 9 offsets, about 100 KB: the storage grew (new Buffers) on the way.
  t.true(out.len > 16 * 1024 * 4);
  t.true(out.peek().equals(Buffer.concat(expected)));
});

test('ShortCopy: a source that changes between copies, and a view with its own byte offset', (t) => {
  const copy = new ShortCopy();
  const pool = source(1000, 5);
  const dst = Buffer.alloc(200);
  const views = [pool.subarray(3, 90), pool.subarray(100, 190), pool.subarray(3, 90)];
  for (let round = 0; round < 3; round++) {
    for (const v of views) {
      for (let n = 0; n <= 64; n += 7) {
        dst.fill(0);
        copy.copy(v, 5, dst, 11, n);
        t.true(dst.subarray(11, 11 + n).equals(v.subarray(5, 5 + n)), `round ${round}, n ${n}`);
        t.is(dst[10], 0);
        t.is(dst[11 + n], 0, 'nothing written past the range');
      }
    }
  }
});

test('storage the AOF buffer gave up is not kept alive by its short copier (a burst of big writes, then idle)', async (t) => {
  // ShortCopy remembers the last destination it copied into. ReplyBuffer replaces its storage in
  // clear() (past keepAtMost), detach() and ensure(): the storage given up must be collectable
  // then, not held until the next short copy (which an idle AOF never makes).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const small = source(100, 9);
  /** A buffer whose copier has copied into (and made a view of) storage of 4 MB; and that storage. */
  const afterBurst = (): [ReplyBuffer, WeakRef<Buffer>] => {
    const out = new ReplyBuffer(1024 * 1024);
    out.writeRange(small, 0, 37);
    out.writeBytes(Buffer.alloc(3 * 1024 * 1024)); // grows the storage past keepAtMost
    out.writeRange(small, 0, 37);
    out.writeRange(small, 0, 37);
    return [out, new WeakRef(out.buf)];
  };
  const [cleared, a] = afterBurst();
  cleared.clear(); // too big to keep: replaced
  const [detached, b] = afterBurst();
  detached.detach();
  const [grown, c] = afterBurst();
  grown.writeBytes(Buffer.alloc(4 * 1024 * 1024)); // grows again: the storage before is garbage
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  t.deepEqual({ clear: a.deref() === undefined, detach: b.deref() === undefined, grow: c.deref() === undefined }, { clear: true, detach: true, grow: true });
  t.true(cleared.len + detached.len + grown.len > 0); // all three alive until here
});
