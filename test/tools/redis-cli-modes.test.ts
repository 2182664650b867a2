// redis-cli's other modes against the built bundle, differentially: the same invocation against a
// real redis-server loaded with the same keys must print the same thing and exit the same way.
// -e, -n, -x, --pipe with errors in the stream, --hotkeys without an LFU policy, the output formats
// (--csv, --json, --quoted-json, RESP3) of maps, sets, verbatim strings and nested arrays, and
// -a / --user / --pass / --askpass with requirepass. Then the modes that need replication
// (--rdb, --functions-rdb, --replica): there is none, and they must fail at once, not hang.

import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { needBinary } from '../helpers/bins.js';
import { startBundle, type ServerProcess } from '../helpers/bundle.js';
import { startRealRedis, type RealRedis } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';
import { run, type RunResult } from '../helpers/run.js';

type Pair = { ks: ServerProcess; redis: RealRedis };

const KEYS: [string, string][] = [['m:a', 'ohmytext'], ['m:b', 'mynewtext'], ['m:n', '41'], ['m:s', 'abc'], ['m:bin', '\x00\xff\r\n"q"']];

async function load(port: number, password?: string): Promise<void> {
  const c = await RawClient.connect(port);
  if (password !== undefined) await c.call('AUTH', password);
  for (const [k, v] of KEYS) await c.call('SET', k, v);
  await c.call('SELECT', '3');
  await c.call('SET', 'm:db3', 'in three');
  c.close();
}

async function pair(serverArgs: string[] = [], password?: string): Promise<Pair> {
  const [ks, redis] = await Promise.all([startBundle(['--appendonly', 'no', ...serverArgs]), startRealRedis(serverArgs)]);
  await Promise.all([load(ks.port, password), load(redis.port, password)]);
  return { ks, redis };
}

let plain: Promise<Pair> | undefined;
const servers = (): Promise<Pair> => (plain ??= pair());

test.after.always(async () => {
  if (!plain) return;
  const { ks, redis } = await plain;
  await Promise.all([ks.stop(), redis.stop()]);
});

const cli = (port: number, args: string[], input?: string): Promise<RunResult> => run('redis-cli', ['-p', String(port), ...args], { input, timeoutMs: 20_000 });

/** Runs the same invocations, in order, against both servers and compares each result. */
async function same(t: import('ava').ExecutionContext, { ks, redis }: Pair, runs: [string[], string?][]): Promise<void> {
  for (const [args, input] of runs) {
    const ours = await cli(ks.port, args, input);
    const theirs = await cli(redis.port, args, input);
    t.deepEqual(ours, theirs, `redis-cli ${args.join(' ')}${input === undefined ? '' : ` <<< ${JSON.stringify(input)}`}`);
  }
}

test('redis-cli -e, -n, -x: same output and exit codes as with redis-server', async (t) => {
  if (!needBinary(t, 'redis-cli') || !needBinary(t, 'redis-server')) return;
  await same(t, await servers(), [
    [['-e', 'INCR', 'm:s']],
    [['INCR', 'm:s']],
    [['-e', 'NOSUCHCMD']],
    [['-e', 'GET', 'm:n']],
    [['-e'], 'GET m:n\nINCR m:s\nGET m:a\n'],
    [['-n', '3', 'GET', 'm:db3']],
    [['-n', '3', '--scan']],
    [['-n', '99', 'PING']],
    [['-x', 'SET', 'm:x'], 'from\x00stdin\n'],
    [['--no-raw', 'GET', 'm:x']],
    [['-x', 'APPEND', 'm:x'], ''],
    [['-r', '3', 'INCR', 'm:n']],
    [['-r', '2', '--no-raw', 'INCR', 'm:s']],
  ]);
});

test('redis-cli --pipe with errors in the stream: the same error lines, summary and exit code', async (t) => {
  if (!needBinary(t, 'redis-cli') || !needBinary(t, 'redis-server')) return;
  const resp = (...a: string[]): string => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x, 'latin1')}\r\n${x}\r\n`).join('')}`;
  const ok = Array.from({ length: 200 }, (_, i) => resp('SET', `pipe:${i}`, String(i))).join('');
  const stream = ok + resp('INCR', 'm:s') + resp('NOSUCH', 'x') + resp('GET') + 'PING\r\n' + resp('SET', 'a', 'b', 'EX', '-1') + resp('DEL', 'pipe:1');
  await same(t, await servers(), [
    [['--pipe'], stream],
    [['--pipe'], stream + '*1\r\n$abc\r\n'], // a protocol error: the server closes the connection
    [['DBSIZE']],
  ]);
});

test('redis-cli --hotkeys without an LFU maxmemory-policy: the same error and exit code as redis-server', async (t) => {
  if (!needBinary(t, 'redis-cli') || !needBinary(t, 'redis-server')) return;
  const p = await servers();
  await same(t, p, [[['--hotkeys']]]);
  const ours = await cli(p.ks.port, ['--hotkeys']);
  t.is(ours.code, 1);
  t.regex(ours.stderr, /^Error: ERR An LFU maxmemory policy is not selected/m);
});

test('redis-cli --csv, --json, --quoted-json, -3: maps, sets, verbatim strings and nested arrays as with redis-server', async (t) => {
  if (!needBinary(t, 'redis-cli') || !needBinary(t, 'redis-server')) return;
  const commands = [
    ['LCS', 'm:a', 'm:b', 'IDX', 'MINMATCHLEN', '2', 'WITHMATCHLEN'],
    ['COMMAND', 'INFO', 'get', 'nosuch'],
    ['COMMAND', 'DOCS', 'getex'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v'],
    ['CONFIG', 'GET', 'hz'],
    ['CLIENT', 'TRACKINGINFO'],
    ['MGET', 'm:a', 'm:none', 'm:bin'],
    ['MEMORY', 'DOCTOR'],
    ['GET', 'm:none'],
    ['SET', 'a'],
  ];
  const runs: [string[]][] = [];
  for (const flags of [['--csv'], ['--json'], ['--quoted-json'], ['--no-raw'], ['-3'], ['-3', '--no-raw'], ['-3', '--csv'], ['-3', '--json'], ['-3', '--quoted-json']]) {
    for (const c of commands) runs.push([[...flags, ...c]]);
  }
  await same(t, await servers(), runs);
});

test('redis-cli -a / --user / --pass / --askpass with requirepass: same replies and warnings as redis-server', async (t) => {
  if (!needBinary(t, 'redis-cli') || !needBinary(t, 'redis-server')) return;
  const p = await pair(['--requirepass', 'pw'], 'pw');
  t.teardown(() => Promise.all([p.ks.stop(), p.redis.stop()]));
  await same(t, p, [
    [['GET', 'm:a']],
    [['-a', 'pw', 'GET', 'm:a']],
    [['-a', 'pw', '--no-auth-warning', '-3', 'GET', 'm:a']],
    [['-a', 'bad', 'GET', 'm:a']],
    [['-a', 'bad', '-e', 'GET', 'm:a']],
    [['--user', 'default', '--pass', 'pw', 'GET', 'm:a']],
    [['--user', 'bob', '--pass', 'pw', 'GET', 'm:a']],
    [['--askpass', 'GET', 'm:a'], 'pw\n'],
    [['--askpass', 'GET', 'm:a'], 'bad\n'],
    [['-a', 'pw', '--no-auth-warning', '-n', '3', '--scan']],
    [['-a', 'bad', '--no-auth-warning', '--bigkeys']],
  ]);
});

test('redis-cli --rdb, --functions-rdb, --replica: no replication, so they fail at once (SYNC is unknown), write no file, exit 1', async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const { ks } = await servers();
  const unknownSync = "SYNC with master failed: -ERR unknown command 'SYNC', with args beginning with: ";
  for (const [args, expected] of [
    [['--rdb', join(ks.dir, 'dump.rdb')], unknownSync],
    [['--functions-rdb', join(ks.dir, 'functions.rdb')], 'Failed requesting functions only RDB from server, aborting'],
    [['--replica'], unknownSync],
  ] as const) {
    const started = Date.now();
    const r = await cli(ks.port, [...args], undefined);
    t.is(r.code, 1, `redis-cli ${args.join(' ')}`);
    t.true((r.stdout + r.stderr).includes(expected), r.stdout + r.stderr);
    t.true(Date.now() - started < 5000, 'no wait');
  }
  t.false(existsSync(join(ks.dir, 'dump.rdb')));
  t.false(existsSync(join(ks.dir, 'functions.rdb')));
});

test('redis-benchmark with its default test list stops at LPUSH as redis-server without LPUSH does: same error, same results before it, exit 1', async (t) => {
  if (!needBinary(t, 'redis-benchmark') || !needBinary(t, 'redis-server')) return;
  // Commands Keystonelight does not implement, made unknown in the real server too.
  const renamed = ['LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'SADD', 'HSET', 'SPOP', 'ZADD', 'ZPOPMIN', 'LRANGE'].flatMap((c) => ['--rename-command', c, '']);
  const [ks, redis] = await Promise.all([startBundle(['--appendonly', 'no']), startRealRedis(renamed)]);
  t.teardown(() => Promise.all([ks.stop(), redis.stop()]));
  const bench = async (port: number): Promise<{ code: number | null; lines: string[] }> => {
    const r = await run('redis-benchmark', ['-p', String(port), '-n', '2000', '-q'], { timeoutMs: 60_000 });
    const lines = (r.stdout + '\n' + r.stderr).split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l !== '' && !l.includes('rps='));
    return { code: r.code, lines: lines.map((l) => l.replace(/: .* requests per second.*/, '')) };
  };
  const [ours, theirs] = await Promise.all([bench(ks.port), bench(redis.port)]);
  t.deepEqual(ours, theirs);
  t.deepEqual(ours.lines.filter((l) => l.startsWith('Error')), ["Error from server: ERR unknown command 'LPUSH', with args beginning with: 'mylist' 'VXK'"]);
  t.is(ours.code, 1);
});
