// The DUMP payload codec (src/commands/dump-payload.ts, lzf.ts, crc64.ts, payload-types.ts): CRC-64
// check values, LZF round trips of random and repetitive data, the string encodings Redis 7.0
// picks, and payloads broken in every way (truncated, lying lengths, huge declared lengths, a
// corrupt LZF stream), which must give an error result and never throw.

import test from 'ava';
import { constants } from 'node:buffer';
import { crc64 } from '../../src/commands/crc64.js';
import { lzfCompress, lzfDecompress } from '../../src/commands/lzf.js';
import { dumpBulk, rdbLen as encodeLen, readPayload, withFooter } from '../../src/commands/dump-payload.js';
import { mulberry32 } from '../helpers/rng.js';

const bin = (b: Buffer): string => b.toString('latin1');
/** A payload with a valid footer around `body` (a string of bytes). */
const payload = (body: string, version = 10): string => {
  const head = Buffer.concat([Buffer.from(body, 'latin1'), Buffer.from([version & 255, version >> 8])]);
  return bin(Buffer.concat([head, crc64(head)]));
};
/** DUMP's payload (dumpBulk's bulk string without its RESP framing). */
const dumpString = (s: string, compress: boolean): string => {
  const b = dumpBulk(s, compress);
  return bin(b.subarray(b.indexOf('\r\n') + 2, b.length - 2));
};
/** The string's RDB encoding alone: the payload without its type byte and its footer. */
const encodeString = (s: string, compress: boolean): Buffer => Buffer.from(dumpString(s, compress).slice(1, -10), 'latin1');
const randomBytes = (rng: () => number, n: number, alphabet = 256): Buffer =>
  Buffer.from(Array.from({ length: n }, () => Math.floor(rng() * alphabet)));

test('CRC-64: Redis crc64.c check value and FUNCTION DUMP of no libraries', (t) => {
  t.is(Buffer.from(crc64(Buffer.from('123456789'))).reverse().toString('hex'), 'e9c6d914c4b8d9ca');
  t.is(crc64(Buffer.alloc(0)).toString('hex'), '0000000000000000');
  t.is(bin(withFooter(Buffer.alloc(0))), '\x0a\x00\x5d\x9b\x5c\x40\x0f\x7f\xa2\xda');
});

/** crc64.c's definition, a bit at a time in BigInt (reflected Jones polynomial): the reference. */
function crc64Bitwise(b: Uint8Array): string {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of b) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(crc);
  return out.toString('hex');
}

test('CRC-64 equals the bitwise definition for every length 0..80, every start offset and random data', (t) => {
  const rng = mulberry32(13);
  const data = randomBytes(rng, 3000);
  for (let n = 0; n <= 80; n++) t.is(crc64(data.subarray(5, 5 + n)).toString('hex'), crc64Bitwise(data.subarray(5, 5 + n)), `length ${n}`);
  for (let from = 0; from < 8; from++) t.is(crc64(data.subarray(from)).toString('hex'), crc64Bitwise(data.subarray(from)), `from ${from}`);
  t.is(crc64(data, 1234).toString('hex'), crc64Bitwise(data.subarray(0, 1234)), 'end');
});

test('DUMP of known values equals redis-server 7.0.15 output', (t) => {
  t.is(dumpString('hello', true), '\x00\x05hello\x0a\x00crßve4 \x0a'.replace('ß', '\xdf'));
  // Integers: int8 / int16 / int32, then beyond 32 bits as text; non-canonical ones as text.
  t.is(bin(encodeString('12', true)), '\xc0\x0c');
  t.is(bin(encodeString('-129', true)), '\xc1\x7f\xff');
  t.is(bin(encodeString('2147483647', true)), '\xc2\xff\xff\xff\x7f');
  t.is(bin(encodeString('-2147483648', true)), '\xc2\x00\x00\x00\x80');
  t.is(bin(encodeString('2147483648', true)), '\x0a2147483648');
  for (const s of ['012', '+1', '-0', ' 1', '1 ']) t.is(bin(encodeString(s, true)), String.fromCharCode(s.length) + s, s);
  // LZF from 21 bytes, when it saves 4 bytes; not with rdbcompression no.
  t.is(bin(encodeString('abcabcabcabcabcabcabc', true)), '\xc3\x0b\x15\x03abca\xe0\x06\x02\x01bc');
  t.is(bin(encodeString('abcabcabcabcabcabcab', true)), '\x14abcabcabcabcabcabcab');
  t.is(bin(encodeString('abcabcabcabcabcabcabc', false)), '\x15abcabcabcabcabcabcabc');
  t.is(bin(encodeString('a'.repeat(93), true)), '\xc3\x09\x40\x5d\x01aa\xe0\x50\x00\x01aa');
  // Lengths: 6, 14 and 32 bits.
  t.is(bin(encodeString('x'.repeat(63), false)).slice(0, 1), '\x3f');
  t.is(bin(encodeString('x'.repeat(100), false)).slice(0, 2), '\x40\x64');
  t.is(bin(encodeString('x'.repeat(20000), false)).slice(0, 5), '\x80\x00\x00\x4e\x20');
});

test('LZF round trips random, low-entropy and repetitive data of many lengths', (t) => {
  const rng = mulberry32(11);
  for (let i = 0; i < 600; i++) {
    const n = i < 300 ? i + 1 : Math.floor(rng() * 70000) + 1;
    const alphabet = [2, 4, 16, 256][i % 4];
    const input = i % 5 === 0 ? Buffer.alloc(n, 'ab') : randomBytes(rng, n, alphabet);
    const packed = lzfCompress(input, n + Math.ceil(n / 32) + 64);
    if (packed === null) return void t.fail(`no room for ${n} bytes`);
    const out = Buffer.alloc(n);
    t.is(lzfDecompress(packed, 0, packed.length, out), n);
    if (!out.equals(input)) return void t.fail(`round trip of ${n} bytes (alphabet ${alphabet}) differs`);
    // With no room to spare, compression gives up rather than overflow.
    t.is(lzfCompress(input, Math.max(1, packed.length - 1)), null);
  }
});

test('LZF: an input compresses to the same bytes whatever was compressed before (no entry of an earlier call is used)', (t) => {
  const rng = mulberry32(12);
  const inputs = Array.from({ length: 200 }, (_, i) => randomBytes(rng, 21 + Math.floor(rng() * 3000), [2, 4, 16][i % 3]));
  const first = inputs.map((b) => lzfCompress(b, b.length + 64));
  // Again, in reverse order, each after a similar input of its own: stale entries would match.
  for (let i = inputs.length - 1; i >= 0; i--) {
    lzfCompress(inputs[(i + 1) % inputs.length], inputs.length + 64);
    const again = lzfCompress(inputs[i], inputs[i].length + 64);
    if (again === null || first[i] === null || !again.equals(first[i]!)) return void t.fail(`input ${i} compressed otherwise`);
  }
  t.pass();
});

test('DUMP payloads round trip through RESTORE decoding', (t) => {
  const rng = mulberry32(5);
  const values = ['', 'a', '0', '-1', '127', '128', '-32768', '32768', '99999999999', '9223372036854775807', '\x00\xff\r\n'];
  for (let i = 0; i < 300; i++) values.push(bin(randomBytes(rng, Math.floor(rng() * 3000), i % 2 ? 256 : 3)));
  for (const v of values) {
    for (const compress of [true, false]) t.deepEqual(readPayload(dumpString(v, compress)), { kind: 'string', value: v });
  }
});

test('bad payloads give error results, never exceptions', (t) => {
  const good = dumpString('hello world hello world hello world', true);
  t.deepEqual(readPayload(''), { kind: 'checksum' });
  t.deepEqual(readPayload(good.slice(0, -1)), { kind: 'checksum' });
  t.deepEqual(readPayload(good.slice(0, -1) + 'x'), { kind: 'checksum' });
  t.deepEqual(readPayload(payload('\x00\x05hello', 11)), { kind: 'checksum' });
  t.deepEqual(readPayload(payload('\x00\x05hello', 9)), { kind: 'string', value: 'hello' });
  // As Redis's rio, reads may run into the footer: an int8 with no byte of its own reads the version.
  t.deepEqual(readPayload(payload('\x00\xc0')), { kind: 'string', value: '10' });
  const bad = [
    '', '\x00', '\x00\x15hello', '\x00\xc4', '\x00\x82',
    '\x00\x81\xff\xff\xff\xff\xff\xff\xff\xff', '\x00\x80\xff\xff\xff\xff',
    // LZF: a compressed length past the end, an original length that cannot be reached (huge, or
    // more than the data makes), a back reference before the start, a literal run past the end.
    '\x00\xc3\x81\xff\xff\xff\xff\xff\xff\xff\xff\x05\x00', '\x00\xc3\x02\x81\xff\xff\xff\xff\xff\xff\xff\xff\x00a',
    '\x00\xc3\x02\x80\x7f\xff\xff\xff\x00a', '\x00\xc3\x02\x05\x00a', '\x00\xc3\x02\x05\x20\x00', '\x00\xc3\x02\x05\x05a',
    // Other types: unknown, module, empty or truncated collections, bad blob headers.
    '\x08\x00', '\x06\x00', '\x07\x00', '\x14\x00', '\xff', '\x01\x00', '\x01\x02\x01a', '\x04\x01\x01a', '\x03\x01\x01a\xfc',
    '\x10\x00', '\x10\x07\x07\x00\x00\x00\x00\x00\xff', '\x0b\x08\x02\x00\x00\x00\x01\x00\x00\x00', '\x12\x01\x03\x01a',
  ];
  for (const body of bad) {
    const r = t.notThrows(() => readPayload(payload(body)));
    t.deepEqual(readPayload(payload(body)), { kind: 'bad' }, JSON.stringify(body));
    void r;
  }
  // Every truncation and every one-byte corruption of a good payload (checksum fixed up).
  const body = good.slice(0, -10);
  for (let n = 0; n < body.length; n++) {
    t.notThrows(() => readPayload(payload(body.slice(0, n))));
    const flipped = body.slice(0, n) + String.fromCharCode(body.charCodeAt(n) ^ 0x5a) + body.slice(n + 1);
    t.notThrows(() => readPayload(payload(flipped)));
  }
});

test('well-formed payloads of other types are named, not stored', (t) => {
  t.deepEqual(readPayload(payload('\x01\x01\x01a')), { kind: 'other', type: 'list' });
  t.deepEqual(readPayload(payload('\x02\x02\x01a\x01b')), { kind: 'other', type: 'set' });
  t.deepEqual(readPayload(payload('\x04\x01\x01f\x01v')), { kind: 'other', type: 'hash' });
  t.deepEqual(readPayload(payload('\x05\x01\x01a' + '\x00'.repeat(8))), { kind: 'other', type: 'zset' });
  t.deepEqual(readPayload(payload('\x0b\x0c\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x02\x00')), { kind: 'other', type: 'set' });
  t.deepEqual(readPayload(payload('\x13')), { kind: 'other', type: 'stream' });
});

/** An LZF stream of `n` zero bytes: a literal, then back references of 264 bytes at distance 1. */
function lzfZeros(n: number): Buffer {
  const full = Math.floor((n - 1) / 264);
  const rest = n - 1 - full * 264; // the tests use sizes where it is 9 or more
  const b = Buffer.alloc(2 + (full + 1) * 3);
  for (let i = 0; i < full; i++) b.set([0xe0, 255, 0], 2 + i * 3);
  b.set([0xe0, rest - 9, 0], 2 + full * 3);
  return b;
}

test('a valid LZF string longer than a JS string is too-long (Redis loads it), a corrupt one bad, neither throws', (t) => {
  const n = constants.MAX_STRING_LENGTH + 1 + 264 * 3; // rest of lzfZeros: 9 or more
  const lz = lzfZeros(n);
  t.is(lzfDecompress(lz, 0, lz.length, null, n), n);
  const body = (s: Buffer): string => bin(Buffer.concat([Buffer.from([0, 0xc3]), encodeLen(s.length), encodeLen(n), s]));
  t.deepEqual(readPayload(payload(body(lz))), { kind: 'too-long' });
  const corrupt = Buffer.from(lz);
  corrupt[2] = 0xe1; // a back reference 257 bytes before the start
  t.deepEqual(readPayload(payload(body(corrupt))), { kind: 'bad' });
  const small = lzfZeros(1000);
  const out = Buffer.alloc(1000, 1);
  t.is(lzfDecompress(small, 0, small.length, out), 1000);
  t.true(out.equals(Buffer.alloc(1000)));
});
