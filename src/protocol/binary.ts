// Bytes to "binary strings" (one UTF-16 code unit per byte, latin1), the form every key, value and
// argument takes, and Redis's string2ll over bytes. Shared by the request decoder, the inline
// splitter and the AOF loader: the hot paths that make most of the server's strings.

const fcc = String.fromCharCode;

/** Arguments up to this long are made by shortArg; longer ones by a latin1Slice binding call. */
export const SHORT_ARG_MAX = 24;

/** buf[i, i+n) as a binary string (one char per byte), the cheapest way for its length. */
export function argString(b: Buffer, i: number, n: number): string {
  return n <= SHORT_ARG_MAX ? shortArg(b, i, n) : b.latin1Slice(i, i + n);
}

/**
 * buf[i, i+n) as a binary string, for n <= SHORT_ARG_MAX: most arguments (command names, keys,
 * small values) are this short, and String.fromCharCode with the bytes as arguments costs a
 * fraction of a latin1Slice binding call (measured with a Map lookup of the result: 77-89 ns
 * against 120-148 ns at 20 bytes, 135 against 157 at 32, hence the limit of 24). One call per
 * length: concatenating pieces would make cons strings that every Map lookup then flattens.
 */
function shortArg(b: Buffer, i: number, n: number): string {
  switch (n) {
    case 0: return '';
    case 1: return fcc(b[i]);
    case 2: return fcc(b[i], b[i + 1]);
    case 3: return fcc(b[i], b[i + 1], b[i + 2]);
    case 4: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3]);
    case 5: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4]);
    case 6: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5]);
    case 7: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6]);
    case 8: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
    case 9: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8]);
    case 10: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9]);
    case 11: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10]);
    case 12: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11]);
    case 13: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12]);
    case 14: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13]);
    case 15: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14]);
    case 16: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15]);
    case 17: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15], b[i + 16]);
    case 18: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15], b[i + 16], b[i + 17]);
    case 19: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15], b[i + 16], b[i + 17], b[i + 18]);
    case 20: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15], b[i + 16], b[i + 17], b[i + 18], b[i + 19]);
    case 21: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15], b[i + 16], b[i + 17], b[i + 18], b[i + 19], b[i + 20]);
    case 22: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15], b[i + 16], b[i + 17], b[i + 18], b[i + 19], b[i + 20], b[i + 21]);
    case 23: return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15], b[i + 16], b[i + 17], b[i + 18], b[i + 19], b[i + 20], b[i + 21], b[i + 22]);
    default: /* 24 */ return fcc(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15], b[i + 16], b[i + 17], b[i + 18], b[i + 19], b[i + 20], b[i + 21], b[i + 22], b[i + 23]);
  }
}

/**
 * `last` if buf[at, at+len) holds exactly its characters, else a new string of those bytes: the
 * command name of a request, where a pipeline or an AOF repeats the same one (GET, SET, ...), so
 * comparing with the previous name saves making a string per request.
 */
export function sameOrNew(last: string, buf: Buffer, at: number, len: number): string {
  if (last.length === len) {
    let i = 0;
    while (i < len && last.charCodeAt(i) === buf[at + i]) i++;
    if (i === len) return last;
  }
  return argString(buf, at, len);
}

/** The largest int64 magnitudes as digit strings, for the 19-digit overflow check. */
const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';

/**
 * Redis's string2ll over buf[from, to): optional '-', no leading zeros (except "0"), no '+',
 * no spaces, fits in a signed 64-bit integer. Returns null when invalid. Values beyond 2^53 lose
 * precision as a JS number, but the callers' range checks reject those anyway; what matters is
 * that valid and invalid are told apart exactly.
 */
export function parseLong(buf: Buffer, from: number, to: number): number | null {
  const len = to - from;
  if (len <= 0 || len > 20) return null;
  let i = from;
  let neg = false;
  if (buf[i] === 45 /* '-' */) {
    neg = true;
    i++;
    if (i === to) return null;
  }
  if (buf[i] === 48 /* '0' */) return len === 1 ? 0 : null;
  let n = 0;
  for (let j = i; j < to; j++) {
    const d = buf[j] - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  const digits = to - i;
  if (digits > 19) return null;
  if (digits === 19 && buf.latin1Slice(i, to) > (neg ? INT64_MIN_DIGITS : INT64_MAX_DIGITS)) return null;
  return neg ? -n : n;
}

/** A byte outside ASCII (lowerAscii). */
const NON_ASCII = /[^\0-\x7f]/;
const UPPER = /[A-Z]+/g;

/**
 * Lower-cases A-Z only, as C's tolower() in Redis's strcasecmp and case-insensitive hashes (the
 * command table's): other bytes stay as they are, where toLowerCase() folds À-Þ (0xC0-0xDE) too,
 * so that a command renamed "\xC9" would also answer to "\xE9". (upperAscii, errors.ts, is its
 * counterpart for error texts.)
 */
export function lowerAscii(s: string): string {
  return NON_ASCII.test(s) ? s.replace(UPPER, (m) => m.toLowerCase()) : s.toLowerCase();
}
