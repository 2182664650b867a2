// Differential cases for the bitmap commands on strings: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
// BITFIELD, BITFIELD_RO — values, ranges in bytes and bits, overflow modes, every error path and
// its order, and how the other string commands see a value the bit commands wrote, checked against
// redis-server 7.0. Cases that need a type we lack (HSET for WRONGTYPE) wait in `pendingCases`.

import { lineCase as c, type DiffCase } from './types.js';
import { buildCommandTable } from '../../../src/commands/index.js';

const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
const LMAX = '9223372036854775807';
const LMIN = '-9223372036854775808';

const setbitCases: DiffCase[] = [
  c('setbit creates and getbit reads', 'SETBIT k 7 1', 'GET k', 'GETBIT k 7', 'GETBIT k 6', 'GETBIT k 100', 'STRLEN k', 'OBJECT ENCODING k'),
  c('setbit returns the old bit', 'SETBIT k 7 1', 'SETBIT k 7 1', 'SETBIT k 7 0', 'SETBIT k 7 0', 'GET k'),
  c('setbit grows with zero bytes', 'SETBIT k 100 1', 'STRLEN k', 'GET k', 'SETBIT k 3 1', 'STRLEN k', 'GET k'),
  c('setbit on an embstr value', 'SET k foo', 'OBJECT ENCODING k', 'SETBIT k 1 0', 'GET k', 'OBJECT ENCODING k', 'SETBIT k 20 1', 'GET k'),
  c('setbit on an int value', 'SET k 123', 'OBJECT ENCODING k', 'SETBIT k 6 0', 'GET k', 'OBJECT ENCODING k', 'INCR k'),
  c('setbit on every byte value', ['SET', 'k', ALL_BYTES], 'SETBIT k 2047 0', 'SETBIT k 0 1', 'GET k', 'BITCOUNT k'),
  c('setbit keeps the ttl', 'SET k v EX 100', 'SETBIT k 0 1', 'TTL k', 'SETBIT k 80 1', 'TTL k'),
  c('setbit offset errors', 'SETBIT k -1 1', 'SETBIT k abc 1', 'SETBIT k 01 1', 'SETBIT k +1 1', ['SETBIT', 'k', '', '1'], ['SETBIT', 'k', '1 ', '1'], 'SETBIT k 4294967296 1', `SETBIT k ${LMAX} 1`, 'EXISTS k'),
  c('setbit value errors', 'SETBIT k 1 2', 'SETBIT k 1 -1', 'SETBIT k 1 abc', 'SETBIT k 1 01', 'SETBIT k 1 1.0', ['SETBIT', 'k', '1', ''], 'EXISTS k'),
  c('setbit error order', 'SETBIT k x 2', 'SETBIT k 1 x', 'SET s str', 'SETBIT s -1 x', 'SETBIT s 1 x'),
  c('setbit arity', 'SETBIT k 1', 'SETBIT k 1 1 1', 'GETBIT k', 'GETBIT k 1 1'),
  c('getbit offset errors', 'SET k a', 'GETBIT k -1', 'GETBIT k x', 'GETBIT k 4294967296', 'GETBIT k 4294967295', 'GETBIT nokey 4294967295', 'GETBIT nokey -1'),
  c('getbit on an int value', 'SET k 5', 'GETBIT k 0', 'GETBIT k 2', 'GETBIT k 5', 'GETBIT k 7', 'GETBIT k 8'),
  c('reads past 2^56 bits under the largest proto-max-bulk-len', 'CONFIG SET proto-max-bulk-len 9223372036854775807', 'BITFIELD_RO nokey GET u8 72057594037927936', 'SET k abc', 'BITFIELD k GET u8 72057594037927936 GET i64 9223372036854775000', 'GETBIT k 72057594037927936', 'BITFIELD_RO k GET u8 #9007199254740993', 'CONFIG SET proto-max-bulk-len 536870912'),
  c('setbit under a lower proto-max-bulk-len', 'CONFIG SET proto-max-bulk-len 1048576', 'SETBIT k 8388607 1', 'SETBIT k 8388608 1', 'GETBIT k 8388608', 'STRLEN k', 'CONFIG SET proto-max-bulk-len 536870912'),
  c('bit commands wrongtype', 'HSET h f v', 'SETBIT h 0 1', 'GETBIT h 0', 'BITCOUNT h', 'BITPOS h 1', 'BITOP AND d h', 'BITOP AND h k', 'BITFIELD h GET u8 0', 'BITFIELD h SET u8 0 1', 'BITFIELD_RO h GET u8 0'),
];

const bitcountCases: DiffCase[] = [
  c('bitcount missing key ignores the rest', 'BITCOUNT nokey', 'BITCOUNT nokey 0 -1', 'BITCOUNT nokey 0', 'BITCOUNT nokey a b', 'BITCOUNT nokey 0 1 NOPE', 'BITCOUNT nokey 1 2 3 4'),
  c('bitcount whole and bytes', 'SET k foobar', 'BITCOUNT k', 'BITCOUNT k 0 0', 'BITCOUNT k 1 1', 'BITCOUNT k 1 1 BYTE', 'BITCOUNT k 1 1 byte', 'BITCOUNT k 0 -1', 'BITCOUNT k 0 100', 'BITCOUNT k 100 200', 'BITCOUNT k 3 2'),
  c('bitcount negative indexes', 'SET k foobar', 'BITCOUNT k -1 -1', 'BITCOUNT k -2 -1', 'BITCOUNT k -1 -2', 'BITCOUNT k -100 -50', 'BITCOUNT k -100 2', 'BITCOUNT k 0 -100', 'BITCOUNT k -100 100', `BITCOUNT k ${LMIN} ${LMAX}`),
  c('bitcount bit ranges', 'SET k foobar', 'BITCOUNT k 5 30 BIT', 'BITCOUNT k 0 0 BIT', 'BITCOUNT k 1 1 BIT', 'BITCOUNT k 7 8 BIT', 'BITCOUNT k 47 47 BIT', 'BITCOUNT k 47 100 BIT', 'BITCOUNT k -1 -1 BIT', 'BITCOUNT k -9 -2 BIT', 'BITCOUNT k 3 3 bit', 'BITCOUNT k 9 14 BIT', 'BITCOUNT k 20 10 BIT', `BITCOUNT k ${LMIN} ${LMAX} BIT`),
  c('bitcount argument errors', 'SET k foobar', 'BITCOUNT k 0', 'BITCOUNT k a 1', 'BITCOUNT k 0 b', 'BITCOUNT k 0 1 bits', 'BITCOUNT k 0 1 BIT extra', 'BITCOUNT k -1 -5 nope', 'BITCOUNT k -5 -1 nope', ['BITCOUNT', 'k', '0', '1', 'BIT\x00x'], 'BITCOUNT k 1.5 2'),
  c('bitcount empty and int values', ['SET', 'e', ''], 'BITCOUNT e', 'BITCOUNT e 0 -1', 'BITCOUNT e 0 -1 BIT', 'SET n 12345', 'BITCOUNT n', 'BITCOUNT n 1 2', 'BITCOUNT n 5 20 BIT'),
  c('bitcount every byte value', ['SET', 'k', ALL_BYTES], 'BITCOUNT k', 'BITCOUNT k 10 200', 'BITCOUNT k 3 2001 BIT', 'BITCOUNT k -31 -1', 'BITCOUNT k 1001 1002 BIT'),
  c('bitcount long value', ['SET', 'k', '\xaa'.repeat(5000)], 'BITCOUNT k', 'BITCOUNT k 13 4001', 'BITCOUNT k 17 30001 BIT'),
];

const bitposCases: DiffCase[] = [
  c('bitpos missing key', 'BITPOS nokey 0', 'BITPOS nokey 1', 'BITPOS nokey 1 a b c d', 'BITPOS nokey 0 5 10 BIT'),
  c('bitpos bit argument errors', 'BITPOS nokey 2', 'BITPOS nokey -1', 'BITPOS nokey x', 'BITPOS nokey 01', 'SET k a', 'BITPOS k 3', 'BITPOS k 1 0 1 BIT extra'),
  c('bitpos whole value', ['SET', 'k', '\xff\xf0\x00'], 'BITPOS k 0', 'BITPOS k 1', 'BITPOS k 0 1', 'BITPOS k 1 1', 'BITPOS k 1 2', 'BITPOS k 0 2', 'BITPOS k 0 0 0', 'BITPOS k 1 2 -1', 'BITPOS k 0 -1'),
  c('bitpos all ones', ['SET', 'f', '\xff\xff\xff'], 'BITPOS f 0', 'BITPOS f 0 0', 'BITPOS f 0 1', 'BITPOS f 0 0 -1', 'BITPOS f 0 0 -1 BYTE', 'BITPOS f 0 1 2 BIT', 'BITPOS f 1 1 2 BIT', 'BITPOS f 0 100', 'BITPOS f 0 -100 -50'),
  c('bitpos all zeros', ['SET', 'z', '\x00\x00'], 'BITPOS z 1', 'BITPOS z 0', 'BITPOS z 0 1', 'BITPOS z 1 0 -1 BIT', 'BITPOS z 0 9 9 BIT', 'BITPOS z 1 0 0'),
  c('bitpos bit ranges', ['SET', 'k', '\x00\xff\x0f\xf0'], 'BITPOS k 1 5 17 BIT', 'BITPOS k 0 5 17 BIT', 'BITPOS k 0 3 3 BIT', 'BITPOS k 1 9 9 BIT', 'BITPOS k 0 8 15 BIT', 'BITPOS k 1 16 19 BIT', 'BITPOS k 1 20 23 BIT', 'BITPOS k 0 -8 -1 BIT', 'BITPOS k 1 -12 -5 bit', 'BITPOS k 1 30 10 BIT', `BITPOS k 1 ${LMIN} ${LMAX} BIT`),
  c('bitpos range errors and their order', 'SET k abc', 'BITPOS k 1 a', 'BITPOS k 1 0 a', 'BITPOS k 1 a 0 nope', 'BITPOS k 1 0 a nope', 'BITPOS k 1 0 1 bits', 'BITPOS k 1 0 1 BYTE'),
  c('bitpos empty and int values', ['SET', 'e', ''], 'BITPOS e 0', 'BITPOS e 1', 'BITPOS e 0 0', 'BITPOS e 0 0 -1', 'SET n 7', 'BITPOS n 1', 'BITPOS n 0 0 -1'),
  c('bitpos long value', ['SET', 'k', '\x00'.repeat(3000) + '\x10' + '\xff'.repeat(100)], 'BITPOS k 1', 'BITPOS k 0 3001', 'BITPOS k 1 2999 3001', 'BITPOS k 0 24000 24010 BIT'),
];

const bitopCases: DiffCase[] = [
  c('bitop and or xor not', 'SET a foobar', 'SET b abcdef', 'BITOP AND d a b', 'GET d', 'BITOP OR d a b', 'GET d', 'BITOP XOR d a b', 'GET d', 'BITOP NOT d a', 'GET d', 'OBJECT ENCODING d'),
  c('bitop lower case and nul', 'SET a foo', 'BITOP and d a', 'GET d', 'BITOP oR d a a', 'GET d', ['BITOP', 'xor\x00zz', 'd', 'a'], 'GET d'),
  c('bitop different lengths', ['SET', 'a', '\xff\xff\xff'], ['SET', 'b', '\x0f'], 'BITOP AND d a b', 'GET d', 'BITOP OR d a b', 'GET d', 'BITOP XOR d a b', 'GET d', 'BITOP AND d b a', 'GET d'),
  c('bitop missing sources', 'SET a abc', 'BITOP AND d nokey a', 'GET d', 'BITOP OR d a nokey', 'GET d', 'BITOP XOR d nokey nokey2', 'EXISTS d', 'BITOP NOT d nokey', 'EXISTS d'),
  c('bitop empty result deletes the destination', 'SET d x', 'BITOP OR d n1 n2', 'EXISTS d', ['SET', 'e', ''], 'SET d x', 'BITOP NOT d e', 'EXISTS d', 'BITOP AND d e e', 'EXISTS d'),
  c('bitop destination among sources', 'SET a foobar', 'BITOP NOT a a', 'GET a', 'BITOP XOR a a a', 'GET a'),
  c('bitop clears the destination ttl', 'SET a abc', 'SET d v EX 100', 'BITOP OR d a', 'TTL d', 'GET d'),
  c('bitop errors', 'BITOP nope d a', 'BITOP NOT d a b', 'BITOP NOT d', 'BITOP AND d', 'BITOP', ['BITOP', '', 'd', 'a'], 'EXISTS d'),
  c('bitop int and every byte value', 'SET n 123', ['SET', 'all', ALL_BYTES], 'BITOP OR d n all', 'GET d', 'BITOP AND d all n', 'GET d', 'BITOP NOT d all', 'GET d'),
  // A word at a time, then the tail bytes: lengths that are not multiples of 4, a bitmap made by
  // SETBIT (its own storage) among strings.
  c('bitop word loops and byte tails', ['SET', 'a', 'abcdefghijklm'], ['SET', 'b', '\xf0\x0f\xaa\x55\x01\x80\xff'], 'SETBIT c 170 1', 'SETBIT c 3 1', 'BITOP AND d a b c', 'GET d', 'BITOP OR d a b c', 'GET d', 'BITOP XOR d c a b', 'GET d', 'BITOP NOT d a', 'GET d', 'BITOP NOT d c', 'GET d', 'BITOP AND d c a', 'GET d', 'BITOP OR d b c', 'GET d'),
  c('bitop long values, many keys', ['SET', 'a', 'abcdefgh'.repeat(40)], ['SET', 'b', 'ZYXWVUTS'.repeat(33)], ['SET', 'c', '\x5a'.repeat(300)], 'BITOP AND d a b c', 'GET d', 'BITOP OR d a b c a b c a b c a b c a b c a b', 'GET d', 'BITOP XOR d c b a', 'GET d', 'BITCOUNT d'),
];

const bitfieldCases: DiffCase[] = [
  c('bitfield doc examples', 'BITFIELD mykey INCRBY i5 100 1 GET u4 0', 'BITFIELD mykey INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 1', 'BITFIELD mykey INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 1', 'BITFIELD mykey INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 1', 'BITFIELD mykey OVERFLOW FAIL INCRBY u2 102 1', 'GET mykey'),
  c('bitfield set and get', 'BITFIELD k SET i8 0 100 GET i8 0', 'BITFIELD k SET u8 0 255 GET u8 0 GET i8 0', 'BITFIELD k SET u8 0 256', 'BITFIELD k GET u8 0', 'GET k', 'OBJECT ENCODING k'),
  c('bitfield overflow modes', 'BITFIELD k OVERFLOW FAIL INCRBY u8 0 300', 'BITFIELD k OVERFLOW SAT INCRBY i8 0 -1000', 'BITFIELD k OVERFLOW WRAP INCRBY i8 0 200', 'BITFIELD k INCRBY u8 8 -1', 'BITFIELD k OVERFLOW SAT INCRBY u8 16 -1', 'BITFIELD k OVERFLOW SAT SET i8 24 1000 GET i8 24', 'BITFIELD k OVERFLOW fail SET i8 24 -129 GET i8 24', 'GET k'),
  c('bitfield i64 limits', `BITFIELD k SET i64 0 ${LMAX}`, 'BITFIELD k INCRBY i64 0 1', 'BITFIELD k OVERFLOW SAT INCRBY i64 0 -1', `BITFIELD k OVERFLOW SAT INCRBY i64 0 ${LMIN}`, 'BITFIELD k OVERFLOW FAIL INCRBY i64 0 -1', `BITFIELD k SET i64 0 ${LMIN} INCRBY i64 0 -1`, `BITFIELD k OVERFLOW SAT SET i64 0 ${LMAX} INCRBY i64 0 ${LMAX}`, `BITFIELD k INCRBY i64 3 ${LMAX} GET i64 3 GET u63 3`),
  c('bitfield out-of-range set, as redis bounds it in int64', 'BITFIELD k OVERFLOW SAT SET i31 0 -9223372036854775807 GET i31 0', `BITFIELD k OVERFLOW SAT SET i8 0 ${LMIN} SET i8 8 -9223372036854775680 SET i8 16 -9223372036854775681 SET i63 24 ${LMIN}`, `BITFIELD k OVERFLOW FAIL SET i31 0 ${LMIN} SET i31 0 -1073741825 SET u8 0 -1 SET u63 0 ${LMIN}`, `BITFIELD k SET i31 0 ${LMIN} SET i7 40 ${LMAX} GET i31 0 GET i7 40`, 'GET k'),
  c('bitfield u63 limits', `BITFIELD k SET u63 0 ${LMAX}`, 'BITFIELD k INCRBY u63 0 1', 'BITFIELD k SET u63 0 -1 GET u63 0', 'BITFIELD k OVERFLOW SAT SET u63 0 -1 GET u63 0', 'BITFIELD k OVERFLOW FAIL SET u63 0 -1', `BITFIELD k OVERFLOW SAT INCRBY u63 0 ${LMIN}`, `BITFIELD k INCRBY u63 0 ${LMIN}`, 'GET k'),
  c('bitfield one-bit fields', 'BITFIELD k SET i1 0 1 GET i1 0 GET u1 0', 'BITFIELD k INCRBY i1 0 1', 'BITFIELD k OVERFLOW SAT INCRBY i1 1 5 INCRBY i1 2 -5', 'BITFIELD k SET u1 3 2 SET u1 4 3 GET u8 0', 'BITFIELD k OVERFLOW FAIL INCRBY u1 5 2 INCRBY u1 5 1'),
  c('bitfield unaligned fields', 'BITFIELD k SET u16 3 65535 GET u16 3 GET u8 0 GET u8 1 GET u8 2', 'BITFIELD k SET i13 5 -1000 GET i13 5 GET u13 5', 'BITFIELD k INCRBY u7 61 100 GET u7 61', 'BITFIELD k SET i64 13 -2 GET i64 13 GET u63 13 GET i32 40', 'GET k', 'STRLEN k'),
  c('bitfield hash offsets', 'BITFIELD k SET u8 #1 255 GET u8 #1 GET u16 #0 SET i5 #3 -3 GET i5 #3', 'BITFIELD k GET u16 #1152921504606846977', 'BITFIELD k GET u8 #-1', 'BITFIELD k GET u8 #', 'BITFIELD k GET u8 ##1', 'BITFIELD k SET u8 #x 1', 'GET k'),
  c('bitfield syntax errors', 'BITFIELD k GET', 'BITFIELD k GET u8', 'BITFIELD k SET u8 0', 'BITFIELD k INCRBY u8 0', 'BITFIELD k FOO', 'BITFIELD k OVERFLOW', 'BITFIELD k OVERFLOW BLAH GET u8 0', 'BITFIELD k GET u8 0 SET', 'EXISTS k'),
  c('bitfield type errors', 'BITFIELD k GET x8 0', 'BITFIELD k GET u64 0', 'BITFIELD k GET i65 0', 'BITFIELD k GET i0 0', 'BITFIELD k GET U8 0', 'BITFIELD k GET u08 0', 'BITFIELD k GET u 0', 'BITFIELD k GET u-1 0', ['BITFIELD', 'k', 'GET', 'u8\x00zz', '0'], 'BITFIELD k GET i64 0'),
  c('bitfield offset and value errors', 'BITFIELD k GET u8 -1', 'BITFIELD k GET u8 abc', 'BITFIELD k GET u8 4294967296', 'BITFIELD k GET u8 4294967295', 'BITFIELD k SET u8 0 abc', 'BITFIELD k SET u8 0 1.5', `BITFIELD k SET u8 0 ${LMAX}0`, 'BITFIELD k INCRBY u8 0 x', 'EXISTS k'),
  c('bitfield checks every op before running one', 'BITFIELD k SET u8 0 1 GET x 0', 'EXISTS k', 'BITFIELD k SET u8 0 1 OVERFLOW nope', 'EXISTS k', 'BITFIELD k INCRBY u8 0 1 GET u8 0 BAD', 'EXISTS k'),
  c('bitfield reads only', 'BITFIELD k', 'BITFIELD nokey GET u8 0 GET i64 100', 'EXISTS nokey', 'SET k abc', 'BITFIELD k GET u8 0 GET i4 4 GET u24 0 GET u16 20 OVERFLOW SAT GET u8 0', 'SET n 255', 'BITFIELD n GET u8 0 GET u8 8'),
  c('bitfield fail still creates the key', 'BITFIELD newk OVERFLOW FAIL SET u8 0 300', 'EXISTS newk', 'GET newk', 'BITFIELD newk OVERFLOW FAIL SET u8 8 256', 'STRLEN newk'),
  c('bitfield on existing strings', 'SET k foobar', 'BITFIELD k INCRBY u8 0 1 GET u8 0 SET u4 4 15', 'GET k', 'OBJECT ENCODING k', 'SET n 100', 'BITFIELD n INCRBY u8 16 1', 'GET n', 'OBJECT ENCODING n'),
  c('bitfield_ro', 'SET k abc', 'BITFIELD_RO k GET u8 0 GET i16 4', 'BITFIELD_RO k SET u8 0 1', 'BITFIELD_RO k INCRBY u8 0 1', 'BITFIELD_RO k GET x 0', 'BITFIELD_RO k GET u8 0 SET x 0 1', 'BITFIELD_RO k OVERFLOW SAT GET u8 0', 'BITFIELD_RO nokey GET u8 0', 'BITFIELD_RO k', 'GET k'),
];

const mixedCases: DiffCase[] = [
  c('string commands on a bitmap', 'SETBIT k 0 1', 'SETBIT k 15 1', 'GET k', 'STRLEN k', 'GETRANGE k 0 0', 'APPEND k xyz', 'GETBIT k 0', 'GET k', 'SETRANGE k 1 ab', 'BITCOUNT k', 'GET k', 'OBJECT ENCODING k'),
  c('counters on a bitmap', 'SET k 10', 'SETBIT k 15 1', 'GET k', 'INCR k', 'GET k', 'SETBIT k 30 1', 'INCR k', 'INCRBYFLOAT k 1'),
  c('copy rename getset on a bitmap', 'SETBIT a 3 1', 'COPY a b', 'SETBIT a 4 1', 'GET a', 'GET b', 'OBJECT ENCODING b', 'RENAME a c', 'SETBIT c 5 1', 'GET c', 'GETSET c x', 'GET c', 'GETDEL b', 'EXISTS b'),
  c('lcs mget set get on bitmaps', 'SETBIT a 1 1', 'SETBIT a 9 1', 'SET b @A', 'LCS a b', 'MGET a b', 'SET a new GET', 'GET a', 'BITOP OR c a b', 'LCS c a'),
  c('debug digest of bitmaps', 'SETBIT a 100 1', 'BITFIELD b SET i16 3 -5', 'SET c xyz', 'BITOP XOR d a c', 'DEBUG DIGEST', 'DEBUG DIGEST-VALUE a b c d', 'SETBIT a 100 0', 'DEBUG DIGEST-VALUE a'),
  c('bit commands in a transaction', 'MULTI', 'SETBIT k 1 1', 'BITFIELD k INCRBY u8 8 5', 'BITCOUNT k', 'BITPOS k 1', 'BITOP NOT d k', 'GETBIT d 1', 'EXEC', 'GET k', 'GET d'),
];

const metaCases: DiffCase[] = [
  c('command info bitmaps', 'COMMAND INFO setbit getbit bitcount bitpos bitop bitfield bitfield_ro'),
  c('command getkeys bitmaps', 'COMMAND GETKEYS BITOP AND d a b', 'COMMAND GETKEYS BITFIELD k GET u8 0', 'COMMAND GETKEYS SETBIT k 1 1', 'COMMAND GETKEYS BITFIELD_RO k GET u8 0'),
];

const all: DiffCase[] = [...setbitCases, ...bitcountCases, ...bitposCases, ...bitopCases, ...bitfieldCases, ...mixedCases, ...metaCases];

const table = buildCommandTable();
const runnable = (k: DiffCase): boolean => k.cmds.every((cmd) => table.has(cmd[0].toLowerCase()));

/** Every bitmap case whose commands Keystonelight implements. */
export const cases: DiffCase[] = all.filter(runnable);

/** Cases waiting for a command of another family (HSET for WRONGTYPE). */
export const pendingCases: DiffCase[] = all.filter((k) => !runnable(k));
