// BITFIELD and BITFIELD_RO, as Redis's bitfieldGeneric: integers of 1 to 64 bits (unsigned: up to
// 63, which RESP integers can hold) at any bit offset of a string value, big-endian as SETBIT
// numbers bits, read (GET), written (SET: the old value is the reply) and incremented (INCRBY: the
// new one), with WRAP (the default), SAT or FAIL (a null reply, nothing written) on overflow, each
// OVERFLOW applying to the operations after it. Every argument is checked before anything runs.
// The arithmetic is in BigInt, exact where Redis's uses 64-bit C integers (whose wrapping it
// reproduces: BigInt.asIntN / asUintN). As Redis, the command is logged to the AOF as typed when it
// changed something, and a write creates or zero-pads the value even if its operations then fail.

import { command, ONE_KEY, type CommandSpec, type Ctx } from './types.js';
import { cWord, toI64 } from './args.js';
import { err, ErrorReply, type Reply } from '../protocol/reply.js';
import { BITFIELD_OVERFLOW, BITFIELD_RO, BITFIELD_TYPE, NOT_INTEGER, SYNTAX } from '../errors.js';
import type { ByteString } from '../keyspace/values.js';
import { bitOffset, bitsForWrite, byteAt, changed } from './bitmaps.js';
import { readStored, type StringValue } from './keyaccess.js';

type Overflow = 'WRAP' | 'SAT' | 'FAIL';

interface FieldOp {
  readonly kind: 'GET' | 'SET' | 'INCRBY';
  readonly signed: boolean;
  readonly bits: number;
  readonly offset: number;
  /** SET's value or INCRBY's increment. */
  readonly value: bigint;
  readonly overflow: Overflow;
}

/** Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63 (the letter as typed; the number a C string). */
function fieldType(arg: string): { signed: boolean; bits: number } | null {
  const sign = arg.charCodeAt(0);
  if (sign !== 105 && sign !== 117) return null; // 'i', 'u'
  const nul = arg.indexOf('\0');
  const bits = toI64(arg.slice(1, nul < 0 ? arg.length : nul));
  const signed = sign === 105;
  if (bits === null || bits < 1n || bits > (signed ? 64n : 63n)) return null;
  return { signed, bits: Number(bits) };
}

/** The operations of args[2...], or the first argument's error, in Redis's order. */
function parseOps(ctx: Ctx, args: string[]): FieldOp[] | ErrorReply {
  const ops: FieldOp[] = [];
  let overflow: Overflow = 'WRAP';
  for (let j = 2; j < args.length; j++) {
    const left = args.length - j - 1;
    const kind = cWord(args[j]);
    if (kind === 'OVERFLOW' && left >= 1) {
      const type = cWord(args[++j]);
      if (type !== 'WRAP' && type !== 'SAT' && type !== 'FAIL') return err(BITFIELD_OVERFLOW);
      overflow = type;
      continue;
    }
    if (!((kind === 'GET' && left >= 2) || ((kind === 'SET' || kind === 'INCRBY') && left >= 3))) return err(SYNTAX);
    const type = fieldType(args[j + 1]);
    if (type === null) return err(BITFIELD_TYPE);
    const offset = bitOffset(ctx, args[j + 2], type.bits);
    if (offset instanceof ErrorReply) return offset;
    let value = 0n;
    if (kind !== 'GET') {
      const v = toI64(args[j + 3]);
      if (v === null) return err(NOT_INTEGER);
      value = v;
    }
    ops.push({ kind, ...type, offset, value, overflow });
    j += kind === 'GET' ? 2 : 3;
  }
  return ops;
}

/** The field's bytes: first and last, and how far its lowest bit is from the last byte's end. */
function span(offset: number, bits: number): [number, number, bigint] {
  const last = Math.floor((offset + bits - 1) / 8);
  return [Math.floor(offset / 8), last, BigInt((last + 1) * 8 - offset - bits)];
}

/** The field at `offset` (0 bits past the value's end, or in a missing value). */
function readField(v: StringValue | null, op: FieldOp): bigint {
  const [first, last, shift] = span(op.offset, op.bits);
  // Past the end (a missing value too): zero. Also what keeps the loop below finite: an offset past
  // 2^53 (allowed with a huge proto-max-bulk-len) is a double that i++ no longer changes.
  if (v === null || first >= v.length) return 0n;
  let x = 0n;
  for (let i = first; i <= last; i++) x = (x << 8n) | BigInt(byteAt(v, i));
  x = BigInt.asUintN(op.bits, x >> shift);
  return op.signed ? BigInt.asIntN(op.bits, x) : x;
}

/** Stores `value`'s low bits as the field (the value is long enough: bitsForWrite). */
function writeField(b: ByteString, op: FieldOp, value: bigint): void {
  const [first, last, shift] = span(op.offset, op.bits);
  let x = 0n;
  for (let i = first; i <= last; i++) x = (x << 8n) | BigInt(b.bytes[i]);
  const mask = ((1n << BigInt(op.bits)) - 1n) << shift;
  x = (x & ~mask) | (BigInt.asUintN(op.bits, value) << shift);
  for (let i = last; i >= first; i--) {
    b.bytes[i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

/**
 * Redis's check(Un)signedBitfieldOverflow: 1 for an overflow, -1 for an underflow, 0 if `value` +
 * `incr` fits. Their bounds on the increment are int64 C arithmetic, which wraps: kept, so that an
 * out-of-range SET answers as Redis's (SET i31 0 -9223372036854775807 under SAT stores the
 * maximum, its bound having wrapped).
 */
function overflowOf(signed: boolean, bits: number, value: bigint, incr: bigint, max: bigint, min: bigint): number {
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, min - value);
  if (!signed) return value > max || (incr > 0n && incr > maxIncr) ? 1 : incr < 0n && incr < minIncr ? -1 : 0;
  if (value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) return 1;
  if (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) return -1;
  return 0;
}

/**
 * The value a SET or INCRBY stores, or null when it overflows under FAIL. SET's value is a C
 * int64, which an unsigned field takes as a uint64 (-1 is 2^64 - 1).
 */
function nextValue(op: FieldOp, old: bigint): bigint | null {
  const bits = BigInt(op.bits);
  const max = op.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  const min = op.signed ? -max - 1n : 0n;
  const value = op.kind === 'INCRBY' ? old : op.signed ? op.value : BigInt.asUintN(64, op.value);
  const incr = op.kind === 'INCRBY' ? op.value : 0n;
  const over = overflowOf(op.signed, op.bits, value, incr, max, min);
  if (over === 0) return value + incr;
  if (op.overflow === 'FAIL') return null;
  if (op.overflow === 'SAT') return over > 0 ? max : min;
  return op.signed ? BigInt.asIntN(op.bits, value + incr) : BigInt.asUintN(op.bits, value + incr);
}

function bitfieldGeneric(ctx: Ctx, args: string[], readOnly: boolean): Reply {
  const ops = parseOps(ctx, args);
  if (ops instanceof ErrorReply) return ops;
  let highest = -1;
  for (const op of ops) if (op.kind !== 'GET') highest = Math.max(highest, op.offset + op.bits - 1);
  let target: ByteString | null = null;
  let grew = false;
  let source: StringValue | null;
  if (highest < 0) {
    const v = readStored(ctx, args[1]);
    if (v instanceof ErrorReply) return v;
    source = v;
  } else {
    if (readOnly) return err(BITFIELD_RO);
    const w = bitsForWrite(ctx, args[1], Math.floor(highest / 8) + 1);
    if (w instanceof ErrorReply) return w;
    ({ b: target, grew } = w);
    source = target;
  }
  const out: Reply[] = [];
  let changes = 0;
  for (const op of ops) {
    const old = readField(source, op);
    if (op.kind === 'GET' || target === null) {
      out.push(old);
      continue;
    }
    const next = nextValue(op, old);
    if (next === null) {
      out.push(null);
      continue;
    }
    writeField(target, op, next);
    out.push(op.kind === 'SET' ? old : next);
    if (grew || next !== old) changes++;
  }
  if (changes > 0) changed(ctx, args[1], args, changes);
  return out;
}

export const bitfieldCommands: CommandSpec[] = [
  command('bitfield', -2, ['write', 'denyoom'], ONE_KEY, (ctx, args) => bitfieldGeneric(ctx, args, false)),
  command('bitfield_ro', -2, ['readonly', 'fast'], ONE_KEY, (ctx, args) => bitfieldGeneric(ctx, args, true)),
];
