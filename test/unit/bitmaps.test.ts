// The bit scans of BITCOUNT and BITPOS (src/commands/bitmaps.ts), which go a 32-bit word at a time
// in the middle of a range, against a bit-by-bit model: random bytes at every alignment (views of
// a larger buffer starting at any offset), random inclusive bit ranges, both bits looked for.
// BITOP's combination (bitopBytes, a word at a time too) against a byte-by-byte model likewise.
import test from 'ava';
import { bitopBytes, countBits, findBit } from '../../src/commands/bitmaps.js';
import { Rng } from '../diff/generators.js';
import { ByteString } from '../../src/keyspace/values.js';
import { ReplyBuffer } from '../../src/protocol/encoder.js';
import { writeKey } from '../../src/persistence/keydump.js';

const bitOf = (b: Uint8Array, i: number): number => (b[i >> 3] >> (7 - (i & 7))) & 1;

test('countBits and findBit agree with a bit-by-bit model at every alignment and range', (t) => {
  const r = new Rng(0xb175);
  let checked = 0;
  for (let round = 0; round < 3000; round++) {
    const whole = new Uint8Array(r.int(1, 90));
    // Runs of 0x00 / 0xff bytes as well as random ones, so that whole words get skipped.
    const fill = r.pick([0, 0xff, -1]);
    for (let i = 0; i < whole.length; i++) whole[i] = fill >= 0 && r.chance(0.9) ? fill : r.int(0, 255);
    const offset = r.int(0, Math.min(7, whole.length - 1));
    const b = whole.subarray(offset);
    const bits = b.length * 8;
    const from = r.int(0, bits - 1);
    const to = r.int(from, bits - 1);
    let count = 0;
    const first = [-1, -1];
    for (let i = from; i <= to; i++) {
      const v = bitOf(b, i);
      count += v;
      if (first[v] < 0) first[v] = i;
    }
    t.is(countBits(b, from, to), count, `count ${from}..${to} of ${b.length} bytes at offset ${offset}`);
    for (const bit of [0, 1]) t.is(findBit(b, from, to, bit), first[bit], `bit ${bit} in ${from}..${to}`);
    checked++;
  }
  t.is(checked, 3000);
});

test('bitopBytes agrees with a byte-by-byte model for sources at every alignment and length', (t) => {
  const r = new Rng(0xb170);
  const ops = ['AND', 'OR', 'XOR', 'NOT'] as const;
  const model = (op: (typeof ops)[number], srcs: Uint8Array[], max: number): number[] =>
    Array.from({ length: max }, (_, i) => {
      const at = (b: Uint8Array): number => (i < b.length ? b[i] : 0);
      if (op === 'NOT') return ~at(srcs[0]) & 0xff;
      return srcs.slice(1).reduce((acc, b) => (op === 'AND' ? acc & at(b) : op === 'OR' ? acc | at(b) : acc ^ at(b)), at(srcs[0]));
    });
  for (let round = 0; round < 2000; round++) {
    const op = r.pick([...ops]);
    // A view of a larger buffer starting at any offset: its words are off the Int32Array's alignment
    // (threw a RangeError), or on it.
    const srcs = Array.from({ length: op === 'NOT' ? 1 : r.int(1, 4) }, () => {
      const n = r.chance(0.05) ? r.int(1000, 1100) : r.int(0, 20);
      const whole = new Uint8Array(n + 8);
      for (let i = 0; i < whole.length; i++) whole[i] = r.int(0, 255);
      const offset = r.int(0, 7);
      return whole.subarray(offset, offset + n);
    });
    const max = Math.max(...srcs.map((b) => b.length));
    const what = `${op} of ${srcs.map((b) => `${b.length} bytes at ${b.byteOffset}`).join(', ')}`;
    t.deepEqual([...bitopBytes(op, srcs, max)], model(op, srcs, max), what);
  }
});

test.serial('the AOF rewrite writes a bitmap from its bytes: the same commands as for its string, without making that string', (t) => {
  const text = 'ab\x00\xff'.repeat(3000);
  // Room past its length (bytes 7, not written): a grown bitmap's storage.
  const bitmap = new ByteString(Buffer.concat([Buffer.from(text, 'latin1'), Buffer.alloc(100, 7)]), text.length);
  const getter = Object.getOwnPropertyDescriptor(ByteString.prototype, 's')!;
  let copies = 0;
  Object.defineProperty(ByteString.prototype, 's', { configurable: true, get(this: ByteString) {
    copies++;
    return getter.get!.call(this);
  } });
  t.teardown(() => Object.defineProperty(ByteString.prototype, 's', getter));
  const dump = (v: string | ByteString, expire?: number): string => {
    const out = new ReplyBuffer();
    writeKey(out, 'k', v, expire);
    return out.peek().toString('latin1');
  };
  const asBitmap = dump(bitmap, 1234);
  t.is(copies, 0);
  t.is(asBitmap, dump(text, 1234));
  t.is(asBitmap.slice(0, 30), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$12000\r\nab');
});

test('a ByteString grown in small steps copies a bounded multiple of its size, not a quadratic amount', (t) => {
  const b = new ByteString(Buffer.alloc(0), 0);
  const final = 64 * 1024 * 1024;
  let copied = 0;
  for (let n = 64 * 1024; n <= final; n += 64 * 1024) {
    const before = b.bytes;
    b.grow(n);
    if (b.bytes !== before) copied += before.length;
  }
  t.is(b.length, final);
  // Storage that grew 1 MB at a time copied 32 times the final size here (and 4 times more at 256 MB).
  t.true(copied <= 10 * final, `copied ${copied / final} times the final size`);
  t.true(b.bytes.length <= final + final / 8 + 1024 * 1024, 'the spare room stays within an eighth (or 1 MB)');
});
