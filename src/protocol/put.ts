// Writing numbers and one-byte strings into a Buffer at an offset, for the encoder's hot path
// (encoder.ts): digits without building a string, and short strings without a binding call.

/**
 * Strings up to this length are written with a charCodeAt loop: cheaper than the latin1Write
 * binding call, whose fixed cost dominates short values (keys, small values, headers).
 */
const SHORT = 16;

/** Errors must be one line: Redis replaces CR and LF in error texts with spaces. */
export function oneLine(s: string): string {
  return s.indexOf('\r') < 0 && s.indexOf('\n') < 0 ? s : s.replace(/[\r\n]/g, ' ');
}

/** Writes the decimal digits of a non-negative safe integer at buf[at]; returns the end. */
export function putUint(buf: Buffer, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 48 + n;
    return at + 1;
  }
  if (n > 0x7fffffff) return putBigUint(buf, at, n);
  // Int32 arithmetic: `(t / 10) | 0` compiles to a multiply, not a floating-point division.
  let end = at + 1;
  for (let t = n; t >= 10; t = (t / 10) | 0) end++;
  let i = end;
  while (n >= 10) {
    const q = (n / 10) | 0;
    buf[--i] = 48 + (n - q * 10);
    n = q;
  }
  buf[--i] = 48 + n;
  return end;
}

/** putUint beyond int32 (up to 2^53). */
function putBigUint(buf: Buffer, at: number, n: number): number {
  let end = at + 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) end++;
  let i = end;
  while (n >= 10) {
    const q = Math.floor(n / 10);
    buf[--i] = 48 + (n - q * 10);
    n = q;
  }
  buf[--i] = 48 + n;
  return end;
}

/** Writes `s` (one byte per char) at buf[at], which has room; returns the end. */
export function putString(buf: Buffer, at: number, s: string): number {
  const n = s.length;
  if (n > SHORT) return at + buf.latin1Write(s, at);
  for (let i = 0; i < n; i++) buf[at + i] = s.charCodeAt(i);
  return at + n;
}
