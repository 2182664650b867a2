// Floating-point numbers exactly as Redis 7.0 reads and writes them through C's strtod/strtold and
// printf. JS has only doubles, and its number formatting differs from C's (ties round away from
// zero instead of to even, other exponent styles), so this module does the conversions exactly,
// with BigInt arithmetic on binary floating-point values:
//
//   - Float: an exact binary floating-point value (±mant × 2^exp, ±inf or NaN);
//   - FloatFormat: DOUBLE (53-bit mantissa) or LONG_DOUBLE (x86-64's 80-bit long double, 64-bit
//     mantissa), which Redis uses for INCRBYFLOAT and HINCRBYFLOAT;
//   - parseCFloat: strtod/strtold's syntax (decimal, hex, inf, nan) with correct rounding;
//   - formatFixed / formatGeneral: printf's %.Nf / %.Ng (round half to even on the exact value);
//   - the Redis entry points: parseLongDouble (string2ld), formatLongDouble (ld2string),
//     parseDouble (getDoubleFromObject), formatDouble (the "%.17g" of Redis 7.0 double replies),
//     strtod (C's strtod(s, NULL) on the start of a string, as DEBUG SLEEP reads its time).

export interface FloatFormat {
  /** Mantissa bits, including the leading one. */
  readonly bits: number;
  /** Exponent of the lowest bit of the smallest subnormal. */
  readonly minExp: number;
  /** Values of 2^maxExp and above overflow to infinity. */
  readonly maxExp: number;
}

export const DOUBLE: FloatFormat = { bits: 53, minExp: -1074, maxExp: 1024 };
export const LONG_DOUBLE: FloatFormat = { bits: 64, minExp: -16445, maxExp: 16384 };

/** An exact binary floating-point value: (-1)^neg × mant × 2^exp, or ±inf, or NaN. */
export class Float {
  constructor(
    readonly neg: boolean,
    readonly mant: bigint,
    readonly exp: number,
    readonly special: 'inf' | 'nan' | null = null,
  ) {}

  static readonly ZERO = new Float(false, 0n, 0);
  static readonly NAN = new Float(false, 0n, 0, 'nan');
  static inf(neg: boolean): Float {
    return new Float(neg, 0n, 0, 'inf');
  }

  /** The exact value of a JS number. */
  static fromNumber(d: number): Float {
    if (Number.isNaN(d)) return Float.NAN;
    if (!Number.isFinite(d)) return Float.inf(d < 0);
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, d);
    const hi = view.getUint32(0);
    const biased = (hi >>> 20) & 0x7ff;
    const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
    const neg = hi >>> 31 === 1;
    if (biased === 0) return new Float(neg, frac, -1074);
    return new Float(neg, frac | (1n << 52n), biased - 1075);
  }

  isFinite(): boolean {
    return this.special === null;
  }

  isZero(): boolean {
    return this.special === null && this.mant === 0n;
  }
}

// --- exact arithmetic ------------------------------------------------------------------------

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** num / den rounded to the nearest integer, ties to even (num, den > 0). */
function divRoundEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num - q * den) * 2n;
  return r2 > den || (r2 === den && (q & 1n) === 1n) ? q + 1n : q;
}

const LOG10_2 = Math.log10(2);

const pow10 = (k: number): bigint => 10n ** BigInt(k);

/** Rounds the exact value (-1)^neg × n × 2^e (n >= 0) to format `fmt`. */
export function roundToFormat(neg: boolean, n: bigint, e: number, fmt: FloatFormat): Float {
  if (n === 0n) return new Float(neg, 0n, 0);
  const len = bitLength(n);
  if (len + e > fmt.maxExp + 1) return Float.inf(neg);
  const target = Math.max(len - fmt.bits + e, fmt.minExp);
  let mant = n;
  let exp = e;
  if (target > e) {
    const shift = BigInt(target - e);
    mant = divRoundEven(n, 1n << shift);
    exp = target;
    if (bitLength(mant) > fmt.bits) {
      mant >>= 1n; // exactly 2^bits: halving loses nothing
      exp++;
    }
  }
  if (mant !== 0n && bitLength(mant) + exp > fmt.maxExp) return Float.inf(neg);
  return new Float(neg, mant, exp);
}

/** Rounds the positive rational num/den (times the sign) to format `fmt`. */
function roundRational(neg: boolean, num: bigint, den: bigint, fmt: FloatFormat): Float {
  // Choose the exponent so that the quotient has bits+2 or more bits, then round once.
  let e = Math.max(bitLength(num) - bitLength(den) - fmt.bits - 2, fmt.minExp - 2);
  const scaledNum = e < 0 ? num << BigInt(-e) : num;
  const scaledDen = e > 0 ? den << BigInt(e) : den;
  const q = scaledNum / scaledDen;
  // A sticky bit keeps "exactly half" distinguishable from "a little more than half".
  const sticky = q * scaledDen === scaledNum ? 0n : 1n;
  e -= 1;
  return roundToFormat(neg, (q << 1n) | sticky, e, fmt);
}

/** a + b, rounded to `fmt` (round to nearest, ties to even, as the FPU does). */
export function addFloats(a: Float, b: Float, fmt: FloatFormat): Float {
  if (a.special === 'nan' || b.special === 'nan') return Float.NAN;
  if (a.special === 'inf' || b.special === 'inf') {
    if (a.special === 'inf' && b.special === 'inf' && a.neg !== b.neg) return Float.NAN;
    return a.special === 'inf' ? a : b;
  }
  if (a.mant === 0n && b.mant === 0n) return new Float(a.neg && b.neg, 0n, 0);
  if (a.mant === 0n) return b;
  if (b.mant === 0n) return a;
  const e = Math.min(a.exp, b.exp);
  const sa = (a.neg ? -a.mant : a.mant) << BigInt(a.exp - e);
  const sb = (b.neg ? -b.mant : b.mant) << BigInt(b.exp - e);
  const sum = sa + sb;
  if (sum === 0n) return Float.ZERO;
  return roundToFormat(sum < 0n, sum < 0n ? -sum : sum, e, fmt);
}

// --- parsing ---------------------------------------------------------------------------------

export type ParseRange = 'ok' | 'overflow' | 'underflow';

const DEC = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF = /^([+-]?)(?:inf|infinity)$/i;
const NAN = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?$/i;

/** An exponent's digits as a number; absurdly long ones saturate (the value over/underflows). */
function parseExponent(s: string | undefined): number {
  if (s === undefined) return 0;
  const v = Number(s);
  return Math.max(-1e9, Math.min(1e9, v));
}

/**
 * strtod/strtold on a whole string, C locale: returns the rounded value and whether it overflowed
 * (then ±inf, errno ERANGE) or underflowed to zero, or null when the string is not entirely a
 * number. Leading whitespace is not accepted here (Redis rejects it anyway).
 */
export function parseCFloat(s: string, fmt: FloatFormat): { value: Float; range: ParseRange } | null {
  let m = DEC.exec(s);
  if (m !== null) {
    const int = m[2];
    const frac = m[3] ?? '';
    if (int.length === 0 && frac.length === 0) return null;
    return decimalValue(m[1] === '-', (int + frac).replace(/^0+/, ''), parseExponent(m[4]) - frac.length, fmt);
  }
  m = HEX.exec(s);
  if (m !== null) {
    const int = m[2];
    const frac = m[3] ?? '';
    if (int.length === 0 && frac.length === 0) return null;
    const n = BigInt('0x' + (int + frac || '0'));
    return binaryValue(m[1] === '-', n, parseExponent(m[4]) - 4 * frac.length, fmt);
  }
  m = INF.exec(s);
  if (m !== null) return { value: Float.inf(m[1] === '-'), range: 'ok' };
  if (NAN.test(s)) return { value: Float.NAN, range: 'ok' };
  return null;
}

function decimalValue(neg: boolean, digits: string, e10: number, fmt: FloatFormat): { value: Float; range: ParseRange } {
  if (digits.length === 0) return { value: new Float(neg, 0n, 0), range: 'ok' };
  // The value lies in [10^(mag-1), 10^mag): settle absurd magnitudes without huge powers of ten.
  const mag = digits.length + e10;
  if (mag - 1 > Math.ceil(fmt.maxExp * LOG10_2) + 1) return { value: Float.inf(neg), range: 'overflow' };
  if (mag < Math.floor(fmt.minExp * LOG10_2) - 2) return { value: new Float(neg, 0n, 0), range: 'underflow' };
  const d = BigInt(digits);
  const value = e10 >= 0 ? roundToFormat(neg, d * pow10(e10), 0, fmt) : roundRational(neg, d, pow10(-e10), fmt);
  return { value, range: rangeOf(value) };
}

function binaryValue(neg: boolean, n: bigint, e2: number, fmt: FloatFormat): { value: Float; range: ParseRange } {
  if (n === 0n) return { value: new Float(neg, 0n, 0), range: 'ok' };
  const mag = bitLength(n) + e2;
  if (mag > fmt.maxExp + 1) return { value: Float.inf(neg), range: 'overflow' };
  if (mag < fmt.minExp - 1) return { value: new Float(neg, 0n, 0), range: 'underflow' };
  const value = roundToFormat(neg, n, e2, fmt);
  return { value, range: rangeOf(value) };
}

/** The start of a string strtod reads (after C white space): hex before decimal, so "0x1" is not "0". */
const PREFIX =
  /^[ \t\n\v\f\r]*([+-]?(?:0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan(?:\([0-9a-z_]*\))?))/i;

/**
 * C's strtod(s, NULL), as DEBUG SLEEP reads its argument: the longest number at the start (after
 * white space), the rest ignored (so a NUL byte ends it too); 0 where none. Overflow is ±inf.
 */
export function strtod(s: string): number {
  const m = PREFIX.exec(s);
  const r = m === null ? null : parseCFloat(m[1], DOUBLE);
  return r === null ? 0 : floatToNumber(r.value);
}

const rangeOf = (v: Float): ParseRange => (v.special === 'inf' ? 'overflow' : v.mant === 0n ? 'underflow' : 'ok');

// --- printf ----------------------------------------------------------------------------------

/** round(|v| × 10^k), ties to even, for a finite v. */
function scaleRound(v: Float, k: number): bigint {
  let num = v.mant;
  let den = 1n;
  if (v.exp >= 0) num <<= BigInt(v.exp);
  else den <<= BigInt(-v.exp);
  if (k >= 0) num *= pow10(k);
  else den *= pow10(-k);
  return divRoundEven(num, den);
}

function specialText(v: Float): string {
  if (v.special === 'nan') return v.neg ? '-nan' : 'nan';
  return v.neg ? '-inf' : 'inf';
}

/** printf("%.{prec}f", v): fixed notation, exactly rounded. */
export function formatFixed(v: Float, prec: number): string {
  if (v.special !== null) return specialText(v);
  let s = scaleRound(v, prec).toString();
  if (prec > 0) {
    s = s.padStart(prec + 1, '0');
    s = `${s.slice(0, -prec)}.${s.slice(-prec)}`;
  }
  return (v.neg ? '-' : '') + s;
}

/** printf("%.{prec}g", v): the shorter of %e and %f with prec significant digits, zeros trimmed. */
export function formatGeneral(v: Float, prec: number): string {
  if (v.special !== null) return specialText(v);
  const sign = v.neg ? '-' : '';
  if (v.mant === 0n) return `${sign}0`;
  const p = Math.max(prec, 1);
  let x = Math.floor((bitLength(v.mant) + v.exp - 1) * LOG10_2);
  let q = scaleRound(v, p - 1 - x);
  while (q >= pow10(p)) q = scaleRound(v, p - 1 - ++x);
  while (q < pow10(p - 1)) q = scaleRound(v, p - 1 - --x);
  return sign + generalLayout(q.toString(), x, p);
}

/** Lays out `digits` (p significant digits, decimal exponent x) the way %g does. */
function generalLayout(digits: string, x: number, p: number): string {
  const trim = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
  if (x < -4 || x >= p) {
    const mantissa = trim(digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits);
    const e = Math.abs(x);
    return `${mantissa}e${x < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (x < 0) return trim(`0.${'0'.repeat(-x - 1)}${digits}`);
  return trim(x + 1 >= digits.length ? digits : `${digits.slice(0, x + 1)}.${digits.slice(x + 1)}`);
}

// --- Redis's conversions ---------------------------------------------------------------------

/** Redis's MAX_LONG_DOUBLE_CHARS: longer numeric strings are rejected. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

/**
 * Redis's string2ld (INCRBYFLOAT, HINCRBYFLOAT): strtold over the whole string; no leading space,
 * no NaN, no overflow, no underflow to zero. Returns null when Redis says "not a valid float".
 */
export function parseLongDouble(s: string): Float | null {
  if (s.length === 0 || s.length >= MAX_LONG_DOUBLE_CHARS) return null;
  const r = parseCFloat(s, LONG_DOUBLE);
  if (r === null || r.range !== 'ok' || r.value.special === 'nan') return null;
  return r.value;
}

/**
 * Redis's ld2string: `human` (LD_STR_HUMAN) is "%.17Lf" with trailing zeros trimmed and "-0" shown
 * as "0"; otherwise (LD_STR_AUTO) "%.17Lg". Infinities are "inf" / "-inf".
 */
export function formatLongDouble(v: Float, human = true): string {
  if (v.special === 'inf') return v.neg ? '-inf' : 'inf';
  if (!human) return formatGeneral(v, 17);
  let s = formatFixed(v, 17);
  if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/**
 * Redis's getDoubleFromObject (ZADD scores, ...): strtod over the whole string, rejecting leading
 * space, NaN, overflow and underflow to zero. Returns null for "not a valid float".
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0) return null;
  const r = parseCFloat(s, DOUBLE);
  if (r === null || r.range !== 'ok' || r.value.special === 'nan') return null;
  return floatToNumber(r.value);
}

/** The JS number of a value already rounded to DOUBLE. */
export function floatToNumber(v: Float): number {
  if (v.special === 'nan') return NaN;
  if (v.special === 'inf') return v.neg ? -Infinity : Infinity;
  // mant has at most 53 bits, so Number(mant) is exact; scaling by 2^exp is exact in two steps.
  const half = Math.trunc(v.exp / 2);
  const m = Number(v.mant) * 2 ** half * 2 ** (v.exp - half);
  return v.neg ? -m : m;
}

/**
 * printf("%.17g", d), Redis 7.0's text for doubles (ZSCORE, RESP3 doubles): "inf", "-inf",
 * "nan", "1.1000000000000001", "2.9802322387695312e-08".
 */
export function formatDouble(d: number): string {
  if (!Number.isFinite(d) || d === 0) return formatGeneral(Float.fromNumber(d), 17);
  // Fast path: JS's toExponential rounds correctly but breaks ties away from zero, C breaks them
  // to even. A tie needs an exact 18th significant digit 5; only then take the exact path.
  const x18 = d.toExponential(17);
  if (x18.charAt(x18.indexOf('e') - 1) === '5') return formatGeneral(Float.fromNumber(d), 17);
  const s = Math.abs(d).toExponential(16);
  const e = s.indexOf('e');
  return (d < 0 ? '-' : '') + generalLayout(s[0] + s.slice(2, e), Number(s.slice(e + 1)), 17);
}
