// Bitmap commands on string values, as Redis's bitops.c: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP
// (BITFIELD and BITFIELD_RO: bitfield.ts, on the helpers exported here). Bit 0 is the most
// significant bit of the first byte, and bits past a value's end read as 0, as in Redis.
//
// A value these commands write becomes a ByteString (keyspace/values.ts) and is then changed in
// place, one bit in O(1) as Redis changes its sds; reads take any string value as it is. As Redis's
// dirty counter decides, a command is logged to the AOF (as typed) and seen by WATCH only when it
// changed something: a SETBIT that leaves its bit as it was is neither, unless it created or
// zero-padded the value.

import { constants } from 'node:buffer';
import { command, ONE_KEY, type CommandSpec, type Ctx } from './types.js';
import { cWord, toI64, toInt } from './args.js';
import { err, ErrorReply, type Reply } from '../protocol/reply.js';
import { BIT_OFFSET, BIT_VALUE, BITOP_NOT, BITPOS_BIT, NOT_INTEGER, STRING_TOO_LONG, SYNTAX } from '../errors.js';
import { ByteString } from '../keyspace/values.js';
import { growStored, readStored, writableStored, type StringValue } from './keyaccess.js';

/**
 * Redis's getBitOffsetFromArgument: a bit offset below proto-max-bulk-len bytes. With `bits` > 0
 * (BITFIELD), `#n` means the n-th field of that width: n * bits, multiplied as Redis's 64-bit C
 * integers (which wrap).
 */
export function bitOffset(ctx: Ctx, arg: string, bits = 0): number | ErrorReply {
  const hash = bits > 0 && arg.charCodeAt(0) === 35; // '#'
  const limit = ctx.server.config.int('proto-max-bulk-len');
  // The AOF's replay client is held to no limit (Redis's mustObeyClient): the file holds what was accepted.
  const obey = ctx.client.mustObey;
  if (!hash && arg.length < 16) {
    // The common case without BigInt (a SETBIT's offset is parsed per call): exact below 2^53.
    const k = toInt(arg);
    if (k === null || k < 0 || (!obey && Math.floor(k / 8) >= limit)) return err(BIT_OFFSET);
    return k;
  }
  let n = toI64(hash ? arg.slice(1) : arg);
  if (n === null) return err(BIT_OFFSET);
  if (hash) n = BigInt.asIntN(64, n * BigInt(bits));
  if (n < 0n || (!obey && n >> 3n >= BigInt(limit))) return err(BIT_OFFSET);
  return Number(n);
}

/** Byte `i` of the contents, 0 past the end. */
export function byteAt(v: StringValue, i: number): number {
  if (i >= v.length) return 0;
  return typeof v === 'string' ? v.charCodeAt(i) : v.bytes[i];
}

/** The contents as bytes, for BITOP (a copy only for a string). */
function bytesOf(v: StringValue): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v.view;
}

/** A string scanned by BITCOUNT / BITPOS whose range is at least this long becomes a ByteString. */
const SCAN_CONVERT_BYTES = 4096;

/**
 * The bytes holding bits from..to, and the bit their first byte starts at: a ByteString's own
 * storage; of a string, a copy of only those bytes (a BITCOUNT of one byte of a 64 MB string used
 * to copy 64 MB), or, for a long range, the string made a ByteString once (the same contents, so
 * WATCH hears nothing): every bitmap is a string after a restart (the AOF holds SET), and each
 * whole scan of it copied it again (BITCOUNT of 64 MB: 91 ms against Redis's 16, 41 as bytes).
 */
function rangeBytes(ctx: Ctx, key: string, v: StringValue, from: number, to: number): [Uint8Array, number] {
  if (typeof v !== 'string') return [v.bytes, 0];
  const first = Math.floor(from / 8);
  const last = Math.floor(to / 8);
  if (last - first < SCAN_CONVERT_BYTES) return [Buffer.from(v.slice(first, last + 1), 'latin1'), first * 8];
  const b = ByteString.of(v);
  ctx.db.editInPlace(key, b);
  return [b.bytes, 0];
}

/**
 * Redis's lookupStringForBitCommand: the value of `key` as a ByteString of at least `bytes` bytes,
 * created zeroed when missing, converted or zero-padded when not (an AOF rewrite's snapshot told
 * first). `grew`: it was created or padded, which makes the command a change whatever it does to
 * the bits (Redis's dirty). WRONGTYPE for another type.
 */
export function bitsForWrite(ctx: Ctx, key: string, bytes: number): { b: ByteString; grew: boolean } | ErrorReply {
  const v = writableStored(ctx, key);
  if (v instanceof ErrorReply) return v;
  // V8's longest string (24 bytes short of 512 MB) bounds a value that GET must be able to return.
  if (bytes > constants.MAX_STRING_LENGTH) return err(STRING_TOO_LONG);
  if (v === null) {
    const b = ByteString.zeroed(bytes);
    // WATCH hears of it through changed(), as Redis's dbAdd here tells it nothing: a BITFIELD
    // whose operations all fail makes the key without aborting a transaction watching it.
    ctx.db.set(key, b, false, false);
    return { b, grew: true };
  }
  if (v instanceof ByteString) return { b: v, grew: growStored(ctx, key, v, bytes) };
  const b = ByteString.of(v, bytes);
  ctx.db.editInPlace(key, b);
  return { b, grew: bytes > v.length };
}

/** The end of a command that made `changes` changes to `key`: WATCH sees it and the AOF gets the command. */
export function changed(ctx: Ctx, key: string, args: string[], changes = 1): void {
  ctx.db.signalModified(key);
  ctx.propagate(args, changes);
}

function setbit(ctx: Ctx, args: string[]): Reply {
  const off = bitOffset(ctx, args[2]);
  if (off instanceof ErrorReply) return off;
  const on = args[3] === '1' ? 1 : args[3] === '0' ? 0 : -1; // toI64 accepts no other spelling of them
  if (on < 0) return err(BIT_VALUE);
  const byte = Math.floor(off / 8);
  const w = bitsForWrite(ctx, args[1], byte + 1);
  if (w instanceof ErrorReply) return w;
  const mask = 0x80 >> (off & 7);
  const old = (w.b.bytes[byte] & mask) === 0 ? 0 : 1;
  if (w.grew || old !== on) {
    w.b.bytes[byte] = on === 1 ? w.b.bytes[byte] | mask : w.b.bytes[byte] & ~mask;
    changed(ctx, args[1], args);
  }
  return old;
}

function getbit(ctx: Ctx, args: string[]): Reply {
  const off = bitOffset(ctx, args[2]);
  if (off instanceof ErrorReply) return off;
  const v = readStored(ctx, args[1]);
  if (v === null || v instanceof ErrorReply) return v ?? 0;
  return (byteAt(v, Math.floor(off / 8)) >> (7 - (off & 7))) & 1;
}

/** BIT or BYTE (Redis's strcasecmp): whether ranges count bits; null for another word. */
function unitIsBit(arg: string | undefined): boolean | null {
  if (arg === undefined) return false;
  const w = cWord(arg);
  return w === 'BIT' ? true : w === 'BYTE' ? false : null;
}

/**
 * A start..end range of a value of `bytes` bytes, in bits (`isBit`) or bytes, with Redis's
 * negative indexes and clamping, as the inclusive range of bits it covers (from > to: empty).
 */
function bitRange(start: bigint, end: bigint, isBit: boolean, bytes: number): [number, number] {
  const total = BigInt(isBit ? bytes * 8 : bytes);
  if (start < 0n) start += total;
  if (end < 0n) end += total;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= total) end = total - 1n;
  // Past the end, a start keeps the range empty as it is (Number of a huge bigint stays huge).
  const s = Number(start);
  const e = Number(end);
  return isBit ? [s, e] : [s * 8, e * 8 + 7];
}

/** Set bits per byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, i) => {
  let n = 0;
  for (let x = i; x !== 0; x &= x - 1) n++;
  return n;
});

/** Masks of a byte's bits from bit `i` (0: the most significant) to its end, and from its start to `i`. */
const fromBit = (i: number): number => 0xff >> (i & 7);
const toBit = (i: number): number => (0xff << (7 - (i & 7))) & 0xff;

/** A 32-bit word's set bits per byte, each 0-8 (the first steps of a SWAR popcount). */
function byteCounts(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (x + (x >>> 4)) & 0x0f0f0f0f;
}

/** Set bits of a 32-bit word (SWAR, as Redis's redisPopcount does for its words). */
function popcount32(x: number): number {
  return Math.imul(byteCounts(x), 0x01010101) >>> 24;
}

/**
 * Set bits of the words of `w`: four at a time, their byte counts added before the one multiply
 * that sums a word's bytes (at most 32 a byte), as Redis counts 28 bytes a step. A 64 MB bitmap:
 * 24 ms in process, where a word at a time took 32 (over the wire 27 ms; redis-server 15).
 */
function countWords(w: Uint32Array): number {
  const to = w.length;
  let n = 0;
  let j = 0;
  for (const end = to - 3; j < end; j += 4) {
    n += Math.imul(byteCounts(w[j]) + byteCounts(w[j + 1]) + byteCounts(w[j + 2]) + byteCounts(w[j + 3]), 0x01010101) >>> 24;
  }
  for (; j < to; j++) n += popcount32(w[j]);
  return n;
}

/**
 * Set bits of `b` in the inclusive bit range from..to, the whole words in the middle by countWords.
 */
export function countBits(b: Uint8Array, from: number, to: number): number {
  const first = Math.floor(from / 8);
  const last = Math.floor(to / 8);
  if (first === last) return POPCOUNT[b[first] & fromBit(from) & toBit(to)];
  let n = POPCOUNT[b[first] & fromBit(from)] + POPCOUNT[b[last] & toBit(to)];
  let i = first + 1;
  for (; i < last && (b.byteOffset + i) % 4 !== 0; i++) n += POPCOUNT[b[i]];
  const words = Math.floor((last - i) / 4);
  if (words > 0) {
    n += countWords(new Uint32Array(b.buffer, b.byteOffset + i, words));
    i += words * 4;
  }
  for (; i < last; i++) n += POPCOUNT[b[i]];
  return n;
}

/**
 * The first bit equal to `bit` in the inclusive bit range from..to of `b`, or -1. Whole words of
 * the other bit are skipped in the middle, as Redis's redisBitpos skips them.
 */
export function findBit(b: Uint8Array, from: number, to: number, bit: number): number {
  const first = Math.floor(from / 8);
  const last = Math.floor(to / 8);
  const flip = bit === 1 ? 0 : 0xff;
  const found = (i: number, x: number): number => i * 8 + Math.clz32(x) - 24;
  let x = (b[first] ^ flip) & fromBit(from) & (first === last ? toBit(to) : 0xff);
  if (x !== 0) return found(first, x);
  if (first === last) return -1;
  let i = first + 1;
  for (; i < last && (b.byteOffset + i) % 4 !== 0; i++) if ((x = b[i] ^ flip) !== 0) return found(i, x);
  const words = Math.floor((last - i) / 4);
  if (words > 0) {
    const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
    const skip = bit === 1 ? 0 : 0xffffffff;
    let j = 0;
    while (j < words && w[j] === skip) j++;
    i += j * 4; // the bytes from here on are scanned one by one: the first differing word among them
  }
  for (; i < last; i++) if ((x = b[i] ^ flip) !== 0) return found(i, x);
  x = (b[last] ^ flip) & toBit(to);
  return x !== 0 ? found(last, x) : -1;
}

/** BITCOUNT key [start end [BYTE|BIT]] */
function bitcount(ctx: Ctx, args: string[]): Reply {
  // As Redis, the key first: a missing key counts 0 whatever the other arguments say.
  const v = readStored(ctx, args[1]);
  if (v === null || v instanceof ErrorReply) return v ?? 0;
  let range: [number, number];
  if (args.length === 4 || args.length === 5) {
    const start = toI64(args[2]);
    if (start === null) return err(NOT_INTEGER);
    const end = toI64(args[3]);
    if (end === null) return err(NOT_INTEGER);
    if (start < 0n && end < 0n && start > end) return 0;
    const isBit = unitIsBit(args[4]);
    if (isBit === null) return err(SYNTAX);
    range = bitRange(start, end, isBit, v.length);
  } else if (args.length === 2) {
    range = [0, v.length * 8 - 1];
  } else {
    return err(SYNTAX);
  }
  if (range[0] > range[1]) return 0;
  const [b, base] = rangeBytes(ctx, args[1], v, range[0], range[1]);
  return countBits(b, range[0] - base, range[1] - base);
}

/** BITPOS key bit [start [end [BYTE|BIT]]] */
function bitpos(ctx: Ctx, args: string[]): Reply {
  const bit = toI64(args[2]);
  if (bit === null) return err(NOT_INTEGER);
  if (bit !== 0n && bit !== 1n) return err(BITPOS_BIT);
  const v = readStored(ctx, args[1]);
  // A missing key is an endless run of 0 bits.
  if (v === null) return bit === 1n ? -1 : 0;
  if (v instanceof ErrorReply) return v;
  let range: [number, number];
  const endGiven = args.length >= 5;
  if (args.length >= 4 && args.length <= 6) {
    const start = toI64(args[3]);
    if (start === null) return err(NOT_INTEGER);
    const isBit = unitIsBit(args[5]);
    if (isBit === null) return err(SYNTAX);
    const end = endGiven ? toI64(args[4]) : -1n;
    if (end === null) return err(NOT_INTEGER);
    range = bitRange(start, end, isBit, v.length);
  } else if (args.length === 3) {
    range = [0, v.length * 8 - 1];
  } else {
    return err(SYNTAX);
  }
  if (range[0] > range[1]) return -1;
  const [b, base] = rangeBytes(ctx, args[1], v, range[0], range[1]);
  const found = findBit(b, range[0] - base, range[1] - base, Number(bit));
  const pos = found < 0 ? -1 : found + base;
  // Looking for a 0 past a range with no end given finds the padding right after the value.
  return pos >= 0 || bit === 1n || endGiven ? pos : range[1] + 1;
}

/** BITOP AND|OR|XOR|NOT destkey key [key ...] */
function bitop(ctx: Ctx, args: string[]): Reply {
  const op = cWord(args[1]);
  if (op !== 'AND' && op !== 'OR' && op !== 'XOR' && op !== 'NOT') return err(SYNTAX);
  if (op === 'NOT' && args.length !== 4) return err(BITOP_NOT);
  const sources: Uint8Array[] = [];
  let max = 0;
  for (let j = 3; j < args.length; j++) {
    const v = readStored(ctx, args[j]);
    if (v instanceof ErrorReply) return v;
    const b = v === null ? new Uint8Array(0) : bytesOf(v);
    sources.push(b);
    max = Math.max(max, b.length);
  }
  const dest = args[2];
  if (max === 0) {
    // Not looked up first (Redis's dbDelete): an expired destination is deleted by the BITOP itself.
    if (ctx.db.remove(dest)) ctx.propagate(args);
    return 0;
  }
  ctx.db.set(dest, new ByteString(bitopBytes(op, sources, max), max));
  ctx.propagate(args);
  return max;
}

/** BITOP's result: `op` of `sources` (at least one), each zero-padded to `max`, the longest's length. */
export function bitopBytes(op: 'AND' | 'OR' | 'XOR' | 'NOT', sources: readonly Uint8Array[], max: number): Buffer {
  const out = Buffer.alloc(max);
  out.set(sources[0]);
  if (op === 'NOT') {
    const w = words(out);
    for (let i = 0; i < w.length; i++) w[i] = ~w[i];
    for (let i = w.length * 4; i < max; i++) out[i] = ~out[i];
  } else {
    for (let j = 1; j < sources.length; j++) combine(out, sources[j], op);
  }
  return out;
}

/**
 * The whole 32-bit words of `b`, or none when it does not start on a word (a view into a larger
 * buffer; Node's pool hands out Buffers on 8 bytes): BITOP works a word at a time where it can, as
 * Redis's bitopCommand does with longs (a byte at a time, 50 MB took 70-80 ms against Redis's 34).
 * Not an Int32Array of no words at that offset: its constructor throws (a RangeError) for any
 * offset off a word, whatever the length.
 */
function words(b: Uint8Array): Int32Array {
  return b.byteOffset % 4 === 0 ? new Int32Array(b.buffer, b.byteOffset, b.length >>> 2) : NO_WORDS;
}

const NO_WORDS = new Int32Array(0);

/** out = out OP b, b zero-padded to out's length (out is a whole Buffer of its own: aligned). */
function combine(out: Buffer, b: Uint8Array, op: 'AND' | 'OR' | 'XOR'): void {
  const n = b.length;
  const ow = words(out);
  const bw = words(b);
  const m = Math.min(ow.length, bw.length);
  if (op === 'AND') {
    for (let i = 0; i < m; i++) ow[i] &= bw[i];
    for (let i = m * 4; i < n; i++) out[i] &= b[i];
    out.fill(0, n);
  } else if (op === 'OR') {
    for (let i = 0; i < m; i++) ow[i] |= bw[i];
    for (let i = m * 4; i < n; i++) out[i] |= b[i];
  } else {
    for (let i = 0; i < m; i++) ow[i] ^= bw[i];
    for (let i = m * 4; i < n; i++) out[i] ^= b[i];
  }
}

export const bitmapCommands: CommandSpec[] = [
  command('setbit', 4, ['write', 'denyoom'], ONE_KEY, setbit),
  command('getbit', 3, ['readonly', 'fast'], ONE_KEY, getbit),
  command('bitcount', -2, ['readonly'], ONE_KEY, bitcount),
  command('bitpos', -3, ['readonly'], ONE_KEY, bitpos),
  command('bitop', -4, ['write', 'denyoom'], [2, -1, 1], bitop),
];
