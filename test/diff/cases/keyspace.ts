// Differential cases for the generic keyspace and expiry commands: DEL, UNLINK, EXISTS, TOUCH,
// TYPE, KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX, COPY, MOVE, SWAPDB, DBSIZE, FLUSHDB, FLUSHALL,
// OBJECT, EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST —
// each success and error path, checked against redis-server 7.0.
//
// Replies that depend on the hash order of Redis's dictionary are compared unordered (KEYS) or
// masked (the keys of a multi-key SCAN page: only the cursor and the count are compared). Times
// are chosen so that replies do not depend on the milliseconds a case takes: relative TTLs are
// read back in seconds right away, absolute deadlines are far in the future (or in the past).

import { lineCase, type DiffCase, type DiffMask } from './types.js';

const c = lineCase;

/** The same, with the replies of `unordered` compared as sets. */
const u = (name: string, unordered: number[], ...cmds: (string | string[])[]): DiffCase => ({
  ...c(name, ...cmds),
  unordered,
});

/** A complete SCAN page (cursor 0): compare the cursor and the number of keys, not their order. */
const scanPage = (cmd: number): DiffMask => ({ cmd, pattern: /(?<=^\*2\r\n\$1\r\n0\r\n\*\d+\r\n)[\s\S]*/ });

const LMAX = '9223372036854775807';
const LMIN = '-9223372036854775808';
/** 2100-01-01T00:00:00Z, a deadline in the future for as long as these tests matter. */
const Y2100 = '4102444800';

const delCases: DiffCase[] = [
  c('del existing key', 'SET a 1', 'DEL a', 'EXISTS a', 'GET a'),
  c('del missing key', 'DEL nokey'),
  c('del several keys, some missing', 'SET a 1', 'SET b 2', 'DEL a nokey b', 'DBSIZE'),
  c('del repeated key counts once', 'SET a 1', 'DEL a a a'),
  c('del arity', ['DEL']),
  c('del binary key', ['SET', 'k\x00\xff', 'v'], ['DEL', 'k\x00'], ['DEL', 'k\x00\xff'], ['EXISTS', 'k\x00\xff']),
  c('unlink keys', 'SET a 1', 'SET b 2', 'UNLINK a b c', 'DBSIZE'),
  c('unlink missing and arity', 'UNLINK nokey', ['UNLINK']),
  c('del key with ttl', 'SET a 1', 'EXPIRE a 100', 'DEL a', 'TTL a'),
  c('del lowercase', 'set a 1', 'del a', 'exists a'),
];

const existsCases: DiffCase[] = [
  c('exists missing', 'EXISTS nokey'),
  c('exists counts repeats', 'SET a 1', 'EXISTS a a nokey a'),
  c('exists several', 'SET a 1', 'SET b 2', 'EXISTS a b c'),
  c('exists arity', ['EXISTS']),
  c('exists empty key', ['SET', '', 'v'], ['EXISTS', ''], ['DEL', ''], ['EXISTS', '']),
  c('touch counts existing keys', 'SET a 1', 'SET b 2', 'TOUCH a b nokey a'),
  c('touch missing and arity', 'TOUCH nokey', ['TOUCH']),
];

const typeCases: DiffCase[] = [
  c('type string', 'SET a 1', 'TYPE a'),
  c('type missing', 'TYPE nokey'),
  c('type arity', ['TYPE'], 'TYPE a b'),
  c('type after append', 'APPEND s abc', 'TYPE s'),
  c('type after del', 'SET a 1', 'DEL a', 'TYPE a'),
];

const keysCases: DiffCase[] = [
  u('keys star', [3], 'SET a 1', 'SET b 2', 'SET c 3', 'KEYS *'),
  c('keys on empty db', 'KEYS *'),
  c('keys exact', 'SET hello 1', 'SET hallo 2', 'KEYS hello'),
  u('keys question mark', [3], 'SET hello 1', 'SET hallo 2', 'SET hllo 3', 'KEYS h?llo'),
  u('keys star in the middle', [4], 'SET hello 1', 'SET heeeello 2', 'SET hllo 3', 'SET hellox 4', 'KEYS h*llo'),
  u('keys set', [3], 'SET hello 1', 'SET hallo 2', 'SET hillo 3', 'KEYS h[ae]llo'),
  u('keys negated set', [3], 'SET hello 1', 'SET hallo 2', 'SET hillo 3', 'KEYS h[^e]llo'),
  u('keys range', [4], 'SET a1 1', 'SET b1 2', 'SET c1 3', 'SET d1 4', 'KEYS [b-c]1'),
  u('keys reversed range', [4], 'SET a1 1', 'SET b1 2', 'SET c1 3', 'SET d1 4', 'KEYS [c-b]1'),
  u('keys bang is not negation', [3], 'SET a 1', 'SET ! 2', 'SET b 3', 'KEYS [!a]'),
  c('keys escaped star', ['SET', 'a*', '1'], 'SET ab 2', ['KEYS', 'a\\*']),
  c('keys escaped in set', ['SET', 'a]', '1'], 'SET ab 2', ['KEYS', 'a[\\]]']),
  u('keys trailing backslash', [2], ['SET', 'a\\', '1'], 'SET ab 2', ['KEYS', 'a\\']),
  u('keys unclosed set', [3], 'SET ab 1', 'SET ac 2', 'SET a 3', ['KEYS', 'a[bc']),
  c('keys is case sensitive', 'SET Hello 1', 'KEYS hello', 'KEYS H*'),
  c('keys no match', 'SET a 1', 'KEYS zzz*'),
  u('keys high bytes sort below zero in ranges', [4, 5, 6, 7], ['SET', 'a', '1'], ['SET', '\xff', '1'], ['SET', '\x80', '1'], ['SET', '\x7f', '1'],
    ['KEYS', '[\x00-\xff]'], ['KEYS', '[a-\x80]'], ['KEYS', '[\x80-\xff]'], ['KEYS', '[\x7f-\x80]']),
  u('keys binary pattern', [2], ['SET', 'k\x00a', '1'], ['SET', 'k\x00b', '1'], ['KEYS', 'k\x00*']),
  c('keys arity', ['KEYS'], 'KEYS a b'),
  u('keys skips expired keys', [3], 'SET a 1', 'SET b 2', 'PEXPIREAT a 1', 'KEYS *'),
  u('keys star star', [2], 'SET a 1', 'SET b 2', 'KEYS **'),
];

const scanCases: DiffCase[] = [
  c('scan empty db', 'SCAN 0'),
  c('scan one key', 'SET a 1', 'SCAN 0'),
  { ...c('scan all keys with a large count', 'SET a 1', 'SET b 2', 'SET c 3', 'SCAN 0 COUNT 1000'), mask: [scanPage(3)] },
  { ...c('scan default count on a small db', 'MSET a 1 b 2 c 3 d 4 e 5', 'SCAN 0'), mask: [scanPage(1)] },
  c('scan match', 'MSET a1 1 a2 2 b1 3', 'SCAN 0 MATCH b* COUNT 100'),
  c('scan match none', 'MSET a1 1 a2 2', 'SCAN 0 MATCH z* COUNT 100'),
  { ...c('scan match star', 'MSET a1 1 a2 2', 'SCAN 0 MATCH * COUNT 100'), mask: [scanPage(1)] },
  { ...c('scan type string', 'MSET a 1 b 2', 'SCAN 0 TYPE string COUNT 100', 'SCAN 0 TYPE STRING COUNT 100'), mask: [scanPage(1), scanPage(2)] },
  c('scan type unknown', 'MSET a 1 b 2', 'SCAN 0 TYPE foo COUNT 100', 'SCAN 0 TYPE hash COUNT 100'),
  c('scan match and type', 'MSET a1 1 b1 2', 'SCAN 0 MATCH a* TYPE string COUNT 100'),
  c('scan lowercase options', 'MSET a1 1 b1 2', 'scan 0 match a* count 100 type string'),
  c('scan repeated options', 'MSET a1 1 b1 2', 'SCAN 0 MATCH b* MATCH a* COUNT 5 COUNT 100'),
  c('scan count zero and negative', 'SCAN 0 COUNT 0', 'SCAN 0 COUNT -1', ['SCAN', '0', 'COUNT', LMIN]),
  c('scan count not an integer', 'SCAN 0 COUNT abc', 'SCAN 0 COUNT 1.5', ['SCAN', '0', 'COUNT', '9223372036854775808']),
  c('scan count max', ['SCAN', '0', 'COUNT', LMAX]),
  c('scan options missing values', 'SCAN 0 COUNT', 'SCAN 0 MATCH', 'SCAN 0 TYPE', 'SCAN 0 MATCH a COUNT'),
  c('scan unknown option', 'SCAN 0 FOO bar', 'SCAN 0 FOO'),
  c('scan invalid cursors', 'SCAN abc', 'SCAN +', 'SCAN -', ['SCAN', ' 5'], ['SCAN', '5 '], 'SCAN 0x1', 'SCAN 1.0'),
  c('scan cursor out of range', 'SCAN 18446744073709551616', 'SCAN 99999999999999999999999', 'SCAN -18446744073709551616'),
  c('scan odd valid cursors on empty db', ['SCAN', ''], 'SCAN -1', 'SCAN +0', 'SCAN 007', 'SCAN 18446744073709551615', ['SCAN', '\x00'], 'SCAN -18446744073709551615'),
  c('scan invalid cursor before options', 'SCAN abc COUNT 0'),
  c('scan arity', ['SCAN']),
  c('scan skips expired keys', 'SET a 1', 'SET b 2', 'PEXPIREAT a 1', 'SCAN 0 COUNT 100', 'DBSIZE'),
  c('scan binary match', ['SET', 'k\x00\xff', '1'], 'SET kk 2', ['SCAN', '0', 'MATCH', 'k\x00*', 'COUNT', '100']),
];

const randomkeyCases: DiffCase[] = [
  c('randomkey empty db', 'RANDOMKEY'),
  c('randomkey single key', 'SET only 1', 'RANDOMKEY'),
  { ...c('randomkey among several', 'MSET a 1 b 2 c 3', 'RANDOMKEY'), ignore: [1] },
  c('randomkey arity', 'RANDOMKEY x'),
  c('randomkey after del', 'SET a 1', 'DEL a', 'RANDOMKEY'),
  c('randomkey skips expired key', 'SET a 1', 'SET b 1', 'PEXPIREAT a 1', 'RANDOMKEY'),
];

const renameCases: DiffCase[] = [
  c('rename to new key', 'SET a 1', 'RENAME a b', 'GET a', 'GET b'),
  c('rename missing key', 'RENAME nokey b'),
  c('rename same missing key', 'RENAME nokey nokey'),
  c('rename same key', 'SET a 1', 'RENAME a a', 'GET a'),
  c('rename overwrites', 'SET a 1', 'SET b 2', 'RENAME a b', 'GET b', 'DBSIZE'),
  c('rename keeps ttl', 'SET a 1', 'EXPIRE a 1000', 'RENAME a b', 'TTL b', 'TTL a'),
  c('rename clears target ttl', 'SET a 1', 'SET b 2', 'EXPIRE b 1000', 'RENAME a b', 'TTL b'),
  c('rename arity', 'RENAME a', 'RENAME a b c'),
  c('rename expired key', 'SET a 1', 'PEXPIREAT a 1', 'RENAME a b'),
  c('rename keeps encoding', 'SET a 12', 'APPEND r xyz', 'RENAME a b', 'RENAME r s', 'OBJECT ENCODING b', 'OBJECT ENCODING s'),
  c('renamenx to new key', 'SET a 1', 'RENAMENX a b', 'GET b', 'EXISTS a'),
  c('renamenx existing target', 'SET a 1', 'SET b 2', 'RENAMENX a b', 'GET a', 'GET b'),
  c('renamenx same key', 'SET a 1', 'RENAMENX a a'),
  c('renamenx missing key', 'RENAMENX nokey b', 'RENAMENX nokey nokey'),
  c('renamenx keeps ttl', 'SET a 1', 'EXPIRE a 1000', 'RENAMENX a b', 'TTL b'),
  c('renamenx arity', 'RENAMENX a'),
  c('rename binary keys', ['SET', 'a\x00', '1'], ['RENAME', 'a\x00', 'b\xff'], ['GET', 'b\xff'], ['EXISTS', 'a\x00']),
];

const copyCases: DiffCase[] = [
  c('copy to new key', 'SET a hello', 'COPY a b', 'GET b', 'GET a'),
  c('copy existing target', 'SET a 1', 'SET b 2', 'COPY a b', 'GET b'),
  c('copy replace', 'SET a 1', 'SET b 2', 'COPY a b REPLACE', 'GET b'),
  c('copy missing source', 'COPY nokey b', 'EXISTS b'),
  c('copy same key', 'SET a 1', 'COPY a a', 'COPY a a DB 0', 'COPY nokey nokey'),
  c('copy same key other db', 'SET a 1', 'COPY a a DB 1', 'SELECT 1', 'GET a'),
  c('copy to another db', 'SET a 1', 'COPY a b DB 2', 'EXISTS b', 'SELECT 2', 'GET b'),
  c('copy db errors', 'SET a 1', 'COPY a b DB', 'COPY a b DB x', 'COPY a b DB 99', 'COPY a b DB -1', 'COPY a b DB 16'),
  c('copy db out of int range', 'SET a 1', 'COPY a b DB 2147483648', 'COPY a b DB -2147483649', 'COPY a b DB 99999999999999999999'),
  c('copy option order', 'SET a 1', 'COPY a b DB 99 foo', 'COPY a b foo DB 99', 'COPY a b REPLACE foo'),
  c('copy repeated options', 'SET a 1', 'SET b 2', 'COPY a b REPLACE REPLACE', 'COPY a c DB 1 DB 2', 'SELECT 2', 'GET c'),
  c('copy keeps ttl', 'SET a 1', 'EXPIRE a 1000', 'COPY a b', 'TTL b'),
  c('copy replace clears target ttl', 'SET a 1', 'SET b 2', 'EXPIRE b 1000', 'COPY a b REPLACE', 'TTL b'),
  c('copy keeps encodings', 'SET i 123', 'SET e abc', 'APPEND r xyz', 'COPY i i2', 'COPY e e2', 'COPY r r2', 'OBJECT ENCODING i2', 'OBJECT ENCODING e2', 'OBJECT ENCODING r2'),
  c('copy source unchanged by later writes', 'SET a x', 'COPY a b', 'APPEND b y', 'GET a', 'GET b'),
  c('copy arity', 'COPY a'),
  c('copy lowercase options', 'SET a 1', 'SET b 2', 'copy a b replace db 0', 'GET b'),
  c('copy expired source', 'SET a 1', 'PEXPIREAT a 1', 'COPY a b'),
];

const moveCases: DiffCase[] = [
  c('move to another db', 'SET a 1', 'MOVE a 1', 'EXISTS a', 'SELECT 1', 'GET a'),
  c('move same db', 'SET a 1', 'MOVE a 0', 'MOVE nokey 0'),
  c('move db errors', 'SET a 1', 'MOVE a 99', 'MOVE a -1', 'MOVE a 16', 'MOVE a x', 'MOVE a 2147483648', 'MOVE a 1.0'),
  c('move missing key', 'MOVE nokey 1'),
  c('move target exists', 'SET a 1', 'SELECT 1', 'SET a 2', 'SELECT 0', 'MOVE a 1', 'GET a', 'SELECT 1', 'GET a'),
  c('move keeps ttl', 'SET a 1', 'EXPIRE a 1000', 'MOVE a 1', 'SELECT 1', 'TTL a'),
  c('move arity', 'MOVE a', 'MOVE a 1 2'),
  c('move from selected db', 'SELECT 3', 'SET a 1', 'MOVE a 0', 'SELECT 0', 'GET a'),
];

const swapdbCases: DiffCase[] = [
  c('swapdb swaps data', 'SET a 0', 'SELECT 1', 'SET b 1', 'SWAPDB 0 1', 'GET a', 'GET b', 'SELECT 0', 'GET a', 'GET b'),
  c('swapdb same db', 'SET a 1', 'SWAPDB 0 0', 'GET a'),
  c('swapdb index errors', 'SWAPDB x 0', 'SWAPDB 0 x', 'SWAPDB x y', 'SWAPDB 0 2147483648', 'SWAPDB 2147483648 0'),
  c('swapdb range errors', 'SWAPDB 0 16', 'SWAPDB 16 0', 'SWAPDB -1 0', 'SWAPDB 0 -1'),
  c('swapdb parses both before range checks', 'SWAPDB -1 x', 'SWAPDB 16 2147483648', 'SWAPDB 16 y'),
  c('swapdb arity', 'SWAPDB 0', 'SWAPDB 0 1 2'),
  c('swapdb keeps ttls', 'SET a 1', 'EXPIRE a 1000', 'SWAPDB 0 5', 'TTL a', 'SELECT 5', 'TTL a'),
  c('swapdb twice', 'SET a 1', 'SWAPDB 0 1', 'SWAPDB 1 0', 'GET a'),
];

const sizeAndFlushCases: DiffCase[] = [
  c('dbsize counts keys', 'DBSIZE', 'MSET a 1 b 2 c 3', 'DBSIZE', 'DEL a', 'DBSIZE'),
  c('dbsize per db', 'SET a 1', 'SELECT 1', 'DBSIZE'),
  c('dbsize arity', 'DBSIZE x'),
  c('flushdb', 'MSET a 1 b 2', 'SELECT 1', 'SET c 3', 'FLUSHDB', 'DBSIZE', 'SELECT 0', 'DBSIZE'),
  c('flushdb options', 'SET a 1', 'FLUSHDB SYNC', 'SET a 1', 'FLUSHDB ASYNC', 'SET a 1', 'flushdb async', 'DBSIZE'),
  c('flushdb errors', 'SET a 1', 'FLUSHDB x', 'FLUSHDB SYNC ASYNC', 'FLUSHDB ASYNC x', 'DBSIZE'),
  c('flushall', 'SET a 1', 'SELECT 1', 'SET b 2', 'FLUSHALL', 'DBSIZE', 'SELECT 0', 'DBSIZE'),
  c('flushall options', 'SET a 1', 'FLUSHALL SYNC', 'SET a 1', 'FLUSHALL ASYNC', 'SET a 1', 'flushall sync', 'DBSIZE'),
  c('flushall errors', 'SET a 1', 'FLUSHALL x', 'FLUSHALL SYNC ASYNC', 'DBSIZE'),
  c('flush empty db', 'FLUSHDB', 'FLUSHALL'),
  c('flushdb clears ttls', 'SET a 1', 'EXPIRE a 100', 'FLUSHDB', 'SET a 1', 'TTL a'),
];

const objectCases: DiffCase[] = [
  c('object help', 'OBJECT HELP', 'object help'),
  c('object help arity', 'OBJECT HELP x'),
  c('object arity', ['OBJECT'], 'OBJECT ENCODING', 'OBJECT ENCODING a b', 'OBJECT REFCOUNT', 'OBJECT FREQ a b', 'OBJECT IDLETIME'),
  c('object unknown subcommand', 'OBJECT foo', 'OBJECT foo bar'),
  c('object encoding int', 'SET a 123', 'SET b -5', `SET c ${LMAX}`, `SET d ${LMIN}`, 'SET e 0', 'OBJECT ENCODING a', 'OBJECT ENCODING b', 'OBJECT ENCODING c', 'OBJECT ENCODING d', 'OBJECT ENCODING e'),
  c('object encoding not int', 'SET a 9223372036854775808', 'SET b 007', 'SET c -0', 'SET d +1', 'SET e 1.5', ['SET', 'f', ' 1'], 'OBJECT ENCODING a', 'OBJECT ENCODING b', 'OBJECT ENCODING c', 'OBJECT ENCODING d', 'OBJECT ENCODING e', 'OBJECT ENCODING f'),
  c('object encoding embstr and raw', ['SET', 'a', 'x'.repeat(44)], ['SET', 'b', 'x'.repeat(45)], ['SET', 'c', ''], 'OBJECT ENCODING a', 'OBJECT ENCODING b', 'OBJECT ENCODING c'),
  c('object encoding after append', 'SET a abc', 'APPEND a d', 'OBJECT ENCODING a', 'APPEND n 1', 'OBJECT ENCODING n'),
  c('object encoding missing key', 'OBJECT ENCODING nokey'),
  c('object encoding lowercase', 'SET a 1', 'object encoding a'),
  c('object refcount', 'SET a 1', 'SET b 9999', 'SET c 10000', 'SET d -1', 'SET e abc', 'OBJECT REFCOUNT a', 'OBJECT REFCOUNT b', 'OBJECT REFCOUNT c', 'OBJECT REFCOUNT d', 'OBJECT REFCOUNT e'),
  c('object refcount missing key', 'OBJECT REFCOUNT nokey'),
  c('object idletime missing key', 'OBJECT IDLETIME nokey'),
  { ...c('object idletime', 'SET a abc', 'OBJECT IDLETIME a'), ignore: [1] },
  c('object freq without lfu policy', 'SET a 1', 'OBJECT FREQ a', 'OBJECT FREQ nokey'),
  // lfu-decay-time 0: no decrement if a minute starts during the case.
  c('object freq with an lfu policy', 'CONFIG SET maxmemory-policy allkeys-lfu lfu-decay-time 0', 'SET a abc', 'OBJECT FREQ a', 'GET a',
    'OBJECT FREQ a', 'EXISTS a', 'TYPE a', 'OBJECT FREQ a', 'OBJECT IDLETIME a', 'OBJECT FREQ nokey',
    'CONFIG SET maxmemory-policy noeviction lfu-decay-time 1'),
];

const expireCases: DiffCase[] = [
  c('expire missing key', 'EXPIRE nokey 100', 'PEXPIRE nokey 100', 'EXPIREAT nokey 100', 'PEXPIREAT nokey 100'),
  c('expire and ttl', 'SET a 1', 'EXPIRE a 100', 'TTL a', 'EXISTS a'),
  c('pexpire and ttl', 'SET a 1', 'PEXPIRE a 100000', 'TTL a'),
  c('pexpire rounds ttl to nearest second', 'SET a 1', 'PEXPIRE a 100400', 'TTL a'),
  c('expireat and expiretime', 'SET a 1', `EXPIREAT a ${Y2100}`, 'EXPIRETIME a', 'PEXPIRETIME a'),
  c('pexpireat and expiretime rounding', 'SET a 1', `PEXPIREAT a ${Y2100}499`, 'EXPIRETIME a', 'PEXPIRETIME a', `PEXPIREAT a ${Y2100}500`, 'EXPIRETIME a'),
  c('expire overwrites ttl', 'SET a 1', 'EXPIRE a 100', 'EXPIRE a 200', 'TTL a'),
  c('expire zero deletes', 'SET a 1', 'EXPIRE a 0', 'EXISTS a', 'TTL a'),
  c('expire negative deletes', 'SET a 1', 'EXPIRE a -1', 'EXISTS a'),
  c('pexpire zero deletes', 'SET a 1', 'PEXPIRE a 0', 'EXISTS a'),
  c('expireat past deletes', 'SET a 1', 'EXPIREAT a 1', 'EXISTS a', 'SET b 1', 'EXPIREAT b 0', 'EXISTS b'),
  c('pexpireat past deletes', 'SET a 1', 'PEXPIREAT a 1', 'EXISTS a', 'SET b 1', `PEXPIREAT b ${LMIN}`, 'EXISTS b'),
  c('expire not integer', 'SET a 1', 'EXPIRE a abc', 'EXPIRE a 1.5', 'EXPIRE a 01', 'EXPIRE a +1', ['EXPIRE', 'a', ''], 'PEXPIREAT a 1e3', 'TTL a'),
  c('expire not integer on missing key', 'EXPIRE nokey abc'),
  c('expire overflow seconds', 'SET a 1', `EXPIRE a ${LMAX}`, 'EXPIRE a 9223372036854775', `EXPIRE a ${LMIN}`, 'EXPIRE a -9223372036854776', 'TTL a'),
  c('expire overflow base time', 'SET a 1', `PEXPIRE a ${LMAX}`, 'PEXPIRE a 9223372036854775000', 'TTL a'),
  c('expireat overflow', 'SET a 1', 'EXPIREAT a 9223372036854776', `EXPIREAT a ${LMAX}`, 'TTL a'),
  c('expireat largest', 'SET a 1', 'EXPIREAT a 9223372036854775', 'EXISTS a'),
  c('pexpireat largest', 'SET a 1', `PEXPIREAT a ${LMAX}`, 'EXISTS a'),
  c('expire big negative deletes', 'SET a 1', 'EXPIRE a -9223372036854775', 'EXISTS a', 'SET b 1', `PEXPIRE b ${LMIN}`, 'EXISTS b'),
  c('expire error names the command', 'SET a 1', `EXPIRE a ${LMAX}`, `pexpire a ${LMAX}`, 'ExpireAt a 9223372036854776', 'EXPIRE a 9223372036854775 gt'),
  c('expire arity', 'EXPIRE a', 'PEXPIRE a', 'EXPIREAT a', 'PEXPIREAT a', ['EXPIRE']),
  c('expire nx', 'SET a 1', 'EXPIRE a 100 NX', 'EXPIRE a 200 NX', 'TTL a'),
  c('expire xx', 'SET a 1', 'EXPIRE a 100 XX', 'TTL a', 'EXPIRE a 100', 'EXPIRE a 200 XX', 'TTL a'),
  c('expire gt', 'SET a 1', 'EXPIRE a 100 GT', 'TTL a', 'EXPIRE a 100', 'EXPIRE a 50 GT', 'EXPIRE a 200 GT', 'TTL a'),
  c('expire lt', 'SET a 1', 'EXPIRE a 100 LT', 'TTL a', 'EXPIRE a 200 LT', 'EXPIRE a 50 LT', 'TTL a'),
  c('expire gt equal', 'SET a 1', `EXPIREAT a ${Y2100}`, `EXPIREAT a ${Y2100} GT`, `EXPIREAT a ${Y2100} LT`, `PEXPIREAT a ${Y2100}001 GT`, 'PEXPIRETIME a'),
  c('expire xx gt', 'SET a 1', 'EXPIRE a 100 XX GT', 'EXPIRE a 100', 'EXPIRE a 200 GT XX', 'TTL a'),
  c('expire xx lt', 'SET a 1', 'EXPIRE a 100 XX LT', 'EXPIRE a 100', 'EXPIRE a 50 lt xx', 'TTL a'),
  c('expire flag conflicts', 'SET a 1', 'EXPIRE a 10 NX XX', 'EXPIRE a 10 NX GT', 'EXPIRE a 10 NX LT', 'EXPIRE a 10 GT LT', 'EXPIRE a 10 XX NX', 'TTL a'),
  c('expire flag conflicts on missing key', 'EXPIRE nokey 10 GT LT', 'EXPIRE nokey 10 NX XX'),
  c('expire repeated flags', 'SET a 1', 'EXPIRE a 100 NX NX', 'EXPIRE a 200 GT GT XX', 'TTL a'),
  c('expire unsupported option', 'SET a 1', 'EXPIRE a 10 foo', 'EXPIRE a 10 NX foo', 'EXPIRE a abc foo', ['EXPIRE', 'a', '10', 'x\x00y'],
    // addReplyErrorFormat trims CR and LF off the text's ends (the option is at its end) and makes the others spaces.
    ['EXPIRE', 'a', '10', 'x\r\n\r\n'], ['EXPIRE', 'a', '10', '\r\nx\r'], ['EXPIRE', 'a', '10', '\n'], 'TTL a'),
  c('expire flags checked before time', 'SET a 1', 'EXPIRE a abc NX XX', 'EXPIRE a abc NX'),
  c('expire lowercase flags', 'SET a 1', 'expire a 100 nx', 'pexpire a 50000 lt', 'TTL a'),
  c('expire past with flags deletes', 'SET a 1', 'EXPIRE a 100', 'EXPIRE a -1 LT', 'EXISTS a', 'SET b 1', 'EXPIRE b -1 GT', 'EXISTS b'),
  c('expire past with nx on key with ttl', 'SET a 1', 'EXPIRE a 100', 'EXPIRE a -1 NX', 'EXISTS a'),
  c('ttl family on missing key', 'TTL nokey', 'PTTL nokey', 'EXPIRETIME nokey', 'PEXPIRETIME nokey'),
  c('ttl family without ttl', 'SET a 1', 'TTL a', 'PTTL a', 'EXPIRETIME a', 'PEXPIRETIME a'),
  c('ttl family arity', ['TTL'], 'TTL a b', ['PTTL'], 'EXPIRETIME a b', ['PEXPIRETIME']),
  c('set clears ttl', 'SET a 1', 'EXPIRE a 100', 'SET a 2', 'TTL a'),
  c('persist', 'SET a 1', 'EXPIRE a 100', 'PERSIST a', 'TTL a', 'PERSIST a'),
  c('persist missing and without ttl', 'PERSIST nokey', 'SET a 1', 'PERSIST a'),
  c('persist arity', ['PERSIST'], 'PERSIST a b'),
  c('expire on binary key', ['SET', 'k\x00', 'v'], ['EXPIRE', 'k\x00', '100'], ['TTL', 'k\x00'], ['TTL', 'k']),
];

export const cases: DiffCase[] = [
  ...delCases,
  ...existsCases,
  ...typeCases,
  ...keysCases,
  ...scanCases,
  ...randomkeyCases,
  ...renameCases,
  ...copyCases,
  ...moveCases,
  ...swapdbCases,
  ...sizeAndFlushCases,
  ...objectCases,
  ...expireCases,
];
