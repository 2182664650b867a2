// Differential cases for transactions (MULTI, EXEC, DISCARD, WATCH, UNWATCH) on one connection:
// queuing, the errors that abort a transaction, EXEC's array (errors stay inside), and WATCH of
// keys the same client changes, expires, flushes or swaps. Two-client WATCH cases, CLIENT PAUSE,
// MONITOR, CLIENT LIST and the AOF are in test/wire/transactions.test.ts.

import { HELLO_ID, type DiffCase } from './types.js';

const c = (name: string, cmds: string[][], extra: Partial<DiffCase> = {}): DiffCase => ({ name, cmds, ...extra });

const basics: DiffCase[] = [
  c('MULTI and EXEC of nothing', [['MULTI'], ['EXEC']]),
  c('queued commands and EXEC replies', [['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['GET', 'a'], ['EXEC'], ['GET', 'a']]),
  c('errors inside EXEC stay in the array', [['SET', 's', 'x'], ['MULTI'], ['INCR', 's'], ['SET', 'b', '2'], ['LPUSH_NOT'], ['EXEC']]),
  c('a runtime error does not stop the transaction', [['SET', 's', 'x'], ['MULTI'], ['INCR', 's'], ['SET', 'b', '2'], ['GET', 'b'], ['EXEC'], ['GET', 'b']]),
  c('EXEC without MULTI', [['EXEC'], ['exec']]),
  c('DISCARD without MULTI', [['DISCARD']]),
  c('DISCARD drops the queue', [['MULTI'], ['SET', 'a', '1'], ['DISCARD'], ['GET', 'a'], ['EXEC']]),
  c('MULTI calls can not be nested, the transaction goes on', [['MULTI'], ['MULTI'], ['SET', 'a', '1'], ['EXEC'], ['GET', 'a']]),
  c('WATCH inside MULTI is refused, the transaction goes on', [['MULTI'], ['WATCH', 'a'], ['SET', 'a', '1'], ['EXEC']]),
  c('an unknown command aborts the transaction', [['MULTI'], ['SET', 'a', '1'], ['NOSUCHCOMMAND', 'x'], ['EXEC'], ['GET', 'a']]),
  c('an arity error aborts the transaction', [['MULTI'], ['SET', 'a'], ['SET', 'a', '1'], ['EXEC'], ['GET', 'a']]),
  c('an unknown subcommand aborts the transaction', [['MULTI'], ['CONFIG', 'NOSUCH'], ['EXEC']]),
  c('a no-multi command aborts the transaction', [['MULTI'], ['SAVE'], ['EXEC'], ['MULTI'], ['SHUTDOWN'], ['DISCARD']]),
  c('a syntax error is only seen at EXEC', [['MULTI'], ['SET', 'a', '1', 'BADOPT'], ['SET', 'b', '1'], ['EXEC'], ['GET', 'b']]),
  c('arity errors of the transaction commands (EXEC\'s is an EXECABORT)', [['MULTI', 'x'], ['EXEC', 'x'], ['DISCARD', 'x'], ['WATCH'], ['UNWATCH', 'x']]),
  c('arity errors of EXEC inside MULTI abort it', [['MULTI'], ['SET', 'a', '1'], ['EXEC', 'x'], ['EXEC']]),
  c('transaction commands in any case', [['multi'], ['set', 'a', '1'], ['Exec'], ['mUlTi'], ['DiScArD']]),
  c('SELECT inside MULTI applies at EXEC', [['MULTI'], ['SELECT', '1'], ['SET', 'a', '1'], ['EXEC'], ['GET', 'a'], ['SELECT', '0'], ['GET', 'a']]),
  c('PING and ECHO inside MULTI', [['MULTI'], ['PING'], ['ECHO', 'x'], ['PING', 'y'], ['EXEC']]),
  c('QUIT inside MULTI runs at once', [['MULTI'], ['SET', 'a', '1'], ['QUIT']]),
  // Redis 7.0 keeps EXEC's start time to decide which keys expired, but reads the clock for PTTL,
  // relative deadlines and TIME: after a 0.3 s sleep in the transaction, a key of PX 100 is still
  // there with 0 ms left, and a PX 10000 set then has about 9999 left after EXEC (9700 if its
  // deadline counted from EXEC's start).
  c('inside EXEC, expiry uses its start time, PTTL and relative deadlines the clock', [
    ['MULTI'], ['SET', 'k', 'v', 'PX', '100'], ['DEBUG', 'SLEEP', '0.3'], ['GET', 'k'], ['EXISTS', 'k'], ['PTTL', 'k'],
    ['SET', 'z', '1', 'PX', '10000'], ['EXEC'], ['PTTL', 'z'], ['GET', 'k'],
  ], { mask: [{ cmd: 8, pattern: /:(99[5-9]\d|10000)\r/, with: ':99xx\r' }] }),
  c('inside EXEC, a key whose deadline passes after its start is still there', [
    ['SET', 'j', 'v', 'PX', '200'], ['MULTI'], ['DEBUG', 'SLEEP', '0.3'], ['GET', 'j'], ['EXEC'], ['GET', 'j'],
  ]),
  c('RESET inside MULTI discards it', [['MULTI'], ['SET', 'a', '1'], ['RESET'], ['EXEC'], ['GET', 'a']]),
  c('UNWATCH inside MULTI is queued', [['MULTI'], ['UNWATCH'], ['EXEC']]),
  // Redis writes each reply as its command runs: those before a HELLO keep the protocol of that
  // moment (a null is `$-1` or `_`, CONFIG GET an array or a map), HELLO's and those after it use the new one.
  c('HELLO inside MULTI switches the protocol of the replies after it only', [
    ['MULTI'], ['GET', 'nokey'], ['CONFIG', 'GET', 'maxmemory'], ['HELLO', '3'], ['GET', 'nokey'], ['CONFIG', 'GET', 'maxmemory'],
    ['HELLO', '2'], ['GET', 'nokey'], ['EXEC'], ['GET', 'nokey'],
  ], { mask: [{ cmd: 8, pattern: HELLO_ID }] }),
  c('many queued commands', [['MULTI'], ...Array.from({ length: 50 }, (_, i) => ['INCR', `k${i % 5}`]), ['EXEC']]),
];

const watch: DiffCase[] = [
  c('WATCH of an unchanged key', [['SET', 'a', '1'], ['WATCH', 'a', 'b', 'c'], ['WATCH', 'd'], ['MULTI'], ['PING'], ['EXEC']]),
  c('WATCH of a key the client changes itself', [['SET', 'a', '1'], ['WATCH', 'a'], ['SET', 'a', '2'], ['MULTI'], ['PING'], ['EXEC'], ['GET', 'a']]),
  c('WATCH, DEL of a missing key is no change', [['WATCH', 'a'], ['DEL', 'a'], ['MULTI'], ['PING'], ['EXEC']]),
  c('WATCH, a failed SET NX is no change', [['SET', 'a', '1'], ['WATCH', 'a'], ['SET', 'a', '2', 'NX'], ['MULTI'], ['PING'], ['EXEC']]),
  c('WATCH then a change after MULTI still aborts', [['WATCH', 'a'], ['MULTI'], ['SET', 'a', '1'], ['EXEC'], ['GET', 'a']]),
  c('EXEC unwatches: the next transaction runs', [['WATCH', 'a'], ['SET', 'a', '1'], ['MULTI'], ['PING'], ['EXEC'], ['MULTI'], ['PING'], ['EXEC']]),
  c('DISCARD unwatches', [['WATCH', 'a'], ['MULTI'], ['DISCARD'], ['SET', 'a', '1'], ['MULTI'], ['PING'], ['EXEC']]),
  c('UNWATCH forgets the keys and the change', [['WATCH', 'a'], ['SET', 'a', '1'], ['UNWATCH'], ['MULTI'], ['PING'], ['EXEC']]),
  c('RESET unwatches', [['WATCH', 'a'], ['SET', 'a', '1'], ['RESET'], ['MULTI'], ['PING'], ['EXEC']]),
  c('WATCH after a change is a no-op', [['WATCH', 'a'], ['SET', 'a', '1'], ['WATCH', 'b'], ['MULTI'], ['PING'], ['EXEC']]),
  c('WATCH of keys changed by INCR, APPEND, EXPIRE, PERSIST, RENAME', [
    ['SET', 'n', '1'], ['WATCH', 'n'], ['INCR', 'n'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'n'], ['APPEND', 'n', 'x'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'n'], ['EXPIRE', 'n', '100'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'n'], ['PERSIST', 'n'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'n'], ['PERSIST', 'n'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'm'], ['RENAME', 'n', 'm'], ['MULTI'], ['PING'], ['EXEC'],
  ]),
  c('WATCH of keys changed by MOVE, COPY, GETDEL, SETRANGE', [
    ['SET', 'a', '1'], ['WATCH', 'a'], ['MOVE', 'a', '1'], ['MULTI'], ['PING'], ['EXEC'],
    ['SET', 'a', '1'], ['WATCH', 'b'], ['COPY', 'a', 'b'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'b'], ['GETDEL', 'b'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'a'], ['SETRANGE', 'a', '0', 'z'], ['MULTI'], ['PING'], ['EXEC'],
  ]),
  c('WATCH is per database', [['WATCH', 'a'], ['SELECT', '1'], ['SET', 'a', '1'], ['SELECT', '0'], ['MULTI'], ['PING'], ['EXEC']]),
  c('FLUSHDB touches watched keys that exist', [['SET', 'a', '1'], ['WATCH', 'a'], ['FLUSHDB'], ['MULTI'], ['PING'], ['EXEC']]),
  c('FLUSHDB does not touch watched keys that do not exist', [['SET', 'b', '1'], ['WATCH', 'a'], ['FLUSHDB'], ['MULTI'], ['PING'], ['EXEC']]),
  c('FLUSHALL touches a watched key of another database', [['SELECT', '2'], ['SET', 'a', '1'], ['WATCH', 'a'], ['SELECT', '0'], ['FLUSHALL'], ['MULTI'], ['PING'], ['EXEC']]),
  c('SWAPDB touches a key that exists in either database', [
    ['SELECT', '1'], ['SET', 's', '1'], ['SELECT', '0'], ['WATCH', 's'], ['SWAPDB', '0', '1'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'q'], ['SWAPDB', '0', '1'], ['MULTI'], ['PING'], ['EXEC'],
  ]),
  // The TTL leaves room for a loaded machine between SET and WATCH (a key already expired when
  // watched does not abort: the next case); at 30 ms a CI run once saw EXEC go through.
  c('a watched key that expires aborts EXEC', [['SET', 'j', 'v', 'PX', '250'], ['WATCH', 'j'], ['DEBUG', 'SLEEP', '0.3'], ['MULTI'], ['PING'], ['EXEC']]),
  c('a key already expired when watched does not abort EXEC', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'e', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], ['WATCH', 'e'], ['MULTI'], ['PING'], ['EXEC'],
    ['SET', 'e', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], ['WATCH', 'e'], ['GET', 'e'], ['MULTI'], ['PING'], ['EXEC'],
    ['SET', 'e', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], ['WATCH', 'e'], ['FLUSHALL'], ['MULTI'], ['PING'], ['EXEC'],
    ['SET', 'e', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], ['WATCH', 'e'], ['SET', 'e', '1'], ['MULTI'], ['PING'], ['EXEC'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ]),
];

export const cases: DiffCase[] = [...basics, ...watch];
