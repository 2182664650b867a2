// redis-cli's operator modes against the built bundle, with keys loaded through the wire:
// `--stat` (a row of INFO figures every interval, runs until killed), `--bigkeys` (SCAN + TYPE +
// STRLEN: its summary must be the one a real redis-server prints for the same keys), `--scan
// --pattern` (exactly the matching keys) and `--latency` (PING round trips; with output to a pipe
// it prints one `min max avg samples` line after the interval and exits by itself).

import test from 'ava';
import { needBinary } from '../helpers/bins.js';
import { startBundle, type ServerProcess } from '../helpers/bundle.js';
import { startRealRedis } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';
import { run, watch, type RunResult } from '../helpers/run.js';

let server: Promise<ServerProcess> | undefined;
const bundle = (): Promise<ServerProcess> => (server ??= startBundle(['--appendonly', 'no']));

test.after.always(async () => {
  if (server) await (await server).stop();
});

const cli = (port: number, args: string[]): Promise<RunResult> => run('redis-cli', ['-p', String(port), ...args], { timeoutMs: 30_000 });

/** SETs through one connection; `db` other than 0 is SELECTed first. */
async function load(port: number, pairs: [string, string][], db = 0): Promise<void> {
  const c = await RawClient.connect(port);
  if (db !== 0) await c.call('SELECT', String(db));
  for (const [k, v] of pairs) {
    const r = await c.call('SET', k, v);
    if (r !== '+OK\r\n') throw new Error(`SET ${k}: ${r}`);
  }
  c.close();
}

test('redis-cli --stat: header, then one parseable row per interval with our key count', async (t) => {
  if (!needBinary(t, 'redis-cli') || !needBinary(t, 'stdbuf')) return;
  const ks = await startBundle(['--appendonly', 'no']);
  t.teardown(() => ks.stop());
  await load(ks.port, Array.from({ length: 25 }, (_, i): [string, string] => [`stat:${i}`, 'v'.repeat(i)]));
  await load(ks.port, [['in:db3', 'x']], 3);
  const w = watch('stdbuf', ['-oL', 'redis-cli', '-p', String(ks.port), '--stat', '-i', '0.1']);
  t.teardown(() => w.stop());
  const out = await w.until((o) => o.split('\n').length > 7, 'two header lines and five rows');
  await w.stop();
  const [h1, h2, ...rows] = out.split('\n');
  t.regex(h1, /^------- data ------ -+ load -+ - child -$/);
  t.deepEqual(h2.trim().split(/\s+/), ['keys', 'mem', 'clients', 'blocked', 'requests', 'connections']);
  const parsed = rows.slice(0, 5).map((row) => {
    const m = /^(\d+)\s+(\d+(?:\.\d+)?[BKMGTP])\s+(\d+)\s+(\d+)\s+(\d+) \(\+(\d+)\)\s+(\d+)\s*$/.exec(row);
    if (m === null) throw new Error(`unparseable --stat row: ${JSON.stringify(row)}`);
    return { keys: +m[1], mem: m[2], clients: +m[3], blocked: +m[4], requests: +m[5], delta: +m[6], connections: +m[7] };
  });
  for (const r of parsed) {
    t.is(r.keys, 26, 'keys of every database');
    t.is(r.blocked, 0);
    t.true(r.clients >= 1 && r.connections >= 3, JSON.stringify(r));
  }
  for (let i = 1; i < parsed.length; i++) {
    t.true(parsed[i].requests > parsed[i - 1].requests, 'INFO itself counts as a request');
    t.is(parsed[i].delta, parsed[i].requests - parsed[i - 1].requests);
  }
});

test('redis-cli --bigkeys: finds the biggest string; summary identical to redis-server for the same keys', async (t) => {
  if (!needBinary(t, 'redis-cli') || !needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([startBundle(['--appendonly', 'no']), startRealRedis()]);
  t.teardown(() => Promise.all([ks.stop(), redis.stop()]));
  const keys: [string, string][] = [['bk:big', 'B'.repeat(5000)], ['bk:mid', 'M'.repeat(300)], ['bk:empty', ''], ['bk:bin', '\x00\xff\r\n']];
  for (let i = 0; i < 40; i++) keys.push([`bk:n:${i}`, String(i * 7)]);
  await Promise.all([load(ks.port, keys), load(redis.port, keys)]);
  const [ours, theirs] = await Promise.all([cli(ks.port, ['--bigkeys']), cli(redis.port, ['--bigkeys'])]);
  t.is(ours.code, 0, ours.stderr);
  t.regex(ours.stdout, /Biggest string found so far '"bk:big"' with 5000 bytes/);
  const summary = (r: RunResult): string => r.stdout.slice(r.stdout.indexOf('-------- summary -------'));
  t.regex(summary(ours), /Sampled 44 keys in the keyspace!/);
  t.regex(summary(ours), /Biggest string found '"bk:big"' has 5000 bytes/);
  t.regex(summary(ours), /44 strings with 5\d{3} bytes \(100\.00% of keys, avg size \d+\.\d\d\)/);
  t.is(summary(ours), summary(theirs));
});

test("redis-cli --scan --pattern 'user:*': exactly the matching keys, across SCAN pages", async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const ks = await bundle();
  const users = Array.from({ length: 300 }, (_, i) => `user:${i}`);
  await load(ks.port, [...users.map((k): [string, string] => [k, 'u']), ['users', 'x'], ['user', 'x'], ['session:user:1', 'x'], ['xuser:1', 'x'], ['user:\xe9', 'x']]);
  const r = await cli(ks.port, ['--scan', '--pattern', 'user:*']); // SCAN's default COUNT 10: many pages
  t.is(r.code, 0, r.stderr);
  const got = r.stdout.split('\n').filter((l) => l !== '');
  t.is(got.length, new Set(got).size, 'no key twice');
  t.deepEqual(got.sort(), [...users, 'user:\xe9'].sort());
  const none = await cli(ks.port, ['--scan', '--pattern', 'nomatch:*']);
  t.deepEqual(none, { code: 0, stdout: '', stderr: '' });
});

test('redis-cli --latency (output to a pipe): one "min max avg samples" line after -i seconds, then exit 0', async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const ks = await bundle();
  const r = await cli(ks.port, ['--latency', '-i', '0.5']);
  t.is(r.code, 0, r.stderr);
  const m = /^(\d+) (\d+) (\d+\.\d\d) (\d+)\n$/.exec(r.stdout);
  if (m === null) return t.fail(`unparseable --latency output: ${JSON.stringify(r.stdout)}`);
  const [min, max, avg, samples] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  t.true(samples > 0, 'PINGs were answered');
  t.true(min <= avg && avg <= max, `min ${min} <= avg ${avg} <= max ${max}`);
});
