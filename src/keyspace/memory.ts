// What a key costs in memory: ONE estimate, used for the "used memory" that maxmemory is checked
// against (and INFO used_memory, MEMORY STATS) and for MEMORY USAGE.
//
// Redis counts the bytes its allocator handed out. A Node.js process has no such number per key:
// V8's heap statistics move with garbage not yet collected, so a limit checked against them would
// evict at random moments. Keystonelight instead keeps an incremental estimate of the dataset,
// updated by every change of the keyspace: per key, its name and value as V8 lays them out plus a
// constant for its table row and index pair; a TTL adds its deadline (EXPIRE_ENTRY_BYTES). The
// constants were measured on the keyspace of this repository (node 20, x64, no pointer
// compression): loading 1,000,000 keys of 11 bytes with 16-byte values costs the V8 heap and the
// index's ArrayBuffer 106.2 bytes a key (the index is 2^21 pairs then, at a load of 0.48), and
// entryBytes() says 102. RSS is higher than the heap by the GC's headroom.
// The used memory also counts the clients' big query and output buffers, as Redis's does: the
// server keeps their running total in Keyspace.outside (server/client-memory.ts).

import { RawString, type TypedValue, type Value } from './values.js';

/**
 * What the server itself uses, counted in "used memory" besides its keys: the V8 heap of the
 * bundled server when it starts (9 MB measured, node 20 x64). A constant rather than a reading,
 * so that the limit does not move with garbage, nor with the heap of a process embedding the server.
 */
export const STARTUP_BYTES = 9 * 1024 * 1024;

/** A sequential one-byte V8 string: map, hash and length (16 bytes), chars padded to 8. */
export function stringBytes(s: string): number {
  return 16 + ((s.length + 7) & ~7);
}

/**
 * Per key: its row in SlotTable (key, value and access field: 3 words, 24 bytes) and its pair in the
 * index (8 bytes at a load between 1/2 and 3/4: 11 to 16 bytes a key).
 */
export const KEY_ENTRY_BYTES = 38;
/**
 * A deadline (deadline-column.ts): a Float64Array element beside the key's row (8 bytes), the
 * slot's position in the set of keys with one (4) and its entry there (4). The column comes per
 * chunk of 65,536 rows, made at the chunk's first deadline: where few keys have a TTL, it costs up
 * to 12 bytes for every row of its chunk, which this does not count (a per-chunk charge would jump
 * by 768 KB at the first TTL of a small dataset and never come back); nor the set's spare room,
 * up to 12 bytes more per deadline after mass removals (its array halves when a quarter full).
 */
export const EXPIRE_ENTRY_BYTES = 16;
/** A RawString wrapper object (header and three fields), on top of its string. */
const RAW_STRING_BYTES = 48;
/** A value of a type that does not estimate its own size. */
const TYPED_VALUE_BYTES = 64;

/**
 * What a collection type may implement so that its memory is estimated: bytes of the whole value,
 * `samples` elements looked at at most (0: all), as Redis's objectComputeSize. A family that
 * changes a value in place calls Database.resized(key) so that the accounting follows.
 */
export interface SizedValue extends TypedValue {
  memoryUsage?(samples: number): number;
}

/** Bytes of a value (MEMORY USAGE's SAMPLES goes to collections; strings are exact). */
export function valueBytes(v: Value, samples = 0): number {
  if (typeof v === 'string') return stringBytes(v);
  if (v instanceof RawString) return RAW_STRING_BYTES + stringBytes(v.s);
  return (v as SizedValue).memoryUsage?.(samples) ?? TYPED_VALUE_BYTES;
}

/** Bytes of a key without its value: its name and its dictionary entries. */
export function keyBytes(key: string): number {
  return KEY_ENTRY_BYTES + stringBytes(key);
}

/** Bytes of a key and its value, without a TTL: what the accounting charges and MEMORY USAGE says. */
export function entryBytes(key: string, v: Value, samples = 0): number {
  return keyBytes(key) + valueBytes(v, samples);
}
