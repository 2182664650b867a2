// Differential cases for DUMP, RESTORE and RESTORE-ASKING: DUMP's payload byte for byte (integer,
// raw and LZF encodings, lengths of every size class, binary bytes), RESTORE of payloads built
// here (their CRC-64 computed by a bitwise reference, independent of src/commands/crc64.ts), every
// error in Redis's order, the options, TTLs, and the access data IDLETIME and FREQ set.
//
// Times: relative TTLs are read back in seconds at once; absolute ones are far in the future or in
// the past. OBJECT IDLETIME may read one second more on one server (its LRU clock ticks between
// the two commands): the last digit is masked.

import { lineCase, type DiffCase, type DiffMask } from './types.js';
import { mulberry32 } from '../../helpers/rng.js';

const c = lineCase;
const withMask = (name: string, mask: DiffMask[], ...cmds: (string | string[])[]): DiffCase => ({ ...c(name, ...cmds), mask });

/** Redis's crc64 (Jones polynomial, reflected), a bit at a time. */
function crc64(b: Buffer): bigint {
  let crc = 0n;
  for (const byte of b) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
  }
  return crc;
}

/** A payload around `body` (a string of bytes): RDB version (LE), then the CRC-64 (LE). */
function payload(body: string, version = 10): string {
  const head = Buffer.concat([Buffer.from(body, 'latin1'), Buffer.from([version & 255, version >> 8])]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(head));
  return Buffer.concat([head, crc]).toString('latin1');
}

const rng = mulberry32(42);
const noise = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(Math.floor(rng() * 256))).join('');
const words = (n: number): string => 'the quick brown fox jumps over the lazy dog '.repeat(Math.ceil(n / 44)).slice(0, n);

const HELLO = payload('\x00\x05hello');
const Y2100_MS = '4102444800000';

/** SET then DUMP (and the value restored elsewhere read back) for each value. */
const dumpOf = (name: string, value: string): DiffCase =>
  c(`dump ${name}`, ['SET', 'k', value], ['DUMP', 'k'], ['OBJECT', 'ENCODING', 'k']);

const dumpCases: DiffCase[] = [
  c('dump missing key and arity', 'DUMP nokey', ['DUMP'], 'DUMP a b'),
  dumpOf('short string', 'hello'),
  dumpOf('empty string', ''),
  ...['0', '1', '-1', '127', '128', '-128', '-129', '32767', '32768', '-32768', '-32769', '2147483647', '2147483648',
    '-2147483648', '-2147483649', '12345678901', '123456789012', '9223372036854775807', '-9223372036854775808',
    '9223372036854775808', '007', '+5', '-0', '1.5', ' 1'].map((v) => dumpOf(`integer-like ${JSON.stringify(v)}`, v)),
  ...[20, 21, 24, 25, 63, 64, 100, 16383, 16384, 10000, 70000].flatMap((n) => [
    dumpOf(`${n} compressible bytes`, words(n)), dumpOf(`${n} random bytes`, noise(n)), dumpOf(`${n} equal bytes`, 'z'.repeat(n)),
  ]),
  dumpOf('binary bytes', '\x00\xff\r\n\x00\x80'),
  c('dump after append, setbit, incrbyfloat', 'APPEND a 123', 'DUMP a', 'SETBIT b 100 1', 'DUMP b', 'INCRBYFLOAT f 3000', 'DUMP f'),
  c('dump with rdbcompression no', 'CONFIG SET rdbcompression no', ['SET', 'k', words(100)], 'DUMP k', 'CONFIG SET rdbcompression yes', 'DUMP k'),
  c('dump in multi', 'SET a hello', 'MULTI', 'DUMP a', 'DUMP nokey', 'EXEC'),
];

const restoreErrorCases: DiffCase[] = [
  c('restore arity', ['RESTORE'], ['RESTORE', 'a'], ['RESTORE', 'a', '0']),
  c('restore busykey before ttl and payload', 'SET a 1', ['RESTORE', 'a', 'x', 'x'], ['RESTORE', 'a', '-1', 'x'], ['RESTORE', 'a', '0', HELLO], 'GET a'),
  c('restore options before busykey', 'SET a 1', ['RESTORE', 'a', '0', 'x', 'bogus'], ['RESTORE', 'a', '0', 'x', 'IDLETIME', '-1'], ['RESTORE', 'a', '0', 'x', 'FREQ', '256']),
  c('restore ttl errors', ['RESTORE', 'a', 'x', HELLO], ['RESTORE', 'a', '-1', HELLO], ['RESTORE', 'a', '1.5', HELLO], ['RESTORE', 'a', '99999999999999999999', HELLO], 'EXISTS a'),
  c('restore option errors', ['RESTORE', 'a', '0', HELLO, 'IDLETIME', 'x'], ['RESTORE', 'a', '0', HELLO, 'IDLETIME', '-1'],
    ['RESTORE', 'a', '0', HELLO, 'FREQ', '-1'], ['RESTORE', 'a', '0', HELLO, 'FREQ', '256'], ['RESTORE', 'a', '0', HELLO, 'FREQ', 'x'],
    ['RESTORE', 'a', '0', HELLO, 'IDLETIME', '1', 'FREQ', '1'], ['RESTORE', 'a', '0', HELLO, 'FREQ', '1', 'IDLETIME', '1'],
    ['RESTORE', 'a', '0', HELLO, 'IDLETIME'], ['RESTORE', 'a', '0', HELLO, 'FREQ'], ['RESTORE', 'a', '0', HELLO, 'NOPE'], 'EXISTS a'),
  c('restore checksum and version', ['RESTORE', 'a', '0', ''], ['RESTORE', 'a', '0', 'garbage'], ['RESTORE', 'a', '0', HELLO.slice(0, -1)],
    ['RESTORE', 'a', '0', HELLO.slice(0, -1) + 'x'], ['RESTORE', 'a', '0', payload('\x00\x05hello', 11)],
    ['RESTORE', 'a', '0', payload('\x00\x05hello', 256)], ['RESTORE', 'b', '0', payload('\x00\x05hello', 9)], 'GET b', 'EXISTS a'),
  c('restore bad data format', ...['', '\x00', '\x00\x15hello', '\x00\xc4', '\x00\x82', '\x00\x81\xff\xff\xff\xff\xff\xff\xff\xff',
    '\x00\xc3\x81\xff\xff\xff\xff\xff\xff\xff\xff\x05\x00', '\x00\xc3\x02\x80\x7f\xff\xff\xff\x00a', '\x00\xc3\x02\x05\x00a',
    '\x00\xc3\x02\x05\x20\x00', '\x08\x00', '\x06\x00', '\x07\x00', '\x14\x00', '\xff', '\x01\x00', '\x01\x02\x01a', '\x10\x00',
    '\x0b\x08\x02\x00\x00\x00\x01\x00\x00\x00'].map((b) => ['RESTORE', 'a', '0', payload(b)]), 'DBSIZE'),
];

const restoreCases: DiffCase[] = [
  c('restore string and read it', ['RESTORE', 'a', '0', HELLO], 'GET a', 'TTL a', 'OBJECT ENCODING a', 'TYPE a'),
  c('restore every encoding', ['RESTORE', 'i8', '0', payload('\x00\xc0\xfe')], ['RESTORE', 'i16', '0', payload('\x00\xc1\x00\x80')],
    ['RESTORE', 'i32', '0', payload('\x00\xc2\x01\x02\x03\x04')], ['RESTORE', 'l32', '0', payload('\x00\x80\x00\x00\x00\x03abc')],
    ['RESTORE', 'l64', '0', payload('\x00\x81\x00\x00\x00\x00\x00\x00\x00\x03abc')], ['RESTORE', 'l14', '0', payload('\x00\x40\x03abc')],
    ['RESTORE', 'lzf', '0', payload('\x00\xc3\x0b\x15\x03abca\xe0\x06\x02\x01bc')], ['RESTORE', 'lzf0', '0', payload('\x00\xc3\x01\x00\x00')],
    ['RESTORE', 'num', '0', payload('\x00\x03123')],
    'MGET i8 i16 i32 l32 l64 l14 lzf lzf0 num', 'OBJECT ENCODING num', 'OBJECT ENCODING i8', 'OBJECT ENCODING lzf'),
  c('restore reads into the footer and ignores trailing bytes', ['RESTORE', 'a', '0', payload('\x00\x0chello')], 'STRLEN a',
    ['RESTORE', 'b', '0', payload('\x00\x05helloXYZ')], 'GET b', ['RESTORE', 'c', '0', payload('\x00\xc0')], 'GET c'),
  c('restore replace', 'SET a old', 'EXPIRE a 1000', ['RESTORE', 'a', '0', HELLO, 'REPLACE'], 'GET a', 'TTL a', ['RESTORE', 'b', '0', HELLO, 'replace'], 'GET b'),
  // 10 s, not 1 ms: a key of 1 ms could expire before EXISTS on one server and not the other (CI under load).
  // 100499 ms: TTL rounds to 100 for up to 999 ms between the two (100000 gave 99 past 500 ms, seen
  // on a loaded machine).
  c('restore relative ttl', ['RESTORE', 'a', '100499', HELLO], 'TTL a', ['RESTORE', 'b', '10000', HELLO, 'REPLACE', 'REPLACE'], 'EXISTS b'),
  c('restore absttl', ['RESTORE', 'a', Y2100_MS, HELLO, 'ABSTTL'], 'PEXPIRETIME a', ['RESTORE', 'b', '1', HELLO, 'ABSTTL'], 'EXISTS b',
    ['RESTORE', 'b', '0', HELLO, 'ABSTTL'], 'TTL b'),
  c('restore past deadline with replace deletes the key', 'SET a 1', ['RESTORE', 'a', '1', HELLO, 'ABSTTL', 'REPLACE'], 'EXISTS a',
    ['RESTORE', 'n', '1', HELLO, 'ABSTTL', 'REPLACE'], 'EXISTS n'),
  // Logged as DEL whatever the lazyfree options (Redis 7.0's restoreCommand; UNLINK came in 7.2).
  c('restore past deadline under lazyfree options: DEL in the AOF', 'CONFIG SET lazyfree-lazy-expire yes lazyfree-lazy-server-del yes', 'SET a 1',
    ['RESTORE', 'a', '1', HELLO, 'ABSTTL', 'REPLACE'], 'EXISTS a', 'CONFIG SET lazyfree-lazy-expire no lazyfree-lazy-server-del no'),
  c('restore ttl that overflows', ['RESTORE', 'a', '9223372036854775807', HELLO], 'EXISTS a'),
  c('restore replaces an expired key', 'SET a 1 PX 1', 'DEBUG SLEEP 0.01', ['RESTORE', 'a', '0', HELLO], 'GET a'),
  c('restore-asking outside cluster', ['RESTORE-ASKING', 'a', '0', HELLO], 'GET a', ['RESTORE-ASKING', 'a', '0', HELLO]),
  c('restore in multi', 'MULTI', ['RESTORE', 'a', '0', HELLO], ['RESTORE', 'a', '0', HELLO], ['RESTORE', 'b', 'x', HELLO], 'GET a', 'EXEC'),
  c('restore dirty counter and keyspace', ['RESTORE', 'a', '0', HELLO], 'DBSIZE', ['RESTORE', 'a', '0', HELLO, 'REPLACE'], 'DBSIZE'),
  withMask('restore idletime', [{ cmd: 1, pattern: /\d(?=\r\n)/ }, { cmd: 3, pattern: /\d(?=\r\n)/ }],
    ['RESTORE', 'a', '0', HELLO, 'IDLETIME', '1000'], 'OBJECT IDLETIME a', ['RESTORE', 'b', '0', HELLO, 'IDLETIME', '16000000'], 'OBJECT IDLETIME b',
    ['RESTORE', 'c', '0', HELLO, 'FREQ', '100'], 'OBJECT FREQ c', 'GET a', 'OBJECT IDLETIME a'),
  c('restore freq under lfu', 'CONFIG SET maxmemory-policy allkeys-lfu', ['RESTORE', 'a', '0', HELLO, 'FREQ', '100'], 'OBJECT FREQ a',
    ['RESTORE', 'b', '0', HELLO, 'FREQ', '0'], 'OBJECT FREQ b', ['RESTORE', 'c', '0', HELLO, 'IDLETIME', '50'], 'OBJECT FREQ c',
    ['RESTORE', 'd', '0', HELLO], 'OBJECT FREQ d', 'OBJECT IDLETIME d', 'CONFIG SET maxmemory-policy noeviction'),
];

export const cases: DiffCase[] = [...dumpCases, ...restoreErrorCases, ...restoreCases];
