// redis-cli against the built bundle, differentially: the same redis-cli invocation against a real
// redis-server must print the same thing and exit the same way. Plus inline requests typed on a
// raw socket, and `redis-cli --pipe` mass insertion.

import test from 'ava';
import { needBinary } from '../helpers/bins.js';
import { startBundle, type ServerProcess } from '../helpers/bundle.js';
import { startRealRedis, type RealRedis } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';
import { run, type RunResult } from '../helpers/run.js';

let servers: Promise<{ ks: ServerProcess; redis: RealRedis }> | undefined;

/** One bundle and one real redis-server for the whole file (started on first use). */
function both(): Promise<{ ks: ServerProcess; redis: RealRedis }> {
  servers ??= Promise.all([startBundle(), startRealRedis()]).then(([ks, redis]) => ({ ks, redis }));
  return servers;
}

test.after.always(async () => {
  if (!servers) return;
  const { ks, redis } = await servers;
  await Promise.all([ks.stop(), redis.stop()]);
});

const cli = (port: number, args: string[], input?: string): Promise<RunResult> => run('redis-cli', ['-p', String(port), ...args], { input, timeoutMs: 20_000 });

/** [description, redis-cli arguments before the command, the commands (run in order)] */
const SESSIONS: [string, string[], string[][]][] = [
  ['raw output (not a tty)', [], [['SET', 'cli:a', 'bar'], ['GET', 'cli:a'], ['GET', 'cli:missing'], ['INCR', 'cli:n'], ['INCR', 'cli:a'], ['DEL', 'cli:a', 'cli:n'], ['MGET', 'cli:a', 'cli:missing'], ['PING'], ['ECHO', 'hi there']]],
  ['--no-raw', ['--no-raw'], [['SET', 'nr:a', 'bar'], ['GET', 'nr:a'], ['GET', 'nr:missing'], ['INCR', 'nr:n'], ['INCR', 'nr:a'], ['MGET', 'nr:a', 'nr:missing', 'nr:n'], ['DEL', 'nr:a', 'nr:n'], ['NOSUCHCMD', 'x']]],
  ['--no-raw with binary values', ['--no-raw'], [['SET', 'nrb:a', 'caf\xe9\x01\n"q"'], ['GET', 'nrb:a'], ['STRLEN', 'nrb:a']]],
  ['-3 (RESP3)', ['-3'], [['SET', 'r3:a', '1'], ['GET', 'r3:a'], ['GET', 'r3:missing'], ['INCR', 'r3:a'], ['MGET', 'r3:a', 'r3:missing']]],
  ['-3 --no-raw (RESP3)', ['-3', '--no-raw'], [['SET', 'r3n:a', '1'], ['GET', 'r3n:a'], ['GET', 'r3n:missing'], ['MGET', 'r3n:a', 'r3n:missing'], ['INCR', 'r3n:x'], ['INCR', 'r3n:missing:text']]],
  ['wrong arity and unknown commands', ['--no-raw'], [['GET'], ['SET', 'only-key'], ['FOOBAR', 'a', 'b']]],
];

for (const [name, flags, cmds] of SESSIONS) {
  test(`redis-cli ${name}: same output as with redis-server`, async (t) => {
    if (!needBinary(t, 'redis-cli') || !needBinary(t, 'redis-server')) return;
    const { ks, redis } = await both();
    for (const cmd of cmds) {
      const args = [...flags, ...cmd];
      const [ours, theirs] = await Promise.all([cli(ks.port, args), cli(redis.port, args)]);
      t.deepEqual(ours, theirs, `redis-cli ${args.join(' ')}`);
    }
  });
}

test('redis-cli -3 --no-raw shows HELLO 3 as a RESP3 map', async (t) => {
  if (!needBinary(t, 'redis-cli') || !needBinary(t, 'redis-server')) return;
  const { ks, redis } = await both();
  const mask = (r: RunResult): string => r.stdout.replace(/"id" => \(integer\) \d+/, '"id" => (integer) N');
  const [ours, theirs] = await Promise.all([cli(ks.port, ['-3', '--no-raw', 'HELLO', '3']), cli(redis.port, ['-3', '--no-raw', 'HELLO', '3'])]);
  t.regex(ours.stdout, /^1# "server" => "redis"/);
  t.is(mask(ours), mask(theirs));
});

test('redis-cli reading commands from standard input', async (t) => {
  if (!needBinary(t, 'redis-cli') || !needBinary(t, 'redis-server')) return;
  const { ks, redis } = await both();
  const input = 'SET stdin:a "x y"\nGET stdin:a\nAPPEND stdin:a " z"\nGET stdin:a\n';
  const [ours, theirs] = await Promise.all([cli(ks.port, [], input), cli(redis.port, [], input)]);
  t.is(ours.stdout, 'OK\nx y\n5\nx y z\n');
  t.deepEqual(ours, theirs);
});

test('inline requests typed on a raw socket', async (t) => {
  const { ks } = await both();
  const c = await RawClient.connect(ks.port);
  c.write('SET inline:foo bar\r\n');
  t.is(await c.read(), '+OK\r\n');
  c.write('GET inline:foo\r\n');
  t.is(await c.read(), '$3\r\nbar\r\n');
  c.write('set inline:q "with space"\n');
  t.is(await c.read(), '+OK\r\n');
  c.write('GET inline:q\r\nPING\r\n');
  t.is(await c.read(), '$10\r\nwith space\r\n');
  t.is(await c.read(), '+PONG\r\n');
  c.close();
});

test('redis-cli --pipe loads 100,000 keys, then DBSIZE = 100000', async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const ks = await startBundle();
  t.teardown(() => ks.stop());
  const parts: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    const k = `key:${i}`;
    const v = `value:${i}`;
    parts.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`);
  }
  const res = await cli(ks.port, ['--pipe'], parts.join(''));
  t.is(res.code, 0, res.stderr);
  t.regex(res.stdout, /errors: 0, replies: 100000/);
  const size = await cli(ks.port, ['DBSIZE']);
  t.is(size.stdout, '100000\n');
  t.is((await cli(ks.port, ['GET', 'key:99999'])).stdout, 'value:99999\n');
});
