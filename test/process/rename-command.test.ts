// rename-command, as redis-server 7.0.15 applies it (both started with the same renames on the
// command line, the same requests sent to both, the raw replies compared): a renamed command
// answers to its new name only, a removed one to none; it keeps its own name wherever Redis shows
// the command's fullname (COMMAND LIST, INFO commandstats, CLIENT LIST, the arity error); the AOF
// holds the names as they were sent, and a restart with the same renames loads it (ours also
// loads the SET of its rewritten base, which Redis's loader would refuse: see redis-compat.md).

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needBinary } from '../helpers/bins.js';
import { BUNDLE, startBundle, tempDir } from '../helpers/bundle.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/aof.js';
import { buildCommandTable } from '../../src/commands/index.js';
import { ConfigError, startServer } from '../../src/index.js';

const RENAMES = ['--rename-command', 'SET', 'myset', '--rename-command', 'FLUSHALL', '', '--rename-command', 'config', 'Cfg', '--rename-command', 'GET', 'getx',
  '--rename-command', 'client', 'cl', '--rename-command', 'SLOWLOG', 'slow',
  // A name outside ASCII: its bytes are UTF-8's (C3 89 for É), and only A-Z fold in a name (C's
  // tolower()), so that \xE3\x89cho (\xC3 folded as latin1's Ã -> ã) is not the same command.
  '--rename-command', 'ECHO', 'Écho',
  // The slow log compared below is empty on both: a command slowed by a busy machine is in neither.
  '--slowlog-log-slower-than', '10000000'];

/** The requests both servers get, in order; replies compared byte for byte. */
const SCRIPT: string[][] = [
  ['SET', 'a', '1'],
  ['myset', 'a', '1'],
  ['MYSET', 'b', '2'],
  ['getx', 'a'],
  ['GET', 'a'],
  ['FLUSHALL'],
  ['myset'],
  ['CFG', 'GET', 'maxmemory'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['cfg', 'nosuch'],
  ['cfg', 'get'],
  ['Cfg', 'HELP'],
  ['cl', 'pause', '10', 'write', 'x'],
  ['cl', 'help'],
  ['slow', 'get', '1', '2'],
  ['slow', 'len'],
  ['COMMAND', 'INFO', 'slowlog|get', 'slow|get', 'cl|list'],
  ['COMMAND', 'INFO', 'set', 'myset', 'getx', 'get', 'flushall'],
  ['COMMAND', 'INFO', 'cfg|get', 'config|get'],
  ['\xc3\x89cho', 'hi'],
  ['\xc3\x89CHO', 'hi'],
  ['\xe3\x89cho', 'hi'],
  ['\xe3\x89CHO', 'hi'],
  ['ECHO', 'hi'],
  ['COMMAND', 'INFO', '\xc3\x89CHO', '\xe3\x89cho'],
  ['COMMAND', 'GETKEYS', 'myset', 'k', 'v'],
  ['COMMAND', 'GETKEYS', 'set', 'k', 'v'],
  ['COMMAND', 'DOCS', 'set', 'flushall'],
  ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'set'],
  ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'myset'],
  ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'flush*'],
  ['MULTI'],
  ['myset', 'c', '3'],
  ['SET', 'd', '4'],
  ['EXEC'],
  ['MULTI'],
  ['myset', 'c', '3'],
  ['getx', 'c'],
  ['EXEC'],
];

/** The names INFO commandstats lists (their figures are each server's own). */
const statNames = (info: string): string[] => [...info.matchAll(/^cmdstat_([^:]+):/gm)].map((m) => m[1]).sort();

test('rename-command: the same replies, command names and AOF bytes as redis-server 7.0.15', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const r = await startRealRedis([...RENAMES, '--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']);
  t.teardown(() => r.stop());
  const ours = await startBundle([...RENAMES, '--appendonly', 'yes']);
  t.teardown(() => void ours.stop('SIGKILL'));
  const rc = await RawClient.connect(r.port);
  const c = await RawClient.connect(ours.port);
  t.teardown(() => (rc.close(), c.close()));
  for (const req of SCRIPT) t.is(await c.call(...req), await rc.call(...req), req.join(' '));
  t.deepEqual(statNames(await c.call('INFO', 'commandstats')), statNames(await rc.call('INFO', 'commandstats')));
  // One command fewer (FLUSHALL), as Redis's (whose table is larger).
  t.is(await c.call('COMMAND', 'COUNT'), `:${buildCommandTable().size - 1}\r\n`);
  const cmdField = (list: string): string | undefined => /cmd=(\S+)/.exec(list)?.[1];
  t.is(await c.call('myset', 'e', '5'), '+OK\r\n');
  t.is(await rc.call('myset', 'e', '5'), '+OK\r\n');
  // The command running, by its own name: client|info for CLIENT renamed cl.
  const [mine, theirs] = [await c.call('cl', 'INFO'), await rc.call('cl', 'INFO')];
  t.is(cmdField(mine), 'client|info');
  t.is(cmdField(mine), cmdField(theirs));
  const incr = (dir: string): string => {
    const d = join(dir, 'appendonlydir');
    return readFileSync(join(d, readdirSync(d).find((f) => f.endsWith('.incr.aof'))!), 'latin1');
  };
  await waitFor(() => incr(ours.dir) === incr(r.dir), 5000, 'the incr files to hold the same bytes');
  t.regex(incr(ours.dir), /\r\nmyset\r\n.*\r\nMYSET\r\n/s, 'the names as they were sent');
});

test('rename-command: a restart with the same renames loads the file, its rewritten base (SET) included', async (t) => {
  const dir = tempDir();
  const first = await startBundle([...RENAMES, '--appendonly', 'yes'], { dir });
  t.teardown(() => void first.stop('SIGKILL'));
  const c = await RawClient.connect(first.port);
  t.is(await c.call('myset', 'a', '1'), '+OK\r\n');
  t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  await waitFor(async () => /aof_rewrite_in_progress:0\r\n/.test(await c.call('INFO', 'persistence')), 10_000, 'the rewrite');
  t.is(await c.call('myset', 'b', '2', 'EX', '100'), '+OK\r\n');
  c.close();
  t.is(await first.stop(), 0);
  const again = await startBundle([...RENAMES, '--appendonly', 'yes'], { dir });
  t.teardown(() => void again.stop('SIGKILL'));
  const c2 = await RawClient.connect(again.port);
  t.teardown(() => c2.close());
  t.deepEqual([await c2.call('getx', 'a'), await c2.call('getx', 'b')], ['$1\r\n1\r\n', '$1\r\n2\r\n']);
});

/** How a server started with `args` ends (it should refuse to start): its exit status and last line printed. */
function refusal(cmd: string, args: string[]): { status: number | null; line: string } {
  const r = spawnSync(cmd, args, { encoding: 'latin1', timeout: 10_000 });
  return { status: r.status, line: `${r.stderr}${r.stdout}`.trim().split('\n').pop()! };
}

for (const [what, args, reason] of [
  ['an unknown command', ['--rename-command', 'nosuch', 'x'], 'No such command in rename-command'],
  ['a name already taken', ['--rename-command', 'SET', 'get'], 'Target command name already exists'],
  ['a command renamed away', ['--rename-command', 'SET', 'a', '--rename-command', 'SET', 'b'], 'No such command in rename-command'],
  // EVAL is in Redis's table (we lack it): its name is taken, and once renamed, it is not there.
  ['to the name of a Redis command we lack', ['--rename-command', 'GET', 'eval'], 'Target command name already exists'],
  ['of a Redis command we lack, renamed away', ['--rename-command', 'EVAL', '', '--rename-command', 'EVAL', 'x'], 'No such command in rename-command'],
] as const) {
  test(`rename-command of ${what} refuses the start with Redis's reason`, (t) => {
    const dir = tempDir();
    const ours = refusal(process.execPath, [BUNDLE, '--port', '0', '--dir', dir, ...args]);
    t.is(ours.status, 1);
    t.true(ours.line.endsWith(`: ${reason}`), ours.line);
    if (!needBinary(t, 'redis-server')) return;
    t.deepEqual(refusal('redis-server', ['--port', '0', '--dir', dir, ...args]), { status: 1, line: reason });
  });
}

test('rename-command of a subcommand refuses the start (redis-server 7.0.15 finds it, then aborts on an assertion)', (t) => {
  const ours = refusal(process.execPath, [BUNDLE, '--port', '0', '--dir', tempDir(), '--rename-command', 'config|get', 'x']);
  t.is(ours.status, 1);
  t.true(ours.line.endsWith(': No such command in rename-command'), ours.line);
});

test('rename-command: renames apply in order (a name freed by one is taken by the next)', async (t) => {
  const sp = await startBundle(['--rename-command', 'GET', '', '--rename-command', 'SET', 'get']);
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  t.is(await c.call('get', 'k', 'v'), '+OK\r\n');
  t.regex(await c.call('set', 'k', 'v'), /^-ERR unknown command 'set'/);
});

test('rename-command in the library: one rename as the words of a config line; a bad one rejects the start', async (t) => {
  const s = await startServer({ port: 0, config: { dir: tempDir(), 'rename-command': 'FLUSHALL ""' } });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  t.regex(await c.call('FLUSHALL'), /^-ERR unknown command 'FLUSHALL'/);
  t.is(await c.call('FLUSHDB'), '+OK\r\n');
  await t.throwsAsync(startServer({ port: 0, config: { dir: tempDir(), 'rename-command': 'FLUSHALL' } }), {
    instanceOf: ConfigError, message: "bad option 'rename-command' (value 'FLUSHALL'): wrong number of arguments",
  });
  await t.throwsAsync(startServer({ port: 0, config: { dir: tempDir(), 'rename-command': 'nosuch x' } }), {
    instanceOf: ConfigError, message: "bad option 'rename-command' (value 'nosuch x'): No such command in rename-command",
  });
});
