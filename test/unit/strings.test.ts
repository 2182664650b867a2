// Unit tests of the get/set core of the string family (strings.ts): replies, TTL handling on a
// ManualClock, AOF propagation as Redis 7.0 logs it, keyspace hit/miss counting, WRONGTYPE, and the
// command table entries (arity, flags, key positions as COMMAND INFO shows them).
import test from 'ava';
import { buildCommandTable } from '../../src/commands/index.js';
import { RawString, stringEncoding } from '../../src/keyspace/values.js';
import {
  ALL_BYTES, bulk, error, fakeHash, fixture, int, NIL, NOT_INTEGER, OK, SYNTAX, T0, WRONGTYPE,
} from './strings-fixture.js';

test('command table: arity, flags and keys as Redis 7.0', (t) => {
  const table = buildCommandTable();
  const want: [string, number, string, [number, number, number]][] = [
    ['get', 2, 'readonly fast', [1, 1, 1]],
    ['set', -3, 'write denyoom', [1, 1, 1]],
    ['setnx', 3, 'write denyoom fast', [1, 1, 1]],
    ['setex', 4, 'write denyoom', [1, 1, 1]],
    ['psetex', 4, 'write denyoom', [1, 1, 1]],
    ['getset', 3, 'write denyoom fast', [1, 1, 1]],
    ['getdel', 2, 'write fast', [1, 1, 1]],
    ['getex', -2, 'write fast', [1, 1, 1]],
    ['mget', -2, 'readonly fast', [1, -1, 1]],
    ['mset', -3, 'write denyoom', [1, -1, 2]],
    ['msetnx', -3, 'write denyoom', [1, -1, 2]],
    ['append', 3, 'write denyoom fast', [1, 1, 1]],
    ['strlen', 2, 'readonly fast', [1, 1, 1]],
    ['getrange', 4, 'readonly', [1, 1, 1]],
    ['substr', 4, 'readonly', [1, 1, 1]],
    ['setrange', 4, 'write denyoom', [1, 1, 1]],
    ['incr', 2, 'write denyoom fast', [1, 1, 1]],
    ['decr', 2, 'write denyoom fast', [1, 1, 1]],
    ['incrby', 3, 'write denyoom fast', [1, 1, 1]],
    ['decrby', 3, 'write denyoom fast', [1, 1, 1]],
    ['incrbyfloat', 3, 'write denyoom fast', [1, 1, 1]],
    ['lcs', -3, 'readonly', [1, 2, 1]],
  ];
  for (const [name, arity, flags, keys] of want) {
    const spec = table.get(name);
    t.truthy(spec, name);
    t.is(spec!.arity, arity, name);
    t.is(spec!.flags.join(' '), flags, name);
    t.deepEqual([spec!.firstKey, spec!.lastKey, spec!.step], keys, name);
  }
});

test('GET and SET basics, binary safe', async (t) => {
  const f = await fixture(t);
  t.is(await f.call('GET', 'k'), NIL);
  t.is(await f.call('SET', 'k', ALL_BYTES), OK);
  t.is(await f.call('GET', 'k'), bulk(ALL_BYTES));
  t.is(await f.call('SET', '', ''), OK);
  t.is(await f.call('GET', ''), bulk(''));
  t.is(await f.call('SET', 'k\x00\xff', 'v'), OK);
  t.is(await f.call('GET', 'k\x00\xff'), bulk('v'));
  t.is(typeof f.db.get('k'), 'string', 'SET stores a plain string');
});

test('SET options: NX, XX, GET and their combinations', async (t) => {
  const f = await fixture(t);
  t.is(await f.call('SET', 'k', 'v', 'XX'), NIL);
  t.is(await f.call('SET', 'k', 'v', 'NX', 'GET'), NIL);
  t.is(await f.call('SET', 'k', 'v2', 'NX', 'GET'), bulk('v'));
  t.is(await f.call('SET', 'k', 'v2', 'NX'), NIL);
  t.is(await f.call('SET', 'k', 'v3', 'XX', 'GET'), bulk('v'));
  t.is(await f.call('GET', 'k'), bulk('v3'));
  t.is(await f.call('SET', 'k', 'v', 'NX', 'XX'), SYNTAX);
  t.is(await f.call('SET', 'k', 'v', 'XX', 'NX'), SYNTAX);
  t.is(await f.call('SET', 'k', 'v', 'EX', '1', 'PX', '1'), SYNTAX);
  t.is(await f.call('SET', 'k', 'v', 'KEEPTTL', 'EX', '1'), SYNTAX);
  t.is(await f.call('SET', 'k', 'v', 'PERSIST'), SYNTAX);
  t.is(await f.call('SET', 'k', 'v', 'EX'), SYNTAX);
  t.is(await f.call('SET', 'k', 'v', 'nx\x00junk'), NIL, 'options end at a NUL byte, as in C');
  t.is(await f.call('SET', 'k', 'v', 'EX', '0'), error("ERR invalid expire time in 'set' command"));
  t.is(await f.call('SET', 'k', 'v', 'EX', 'x'), NOT_INTEGER);
  t.is(await f.call('SET', 'k', 'v', 'EX', '9223372036854775'), error("ERR invalid expire time in 'set' command"));
  t.is(await f.call('SET', 'k'), error("ERR wrong number of arguments for 'set' command"));
});

test('expiry with a manual clock', async (t) => {
  const f = await fixture(t);
  await f.call('SET', 'k', 'v', 'PX', '100');
  t.is(f.db.getExpire('k'), T0 + 100);
  f.clock.advance(100);
  t.is(await f.call('GET', 'k'), bulk('v'), 'alive at its deadline, as Redis (expired when now > when)');
  f.clock.advance(1);
  t.is(await f.call('GET', 'k'), NIL);
  await f.call('SET', 'k', 'v', 'EX', '10');
  t.is(f.db.getExpire('k'), f.clock.ms + 10000);
  await f.call('SET', 'k', 'v2', 'KEEPTTL');
  t.is(f.db.getExpire('k'), f.clock.ms + 10000, 'KEEPTTL keeps the deadline');
  await f.call('SET', 'k', 'v3');
  t.is(f.db.getExpire('k'), -1, 'a plain SET clears it');
  await f.call('SET', 'k', 'v', 'EXAT', String(Math.floor(f.clock.ms / 1000) + 5));
  t.is(f.db.getExpire('k'), Math.floor(f.clock.ms / 1000) * 1000 + 5000);
  await f.call('SET', 'k', 'v', 'PXAT', String(f.clock.ms + 1));
  f.clock.advance(1);
  t.is(await f.call('GET', 'k'), bulk('v'));
  f.clock.advance(1);
  t.is(await f.call('GET', 'k'), NIL);
  t.is(await f.call('SET', 'k', 'v', 'EXAT', '1'), OK, 'a deadline in the past is accepted');
  t.is(await f.call('GET', 'k'), NIL);
  t.is(await f.call('SETEX', 'k', '2', 'v'), OK);
  f.clock.advance(2000);
  t.is(await f.call('GET', 'k'), bulk('v'));
  f.clock.advance(1);
  t.is(await f.call('GET', 'k'), NIL);
  t.is(await f.call('PSETEX', 'k', '5', 'v'), OK);
  t.is(f.db.getExpire('k'), f.clock.ms + 5);
});

test('GETEX changes or removes the TTL', async (t) => {
  const f = await fixture(t);
  await f.call('SET', 'k', 'v');
  t.is(await f.call('GETEX', 'k', 'EX', '10'), bulk('v'));
  t.is(f.db.getExpire('k'), T0 + 10000);
  t.is(await f.call('GETEX', 'k', 'PX', '10'), bulk('v'));
  t.is(f.db.getExpire('k'), T0 + 10);
  t.is(await f.call('GETEX', 'k', 'PERSIST'), bulk('v'));
  t.is(f.db.getExpire('k'), -1);
  t.is(await f.call('GETEX', 'k', 'EXAT', String(T0 / 1000 + 1)), bulk('v'));
  t.is(f.db.getExpire('k'), T0 + 1000);
  t.is(await f.call('GETEX', 'k', 'PXAT', String(T0)), bulk('v'), 'a deadline now or past deletes');
  t.is(f.db.get('k'), undefined);
  t.is(await f.call('GETEX', 'k', 'EX', 'nope'), NIL, 'a missing key answers null before checking the time');
  await f.call('SET', 'k', 'v');
  t.is(await f.call('GETEX', 'k', 'EX', '0'), error("ERR invalid expire time in 'getex' command"));
  t.is(await f.call('GETEX', 'k', 'PERSIST', 'EX', '1'), SYNTAX);
  t.is(await f.call('GETEX', 'k', 'KEEPTTL'), SYNTAX);
});

test('GETSET, GETDEL, MGET, MSET, MSETNX', async (t) => {
  const f = await fixture(t);
  t.is(await f.call('GETSET', 'k', 'a'), NIL);
  await f.call('SET', 'k', 'a', 'EX', '100');
  t.is(await f.call('GETSET', 'k', 'b'), bulk('a'));
  t.is(f.db.getExpire('k'), -1, 'GETSET clears the TTL');
  t.is(await f.call('GETDEL', 'k'), bulk('b'));
  t.is(await f.call('GETDEL', 'k'), NIL);
  t.is(await f.call('MSET', 'a', '1', 'b', '2'), OK);
  t.is(await f.call('MGET', 'a', 'x', 'b'), `*3\r\n${bulk('1')}${NIL}${bulk('2')}`);
  t.is(await f.call('MSET', 'a', '1', 'b'), error("ERR wrong number of arguments for 'mset' command"));
  t.is(await f.call('MSETNX', 'c', '3', 'a', '9'), int(0));
  t.is(await f.call('GET', 'c'), NIL);
  t.is(await f.call('MSETNX', 'c', '3', 'd', '4'), int(1));
  t.is(await f.call('MSETNX', 'c'), error("ERR wrong number of arguments for 'msetnx' command"));
});

test('WRONGTYPE on a value of another type, which stays untouched', async (t) => {
  const f = await fixture(t);
  const hash = fakeHash();
  f.db.set('h', hash);
  const wrong: string[][] = [
    ['GET', 'h'], ['GETSET', 'h', 'v'], ['GETDEL', 'h'], ['GETEX', 'h'], ['GETEX', 'h', 'EX', '10'],
    ['SET', 'h', 'v', 'GET'], ['APPEND', 'h', 'x'], ['APPEND', 'h', ''], ['STRLEN', 'h'], ['GETRANGE', 'h', '0', '1'],
    ['SUBSTR', 'h', '0', '1'], ['SETRANGE', 'h', '0', 'x'], ['SETRANGE', 'h', '0', ''], ['INCR', 'h'],
    ['DECR', 'h'], ['INCRBY', 'h', '2'], ['DECRBY', 'h', '2'], ['INCRBYFLOAT', 'h', '1.5'],
  ];
  for (const cmd of wrong) t.is(await f.call(...cmd), WRONGTYPE, cmd.join(' '));
  t.is(f.db.get('h'), hash);
  t.deepEqual(f.aof, []);
  t.is(await f.call('MGET', 'h'), `*1\r\n${NIL}`);
  t.is(await f.call('SETNX', 'h', 'v'), int(0));
  t.is(await f.call('MSETNX', 'h', 'v'), int(0));
  t.is(await f.call('LCS', 'h', 'x'), error('ERR The specified keys must contain string values'));
  t.is(await f.call('SET', 'h', 'v', 'GET', 'EX', '0'), error("ERR invalid expire time in 'set' command"), 'expire checked before type');
  t.is(await f.call('SET', 'h', 'v'), OK, 'SET overwrites any type');
  f.db.set('h', hash);
  t.is(await f.call('MSET', 'h', 'v'), OK);
  f.db.set('h', hash);
  t.is(await f.call('SETEX', 'h', '10', 'v'), OK);
  t.is(await f.call('GET', 'h'), bulk('v'));
});

test('AOF propagation as Redis 7.0 logs it', async (t) => {
  const f = await fixture(t);
  const cases: [string[], string[][]][] = [
    [['SET', 'k', 'v', 'EX', '10'], [['SET', 'k', 'v', 'PXAT', String(T0 + 10000)]]],
    [['SET', 'k', 'v', 'PX', '500', 'GET'], [['SET', 'k', 'v', 'PXAT', String(T0 + 500)]]],
    [['SET', 'k', 'v', 'EXAT', '1800000000'], [['SET', 'k', 'v', 'PXAT', '1800000000000']]],
    [['SET', 'k', 'v', 'PXAT', '9223372036854775807'], [['SET', 'k', 'v', 'PXAT', '9223372036854775807']]],
    [['set', 'k', 'v'], [['set', 'k', 'v']]],
    [['set', 'k', 'v', 'xx'], [['set', 'k', 'v', 'xx']]],
    [['SET', 'k', 'v', 'NX'], []],
    [['SET', 'k', 'v', 'get', 'KEEPTTL', 'GET'], [['SET', 'k', 'v', 'KEEPTTL']]],
    [['SET', 'k', 'v', 'EX', '0'], []],
    [['SETNX', 'n', 'v'], [['SETNX', 'n', 'v']]],
    [['SETNX', 'n', 'v'], []],
    [['SETEX', 'k', '10', 'v'], [['SET', 'k', 'v', 'PXAT', String(T0 + 10000)]]],
    [['PSETEX', 'k', '10', 'v'], [['SET', 'k', 'v', 'PXAT', String(T0 + 10)]]],
    [['GETSET', 'k', 'w'], [['SET', 'k', 'w']]],
    [['GETDEL', 'k'], [['DEL', 'k']]],
    [['GETDEL', 'k'], []],
    [['MSET', 'a', '1', 'b', '2'], [['MSET', 'a', '1', 'b', '2']]],
    [['MSETNX', 'a', '1', 'c', '2'], []],
    [['MSETNX', 'c', '1', 'd', '2'], [['MSETNX', 'c', '1', 'd', '2']]],
    [['GETEX', 'a'], []],
    [['GETEX', 'a', 'EX', '10'], [['PEXPIREAT', 'a', String(T0 + 10000)]]],
    [['GETEX', 'a', 'PERSIST'], [['PERSIST', 'a']]],
    [['GETEX', 'a', 'PERSIST'], []],
    [['GETEX', 'a', 'EXAT', '1'], [['DEL', 'a']]],
    [['APPEND', 'b', 'x'], [['APPEND', 'b', 'x']]],
    [['APPEND', 'new', ''], [['APPEND', 'new', '']]],
    [['SETRANGE', 'b', '1', 'yy'], [['SETRANGE', 'b', '1', 'yy']]],
    [['SETRANGE', 'b', '1', ''], []],
    [['INCR', 'i'], [['INCR', 'i']]],
    [['decrby', 'i', '5'], [['decrby', 'i', '5']]],
    [['INCR', 'b'], []],
    [['INCRBYFLOAT', 'f', '10.5'], [['SET', 'f', '10.5', 'KEEPTTL']]],
    [['INCRBYFLOAT', 'f', '0.1'], [['SET', 'f', '10.6', 'KEEPTTL']]],
    [['INCRBYFLOAT', 'f', 'x'], []],
    [['GET', 'f'], []],
    [['LCS', 'f', 'b'], []],
  ];
  for (const [cmd, want] of cases) {
    f.aof.length = 0;
    await f.call(...cmd);
    t.deepEqual(f.aof, want, cmd.join(' '));
  }
  // A key whose deadline passed is deleted on access, and the deletion is logged.
  await f.call('SET', 'e', 'v', 'PX', '5');
  f.clock.advance(6);
  f.aof.length = 0;
  t.is(await f.call('GET', 'e'), NIL);
  t.deepEqual(f.aof, [['DEL', 'e']]);
});

test('keyspace hits and misses counted as Redis does', async (t) => {
  const f = await fixture(t);
  await f.call('SET', 'a', '1');
  const before = { hits: f.stats.keyspaceHits, misses: f.stats.keyspaceMisses };
  const script: string[][] = [
    ['GET', 'a'], ['GET', 'nokey'], ['SET', 'b', '1', 'GET'], ['SET', 'c', '1', 'GET'], ['INCR', 'a'],
    ['APPEND', 'a', 'x'], ['SETRANGE', 'a', '0', 'y'], ['SETNX', 'a', '1'], ['SET', 'a', '2', 'NX'],
    ['MSETNX', 'a', '1'], ['GETSET', 'a', '3'], ['GETDEL', 'a'], ['GETDEL', 'a'], ['GETEX', 'nokey'],
    ['STRLEN', 'nokey'], ['GETRANGE', 'nokey', '0', '1'], ['MGET', 'x', 'y', 'c'], ['INCRBYFLOAT', 'f', '1'],
    ['LCS', 'p', 'q'],
  ];
  for (const cmd of script) await f.call(...cmd);
  // The same script on redis-server 7.0 gives keyspace_hits:4 keyspace_misses:11.
  t.is(f.stats.keyspaceHits - before.hits, 4);
  t.is(f.stats.keyspaceMisses - before.misses, 11);
});

test('stored representation: plain strings, RawString after in-place edits', async (t) => {
  const f = await fixture(t);
  await f.call('SET', 'a', '123');
  t.is(stringEncoding(f.db.get('a')!), 'int');
  await f.call('APPEND', 'a', '4');
  t.true(f.db.get('a') instanceof RawString);
  t.is(stringEncoding(f.db.get('a')!), 'raw');
  await f.call('APPEND', 'n', '77');
  t.is(f.db.get('n'), '77', 'APPEND to a new key stores the argument as SET would');
  await f.call('SETRANGE', 'r', '0', 'x');
  t.true(f.db.get('r') instanceof RawString);
  await f.call('INCR', 'a');
  t.is(f.db.get('a'), '1235');
  t.is(stringEncoding(f.db.get('a')!), 'int');
  await f.call('INCRBYFLOAT', 'fl', '3000');
  t.is(stringEncoding(f.db.get('fl')!), 'embstr', 'INCRBYFLOAT results are never integer-encoded');
  t.is(await f.call('INCR', 'fl'), int(3001));
  t.is(stringEncoding(f.db.get('fl')!), 'int');
  await f.call('SET', 'long', 'x'.repeat(45));
  t.is(stringEncoding(f.db.get('long')!), 'raw');
});
