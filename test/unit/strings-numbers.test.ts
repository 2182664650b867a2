// Unit tests of numbers.ts: C's strtod/strtold and printf("%.17g" / "%.17Lf" / "%.17Lg") as Redis
// 7.0 uses them. Expected texts were produced by a C program (glibc, x86-64) doing exactly what
// Redis's string2ld / ld2string / getDoubleFromObject / addReplyDouble do.
import test from 'ava';
import {
  addFloats, DOUBLE, Float, formatDouble, formatFixed, formatGeneral, formatLongDouble, LONG_DOUBLE,
  parseCFloat, parseDouble, parseLongDouble, strtod,
} from '../../src/commands/numbers.js';

type Expect = string | { len: number; prefix: string };

/** INCRBYFLOAT: value + increment -> reply (or error), from C: strtold, +, "%.17Lf" trimmed. */
const SUMS: [string, string, Expect][] = [
  ['10.5', '0.1', '10.6'],
  ['3.0e3', '0', '3000'],
  ['0', '5.0e3', '5000'],
  ['0.1', '0.2', '0.3'],
  ['1.1', '2.2', '3.3'],
  ['0.000003814697265625', '0', '0.00000381469726562'],
  ['0.000003814697265635', '0', '0.00000381469726563'],
  ['1e400', '0', { len: 401, prefix: '1000000000000000000028188068394758651458' }],
  ['1e-400', '0', '0'],
  ['-1.5', '1.5', '0'],
  ['-1e-30', '0', '0'],
  ['123456789012345678901234567890', '0', '123456789012345678899921813504'],
  ['9223372036854775807', '1', '9223372036854775808'],
  ['1.7976931348623157e308', '1.7976931348623157e308', { len: 309, prefix: '3595386269724631399918420935482088680967' }],
  ['1e4932', '1e4932', 'ERRNAN'],
  ['0x10', '0x1p-3', '16.125'],
  ['1234567.891', '0', '1234567.89099999999996271'],
  ['0.3333333333333333333', '0.6666666666666666667', '1'],
  ['2.5', '-2.4999999999999999999', '0'],
  ['1e18', '0.5', '1000000000000000000.5'],
  ['-7', '-0.0000000001', '-7.0000000001'],
  ['1e-4940', '0', '0'],
  ['1e-5000', '0', 'ERRFLOAT'],
  ['1e5000', '0', 'ERRFLOAT'],
  ['inf', '1', 'ERRNAN'],
  ['inf', '-inf', 'ERRNAN'],
  ['nan', '1', 'ERRFLOAT'],
  ['+5', '.5', '5.5'],
  ['5.', '-0', '5'],
  ['1e', '1', 'ERRFLOAT'],
  ['0x', '1', 'ERRFLOAT'],
  ['1_0', '1', 'ERRFLOAT'],
  ['99999999999999999.5', '0', '99999999999999999.5'],
];

/** formatLongDouble(x, false): C's "%.17Lg" of strtold(x). */
const LONG_G: [string, string][] = [
  ['0.1', '0.1'],
  ['1e400', '1e+400'],
  ['1e-400', '1e-400'],
  ['123456789.123456789', '123456789.12345679'],
  ['1e17', '1e+17'],
  ['1e16', '10000000000000000'],
  ['0.0001', '0.0001'],
  ['0.00001', '1e-05'],
  ['-0', '-0'],
  ['inf', 'inf'],
];

/** formatDouble(d): C's "%.17g". */
const DOUBLE_G: [string, string][] = [
  ['0.1', '0.10000000000000001'],
  ['1.1', '1.1000000000000001'],
  ['2.9802322387695312e-08', '2.9802322387695312e-08'],
  ['1e300', '1.0000000000000001e+300'],
  ['1e21', '1e+21'],
  ['1e16', '10000000000000000'],
  ['1e17', '1e+17'],
  ['123456789012345678', '1.2345678901234568e+17'],
  ['0.0001', '0.0001'],
  ['0.00001', '1.0000000000000001e-05'],
  ['5e-324', '4.9406564584124654e-324'],
  ['1.7976931348623157e308', '1.7976931348623157e+308'],
  ['-2.5', '-2.5'],
  ['100', '100'],
  ['3.0000000000000004', '3.0000000000000004'],
];

/** parseDouble then formatDouble: Redis's getDoubleFromObject, then "%.17g" (ERR = rejected). */
const DOUBLE_PARSE: [string, string][] = [
  ['1.5', '1.5'],
  ['1e400', 'ERR'],
  ['1e-400', 'ERR'],
  ['0x1p-1074', '4.9406564584124654e-324'],
  ['0x1p-1075', 'ERR'],
  ['0x1.8p-1075', '4.9406564584124654e-324'],
  ['2.4703282292062328e-324', '4.9406564584124654e-324'],
  ['2.4703282292062327e-324', 'ERR'],
  ['nan', 'ERR'],
  ['inf', 'inf'],
  ['-0', '-0'],
  ['0e-999', '0'],
  [' 1', 'ERR'],
  ['1e', 'ERR'],
];

/** What INCRBYFLOAT would answer for value + incr. */
function incrbyfloat(value: string, incr: string): string {
  const a = parseLongDouble(value);
  const b = parseLongDouble(incr);
  if (a === null || b === null) return 'ERRFLOAT';
  const sum = addFloats(a, b, LONG_DOUBLE);
  return sum.isFinite() ? formatLongDouble(sum) : 'ERRNAN';
}

test('long double sums format like Redis INCRBYFLOAT', (t) => {
  for (const [a, b, want] of SUMS) {
    const got = incrbyfloat(a, b);
    if (typeof want === 'string') t.is(got, want, `${a} + ${b}`);
    else t.true(got.length === want.len && got.startsWith(want.prefix), `${a} + ${b} -> ${got.slice(0, 60)}`);
  }
});

test('long doubles format with %.17Lg', (t) => {
  for (const [s, want] of LONG_G) t.is(formatLongDouble(parseLongDouble(s)!, false), want, s);
});

test('doubles format with %.17g, ties to even', (t) => {
  for (const [d, want] of DOUBLE_G) t.is(formatDouble(Number(d)), want, d);
  t.is(formatDouble(-0), '-0');
  t.is(formatDouble(Infinity), 'inf');
  t.is(formatDouble(-Infinity), '-inf');
  t.is(formatDouble(NaN), 'nan');
  // 2^-25 = 2.98023223876953125e-08 is an exact tie at 17 digits: C keeps the even 2.
  t.is(formatDouble(2 ** -25), '2.9802322387695312e-08');
  t.is((2 ** -25).toExponential(16), '2.9802322387695313e-8');
});

test('doubles parse like getDoubleFromObject', (t) => {
  for (const [s, want] of DOUBLE_PARSE) {
    const d = parseDouble(s);
    t.is(d === null ? 'ERR' : formatDouble(d), want, JSON.stringify(s));
  }
  t.is(parseDouble(''), null);
  t.is(parseDouble('1\x00'), null);
  t.is(parseDouble('0.1'), 0.1);
  t.is(parseDouble('-1e-5'), -1e-5);
});

test('string2ld rejects what Redis rejects', (t) => {
  for (const s of ['', ' 1', '1 ', '\t1', 'abc', '1e', '1e+', '.', '0x', '0x1p', 'nan', 'NaN(123)', '1e5000', '-1e5000', '1e-5000', '1\x00', '1_0']) {
    t.is(parseLongDouble(s), null, JSON.stringify(s));
  }
  t.is(parseLongDouble('0'.repeat(5118) + '1')?.isFinite(), true);
  t.is(parseLongDouble('0'.repeat(5119) + '1'), null, 'MAX_LONG_DOUBLE_CHARS');
  for (const s of ['inf', '-INF', 'Infinity', '+5', '.5', '5.', '0x10', '0X.8P1', '1e-4940', '0e-99999']) {
    t.not(parseLongDouble(s), null, s);
  }
});

test('parseCFloat reports overflow and underflow', (t) => {
  t.is(parseCFloat('1e309', DOUBLE)?.range, 'overflow');
  t.is(parseCFloat('1e-400', DOUBLE)?.range, 'underflow');
  t.is(parseCFloat('1e-320', DOUBLE)?.range, 'ok'); // subnormal, not zero
  t.is(parseCFloat('1e4933', LONG_DOUBLE)?.range, 'overflow');
  t.is(parseCFloat('1e99999999999999999999', LONG_DOUBLE)?.range, 'overflow');
  t.is(parseCFloat('1e-99999999999999999999', LONG_DOUBLE)?.range, 'underflow');
  t.is(parseCFloat('nope', DOUBLE), null);
});

test('exact values round-trip through Float', (t) => {
  for (const d of [0.1, -2.5, 5e-324, 1.7976931348623157e308, 123456789, 2 ** -1022]) {
    const f = Float.fromNumber(d);
    t.is(parseDouble(formatGeneral(f, 17)), d);
  }
  t.is(formatFixed(Float.fromNumber(-0.001), 2), '-0.00');
  t.is(formatFixed(Float.fromNumber(2.5), 0), '2');
  t.is(formatFixed(Float.fromNumber(3.5), 0), '4');
  t.is(formatGeneral(Float.fromNumber(Number('9.9999999999999999e22')), 17), '9.9999999999999992e+22');
  t.is(formatGeneral(Float.fromNumber(0.5), 0), '0.5');
});

test('addition follows IEEE rules for zeros and infinities', (t) => {
  const neg0 = parseLongDouble('-0')!;
  t.true(addFloats(neg0, neg0, LONG_DOUBLE).neg);
  t.false(addFloats(neg0, Float.ZERO, LONG_DOUBLE).neg);
  t.is(addFloats(Float.inf(false), Float.inf(true), LONG_DOUBLE).special, 'nan');
  t.is(addFloats(Float.inf(true), parseLongDouble('1')!, LONG_DOUBLE).special, 'inf');
  const max = parseLongDouble('1.18973149535723176502e+4932')!;
  t.is(addFloats(max, max, LONG_DOUBLE).special, 'inf');
});

// strtod(s, NULL) as DEBUG SLEEP calls it: the longest number at the start, after C white space.
test('strtod reads the number at the start of a string, as C', (t) => {
  const cases: [string, number][] = [
    ['0x10', 16], ['0X1P-2', 0.25], ['0x.8', 0.5], ['0x1.8p1', 3], ['0x', 0], ['0xg', 0], ['0x1p', 1], ['1e-3', 0.001], ['1e', 1],
    ['1e+x', 1], [' \t\n\v\f\r1abc', 1], ['.5e1x', 5], ['+.e1', 0], ['-2.', -2], ['abc', 0], ['', 0], ['1\x002', 1],
    ['infinity', Infinity], ['-INFx', -Infinity], ['infin', Infinity], ['1e400', Infinity], ['1e-400', 0], ['0x1p-1074', 5e-324],
  ];
  for (const [s, want] of cases) t.is(strtod(s), want, JSON.stringify(s));
  t.true(Number.isNaN(strtod('nan(123)x')));
  t.true(Number.isNaN(strtod('-nan')));
});
