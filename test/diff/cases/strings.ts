// Differential cases for the string family: GET, SET (every option), SETNX, SETEX, PSETEX, GETSET,
// GETDEL, GETEX, MGET, MSET, MSETNX, APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE, INCR, DECR,
// INCRBY, DECRBY, INCRBYFLOAT, LCS — each success and error path, checked against redis-server 7.0.
//
// Some cases need commands of other families (HSET for WRONGTYPE, TTL, EXISTS, OBJECT, COMMAND).
// Until Keystonelight has them, those cases are held back in `pendingCases` (listed by name) and
// join `cases` by themselves once every command they send is in the command table.

import { lineCase, type DiffCase } from './types.js';
import { buildCommandTable } from '../../../src/commands/index.js';

const c = lineCase;

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
const LMAX = '9223372036854775807';
const LMIN = '-9223372036854775808';

const getCases: DiffCase[] = [
  c('get missing key', 'GET nokey'),
  c('get after set', 'SET k hello', 'GET k'),
  c('get empty value', ['SET', 'k', ''], 'GET k', 'STRLEN k'),
  c('get all 256 byte values', ['SET', 'bin', ALL_BYTES], 'GET bin', 'STRLEN bin'),
  c('get binary key', ['SET', 'k\x00\xff\r\n', 'v'], ['GET', 'k\x00\xff\r\n'], ['GET', 'k\x00\xff']),
  c('get empty key', ['SET', '', 'empty-key'], ['GET', '']),
  c('get long value', ['SET', 'big', 'x'.repeat(5000)], 'GET big'),
  c('get arity', ['GET'], 'GET a b'),
  c('get wrongtype', 'HSET h f v', 'GET h'),
];

const setCases: DiffCase[] = [
  c('set and overwrite', 'SET k v1', 'SET k v2', 'GET k'),
  c('set nx', 'SET k v NX', 'SET k v2 NX', 'GET k'),
  c('set xx', 'SET k v XX', 'GET k', 'SET k v1', 'SET k v2 XX', 'GET k'),
  c('set nx xx conflict', 'SET k v NX XX', 'SET k v XX NX', 'GET k'),
  c('set repeated nx', 'SET k v NX NX', 'SET k v XX XX', 'GET k'),
  c('set get old value', 'SET k v GET', 'SET k v2 GET', 'GET k'),
  c('set nx get', 'SET k v NX GET', 'GET k', 'SET k v2 NX GET', 'GET k'),
  c('set xx get', 'SET k v XX GET', 'GET k', 'SET k v1', 'SET k v2 XX GET', 'GET k'),
  c('set get get', 'SET k a', 'SET k b GET GET', 'GET k'),
  c('set lowercase options', 'set k v nx', 'set k v2 xx get', 'set k v3 ex 100 get', 'get k'),
  c('set mixed case options', 'SET k v Nx', 'SET k v2 gEt kEePtTl', 'GET k'),
  c('set ex px exat pxat succeed', 'SET a v EX 100', 'SET b v PX 100000', 'SET c v EXAT 99999999999', 'SET d v PXAT 99999999999999', 'MGET a b c d'),
  c('set ex then ttl', 'SET k v EX 100', 'TTL k', 'SET k v PX 200000', 'TTL k', 'SET k v EXAT 32503680000', 'GET k'),
  c('set exat in the past', 'SET k v EXAT 1', 'GET k', 'SET k v PXAT 1', 'GET k'),
  c('set pxat past with get', 'SET k old', 'SET k new PXAT 1 GET', 'GET k'),
  c('set invalid expire zero', 'SET k v EX 0', 'SET k v PX 0', 'SET k v EXAT 0', 'SET k v PXAT 0', 'GET k'),
  c('set invalid expire negative', 'SET k v EX -1', 'SET k v PX -100', 'SET k v EXAT -5', 'SET k v PXAT -5'),
  c('set expire not integer', 'SET k v EX abc', 'SET k v PX 1.5', ['SET', 'k', 'v', 'EX', ''], ['SET', 'k', 'v', 'EX', ' 10'], 'SET k v EX 10a', 'GET k'),
  c('set expire overflow', `SET k v EX 9223372036854775`, `SET k v EX 9223372036854776`, `SET k v PX ${LMAX}`, `SET k v EXAT ${LMAX}`, `SET k v EX ${LMAX}1`, 'GET k'),
  c('set pxat max', `SET k v PXAT ${LMAX}`, 'GET k', `SET j v EXAT 9223372036854775`, 'GET j'),
  c('set missing expire argument', 'SET k v EX', 'SET k v PX', 'SET k v EXAT', 'SET k v PXAT', 'GET k'),
  c('set conflicting expires', 'SET k v EX 10 PX 100', 'SET k v PX 10 EX 100', 'SET k v EX 10 EXAT 100', 'SET k v PXAT 10 PX 100', 'SET k v EXAT 10 PXAT 100'),
  c('set keepttl conflicts', 'SET k v KEEPTTL EX 10', 'SET k v EX 10 KEEPTTL', 'SET k v PX 10 KEEPTTL', 'SET k v KEEPTTL PXAT 10'),
  c('set repeated ex', 'SET k v EX 10 EX 100', 'TTL k', 'SET k v PX 10 PX 100000', 'TTL k'),
  c('set keepttl keeps the ttl', 'SET k v EX 100', 'SET k v2 KEEPTTL', 'TTL k', 'GET k'),
  c('set clears the ttl', 'SET k v EX 100', 'SET k v2', 'TTL k'),
  c('set keepttl on missing key', 'SET k v KEEPTTL', 'GET k', 'TTL k'),
  c('set unknown option', 'SET k v FOO', 'SET k v PERSIST', 'SET k v EX 10 FOO', 'SET k v NX 10', 'GET k'),
  c('set arity', 'SET k', ['SET']),
  c('set option words end at nul', ['SET', 'k', 'v', 'NX\x00zz'], ['SET', 'k', 'v2', 'nx\x00'], ['SET', 'k', 'v3', 'EX\x00', '100'], 'GET k', 'TTL k'),
  c('set nx with ex on existing key keeps ttl', 'SET k v EX 100', 'SET k v2 NX EX 5', 'TTL k', 'GET k'),
  c('set xx ex on missing key', 'SET k v XX EX 100', 'GET k'),
  c('set get on wrongtype', 'HSET h f v', 'SET h v GET', 'HGET h f'),
  c('set get wrongtype with bad expire', 'HSET h f v', 'SET h v GET EX 0', 'SET h v GET EX abc', 'SET h v GET EX 10'),
  c('set overwrites other types', 'HSET h f v', 'SET h str', 'GET h'),
  c('set integer-looking values', 'SET a 12345', 'SET b -0', 'SET c 007', `SET d ${LMAX}`, `SET e ${LMAX}0`, 'MGET a b c d e'),
  c('set empty value', ['SET', 'k', ''], 'GET k', ['SET', 'k', '', 'GET']),
];

const setVariantCases: DiffCase[] = [
  c('setnx', 'SETNX k v', 'SETNX k v2', 'GET k'),
  c('setnx arity', 'SETNX k', 'SETNX k v x'),
  c('setnx over other type', 'HSET h f v', 'SETNX h v'),
  c('setex', 'SETEX k 100 v', 'GET k', 'TTL k'),
  c('setex invalid times', 'SETEX k 0 v', 'SETEX k -1 v', `SETEX k ${LMAX} v`, 'SETEX k 9223372036854776 v', 'GET k'),
  c('setex not integer', 'SETEX k abc v', 'SETEX k 1.5 v', 'SETEX k 10x v', 'GET k'),
  c('setex arity', 'SETEX k 10', 'SETEX k 10 v x'),
  c('setex overwrites other types', 'HSET h f v', 'SETEX h 100 v', 'GET h'),
  c('psetex', 'PSETEX k 100000 v', 'GET k', 'TTL k'),
  c('psetex invalid times', 'PSETEX k 0 v', 'PSETEX k -5 v', 'PSETEX k abc v', `PSETEX k ${LMAX} v`, 'GET k'),
  c('psetex arity', 'PSETEX k 10', ['PSETEX']),
  c('getset', 'GETSET k v', 'GETSET k v2', 'GET k'),
  c('getset clears ttl', 'SET k v EX 100', 'GETSET k v2', 'TTL k'),
  c('getset wrongtype', 'HSET h f v', 'GETSET h v', 'HGET h f'),
  c('getset arity', 'GETSET k', 'GETSET k v x'),
  c('getdel', 'SET k v', 'GETDEL k', 'GET k', 'GETDEL k'),
  c('getdel binary', ['SET', 'k', ALL_BYTES], 'GETDEL k', 'STRLEN k'),
  c('getdel wrongtype', 'HSET h f v', 'GETDEL h', 'HGET h f'),
  c('getdel arity', ['GETDEL'], 'GETDEL a b'),
  // Logged as UNLINK (aof-effects.test.ts), as Redis 7.0's getdelCommand; nothing for a missing key.
  c('getdel under lazyfree-lazy-user-del yes', 'CONFIG SET lazyfree-lazy-user-del yes', 'SET k v', 'GETDEL k', 'GETDEL k', 'SET d v', 'DEL d',
    'CONFIG SET lazyfree-lazy-user-del no'),
];

const getexCases: DiffCase[] = [
  c('getex without options', 'SET k v', 'GETEX k', 'TTL k'),
  c('getex missing key', 'GETEX nokey', 'GETEX nokey EX 100', 'GETEX nokey EX abc', 'GETEX nokey EX 0'),
  c('getex ex', 'SET k v', 'GETEX k EX 100', 'TTL k'),
  c('getex px', 'SET k v', 'GETEX k PX 100000', 'TTL k'),
  c('getex exat pxat future', 'SET k v', 'GETEX k EXAT 32503680000', 'GET k', 'GETEX k PXAT 32503680000000', 'GET k'),
  c('getex exat in the past deletes', 'SET k v', 'GETEX k EXAT 1', 'GET k', 'SET j v', 'GETEX j PXAT 1', 'GET j'),
  c('getex persist', 'SET k v EX 100', 'GETEX k PERSIST', 'TTL k', 'GETEX k PERSIST', 'TTL k'),
  c('getex invalid times', 'SET k v', 'GETEX k EX 0', 'GETEX k PX -1', 'GETEX k EXAT 0', `GETEX k EX ${LMAX}`, 'GETEX k EX 9223372036854775', 'TTL k'),
  c('getex not integer', 'SET k v', 'GETEX k EX abc', 'GETEX k PX 1.5'),
  c('getex syntax errors', 'SET k v', 'GETEX k EX', 'GETEX k PERSIST EX 10', 'GETEX k EX 10 PERSIST', 'GETEX k KEEPTTL', 'GETEX k NX', 'GETEX k GET', 'GETEX k FOO'),
  c('getex conflicting expires', 'SET k v', 'GETEX k EX 10 PX 10', 'GETEX k PXAT 10 EXAT 10'),
  c('getex repeated options', 'SET k v', 'GETEX k EX 10 EX 100', 'TTL k', 'GETEX k PERSIST PERSIST', 'TTL k'),
  c('getex lowercase options', 'SET k v', 'getex k ex 100', 'TTL k', 'getex k persist', 'TTL k'),
  c('getex wrongtype', 'HSET h f v', 'GETEX h', 'GETEX h EX 10', 'GETEX h EX abc', 'GETEX h FOO'),
  c('getex arity', ['GETEX']),
];

const multiCases: DiffCase[] = [
  c('mget mixed', 'SET a 1', 'SET c 3', 'MGET a b c', 'MGET b'),
  c('mget duplicates', 'SET a 1', 'MGET a a a'),
  c('mget with other types', 'SET a 1', 'HSET h f v', 'MGET a h nokey'),
  c('mget arity', ['MGET']),
  c('mset', 'MSET a 1 b 2 c 3', 'MGET a b c', 'MSET a x', 'MGET a b c'),
  c('mset same key twice', 'MSET a 1 a 2', 'GET a'),
  c('mset odd arguments', 'MSET a', 'MSET a 1 b', 'MSET a 1 b 2 c', 'MGET a b'),
  c('mset clears ttl and overwrites types', 'SET a v EX 100', 'HSET h f v', 'MSET a 1 h 2', 'TTL a', 'GET h'),
  c('msetnx all new', 'MSETNX a 1 b 2', 'MGET a b'),
  c('msetnx one exists', 'SET b old', 'MSETNX a 1 b 2 c 3', 'MGET a b c'),
  c('msetnx duplicate new keys', 'MSETNX a 1 a 2', 'GET a'),
  c('msetnx odd arguments', 'MSETNX a', 'MSETNX a 1 b', 'GET a'),
  c('msetnx existing other type', 'HSET h f v', 'MSETNX a 1 h 2', 'GET a'),
];

const rangeCases: DiffCase[] = [
  c('append to missing key', 'APPEND k hello', 'GET k'),
  c('append to existing', 'SET k hello', ['APPEND', 'k', ' world'], 'APPEND k !', 'GET k'),
  c('append empty creates key', ['APPEND', 'k', ''], 'GET k', 'STRLEN k', 'EXISTS k'),
  c('append binary', ['APPEND', 'k', '\x00\x01'], ['APPEND', 'k', ALL_BYTES], 'GET k', 'STRLEN k'),
  c('append to integer value', 'SET k 10', 'APPEND k 5', 'GET k', 'INCR k'),
  c('append keeps ttl', 'SET k v EX 100', 'APPEND k w', 'TTL k'),
  c('append wrongtype', 'HSET h f v', 'APPEND h x', ['APPEND', 'h', '']),
  c('append arity', 'APPEND k', 'APPEND k a b'),
  c('append encoding', 'SET k abc', 'OBJECT ENCODING k', 'APPEND k d', 'OBJECT ENCODING k', 'APPEND n 1', 'OBJECT ENCODING n'),
  c('strlen', 'STRLEN nokey', 'SET k hello', 'STRLEN k', 'SET n 12345', 'STRLEN n', ['SET', 'e', ''], 'STRLEN e'),
  c('strlen wrongtype', 'HSET h f v', 'STRLEN h'),
  c('strlen arity', ['STRLEN'], 'STRLEN a b'),
  c('getrange positive', 'SET s Hello', 'GETRANGE s 0 3', 'GETRANGE s 0 -1', 'GETRANGE s 1 1', 'GETRANGE s 4 4'),
  c('getrange negative', 'SET s Hello', 'GETRANGE s -3 -1', 'GETRANGE s -1 -1', 'GETRANGE s -5 -1', 'GETRANGE s -100 -1', 'GETRANGE s -100 2'),
  c('getrange out of range', 'SET s Hello', 'GETRANGE s 5 100', 'GETRANGE s 100 200', 'GETRANGE s 3 1', 'GETRANGE s 2 1000000'),
  c('getrange reversed negatives', 'SET s Hello', 'GETRANGE s -100 -200', 'GETRANGE s -1 -5', 'GETRANGE s 0 -100', 'GETRANGE s 1 -100'),
  c('getrange extremes', 'SET s Hello', `GETRANGE s ${LMIN} -9223372036854775807`, `GETRANGE s ${LMAX} ${LMAX}`, `GETRANGE s ${LMIN} ${LMAX}`, `GETRANGE s 0 ${LMIN}`),
  c('getrange missing key', 'GETRANGE nokey 0 -1', 'GETRANGE nokey 5 1'),
  c('getrange empty value', ['SET', 'e', ''], 'GETRANGE e 0 -1', 'GETRANGE e 0 0', 'GETRANGE e -1 0'),
  c('getrange integer value', 'SET n 1234567', 'GETRANGE n 2 4', 'GETRANGE n -2 -1'),
  c('getrange not integer', 'SET s Hello', 'GETRANGE s a 1', 'GETRANGE s 0 b', 'GETRANGE s 0 9223372036854775808', 'GETRANGE s 1.0 2', 'GETRANGE nokey x 1'),
  c('getrange binary', ['SET', 'bin', ALL_BYTES], 'GETRANGE bin 0 -1', 'GETRANGE bin 250 -1', 'GETRANGE bin 10 12'),
  c('getrange wrongtype', 'HSET h f v', 'GETRANGE h 0 -1', 'GETRANGE h a b'),
  c('getrange arity', 'GETRANGE k 0', 'GETRANGE k 0 1 2'),
  c('substr', 'SET s Hello', 'SUBSTR s 1 3', 'SUBSTR s -3 -1', 'SUBSTR s -100 -200', 'SUBSTR nokey 0 1', 'SUBSTR s x 1', 'SUBSTR s 0'),
  c('setrange on missing key', 'SETRANGE k 0 hello', 'GET k', 'SETRANGE j 5 x', 'GET j', 'STRLEN j'),
  c('setrange on existing', 'SET s HelloWorld', 'SETRANGE s 5 Redis', 'GET s', 'SETRANGE s 8 XYZW', 'GET s', 'SETRANGE s 15 !', 'GET s'),
  c('setrange empty value', ['SETRANGE', 'k', '0', ''], 'GET k', ['SETRANGE', 'k', '536870912', ''], ['SETRANGE', 'k', LMAX, ''], 'SET s abc', ['SETRANGE', 's', '100', ''], 'GET s'),
  c('setrange negative offset', 'SETRANGE k -1 x', 'SET s abc', 'SETRANGE s -1 x', ['SETRANGE', 's', '-1', ''], 'GET s'),
  c('setrange not integer', 'SETRANGE k abc x', 'SETRANGE k 1.5 x', `SETRANGE k ${LMAX}0 x`, 'GET k'),
  c('setrange too big', 'SETRANGE k 536870912 x', 'SETRANGE k 536870911 xx', `SETRANGE k ${LMAX} x`, 'SET s abc', 'SETRANGE s 536870912 x', 'GET s'),
  c('setrange binary', ['SET', 'k', ALL_BYTES], ['SETRANGE', 'k', '1', '\x00\xff'], 'GET k', ['SETRANGE', 'k', '300', '\r\n'], 'STRLEN k', 'GETRANGE k 250 -1'),
  c('setrange integer value', 'SET n 12345', 'SETRANGE n 1 9', 'GET n', 'INCR n'),
  c('setrange keeps ttl', 'SET k hello EX 100', 'SETRANGE k 0 j', 'TTL k', 'GET k'),
  c('setrange wrongtype', 'HSET h f v', 'SETRANGE h 0 x', ['SETRANGE', 'h', '0', ''], 'SETRANGE h -1 x'),
  c('setrange arity', 'SETRANGE k 0', 'SETRANGE k 0 a b'),
  c('append long string', ['SET', 'k', 'a'.repeat(4090), 'EX', '100'], 'APPEND k 12345', 'OBJECT ENCODING k', 'APPEND k 67890', 'STRLEN k', 'TTL k',
    'GETRANGE k 4088 -1', 'SETRANGE k 4100 Z', 'GETRANGE k -5 -1', 'INCR k', 'GETBIT k 32799', 'APPEND n ' + 'b'.repeat(5000), 'OBJECT ENCODING n', 'APPEND n c', 'GETRANGE n -3 -1'),
  c('setrange encoding', 'SETRANGE k 0 x', 'OBJECT ENCODING k', 'SET n 123', 'SETRANGE n 0 4', 'OBJECT ENCODING n'),
  // Past 4 KB a SETRANGE'd string is changed in place (a ByteString): the same replies after it.
  c('setrange long string', ['SET', 'k', ALL_BYTES.repeat(20), 'EX', '100'], ['SETRANGE', 'k', '5000', 'xy'], 'OBJECT ENCODING k', 'TTL k', 'GETRANGE k 4990 -1',
    'STRLEN k', 'SETRANGE k 5200 z', 'STRLEN k', 'GETRANGE k 5110 5200', 'APPEND k end', 'GETRANGE k -10 -1', 'INCR k', 'BITCOUNT k', 'GET k',
    'SETRANGE n 4096 a', 'STRLEN n', 'GETRANGE n 4090 -1', 'OBJECT ENCODING n', 'SETRANGE n 0 12', 'GETRANGE n 0 3', 'SETRANGE m 4095 a', 'OBJECT ENCODING m'),
  // A string changed in place is never shared: a copy, a renamed, moved or swapped key, and what a
  // transaction read of it before a change, each keep their own bytes.
  c('in-place strings are not shared', ['SET', 'a', 'x'.repeat(5000)], 'APPEND a A', 'COPY a b', 'SETRANGE b 0 BB', 'APPEND a AA', 'SETBIT b 100 1',
    'GETRANGE a 0 3', 'GETRANGE b 0 3', 'GETRANGE a -4 -1', 'GETRANGE b -4 -1', 'COPY a a DB 3', 'SETRANGE a 1 Q', 'RENAME b c', 'APPEND c C', 'EXISTS b',
    'MOVE c 2', 'SET c x', 'SWAPDB 0 2', 'APPEND c D', 'GETRANGE c -3 -1', 'SELECT 2', 'GETRANGE a 0 3', 'APPEND c y', 'SELECT 3', 'APPEND a Z',
    'GETRANGE a 0 3', 'GETRANGE a -3 -1', 'SELECT 0', 'MULTI', 'GET c', 'SETRANGE c 4 E', 'GETRANGE c 0 5', 'SET c small GET', 'EXEC', 'DEBUG DIGEST'),
  // Past its deadline a string changed in place is a new key (no TTL, nothing of the old bytes).
  // TTLs of 500 ms: with 50 ms a loaded CI run took longer than that between SET and APPEND on one
  // server (APPEND answered :1 there, :5001 on the other).
  c('in-place change of an expired string', ['SET', 'a', 'x'.repeat(5000), 'PX', '500'], 'APPEND a A', ['SET', 'b', 'x'.repeat(5000), 'PX', '500'],
    'SETRANGE b 4999 B', ['SET', 'c', 'x'.repeat(5000), 'PX', '500'], 'SETBIT c 0 1', 'DEBUG SLEEP 0.6', 'APPEND a x', 'TTL a', 'GET a',
    'SETRANGE b 2 Q', 'TTL b', 'STRLEN b', 'GETRANGE b 0 3', 'BITFIELD c SET u8 8 1', 'TTL c', 'STRLEN c', 'DBSIZE'),
];

const counterCases: DiffCase[] = [
  c('incr missing key', 'INCR k', 'INCR k', 'GET k'),
  c('decr missing key', 'DECR k', 'DECR k', 'GET k'),
  c('incrby decrby', 'INCRBY k 10', 'DECRBY k 3', 'INCRBY k -20', 'DECRBY k -5', 'GET k'),
  c('incr on non integers', 'SET a abc', 'INCR a', 'SET b 1.5', 'INCR b', 'SET c +1', 'INCR c', 'SET d 01', 'INCR d', 'SET e -0', 'INCR e'),
  c('incr on spaces', ['SET', 'a', '  1'], 'INCR a', ['SET', 'b', '1 '], 'INCR b', ['SET', 'c', ''], 'INCR c', ['SET', 'd', '1\x00'], 'INCR d'),
  c('incr limits', `SET k ${LMAX}`, 'INCR k', 'GET k', `SET m ${LMIN}`, 'DECR m', 'GET m'),
  c('incr too long number', 'SET k 18446744073709551616', 'INCR k', `SET j ${LMAX}0`, 'DECR j'),
  c('incr from llong min', `SET k ${LMIN}`, 'INCR k', `SET j -9223372036854775807`, 'DECR j', 'DECR j'),
  c('incrby overflow', 'SET k 1', `INCRBY k ${LMAX}`, 'SET m -1', `INCRBY m ${LMIN}`, `INCRBY z ${LMIN}`, 'DECRBY z 1', 'GET k'),
  c('decrby llong min', `DECRBY k ${LMIN}`, 'SET n 5', `DECRBY n ${LMIN}`, 'HSET h f v', `DECRBY h ${LMIN}`, 'GET n'),
  c('decrby to the limits', `DECRBY k ${LMAX}`, 'DECR k', 'DECR k', 'GET k'),
  c('incrby not integer', 'INCRBY k abc', 'INCRBY k 1.5', 'INCRBY k 9223372036854775808', 'DECRBY k x', ['INCRBY', 'k', ''], 'GET k'),
  c('incr wrongtype', 'HSET h f v', 'INCR h', 'DECR h', 'INCRBY h 1', 'DECRBY h 1', 'INCRBY h x'),
  c('incr keeps ttl', 'SET k 1 EX 100', 'INCR k', 'TTL k', 'INCRBYFLOAT k 1.5', 'TTL k'),
  c('incr encoding', 'INCR k', 'OBJECT ENCODING k', 'SET j 100000', 'INCRBY j 1', 'OBJECT ENCODING j'),
  c('incr arity', ['INCR'], 'INCR a b', 'DECR', 'INCRBY k', 'DECRBY k 1 2'),
  c('incrbyfloat basics', 'SET k 10.5', 'INCRBYFLOAT k 0.1', 'INCRBYFLOAT k -5', 'GET k'),
  c('incrbyfloat exponents', 'SET k 3.0e3', 'INCRBYFLOAT k 0', 'INCRBYFLOAT j 5.0e3', 'INCRBYFLOAT i 1e17', 'INCRBYFLOAT i 1e2'),
  c('incrbyfloat small sums', 'INCRBYFLOAT k 0.1', 'INCRBYFLOAT k 0.2', 'INCRBYFLOAT k 0.3', 'INCRBYFLOAT k -0.6', 'INCRBYFLOAT j -1.5', 'INCRBYFLOAT j 1.5'),
  c('incrbyfloat rounding ties', 'INCRBYFLOAT a 0.000003814697265625', 'INCRBYFLOAT b 0.000003814697265635', 'INCRBYFLOAT c 0.000000000000000015', 'INCRBYFLOAT d 0.000000000000000025'),
  c('incrbyfloat huge values', 'INCRBYFLOAT a 1e400', 'INCRBYFLOAT b 123456789012345678901234567890', 'INCRBYFLOAT c 1.7976931348623157e308', 'INCRBYFLOAT c 1.7976931348623157e308'),
  c('incrbyfloat long double limit', 'INCRBYFLOAT a 1e4932', 'INCRBYFLOAT a 1e4932', 'GET a', 'INCRBYFLOAT b 1e5000', 'INCRBYFLOAT b -1e5000'),
  c('incrbyfloat tiny values', 'INCRBYFLOAT a 1e-400', 'INCRBYFLOAT b 1e-4940', 'INCRBYFLOAT c 1e-5000', 'INCRBYFLOAT d 0e-5000', 'INCRBYFLOAT e -1e-30'),
  c('incrbyfloat infinities', 'INCRBYFLOAT k inf', 'INCRBYFLOAT k -inf', 'INCRBYFLOAT k infinity', 'INCRBYFLOAT k INF', 'INCRBYFLOAT k nan', 'INCRBYFLOAT k NaN', 'GET k'),
  c('incrbyfloat hex', 'INCRBYFLOAT k 0x10', 'INCRBYFLOAT k 0x1p-3', 'INCRBYFLOAT k 0X.8P1', 'INCRBYFLOAT k 0x', 'INCRBYFLOAT k 0x1p', 'GET k'),
  c('incrbyfloat syntax', 'INCRBYFLOAT k +5', 'INCRBYFLOAT k .5', 'INCRBYFLOAT k 5.', 'INCRBYFLOAT k -0', 'INCRBYFLOAT k 1e', 'INCRBYFLOAT k 1e+', 'INCRBYFLOAT k 1_0', 'INCRBYFLOAT k .', 'INCRBYFLOAT k abc'),
  c('incrbyfloat spaces and nul', ['INCRBYFLOAT', 'k', ' 1'], ['INCRBYFLOAT', 'k', '1 '], ['INCRBYFLOAT', 'k', ''], ['INCRBYFLOAT', 'k', '1\x00'], ['INCRBYFLOAT', 'k', '\t1']),
  c('incrbyfloat on non float value', 'SET k abc', 'INCRBYFLOAT k 1', ['SET', 'j', ' 1'], 'INCRBYFLOAT j 1', ['SET', 'e', ''], 'INCRBYFLOAT e 1'),
  c('incrbyfloat on integer value', 'SET k 10', 'INCRBYFLOAT k 0.5', 'INCRBYFLOAT k 0.5', 'INCR k', 'INCRBYFLOAT k 1.5', 'INCR k'),
  c('incrbyfloat decimal inputs', 'INCRBYFLOAT a 0.1234567890123456789012345', 'INCRBYFLOAT b 1234567.891', 'INCRBYFLOAT c -0.0000001', 'INCRBYFLOAT d 1e-10', 'INCRBYFLOAT e 1.5e-7', 'INCRBYFLOAT f 100e-2'),
  c('incrbyfloat large integers', 'INCRBYFLOAT a 7e17', 'INCRBYFLOAT b 1e18', 'INCRBYFLOAT c 1e19', 'INCRBYFLOAT d 12345678901234567890', 'INCRBYFLOAT e 9223372036854775807', 'INCRBYFLOAT e 1'),
  c('incrbyfloat repeated', 'INCRBYFLOAT k 1.1', 'INCRBYFLOAT k 1.1', 'INCRBYFLOAT k 1.1', 'INCRBYFLOAT k 1.1', 'INCRBYFLOAT k 1.1', 'INCRBYFLOAT k 1.1', 'INCRBYFLOAT k 1.1', 'INCRBYFLOAT k 1.1', 'INCRBYFLOAT k 1.1', 'INCRBYFLOAT k 1.1'),
  c('incrbyfloat thirds', 'INCRBYFLOAT k 0.3333333333333333333', 'INCRBYFLOAT k 0.3333333333333333333', 'INCRBYFLOAT k 0.3333333333333333333', 'INCRBYFLOAT j 2.5', 'INCRBYFLOAT j -2.4999999999999999999'),
  c('incrbyfloat wrongtype', 'HSET h f v', 'INCRBYFLOAT h 1', 'INCRBYFLOAT h abc'),
  c('incrbyfloat arity', 'INCRBYFLOAT k', 'INCRBYFLOAT k 1 2'),
  c('incrbyfloat encoding', 'INCRBYFLOAT k 1.5', 'OBJECT ENCODING k', 'INCRBYFLOAT j 3000', 'OBJECT ENCODING j', 'INCR j', 'OBJECT ENCODING j', 'INCRBYFLOAT j 0', 'APPEND j 1', 'OBJECT ENCODING j', 'INCRBYFLOAT big 1e30', 'OBJECT ENCODING big'),
];

const lcsCases: DiffCase[] = [
  c('lcs basic', 'MSET key1 ohmytext key2 mynewtext', 'LCS key1 key2', 'LCS key2 key1'),
  c('lcs len', 'MSET key1 ohmytext key2 mynewtext', 'LCS key1 key2 LEN', 'LCS key1 key2 len'),
  c('lcs idx', 'MSET key1 ohmytext key2 mynewtext', 'LCS key1 key2 IDX'),
  c('lcs idx minmatchlen', 'MSET key1 ohmytext key2 mynewtext', 'LCS key1 key2 IDX MINMATCHLEN 4', 'LCS key1 key2 IDX MINMATCHLEN 100', 'LCS key1 key2 IDX MINMATCHLEN -5'),
  c('lcs idx withmatchlen', 'MSET key1 ohmytext key2 mynewtext', 'LCS key1 key2 IDX WITHMATCHLEN', 'LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN', 'LCS key1 key2 WITHMATCHLEN IDX MINMATCHLEN 2'),
  c('lcs missing keys', 'LCS a b', 'LCS a b LEN', 'LCS a b IDX', 'SET a hello', 'LCS a b', 'LCS b a IDX'),
  c('lcs identical', 'MSET a abcdef b abcdef', 'LCS a b', 'LCS a b IDX WITHMATCHLEN', 'LCS a a LEN'),
  c('lcs nothing in common', 'MSET a abc b xyz', 'LCS a b', 'LCS a b LEN', 'LCS a b IDX'),
  c('lcs several matches', 'MSET a ABCBDAB b BDCABA', 'LCS a b', 'LCS a b IDX WITHMATCHLEN', 'LCS b a IDX WITHMATCHLEN'),
  c('lcs interleaved', 'MSET a aXbXcXdXe b YaYbYcYdYeY', 'LCS a b', 'LCS a b IDX', 'LCS a b IDX MINMATCHLEN 2'),
  c('lcs binary', ['MSET', 'a', '\x00\x01\xff\r\n\x00', 'b', '\xff\x00\r\x01\n'], 'LCS a b', 'LCS a b IDX WITHMATCHLEN'),
  c('lcs idx and len', 'MSET a x b y', 'LCS a b IDX LEN', 'LCS a b LEN IDX'),
  c('lcs option errors', 'MSET a x b y', 'LCS a b FOO', 'LCS a b MINMATCHLEN', 'LCS a b MINMATCHLEN abc', 'LCS a b IDX MINMATCHLEN 1.5', 'LCS a b LEN LEN'),
  c('lcs integer values', 'MSET a 123456 b 1357', 'LCS a b', 'LCS a b IDX'),
  c('lcs wrongtype', 'SET a x', 'HSET h f v', 'LCS a h', 'LCS h a', 'LCS h nokey LEN', 'LCS h a FOO'),
  c('lcs arity', 'LCS a', ['LCS']),
  c('lcs table too big', ['SET', 'la', 'a'.repeat(12000)], ['SET', 'lb', 'b'.repeat(12000)], 'LCS la lb', 'LCS la lb LEN', 'LCS la lb FOO'),
  c('lcs longer strings', ['SET', 'a', 'the quick brown fox jumps over the lazy dog'.repeat(5)], ['SET', 'b', 'pack my box with five dozen liquor jugs'.repeat(5)], 'LCS a b', 'LCS a b LEN', 'LCS a b IDX MINMATCHLEN 3 WITHMATCHLEN'),
];

const metaCases: DiffCase[] = [
  c('command info strings', 'COMMAND INFO get set setnx setex psetex getset getdel getex mget mset msetnx append strlen getrange substr setrange incr decr incrby decrby incrbyfloat lcs'),
  c('command getkeys strings', 'COMMAND GETKEYS SET k v EX 10', 'COMMAND GETKEYS MSET a 1 b 2', 'COMMAND GETKEYS LCS a b', 'COMMAND GETKEYS MGET a b c'),
];

const all: DiffCase[] = [
  ...getCases,
  ...setCases,
  ...setVariantCases,
  ...getexCases,
  ...multiCases,
  ...rangeCases,
  ...counterCases,
  ...lcsCases,
  ...metaCases,
];

const table = buildCommandTable();
const runnable = (k: DiffCase): boolean => k.cmds.every((cmd) => table.has(cmd[0].toLowerCase()));

/** Every string case whose commands Keystonelight implements. */
export const cases: DiffCase[] = all.filter(runnable);

/** Cases waiting for a command of another family (HSET, TTL, OBJECT, ...). */
export const pendingCases: DiffCase[] = all.filter((k) => !runnable(k));

/** The whole corpus, runnable or not (for checking it against redis-server alone). */
export const allCases: DiffCase[] = all;
