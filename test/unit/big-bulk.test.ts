// Big bulk strings in requests (protocol/big-bulk.ts): gathered into one buffer of their size as
// their reads arrive, whatever the reads' boundaries, and that buffer reused (piece-pool.ts) only
// once the decoder has made its bytes into an argument. Every input is fed whole, one byte at a
// time, and cut at every single position, through one reused read buffer as the server's.

import test from 'ava';
import { RequestDecoder } from '../../src/protocol/decoder.js';
import { BigBulk } from '../../src/protocol/big-bulk.js';
import { pooledBytes, pooledFor } from '../../src/protocol/piece-pool.js';
import { pushAll } from '../helpers/decoder.js';
import { mulberry32 } from '../helpers/rng.js';

const bin = (s: string): Buffer => Buffer.from(s, 'latin1');
const mb = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;

/** `n` bytes of every value (CR, LF, NUL, '$' and '*' included), from a seed. */
function value(n: number, seed: number): string {
  const rng = mulberry32(seed);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rng() * 256));
  return s;
}

function decode(input: Buffer, cuts: number[]): { cmds: string[][]; buffered: number; error: string | null } {
  const cmds: string[][] = [];
  const d = new RequestDecoder((a) => cmds.push(a));
  const e = pushAll(d, input, cuts);
  return { cmds, buffered: d.buffered, error: e?.message ?? null };
}

// 40 KB: over the decoder's 32 KB threshold, small enough to cut at every position.
const V1 = value(40_000, 1);
const V2 = value(33_000, 2);
const INPUT = bin(mb('SET', 'k', V1) + mb('GET', 'k') + mb('MSET', 'a', V2, 'b', 'x') + 'PING\r\n');
const EXPECTED = [['SET', 'k', V1], ['GET', 'k'], ['MSET', 'a', V2, 'b', 'x'], ['PING']];

test('whole, and one byte at a time', (t) => {
  t.deepEqual(decode(INPUT, []), { cmds: EXPECTED, buffered: 0, error: null });
  const bytes = Array.from({ length: INPUT.length - 1 }, (_, i) => i + 1);
  t.deepEqual(decode(INPUT, bytes), { cmds: EXPECTED, buffered: 0, error: null });
});

test('cut into two reads at every position', (t) => {
  for (let cut = 0; cut <= INPUT.length; cut++) {
    const got = decode(INPUT, [cut]);
    // One failure is enough to see (t.deepEqual per position would print thousands).
    if (got.error !== null || got.buffered !== 0 || got.cmds.length !== 4 || got.cmds[0][2] !== V1 || got.cmds[2][2] !== V2) {
      t.fail(`cut at ${cut}: ${got.error ?? ''} ${got.cmds.length} commands, ${got.buffered} bytes left`);
      return;
    }
  }
  t.pass();
});

test('cut into many reads at random positions', (t) => {
  const rng = mulberry32(7);
  for (let i = 0; i < 200; i++) {
    const cuts = Array.from({ length: 1 + Math.floor(rng() * 12) }, () => Math.floor(rng() * (INPUT.length + 1))).sort((a, b) => a - b);
    t.deepEqual(decode(INPUT, cuts).cmds, EXPECTED, `cuts ${cuts.join(',')}`);
  }
});

test('a value longer than the buffer trusted from its header grows as it arrives', (t) => {
  const big = value(700_000, 3);
  const input = bin(mb('SET', 'k', big) + mb('PING'));
  const cuts = Array.from({ length: Math.floor(input.length / 65536) }, (_, i) => (i + 1) * 65536);
  t.deepEqual(decode(input, cuts).cmds, [['SET', 'k', big], ['PING']]);
  t.deepEqual(decode(input, [10, 300_000, 300_001]).cmds, [['SET', 'k', big], ['PING']]);
});

test('a bulk declared large gets its whole size once a sixteenth of it has arrived, not buffer after doubled buffer', (t) => {
  // Each doubling left the buffer before it to the garbage collector: a 400 MB SET peaked at 2.7
  // times the value's size (2.15 now).
  const len = 20 * 1024 * 1024;
  const header = `$${len}\r\n`.length;
  const b = new BigBulk();
  b.start(Buffer.from(`$${len}\r\n`), 0, header, header, len, false);
  const chunk = Buffer.alloc(64 * 1024, 120);
  const sizes: number[] = [];
  while (b.have < b.need) {
    b.collect(b.need - b.have < chunk.length ? chunk.subarray(0, b.need - b.have) : chunk);
    if (sizes[sizes.length - 1] !== b.capacity) sizes.push(b.capacity);
  }
  // 256 KB from the header, doubled to 2 MB, then (1/16 in) the whole: 3.75 MB of garbage, where
  // doubling on gave 256 KB ... 16 MB (32 MB) before the last.
  t.is(sizes[sizes.length - 1], b.need);
  const before = sizes.slice(0, -1).reduce((a, n) => a + n, 0);
  t.true(before <= len / 4, `buffers before the last: ${sizes.join(', ')}`);
  t.is(b.finish().length, header + len + 2);
});

test("a bulk's buffer goes back to the pool once parsed, and arguments made from it stay intact", (t) => {
  const cmds: string[][] = [];
  const d = new RequestDecoder((a) => cmds.push(a));
  const before = pooledFor(V1.length);
  pushAll(d, bin(mb('SET', 'k', V1)), [100]);
  // Taken from the pool (or made, when it had none) and given back.
  t.is(pooledFor(V1.length), Math.max(before, 1), 'recycled');
  // The next big bulks reuse that buffer: the first value must not change.
  for (let i = 0; i < 5; i++) pushAll(d, bin(mb('SET', 'k', value(40_000, 10 + i))), [50]);
  t.is(cmds.length, 6);
  t.is(cmds[0][2], V1);
  t.is(cmds[5][2], value(40_000, 14));
});

test('a bulk completed while delivery is paused keeps its buffer: other decoders cannot overwrite it', (t) => {
  const cmds: string[][] = [];
  const held = new RequestDecoder((a) => cmds.push(a));
  held.pause();
  pushAll(held, bin(mb('SET', 'k', V1) + mb('PING')), [20, 1000]);
  t.is(cmds.length, 0);
  const others: string[][] = [];
  const other = new RequestDecoder((a) => others.push(a));
  for (let i = 0; i < 5; i++) pushAll(other, bin(mb('SET', 'o', value(40_000, 20 + i))), [30]);
  t.is(others.length, 5);
  held.resume();
  t.deepEqual(cmds, [['SET', 'k', V1], ['PING']]);
});

test('stop() while a bulk arrives gives its buffer back; the decoder then ignores the rest', (t) => {
  const cmds: string[][] = [];
  const d = new RequestDecoder((a) => cmds.push(a));
  d.push(bin(mb('SET', 'k', V1).slice(0, 20_000)));
  const before = pooledBytes();
  d.stop();
  t.true(pooledBytes() > before);
  d.push(bin(V1.slice(20_000) + '\r\n'));
  t.is(cmds.length, 0);
  t.is(d.buffered, 0);
});

test('an argument longer than the pool keeps is given to the sink with its own bytes as it is parsed (RequestSink.bigArg), canonical ones only, and bigArgsDone once its request ran', (t) => {
  const v = 'z'.repeat(9 * 1024 * 1024);
  const small = 'y'.repeat(100_000);
  const requests: { args: string[]; big: { arg: string; bytes: string }[] }[] = [];
  let big: { arg: string; bytes: string }[] = [];
  const done: number[] = [];
  const d = new RequestDecoder({
    passwordSet: false,
    wantsRaw: true,
    onEmptyRequest: () => {},
    onRequest: (args) => (requests.push({ args, big }), (big = [])),
    bigArg: (arg, bytes) => big.push({ arg, bytes: bytes.toString('latin1') }),
    bigArgsDone: () => done.push(requests.length),
  });
  const input = bin(mb('SET', 'k', v) + mb('MSET', 'a', small, 'b', v, 'c', v) + `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${v.length}\r\n${v}xx` + 'PING\r\n');
  pushAll(d, input, Array.from({ length: Math.floor((input.length - 1) / 65536) }, (_, i) => (i + 1) * 65536));
  t.is(requests.length, 4);
  t.deepEqual(requests[0].big, [{ arg: v, bytes: `$${v.length}\r\n${v}\r\n` }]);
  t.is(requests[0].big[0].arg, requests[0].args[2]);
  t.deepEqual(requests[1].big.map((b) => b.arg.length), [v.length, v.length], 'both big values, not the 100 KB one (pooled)');
  t.deepEqual(requests[2].big, [], 'no CRLF after the data: not the bytes the AOF holds');
  t.deepEqual(requests[3].big, []);
  t.deepEqual(done, [1, 2], 'after the requests that had big arguments');
  // A request cut short by stop() (a closing connection) after its big argument: done too.
  const cut = bin(`*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$${v.length}\r\n${v}\r\n`);
  pushAll(d, cut, Array.from({ length: Math.floor((cut.length - 1) / 65536) }, (_, i) => (i + 1) * 65536));
  d.stop();
  t.is(big.length, 1);
  t.deepEqual(done, [1, 2, 4]);
});
