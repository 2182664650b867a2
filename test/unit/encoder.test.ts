// The reply encoder: every Reply kind in RESP2 and RESP3, byte for byte as Redis 7.0 writes them.

import test from 'ava';
import { ReplyBuffer } from '../../src/protocol/encoder.js';
import { encodeCommand, encodeReply } from '../../src/protocol/encode-once.js';
import {
  ArrayCollector, BoolReply, Deferred, DoubleReply, EMPTY_ARRAY, ErrorReply, LongArray, longArray, LongErrorReply, MapReply, NULL_ARRAY, OK, PONG,
  PushReply, QUEUED, SetReply, SimpleString, VerbatimReply, err, status, type Reply,
} from '../../src/protocol/reply.js';
import { RequestDecoder } from '../../src/protocol/decoder.js';
import { LongText } from '../../src/protocol/long-text.js';

const enc = (r: Reply, proto: number): string => encodeReply(r, proto).toString('latin1');
const ALL_BYTES = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
const long = 'L'.repeat(5000);

/** [name, reply, RESP2 bytes, RESP3 bytes] */
const CASES: [string, Reply, string, string][] = [
  ['null', null, '$-1\r\n', '_\r\n'],
  ['null array', NULL_ARRAY, '*-1\r\n', '_\r\n'],
  ['integer 0', 0, ':0\r\n', ':0\r\n'],
  ['integer 1023 (cached)', 1023, ':1023\r\n', ':1023\r\n'],
  ['integer 1024', 1024, ':1024\r\n', ':1024\r\n'],
  ['negative integer', -1, ':-1\r\n', ':-1\r\n'],
  ['large integer', 2 ** 53 - 1, ':9007199254740991\r\n', ':9007199254740991\r\n'],
  ['bigint max', 2n ** 63n - 1n, ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
  ['bigint min', -(2n ** 63n), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
  ['empty string', '', '$0\r\n\r\n', '$0\r\n\r\n'],
  ['string', 'abc', '$3\r\nabc\r\n', '$3\r\nabc\r\n'],
  ['binary string, all byte values', ALL_BYTES, `$256\r\n${ALL_BYTES}\r\n`, `$256\r\n${ALL_BYTES}\r\n`],
  ['long string (uncached header)', long, `$5000\r\n${long}\r\n`, `$5000\r\n${long}\r\n`],
  ['empty array', EMPTY_ARRAY, '*0\r\n', '*0\r\n'],
  ['array with null', ['a', null, 1], '*3\r\n$1\r\na\r\n$-1\r\n:1\r\n', '*3\r\n$1\r\na\r\n_\r\n:1\r\n'],
  ['nested arrays', [['a'], [], [[2]]], '*3\r\n*1\r\n$1\r\na\r\n*0\r\n*1\r\n*1\r\n:2\r\n', '*3\r\n*1\r\n$1\r\na\r\n*0\r\n*1\r\n*1\r\n:2\r\n'],
  ['simple string', status('OK'), '+OK\r\n', '+OK\r\n'],
  ['simple string with CRLF made one line', new SimpleString('a\r\nb'), '+a  b\r\n', '+a  b\r\n'],
  ['error', err('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
  ['error with newline made one line', new ErrorReply('ERR bad\nthing'), '-ERR bad thing\r\n', '-ERR bad thing\r\n'],
  ['map', new MapReply(['a', 1, 'b', null]), '*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n', '%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n'],
  ['empty map', new MapReply([]), '*0\r\n', '%0\r\n'],
  ['nested map', new MapReply(['m', new MapReply(['x', 'y'])]), '*2\r\n$1\r\nm\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n', '%1\r\n$1\r\nm\r\n%1\r\n$1\r\nx\r\n$1\r\ny\r\n'],
  ['set', new SetReply(['a', 'b']), '*2\r\n$1\r\na\r\n$1\r\nb\r\n', '~2\r\n$1\r\na\r\n$1\r\nb\r\n'],
  ['empty set', new SetReply([]), '*0\r\n', '~0\r\n'],
  ['push', new PushReply(['message', 'ch', 'hi']), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n', '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n'],
  ['double', new DoubleReply('1.5'), '$3\r\n1.5\r\n', ',1.5\r\n'],
  ['double inf', new DoubleReply('inf'), '$3\r\ninf\r\n', ',inf\r\n'],
  ['double -inf', new DoubleReply('-inf'), '$4\r\n-inf\r\n', ',-inf\r\n'],
  ['bool true', new BoolReply(true), ':1\r\n', '#t\r\n'],
  ['bool false', new BoolReply(false), ':0\r\n', '#f\r\n'],
  ['verbatim', new VerbatimReply('Some string'), '$11\r\nSome string\r\n', '=15\r\ntxt:Some string\r\n'],
  ['verbatim markdown, binary', new VerbatimReply('a\r\n\xff', 'mkd'), '$4\r\na\r\n\xff\r\n', '=8\r\nmkd:a\r\n\xff\r\n'],
  ['raw OK', OK, '+OK\r\n', '+OK\r\n'],
  ['raw PONG', PONG, '+PONG\r\n', '+PONG\r\n'],
  ['raw QUEUED', QUEUED, '+QUEUED\r\n', '+QUEUED\r\n'],
  ['long array (chunks)', new LongArray([['a', 1], [], [null]], 3), '*3\r\n$1\r\na\r\n:1\r\n$-1\r\n', '*3\r\n$1\r\na\r\n:1\r\n_\r\n'],
  ['mixed array', [new DoubleReply('0.5'), new BoolReply(true), null, new MapReply([])], '*4\r\n$3\r\n0.5\r\n:1\r\n$-1\r\n*0\r\n', '*4\r\n,0.5\r\n#t\r\n_\r\n%0\r\n'],
];

for (const [name, reply, resp2, resp3] of CASES) {
  test(`encode ${name}`, (t) => {
    t.is(enc(reply, 2), resp2, 'RESP2');
    t.is(enc(reply, 3), resp3, 'RESP3');
  });
}

test('a ReplyBuffer grows past its initial size and starts over after take()', (t) => {
  const b = new ReplyBuffer();
  const chunk = 'c'.repeat(1000);
  let expected = '';
  for (let i = 0; i < 100; i++) {
    b.write(chunk, 2);
    b.write(i, 2);
    expected += `$1000\r\n${chunk}\r\n:${i}\r\n`;
  }
  t.is(b.take().toString('latin1'), expected);
  t.is(b.len, 0);
  b.write('x', 3);
  t.is(b.take().toString('latin1'), '$1\r\nx\r\n');
  b.write('y'.repeat(200_000), 2);
  t.is(b.take().length, 200_000 + '$200000\r\n\r\n'.length);
});

test('release() hands the storage to the next ReplyBuffer; the released one still works, in new storage', (t) => {
  const a = new ReplyBuffer();
  a.write('abc', 2);
  const storage = a.buf;
  a.release();
  const b = new ReplyBuffer();
  t.is(b.buf, storage, 'a closed connection\'s 16 KB are reused, not allocated again');
  t.is(b.len, 0);
  a.write('x'.repeat(40_000), 2); // grows from empty storage (it looped forever on size 0 * 2)
  t.is(a.take().toString('latin1'), `$40000\r\n${'x'.repeat(40_000)}\r\n`);
  b.write('ok', 2);
  t.is(b.take().toString('latin1'), '$2\r\nok\r\n');
});

test('take() hands out bytes that later writes do not overwrite', (t) => {
  const b = new ReplyBuffer();
  b.write('first', 2);
  const first = b.take();
  b.write('second', 2);
  t.is(first.toString('latin1'), '$5\r\nfirst\r\n');
});

test('encodeCommand writes a multibulk request that the decoder reads back', (t) => {
  const args = ['SET', 'k\x00', ALL_BYTES, ''];
  const bytes = encodeCommand(args);
  t.is(bytes.toString('latin1'), `*4\r\n$3\r\nSET\r\n$2\r\nk\x00\r\n$256\r\n${ALL_BYTES}\r\n$0\r\n\r\n`);
  const got: string[][] = [];
  new RequestDecoder((a) => got.push(a)).push(bytes);
  t.deepEqual(got, [args]);
});

test('ArrayCollector: one plain array while the elements fit in a chunk, else chunks encoded as one array', (t) => {
  const few = new ArrayCollector<string>(3);
  ['a', 'b', 'c'].forEach((x) => few.push(x));
  t.deepEqual(few.done(), ['a', 'b', 'c']);
  const many = new ArrayCollector<string>(3);
  const items = Array.from({ length: 10 }, (_, i) => `k${i}`);
  items.forEach((x) => many.push(x));
  const seen: string[] = [];
  many.forEach((x) => seen.push(x));
  t.deepEqual(seen, items);
  const done = many.done();
  t.true(done instanceof LongArray);
  t.true((done as LongArray).chunks.every((c) => c.length <= 3));
  for (const proto of [2, 3]) t.is(enc(new Deferred(done), proto), enc(items, proto), `RESP${proto}`);
});

test('ArrayCollector.protocolFrom (EXEC across HELLO): the elements before a switch keep the protocol of their time, across chunks', (t) => {
  // A null is $-1 in RESP2 and _ in RESP3: which one each element became shows its protocol.
  const c = new ArrayCollector<Reply>(2);
  for (let i = 0; i < 3; i++) c.push(null);
  c.protocolFrom(2, 3);
  for (let i = 0; i < 3; i++) c.push(null);
  c.protocolFrom(3, 2);
  c.push(null);
  t.true(c.chunks.every((x) => x.length > 0 && x.length <= 2), 'no empty chunk between, none past its size');
  t.is(c.length, 7);
  const want = `${'$-1\r\n'.repeat(3)}${'_\r\n'.repeat(3)}$-1\r\n`;
  for (const proto of [2, 3]) {
    t.is(enc(c.all(true), proto), `*7\r\n${want}`, `connection in RESP${proto}`);
    t.is(enc(c.all(false), proto), want, `RESP${proto}, without the header`);
  }
  // A switch before any element (HELLO first in EXEC): every element in the new protocol.
  const first = new ArrayCollector<Reply>(2);
  first.protocolFrom(2, 3);
  first.push(null);
  t.is(enc(first.all(true), 2), '*1\r\n_\r\n');
  t.false(Array.isArray(first.done()), 'protocols given: written as a LongArray');
});

test('a connection\'s ReplyBuffer writes a LongArray into storage of at most 64 MB: a longer reply goes on in new storage, bytes and order intact', (t) => {
  // Node's Buffers stop at 4 GB: a storage that doubled on failed a reply past that (MGET of 45M
  // values of 100 bytes: the client was closed after an internal error); Redis sends it.
  const value = 'v'.repeat(100);
  const big = 'B'.repeat(300 * 1024); // a piece of its own in `split`
  const items: Reply[] = Array.from({ length: 1_300_000 }, (_, i) => (i % 100_000 === 7 ? big : i % 3 === 0 ? i : value));
  items[900_000] = new Deferred(['d']);
  const reply = new LongArray([items.slice(0, 500_000), items.slice(500_000)], items.length);
  const split = new ReplyBuffer(256 * 1024, true);
  const whole = new ReplyBuffer(Infinity, false);
  let largest = 0;
  const grew = split.write.bind(split);
  split.write = (r, proto) => {
    grew(r, proto);
    largest = Math.max(largest, split.buf.length);
  };
  for (const out of [split, whole]) {
    out.write(big, 2);
    out.write(reply, 2);
  }
  t.true(largest <= 64 * 1024 * 1024, `storage grew to ${largest}`);
  t.true(whole.size > 90 * 1024 * 1024, `only ${whole.size} bytes`);
  t.is(split.size, whole.size);
  t.deepEqual(split.deferred, whole.deferred);
  t.true(Buffer.concat(split.chunks()).equals(whole.peek()));
  split.clear();
  t.is(split.size, 0);
  split.write('after', 2);
  t.is(Buffer.concat(split.chunks()).toString(), '$5\r\nafter\r\n');
});

test('longArray(): arrays of 65,536 elements and more are LongArrays, encoded as the same array', (t) => {
  const short = Array.from({ length: 65_535 }, (_, i) => i);
  t.is(longArray(short), short);
  const long = [...short, 65_535];
  const wrapped = longArray(long);
  t.true(wrapped instanceof LongArray);
  for (const proto of [2, 3]) t.true(encodeReply(wrapped, proto).equals(encodeReply(long, proto)));
});

test('LongText: a text longer than one string may be is written as raw pieces, the same bytes as the joined text in both protocols', (t) => {
  const parts = ['id=1 name=', 'n'.repeat(40), ' age=0', '\n', 'id=2 name=', '', ' age=3', '\n'];
  const joined = parts.join('');
  for (const longest of [joined.length, joined.length - 1, 5]) {
    const text = new LongText(longest);
    for (const p of parts) text.add(p);
    t.is(text.joined() === null, longest < joined.length);
    for (const proto of [2, 3]) {
      t.is(enc(text.reply(proto, true), proto), enc(new VerbatimReply(joined), proto), `verbatim, RESP${proto}, longest ${longest}`);
      t.is(enc(text.reply(proto, false), proto), enc(joined, proto), `bulk, RESP${proto}, longest ${longest}`);
    }
  }
  // In an array (ACL LOG's client-info), as EXEC's reply would hold it.
  const text = new LongText(3);
  text.add('abcdef');
  t.is(enc(['x', text.reply(3, false)], 3), '*2\r\n$1\r\nx\r\n$6\r\nabcdef\r\n');
});

test('LongText.error(): an error text longer than one string may be is written from its parts, the same bytes as the joined text', (t) => {
  const parts = ["ERR Unknown client type '", 'a\r\nb'.repeat(10), "'"];
  const joined = parts.join('');
  const expected = `-${joined.replace(/[\r\n]/g, ' ')}\r\n`;
  // The encoder writes `-<text>\r\n` as one string: the text joins while 3 chars shorter than the longest.
  for (const [longest, long] of [[joined.length + 3, false], [joined.length + 2, true], [5, true]] as const) {
    const text = new LongText(longest);
    for (const p of parts) text.add(p);
    const r = text.error();
    t.is(r instanceof LongErrorReply, long, `longest ${longest}`);
    t.is(r.message, long ? joined.slice(0, 1024) : joined);
    for (const proto of [2, 3]) t.is(enc(r, proto), expected, `RESP${proto}, longest ${longest}`);
    t.is(enc(['x', r], 2), `*2\r\n$1\r\nx\r\n${expected}`, 'in an array (EXEC)');
  }
  // A long part of a connection's batch is a piece of its own (as a big bulk), between the storage's bytes.
  const big = ['ERR x ', 'y'.repeat(100_000), '\n'];
  const text = new LongText(10);
  for (const p of big) text.add(p);
  const b = new ReplyBuffer(64 * 1024, true);
  b.write('before', 2);
  b.write(text.error(), 2);
  b.write(OK, 2);
  t.true(b.chunks().length > 1);
  t.is(b.size, Buffer.concat(b.chunks()).length);
  t.is(Buffer.concat(b.chunks()).toString('latin1'), `$6\r\nbefore\r\n-ERR x ${'y'.repeat(100_000)} \r\n+OK\r\n`);
  // Its message is the text's first 1024 chars, what error statistics and log lines read.
  t.is(text.error().message, `ERR x ${'y'.repeat(1018)}`);
  b.clear();
});
