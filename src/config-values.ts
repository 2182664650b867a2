// How option values are written: Redis's number syntaxes (strtoll for `save`, string2ll, memtoull
// with its units), and the byte strings values are held as, as file paths, and as text in messages
// and rewritten files (C escapes). Split from config.ts, which holds the option table and applies it.

const LLONG_MAX = 9223372036854775807n;
const ULLONG_MAX = 18446744073709551615n;

/** A number as C's strtol/strtoll give it: saturated to a signed 64-bit long. */
export const saturateLong = (v: bigint): bigint => (v > LLONG_MAX ? LLONG_MAX : v < -LLONG_MAX - 1n ? -LLONG_MAX - 1n : v);

/** C's strtoll as Redis checks it on `save` words: whole word consumed; '' reads as 0; saturates. */
export function strtoll(s: string): bigint | null {
  if (s === '') return 0n;
  const m = /^[\t\n\v\f\r ]*([+-]?)(\d+)$/.exec(s);
  if (m === null) return null;
  return saturateLong(BigInt(m[2]) * (m[1] === '-' ? -1n : 1n));
}

/**
 * Redis's memtoull: digits then an optional unit (b, k, kb, m, mb, g, gb, any case). As in C, an
 * empty digit string reads as 0, a number too large for 64 bits saturates (strtoull), and the
 * product with the unit wraps modulo 2^64 (unchecked unsigned multiplication: `17179869184gb` is
 * 0). Null when invalid.
 */
/**
 * memtoull's units. A Map, not an object literal: a unit is whatever follows the digits, and an
 * object would find `constructor` or `__proto__` on its prototype (`1constructor` was an internal
 * error where Redis says "argument must be a memory value").
 */
const MEMORY_UNITS = new Map<string, bigint>([['', 1n], ['b', 1n], ['k', 1000n], ['kb', 1024n], ['m', 1000000n], ['mb', 1048576n], ['g', 1000000000n], ['gb', 1073741824n]]);

export function memtoull(text: string): bigint | null {
  const m = /^(\d*)(.*)$/s.exec(text)!;
  const mul = MEMORY_UNITS.get(m[2].toLowerCase());
  if (mul === undefined || m[1].length >= 128) return null;
  let v = m[1] === '' ? 0n : BigInt(m[1]);
  if (v > ULLONG_MAX) v = ULLONG_MAX;
  return BigInt.asUintN(64, v * mul);
}

/** Kept for callers that size things in bytes: a memory value as a JS number, or null. */
export function parseMemory(text: string): number | null {
  const v = memtoull(text);
  return v === null ? null : Number(v);
}

/** Redis's string2ll: optional '-', digits without leading zeros ("-0" too), within 64 bits. */
export function string2ll(s: string): bigint | null {
  if (!/^-?[1-9]\d{0,19}$/.test(s)) return s === '0' ? 0n : null;
  const v = BigInt(s);
  return v > LLONG_MAX || v < -LLONG_MAX - 1n ? null : v;
}

/** Text in a message with its control bytes as C escapes (`\n`, `\x1b`), so the message is one line. */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => repr(c).slice(1, -1));
}

/**
 * Values are byte strings (one char a byte), as they arrive over the wire and from the config file
 * (read as latin1). The command line and the library's options are JS strings (UTF-8 decoded):
 * their bytes are taken as UTF-8 here, once, where they enter.
 */
export function byteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/**
 * A byte-string value used as a file name: Node encodes string paths as UTF-8, so the bytes are
 * decoded as UTF-8 first (else "/tmp/dä" would become "/tmp/dÃ¤", an empty new directory).
 */
export function fsPath(v: string): string {
  return Buffer.from(v, 'latin1').toString('utf8');
}

/** The letter of sdscatrepr's two-byte escape of each byte (\\ \" \n \r \t \a \b), or 0. */
const C_ESCAPE = new Uint8Array(256);
for (const [b, letter] of [[92, '\\'], [34, '"'], [10, 'n'], [13, 'r'], [9, 't'], [7, 'a'], [8, 'b']] as const) C_ESCAPE[b] = letter.charCodeAt(0);
/** The bytes sdscatrepr writes for each byte: 2 (a C escape), 4 (\xNN) or 1 (itself). */
const REPR_WIDTH = Uint8Array.from({ length: 256 }, (_, b) => (C_ESCAPE[b] !== 0 ? 2 : b < 32 || b > 126 ? 4 : 1));
const HEX = Buffer.from('0123456789abcdef');

/** The length of sdscatrepr's quoting of the byte string `s` (repr, putRepr). */
export function reprLength(s: string): number {
  let n = 2;
  for (let i = 0; i < s.length; i++) n += REPR_WIDTH[s.charCodeAt(i) & 255];
  return n;
}

/**
 * Writes Redis's sdscatrepr of the byte string `s` (a double-quoted string with C escapes) into
 * `buf` at `at`, which has reprLength(s) bytes of room; returns the offset after it. Bytes, not a
 * string: MONITOR quotes whole arguments, and a string built a character at a time cost about 56
 * bytes of heap for each byte quoted (see monitorLine).
 */
export function putRepr(buf: Buffer, at: number, s: string): number {
  buf[at++] = 34;
  for (let i = 0; i < s.length; i++) {
    const b = s.charCodeAt(i) & 255;
    const width = REPR_WIDTH[b];
    if (width === 1) {
      buf[at++] = b;
    } else if (width === 2) {
      buf[at] = 92;
      buf[at + 1] = C_ESCAPE[b];
      at += 2;
    } else {
      buf[at] = 92;
      buf[at + 1] = 120; // 'x'
      buf[at + 2] = HEX[b >> 4];
      buf[at + 3] = HEX[b & 15];
      at += 4;
    }
  }
  buf[at] = 34;
  return at + 1;
}

/** Redis's sdscatrepr of the byte string `s`, as a string. */
export function repr(s: string): string {
  const out = Buffer.allocUnsafe(reprLength(s));
  putRepr(out, 0, s);
  return out.latin1Slice(0, out.length);
}

/** Redis's rewriteConfigBytesOption: the largest unit that divides the value exactly. */
export function bytesText(v: string): string {
  const n = BigInt(v);
  if (n === 0n) return '0';
  for (const [unit, size] of [['gb', 1073741824n], ['mb', 1048576n], ['kb', 1024n]] as const) {
    if (n % size === 0n) return `${n / size}${unit}`;
  }
  return v;
}
