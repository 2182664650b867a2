// Start-up on the layouts of Redis's own AOF tests (integration/aof-multi-part.tcl, aof.tcl), the
// built server side by side with redis-server 7.0.15 on copies of the same files: a stray
// old-style appendonly.aof next to a valid appendonlydir is ignored and left alone (both), an
// unknown command in a file stops the start with Redis's exact log line, and a truncated file
// that is not the last refuses the start with advice that works (redis-check-aof --fix on that
// file; on the manifest it refuses), where Redis cuts the file itself before refusing.

import test, { type ExecutionContext } from 'ava';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { exited, startBundle, tempDir } from '../helpers/bundle.js';
import { needBinary } from '../helpers/bins.js';
import { freePort, startRealRedis } from '../helpers/redis.js';
import { aofBytes, dumpWire, type Dump } from '../helpers/aof.js';
import { run } from '../helpers/run.js';
import { exchange } from '../helpers/exchange.js';

const K1 = aofBytes(['set', 'k1', 'v1']);
const K4 = aofBytes(['set', 'k4', 'v4']);
const BASE_AND_INCR = 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n';

/** A data dir: `old` as `<dir>/appendonly.aof` (unless null), and an appendonlydir holding `files`. */
function dataDir(old: Buffer | null, files: Record<string, string | Buffer>): string {
  const dir = tempDir('ks-aofcompat-');
  if (old !== null) writeFileSync(join(dir, 'appendonly.aof'), old);
  mkdirSync(join(dir, 'appendonlydir'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, 'appendonlydir', name), bytes);
  return dir;
}

function copyOf(dir: string): string {
  const to = tempDir('ks-aofcompat-');
  cpSync(dir, to, { recursive: true });
  return to;
}

/** The dataset each server loads from its copy of `dir`; both copies' `appendonly.aof` after it. */
async function bothLoad(t: ExecutionContext, dir: string): Promise<{ ours: Dump; redis: Dump; output: string; oldFiles: Buffer[] }> {
  const redisDir = copyOf(dir);
  const rs = await startRealRedis(['--appendonly', 'yes'], redisDir);
  const redis = await dumpWire(rs.port);
  await rs.stop();
  const sp = await startBundle(['--appendonly', 'yes', '--loglevel', 'notice'], { dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  const ours = await dumpWire(sp.port);
  t.is(await sp.stop(), 0);
  return { ours, redis, output: sp.output(), oldFiles: [readFileSync(join(dir, 'appendonly.aof')), readFileSync(join(redisDir, 'appendonly.aof'))] };
}

/** redis-server on `dir` until it exits (a start it refuses): its exit code and log. */
async function redisRefuses(dir: string): Promise<{ code: number | null; log: string }> {
  const r = await run('redis-server', ['--port', String(await freePort()), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', 'yes', '--logfile', ''], { timeoutMs: 10_000 });
  return { code: r.code, log: r.stdout };
}

const v = (value: string): Dump[string] => ({ type: 'string', value, pexpiretime: -1 });

test('a stray old-style appendonly.aof next to a manifest naming a base and an incr file: the manifest is followed, the old file left alone, as Redis', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const dir = dataDir(K1, { 'appendonly.aof.manifest': BASE_AND_INCR, 'appendonly.aof.1.base.aof': K4, 'appendonly.aof.1.incr.aof': '' });
  const r = await bothLoad(t, dir);
  t.deepEqual(r.redis, { '0:k4': v('v4') }, 'redis-server');
  t.deepEqual(r.ours, r.redis);
  t.deepEqual(r.oldFiles, [K1, K1], 'untouched by both');
  t.is(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'), BASE_AND_INCR);
  t.true(r.output.includes(`# ${join(dir, 'appendonly.aof')} (an old-style AOF) is ignored`), r.output);
});

test("the manifest's base is appendonly.aof, with copies in dir and in appendonlydir (aof-multi-part test 19): the directory's copy is loaded, as Redis", async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const dir = dataDir(K1, { 'appendonly.aof.manifest': 'file appendonly.aof seq 1 type b\n', 'appendonly.aof': K4 });
  const r = await bothLoad(t, dir);
  t.deepEqual(r.redis, { '0:k4': v('v4') }, 'redis-server');
  t.deepEqual(r.ours, r.redis);
  t.deepEqual(r.oldFiles, [K1, K1]);
});

test("an unknown command (or subcommand) in an AOF file stops the start with Redis 7.0's exact line", async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  for (const cmd of [['bla', 'k4', 'v4'], ['CONFIG', 'NOSUCH']]) {
    const dir = dataDir(null, { 'appendonly.aof.manifest': BASE_AND_INCR, 'appendonly.aof.1.base.aof': K4, 'appendonly.aof.1.incr.aof': aofBytes(cmd) });
    const redis = await redisRefuses(copyOf(dir));
    t.is(redis.code, 1, cmd[0]);
    const line = /# (Unknown command .*)\n/.exec(redis.log)?.[1];
    t.is(line, `Unknown command '${cmd[0]}' reading the append only file appendonly.aof.1.incr.aof`, redis.log);
    const logfile = join(tempDir('ks-aofcompat-log-'), 'ks.log');
    const sp = await startBundle(['--appendonly', 'yes', '--logfile', logfile], { dir, wait: false });
    t.teardown(() => void sp.stop('SIGKILL'));
    t.is(await exited(sp), 1, cmd[0]);
    // The log file's last line, as Redis's (which logs nothing after it), and nothing on stdout or
    // stderr (with a log file, as Redis: server/start-failure.ts).
    const last = readFileSync(logfile, 'latin1').trimEnd().split('\n').at(-1)!;
    t.true(last.endsWith(` # ${line}`), last);
    t.false(sp.output().includes(line!), sp.output());
  }
});

test("a file the manifest names is missing: the start stops with Redis 7.0's exact line (aof-multi-part: some file missing)", async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const dir = dataDir(null, { 'appendonly.aof.manifest': BASE_AND_INCR, 'appendonly.aof.1.base.aof': K4 });
  const redis = await redisRefuses(copyOf(dir));
  t.is(redis.code, 1);
  const line = 'Unable to obtain the AOF file appendonly.aof.1.incr.aof length. stat: No such file or directory';
  t.true(redis.log.includes(` # ${line}\n`), redis.log);
  const logfile = join(tempDir('ks-aofcompat-log-'), 'ks.log');
  const sp = await startBundle(['--appendonly', 'yes', '--logfile', logfile], { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  t.is(await exited(sp), 1);
  const last = readFileSync(logfile, 'latin1').trimEnd().split('\n').at(-1)!;
  t.true(last.endsWith(` # ${line}`), last);
});

test('a truncated base followed by an incr file: refused and left whole, with advice that works (redis-check-aof --fix on the manifest does not)', async (t) => {
  if (!needBinary(t, 'redis-server') || !needBinary(t, 'redis-check-aof')) return;
  const cut = Buffer.concat([K4, aofBytes(['set', 'k5', 'v5']).subarray(0, 19)]);
  const dir = dataDir(null, { 'appendonly.aof.manifest': BASE_AND_INCR, 'appendonly.aof.1.base.aof': cut, 'appendonly.aof.1.incr.aof': aofBytes(['set', 'k6', 'v6']) });
  const base = join(dir, 'appendonlydir', 'appendonly.aof.1.base.aof');

  // Redis 7.0.15 cuts the base on disk, then refuses.
  const redisDir = copyOf(dir);
  const redis = await redisRefuses(redisDir);
  t.is(redis.code, 1);
  t.regex(redis.log, new RegExp(`Truncating the AOF appendonly\\.aof\\.1\\.base\\.aof at offset ${K4.length} !!!\\n.*\\n.*# Fatal error: the truncated file is not the last file\\n`));
  t.deepEqual(readFileSync(join(redisDir, 'appendonlydir', 'appendonly.aof.1.base.aof')), K4);
  // redis-check-aof --fix on the manifest cannot fix it.
  const onManifest = await run('redis-check-aof', ['--fix', join(copyOf(dir), 'appendonlydir', 'appendonly.aof.manifest')], { input: 'y\n' });
  t.regex(onManifest.stdout, /Failed to truncate AOF appendonly\.aof\.1\.base\.aof because it is not the last file/);

  const sp = await startBundle(['--appendonly', 'yes'], { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  t.is(await exited(sp), 1);
  t.regex(sp.output(), new RegExp(`Unexpected end of file reading the append only file ${base} at offset ${K4.length} .*not the last AOF file`));
  t.deepEqual(readFileSync(base), cut, 'not cut');
  // The advice, followed as given, fixes it: the next start loads what Redis's next start loads.
  const fix = /run (redis-check-aof --fix \S+)/.exec(sp.output())?.[1].split(' ');
  t.truthy(fix, sp.output());
  const fixed = await run(fix![0], fix!.slice(1), { input: 'y\n' });
  t.is(fixed.code, 0, fixed.stdout + fixed.stderr);
  const again = await startBundle(['--appendonly', 'yes'], { dir });
  t.teardown(() => void again.stop('SIGKILL'));
  t.deepEqual(await dumpWire(again.port), { '0:k4': v('v4'), '0:k6': v('v6') });
  t.is(await again.stop(), 0);
  const rs = await startRealRedis(['--appendonly', 'yes'], redisDir);
  t.deepEqual(await dumpWire(rs.port), { '0:k4': v('v4'), '0:k6': v('v6') }, "redis-server's second start");
  await rs.stop();
});

test('DEBUG LOADAOF with appendonly no and only an old-style appendonly.aof in dir: moved into appendonlydir and loaded, as Redis', async (t) => {
  // redis-server 7.0.15's DEBUG LOADAOF runs loadAppendOnlyFiles on the manifest read from disk
  // (none here), which migrates the old-style file first, as a start does. Ours answered
  // "ERR DEBUG LOADAOF needs the append-only file" and left the file.
  if (!needBinary(t, 'redis-server')) return;
  const dir = tempDir('ks-aofcompat-');
  writeFileSync(join(dir, 'appendonly.aof'), K1);
  const redisDir = copyOf(dir);
  const cmds = [aofBytes(['DEBUG', 'LOADAOF'], ['GET', 'k1'])];
  const rs = await startRealRedis(['--appendonly', 'no', '--enable-debug-command', 'yes'], redisDir);
  const redis = await exchange(rs.port, cmds);
  await rs.stop();
  const sp = await startBundle(['--appendonly', 'no', '--enable-debug-command', 'yes'], { dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  const ours = await exchange(sp.port, cmds);
  t.is(await sp.stop(), 0);
  t.is(redis.data, '+OK\r\n$2\r\nv1\r\n', 'redis-server');
  t.is(ours.data, redis.data);
  for (const d of [redisDir, dir]) {
    t.false(existsSync(join(d, 'appendonly.aof')), d);
    t.deepEqual(readFileSync(join(d, 'appendonlydir', 'appendonly.aof')), K1);
    t.is(readFileSync(join(d, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'), 'file appendonly.aof seq 1 type b\n');
  }
});

test('relative expiry forms in a file (one made by hand: Redis writes absolute ones) count from the load, and no key expires during it, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const incr = aofBytes(
    ['SET', 'a', '1'], ['EXPIRE', 'a', '100'],
    ['SET', 'e', '1', 'EX', '100'],
    ['SETEX', 'f', '100', 'v'],
    ['SET', 'h', '1', 'PX', '100000'], ['EXPIRE', 'h', '50', 'LT'],
    ['SET', 'l', '1'], ['GETEX', 'l', 'EX', '100'],
    // A deadline passed during the load counts as not passed: the commands after it still see the key.
    ['SET', 'w', '1', 'PXAT', '1'], ['EXPIRE', 'w', '100'],
    ['SET', 'x', '5'], ['EXPIRE', 'x', '-1'], ['INCR', 'x'],
    ['SET', 'b', '5'], ['PEXPIRE', 'b', '0'], ['APPEND', 'b', 'x'],
    ['SET', 'c', '5'], ['PEXPIREAT', 'c', '0'], ['SET', 'c', 'z', 'KEEPTTL'],
    ['SET', 'd', '5'], ['EXPIREAT', 'd', '-5'], ['SETRANGE', 'd', '0', 'q'],
    ['SET', 'g', '5'], ['GETEX', 'g', 'PXAT', '1'], ['INCR', 'g'],
  );
  const dir = dataDir(null, { 'appendonly.aof.1.base.aof': '', 'appendonly.aof.1.incr.aof': incr, 'appendonly.aof.manifest': BASE_AND_INCR });
  const started = Date.now();
  const rs = await startRealRedis(['--appendonly', 'yes'], copyOf(dir));
  t.teardown(() => rs.stop());
  const redis = await dumpWire(rs.port);
  const sp = await startBundle(['--appendonly', 'yes'], { dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  const ours = await dumpWire(sp.port);
  // Deadlines in tens of seconds from the start of the test (each server loads at its own time).
  const shape = (d: Dump): Record<string, [string, number]> =>
    Object.fromEntries(Object.entries(d).map(([k, e]) => [k, [e.value, e.pexpiretime === -1 ? -1 : Math.round((e.pexpiretime - started) / 10_000)]]));
  t.deepEqual(shape(ours), shape(redis));
  // Spelled out: x, b, c, d and g expired once the load was over (SCAN reclaimed them).
  t.deepEqual(shape(ours), { '0:a': ['1', 10], '0:e': ['1', 10], '0:f': ['v', 10], '0:h': ['1', 5], '0:l': ['1', 10], '0:w': ['1', 10] });
});

/** redis-server's log of a start on `dir` up to its Ready line (then it is killed). */
async function redisStartLog(dir: string): Promise<string> {
  const port = String(await freePort());
  const proc = spawn('redis-server', ['--port', port, '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', 'yes', '--logfile', ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not get ready: ${log}`)), 20_000);
    proc.stdout!.on('data', (b: Buffer) => {
      log += b.toString('latin1');
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  proc.kill('SIGKILL');
  return log;
}

/** The message of each log line (`pid:role date time level message`) that `keep` accepts. */
const messages = (log: string, keep: RegExp): string[] =>
  log.split('\n').map((l) => l.replace(/^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ . /, '')).filter((m) => keep.test(m));

test('a last incr file cut in the middle of a command: cut at the same offset, with the log lines of redis-server 7.0.15', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const whole = Buffer.concat([aofBytes(['SELECT', '0']), K1]);
  const incr = Buffer.concat([whole, K4.subarray(0, 11)]);
  const dir = dataDir(null, { 'appendonly.aof.manifest': BASE_AND_INCR, 'appendonly.aof.1.base.aof': K4, 'appendonly.aof.1.incr.aof': incr });
  const redisDir = copyOf(dir);
  const TRUNCATION = /short read|Truncating|loaded anyway/;
  const theirs = messages(await redisStartLog(redisDir), TRUNCATION);
  t.deepEqual(theirs, [
    '!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!',
    `!!! Truncating the AOF appendonly.aof.1.incr.aof at offset ${whole.length} !!!`,
    'AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled',
  ]);
  const sp = await startBundle(['--appendonly', 'yes', '--loglevel', 'notice'], { dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  t.deepEqual(messages(sp.output(), TRUNCATION), theirs);
  t.true(sp.output().includes(`Dropped the last 11 bytes of ${join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof')}: an incomplete last command`), sp.output());
  t.deepEqual(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof')), readFileSync(join(redisDir, 'appendonlydir', 'appendonly.aof.1.incr.aof')));
  t.deepEqual(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof')), whole);
});
