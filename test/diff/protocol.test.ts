// Protocol errors and request framing, differential: the same raw bytes go to Keystonelight and to
// a real redis-server 7.0; the exact bytes answered, and whether each closed the connection, must
// be the same. Also: nothing is allocated from a declared size before the bytes arrive.

import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { startServer, type RunningServer } from '../../src/index.js';
import { startRealRedis, type RealRedis } from '../helpers/redis.js';
import { exchange, type Exchange } from '../helpers/exchange.js';
import { needBinary } from '../helpers/bins.js';
import { mulberry32, pick, type Rng } from '../helpers/rng.js';
import { startBundle } from '../helpers/bundle.js';
import { RawClient } from '../helpers/raw.js';

interface Pair {
  ks: RunningServer;
  redis: RealRedis;
}

/** Server pairs by configuration, started on first use, stopped after all tests. */
const CONFIGS: Record<string, Record<string, string>> = {
  default: {},
  auth: { requirepass: 'pw' },
  limits: { 'client-query-buffer-limit': '1mb', 'proto-max-bulk-len': '1mb' },
  obuf: { 'client-output-buffer-limit': 'normal 100000 0 0' },
  // The same, for tests whose keys must not show in the KEYS of the one above (tests run at once).
  obufDeferred: { 'client-output-buffer-limit': 'normal 100000 0 0', 'enable-debug-command': 'yes' },
  obufTrim: { 'client-output-buffer-limit': 'normal 100000 0 0' },
  // A client that does not read: its output waits in the socket while more is added.
  obufQueued: { 'client-output-buffer-limit': 'normal 19500000 0 0' },
  debug: { 'enable-debug-command': 'yes' },
};
const pairs = new Map<string, Promise<Pair>>();

function pair(name: keyof typeof CONFIGS): Promise<Pair> {
  let p = pairs.get(name);
  if (!p) {
    const cfg = CONFIGS[name];
    const redisArgs = Object.entries(cfg).flatMap(([k, v]) => [`--${k}`, v]);
    p = Promise.all([startServer({ port: 0, config: cfg }), startRealRedis(redisArgs)]).then(([ks, redis]) => ({ ks, redis }));
    pairs.set(name, p);
  }
  return p;
}

test.after.always(async () => {
  for (const p of pairs.values()) {
    const { ks, redis } = await p;
    await Promise.all([ks.close(), redis.stop()]);
  }
});

/** One-line summary of an exchange; long answers are abbreviated (length, head, tail). */
function show(e: Exchange): string {
  const d = e.data.length <= 400 ? JSON.stringify(e.data) : `${e.data.length} bytes ${JSON.stringify(e.data.slice(0, 150))}...${JSON.stringify(e.data.slice(-150))}`;
  return `${e.closed ? 'closed' : 'open'} ${d}`;
}

/**
 * Sends the same writes to both servers. "Nothing more is coming" is judged by a quiet period, so
 * on a loaded machine a slow answer can look like no answer: a mismatch (between the two, or with
 * the answer `expect`ed of Keystonelight: a stall of this process can make both look silent, seen
 * under load) is tried once more with a much longer quiet period before it counts. The retry also
 * waits longer between writes: a server that did not get to run within the 20 ms gap reads two
 * writes as one, and a case whose first write's replies must leave before the second write closes
 * the client (output dropped) then differs for timing alone (seen under load).
 */
async function compare(ksPort: number, redisPort: number, writes: (string | Buffer)[], quietMs = 300, expect?: Exchange): Promise<[Exchange, Exchange]> {
  // No longer wait for a first byte (many cases expect none): a mismatch is run again, slower.
  const once = (quiet: number, gap: number): Promise<[Exchange, Exchange]> =>
    Promise.all([exchange(ksPort, writes, { quietMs: quiet, gapMs: gap, firstByteMs: quiet }), exchange(redisPort, writes, { quietMs: quiet, gapMs: gap, firstByteMs: quiet })]);
  const first = await once(quietMs, 20);
  return show(first[0]) === show(first[1]) && (expect === undefined || show(first[0]) === show(expect)) ? first : once(3000, 500);
}

interface ProtoCase {
  name: string;
  writes: (string | Buffer)[];
  config?: keyof typeof CONFIGS;
  /** Expected Keystonelight exchange, checked as well (documents the behaviour in this file). */
  expect?: { data: string; closed: boolean };
}

const PROTO_ERR = (what: string): string => `-ERR Protocol error: ${what}\r\n`;
const mb = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;

const CASES: ProtoCase[] = [
  { name: '*abc', writes: ['*abc\r\n'], expect: { data: PROTO_ERR('invalid multibulk length'), closed: true } },
  { name: '*-1 is ignored', writes: ['*-1\r\nPING\r\n'], expect: { data: '+PONG\r\n', closed: false } },
  { name: '*0 is ignored', writes: ['*0\r\n' + mb('PING')] },
  { name: '*3000000000', writes: ['*3000000000\r\n'], expect: { data: PROTO_ERR('invalid multibulk length'), closed: true } },
  { name: '*2147483648', writes: ['*2147483648\r\n'] },
  // Up to MAX_ARGS (2^26; Redis: INT_MAX, see test/wire/protocol-errors.test.ts) the count waits for its arguments.
  { name: '*67108864 alone waits', writes: ['*67108864\r\n'], expect: { data: '', closed: false } },
  { name: '*-9223372036854775809', writes: ['PING\r\n*-9223372036854775809\r\n'] },
  { name: '*+1 / *01 / *-0', writes: ['*+1\r\n'] },
  { name: '*01', writes: ['*01\r\n$4\r\nPING\r\n'] },
  { name: '*-0', writes: ['*-0\r\n'] },
  { name: '*1 then +foo', writes: ['*1\r\n+foo\r\n'], expect: { data: PROTO_ERR("expected '$', got '+'"), closed: true } },
  { name: '*1 then a high byte', writes: ['*1\r\n\xfe\r\n'] },
  { name: '*1 then $-2', writes: ['*1\r\n$-2\r\n'], expect: { data: PROTO_ERR('invalid bulk length'), closed: true } },
  { name: '*1 then $-1', writes: ['*1\r\n$-1\r\n'] },
  { name: '*1 then $abc', writes: ['*1\r\n$abc\r\n'] },
  { name: '$04', writes: ['*1\r\n$04\r\nPING\r\n'] },
  { name: 'bulk above proto-max-bulk-len', writes: ['*1\r\n$536870913\r\n'], expect: { data: PROTO_ERR('invalid bulk length'), closed: true } },
  { name: 'bulk at proto-max-bulk-len waits', writes: ['*1\r\n$536870912\r\nabc'], expect: { data: '', closed: false } },
  { name: '$5 at top level is inline', writes: ['$5\r\nhallo\r\n'] },
  { name: '+foo at top level is inline', writes: ['+foo\r\n'] },
  { name: 'unbalanced double quote inline', writes: ['ECHO "abc\r\n'], expect: { data: PROTO_ERR('unbalanced quotes in request'), closed: true } },
  { name: 'unbalanced single quote inline', writes: ["ECHO 'abc\r\n"] },
  { name: 'inline "a"b', writes: ['"a"b\r\n'] },
  { name: '70 KB inline line without newline', writes: ['a'.repeat(70 * 1024)], expect: { data: PROTO_ERR('too big inline request'), closed: true } },
  { name: '70 KB of * without CRLF', writes: ['*'.repeat(70 * 1024)], expect: { data: PROTO_ERR('too big mbulk count string'), closed: true } },
  { name: '70 KB bulk count without CR', writes: ['*1\r\n$' + '1'.repeat(70 * 1024)], expect: { data: PROTO_ERR('too big bulk count string'), closed: true } },
  { name: 'inline of 60 KB is fine', writes: ['ECHO ' + 'x'.repeat(60 * 1024) + '\r\n'] },
  // Both read at most 64 KB at a time, and the limit is "more than 64 KB without a newline".
  { name: 'inline of 70 KB arriving with its newline is fine', writes: ['ECHO ' + 'x'.repeat(70 * 1024) + '\r\n'] },
  { name: 'empty lines', writes: ['\r\n\r\n\n\nPING\r\n'], expect: { data: '+PONG\r\n', closed: false } },
  { name: 'CRLF only', writes: ['\r\n'], expect: { data: '', closed: false } },
  { name: 'spaces only', writes: ['   \t \r\n'] },
  { name: 'inline with \\x escapes', writes: ['ECHO "\\x41\\x00\\xff\\x7A"\r\n'], expect: { data: '$4\r\nA\x00\xffz\r\n', closed: false } },
  { name: 'inline with escapes and quotes', writes: ['ECHO "a\\tb\\"c\\\\"\r\n', "ECHO 'it\\'s'\r\n", 'ECHO "\\x4g"\r\n'] },
  { name: 'inline LF without CR', writes: ['PING\nECHO x\n'] },
  { name: 'commands before the error in the same write are answered first', writes: ['PING\r\nECHO hi\r\n' + mb('ECHO', 'there') + '*1\r\n$abc\r\nPING\r\n'], expect: { data: '+PONG\r\n$2\r\nhi\r\n$5\r\nthere\r\n' + PROTO_ERR('invalid bulk length'), closed: true } },
  { name: 'QUIT then garbage: only +OK', writes: ['QUIT\r\n*abc\r\nPING\r\n'], expect: { data: '+OK\r\n', closed: true } },
  { name: 'byte after CR is not checked', writes: ['*1\rX$4\r\nPINGxxPING\r\n'] },
  { name: 'NUL before LF in an inline line waits', writes: ['PING\x00\r\nPING\r\n'], expect: { data: '', closed: false } },
  { name: 'NUL in a bulk header waits', writes: ['*1\r\n$4\x00\r\nPING\r\n'] },
  { name: 'NUL-blocked line reaches the 64 KB limit', writes: ['PING\x00', 'a'.repeat(65 * 1024)] },
  { name: 'binary bulk data', writes: [mb('ECHO', String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i)))] },
  { name: 'empty command name', writes: ['*1\r\n$0\r\n\r\n'] },
  { name: 'request split over many writes', writes: ['*', '2\r', '\n$4', '\r\nEC', 'HO\r\n$1\r\n', 'x', '\r', '\n'] },
  { name: 'request without its last CRLF waits, then completes', writes: ['*1\r\n$4\r\nPING', '\r\n'] },
  { name: 'inline split over writes', writes: ['PI', 'NG\r', '\nECHO a'] },
  { name: 'unknown command with NUL, CR and LF in its name and args', writes: [mb('a\x00b', 'c\x00d', 'e\r\nf')] },
  { name: 'unknown command with long args', writes: [mb('x'.repeat(200), 'y'.repeat(100), 'z'.repeat(100))] },
  { name: 'unknown inline command with odd args', writes: ['NOPE a "b c" \'d\' "\\x01"\r\n'] },
  // Unauthenticated clients (requirepass set): small requests only.
  { name: 'unauthenticated *10 waits', config: 'auth', writes: ['*10\r\n'] },
  { name: 'unauthenticated *11', config: 'auth', writes: ['*11\r\n'], expect: { data: PROTO_ERR('unauthenticated multibulk length'), closed: true } },
  { name: 'unauthenticated $16385', config: 'auth', writes: ['*1\r\n$16385\r\n'], expect: { data: PROTO_ERR('unauthenticated bulk length'), closed: true } },
  { name: 'unauthenticated $16384 waits', config: 'auth', writes: ['*2\r\n$4\r\nECHO\r\n$16384\r\n'] },
  { name: 'after AUTH big requests are fine', config: 'auth', writes: ['AUTH pw\r\n' + mb('ECHO', 'y'.repeat(20000)) + '*11\r\n'] },
  { name: 'unauthenticated command', config: 'auth', writes: ['PING\r\n'] },
  // Redis's CVE-2025-21605 fix (upstream 6.2.18/7.2.8/7.4.3, in Debian's 7.0.15-1~deb12u7): a client
  // that must AUTH is closed once its replies overflow the 16 KB reply buffer (482 NOAUTH errors of
  // 34 bytes), before any of them is written; 481 still fit and are all answered.
  { name: 'unauthenticated replies that fill the reply buffer', config: 'auth', writes: [mb('SET', 'x', '5').repeat(481)] },
  { name: 'unauthenticated replies past the reply buffer close the client', config: 'auth', writes: [mb('SET', 'x', '5').repeat(482)], expect: { data: '', closed: true } },
  { name: 'unauthenticated replies past the reply buffer, many', config: 'auth', writes: [mb('SET', 'x', '5').repeat(5000)], expect: { data: '', closed: true } },
  // AUTH later in the same pipeline: its +OK still fits, and what follows is authenticated; a failed
  // AUTH's error (64 bytes) after 480 NOAUTH errors (16320 bytes) just fits, after 481 it does not.
  { name: 'AUTH after 481 unauthenticated replies, then a reply past the buffer', config: 'auth', writes: [mb('SET', 'x', '5').repeat(481) + mb('AUTH', 'pw') + mb('SET', 'big', 'b'.repeat(20000)) + mb('GET', 'big')] },
  { name: 'failed AUTH after 480 unauthenticated replies fills the reply buffer', config: 'auth', writes: [mb('SET', 'x', '5').repeat(480) + mb('AUTH', 'nope')] },
  // Redis checks the limits as replies are added only when its reply list gains a block: +RESET (the
  // client must AUTH again) fits in the block the GET started, and is answered.
  { name: 'RESET (must AUTH again) whose reply fits in the last reply block', config: 'auth', writes: [mb('AUTH', 'pw') + mb('SET', 'big', 'b'.repeat(20000)), mb('GET', 'big') + mb('RESET')] },
  { name: 'RESET (must AUTH again), then replies that need a new reply block', config: 'auth', writes: [mb('AUTH', 'pw') + mb('SET', 'big', 'b'.repeat(20000)), mb('GET', 'big') + mb('RESET') + mb('GET', 'x').repeat(600)], expect: { data: '+OK\r\n+OK\r\n', closed: true } },
  { name: 'failed AUTH after 481 unauthenticated replies closes the client', config: 'auth', writes: [mb('SET', 'x', '5').repeat(481) + mb('AUTH', 'nope')], expect: { data: '', closed: true } },
  // Smaller limits.
  { name: 'bulk above a 1mb proto-max-bulk-len', config: 'limits', writes: ['*1\r\n$1048577\r\n'] },
  { name: 'bulk of 1mb + CRLF passes the 1mb query buffer limit', config: 'limits', writes: ['*2\r\n$4\r\nECHO\r\n$1048576\r\n', 'q'.repeat(1048576) + '\r\n'], expect: { data: '', closed: true } },
  { name: 'bulk just under the 1mb query buffer limit', config: 'limits', writes: ['*2\r\n$4\r\nECHO\r\n$1048574\r\n', 'q'.repeat(1048574) + '\r\n'] },
  { name: 'query buffer over client-query-buffer-limit closes silently', config: 'limits', writes: ['*2\r\n$4\r\nECHO\r\n$1048576\r\n', 'q'.repeat(1048576 - 100), 'PING\r\n'.repeat(200)], expect: { data: '', closed: true } },
];

for (const c of CASES) {
  test(`protocol: ${c.name}`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const { ks, redis } = await pair(c.config ?? 'default');
    const [ours, theirs] = await compare(ks.port, redis.port, c.writes, 300, c.expect);
    t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
    if (c.expect) t.deepEqual(ours, c.expect);
  });
}

// --- splitargs through the inline protocol -------------------------------------------------------

// An unknown command's error quotes its arguments: a good echo of how a line was split.
const LINES = [
  'a b c', '"a b"', "'a b'", '"" \'\'', '"\\n\\r\\t\\b\\a"', '"\\z\\\\\\""', '"\\x41\\x4a\\xff"', '"\\x4g" "\\x4"',
  '"\\"', "'it\\'s'", "'a\\nb'", '"a"b', "'a'b", '"a"\x0b x', '"abc', 'a"b c" d', "a'b c'", 'ab"c', 'a\x0bb', '\x0b\x0ca',
  'a\rb', '"a\rb"', '\xe9t\xe9 \xff',
];

for (const line of LINES) {
  test(`inline split: ${JSON.stringify(line)}`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const { ks, redis } = await pair('default');
    const [ours, theirs] = await compare(ks.port, redis.port, [`NOSUCHCMD ${line}\r\n`]);
    t.is(show(ours), show(theirs));
  });
}

// --- output buffer fields of CLIENT INFO ------------------------------------------------------------

test('CLIENT INFO after pipelined replies: obl holds them (the static buffer), oll and omem count only what is past it, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ks, redis } = await pair('default');
  const fields = (e: Exchange): string => / obl=\d+ oll=\d+ omem=\d+ /.exec(e.data)?.[0] ?? e.data;
  // The lines differ elsewhere (id, addr...): compared field by field, without compare()'s retry.
  const both = (writes: string[]): Promise<Exchange[]> => Promise.all([exchange(ks.port, writes, { quietMs: 1500 }), exchange(redis.port, writes, { quietMs: 1500 })]);
  for (const writes of [['FOO\r\nCLIENT INFO\r\n'], [mb('ECHO', 'x'.repeat(1000)) + 'CLIENT INFO\r\n']]) {
    const [ours, theirs] = await both(writes);
    t.is(fields(ours), fields(theirs), JSON.stringify(writes[0].slice(0, 30)));
  }
  t.is(fields((await both(['FOO\r\nCLIENT INFO\r\n']))[0]), ' obl=56 oll=0 omem=0 ');
  // Replies of earlier turns the client has not read: past the static buffer (obl=0) on both.
  const obl = async (port: number): Promise<string | undefined> => {
    const admin = await RawClient.connect(port);
    t.is(await admin.call('SET', 'big', 'v'.repeat(1024 * 1024)), '+OK\r\n');
    const hog = connect({ port, host: '127.0.0.1' });
    hog.pause(); // it never reads
    hog.write('CLIENT SETNAME hog\r\n' + 'GET big\r\n'.repeat(20));
    await new Promise((r) => setTimeout(r, 500));
    const line = / name=hog .* obl=(\d+) /.exec(await admin.call('CLIENT', 'LIST'))?.[1];
    hog.destroy();
    await admin.call('DEL', 'big');
    admin.close();
    return line;
  };
  t.deepEqual(await Promise.all([obl(ks.port), obl(redis.port)]), ['0', '0']);
});

// --- client-output-buffer-limit: where a single reply crosses the hard limit ---------------------

/** A 1000-byte value under each of `keys`, on each server. */
async function storeValues(t: ExecutionContext, ports: number[], keys: string[]): Promise<void> {
  for (const port of ports) {
    const admin = await RawClient.connect(port);
    for (let i = 0; i < keys.length; i += 100) {
      t.is(await admin.call('MSET', ...keys.slice(i, i + 100).flatMap((k) => [k, 'x'.repeat(1000)])), '+OK\r\n');
    }
    admin.close();
  }
}

/**
 * For each case, its first write then an MGET of n of `keys`, for n just under and at `closesFrom`
 * (where redis-server closes the client): closed on both servers alike, and from that n on.
 */
async function checkCloses(t: ExecutionContext, ports: [number, number], keys: string[], cases: [string, string, number][]): Promise<void> {
  for (const [name, first, closesFrom] of cases) {
    for (const n of [closesFrom - 1, closesFrom].filter((m) => m <= keys.length)) {
      const write = first + mb('MGET', ...keys.slice(0, n));
      const [ours, theirs] = await Promise.all(ports.map((port) => exchange(port, [write], { quietMs: 500 })));
      t.is(ours.closed, theirs.closed, `${name}, MGET of ${n}: closed on both or neither`);
      t.is(ours.closed, n >= closesFrom, `${name}, MGET of ${n}: closed`);
    }
  }
}

test('client-output-buffer-limit normal 100000: the same replies close the client as on redis-server (reply blocks of 20464 bytes, KEYS past the static buffer)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ks, redis } = await pair('obuf');
  const keys = Array.from({ length: 1000 }, (_, i) => `k${String(i).padStart(96, '-')}`);
  await storeValues(t, [ks.port, redis.port], keys);
  // MGET of n 1000-byte values: 16 KB in the static buffer, the rest in blocks counted whole (98
  // values reach 100000, 97 do not); KEYS (a deferred length) has none in the static buffer: 800
  // keys of 97 bytes (83 KB) are over the limit, 700 are not.
  const run = async (name: string, write: string, closes: boolean): Promise<void> => {
    // KEYS lists in hash-table order: compared by size.
    const [ours, theirs] = await Promise.all([exchange(ks.port, [write], { quietMs: 500 }), exchange(redis.port, [write], { quietMs: 500 })]);
    t.deepEqual([ours.closed, ours.data.length], [theirs.closed, theirs.data.length], name);
    t.is(ours.closed, closes, `${name}: closed`);
  };
  await run('MGET 97', mb('MGET', ...keys.slice(0, 97)), false);
  await run('MGET 98', mb('MGET', ...keys.slice(0, 98)), true);
  await run('KEYS of 1000 keys', mb('KEYS', '*'), true);
  // KEYS of 800 keys: delete 200 on both first.
  for (const port of [ks.port, redis.port]) {
    const admin = await RawClient.connect(port);
    t.is(await admin.call('DEL', ...keys.slice(800)), ':200\r\n');
    admin.close();
  }
  await run('KEYS of 800 keys (83 KB)', mb('KEYS', '*'), true);
  for (const port of [ks.port, redis.port]) {
    const admin = await RawClient.connect(port);
    t.is(await admin.call('DEL', ...keys.slice(700, 800)), ':100\r\n');
    admin.close();
  }
  await run('KEYS of 700 keys (73 KB)', mb('KEYS', '*'), false);
  // KEYS inside EXEC: what EXEC wrote before it (its header, a 16000-byte GET) stays in the static
  // buffer, as Redis's; only the KEYS reply (73 KB, 4 blocks) counts.
  for (const port of [ks.port, redis.port]) {
    const admin = await RawClient.connect(port);
    t.is(await admin.call('SET', 'v', 'y'.repeat(16000)), '+OK\r\n');
    admin.close();
  }
  await run('MULTI, GET of 16000 bytes, KEYS of 700 keys, EXEC', mb('MULTI') + mb('GET', 'v') + mb('KEYS', 'k*') + mb('EXEC'), false);
  // A KEYS whose reply is not written (CLIENT REPLY OFF in the transaction) leaves the static buffer
  // as it is: the GET after it is kept there, and only the MGET (80 KB, 4 blocks) counts.
  const off = mb('MULTI') + mb('CLIENT', 'REPLY', 'OFF') + mb('KEYS', 'k*') + mb('CLIENT', 'REPLY', 'ON') + mb('GET', 'v') + mb('MGET', ...keys.slice(0, 80)) + mb('EXEC');
  await run('EXEC of KEYS under CLIENT REPLY OFF, then GET of 16000 bytes, MGET of 80 values', off, false);
});

test('client-output-buffer-limit normal 100000: small replies of deferred length (HELP, SLOWLOG GET, LCS IDX, LATENCY HISTORY / HISTOGRAM, COMMAND LIST, CLIENT TRACKINGINFO) put what follows past the static buffer, as on redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ks, redis } = await pair('obufDeferred');
  const keys = Array.from({ length: 84 }, (_, i) => `d${String(i).padStart(96, '-')}`);
  await storeValues(t, [ks.port, redis.port], keys);
  for (const port of [ks.port, redis.port]) {
    const admin = await RawClient.connect(port);
    t.is(await admin.call('MSET', 'a', 'ohmytext', 'b', 'mynewtext'), '+OK\r\n');
    // A latency event, for LATENCY HISTORY; an empty slow log (its entries' sizes would differ).
    t.is(await admin.call('CONFIG', 'SET', 'latency-monitor-threshold', '1'), '+OK\r\n');
    t.is(await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1'), '+OK\r\n');
    t.is(await admin.call('SLOWLOG', 'RESET'), '+OK\r\n');
    t.is(await admin.call('DEBUG', 'SLEEP', '0.01'), '+OK\r\n');
    admin.close();
  }
  // After a PING, an MGET of 84 values (85 KB) keeps 16 KB in the static buffer: under the limit.
  // After a reply of deferred length, all of the MGET counts, and fewer values reach the limit.
  const cases: [string, string, number][] = [
    ['PING', mb('PING'), 85],
    ['CONFIG HELP', mb('CONFIG', 'HELP'), 81],
    ['SLOWLOG GET', mb('SLOWLOG', 'GET'), 82],
    ['LCS IDX', mb('LCS', 'a', 'b', 'IDX'), 82],
    ['LATENCY HISTORY', mb('LATENCY', 'HISTORY', 'command'), 82],
    ['LATENCY HISTOGRAM', mb('LATENCY', 'HISTOGRAM', 'nosuch'), 82],
    ['COMMAND LIST', mb('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'mget'), 82],
    ['CLIENT TRACKINGINFO', mb('CLIENT', 'TRACKINGINFO'), 82],
  ];
  await checkCloses(t, [ks.port, redis.port], keys, cases);
});

test('client-output-buffer-limit normal 100000: a reply of deferred length after the static buffer is full starts a new reply-list block, the one before trimmed, as on redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ks, redis } = await pair('obufTrim');
  const keys = Array.from({ length: 200 }, (_, i) => `t${String(i).padStart(96, '-')}`);
  await storeValues(t, [ks.port, redis.port], keys);
  // Redis's addReplyDeferredLen trims the last block (trimReplyUnusedTailSpace) and the reply
  // begins a new one: an MGET of 30 values (14 KB past the static buffer) then CONFIG HELP leaves
  // room for an MGET of 80 values after it (redis-server 7.0.15: closed from 81, 61 after an MGET
  // of 40), as do 20 CONFIG HELP replies (each its own trimmed block).
  const cases: [string, string, number][] = [
    ['MGET of 30, CONFIG HELP', mb('MGET', ...keys.slice(100, 130)) + mb('CONFIG', 'HELP'), 81],
    ['MGET of 40, CONFIG HELP', mb('MGET', ...keys.slice(100, 140)) + mb('CONFIG', 'HELP'), 61],
    ['20 CONFIG HELP', mb('CONFIG', 'HELP').repeat(20), 81],
  ];
  await checkCloses(t, [ks.port, redis.port], keys, cases);
});

// --- seeded differential fuzz ----------------------------------------------------------------------

function fuzzPipeline(rng: Rng): string {
  const parts: string[] = [];
  for (let n = 1 + pick(rng, 4); n > 0; n--) {
    const arg = 'v'.repeat(pick(rng, 5)) + (rng() < 0.3 ? '\r\n' : '');
    switch (pick(rng, 4)) {
      case 0: parts.push(mb('PING')); break;
      case 1: parts.push(mb('ECHO', arg)); break;
      case 2: parts.push(`ECHO ${arg.trim() || 'w'}\r\n`); break;
      default: parts.push(mb('PING', arg)); break;
    }
  }
  return parts.join('');
}

const SIGNIFICANT = '*$\r\n0123456789- "\'\\x:+\x00';

function fuzzMutate(s: string, rng: Rng): string {
  const at = pick(rng, s.length + 1);
  const ch = SIGNIFICANT[pick(rng, SIGNIFICANT.length)];
  switch (pick(rng, 4)) {
    case 0: return s.slice(0, at) + ch + s.slice(at + 1);
    case 1: return s.slice(0, at) + ch + s.slice(at);
    case 2: return s.slice(0, at) + s.slice(at + 1);
    default: return s.slice(0, at);
  }
}

test('DEBUG PROTOCOL push under CLIENT REPLY OFF / SKIP, alone and inside EXEC: the push goes out and the real reply does not, as on redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ks, redis } = await pair('debug');
  const push = '>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n';
  const cases: [string, string, string][] = [
    ['OFF', mb('CLIENT', 'REPLY', 'OFF') + mb('DEBUG', 'PROTOCOL', 'push') + mb('CLIENT', 'REPLY', 'ON') + mb('PING'), `${push}+OK\r\n+PONG\r\n`],
    ['SKIP', mb('CLIENT', 'REPLY', 'SKIP') + mb('DEBUG', 'PROTOCOL', 'push') + mb('PING'), `${push}+PONG\r\n`],
    ['OFF inside EXEC', mb('MULTI') + mb('PING') + mb('CLIENT', 'REPLY', 'OFF') + mb('DEBUG', 'PROTOCOL', 'push') + mb('PING') + mb('EXEC') + mb('CLIENT', 'REPLY', 'ON') + mb('PING'), `+OK\r\n${'+QUEUED\r\n'.repeat(4)}*4\r\n+PONG\r\n${push}+OK\r\n+PONG\r\n`],
    ['OFF before MULTI', mb('CLIENT', 'REPLY', 'OFF') + mb('MULTI') + mb('PING') + mb('DEBUG', 'PROTOCOL', 'push') + mb('EXEC') + mb('CLIENT', 'REPLY', 'ON') + mb('PING'), `${push}+OK\r\n+PONG\r\n`],
  ];
  // The HELLO 3 reply (its client id differs) is cut off; what follows it is compared.
  const after = (e: Exchange): string => e.data.slice(e.data.indexOf('modules\r\n*0\r\n') + 'modules\r\n*0\r\n'.length);
  for (const [name, writes, expected] of cases) {
    const [k, r] = await Promise.all([exchange(ks.port, [mb('HELLO', '3') + writes]), exchange(redis.port, [mb('HELLO', '3') + writes])]);
    t.is(JSON.stringify(after(k)), JSON.stringify(after(r)), `${name}: Keystonelight vs redis-server`);
    t.is(JSON.stringify(after(k)), JSON.stringify(expected), name);
  }
});

test('protocol fuzz: mutated pipelines get the same answer as from redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ks, redis } = await pair('default');
  const rng = mulberry32(2024);
  const inputs: string[] = [];
  for (let i = 0; i < Number(process.env.KS_FUZZ_N ?? 120); i++) {
    let s = fuzzPipeline(rng);
    for (let k = 1 + pick(rng, 2); k > 0; k--) s = fuzzMutate(s, rng);
    inputs.push(s + mb('ECHO', 'end'));
  }
  // A few at a time: each exchange waits for a quiet period.
  for (let i = 0; i < inputs.length; i += 30) {
    const batch = inputs.slice(i, i + 30);
    const results = await Promise.all(batch.map((s) => compare(ks.port, redis.port, [s], 200)));
    results.forEach(([ours, theirs], j) => {
      if (show(ours) !== show(theirs)) t.fail(`input #${i + j} ${JSON.stringify(batch[j])}:\n  ours:  ${show(ours)}\n  redis: ${show(theirs)}`);
    });
  }
  t.pass();
});

// --- memory: nothing allocated from a declared size ----------------------------------------------------

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

test('declared sizes allocate nothing: 20 x $536870912 and *67108864 keep the server small', async (t) => {
  const server = await startBundle();
  try {
    const pid = server.proc.pid!;
    const before = rssKb(pid);
    const writes = [
      ...Array.from({ length: 20 }, () => ['*2\r\n$3\r\nSET\r\n$536870912\r\n', 'a few bytes']),
      ...Array.from({ length: 20 }, () => ['*67108864\r\n', '$1\r\na\r\n'.repeat(10)]),
    ];
    const waiting = writes.map((w) => exchange(server.port, w, { quietMs: 1000 }));
    await new Promise((r) => setTimeout(r, 300));
    const other = await RawClient.connect(server.port);
    t.is(await other.call('PING'), '+PONG\r\n', 'others are served meanwhile');
    other.close();
    const results = await Promise.all(waiting);
    const after = rssKb(pid);
    t.true(after - before < 64 * 1024, `RSS grew from ${before} kB to ${after} kB`);
    for (const r of results) t.deepEqual(r, { data: '', closed: false }, 'still waiting for the bytes');
  } finally {
    await server.stop();
  }
});

test('client-output-buffer-limit normal 19500000: the trimmed blocks of deferred-length replies still waiting in the socket count, as in Redis\'s reply list, for a client that does not read', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ks, redis } = await pair('obufQueued');
  // An 8 MB value the client does not read fills the socket's buffers; then 25000 CONFIG HELP
  // replies wait behind it, each a trimmed block of its own in Redis's reply list (482 bytes of
  // list memory for its 407 bytes): redis-server 7.0.15 counts 8.4 MB + 12 MB and closes the
  // client. Counted as plain 20464-byte blocks once handed to the socket (9.6 MB), they stayed
  // under the limit: ours kept the client.
  const stillThere = async (port: number): Promise<boolean> => {
    const admin = await RawClient.connect(port);
    const list = await admin.call('CLIENT', 'LIST');
    admin.close();
    return list.includes('name=slow ');
  };
  const closed = await Promise.all([ks.port, redis.port].map(async (port) => {
    const admin = await RawClient.connect(port);
    t.is(await admin.call('SET', 'big', 'x'.repeat(8 * 1024 * 1024)), '+OK\r\n');
    admin.close();
    const slow = connect({ port, host: '127.0.0.1' });
    slow.on('error', () => {});
    await new Promise((r) => slow.once('connect', r));
    slow.pause(); // never reads
    slow.write(mb('CLIENT', 'SETNAME', 'slow') + mb('GET', 'big'));
    await new Promise((r) => setTimeout(r, 1000));
    const before = await stillThere(port);
    slow.write(mb('CONFIG', 'HELP').repeat(25_000));
    await new Promise((r) => setTimeout(r, 2000));
    const after = await stillThere(port);
    slow.destroy();
    return [before, after];
  }));
  t.deepEqual(closed[1], [true, false], 'redis-server: there after the value, closed after the HELP replies');
  t.deepEqual(closed[0], closed[1]);
});
