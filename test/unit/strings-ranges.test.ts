// Unit tests of APPEND, STRLEN, GETRANGE/SUBSTR and SETRANGE (string-ranges.ts): binary data,
// negative and huge indexes, TTLs kept by in-place edits, and the string size limit.
import test from 'ava';
import { ALL_BYTES, bulk, error, fixture, int, NOT_INTEGER, T0 } from './strings-fixture.js';

const TOO_BIG = error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
const OFFSET = error('ERR offset is out of range');

test('APPEND creates, extends, keeps the TTL', async (t) => {
  const f = await fixture(t);
  t.is(await f.call('APPEND', 'k', 'ab'), int(2));
  t.is(await f.call('APPEND', 'k', ALL_BYTES), int(258));
  t.is(await f.call('GET', 'k'), bulk('ab' + ALL_BYTES));
  t.is(await f.call('APPEND', 'e', ''), int(0));
  t.is(await f.call('GET', 'e'), bulk(''), 'APPEND of nothing still creates the key');
  await f.call('SET', 't', 'v', 'EX', '10');
  await f.call('APPEND', 't', 'w');
  t.is(f.db.getExpire('t'), T0 + 10000);
  await f.call('SET', 'n', '10');
  await f.call('APPEND', 'n', '5');
  t.is(await f.call('INCR', 'n'), int(106));
});

test('STRLEN', async (t) => {
  const f = await fixture(t);
  t.is(await f.call('STRLEN', 'k'), int(0));
  await f.call('SET', 'k', ALL_BYTES);
  t.is(await f.call('STRLEN', 'k'), int(256));
  await f.call('SET', 'k', '-12345');
  t.is(await f.call('STRLEN', 'k'), int(6));
});

test('GETRANGE: inclusive, negative indexes, Redis 7.0 quirks', async (t) => {
  const f = await fixture(t);
  await f.call('SET', 's', 'Hello');
  const cases: [string, string, string][] = [
    ['0', '3', 'Hell'], ['0', '-1', 'Hello'], ['-3', '-1', 'llo'], ['-100', '2', 'Hel'], ['2', '1000', 'llo'],
    ['5', '100', ''], ['3', '1', ''], ['-100', '-200', ''], ['-1', '-5', ''], ['0', '-100', 'H'], ['1', '-100', ''],
    ['-9223372036854775808', '-9223372036854775807', 'H'], ['9223372036854775807', '9223372036854775807', ''],
    ['-9223372036854775808', '9223372036854775807', 'Hello'],
  ];
  for (const [a, b, want] of cases) t.is(await f.call('GETRANGE', 's', a, b), bulk(want), `${a} ${b}`);
  t.is(await f.call('SUBSTR', 's', '1', '3'), bulk('ell'));
  t.is(await f.call('GETRANGE', 'nokey', '0', '-1'), bulk(''));
  t.is(await f.call('GETRANGE', 's', '0', '9223372036854775808'), NOT_INTEGER);
  t.is(await f.call('GETRANGE', 'nokey', 'x', '1'), NOT_INTEGER);
  await f.call('SET', 'bin', ALL_BYTES);
  t.is(await f.call('GETRANGE', 'bin', '-6', '-1'), bulk(ALL_BYTES.slice(250)));
  await f.call('SET', 'e', '');
  t.is(await f.call('GETRANGE', 'e', '0', '-1'), bulk(''));
});

test('SETRANGE: padding, overwrite, empty values, offsets', async (t) => {
  const f = await fixture(t);
  t.is(await f.call('SETRANGE', 'k', '3', 'ab'), int(5));
  t.is(await f.call('GET', 'k'), bulk('\0\0\0ab'));
  t.is(await f.call('SETRANGE', 'k', '1', 'XYZW'), int(5));
  t.is(await f.call('GET', 'k'), bulk('\0XYZW'));
  t.is(await f.call('SETRANGE', 'k', '4', '\xff\x00\xfe'), int(7));
  t.is(await f.call('GET', 'k'), bulk('\0XYZ\xff\x00\xfe'));
  t.is(await f.call('SETRANGE', 'none', '100', ''), int(0));
  t.is(f.db.get('none'), undefined, 'setting nothing creates nothing');
  t.is(await f.call('SETRANGE', 'k', '9223372036854775807', ''), int(7));
  t.is(await f.call('SETRANGE', 'k', '-1', 'x'), OFFSET);
  t.is(await f.call('SETRANGE', 'k', '-1', ''), OFFSET);
  t.is(await f.call('SETRANGE', 'k', 'x', 'x'), NOT_INTEGER);
  t.is(await f.call('SETRANGE', 'k', '536870912', 'x'), TOO_BIG);
  t.is(await f.call('SETRANGE', 'k', '536870911', 'xx'), TOO_BIG);
  t.is(await f.call('SETRANGE', 'k', '9223372036854775807', 'x'), TOO_BIG);
  await f.call('SET', 't', 'hello', 'PX', '500');
  await f.call('SETRANGE', 't', '0', 'j');
  t.is(f.db.getExpire('t'), T0 + 500, 'SETRANGE keeps the TTL');
});

test('SETRANGE changes a long string in place, not a copy of it per call', async (t) => {
  const f = await fixture(t);
  const text = 'abcdefgh'.repeat(1024);
  await f.call('SET', 'k', text, 'EX', '10');
  t.is(await f.call('SETRANGE', 'k', '3', 'XY'), int(8192));
  const stored = f.db.get('k');
  t.is(await f.call('SETRANGE', 'k', '8190', 'tail'), int(8194));
  t.is(f.db.get('k'), stored, 'the second SETRANGE wrote into the value the first one made');
  t.is(await f.call('GET', 'k'), bulk('abcXYfgh' + text.slice(8, 8190) + 'tail'));
  t.is(await f.call('OBJECT', 'ENCODING', 'k'), bulk('raw'));
  t.is(f.db.getExpire('k'), T0 + 10000, 'SETRANGE keeps the TTL');
  t.is(await f.call('SETRANGE', 'n', '5000', 'z'), int(5001));
  const made = f.db.get('n');
  await f.call('SETRANGE', 'n', '0', 'a');
  t.is(f.db.get('n'), made);
  t.is(await f.call('GET', 'n'), bulk('a' + '\0'.repeat(4999) + 'z'));
});

test('APPEND to a long string appends in place, not to a copy of it per call', async (t) => {
  const f = await fixture(t);
  await f.call('SET', 'k', 'x'.repeat(4000), 'PX', '700');
  t.is(await f.call('APPEND', 'k', 'y'.repeat(100)), int(4100));
  const stored = f.db.get('k');
  t.is(await f.call('GETRANGE', 'k', '3998', '4001'), bulk('xxyy'));
  for (let i = 0; i < 50; i++) await f.call('APPEND', 'k', 'z'.repeat(100));
  t.is(f.db.get('k'), stored, 'the APPENDs wrote into the value the first long one made');
  t.is(await f.call('GET', 'k'), bulk('x'.repeat(4000) + 'y'.repeat(100) + 'z'.repeat(5000)));
  t.is(await f.call('OBJECT', 'ENCODING', 'k'), bulk('raw'));
  t.is(f.db.getExpire('k'), T0 + 700, 'APPEND keeps the TTL');
});

test('the size limit follows proto-max-bulk-len', async (t) => {
  const f = await fixture(t, { 'proto-max-bulk-len': '1mb' });
  const mb = 1024 * 1024;
  t.is(await f.call('SETRANGE', 'k', String(mb - 1), 'x'), int(mb));
  t.is(await f.call('SETRANGE', 'k', String(mb), 'x'), TOO_BIG);
  t.is(await f.call('APPEND', 'k', 'x'), TOO_BIG);
  t.is(await f.call('APPEND', 'k', ''), int(mb));
  t.is(await f.call('STRLEN', 'k'), int(mb));
  // The LCS table (4 bytes a cell) is bounded by the same limit.
  await f.call('SET', 'a', 'x'.repeat(600));
  await f.call('SET', 'b', 'y'.repeat(600));
  t.is(await f.call('LCS', 'a', 'b', 'LEN'), error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len'));
  await f.call('SET', 'b', 'y'.repeat(400));
  t.is(await f.call('LCS', 'a', 'b', 'LEN'), int(0));
});
