// The request decoder against Redis 7.0's processMultibulkBuffer / processInlineBuffer. Every case
// is fed whole, one byte at a time and at random split points, and must decode the same way each
// time; a seeded fuzz checks that arbitrary bytes either decode or raise a ProtocolError with one
// of Redis's texts (never another exception, never a hang).

import test from 'ava';
import { INLINE_MAX, MAX_ARGS, RequestDecoder } from '../../src/protocol/decoder.js';
import { ProtocolError } from '../../src/protocol/request-sink.js';
import { parseLong } from '../../src/protocol/binary.js';
import { PROTOCOL } from '../../src/errors.js';
import { splitArgs } from '../../src/protocol/splitargs.js';
import { mulberry32, pick, type Rng } from '../helpers/rng.js';
import { pushAll } from '../helpers/decoder.js';

interface Outcome {
  cmds: string[][];
  error: string | null;
  /** Bytes held for an incomplete request. */
  buffered: number;
}

interface Opts {
  authenticated?: boolean;
  maxBulkLen?: number;
}

function decoder(opts: Opts, cmds: string[][]): RequestDecoder {
  const d = new RequestDecoder((a) => cmds.push(a), { maxBulkLen: opts.maxBulkLen ?? 512 * 1024 * 1024 });
  d.authenticated = opts.authenticated ?? true;
  return d;
}

/** Feeds `input` in the given pieces; stops at the first error, as a connection would. */
function feed(input: Buffer, cuts: number[], opts: Opts = {}): Outcome {
  const cmds: string[][] = [];
  const d = decoder(opts, cmds);
  const e = pushAll(d, input, cuts);
  return e !== null ? { cmds, error: e.message, buffered: -1 } : { cmds, error: null, buffered: d.buffered };
}

const whole = (input: Buffer, opts?: Opts): Outcome => feed(input, [], opts);
const byteByByte = (input: Buffer, opts?: Opts): Outcome =>
  feed(input, Array.from({ length: Math.max(0, input.length - 1) }, (_, i) => i + 1), opts);

function randomCuts(len: number, rng: Rng): number[] {
  const n = Math.floor(rng() * 6);
  const cuts = Array.from({ length: n }, () => Math.floor(rng() * (len + 1)));
  return cuts.sort((a, b) => a - b);
}

const bin = (s: string): Buffer => Buffer.from(s, 'latin1');
const mb = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;

interface Case {
  name: string;
  input: string | Buffer;
  cmds: string[][];
  error?: string;
  /** Bytes left waiting (when no error); default: not checked. */
  buffered?: number;
  opts?: Opts;
  /** Skip the byte-at-a-time run (only for very large inputs). */
  noBytes?: boolean;
}

const ALL_BYTES = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
const big = 'x'.repeat(100_000);

const CASES: Case[] = [
  { name: 'one multibulk', input: mb('PING'), cmds: [['PING']], buffered: 0 },
  { name: 'pipeline of multibulk', input: mb('SET', 'k', 'v') + mb('GET', 'k') + mb('DEL', 'k'), cmds: [['SET', 'k', 'v'], ['GET', 'k'], ['DEL', 'k']], buffered: 0 },
  { name: 'empty bulk argument', input: mb('GET', ''), cmds: [['GET', '']] },
  { name: 'all 256 byte values in a bulk', input: mb('ECHO', ALL_BYTES), cmds: [['ECHO', ALL_BYTES]] },
  { name: 'CRLF inside bulk data', input: mb('SET', 'k', 'a\r\nb\r\n'), cmds: [['SET', 'k', 'a\r\nb\r\n']] },
  { name: 'big bulk (100 KB) then more', input: mb('SET', 'k', big) + mb('PING'), cmds: [['SET', 'k', big], ['PING']], buffered: 0 },
  { name: 'two big bulks in one request', input: mb('MSET', 'a', big, 'b', big + 'y'), cmds: [['MSET', 'a', big, 'b', big + 'y']] },
  { name: 'incomplete multibulk waits', input: '*2\r\n$3\r\nGET\r\n$1\r\n', cmds: [], buffered: 4 },
  { name: 'incomplete bulk data waits', input: '*1\r\n$4\r\nPIN', cmds: [], buffered: 7 },
  { name: 'data without its trailing CRLF waits', input: '*1\r\n$4\r\nPING', cmds: [] },
  { name: 'CR as the last byte of a header waits', input: '*1\r', cmds: [], buffered: 3 },
  // Redis skips the byte after a header's CR, and the two after bulk data, without checking them.
  { name: 'byte after CR is not checked', input: '*1\rX$4\rYPINGxx', cmds: [['PING']], buffered: 0 },
  { name: '*0 is ignored', input: '*0\r\n' + mb('PING'), cmds: [['PING']] },
  { name: '*-1 is ignored', input: '*-1\r\n' + mb('PING'), cmds: [['PING']] },
  { name: '*-5 is ignored', input: '*-5\r\nPING\r\n', cmds: [['PING']] },
  { name: '*INT64_MIN is ignored', input: '*-9223372036854775808\r\nPING\r\n', cmds: [['PING']] },
  { name: '*MAX_ARGS waits for its arguments', input: `*${MAX_ARGS}\r\n`, cmds: [], buffered: 0 },
  // Redis takes up to INT_MAX; a JS array of more than ~112.8M elements stops the process.
  { name: '*MAX_ARGS+1 (V8 cannot hold that many)', input: `*${MAX_ARGS + 1}\r\n`, cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*INT_MAX', input: '*2147483647\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*abc', input: '*abc\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '* empty count', input: '*\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*3000000000 (above INT_MAX)', input: '*3000000000\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*2147483648', input: '*2147483648\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*+1', input: '*+1\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*01', input: '*01\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*-0', input: '*-0\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*- alone', input: '*-\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '* 1 (space)', input: '* 1\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*1 (trailing space)', input: '*1 \r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*INT64_MIN-1 overflows', input: '*-9223372036854775809\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*21 digits', input: '*-12345678901234567890\r\n', cmds: [], error: PROTOCOL.INVALID_MULTIBULK },
  { name: '*1 then +foo', input: '*1\r\n+foo\r\n', cmds: [], error: PROTOCOL.expectedDollar('+') },
  { name: '*1 then :1', input: '*1\r\n:1\r\n', cmds: [], error: PROTOCOL.expectedDollar(':') },
  { name: 'expected $ got a high byte', input: '*1\r\n\xff\r\n', cmds: [], error: PROTOCOL.expectedDollar('\xff') },
  { name: '$-2', input: '*1\r\n$-2\r\n', cmds: [], error: PROTOCOL.INVALID_BULK },
  { name: '$-1 in a request', input: '*1\r\n$-1\r\n', cmds: [], error: PROTOCOL.INVALID_BULK },
  { name: '$abc', input: '*1\r\n$abc\r\n', cmds: [], error: PROTOCOL.INVALID_BULK },
  { name: '$ empty length', input: '*1\r\n$\r\n', cmds: [], error: PROTOCOL.INVALID_BULK },
  { name: '$04', input: '*1\r\n$04\r\nPING\r\n', cmds: [], error: PROTOCOL.INVALID_BULK },
  { name: '$+4', input: '*1\r\n$+4\r\nPING\r\n', cmds: [], error: PROTOCOL.INVALID_BULK },
  { name: 'bulk above proto-max-bulk-len', input: '*1\r\n$536870913\r\n', cmds: [], error: PROTOCOL.INVALID_BULK },
  { name: 'bulk at proto-max-bulk-len (small limit) waits', input: '*1\r\n$1048576\r\nabc', cmds: [], opts: { maxBulkLen: 1048576 } },
  { name: 'bulk above a small proto-max-bulk-len', input: '*1\r\n$1048577\r\n', cmds: [], error: PROTOCOL.INVALID_BULK, opts: { maxBulkLen: 1048576 } },
  { name: 'bulk of 2^63', input: '*1\r\n$9223372036854775808\r\n', cmds: [], error: PROTOCOL.INVALID_BULK },
  { name: 'commands before an error are delivered', input: 'PING\r\n' + mb('ECHO', 'a') + '*abc\r\n' + mb('PING'), cmds: [['PING'], ['ECHO', 'a']], error: PROTOCOL.INVALID_MULTIBULK },
  { name: 'error in the second argument', input: '*2\r\n$4\r\nECHO\r\n+x\r\n', cmds: [], error: PROTOCOL.expectedDollar('+') },
  // The bounds of the whole-request fast path (readWhole): either side must decode the same.
  { name: 'nine arguments', input: mb('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4'), cmds: [['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4']], buffered: 0 },
  { name: 'ten arguments', input: mb('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e'), cmds: [['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e']], buffered: 0 },
  { name: 'bulk of 16384 bytes', input: mb('ECHO', 'y'.repeat(16384)), cmds: [['ECHO', 'y'.repeat(16384)]], buffered: 0 },
  { name: 'bulk of 16385 bytes', input: mb('ECHO', 'y'.repeat(16385)), cmds: [['ECHO', 'y'.repeat(16385)]], buffered: 0 },
  { name: 'bulk of 99999 bytes (five digits)', input: mb('ECHO', 'y'.repeat(99999)), cmds: [['ECHO', 'y'.repeat(99999)]], buffered: 0, noBytes: true },
  { name: 'unauthenticated complete $16385', input: mb('ECHO', 'y'.repeat(16385)), cmds: [], error: PROTOCOL.UNAUTH_BULK, opts: { authenticated: false } },
  { name: 'two-digit count (*21: MSET of 10 pairs)', input: mb('MSET', ...Array.from({ length: 20 }, (_, i) => `k${i}`)) + mb('PING'), cmds: [['MSET', ...Array.from({ length: 20 }, (_, i) => `k${i}`)], ['PING']], buffered: 0 },
  { name: 'count of 99, then of 100', input: mb(...Array.from({ length: 99 }, (_, i) => `a${i}`)) + mb(...Array.from({ length: 100 }, (_, i) => `b${i}`)), cmds: [Array.from({ length: 99 }, (_, i) => `a${i}`), Array.from({ length: 100 }, (_, i) => `b${i}`)], buffered: 0 },
  { name: 'unauthenticated complete *10', input: mb('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e'), cmds: [['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e']], buffered: 0, opts: { authenticated: false } },
  { name: 'unauthenticated complete *11', input: mb('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', 'f'), cmds: [], error: PROTOCOL.UNAUTH_MBULK, opts: { authenticated: false } },
  { name: '$0 then $00', input: mb('GET', '') + '*2\r\n$3\r\nGET\r\n$00\r\n\r\n', cmds: [['GET', '']], error: PROTOCOL.INVALID_BULK },
  { name: 'bulk data not followed by CRLF', input: '*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n', cmds: [['PING'], ['PING']], buffered: 0 },
  { name: 'count not followed by LF', input: '*1\rx$4\r\nPING\r\n', cmds: [['PING']], buffered: 0 },
  { name: 'second header not followed by LF', input: '*2\r\n$4\r\nECHO\r\n$1\rxa\r\n', cmds: [['ECHO', 'a']], buffered: 0 },
  // Inline requests.
  { name: 'inline CRLF', input: 'PING\r\n', cmds: [['PING']], buffered: 0 },
  { name: 'inline LF only', input: 'PING\n', cmds: [['PING']] },
  { name: 'inline spaces and tabs', input: '  SET \t k   v  \r\n', cmds: [['SET', 'k', 'v']] },
  { name: 'inline quoted', input: 'SET k "a b" \'c d\'\r\n', cmds: [['SET', 'k', 'a b', 'c d']] },
  { name: 'inline \\x escapes', input: 'ECHO "\\x41\\x00\\xff\\n"\r\n', cmds: [['ECHO', 'A\x00\xff\n']] },
  { name: 'inline empty quoted arg', input: 'SET k ""\r\n', cmds: [['SET', 'k', '']] },
  { name: 'empty lines are skipped', input: '\r\n\n\r\n' + 'PING\r\n', cmds: [['PING']], buffered: 0 },
  { name: 'CRLF only', input: '\r\n', cmds: [], buffered: 0 },
  { name: 'blank line of spaces', input: '   \r\n', cmds: [], buffered: 0 },
  { name: 'CR alone in an inline line stays in the line', input: 'ECHO a\rb\r\n', cmds: [['ECHO', 'a', 'b']] },
  { name: '$5 at top level is an inline command', input: '$5\r\nhello\r\n', cmds: [['$5'], ['hello']] },
  { name: '+foo at top level is an inline command', input: '+foo\r\n', cmds: [['+foo']] },
  { name: 'inline unbalanced double quote', input: 'SET k "abc\r\n', cmds: [], error: PROTOCOL.UNBALANCED_QUOTES },
  { name: 'inline unbalanced single quote', input: "SET k 'abc\r\n", cmds: [], error: PROTOCOL.UNBALANCED_QUOTES },
  { name: 'inline "a"b', input: '"a"b\r\n', cmds: [], error: PROTOCOL.UNBALANCED_QUOTES },
  { name: 'inline line without newline waits', input: 'PING', cmds: [], buffered: 4 },
  { name: 'mixed inline and multibulk', input: 'PING\r\n' + mb('ECHO', 'x') + 'ECHO y\r\n', cmds: [['PING'], ['ECHO', 'x'], ['ECHO', 'y']] },
  // strchr() stops at NUL: the line end behind a NUL is never seen.
  { name: 'NUL before LF in an inline line waits', input: 'PING\x00\r\nPING\r\n', cmds: [], buffered: 13 },
  { name: 'NUL in a multibulk count waits', input: '*1\x00\r\n$4\r\nPING\r\n', cmds: [] },
  { name: 'NUL in a bulk header waits', input: '*1\r\n$4\x00\r\nPING\r\n', cmds: [] },
  { name: 'NUL inside bulk data is fine', input: mb('ECHO', '\x00\x00'), cmds: [['ECHO', '\x00\x00']] },
  { name: 'NUL after the line end is fine', input: 'PING\r\n\x00', cmds: [['PING']] },
  // The 64 KB line limit.
  { name: 'inline of exactly 64 KB without newline waits', input: 'a'.repeat(INLINE_MAX), cmds: [], buffered: INLINE_MAX },
  { name: 'inline of 64 KB + 1 without newline', input: 'a'.repeat(INLINE_MAX + 1), cmds: [], error: PROTOCOL.TOO_BIG_INLINE },
  { name: '70 KB inline line without newline', input: 'PING\r\n' + 'a'.repeat(70 * 1024), cmds: [['PING']], error: PROTOCOL.TOO_BIG_INLINE },
  { name: '70 KB of * without CRLF', input: '*'.repeat(70 * 1024), cmds: [], error: PROTOCOL.TOO_BIG_MBULK },
  { name: '70 KB bulk count without CR', input: '*1\r\n$' + '1'.repeat(70 * 1024), cmds: [], error: PROTOCOL.TOO_BIG_BULK },
  { name: 'NUL-blocked inline past 64 KB', input: 'PING\x00' + 'a'.repeat(INLINE_MAX), cmds: [], error: PROTOCOL.TOO_BIG_INLINE },
  // Unauthenticated clients.
  { name: 'unauthenticated *10 is fine', input: '*10\r\n', cmds: [], opts: { authenticated: false } },
  { name: 'unauthenticated *11', input: '*11\r\n', cmds: [], error: PROTOCOL.UNAUTH_MBULK, opts: { authenticated: false } },
  { name: 'unauthenticated *MAX_ARGS+1: the unauthenticated error first, as Redis below INT_MAX', input: `*${MAX_ARGS + 1}\r\n`, cmds: [], error: PROTOCOL.UNAUTH_MBULK, opts: { authenticated: false } },
  { name: 'unauthenticated $16384 is fine', input: '*1\r\n$16384\r\n', cmds: [], opts: { authenticated: false } },
  { name: 'unauthenticated $16385', input: '*1\r\n$16385\r\n', cmds: [], error: PROTOCOL.UNAUTH_BULK, opts: { authenticated: false } },
  { name: 'unauthenticated inline of any size', input: 'AUTH ' + 'p'.repeat(20000) + '\r\n', cmds: [['AUTH', 'p'.repeat(20000)]], opts: { authenticated: false } },
];

for (const c of CASES) {
  test(`decode: ${c.name}`, (t) => {
    const input = typeof c.input === 'string' ? bin(c.input) : c.input;
    const expected: Outcome = whole(input, c.opts);
    t.deepEqual(expected.cmds, c.cmds, 'commands (whole)');
    t.is(expected.error, c.error ?? null, 'error (whole)');
    if (c.buffered !== undefined) t.is(expected.buffered, c.buffered, 'bytes left waiting');
    if (!c.noBytes) t.deepEqual(byteByByte(input, c.opts), expected, 'one byte at a time');
    const rng = mulberry32(input.length);
    for (let i = 0; i < 30; i++) {
      const cuts = randomCuts(input.length, rng);
      t.deepEqual(feed(input, cuts, c.opts), expected, `split at ${cuts.join(',')}`);
    }
  });
}

test('a 70 KB inline line that does end within the chunk is accepted', (t) => {
  // Redis checks the 64 KB limit only while no newline has arrived yet.
  const line = 'ECHO ' + 'a'.repeat(70 * 1024);
  t.deepEqual(whole(bin(line + '\r\n')).cmds, [['ECHO', 'a'.repeat(70 * 1024)]]);
});

test('nothing is allocated from a declared size', (t) => {
  const cmds: string[][] = [];
  const d = decoder({}, cmds);
  d.push(bin(`*${MAX_ARGS}\r\n`));
  t.is(d.buffered, 0);
  const d2 = decoder({}, cmds);
  const before = process.memoryUsage().arrayBuffers;
  d2.push(bin('*1\r\n$536870912\r\nabc'));
  t.is(d2.buffered, 15);
  t.true(process.memoryUsage().arrayBuffers - before < 1024 * 1024, 'no buffer sized from the header');
});

test('a bulk too long for a JS string is received, not kept, then refused', (t) => {
  const cmds: string[][] = [];
  const d = decoder({}, cmds);
  d.push(bin('*1\r\n$536870912\r\n'));
  const chunk = Buffer.alloc(1024 * 1024, 'z');
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 511; i++) d.push(chunk);
  t.true(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024, 'bytes are not kept');
  t.true(d.buffered > 511 * 1024 * 1024);
  const err = t.throws(() => d.push(Buffer.alloc(1024 * 1024 + 2, 'z')), { instanceOf: ProtocolError });
  t.is(err?.message, PROTOCOL.INVALID_BULK);
  t.is(cmds.length, 0);
});

test('a big bulk arriving in many chunks is joined once and counted in buffered', (t) => {
  const cmds: string[][] = [];
  const d = decoder({}, cmds);
  const value = Buffer.alloc(1024 * 1024, 'v');
  d.push(bin('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n'));
  for (let i = 0; i < value.length; i += 1000) d.push(value.subarray(i, i + 1000));
  t.is(cmds.length, 0);
  t.true(d.buffered >= value.length);
  d.push(bin('\r\n*1\r\n$4\r\nPING\r\n'));
  t.is(cmds.length, 2);
  t.is(cmds[0][2].length, value.length);
  t.deepEqual(cmds[1], ['PING']);
  t.is(d.buffered, 0);
});

test('held: the memory a query buffer keeps between reads, and the arguments of a request received in part (what the used memory counts), none once consumed', (t) => {
  const cmds: string[][] = [];
  const d = decoder({}, cmds);
  d.push(bin(mb('PING') + mb('ECHO', 'x')));
  t.is(d.held, 0, 'parsed in place: nothing kept');
  d.push(bin('*1\r\n$4\r\nPI'));
  t.is(d.held, 6, 'a small leftover (after the parsed `*1` header) is copied exactly');
  d.push(bin('NG\r\n'));
  t.is(d.held, 0);
  // A big bulk: its chunks, from its header on, as they arrive (not its declared length).
  // ECHO, parsed, is held as an argument (Redis's c->argv).
  d.push(bin('*2\r\n$4\r\nECHO\r\n$1000000\r\n'));
  t.is(d.held, 10 + 4);
  for (let i = 0; i < 10; i++) d.push(Buffer.alloc(50_000, 'v'));
  t.is(d.held, 10 + 4 + 500_000);
  d.push(Buffer.alloc(500_000, 'v'));
  d.push(bin('\r\n'));
  t.is(cmds.length, 4);
  t.is(d.held, 0);
  // Held input (paused): the buffer it is kept in, with its room to grow.
  d.pause();
  const many = bin(mb('PING').repeat(1000));
  d.push(many);
  t.true(d.held >= many.length);
  d.resume();
  t.is(d.held, 0);
  d.pause();
  d.push(many);
  d.stop();
  t.is(d.held, 0, 'stop() frees it');
  // Arguments parsed so far count until the request completes, or the decoder stops.
  const e = decoder({}, cmds);
  e.push(bin(`*4\r\n$3\r\nDEL\r\n$5\r\nkey:1\r\n$5\r\nkey:2\r\n`));
  t.is(e.held, 13);
  t.is(e.partialArgBytes, 13);
  e.push(bin('$5\r\nkey:3\r\n'));
  t.is(e.held, 0);
  e.push(bin(`*3\r\n$3\r\nDEL\r\n$5\r\nkey:1\r\n`));
  t.is(e.held, 8);
  e.stop();
  t.is(e.held, 0, 'stop() frees the arguments too');
});

test('a line arriving one byte at a time is not rescanned (linear time)', (t) => {
  const d = decoder({}, []);
  const start = process.hrtime.bigint();
  const err = t.throws(() => {
    for (let i = 0; i < 200_000; i++) d.push(bin('a'));
  }, { instanceOf: ProtocolError });
  t.is(err?.message, PROTOCOL.TOO_BIG_INLINE);
  // Quadratic rescanning would take minutes; linear takes well under a second (margin for slow CI).
  t.true(Number(process.hrtime.bigint() - start) / 1e6 < 5000, 'took too long');
});

test('pause() holds back commands, resume() delivers them in order', (t) => {
  const cmds: string[][] = [];
  const d = new RequestDecoder((a) => {
    cmds.push(a);
    if (a[0] === 'PAUSE') d.pause();
  });
  d.push(bin('PING\r\nPAUSE\r\nECHO a\r\n' + mb('ECHO', 'b')));
  t.deepEqual(cmds, [['PING'], ['PAUSE']]);
  t.true(d.halted);
  d.push(bin('ECHO c\r\n*abc\r\n')); // kept, not parsed
  t.is(cmds.length, 2);
  const err = t.throws(() => d.resume(), { instanceOf: ProtocolError });
  t.is(err?.message, PROTOCOL.INVALID_MULTIBULK);
  t.deepEqual(cmds.slice(2), [['ECHO', 'a'], ['ECHO', 'b'], ['ECHO', 'c']]);
});

test('stop() ends delivery for good, even in the middle of a read', (t) => {
  const cmds: string[][] = [];
  const d = new RequestDecoder((a) => {
    cmds.push(a);
    if (a[0] === 'QUIT') d.stop();
  });
  d.push(bin('PING\r\nQUIT\r\nPING\r\n*abc\r\n'));
  t.deepEqual(cmds, [['PING'], ['QUIT']]);
  d.push(bin('PING\r\n'));
  d.resume();
  t.is(cmds.length, 2);
  t.is(d.buffered, 0);
});

test('parseLong is string2ll', (t) => {
  const p = (s: string): number | null => parseLong(bin(s), 0, s.length);
  t.is(p('0'), 0);
  t.is(p('-1'), -1);
  t.is(p('123'), 123);
  t.true(p('9223372036854775807')! > 9.2e18); // valid; beyond 2^53 the value itself is approximate
  t.true(p('-9223372036854775808')! < -9.2e18);
  for (const bad of ['', '-', '-0', '00', '01', '+1', ' 1', '1 ', '1a', '9223372036854775808', '-9223372036854775809', '99999999999999999999', '123456789012345678901']) {
    t.is(p(bad), null, bad);
  }
});

// --- fuzz --------------------------------------------------------------------------------------

const TEXTS = new Set<unknown>(Object.values(PROTOCOL).filter((v) => typeof v === 'string'));
const isRedisProtocolText = (m: string): boolean => TEXTS.has(m) || /^ERR Protocol error: expected '\$', got '[\s\S]'$/.test(m);

/** Decodes whole and at random split points; both must agree and fail only with Redis's texts. */
function checkInput(t: import('ava').ExecutionContext, input: Buffer, rng: Rng, label: string): Outcome {
  const a = whole(input);
  if (a.error !== null && !isRedisProtocolText(a.error)) t.fail(`${label}: unexpected error text ${a.error}`);
  const b = feed(input, randomCuts(input.length, rng));
  if (JSON.stringify(a) !== JSON.stringify(b)) t.fail(`${label}: split decoding differs for ${JSON.stringify(input.toString('latin1'))}`);
  if (a.error === null && a.buffered > input.length) t.fail(`${label}: buffered more than received`);
  return a;
}

const ALPHABET = bin('*$\r\n0123456789-+ "\'\\xa\x00\t:PINGECHO');

test('fuzz: random bytes decode or raise a Redis protocol error', (t) => {
  const rng = mulberry32(12345);
  for (let n = 0; n < 20000; n++) {
    const len = Math.floor(rng() * 64);
    const input = Buffer.alloc(len);
    for (let i = 0; i < len; i++) input[i] = rng() < 0.8 ? ALPHABET[Math.floor(rng() * ALPHABET.length)] : Math.floor(rng() * 256);
    checkInput(t, input, rng, `random #${n}`);
  }
  t.pass();
});

function randomArg(rng: Rng): string {
  let s = '';
  for (let i = Math.floor(rng() * 12); i > 0; i--) s += String.fromCharCode(rng() < 0.7 ? 97 + Math.floor(rng() * 26) : Math.floor(rng() * 256));
  // Now and then an argument big enough for the decoder's big-bulk path.
  return rng() < 0.01 ? s + 'z'.repeat(40000 + Math.floor(rng() * 5000)) : s;
}

function randomPipeline(rng: Rng): { bytes: Buffer; cmds: string[][] } {
  const cmds: string[][] = [];
  let s = '';
  const n = 1 + Math.floor(rng() * 5);
  for (let i = 0; i < n; i++) {
    if (rng() < 0.25) {
      const words = Array.from({ length: 1 + Math.floor(rng() * 3) }, () => 'w' + Math.floor(rng() * 1000));
      s += words.join(' ') + (rng() < 0.5 ? '\r\n' : '\n');
      cmds.push(words);
    } else {
      const args = Array.from({ length: 1 + Math.floor(rng() * 4) }, () => randomArg(rng));
      s += mb(...args);
      cmds.push(args);
    }
  }
  return { bytes: bin(s), cmds };
}

function mutate(input: Buffer, rng: Rng): Buffer {
  const b = Buffer.from(input);
  const at = Math.floor(rng() * b.length);
  switch (Math.floor(rng() * 6)) {
    case 0: // flip a byte to a protocol-significant one
      b[at] = ALPHABET[Math.floor(rng() * ALPHABET.length)];
      return b;
    case 1: // random byte
      b[at] = Math.floor(rng() * 256);
      return b;
    case 2: // delete a byte
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    case 3: // insert a byte
      return Buffer.concat([b.subarray(0, at), Buffer.from([ALPHABET[Math.floor(rng() * ALPHABET.length)]]), b.subarray(at)]);
    case 4: // truncate
      return b.subarray(0, at);
    default: // duplicate a slice
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.floor(rng() * b.length)), b.subarray(at)]);
  }
}

test('fuzz: valid pipelines decode exactly; their mutations decode or raise a Redis protocol error', (t) => {
  const rng = mulberry32(777);
  for (let n = 0; n < 3000; n++) {
    const { bytes, cmds } = randomPipeline(rng);
    const ok = checkInput(t, bytes, rng, `valid #${n}`);
    t.deepEqual(ok, { cmds, error: null, buffered: 0 });
    let m = bytes;
    for (let k = 0; k < 1 + Math.floor(rng() * 3); k++) m = mutate(m, rng);
    checkInput(t, m, rng, `mutation #${n}`);
  }
});

// --- the request's own bytes (rawBuf/rawStart/rawEnd: the AOF copies them) ----------------------

/** Feeds `input` in pieces; for every command, the raw bytes given (or null). */
function feedRaw(input: Buffer, cuts: number[]): { args: string[]; raw: Buffer | null }[] {
  const out: { args: string[]; raw: Buffer | null }[] = [];
  const d: RequestDecoder = new RequestDecoder((args) => {
    out.push({ args, raw: d.rawStart >= 0 ? Buffer.from(d.rawBuf.subarray(d.rawStart, d.rawEnd)) : null });
  });
  pushAll(d, input, cuts);
  // Outside onCommand no raw bytes are ever announced.
  if (d.rawStart !== -1) throw new Error('rawStart set outside onCommand');
  return out;
}

test('raw bytes, when given, are exactly the arguments in canonical RESP; whole canonical requests always give them', (t) => {
  const rng = mulberry32(4242);
  let given = 0;
  const check = (input: Buffer, cuts: number[], label: string): void => {
    for (const { args, raw } of feedRaw(input, cuts)) {
      if (raw === null) continue;
      given++;
      if (!raw.equals(bin(mb(...args)))) t.fail(`${label}: raw ${JSON.stringify(raw.toString('latin1'))} for ${JSON.stringify(args)}`);
    }
  };
  for (let n = 0; n < 3000; n++) {
    const { bytes, cmds } = randomPipeline(rng);
    // Fed whole, every multibulk request of ordinary size gives its bytes (inline ones never).
    const got = feedRaw(bytes, []);
    t.is(got.length, cmds.length);
    for (const { args, raw } of got) {
      const canonical = bin(mb(...args));
      const isInline = !bytes.includes(canonical);
      const big = args.some((a) => a.length >= 32 * 1024);
      if (!isInline && !big && raw === null) t.fail(`valid #${n}: no raw bytes for ${JSON.stringify(args)}`);
    }
    check(bytes, randomCuts(bytes.length, rng), `valid #${n} split`);
    check(bytes, Array.from({ length: Math.max(0, Math.min(bytes.length, 200) - 1) }, (_, i) => i + 1), `valid #${n} bytewise`);
    let m = bytes;
    for (let k = 0; k < 1 + Math.floor(rng() * 3); k++) m = mutate(m, rng);
    check(m, [], `mutation #${n}`);
    check(m, randomCuts(m.length, rng), `mutation #${n} split`);
  }
  // Redis accepts any byte after a CR, and any two bytes after a bulk: such a request is run, but
  // its bytes are not what the AOF must hold, so none are given.
  for (const odd of ['*1\rX$4\r\nPING\r\n', '*1\r\n$4\rXPING\r\n', '*1\r\n$4\r\nPINGXY', '*2\r\n$3\r\nGET\r\n$1\r\nk\n\n']) {
    const got = feedRaw(bin(odd), []);
    t.is(got.length, 1, odd);
    t.is(got[0].raw, null, JSON.stringify(odd));
  }
  t.true(given > 5000, `raw bytes given ${given} times`);
});

test('inline lines: the plain-words fast path splits exactly as sdssplitargs (splitArgs)', (t) => {
  const rng = mulberry32(99);
  const pool = bin(' \t\r\x0b\x0c"\'\\xabcPING0123456789\xff\x80');
  for (let n = 0; n < 20000; n++) {
    const len = Math.floor(rng() * 24);
    const line = Buffer.alloc(len);
    for (let i = 0; i < len; i++) line[i] = pool[Math.floor(rng() * pool.length)];
    if (line[0] === 42 /* '*' */) continue;
    let text = line.toString('latin1');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const expected = splitArgs(text);
    const got = whole(Buffer.concat([line, bin('\n')]));
    if (expected === null) t.is(got.error, PROTOCOL.UNBALANCED_QUOTES, JSON.stringify(text));
    else t.deepEqual(got.cmds, expected.length > 0 ? [expected] : [], JSON.stringify(text));
  }
});

test('a pipeline streamed in 64 KB reads reuses one buffer for its leftovers, not a new one per read', (t) => {
  const parts: string[] = [];
  for (let i = 0; i < 100_000; i++) parts.push(mb('SET', `key:${i}`, 'v'.repeat(i % 40)));
  const input = bin(parts.join(''));
  const cuts: number[] = [];
  for (let at = 65536; at < input.length; at += 65536) cuts.push(at);
  let count = 0;
  const cmds: string[][] = [];
  const d = decoder({}, cmds);
  const allocUnsafe = Buffer.allocUnsafe;
  Buffer.allocUnsafe = ((size: number) => {
    count++;
    return allocUnsafe(size);
  }) as typeof Buffer.allocUnsafe;
  try {
    t.is(pushAll(d, input, cuts), null);
  } finally {
    Buffer.allocUnsafe = allocUnsafe;
  }
  t.is(cmds.length, 100_000);
  // Almost every read ends mid-request: one new buffer per read before (83 for these 83 reads).
  t.true(count < cuts.length / 4, `${count} buffers allocated for ${cuts.length + 1} reads`);
});

// --- pause()/resume() while pieces arrive through one reused read buffer -------------------------

/** A long pipeline of small SETs (now and then inline, or with a big value), so reads end mid-request. */
function longPipeline(rng: Rng): { bytes: Buffer; cmds: string[][] } {
  const cmds: string[][] = [];
  const parts: string[] = [];
  for (let i = 200 + pick(rng, 2000); i > 0; i--) {
    const r = rng();
    if (r < 0.05) {
      const args = ['SET', `k${i}`, `i${pick(rng, 1000)}`];
      parts.push(args.join(' ') + '\r\n');
      cmds.push(args);
    } else {
      const args = ['SET', `key:${i}`, r < 0.051 ? 'b'.repeat(32 * 1024 + pick(rng, 40_000)) : 'v'.repeat(pick(rng, 40))];
      parts.push(mb(...args));
      cmds.push(args);
    }
  }
  return { bytes: bin(parts.join('')), cmds };
}

/** A read size: 0 tiny, 1 small, 2 streamed (>= 16 KB), else any size from 1 byte to 70 KB. */
function readSize(rng: Rng, mode: number): number {
  if (mode === 0) return 1 + pick(rng, 8);
  if (mode === 1) return 1 + pick(rng, 600);
  if (mode === 2) return 16 * 1024 + pick(rng, 54 * 1024);
  const r = rng();
  return r < 0.3 ? 1 + pick(rng, 8) : r < 0.6 ? 1 + pick(rng, 2000) : 1 + pick(rng, 70 * 1024);
}

/** Element-wise comparison (t.deepEqual is far too slow for thousands of long pipelines). */
const sameCmds = (a: string[][], b: string[][]): boolean =>
  a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((s, k) => s === b[i][k]));

interface Delivery {
  cmds: { args: string[]; raw: Buffer | null }[];
  error: string | null;
  buffered: number;
}

/**
 * Feeds `input` in reads of `mode`'s sizes, each through pushAll (one reused buffer, scribbled over
 * after the push), pausing from inside onCommand and pausing/resuming (paused or not) between
 * reads at the given rates; after the last read, resumes until everything is delivered.
 */
function feedPausing(input: Buffer, rng: Rng, mode: number, rates: { inCmd: number; pause: number; resume: number }): Delivery {
  const cmds: Delivery['cmds'] = [];
  const d: RequestDecoder = new RequestDecoder((args) => {
    cmds.push({ args, raw: d.rawStart >= 0 ? Buffer.from(d.rawBuf.subarray(d.rawStart, d.rawEnd)) : null });
    if (rng() < rates.inCmd) d.pause();
  });
  try {
    for (let from = 0; from < input.length; ) {
      const to = Math.min(input.length, from + readSize(rng, mode));
      const e = pushAll(d, input.subarray(from, to), []);
      if (e !== null) throw e;
      from = to;
      if (rng() < rates.pause) d.pause();
      if (rng() < rates.resume) d.resume();
    }
    for (let i = 0; d.halted; i++) {
      if (i > input.length) throw new Error('resume() never delivers everything');
      d.resume();
    }
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return { cmds, error: e.message, buffered: -1 };
  }
  if (d.rawStart !== -1) throw new Error('rawStart set outside onCommand');
  return { cmds, error: null, buffered: d.buffered };
}

test('fuzz: pause()/resume() between and inside reads from a reused buffer deliver what one whole push does', (t) => {
  const rng = mulberry32(2718);
  const CASES = 3000;
  const bad: string[] = [];
  let rawGiven = 0;
  for (let n = 0; n < CASES; n++) {
    let bytes: Buffer;
    let cmds: string[][];
    let mode: number;
    if (n % 10 === 0) {
      ({ bytes, cmds } = longPipeline(rng));
      mode = 2 + pick(rng, 2);
    } else {
      const ps = Array.from({ length: 1 + pick(rng, 8) }, () => randomPipeline(rng));
      bytes = Buffer.concat(ps.map((p) => p.bytes));
      cmds = ps.flatMap((p) => p.cmds);
      mode = pick(rng, 4);
    }
    const rates = { inCmd: [0, 0.05, 0.3, 0.9][pick(rng, 4)], pause: rng() * 0.5, resume: rng() };
    const label = `case #${n} (${bytes.length} bytes, ${cmds.length} commands, read mode ${mode}, rates ${JSON.stringify(rates)})`;
    // Reference: the whole input in one push of a buffer nobody reuses, no pauses.
    const ref: { args: string[]; raw: Buffer | null }[] = [];
    const w: RequestDecoder = new RequestDecoder((args) => {
      ref.push({ args, raw: w.rawStart >= 0 ? Buffer.from(w.rawBuf.subarray(w.rawStart, w.rawEnd)) : null });
    });
    w.push(bytes);
    if (!sameCmds(ref.map((c) => c.args), cmds)) t.fail(`${label}: whole input decodes differently`);
    let got: Delivery;
    try {
      got = feedPausing(bytes, rng, mode, rates);
    } catch (e) {
      bad.push(`${label}: threw ${String(e)}`);
      continue;
    }
    let why = got.error !== null ? `error ${got.error}` : got.buffered !== 0 ? `${got.buffered} bytes left` : '';
    if (why === '' && got.cmds.length !== ref.length) why = `${got.cmds.length} commands, not ${ref.length}`;
    for (let i = 0; why === '' && i < ref.length; i++) {
      const { args, raw } = got.cmds[i];
      if (!sameCmds([args], [ref[i].args])) {
        why = `command ${i} is ${JSON.stringify(args).slice(0, 200)}, not ${JSON.stringify(ref[i].args).slice(0, 200)}`;
      } else if (raw !== null) {
        rawGiven++;
        if (ref[i].raw === null || !raw.equals(ref[i].raw!)) why = `command ${i}: raw bytes ${JSON.stringify(raw.toString('latin1')).slice(0, 200)}`;
      }
    }
    if (why !== '') bad.push(`${label}: ${why}`);
  }
  t.is(bad.length, 0, `${bad.length}/${CASES} cases differ; first: ${bad.slice(0, 3).join(' | ')}`);
  t.true(rawGiven > 100_000, `raw bytes given ${rawGiven} times`);
});

test('once a request ran, the decoder keeps no reference to the buffer it was parsed from (found in review)', (t) => {
  // Held input replayed from one buffer of tens of MB: rawBuf kept it alive after the last
  // command, for as long as the client stayed idle, uncounted in the used memory.
  const cmds: string[][] = [];
  const d = decoder({}, cmds);
  d.pause();
  const req = Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\n' + 'v'.repeat(100) + '\r\n');
  for (let i = 0; i < 1000; i++) d.push(Buffer.from(req));
  t.true(d.held > 100_000);
  d.resume();
  t.is(cmds.length, 1000);
  t.is(d.held, 0);
  t.is(d.rawBuf.length, 0);
  t.is(d.rawArgs.length, 0);
});

// --- the whole-request fast path (readWhole) against the exact path alone ------------------------

/** The decoder with readWhole() off: every request takes the exact path (the reference). */
class ExactOnly extends RequestDecoder {}
(ExactOnly.prototype as unknown as { readWhole: () => boolean }).readWhole = () => false;

/** The decoder as it is, counting the requests its fast path parses. */
let wholeParsed = 0;
class Counting extends RequestDecoder {}
const readWhole = (RequestDecoder.prototype as unknown as { readWhole: () => boolean }).readWhole;
(Counting.prototype as unknown as { readWhole: () => boolean }).readWhole = function (this: RequestDecoder) {
  const ok = readWhole.call(this);
  if (ok) wholeParsed++;
  return ok;
};

interface Trace {
  /** Per command: its arguments, the raw bytes given (or null) and `held`/`buffered` at that moment. */
  log: string[];
  error: string | null;
  buffered: number;
  held: number;
}

/**
 * A request near readWhole's bounds: 0-12 arguments, lengths around 16384, "$0"; one in four has
 * one oddity (a count or length with a sign, a leading zero or a NUL, a line end other than CRLF).
 */
function edgyRequest(rng: Rng): string {
  const n = pick(rng, 10) === 0 ? pick(rng, 13) : 1 + pick(rng, 9);
  const odd = rng() < 0.25 ? pick(rng, 2 * n + 1) : -1;
  let line = 0;
  const eol = (): string => (line++ !== odd || rng() < 0.5 ? '\r\n' : ['\r', '\n', '\rX', '\r\x00', '\x00\r\n', ''][pick(rng, 6)]);
  const num = (prefix: string, v: number): string =>
    line !== odd || rng() < 0.5 ? `${prefix}${v}` : [`${prefix}0${v}`, `${prefix}+${v}`, `${prefix}${v} `, `${prefix}-${v}`, `${prefix}${v}\x00`, `:${v}`][pick(rng, 6)];
  let s = num('*', n) + eol();
  for (let a = 0; a < n; a++) {
    const r = rng();
    const len = r < 0.75 ? pick(rng, 12) : r < 0.78 ? 16380 + pick(rng, 8) : r < 0.9 ? 0 : pick(rng, 200);
    const data = String.fromCharCode(...Array.from({ length: len }, () => (rng() < 0.8 ? 97 + pick(rng, 26) : pick(rng, 256))));
    s += num('$', len) + eol() + data;
    s += eol();
  }
  return s;
}

function traceOf(Ctor: typeof RequestDecoder, input: Buffer, cuts: number[], opts: { authenticated: boolean; pauseEvery: number }): Trace {
  const log: string[] = [];
  let k = 0;
  const d: RequestDecoder = new Ctor((args) => {
    const raw = d.rawStart >= 0 ? d.rawBuf.latin1Slice(d.rawStart, d.rawEnd) : null;
    log.push(JSON.stringify([args, raw]));
    if (opts.pauseEvery > 0 && ++k % opts.pauseEvery === 0) d.pause();
  });
  d.authenticated = opts.authenticated;
  let from = 0;
  let error: string | null = null;
  for (const to of [...cuts, input.length]) {
    const e = pushAll(d, input.subarray(from, to), []);
    if (e === null && d.halted) {
      // Resumed at once half the time, else with the next read.
      if (k % 2 === 0) {
        try {
          d.resume();
        } catch (x) {
          if (!(x instanceof ProtocolError)) throw x;
          error = x.message;
          break;
        }
      }
    }
    if (e !== null) {
      error = e.message;
      break;
    }
    log.push(`read ${to}: buffered ${d.buffered} held ${d.held} qbuf ${d.queryBufferAfter(0)}`);
    from = to;
  }
  try {
    while (error === null && d.halted) d.resume();
  } catch (x) {
    if (!(x instanceof ProtocolError)) throw x;
    error = x.message;
  }
  return error !== null ? { log, error, buffered: -1, held: -1 } : { log, error, buffered: d.buffered, held: d.held };
}

test('fuzz: the whole-request fast path decodes every byte stream as the exact path does (commands, raw bytes, errors, buffered/held)', (t) => {
  const rng = mulberry32(20261127);
  const bad: string[] = [];
  wholeParsed = 0;
  let errs = 0;
  let cmdsSeen = 0;
  const started = Date.now();
  for (let n = 0; n < 2000; n++) {
    const parts: string[] = [];
    for (let i = 1 + pick(rng, 6); i > 0; i--) parts.push(rng() < 0.8 ? edgyRequest(rng) : mb(...Array.from({ length: 1 + pick(rng, 4) }, () => randomArg(rng))));
    let input = bin(parts.join(''));
    if (rng() < 0.3) input = mutate(input, rng);
    let cuts = rng() < 0.2 ? [] : randomCuts(input.length, rng);
    if (n % 100 === 0) {
      // Streamed reads (16 KB and more): leftovers go to a buffer with room, whose bytes past the
      // end are stale; the fast path must never read a request from them.
      input = Buffer.concat([longPipeline(rng).bytes, input]);
      cuts = [];
      for (let at = 16 * 1024 + pick(rng, 50_000); at < input.length; at += 16 * 1024 + pick(rng, 50_000)) cuts.push(at);
    }
    const opts = { authenticated: rng() < 0.7, pauseEvery: rng() < 0.3 ? 1 + pick(rng, 3) : 0 };
    const a = traceOf(ExactOnly, input, cuts, opts);
    const b = traceOf(Counting, input, cuts, opts);
    if (b.error !== null) errs++;
    cmdsSeen += b.log.filter((l) => !l.startsWith('read')).length;
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      bad.push(`#${n} ${JSON.stringify(input.toString('latin1')).slice(0, 300)} cuts ${cuts.join(',')} ${JSON.stringify(opts)}`);
    }
  }
  t.is(bad.length, 0, `${bad.length} streams differ; first: ${bad.slice(0, 2).join(' | ')}`);
  t.log(`${wholeParsed} by the fast path, ${Date.now() - started} ms, errors ${errs}, cmds ${cmdsSeen}`);
  t.true(wholeParsed > 10_000, `${wholeParsed} requests parsed by the fast path`);
});
