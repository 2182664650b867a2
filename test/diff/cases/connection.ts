// Differential cases for the connection family (PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET), for
// what the dispatcher answers before any handler runs (unknown commands, wrong arity, command
// names in any case), and a few cross-family sequences that only make sense per connection.
// `cases` run on servers without requirepass, as a default redis-server; `requirepassCases` run on
// servers started with requirepass REQUIREPASS, on connections that have not authenticated yet.

import { HELLO_ID, REQUIREPASS, type DiffCase } from './types.js';

/** Every HELLO reply carries the connection id, which differs between the servers: mask it. */
function c(name: string, cmds: string[][], extra: Partial<DiffCase> = {}): DiffCase {
  const mask = cmds.flatMap((args, i) => (args[0].toLowerCase() === 'hello' ? [{ cmd: i, pattern: HELLO_ID }] : []));
  return { name, cmds, ...(mask.length > 0 ? { mask } : {}), ...extra };
}

const rep = (n: number, s = 'x'): string => s.repeat(n);
const BIN = '\x00\x01\xff\xfe\r\n\t"\'\\';

const ping: DiffCase[] = [
  c('PING without argument', [['PING']]),
  c('PING with a message', [['PING', 'hello world']]),
  c('PING with an empty message', [['PING', '']]),
  c('PING with a binary message', [['PING', BIN]]),
  c('PING with a 10k message', [['PING', rep(10000, 'ab')]]),
  c('PING with two arguments is an arity error', [['PING', 'a', 'b'], ['PING', 'a', 'b', 'c']]),
  c('ping in lower and mixed case', [['ping'], ['PiNg', 'x'], ['pING']]),
];

const echo: DiffCase[] = [
  c('ECHO a message', [['ECHO', 'hello']]),
  c('ECHO an empty string', [['ECHO', '']]),
  c('ECHO binary bytes', [['ECHO', BIN], ['ECHO', '\x80\x81\xc3\x28']]),
  c('ECHO a 100k argument', [['ECHO', rep(100000, 'z')]]),
  c('ECHO arity errors', [['ECHO'], ['ECHO', 'a', 'b']]),
  c('echo in mixed case', [['echo', 'a'], ['eChO', 'b']]),
  c('ECHO a number-looking string stays a bulk string', [['ECHO', '123'], ['ECHO', '-1'], ['ECHO', '1.5']]),
];

const quit: DiffCase[] = [
  c('QUIT replies OK', [['QUIT']]),
  c('QUIT after other commands', [['PING'], ['ECHO', 'x'], ['QUIT']]),
  c('QUIT ignores extra arguments and closes', [['QUIT', 'a', 'b'], ['PING']]),
  c('quit in lower case closes the connection', [['quit'], ['ECHO', 'after']]),
];

const select: DiffCase[] = [
  c('SELECT 0 and 15', [['SELECT', '0'], ['SELECT', '15']]),
  c('SELECT 16 is out of range', [['SELECT', '16']]),
  c('SELECT a negative index', [['SELECT', '-1'], ['SELECT', '-2147483648']]),
  c('SELECT a non-integer', [['SELECT', 'a'], ['SELECT', '1.5'], ['SELECT', '1e1'], ['SELECT', '0x1']]),
  c('SELECT with spaces, plus sign, leading zero', [['SELECT', ' 1'], ['SELECT', '1 '], ['SELECT', '+1'], ['SELECT', '01'], ['SELECT', '-0']]),
  c('SELECT an empty string', [['SELECT', '']]),
  c('SELECT beyond a C int', [['SELECT', '2147483648'], ['SELECT', '-2147483649'], ['SELECT', '9223372036854775807']]),
  c('SELECT beyond a 64-bit integer', [['SELECT', '9223372036854775808'], ['SELECT', '99999999999999999999']]),
  c('SELECT arity errors', [['SELECT'], ['SELECT', '1', '2']]),
  c('select in mixed case', [['select', '1'], ['SeLeCt', '2']]),
  c('SELECT separates the keys of two databases', [
    ['SET', 'k', 'db0'], ['SELECT', '1'], ['GET', 'k'], ['SET', 'k', 'db1'], ['SELECT', '0'], ['GET', 'k'], ['SELECT', '1'], ['GET', 'k'],
  ]),
  c('a failed SELECT keeps the current database', [['SELECT', '3'], ['SET', 'k', 'v'], ['SELECT', '16'], ['GET', 'k'], ['SELECT', 'x'], ['GET', 'k']]),
  c('DBSIZE follows SELECT', [['SET', 'a', '1'], ['SELECT', '5'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE']]),
];

const hello: DiffCase[] = [
  c('HELLO without arguments', [['HELLO']]),
  c('HELLO option words end at a NUL (strcasecmp)', [['HELLO', '2', 'SETNAME\0x', 'n'], ['CLIENT', 'GETNAME']]),
  c('HELLO 2', [['HELLO', '2'], ['PING'], ['ECHO', 'x']]),
  c('HELLO 3 then replies in RESP3', [['HELLO', '3'], ['PING'], ['ECHO', 'x'], ['GET', 'missing'], ['HELLO']]),
  c('HELLO 3 then HELLO 2 switches back', [['HELLO', '3'], ['HELLO', '2'], ['GET', 'missing'], ['HELLO']]),
  c('HELLO with unsupported versions', [['HELLO', '4'], ['HELLO', '1'], ['HELLO', '0'], ['HELLO', '-1'], ['HELLO', '9223372036854775807']]),
  c('HELLO with a non-integer version', [['HELLO', 'abc'], ['HELLO', '03'], ['HELLO', '3.0'], ['HELLO', ' 3'], ['HELLO', ''], ['HELLO', '99999999999999999999']]),
  c('HELLO version errors come before option errors', [['HELLO', '4', 'SETNAME', 'a b'], ['HELLO', 'abc', 'foo'], ['HELLO', 'SETNAME', 'x']]),
  c('a failed HELLO keeps the protocol', [['HELLO', '4'], ['GET', 'missing'], ['HELLO', '3', 'bogus'], ['GET', 'missing']]),
  c('HELLO AUTH default with any password when none is set', [['HELLO', '3', 'AUTH', 'default', 'x'], ['HELLO', '2', 'AUTH', 'default', '']]),
  c('HELLO AUTH with an unknown user', [['HELLO', '3', 'AUTH', 'foo', 'bar'], ['GET', 'missing'], ['HELLO']]),
  c('HELLO AUTH with missing arguments', [['HELLO', '3', 'AUTH'], ['HELLO', '3', 'AUTH', 'default'], ['HELLO', '2', 'AUTH', 'default', 'x', 'extra']]),
  c('HELLO SETNAME', [['HELLO', '3', 'SETNAME', 'conn-1'], ['CLIENT', 'GETNAME']]),
  c('HELLO SETNAME with invalid names', [
    ['HELLO', '3', 'SETNAME', 'a b'], ['HELLO', '3', 'SETNAME', 'a\nb'], ['HELLO', '3', 'SETNAME', '\x00'],
    ['HELLO', '3', 'SETNAME', '\x7f'], ['HELLO', '3', 'SETNAME', 'caf\xc3\xa9'], ['GET', 'missing'],
  ]),
  c('HELLO SETNAME with an empty name clears it', [['HELLO', '2', 'SETNAME', 'n'], ['HELLO', '2', 'SETNAME', ''], ['CLIENT', 'GETNAME']]),
  c('HELLO SETNAME without a name', [['HELLO', '3', 'SETNAME']]),
  c('HELLO unknown option', [['HELLO', '3', 'foo'], ['HELLO', '2', 'foo', 'bar'], ['HELLO', '3', '\x00x'], ['HELLO', '3', 'a\r\nb']]),
  c('HELLO options in any case and order', [['HELLO', '3', 'setname', 'x', 'auth', 'default', 'p'], ['HELLO', '2', 'AuTh', 'default', 'p', 'SeTnAmE', 'y'], ['CLIENT', 'GETNAME']]),
  c('HELLO repeated options: the last one wins', [['HELLO', '3', 'SETNAME', 'a', 'SETNAME', 'b'], ['CLIENT', 'GETNAME'], ['HELLO', '3', 'AUTH', 'default', 'x', 'AUTH', 'foo', 'y']]),
  c('HELLO an invalid name is rejected before a later syntax error', [['HELLO', '3', 'SETNAME', 'a b', 'foo']]),
  c('HELLO applies AUTH and SETNAME in the order given', [['HELLO', '3', 'SETNAME', 'a b', 'AUTH', 'foo', 'bar'], ['HELLO', '3', 'AUTH', 'foo', 'bar', 'SETNAME', 'a b']]),
  c('HELLO a syntax error after a valid name keeps the name', [['HELLO', '3', 'SETNAME', 'ok', 'bad'], ['CLIENT', 'GETNAME'], ['GET', 'missing']]),
  c('HELLO a failed AUTH keeps an earlier SETNAME', [['HELLO', '3', 'SETNAME', 'n', 'AUTH', 'nobody', 'x'], ['CLIENT', 'GETNAME']]),
  c('HELLO a valid AUTH before a bad option still fails the command', [['HELLO', '3', 'AUTH', 'default', 'x', 'bogus'], ['GET', 'missing'], ['PING']]),
  c('hello in lower case', [['hello'], ['hello', '2']]),
];

const auth: DiffCase[] = [
  c('AUTH password without a configured password', [['AUTH', 'x'], ['AUTH', '']]),
  c('AUTH default with any password', [['AUTH', 'default', 'x'], ['AUTH', 'default', '']]),
  c('AUTH with an unknown user', [['AUTH', 'foo', 'x'], ['AUTH', 'Default', 'x']]),
  c('AUTH with too many arguments', [['AUTH', 'a', 'b', 'c'], ['AUTH', 'a', 'b', 'c', 'd']]),
  c('AUTH without arguments', [['AUTH']]),
  c('auth in mixed case', [['auth', 'default', 'x'], ['aUtH', 'x']]),
  c('a failed AUTH leaves the connection usable', [['AUTH', 'foo', 'bar'], ['PING'], ['SET', 'k', 'v'], ['GET', 'k']]),
];

const reset: DiffCase[] = [
  c('RESET', [['RESET']]),
  c('RESET goes back to database 0', [['SET', 'k', '0'], ['SELECT', '1'], ['SET', 'k', '1'], ['RESET'], ['GET', 'k']]),
  c('RESET goes back to RESP2', [['HELLO', '3'], ['RESET'], ['GET', 'missing'], ['HELLO']]),
  c('RESET clears the client name', [['HELLO', '2', 'SETNAME', 'me'], ['RESET'], ['CLIENT', 'GETNAME']]),
  c('RESET with arguments', [['RESET', 'x'], ['RESET', 'HARD']]),
  c('reset in lower case', [['reset'], ['ReSeT']]),
];

const unknown: DiffCase[] = [
  c('unknown command without arguments', [['foo'], ['FOOBAR']]),
  c('unknown command with arguments', [['foo', 'a', 'b'], ['NotACommand', '1', '2', '3']]),
  c('unknown command keeps the name as typed', [['FoO', 'BaR']]),
  c('unknown command with an argument over 128 bytes', [['foo', rep(200)], ['foo', 'a', rep(200), 'b']]),
  c('unknown command with a name over 128 bytes', [[rep(200, 'n')], [rep(129, 'n'), 'x']]),
  c('unknown command arguments around the 128 byte limit', [
    ['foo', rep(125)], ['foo', rep(126)], ['foo', rep(127)], ['foo', rep(128)], ['foo', rep(60), rep(60), rep(60)],
    ['foo', rep(123), 'abc'], ['foo', rep(124), 'abc'],
  ]),
  c('unknown command with many arguments', [['foo', ...Array.from({ length: 60 }, (_, i) => `arg${i}`)]]),
  c('unknown command with binary arguments', [['foo', BIN], ['foo', 'a\x00b', 'c'], ['foo', '\xff\xfe']]),
  c('unknown command with CR LF in arguments', [['foo', 'a\r\nb'], ['fo\r\no', 'x']]),
  c('unknown command with a binary name', [['\x00'], ['\x00abc', 'x'], ['\xff\xfe'], ['a\x00b', 'c\x00d']]),
  c('empty command name', [[''], ['', 'x']]),
  c('unknown commands do not break the connection', [['foo'], ['PING'], ['bar', 'x'], ['ECHO', 'ok']]),
];

/** Wrong argument counts: Redis checks the arity before anything else, naming the command in lower case. */
const arity: DiffCase[] = [
  c('arity: string reads', [['GET'], ['GET', 'a', 'b'], ['STRLEN'], ['GETRANGE', 'a', '1'], ['SUBSTR', 'a'], ['MGET'], ['GETDEL'], ['GETEX'], ['LCS', 'a']]),
  c('arity: string writes', [['SET'], ['SET', 'k'], ['SETNX', 'k'], ['SETEX', 'k', '1'], ['PSETEX', 'k'], ['GETSET', 'k'], ['APPEND', 'k'], ['SETRANGE', 'k', '1']]),
  c('arity: counters', [['INCR'], ['INCR', 'a', 'b'], ['DECR'], ['INCRBY', 'a'], ['DECRBY', 'a', '1', '2'], ['INCRBYFLOAT', 'a']]),
  c('arity: MSET and MSETNX need pairs', [['MSET'], ['MSET', 'a'], ['MSET', 'a', 'b', 'c'], ['MSETNX', 'a'], ['MSETNX', 'a', 'b', 'c']]),
  c('arity: keyspace', [['DEL'], ['UNLINK'], ['EXISTS'], ['TOUCH'], ['TYPE'], ['TYPE', 'a', 'b'], ['RENAME', 'a'], ['RENAMENX', 'a', 'b', 'c'], ['COPY', 'a'], ['MOVE', 'a']]),
  c('arity: expiry', [['EXPIRE', 'a'], ['PEXPIRE'], ['EXPIREAT', 'a'], ['PEXPIREAT', 'a'], ['TTL'], ['PTTL', 'a', 'b'], ['PERSIST'], ['EXPIRETIME'], ['PEXPIRETIME', 'a', 'b']]),
  c('arity: key listing', [['KEYS'], ['KEYS', 'a', 'b'], ['RANDOMKEY', 'x'], ['SCAN'], ['DBSIZE', 'x']]),
  c('arity: server', [['SWAPDB', '0'], ['FLUSHDB', 'ASYNC', 'x'], ['TIME', 'x'], ['LASTSAVE', 'x']]),
  c('arity: containers and their subcommands', [['CONFIG'], ['CONFIG', 'GET'], ['CONFIG', 'SET', 'a'], ['CLIENT'], ['CLIENT', 'SETNAME'], ['OBJECT'], ['OBJECT', 'ENCODING']]),
  c('unknown subcommands', [['CONFIG', 'FOO'], ['CLIENT', 'nope', 'x'], ['OBJECT', 'what'], ['COMMAND', 'bogus']]),
  c('arity errors name the command in lower case', [['GeT'], ['sEt', 'k'], ['PiNg', 'a', 'b'], ['SELECT'], ['ExPiRe', 'k']]),
];

const mixedCase: DiffCase[] = [
  c('commands are case-insensitive', [['set', 'k', 'v'], ['GeT', 'k'], ['gEt', 'k'], ['EXISTS', 'k'], ['exists', 'k']]),
  c('a connection keeps its own database and protocol', [['SELECT', '2'], ['HELLO', '3'], ['SET', 'x', '1'], ['GET', 'x'], ['SELECT', '0'], ['GET', 'x']]),
];

export const cases: DiffCase[] = [...ping, ...echo, ...quit, ...select, ...hello, ...auth, ...reset, ...unknown, ...arity, ...mixedCase];

const PW = REQUIREPASS;

export const requirepassCases: DiffCase[] = [
  c('commands before AUTH get NOAUTH', [['PING'], ['ECHO', 'x'], ['SELECT', '1'], ['GET', 'k'], ['DBSIZE']]),
  c('unknown commands and arity errors come before NOAUTH', [['foo', 'bar'], ['GET'], ['ECHO', 'a', 'b']]),
  c('HELLO before AUTH', [['HELLO'], ['HELLO', '3'], ['GET', 'k']]),
  c('transactions before AUTH: EXEC refused is an EXECABORT', [['MULTI'], ['EXEC'], ['DISCARD'], ['WATCH', 'k'], ['UNWATCH'], ['EXEC', 'x']]),
  c('HELLO version errors before AUTH', [['HELLO', '4'], ['HELLO', 'x']]),
  c('HELLO AUTH with the password', [['HELLO', '3', 'AUTH', 'default', PW], ['PING'], ['GET', 'missing']]),
  c('HELLO AUTH with a wrong password or user', [['HELLO', '3', 'AUTH', 'default', 'wrong'], ['HELLO', '2', 'AUTH', 'nobody', PW], ['PING']]),
  c('HELLO SETNAME before AUTH names the connection anyway', [['HELLO', '3', 'SETNAME', 'early'], ['AUTH', PW], ['CLIENT', 'GETNAME'], ['GET', 'missing']]),
  c('HELLO AUTH sticks when a later option fails', [['HELLO', '3', 'AUTH', 'default', PW, 'bogus'], ['PING'], ['GET', 'missing']]),
  c('HELLO a second, failing AUTH keeps the first', [['HELLO', '3', 'AUTH', 'default', PW, 'AUTH', 'default', 'wrong'], ['PING']]),
  c('AUTH with the password', [['AUTH', PW], ['PING'], ['SET', 'k', 'v'], ['GET', 'k']]),
  c('AUTH default with the password', [['AUTH', 'default', PW], ['PING']]),
  c('AUTH with a wrong password', [['AUTH', 'wrong'], ['AUTH', ''], ['PING']]),
  c('AUTH with an unknown user', [['AUTH', 'nobody', PW], ['PING']]),
  c('AUTH with too many arguments', [['AUTH', 'a', 'b', 'c'], ['AUTH', 'default', PW, 'x']]),
  c('a failed AUTH keeps an authenticated connection authenticated', [['AUTH', PW], ['AUTH', 'wrong'], ['PING'], ['AUTH', 'nobody', 'x'], ['PING']]),
  c('RESET logs out', [['AUTH', PW], ['PING'], ['RESET'], ['PING']]),
  c('QUIT before AUTH', [['QUIT'], ['PING']]),
  c('more than 10 arguments before AUTH is a protocol error', [['foo', ...Array.from({ length: 11 }, (_, i) => String(i))], ['PING']]),
  // (A bulk over 16 KB before AUTH is left to protocol.test.ts: redis-server closes with most of the
  // bulk unread, and the resulting TCP reset can destroy its error reply before we read it.)
  c('large requests are fine after AUTH', [['AUTH', PW], ['ECHO', rep(16385)], ['foo', ...Array.from({ length: 11 }, (_, i) => String(i))]]),
];
