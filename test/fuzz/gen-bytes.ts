// Byte-stream cases for the fuzzer: seeded random bytes, and valid pipelines (multibulk and inline)
// then mutated — flipped and random bytes, cut points, deletions and duplications, lengths replaced
// by huge, negative or malformed numbers, nested arrays and non-'$' elements where a bulk belongs,
// NUL bytes, CR without LF and LF without CR. Everything is a function of the Rng, so a case is
// reproduced from its seed alone.

import { pick, type Rng } from '../helpers/rng.js';
import { encodeArgs } from '../helpers/resp.js';

/** Bytes that matter to the request framing, drawn more often than others. */
const ALPHABET = Buffer.from('*$\r\n0123456789-+ "\'\\:xa\x00\tPINGECHO', 'latin1');
/** Keys the byte cases share with the command cases (so bytes act on real data too). */
export const BYTE_KEYS = ['k0', 'k1', 'k2', '\x00b\xff'];
/** Lengths that replace a real one: huge, negative, zero, malformed, at and around the limits. */
const BAD_LENGTHS = ['-1', '-5', '0', '00', '-0', '+3', ' 3', '3 ', '536870912', '536870913', '2147483647', '2147483648',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '99999999999999999999', '', 'x', '1.5', '0x10'];
/** What can stand where a bulk header belongs: a nested array, other RESP types. */
const NOT_BULKS = ['*2\r\n$1\r\na\r\n$1\r\nb\r\n', '*1\r\n', '*0\r\n', ':1\r\n', '+OK\r\n', '-ERR x\r\n', '_\r\n', '%1\r\n', 'PING\r\n'];

const byte = (rng: Rng): number => (rng() < 0.8 ? ALPHABET[pick(rng, ALPHABET.length)] : pick(rng, 256));
const oneOf = <T>(rng: Rng, xs: readonly T[]): T => xs[pick(rng, xs.length)];

function randomBytes(rng: Rng): Buffer {
  const len = pick(rng, 160);
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = byte(rng);
  return b;
}

function word(rng: Rng): string {
  let s = '';
  for (let i = pick(rng, 10); i > 0; i--) s += String.fromCharCode(rng() < 0.7 ? 97 + pick(rng, 26) : pick(rng, 256));
  // Now and then one big enough for the decoder's big-argument path.
  return rng() < 0.02 ? s + 'z'.repeat(33_000 + pick(rng, 8000)) : s;
}

/** A command the server runs harmlessly (no state beyond the shared keys). */
function safeCommand(rng: Rng): string[] {
  const k = (): string => oneOf(rng, BYTE_KEYS);
  switch (pick(rng, 10)) {
    case 0: return ['PING'];
    case 1: return ['ECHO', word(rng)];
    case 2: return ['SET', k(), word(rng)];
    case 3: return ['GET', k()];
    case 4: return ['INCR', k()];
    case 5: return ['DEL', k(), k()];
    case 6: return ['MGET', k(), k(), k()];
    case 7: return ['APPEND', k(), word(rng)];
    case 8: return ['STRLEN', k()];
    default: return [oneOf(rng, ['FOO', 'nosuch', 'x\x00y']), word(rng)];
  }
}

/** Inline form: words separated by spaces (quoted now and then), CRLF or a bare LF. */
function inline(rng: Rng, args: string[]): Buffer {
  const words = args.map((a) => (/^[A-Za-z0-9:]+$/.test(a) ? a : rng() < 0.5 ? `"${a.replace(/[\\"]/g, '')}"` : a));
  return Buffer.from(words.join(' ') + (rng() < 0.5 ? '\r\n' : '\n'), 'latin1');
}

export function validPipeline(rng: Rng): Buffer {
  const parts: Buffer[] = [];
  for (let i = 1 + pick(rng, 6); i > 0; i--) {
    const args = safeCommand(rng);
    const short = args.every((a) => a.length < 100 && !/[\r\n\x00]/.test(a));
    parts.push(short && rng() < 0.25 ? inline(rng, args) : encodeArgs(args));
  }
  return Buffer.concat(parts);
}

/** Replaces the number of one `*N` or `$N` header with a bad one. */
function badLength(rng: Rng, b: Buffer): Buffer {
  const s = b.toString('latin1');
  const headers = [...s.matchAll(/[*$](\d+)\r\n/g)];
  if (headers.length === 0) return b;
  const h = oneOf(rng, headers);
  const at = h.index + 1;
  return Buffer.from(s.slice(0, at) + oneOf(rng, BAD_LENGTHS) + s.slice(at + h[1].length), 'latin1');
}

/** Puts a nested array or another RESP type where a bulk header is. */
function notBulk(rng: Rng, b: Buffer): Buffer {
  const s = b.toString('latin1');
  const headers = [...s.matchAll(/\$\d+\r\n/g)];
  if (headers.length === 0) return b;
  const h = oneOf(rng, headers);
  return Buffer.from(s.slice(0, h.index) + oneOf(rng, NOT_BULKS) + s.slice(h.index), 'latin1');
}

function insert(b: Buffer, at: number, bytes: string): Buffer {
  return Buffer.concat([b.subarray(0, at), Buffer.from(bytes, 'latin1'), b.subarray(at)]);
}

export function mutate(rng: Rng, input: Buffer): Buffer {
  const b = Buffer.from(input);
  const at = pick(rng, b.length + 1);
  switch (pick(rng, 12)) {
    case 0: if (at < b.length) b[at] = ALPHABET[pick(rng, ALPHABET.length)]; return b;
    case 1: if (at < b.length) b[at] = pick(rng, 256); return b;
    case 2: return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + pick(rng, 4))]);
    case 3: return b.subarray(0, at); // a cut point: the stream ends mid-request
    case 4: return Buffer.concat([b.subarray(0, at), b.subarray(pick(rng, b.length + 1)), b.subarray(at)]);
    case 5: case 6: return badLength(rng, b);
    case 7: return notBulk(rng, b);
    case 8: return insert(b, at, '\x00');
    case 9: return insert(b, at, '\r'); // a CR without LF
    case 10: return insert(b, at, '\n');
    default: return Buffer.from(b.toString('latin1').replace('\r\n', oneOf(rng, ['\n', '\r', '\r\r\n', '\n\r'])), 'latin1');
  }
}

/**
 * A pipeline whose replies pass the server's 8 MB output bound (a 64 KB value read ~150 times), so
 * the rest of it waits while the replies drain — then a mutated tail: a protocol error, a cut, or
 * more commands arriving while the connection is paused.
 */
function bigReplies(rng: Rng): Buffer {
  const k = oneOf(rng, BYTE_KEYS);
  const head = [encodeArgs(['SET', k, 'q'.repeat(65536)])];
  for (let i = 130 + pick(rng, 60); i > 0; i--) head.push(encodeArgs(['GET', k]));
  return Buffer.concat([...head, mutate(rng, validPipeline(rng))]);
}

/** One byte-stream case. */
export function genBytes(rng: Rng): Buffer {
  if (rng() < 0.01) return bigReplies(rng);
  if (rng() < 0.25) return randomBytes(rng);
  let b = validPipeline(rng);
  for (let n = pick(rng, 4); n > 0; n--) b = mutate(rng, b);
  return b;
}
