// Unit tests of INCR/DECR/INCRBY/DECRBY/INCRBYFLOAT (counters.ts) and LCS (lcs.ts).
import test from 'ava';
import { bulk, error, fixture, int, NOT_FLOAT, NOT_INTEGER, T0 } from './strings-fixture.js';

const OVERFLOW = error('ERR increment or decrement would overflow');
const NAN = error('ERR increment would produce NaN or Infinity');
const MAX = '9223372036854775807';
const MIN = '-9223372036854775808';

test('INCR family: values, limits, strict integer syntax', async (t) => {
  const f = await fixture(t);
  t.is(await f.call('INCR', 'k'), int(1));
  t.is(await f.call('INCRBY', 'k', '41'), int(42));
  t.is(await f.call('DECRBY', 'k', '50'), int(-8));
  t.is(await f.call('DECR', 'k'), int(-9));
  for (const bad of ['  1', '1 ', '+1', '01', '-0', '1.5', '', 'abc', '18446744073709551616', '1\x00']) {
    await f.call('SET', 'b', bad);
    t.is(await f.call('INCR', 'b'), NOT_INTEGER, JSON.stringify(bad));
  }
  await f.call('SET', 'm', MAX);
  t.is(await f.call('INCR', 'm'), OVERFLOW);
  t.is(await f.call('DECR', 'm'), int('9223372036854775806'));
  await f.call('SET', 'm', MIN);
  t.is(await f.call('DECR', 'm'), OVERFLOW);
  t.is(await f.call('INCRBY', 'm', MAX), int(-1));
  t.is(await f.call('INCRBY', 'm', MIN), OVERFLOW);
  t.is(await f.call('INCRBY', 'z', MIN), int(MIN));
  t.is(await f.call('DECRBY', 'z', MIN), error('ERR decrement would overflow'));
  t.is(await f.call('DECRBY', 'nokey', MIN), error('ERR decrement would overflow'));
  t.is(await f.call('DECRBY', 'y', MAX), int('-9223372036854775807'));
  t.is(await f.call('DECR', 'y'), int(MIN));
  t.is(await f.call('INCRBY', 'k', '9223372036854775808'), NOT_INTEGER);
  t.is(await f.call('INCRBY', 'k', '1.0'), NOT_INTEGER);
  t.is(await f.call('GET', 'k'), bulk('-9'));
  await f.call('SET', 'big', '999999999999999');
  t.is(await f.call('INCRBY', 'big', '1000000000'), int('1000000999999999'));
  t.is(await f.call('INCRBY', 'big', '9000000000000000000'), int('9001000000999999999'));
});

test('counters keep the TTL', async (t) => {
  const f = await fixture(t);
  await f.call('SET', 'k', '5', 'EX', '10');
  await f.call('INCR', 'k');
  await f.call('INCRBYFLOAT', 'k', '0.5');
  t.is(f.db.getExpire('k'), T0 + 10000);
  t.is(await f.call('GET', 'k'), bulk('6.5'));
});

test('INCRBYFLOAT: Redis number formatting', async (t) => {
  const f = await fixture(t);
  await f.call('SET', 'k', '10.5');
  t.is(await f.call('INCRBYFLOAT', 'k', '0.1'), bulk('10.6'));
  await f.call('SET', 'k', '3.0e3');
  t.is(await f.call('INCRBYFLOAT', 'k', '0'), bulk('3000'));
  t.is(await f.call('INCRBYFLOAT', 'n', '5.0e3'), bulk('5000'));
  t.is(await f.call('INCRBYFLOAT', 'n', '-5000'), bulk('0'));
  t.is(await f.call('INCRBYFLOAT', 'r', '0.1'), bulk('0.1'));
  t.is(await f.call('INCRBYFLOAT', 'r', '0.2'), bulk('0.3'));
  t.is(await f.call('INCRBYFLOAT', 'h', '0x10'), bulk('16'));
  t.is(await f.call('INCRBYFLOAT', 'tiny', '-1e-30'), bulk('0'));
  t.is(await f.call('INCRBYFLOAT', 'x', '1234567.891'), bulk('1234567.89099999999996271'));
  const big = await f.call('INCRBYFLOAT', 'big', '1e400');
  t.true(big.startsWith('$401\r\n10000000000000000000281880683947586514586'), big.slice(0, 40));
  for (const bad of ['abc', '', ' 1', '1 ', 'nan', '1e5000', '1e-5000', '1e', '0x']) {
    t.is(await f.call('INCRBYFLOAT', 'k', bad), NOT_FLOAT, JSON.stringify(bad));
  }
  t.is(await f.call('INCRBYFLOAT', 'k', 'inf'), NAN);
  t.is(await f.call('INCRBYFLOAT', 'k', '-Infinity'), NAN);
  await f.call('SET', 'k', '1e4932');
  t.is(await f.call('INCRBYFLOAT', 'k', '1e4932'), NAN);
  await f.call('SET', 'k', 'abc');
  t.is(await f.call('INCRBYFLOAT', 'k', '1'), NOT_FLOAT);
  t.is(await f.call('GET', 'k'), bulk('abc'));
});

test('LCS: string, LEN, IDX with options', async (t) => {
  const f = await fixture(t);
  await f.call('MSET', 'a', 'ohmytext', 'b', 'mynewtext');
  t.is(await f.call('LCS', 'a', 'b'), bulk('mytext'));
  t.is(await f.call('LCS', 'a', 'b', 'LEN'), int(6));
  const range = (a: number, b: number): string => `*2\r\n${int(a)}${int(b)}`;
  const match = (a0: number, a1: number, b0: number, b1: number, len?: number): string =>
    `*${len === undefined ? 2 : 3}\r\n${range(a0, a1)}${range(b0, b1)}${len === undefined ? '' : int(len)}`;
  const idx = (matches: string[], len: number): string =>
    `*4\r\n${bulk('matches')}*${matches.length}\r\n${matches.join('')}${bulk('len')}${int(len)}`;
  t.is(await f.call('LCS', 'a', 'b', 'IDX'), idx([match(4, 7, 5, 8), match(2, 3, 0, 1)], 6));
  t.is(await f.call('LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'), idx([match(4, 7, 5, 8, 4)], 6));
  t.is(await f.call('LCS', 'a', 'b', 'idx', 'minmatchlen', '-3'), idx([match(4, 7, 5, 8), match(2, 3, 0, 1)], 6));
  t.is(await f.call('LCS', 'x', 'y'), bulk(''));
  t.is(await f.call('LCS', 'x', 'y', 'IDX'), idx([], 0));
  t.is(await f.call('LCS', 'a', 'b', 'IDX', 'LEN'), error('ERR If you want both the length and indexes, please just use IDX.'));
  t.is(await f.call('LCS', 'a', 'b', 'MINMATCHLEN'), error('ERR syntax error'));
  t.is(await f.call('LCS', 'a', 'b', 'MINMATCHLEN', 'x'), NOT_INTEGER);
  await f.call('MSET', 'p', '\x00\xff\x01', 'q', '\xff\x01\x00');
  t.is(await f.call('LCS', 'p', 'q'), bulk('\xff\x01'));
  // RESP3: IDX is a map.
  await f.call('HELLO', '3');
  t.is(await f.call('LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'), `%2\r\n${bulk('matches')}*1\r\n${match(4, 7, 5, 8)}${bulk('len')}${int(6)}`);
  t.is(await f.call('LCS', 'a', 'b', 'LEN'), int(6));
});
