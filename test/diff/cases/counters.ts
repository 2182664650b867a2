// Differential cases for what the statistics counters see (test/diff/counters.test.ts compares
// INFO's keyspace_hits / keyspace_misses, expired_keys, evicted_keys, commandstats and errorstats
// after each case; the corpus compares the replies as for any case). Each command that looks keys
// up is run on a live key, a missing key and a key whose deadline has passed, and after the errors
// that Redis 7.0 raises after its lookup (so the lookup counts) or before it (so it does not).
//
// Which lookups count is Redis's lookupKey: a read (lookupKeyRead, also with LOOKUP_NOTOUCH)
// counts a hit or a miss, a write (lookupKeyWrite) none; both reclaim an expired key, counting it
// in expired_keys. Keys expire by a past PXAT, so no case waits for the clock; counters.test.ts
// turns active expiry off, so a key is reclaimed only by the lookups the case makes.

import { lineCase, type DiffCase } from './types.js';

const c = lineCase;

/** A case that starts with a live key `k`, a key `x` whose deadline has passed, and no key `m`. */
const kxm = (name: string, ...cmds: (string | string[])[]): DiffCase => c(name, 'SET k abc', 'SET x abc PXAT 1', ...cmds);

const readCases: DiffCase[] = [
  kxm('counted reads: GET STRLEN GETRANGE SUBSTR', 'GET k', 'GET m', 'GET x', 'STRLEN k', 'STRLEN m', 'GETRANGE k 0 1', 'GETRANGE m 0 1', 'SUBSTR k 0 1'),
  kxm('GETRANGE parses its range before the lookup', 'GETRANGE k a 1', 'GETRANGE m 0 b', 'GETRANGE x a 1', 'GET x'),
  kxm('counted reads: MGET', 'MGET k m x k'),
  kxm('counted reads: EXISTS TYPE TOUCH', 'EXISTS k m x k', 'TYPE k', 'TYPE m', 'TOUCH k m'),
  kxm('counted reads: TTL PTTL EXPIRETIME PEXPIRETIME', 'TTL k', 'PTTL m', 'EXPIRETIME k', 'PEXPIRETIME x', 'TTL x'),
  // OBJECT IDLETIME has whole seconds of the LRU clock: one server's can tick between SET and it
  // (a loaded full run read :1 here, redis-server :0), so 0 and 1 are both right; more is not.
  { ...kxm('counted reads: OBJECT', 'OBJECT ENCODING k', 'OBJECT REFCOUNT m', 'OBJECT IDLETIME k', 'OBJECT ENCODING x', 'OBJECT FREQ k', 'OBJECT FREQ m'),
    mask: [{ cmd: 4, pattern: /^:[01](?=\r\n$)/ }] },
  kxm('counted reads: DUMP', 'DUMP m', 'DUMP x'),
  kxm('counted reads: GETEX', 'GETEX k', 'GETEX m', 'GETEX x', 'GETEX k PERSIST', 'GETEX m EX 10'),
  kxm('GETEX checks its time after the lookup', 'GETEX k EX 0', 'GETEX m EX 0', 'GETEX k EX abc', 'GETEX k PX -5', 'GETEX x PX 0'),
  kxm('GETEX options are parsed before the lookup', 'GETEX k FOO', 'GETEX m EX', 'GETEX k EX 1 PX 1'),
  kxm('counted reads: GETDEL GETSET', 'GETDEL m', 'GETDEL x', 'GETDEL k', 'GETSET k v', 'GETSET m v', 'GETSET x v'),
  kxm('SET ... GET counts its read', 'SET k v GET', 'SET m v GET', 'SET x v GET', 'SET k w NX GET', 'SET n w XX GET'),
  kxm('SET ... GET with a bad time: no lookup', 'SET k v GET EX 0', 'SET k v GET PX abc', 'SET m v GET EX 0'),
  kxm('counted reads: COPY source', 'COPY k k2', 'COPY m m2', 'COPY x x2', 'COPY k k2', 'COPY k k2 REPLACE', 'COPY k k DB 0', 'COPY k k3 DB 1'),
  kxm('counted reads: LCS', 'LCS k m', 'LCS m k', 'LCS k x LEN', 'LCS k k IDX MINMATCHLEN 1', 'LCS k k FOO', 'LCS k k IDX LEN'),
  kxm('counted reads: GETBIT BITCOUNT BITPOS', 'GETBIT k 1', 'GETBIT m 1', 'GETBIT x 1', 'BITCOUNT k', 'BITCOUNT m', 'BITCOUNT k 0 1 BIT', 'BITPOS k 1', 'BITPOS m 0', 'BITPOS k 1 0 -1 BYTE'),
  kxm('bit reads with errors before or after the lookup', 'GETBIT k -1', 'GETBIT m abc', 'BITCOUNT k 0', 'BITCOUNT m 0', 'BITCOUNT k a b', 'BITCOUNT k 0 1 FOO',
    'BITPOS k 2', 'BITPOS m 2', 'BITPOS k 1 a', 'BITPOS m 1 a', 'BITPOS k 1 0 1 FOO', 'BITPOS x 1 a'),
  kxm('BITFIELD with GETs only reads, with a write it does not count', 'BITFIELD k GET u8 0', 'BITFIELD m GET u8 0', 'BITFIELD k GET u8 0 SET u8 0 1',
    'BITFIELD m INCRBY u8 0 1', 'BITFIELD x GET u8 0', 'BITFIELD k', 'BITFIELD_RO k GET u8 0', 'BITFIELD_RO m GET u8 0', 'BITFIELD_RO k GET x 0', 'BITFIELD k GET u8 a'),
  kxm('BITOP reads each source', 'BITOP AND d k m x', 'BITOP OR d k k', 'BITOP NOT d m', 'BITOP NOT d k', 'BITOP XOR d', 'BITOP FOO d k', 'BITOP NOT d k k'),
  kxm('MIGRATE looks its keys up before connecting', 'MIGRATE 127.0.0.1 1 m 0 100', ['MIGRATE', '127.0.0.1', '1', '', '0', '100', 'KEYS', 'm', 'x', 'm'], 'MIGRATE 127.0.0.1 1 x 0 100 FOO'),
];

const writeCases: DiffCase[] = [
  kxm('uncounted writes: SET SETNX SETEX MSET MSETNX', 'SET k v', 'SET m v XX', 'SETNX k v', 'SETNX m2 v', 'SETEX x 10 v', 'MSET k v m3 v', 'MSETNX k v m4 v', 'MSETNX m5 v m6 v'),
  kxm('uncounted writes: APPEND SETRANGE INCR family', 'APPEND k d', 'APPEND m d', 'SETRANGE k 1 z', 'SETRANGE m2 1 z', 'SET n 1', 'INCR n', 'INCR m3', 'DECRBY n 2', 'INCRBYFLOAT n 1.5', 'INCR k', 'INCR x'),
  kxm('uncounted writes: SETBIT', 'SETBIT k 1 1', 'SETBIT m 1 1', 'SETBIT x 1 1', 'SETBIT k -1 1'),
  kxm('uncounted writes: RENAME RENAMENX MOVE', 'RENAME k k2', 'RENAME m m2', 'RENAMENX k2 k3', 'RENAMENX m m2', 'MOVE k3 1', 'MOVE m 1', 'MOVE x 1', 'RENAME x y'),
  kxm('uncounted writes: EXPIRE family PERSIST', 'EXPIRE k 100', 'EXPIRE m 100', 'PEXPIRE x 100', 'EXPIREAT k 1', 'PERSIST m', 'SET p v EX 100', 'PERSIST p', 'EXPIRE p 100 NX', 'EXPIRE p abc'),
  kxm('uncounted writes: DEL UNLINK', 'DEL k m', 'UNLINK x m'),
  // The keys of a page come in hash order: only the cursor and the number of keys are compared.
  { ...kxm('SCAN with TYPE reads each key it filters', 'SET k2 v', 'SCAN 0 TYPE string COUNT 100', 'SCAN 0 TYPE hash', 'SCAN 0 MATCH k2 TYPE string', 'SCAN 0 TYPE nosuch'),
    mask: [{ cmd: 3, pattern: /(?<=^\*2\r\n\$1\r\n0\r\n\*\d+\r\n)[\s\S]*/ }] },
  kxm('uncounted: DBSIZE KEYS SCAN RANDOMKEY MEMORY USAGE', 'DBSIZE', 'KEYS *', 'SCAN 0', 'RANDOMKEY', 'MEMORY USAGE m', 'MEMORY USAGE x', 'EXISTS x'),
];

const expiredCases: DiffCase[] = [
  c('a key expired by SET with a past PXAT is reclaimed by the next lookup', 'SET x v PXAT 1', 'SET x w', 'GET x', 'SET y v PXAT 1', 'INCR y', 'SET z 5 EXAT 1', 'APPEND z q'),
  c('GETEX and SET with a past deadline delete the key', 'SET k v', 'GETEX k PXAT 1', 'SET j v', 'GETEX j EXAT 1', 'SET i v', 'SET i w PXAT 1 GET', 'EXISTS i j k'),
  c('EXPIRE with a past time deletes the key', 'SET k v', 'EXPIRE k -1', 'SET j v', 'PEXPIREAT j 1', 'SET i v', 'EXPIREAT i 0', 'EXISTS i j k'),
  c('expired keys in another database', 'SELECT 1', 'SET x v PXAT 1', 'SET y v PXAT 1', 'GET x', 'SELECT 0', 'SWAPDB 0 1', 'GET y', 'SELECT 1'),
  c('expired keys inside a transaction', 'SET x v PXAT 1', 'SET y v PXAT 1', 'MULTI', 'GET x', 'INCR y', 'EXISTS x y', 'EXEC'),
  c('a watched key that expired', 'SET x v PXAT 1', 'WATCH x', 'MULTI', 'GET x', 'EXEC'),
  kxm('a write onto an expired destination reclaims it', 'RENAME k x', 'SET x2 v PXAT 1', 'COPY x x2', 'SET x3 v PXAT 1', 'SET k2 v', 'COPY k2 x3',
    'SET x4 v PXAT 1', 'MSETNX x4 1 m 2', 'SET x5 v PXAT 1', 'SET x5 w NX', 'SELECT 1', 'SET x6 v PXAT 1', 'SELECT 0', 'SET x6 v', 'MOVE x6 1', 'DBSIZE'),
  c('RANDOMKEY reclaims the expired keys it draws', 'SET x v PXAT 1', 'SET y v PXAT 1', 'RANDOMKEY', 'DBSIZE'),
  kxm('errors before the lookup leave an expired key in place', 'SETRANGE x -1 a', 'SETBIT x -1 1', 'INCRBY x abc', 'EXPIRE x abc', 'SET x v EX abc',
    'MOVE x 99', 'MOVE x 0', 'GETRANGE x a b', 'GETBIT x -1', 'COPY x x', 'BITFIELD x GET u99 0'),
  c('FLUSHALL does not count expired keys', 'SET x v PXAT 1', 'SET k v', 'FLUSHALL', 'DBSIZE'),
  // Counted the same, logged as UNLINK (aof-effects.test.ts): on access, by a past deadline, in EXEC.
  c('expired keys under lazyfree-lazy-expire yes', 'CONFIG SET lazyfree-lazy-expire yes', 'SET x v PXAT 1', 'GET x', 'SET k v', 'EXPIRE k -1',
    'SET j v', 'PEXPIREAT j 1', 'SET g v', 'GETEX g PXAT 1', 'SET y v PXAT 1', 'MULTI', 'EXISTS y', 'SET z 1', 'EXEC', 'DBSIZE', 'CONFIG SET lazyfree-lazy-expire no'),
];

const evictionCases: DiffCase[] = [
  c('every key evicted under maxmemory 1', 'SET a 1', 'SET b 2', 'SET c 3 EX 100', 'CONFIG SET maxmemory-policy allkeys-random', 'CONFIG SET maxmemory 1',
    'SET d 4', 'GET a', 'DBSIZE', 'CONFIG SET maxmemory 0', 'CONFIG SET maxmemory-policy noeviction'),
  c('volatile eviction takes the keys with a TTL only', 'SET a 1', 'SET b 2 EX 100', 'SET c 3 EX 100', 'CONFIG SET maxmemory-policy volatile-ttl', 'CONFIG SET maxmemory 1',
    'SET d 4', 'GET a', 'DBSIZE', 'CONFIG SET maxmemory 0', 'CONFIG SET maxmemory-policy noeviction'),
  // Counted the same, logged as UNLINK (aof-effects.test.ts).
  c('eviction under lazyfree-lazy-eviction yes', 'SET a 1', 'CONFIG SET lazyfree-lazy-eviction yes maxmemory-policy allkeys-lru', 'CONFIG SET maxmemory 1',
    'SET b 2', 'DBSIZE', 'CONFIG SET maxmemory 0', 'CONFIG SET lazyfree-lazy-eviction no maxmemory-policy noeviction'),
];

export const cases: DiffCase[] = [...readCases, ...writeCases, ...expiredCases, ...evictionCases];
