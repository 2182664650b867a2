// DUMP payloads of string values, as Redis 7.0's createDumpPayload / verifyDumpPayload and the
// RDB string encoding (rdb.c: rdbSaveRawString, rdbGenericLoadStringObject). A payload is
//
//   object type (1 byte, 0 = string) | RDB encoding of the value | RDB version (2 bytes LE) | CRC-64 (8 bytes LE)
//
// where the CRC-64 (crc64.ts) covers everything before it. The string's encoding is the first of:
// an integer (0xC0/0xC1/0xC2 + 1, 2 or 4 bytes LE) for a canonical integer of at most 11 characters
// that fits in 32 bits; LZF (0xC3, compressed length, length, data: lzf.ts) with `compress`
// (rdbcompression) for more than 20 bytes that compress by at least 4; else its length (RDB length
// encoding: 6, 14, 32 or 64 bits) and its bytes.
//
// Decoding reads as Redis's rio over the whole payload, footer included (a length may run into the
// footer, and bytes left between the value and the footer are ignored, as in Redis). Every read is
// bounds-checked first: a bad payload is an error result, never an exception or an allocation
// larger than the payload can fill; a valid LZF string longer than a JS string can be (which
// Redis would load) is a result of its own, found without decompressing it into memory. Payloads of the other types are checked for their structure
// only (payload-types.ts): Keystonelight cannot store them.

import { constants } from 'node:buffer';
import { crc64 } from './crc64.js';
import { lzfCompress, lzfDecompress } from './lzf.js';
import { isCanonicalInt } from '../keyspace/values.js';
import { skipObject } from './payload-types.js';

/** Redis 7.0's RDB_VERSION: what DUMP writes, and the newest RESTORE accepts. */
export const RDB_VERSION = 10;

const RDB_6BITLEN = 0;
const RDB_14BITLEN = 1;
const RDB_32BITLEN = 0x80;
const RDB_64BITLEN = 0x81;
const RDB_ENCVAL = 3;
const ENC_INT8 = 0;
const ENC_INT16 = 1;
const ENC_INT32 = 2;
const ENC_LZF = 3;
/** The most bytes one byte of LZF can stand for (a 3-byte back reference of 264 bytes). */
const LZF_MAX_RATIO = 88;

/** Appends the RDB version and the CRC-64 to `body` (Redis's createDumpPayload footer). */
export function withFooter(body: Buffer): Buffer {
  const head = Buffer.concat([body, Buffer.from([RDB_VERSION & 0xff, RDB_VERSION >> 8])]);
  return Buffer.concat([head, crc64(head)]);
}

/** Redis's rdbSaveLen. */
export function rdbLen(n: number): Buffer {
  if (n < 1 << 6) return Buffer.from([(RDB_6BITLEN << 6) | n]);
  if (n < 1 << 14) return Buffer.from([(RDB_14BITLEN << 6) | (n >> 8), n & 0xff]);
  if (n <= 0xffffffff) {
    const b = Buffer.alloc(5);
    b[0] = RDB_32BITLEN;
    b.writeUInt32BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = RDB_64BITLEN;
  b.writeBigUInt64BE(BigInt(n), 1);
  return b;
}

/** Redis's rdbEncodeInteger: the integer encodings, null when `v` needs more than 32 bits. */
function encodeInteger(v: number): Buffer | null {
  const enc = (type: number, size: number): Buffer => {
    const b = Buffer.alloc(1 + size);
    b[0] = (RDB_ENCVAL << 6) | type;
    b.writeIntLE(v, 1, size);
    return b;
  };
  if (v >= -(2 ** 7) && v < 2 ** 7) return enc(ENC_INT8, 1);
  if (v >= -(2 ** 15) && v < 2 ** 15) return enc(ENC_INT16, 2);
  if (v >= -(2 ** 31) && v < 2 ** 31) return enc(ENC_INT32, 4);
  return null;
}

/**
 * Redis's rdbSaveRawString for the string `s` (one char per byte): the encoding's header and its
 * data, apart, so that a large value is copied once, into the payload (dumpBulk).
 */
function encodeParts(s: string, compress: boolean): [Buffer, Buffer | string] {
  const n = s.length;
  if (n <= 11 && isCanonicalInt(s)) {
    const asInt = encodeInteger(Number(s));
    if (asInt !== null) return [asInt, ''];
  }
  if (compress && n > 20) {
    // rdbSaveLzfStringObject: worth it only when it saves at least 4 bytes.
    const packed = lzfCompress(Buffer.from(s, 'latin1'), n - 4);
    if (packed !== null) return [Buffer.concat([Buffer.from([(RDB_ENCVAL << 6) | ENC_LZF]), rdbLen(packed.length), rdbLen(n)]), packed];
  }
  return [rdbLen(n), s];
}

/** Redis's rdbSavedObjectLen of a string (DEBUG OBJECT's serializedlength): its RDB encoding's length. */
export function rdbStringLength(s: string, compress: boolean): number {
  const [header, data] = encodeParts(s, compress);
  return header.length + data.length;
}

/**
 * DUMP of a string value: its payload as a RESP bulk string (`$<length>`, the payload, CRLF; the
 * same in RESP2 and RESP3), written once into one buffer. Not a string reply: the payload of a
 * value near the longest JS string is longer than a JS string can be, and each copy of a large
 * value costs.
 */
export function dumpBulk(s: string, compress: boolean): Buffer {
  const [header, data] = encodeParts(s, compress);
  const n = 1 + header.length + data.length + 10;
  const head = `$${n}\r\n`;
  const out = Buffer.allocUnsafe(head.length + n + 2);
  const start = out.latin1Write(head, 0);
  let at = start;
  out[at++] = 0; // the object type: a string
  at += header.copy(out, at);
  at += typeof data === 'string' ? out.latin1Write(data, at) : data.copy(out, at);
  out[at++] = RDB_VERSION & 0xff;
  out[at++] = RDB_VERSION >> 8;
  at += crc64(out.subarray(start, at)).copy(out, at);
  out.latin1Write('\r\n', at);
  return out;
}

/** Redis's verifyDumpPayload: room for the footer, a version Redis 7.0 reads, a matching CRC-64. */
export function verifyPayload(p: Buffer): boolean {
  if (p.length < 10) return false;
  const footer = p.length - 10;
  if ((p[footer] | (p[footer + 1] << 8)) > RDB_VERSION) return false;
  return crc64(p, p.length - 8).equals(p.subarray(p.length - 8));
}

/** A read position in a payload (Redis's rio over the payload's buffer, footer included). */
export class Reader {
  pos = 0;
  /** A valid LZF string longer than a JS string can be was met (Redis would load it). */
  tooLong = false;
  constructor(readonly b: Buffer) {}

  /** Bytes left to read. */
  get left(): number {
    return this.b.length - this.pos;
  }

  /** The next `n` bytes, or null when fewer are left (rioRead failing). */
  take(n: number): Buffer | null {
    if (n > this.left) return null;
    this.pos += n;
    return this.b.subarray(this.pos - n, this.pos);
  }

  byte(): number | null {
    return this.left < 1 ? null : this.b[this.pos++];
  }
}

/** A length as rdbLoadLenByRef reads it: `encoded` when it is an encoding type (RDB_ENCVAL). */
export interface Len {
  n: number;
  encoded: boolean;
}

/** Redis's rdbLoadLenByRef; null for a short read or an unknown length encoding. */
export function readLen(r: Reader): Len | null {
  const first = r.byte();
  if (first === null) return null;
  const type = first >> 6;
  if (type === RDB_ENCVAL) return { n: first & 0x3f, encoded: true };
  if (type === RDB_6BITLEN) return { n: first & 0x3f, encoded: false };
  if (type === RDB_14BITLEN) {
    const second = r.byte();
    return second === null ? null : { n: ((first & 0x3f) << 8) | second, encoded: false };
  }
  if (first === RDB_32BITLEN) {
    const b = r.take(4);
    return b === null ? null : { n: b.readUInt32BE(0), encoded: false };
  }
  if (first === RDB_64BITLEN) {
    const b = r.take(8);
    // Past 2^53 the length is anyway beyond any payload: its exact value does not matter.
    return b === null ? null : { n: b.readUInt32BE(0) * 2 ** 32 + b.readUInt32BE(4), encoded: false };
  }
  return null;
}

/** Redis's rdbLoadLzfStringObject: null when the lengths lie or the data is corrupt. */
function readLzf(r: Reader): string | null {
  const clen = readLen(r);
  const len = clen && readLen(r);
  if (!clen || !len || clen.n > r.left || len.n > clen.n * LZF_MAX_RATIO) return null;
  const from = r.pos;
  r.pos += clen.n;
  if (len.n > constants.MAX_STRING_LENGTH) {
    // Checked without being written (nothing could hold it): Redis loads it when it is valid.
    r.tooLong = lzfDecompress(r.b, from, r.pos, null, len.n) === len.n;
    return null;
  }
  const out = Buffer.alloc(len.n);
  return lzfDecompress(r.b, from, r.pos, out) === len.n ? out.latin1Slice(0, len.n) : null;
}

/** Redis's rdbGenericLoadStringObject: the string's bytes, or null for a bad encoding. */
export function readString(r: Reader): string | null {
  const len = readLen(r);
  if (len === null) return null;
  if (!len.encoded) {
    const b = r.take(len.n);
    return b === null ? null : b.latin1Slice(0, b.length);
  }
  if (len.n === ENC_LZF) return readLzf(r);
  const size = [1, 2, 4][len.n];
  if (size === undefined) return null; // Redis's "Unknown RDB string encoding type"
  const b = r.take(size);
  return b === null ? null : String(b.readIntLE(0, size));
}

/** What a RESTORE payload holds. */
export type Restored =
  | { kind: 'string'; value: string }
  /** A well-formed value of another type (its type's name: list, set, zset, hash, stream). */
  | { kind: 'other'; type: string }
  /** verifyDumpPayload refuses it. */
  | { kind: 'checksum' }
  /** Redis's "Bad data format": not an object type Redis 7.0 reads, or not a well-formed one. */
  | { kind: 'bad' }
  /** A valid compressed string longer than buffer.constants.MAX_STRING_LENGTH, which Redis loads. */
  | { kind: 'too-long' };

/** Reads a RESTORE payload (as a string of bytes), checks first, as Redis's restoreCommand. */
export function readPayload(payload: string): Restored {
  const p = Buffer.from(payload, 'latin1');
  if (!verifyPayload(p)) return { kind: 'checksum' };
  const r = new Reader(p);
  const type = r.byte() as number; // there are at least 10 bytes
  const value = type === 0 ? readString(r) : null;
  if (value !== null) return { kind: 'string', value };
  const other = type === 0 ? null : skipObject(type, r);
  if (other !== null) return { kind: 'other', type: other };
  return r.tooLong ? { kind: 'too-long' } : { kind: 'bad' };
}
