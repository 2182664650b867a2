// Argument parsing shared by every command family, with Redis's exact strictness.

import { err, type ErrorReply } from '../protocol/reply.js';
import { TIMEOUT_NEGATIVE, TIMEOUT_NOT_INTEGER } from '../errors.js';

/**
 * Redis's string2ll: optional '-', digits, no leading zeros, no '+', no spaces, within a signed
 * 64-bit integer. Returns a bigint, or null when the text is not such an integer.
 */
export function toI64(s: string): bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n) return null;
  if (s.charCodeAt(i) === 48) return n === 1 ? 0n : null;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s);
  return v > 9223372036854775807n || v < -9223372036854775808n ? null : v;
}

/**
 * The same rules as toI64, as a JS number (precise up to 2^53; beyond that only the magnitude is
 * kept, which is enough for counts, indexes and range checks). Fast path for short inputs.
 */
export function toInt(s: string): number | null {
  const n = s.length;
  if (n === 0) return null;
  if (n < 16) {
    let i = s.charCodeAt(0) === 45 ? 1 : 0;
    if (i === n) return null;
    if (s.charCodeAt(i) === 48) return n === 1 ? 0 : null;
    let v = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    return s.charCodeAt(0) === 45 ? -v : v;
  }
  const b = toI64(s);
  return b === null ? null : Number(b);
}

/** Whether an argument is an upper-case keyword, compared as Redis's strcasecmp (see cWord). */
export function is(arg: string, keyword: string): boolean {
  return cWord(arg) === keyword;
}

/**
 * An option word as Redis's C code compares it (strcasecmp on a NUL-terminated argument): the
 * argument up to its first NUL byte, upper-cased; '' if upper-casing would change its length
 * (only ASCII letters may match a keyword).
 */
export function cWord(arg: string): string {
  const nul = arg.indexOf('\0');
  const w = nul < 0 ? arg : arg.slice(0, nul);
  const up = w.toUpperCase();
  return up.length === w.length ? up : '';
}

/**
 * C's atoi, as Redis reads a few DEBUG arguments: leading white space, a sign and digits, the rest
 * ignored (0 when there are none); strtol saturates at a long's range, and the int it is cast to
 * keeps the low 32 bits, so "4294967296" is 0.
 */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  let v = BigInt(m[1]);
  if (v > 0x7fffffffffffffffn) v = 0x7fffffffffffffffn;
  else if (v < -0x8000000000000000n) v = -0x8000000000000000n;
  return Number(BigInt.asIntN(32, v));
}

/**
 * Redis 7.0's getTimeoutFromObjectOrReply for a timeout in milliseconds (WAIT, CLIENT PAUSE): a
 * string2ll integer, not negative. The caller adds it to the clock, which Redis 7.0 does unchecked
 * (past LLONG_MAX the deadline wraps): each says what it does then.
 */
export function msTimeout(arg: string): bigint | ErrorReply {
  const t = toI64(arg);
  if (t === null) return err(TIMEOUT_NOT_INTEGER);
  return t < 0n ? err(TIMEOUT_NEGATIVE) : t;
}
