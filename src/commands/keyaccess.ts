// Key lookups as Redis's lookupKeyRead / lookupKeyWrite. Both expire a key whose deadline has
// passed (Database.get does that) and count as an access of the key (its LRU clock / LFU counter);
// a read lookup also counts a keyspace hit or miss for INFO (keyspace_hits / keyspace_misses), a
// write lookup does not, exactly as Redis counts them.

import { err, ErrorReply } from '../protocol/reply.js';
import { WRONGTYPE } from '../errors.js';
import { storedStringOf, stringOf, type ByteString, type Value } from '../keyspace/values.js';
import type { Ctx } from './types.js';

/** The shared WRONGTYPE reply (error replies are immutable). */
export const WRONG_TYPE: ErrorReply = err(WRONGTYPE);

/**
 * lookupKeyRead: the live value of `key`, counting a hit or a miss. An access of the key (its LRU
 * or LFU data is updated) unless `touch` is false: Redis's LOOKUP_NOTOUCH, which EXISTS, TYPE,
 * TTL and OBJECT use.
 */
export function lookupRead(ctx: Ctx, key: string, touch = true): Value | undefined {
  const v = touch ? ctx.db.get(key) : ctx.db.peek(key);
  if (v === undefined) ctx.server.stats.keyspaceMisses++;
  else ctx.server.stats.keyspaceHits++;
  return v;
}

/**
 * A read of a string key (GET and every command built on Redis's getGenericCommand): the string,
 * null when the key does not exist, or the WRONGTYPE error.
 */
export function readString(ctx: Ctx, key: string): string | null | ErrorReply {
  const v = lookupRead(ctx, key);
  if (v === undefined) return null;
  return stringOf(v) ?? WRONG_TYPE;
}

/** A write-side read of a string key: as readString, without touching the hit/miss counters. */
export function writableString(ctx: Ctx, key: string): string | null | ErrorReply {
  const v = ctx.db.get(key);
  if (v === undefined) return null;
  return stringOf(v) ?? WRONG_TYPE;
}

/** A string value as stored: a string, or a ByteString (bitmaps: keyspace/values.ts) left as it is. */
export type StringValue = string | ByteString;

/** As stringOf, without turning a ByteString into a string (which copies it whole). */
function asStored(v: Value): StringValue | ErrorReply {
  return storedStringOf(v) ?? WRONG_TYPE;
}

/**
 * readString for the commands that need only part of a value or its length (STRLEN, GETRANGE, the
 * bit commands): a ByteString as it is, not copied into a string.
 */
export function readStored(ctx: Ctx, key: string): StringValue | null | ErrorReply {
  const v = lookupRead(ctx, key);
  return v === undefined ? null : asStored(v);
}

/**
 * Readies a stored ByteString for a change in place reaching `bytes` bytes: the snapshot told
 * first (Database.editInPlace), zero-padded, its size charged again. True when it grew.
 */
export function growStored(ctx: Ctx, key: string, b: ByteString, bytes: number): boolean {
  ctx.db.editInPlace(key);
  const grew = b.grow(bytes);
  if (grew) ctx.db.resized(key);
  return grew;
}

/** writableString for the commands that change a ByteString in place (APPEND, SETRANGE, the bit commands). */
export function writableStored(ctx: Ctx, key: string): StringValue | null | ErrorReply {
  const v = ctx.db.get(key);
  return v === undefined ? null : asStored(v);
}
