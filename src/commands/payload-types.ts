// The RDB object types of Redis 7.0 other than strings, as RESTORE meets them in DUMP payloads.
// Keystonelight stores strings only, so such a value cannot be restored; to tell a payload that
// Redis would load (refused here with our own error) from one Redis refuses as "Bad data format",
// its structure is walked as rdbLoadObject reads it: counts, then each element's string (any of
// the string encodings) or score. Of a ziplist, listpack or intset only the header is checked (its
// size and end byte, and that it is not empty), as Redis without sanitize-dump-payload does; the
// entries inside are not, nor are streams (taken as well-formed). Module values (types 6 and 7)
// are "Bad data format", as in a Redis without the module that wrote them.

import { readLen, readString, type Reader } from './dump-payload.js';

/** How a type's value is laid out after its type byte. */
type Layout = 'blob' | 'items' | 'ziplists' | 'pairs' | 'scored' | 'scored-binary' | 'quicklist2' | 'unchecked';

/** Type byte -> [type name, layout] (Redis's rdb.h RDB_TYPE_*). */
const TYPES: Record<number, [string, Layout]> = {
  1: ['list', 'items'], // RDB_TYPE_LIST
  2: ['set', 'items'], // RDB_TYPE_SET
  3: ['zset', 'scored'], // RDB_TYPE_ZSET
  4: ['hash', 'pairs'], // RDB_TYPE_HASH
  5: ['zset', 'scored-binary'], // RDB_TYPE_ZSET_2
  9: ['hash', 'blob'], // RDB_TYPE_HASH_ZIPMAP
  10: ['list', 'blob'], // RDB_TYPE_LIST_ZIPLIST
  11: ['set', 'blob'], // RDB_TYPE_SET_INTSET
  12: ['zset', 'blob'], // RDB_TYPE_ZSET_ZIPLIST
  13: ['hash', 'blob'], // RDB_TYPE_HASH_ZIPLIST
  14: ['list', 'ziplists'], // RDB_TYPE_LIST_QUICKLIST
  15: ['stream', 'unchecked'], // RDB_TYPE_STREAM_LISTPACKS
  16: ['hash', 'blob'], // RDB_TYPE_HASH_LISTPACK
  17: ['zset', 'blob'], // RDB_TYPE_ZSET_LISTPACK
  18: ['list', 'quicklist2'], // RDB_TYPE_LIST_QUICKLIST_2: container kind, then a listpack or a plain node
  19: ['stream', 'unchecked'], // RDB_TYPE_STREAM_LISTPACKS_2
};

/** Which header check a blob gets (Redis's ziplistValidateIntegrity, lpValidateIntegrity, ...). */
const BLOBS: Record<number, (b: Buffer, top: boolean) => boolean> = {
  9: (b) => b.length >= 2 && b[b.length - 1] === 0xff, // zipmap
  10: ziplist, 12: ziplist, 13: ziplist, 14: ziplist,
  11: intset,
  16: listpack, 17: listpack, 18: listpack,
};

/** A ziplist: its size in its header, the 0xff end; as a value of its own (`top`), some entries. */
function ziplist(b: Buffer, top: boolean): boolean {
  return b.length >= 11 && b.readUInt32LE(0) === b.length && b[b.length - 1] === 0xff && (!top || b.readUInt16LE(8) !== 0);
}

/** A listpack: the same, with its 6-byte header. */
function listpack(b: Buffer, top: boolean): boolean {
  return b.length >= 7 && b.readUInt32LE(0) === b.length && b[b.length - 1] === 0xff && (!top || b.readUInt16LE(4) !== 0);
}

/** An intset: an encoding of 2, 4 or 8 bytes, and as many bytes as its length says, at least one. */
function intset(b: Buffer): boolean {
  if (b.length < 8) return false;
  const enc = b.readUInt32LE(0);
  const n = b.readUInt32LE(4);
  return (enc === 2 || enc === 4 || enc === 8) && n !== 0 && b.length === 8 + enc * n;
}

/** A blob of type `type` read from `r`, its header checked; `top`: the whole value, not a node. */
function blob(r: Reader, type: number, top: boolean): boolean {
  const s = readString(r);
  return s !== null && BLOBS[type](Buffer.from(s, 'latin1'), top);
}

/** Redis's rdbLoadDoubleValue: a length byte (253-255: nan, +inf, -inf) and that many characters. */
function skipDouble(r: Reader): boolean {
  const n = r.byte();
  return n !== null && (n >= 253 || r.take(n) !== null);
}

/** One element of a collection of `layout`. */
function skipElement(r: Reader, layout: Layout): boolean {
  switch (layout) {
    case 'items':
      return readString(r) !== null;
    case 'pairs':
      return readString(r) !== null && readString(r) !== null;
    case 'scored':
      return readString(r) !== null && skipDouble(r);
    case 'scored-binary':
      return readString(r) !== null && r.take(8) !== null;
    case 'ziplists':
      return blob(r, 14, false);
    default: { // quicklist2: a plain node (any string) or a packed one (a listpack)
      const container = readLen(r);
      if (container === null || (container.n !== 1 && container.n !== 2)) return false;
      return container.n === 1 ? readString(r) !== null : blob(r, 18, false);
    }
  }
}

/**
 * Walks a value of RDB type `type` from `r`: its type's name when it is well-formed as far as
 * checked, null for Redis's "Bad data format" (an unknown type, a module value, a short read, a
 * collection of no elements: Redis's empty-key error).
 */
export function skipObject(type: number, r: Reader): string | null {
  const known = TYPES[type];
  if (known === undefined) return null;
  const [name, layout] = known;
  if (layout === 'unchecked') return name;
  if (layout === 'blob') return blob(r, type, true) ? name : null;
  const count = readLen(r);
  if (count === null || count.n === 0) return null;
  // Each element takes at least a byte: a count larger than the payload fails at its end.
  for (let i = 0; i < count.n; i++) if (!skipElement(r, layout)) return null;
  return name;
}
