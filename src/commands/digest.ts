// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis's computeDatasetDigest and xorObjectDigest (debug.c),
// bit for bit, so a digest can be compared with a real server's over the same data: SHA-1 based
// mixDigest / xorDigest over each database id, key, type, value and expire flag. Value types
// other than strings provide their own part through the `redisDigest` hook, written by their
// family. The SHA-1s are sha1.ts's, on a scratch buffer: no allocation per key.

import { sha1 } from './sha1.js';
import type { Ctx } from './types.js';
import type { Database } from '../keyspace/database.js';
import { storedStringOf, typeOf, type Value } from '../keyspace/values.js';
import { status, type Reply } from '../protocol/reply.js';

/**
 * A value type's contribution to DEBUG DIGEST, as Redis's xorObjectDigest computes it after the
 * type code: the type's family implements it with `mix` (Redis's mixDigest) and `xor` (xorDigest)
 * on the key's 20-byte digest. `code` is Redis's OBJ_* type number (list 1, set 2, zset 3, hash 4).
 */
export interface Digestible {
  readonly redisTypeCode: number;
  redisDigest(digest: Buffer, mix: (d: Buffer, data: Buffer) => void, xor: (d: Buffer, data: Buffer) => void): void;
}

const hash = Buffer.alloc(20);
/** Where strings are written to be hashed: grown to the longest, up to SCRATCH_KEEP. */
let scratch = Buffer.alloc(256);
/**
 * A longer string is hashed from a buffer of its own, garbage after the call: the scratch is
 * module state, kept for the process's life (and by every server a process embeds), so a DEBUG
 * DIGEST of one 256 MB value held 256 MB for good (found by the fuzzer once bitmaps made such values).
 */
const SCRATCH_KEEP = 1024 * 1024;

/** Redis's xorDigest: digest ^= SHA1(data[0, len)). */
function xorBytes(digest: Buffer, data: Uint8Array, len: number): void {
  sha1(data, len, hash);
  for (let i = 0; i < 20; i++) digest[i] ^= hash[i];
}

/** Redis's mixDigest: xorDigest, then digest = SHA1(digest). */
function mixBytes(digest: Buffer, data: Uint8Array, len: number): void {
  xorBytes(digest, data, len);
  sha1(digest, 20, digest);
}

const xorDigest = (digest: Buffer, data: Buffer): void => xorBytes(digest, data, data.length);
const mixDigest = (digest: Buffer, data: Buffer): void => mixBytes(digest, data, data.length);

function mixString(digest: Buffer, s: string): void {
  if (s.length > SCRATCH_KEEP) return mixDigest(digest, Buffer.from(s, 'latin1'));
  if (s.length > scratch.length) scratch = Buffer.alloc(s.length);
  mixBytes(digest, scratch, scratch.latin1Write(s, 0));
}

/** Bytes the scratch buffer holds (for tests). */
export function digestScratchBytes(): number {
  return scratch.length;
}

/** A 32-bit big-endian integer, as Redis mixes type codes and database ids. */
function mixU32(digest: Buffer, n: number): void {
  scratch.writeUInt32BE(n, 0);
  mixBytes(digest, scratch, 4);
}

const EXPIRE_MARK = Buffer.from('!!expire!!', 'latin1');

/** Redis's xorObjectDigest: the type, the value, and a marker when the key has a TTL. */
function objectDigest(db: Database, key: string, v: Value, digest: Buffer): void {
  const s = storedStringOf(v); // a bitmap's bytes as they are
  if (s !== undefined) {
    mixU32(digest, 0);
    if (typeof s === 'string') mixString(digest, s);
    else mixBytes(digest, s.bytes, s.length);
  } else {
    const d = v as Partial<Digestible>;
    if (typeof d.redisDigest !== 'function' || d.redisTypeCode === undefined) {
      throw new Error(`DEBUG DIGEST does not support values of type '${typeOf(v)}' yet`);
    }
    mixU32(digest, d.redisTypeCode);
    d.redisDigest(digest, mixDigest, xorDigest);
  }
  if (db.expires.has(key)) xorDigest(digest, EXPIRE_MARK);
}

const hex = (d: Buffer): string => d.toString('hex');

/** Redis's computeDatasetDigest, over every key as stored (logically expired ones included). */
export function datasetDigest(dbs: readonly Database[]): string {
  const final = Buffer.alloc(20);
  const digest = Buffer.alloc(20);
  for (const db of dbs) {
    if (db.size === 0) continue;
    mixU32(final, db.id);
    for (const [key, v] of db.dict.entries()) {
      digest.fill(0);
      mixString(digest, key);
      objectDigest(db, key, v, digest);
      xorBytes(final, digest, 20);
    }
  }
  return hex(final);
}

/** DEBUG DIGEST-VALUE: each key's own digest (zeros when missing), as Redis's. */
export function digestValues(ctx: Ctx, keys: string[]): Reply {
  return keys.map((key) => {
    const digest = Buffer.alloc(20);
    const v = ctx.db.dict.get(key); // as Redis: no expiry check
    if (v !== undefined) objectDigest(ctx.db, key, v, digest);
    return status(hex(digest));
  });
}
