// String commands on parts of a value: APPEND, STRLEN, GETRANGE (and its old name SUBSTR),
// SETRANGE. A value modified in place (APPEND to an existing key, SETRANGE) is stored as a
// RawString so that OBJECT ENCODING answers "raw", as Redis does after it unshares the string, or,
// from 4 KB, as a ByteString (keyspace/values.ts, as bitmaps are), changed in place and read in
// part, never copied whole: STRLEN is its length, GETRANGE copies the bytes asked for.
//
// Strings may grow up to proto-max-bulk-len bytes, as in Redis, but never past V8's longest
// string (buffer.constants.MAX_STRING_LENGTH, 24 bytes short of 512MB): past either limit the
// command fails with Redis's "string exceeds maximum allowed size" error.

import { constants } from 'node:buffer';
import { command, ONE_KEY, type CommandSpec, type Ctx } from './types.js';
import { toI64 } from './args.js';
import { err, ErrorReply, type Reply } from '../protocol/reply.js';
import { NOT_INTEGER, OFFSET_RANGE, STRING_TOO_LONG } from '../errors.js';
import { ByteString, RawString } from '../keyspace/values.js';
import { growStored, readStored, writableStored } from './keyaccess.js';

/**
 * Redis's checkStringLength: may a string of `size + append` bytes be built? Not past V8's longest
 * string; for the AOF's replay client, whatever proto-max-bulk-len says now (mustObeyClient).
 */
function fits(ctx: Ctx, size: number, append: number): boolean {
  const limit = ctx.client.mustObey ? constants.MAX_STRING_LENGTH : Math.min(ctx.server.config.int('proto-max-bulk-len'), constants.MAX_STRING_LENGTH);
  return size + append <= limit;
}

/** Writes `s` at byte `at` of a ByteString, in place (zero-padding it first), as Redis's sds. */
function writeInPlace(ctx: Ctx, key: string, b: ByteString, at: number, s: string): void {
  growStored(ctx, key, b, at + s.length);
  b.bytes.latin1Write(s, at);
  ctx.db.signalModified(key);
}

/**
 * A string APPEND or SETRANGE leaves at least this long becomes a ByteString and is changed in
 * place from then on. As a JS string, each SETRANGE built a new string of the whole value (slices
 * around the change, flattened by the next read): 100 SETRANGEs of 5 bytes into a 100 MB string
 * took 4.9 s and 1.7 GB of RSS where Redis takes 4 ms. An APPEND made a rope that any read of
 * the value flattened, a copy of the whole value: 1,000 APPENDs of 100 KB, each followed by a
 * GETRANGE of 4 bytes, took 33 s against Redis's 0.4 s. Below it a copy costs less than the
 * ByteString's own 256 bytes.
 */
const IN_PLACE_BYTES = 4096;

/**
 * `cur` as a ByteString of at least `bytes` bytes: made (a new key, of exactly that size, as
 * Redis's SETRANGE makes it), swapped in (a string, with room to grow past its length), or as it is.
 */
function inPlace(ctx: Ctx, key: string, cur: string | ByteString | null, bytes: number): ByteString {
  if (cur instanceof ByteString) return cur;
  if (cur === null) {
    const b = ByteString.zeroed(bytes);
    ctx.db.set(key, b);
    return b;
  }
  const b = ByteString.of(cur, bytes);
  ctx.db.editInPlace(key, b);
  return b;
}

function append(ctx: Ctx, args: string[]): Reply {
  const [, key, tail] = args;
  const cur = writableStored(ctx, key);
  if (cur instanceof ErrorReply) return cur;
  const total = (cur?.length ?? 0) + tail.length;
  if (cur === null) {
    // A new key holds the argument as SET would store it.
    ctx.db.set(key, tail);
  } else {
    if (!fits(ctx, cur.length, tail.length)) return err(STRING_TOO_LONG);
    if (cur instanceof ByteString || total >= IN_PLACE_BYTES) writeInPlace(ctx, key, inPlace(ctx, key, cur, total), cur.length, tail);
    else ctx.db.update(key, new RawString(cur + tail));
  }
  ctx.propagate(args);
  return total;
}

function strlen(ctx: Ctx, args: string[]): Reply {
  const v = readStored(ctx, args[1]);
  return v === null ? 0 : v instanceof ErrorReply ? v : v.length;
}

/** GETRANGE / SUBSTR key start end: inclusive, negative indexes count from the end. */
function getrange(ctx: Ctx, args: string[]): Reply {
  let start = toI64(args[2]);
  if (start === null) return err(NOT_INTEGER);
  let end = toI64(args[3]);
  if (end === null) return err(NOT_INTEGER);
  const s = readStored(ctx, args[1]);
  if (s === null) return '';
  if (s instanceof ErrorReply) return s;
  // Redis 7.0 answers "" for two negative indexes in the wrong order, before normalizing them.
  if (start < 0n && end < 0n && start > end) return '';
  const len = BigInt(s.length);
  if (start < 0n) start += len;
  if (end < 0n) end += len;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= len) end = len - 1n;
  if (start > end || len === 0n) return '';
  // Of a ByteString, only the bytes asked for are copied.
  return typeof s === 'string' ? s.slice(Number(start), Number(end) + 1) : s.bytes.latin1Slice(Number(start), Number(end) + 1);
}

/** SETRANGE key offset value: overwrites from `offset`, zero-padding a shorter string. */
function setrange(ctx: Ctx, args: string[]): Reply {
  const [, key, , value] = args;
  const offset = toI64(args[2]);
  if (offset === null) return err(NOT_INTEGER);
  if (offset < 0n) return err(OFFSET_RANGE);
  const cur = writableStored(ctx, key);
  if (cur instanceof ErrorReply) return cur;
  // Setting nothing changes nothing, not even a missing key, whatever the offset.
  if (value.length === 0) return cur === null ? 0 : cur.length;
  const at = Number(offset);
  if (!fits(ctx, at, value.length)) return err(STRING_TOO_LONG);
  if (cur instanceof ByteString || Math.max(at + value.length, cur?.length ?? 0) >= IN_PLACE_BYTES) {
    const b = inPlace(ctx, key, cur, at + value.length);
    writeInPlace(ctx, key, b, at, value);
    ctx.propagate(args);
    return b.length;
  }
  const base = cur ?? '';
  const next =
    at >= base.length
      ? base + '\0'.repeat(at - base.length) + value
      : base.slice(0, at) + value + base.slice(at + value.length);
  if (cur === null) ctx.db.set(key, new RawString(next));
  else ctx.db.update(key, new RawString(next));
  ctx.propagate(args);
  return next.length;
}

export const rangeCommands: CommandSpec[] = [
  command('append', 3, ['write', 'denyoom', 'fast'], ONE_KEY, append),
  command('strlen', 2, ['readonly', 'fast'], ONE_KEY, strlen),
  command('getrange', 4, ['readonly'], ONE_KEY, getrange),
  command('substr', 4, ['readonly'], ONE_KEY, getrange),
  command('setrange', 4, ['write', 'denyoom'], ONE_KEY, setrange),
];
