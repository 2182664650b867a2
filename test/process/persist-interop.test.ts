// Interoperability of the append-only file with real Redis 7.0 (Debian's redis-server and
// redis-tools), both in Redis 7's multi-part layout (<dir>/appendonlydir/ + manifest):
// redis-check-aof accepts our manifest; a redis-server started on a copy of our appendonlydir ends
// up with exactly our keys, values, types and TTLs (before and after a rewrite); the same commands
// (SETs, BGREWRITEAOF, SETs) leave the same file names and the same manifest in both directories;
// Keystonelight loads Redis's files — an old-style single file (base alone, base + incr; migrated
// into appendonlydir), a whole Redis 7 appendonlydir (used in place, kept in Redis's layout) — and
// refuses an RDB base or preamble with a clear message.

import test from 'ava';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, startBundle, tempDir, type ServerProcess } from '../helpers/bundle.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis, type RealRedis } from '../helpers/redis.js';
import { copyAof, dumpWire, parseAof, waitFor, type Dump } from '../helpers/aof.js';
import { RawClient } from '../helpers/raw.js';
import { encodeArgs } from '../helpers/resp.js';
import { run } from '../helpers/run.js';

/** A varied dataset, built with commands both servers know (effects, not requests, are logged). */
const SCRIPT: string[][] = [
  ['SET', 'plain', 'hello'],
  ['SET', 'bin\r\n\x00key', 'v\x00\r\n\xff'],
  ['SET', 'ttl', 'x', 'EX', '1000'],
  ['SET', 'pttl', 'y', 'PX', '900000'],
  ['SETEX', 'setex', '500', 'z'],
  ['INCR', 'counter'],
  ['INCRBY', 'counter', '41'],
  ['INCRBYFLOAT', 'float', '3.25'],
  ['SET', 'kt', '5', 'EX', '800'],
  ['INCRBYFLOAT', 'kt', '0'],
  ['APPEND', 'app', 'abc'],
  ['APPEND', 'app', 'def'],
  ['SETRANGE', 'range', '5', 'xyz'],
  ['MSET', 'm1', '1', 'm2', '2', 'm3', '3'],
  ['GETDEL', 'm2'],
  ['EXPIRE', 'm1', '700'],
  ['PERSIST', 'ttl'],
  ['SET', 'big', 'B'.repeat(100_000)],
  ['RENAME', 'm3', 'm3renamed'],
  ['SELECT', '2'],
  ['SET', 'db2', 'two'],
  ['PEXPIREAT', 'db2', String(Date.now() + 3_600_000)],
  ['COPY', 'db2', 'db2copy'],
  ['SELECT', '3'],
  ['SET', 'gone', '1'],
  ['FLUSHDB'],
  ['SET', 'db3', 'three'],
  ['SWAPDB', '3', '4'],
  ['SELECT', '0'],
  ['MOVE', 'plain', '5'],
  ['SET', 'expired', 'e', 'PX', '1'],
];

/** More commands whose logged effect differs from the request (or that log nothing). */
const MORE_EFFECTS: string[][] = [
  ['SET', 'g', '1'],
  ['GETEX', 'g', 'EX', '100'],
  ['GETEX', 'g', 'PERSIST'],
  ['GETEX', 'g', 'PXAT', String(Date.now() - 1000)],
  ['SET', 'g', '2', 'GET'],
  ['SET', 'g', '3', 'KEEPTTL'],
  ['SET', 'g', '4', 'NX'],
  ['SETNX', 'g', '5'],
  ['PSETEX', 'p', '100000', 'v'],
  ['GETSET', 'p', 'w'],
  ['MSETNX', 'n1', '1', 'n2', '2'],
  ['MSETNX', 'n1', '1', 'n3', '3'],
  ['DECR', 'n1'],
  ['DEL', 'n1', 'nothere', 'n2'],
  ['SET', 'u', '1'],
  ['UNLINK', 'u'],
  ['SET', 'x', '1'],
  ['EXPIRE', 'x', '-1'],
  ['SET', 'y', '1'],
  ['EXPIREAT', 'y', String(Math.floor(Date.now() / 1000) + 1000)],
  ['PEXPIRE', 'y', '5000000'],
  ['EXPIRE', 'y', '100', 'GT'],
  ['RENAMENX', 'y', 'z'],
  ['TOUCH', 'z'],
  ['GET', 'z'],
  ['SET', 'short', '1', 'PX', '1'],
  ['SELECT', '9'],
  ['SET', 'nine', '9'],
  ['FLUSHALL'],
  ['SELECT', '0'],
  ['SET', 'last', '1'],
];

/**
 * Keys a command finds expired (active expiry off): Redis 7.0 logs their DELs and the command's own
 * effect as one MULTI/EXEC block when there is more than one, a SELECT they need before the block.
 */
const px1 = (key: string): string[] => ['SET', key, '1', 'PX', '1'];
const LAZY_EXPIRY: string[][] = [
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
  px1('la'), px1('lb'), px1('lc'), px1('ld'), px1('le'), px1('lf'), px1('lh'),
  ['SELECT', '4'], px1('lg'), ['DEBUG', 'SLEEP', '0.01'],
  ['SET', 'lg', '2'], // MULTI, DEL lg, SET lg 2, EXEC
  ['SELECT', '0'],
  ['SET', 'lh', '2'], // SELECT 0, MULTI, DEL lh, SET lh 2, EXEC
  ['SET', 'la', '2', 'GET'],
  ['MGET', 'lb', 'lc'], // a read: MULTI, DEL lb, DEL lc, EXEC
  ['GET', 'ld'], // one effect: DEL ld alone
  ['MSET', 'le', '1', 'lf', '2'],
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
];

async function runScript(port: number, script = SCRIPT): Promise<void> {
  await runScripts([port], script);
}

/** The script on each server, command by command in step: relative TTLs become absolute times
 * that a loaded machine cannot set apart by more than one command's round trip. */
async function runScripts(ports: number[], script = SCRIPT): Promise<void> {
  const cs = await Promise.all(ports.map((p) => RawClient.connect(p)));
  for (const cmd of script) {
    for (const r of await Promise.all(cs.map((c) => c.call(...cmd)))) if (r.startsWith('-')) throw new Error(`${cmd[0]}: ${r}`);
  }
  for (const c of cs) c.close();
  await new Promise((r) => setTimeout(r, 20)); // let 'expired' expire
}

/** DEBUG DIGEST (Redis's exact dataset digest) of a server. */
async function digest(port: number): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    return await c.call('DEBUG', 'DIGEST');
  } finally {
    c.close();
  }
}

/** A real redis-server started on `dir` loads it to `data`, with DEBUG DIGEST `dig`. */
async function redisLoads(t: { deepEqual(a: unknown, b: unknown, m?: string): void; is(a: unknown, b: unknown, m?: string): void }, dir: string, data: Dump, dig: string, what: string): Promise<void> {
  const rs = await startRealRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', '--enable-debug-command', 'yes'], dir);
  try {
    t.deepEqual(await dumpWire(rs.port), data, what);
    t.is(await digest(rs.port), dig, `${what}: DEBUG DIGEST`);
  } finally {
    await rs.stop();
  }
}

/** The manifest of the AOF directory of the data directory `dir`. */
const manifestOf = (dir: string): string => join(dir, 'appendonlydir', 'appendonly.aof.manifest');

/** redis-check-aof on the manifest of `dir`: every file it names, and the manifest, are valid. */
async function checkAof(t: { true(v: boolean, m?: string): void }, dir: string): Promise<void> {
  const r = await run('redis-check-aof', [manifestOf(dir)]);
  t.true(/All AOF files and manifest are valid/.test(r.stdout), r.stdout + r.stderr);
}

/**
 * BGREWRITEAOF on `c`'s server; resolves once that rewrite is over (INFO persistence: one more in
 * aof_rewrites, none in progress or scheduled), with the command's reply.
 */
async function bgRewrite(c: RawClient, what: string): Promise<string> {
  const rewrites = async (): Promise<{ count: number; idle: boolean }> => {
    const info = await c.call('INFO', 'persistence');
    return { count: Number(/\r\naof_rewrites:(\d+)\r\n/.exec(info)?.[1]), idle: /\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n/.test(info) };
  };
  const before = (await rewrites()).count;
  const reply = await c.call('BGREWRITEAOF');
  await waitFor(async () => {
    const now = await rewrites();
    return now.count > before && now.idle;
  }, 15_000, what);
  return reply;
}

test('our file is valid for redis-check-aof, and a real redis-server loads exactly our dataset (before and after a rewrite)', async (t) => {
  if (!needBinary(t, 'redis-server') || !needBinary(t, 'redis-check-aof')) return;
  const sp = await startBundle(['--appendfsync', 'always', '--loglevel', 'notice', '--enable-debug-command', 'yes']);
  t.teardown(() => void sp.stop('SIGKILL'));
  await runScript(sp.port);
  for (const phase of ['as written', 'after BGREWRITEAOF']) {
    if (phase !== 'as written') {
      const c = await RawClient.connect(sp.port);
      await c.call('BGREWRITEAOF');
      c.close();
      await waitFor(() => /rewrite finished|rewrite failed/.test(sp.output()), 15_000, 'the rewrite');
      t.regex(sp.output(), /rewrite finished successfully/);
    }
    const ours = await dumpWire(sp.port);
    t.true(Object.keys(ours).length >= 15, phase);
    t.falsy(ours['0:expired']);
    await checkAof(t, sp.dir);
    const copy = tempDir('ks-interop-');
    copyAof(sp.dir, copy);
    const redis = await startRealRedis(['--appendonly', 'yes', '--enable-debug-command', 'yes'], copy);
    try {
      t.deepEqual(await dumpWire(redis.port), ours, phase);
      t.is(await digest(redis.port), await digest(sp.port), `${phase}: DEBUG DIGEST`);
    } finally {
      await redis.stop();
    }
  }
  t.is(await sp.stop(), 0);
});

/** A real Redis with a non-RDB AOF: dataset A, BGREWRITEAOF, then dataset B in the incr file. */
async function redisFiles(): Promise<{ dir: string; dumpA: Dump; dumpB: Dump; digestB: string; stop(): Promise<void> }> {
  const redis = await startRealRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', '--appendfsync', 'always', '--enable-debug-command', 'yes']);
  try {
    return await redisFilesOn(redis);
  } catch (e) {
    await redis.stop();
    throw e;
  }
}

async function redisFilesOn(redis: RealRedis): ReturnType<typeof redisFiles> {
  await runScript(redis.port);
  const c = await RawClient.connect(redis.port);
  await c.call('EVAL', "redis.call('set','lua','1'); redis.call('incr','lua'); return 1", '0'); // logged as MULTI/EXEC
  await bgRewrite(c, 'the Redis rewrite');
  const dumpA = await dumpWire(redis.port);
  await runScript(redis.port, [['INCR', 'counter'], ['APPEND', 'app', 'ghi'], ['DEL', 'float'], ['SELECT', '6'], ['SET', 'late', 'l', 'EX', '100']]);
  await c.call('EVAL', "redis.call('incr','lua'); redis.call('set','lua2','x'); return 1", '0');
  const dumpB = await dumpWire(redis.port);
  const digestB = await digest(redis.port);
  c.close();
  return { dir: join(redis.dir, 'appendonlydir'), dumpA, dumpB, digestB, stop: () => redis.stop() };
}

test('Keystonelight loads Redis 7 files: a single base file, base + incr as one file, and a whole appendonlydir', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const r = await redisFiles();
  t.teardown(() => r.stop());
  const files = readdirSync(r.dir);
  const base = files.find((f) => f.endsWith('.base.aof'))!;
  const incr = files.find((f) => f.endsWith('.incr.aof'))!;
  t.truthy(base && incr, files.join(', '));

  const single = tempDir('ks-import-');
  copyFileSync(join(r.dir, base), join(single, 'appendonly.aof'));
  const started: ServerProcess[] = [];
  t.teardown(() => void Promise.all(started.map((p) => p.stop('SIGKILL'))));
  const start = async (args: string[], dir: string): Promise<ServerProcess> => {
    const p = await startBundle(args, { dir });
    started.push(p);
    return p;
  };
  let sp = await start(['--loglevel', 'warning'], single);
  t.deepEqual(await dumpWire(sp.port), r.dumpA, 'the base file alone');
  t.is(await sp.stop(), 0);

  const both = tempDir('ks-import-');
  writeFileSync(join(both, 'appendonly.aof'), Buffer.concat([readFileSync(join(r.dir, base)), readFileSync(join(r.dir, incr))]));
  sp = await start(['--loglevel', 'warning', '--enable-debug-command', 'yes'], both);
  t.deepEqual(await dumpWire(sp.port), r.dumpB, 'base + incr');
  t.is(await digest(sp.port), r.digestB, 'base + incr: DEBUG DIGEST');
  t.is(await sp.stop(), 0);

  // A whole Redis 7 appendonlydir is our own layout: used in place, nothing renamed or rewritten.
  const whole = tempDir('ks-import-');
  const aofDir = join(whole, 'appendonlydir');
  cpSync(r.dir, aofDir, { recursive: true });
  const listing = readdirSync(r.dir).sort();
  const manifest = readFileSync(join(r.dir, 'appendonly.aof.manifest'), 'latin1');
  const contents = (): Record<string, Buffer> => Object.fromEntries(readdirSync(aofDir).map((f) => [f, readFileSync(join(aofDir, f))]));
  const before = contents();
  sp = await start(['--loglevel', 'notice', '--enable-debug-command', 'yes'], whole);
  t.deepEqual(await dumpWire(sp.port), r.dumpB, 'the appendonlydir');
  t.is(await digest(sp.port), r.digestB, 'the appendonlydir: DEBUG DIGEST');
  t.notRegex(sp.output(), /Imported|migrated|Creating AOF/, 'used as it is');
  t.deepEqual(readdirSync(whole).filter((f) => f !== 'keystonelight.pid'), ['appendonlydir'], 'nothing beside it (no import, no rename)');
  t.deepEqual(contents(), before, 'loading changed no file');
  // Our writes go to Redis's last incr file, and the directory keeps Redis's layout.
  const c = await RawClient.connect(sp.port);
  t.is(await c.call('SET', 'ours', 'written by keystonelight'), '+OK\r\n');
  t.is(await c.call('SELECT', '7'), '+OK\r\n');
  t.is(await c.call('INCRBY', 'counter7', '7'), ':7\r\n');
  c.close();
  const dumpC = await dumpWire(sp.port);
  const digestC = await digest(sp.port);
  t.is(await sp.stop(), 0);
  t.deepEqual(readdirSync(aofDir).sort(), listing, 'the same files');
  t.is(readFileSync(join(aofDir, 'appendonly.aof.manifest'), 'latin1'), manifest, 'the same manifest');
  const incrName = readdirSync(aofDir).filter((f) => f.endsWith('.incr.aof')).sort().at(-1)!;
  const after = contents();
  for (const [f, bytes] of Object.entries(before)) {
    if (f === incrName) t.true(after[f].subarray(0, bytes.length).equals(bytes) && after[f].length > bytes.length, `${f}: appended to`);
    else t.true(after[f].equals(bytes), `${f}: unchanged`);
  }
  await checkAof(t, whole);
  sp = await start(['--loglevel', 'warning'], whole);
  t.deepEqual(await dumpWire(sp.port), dumpC, 'restarted on it');
  t.is(await sp.stop(), 0);
  // And a real redis-server loads it back, with our writes.
  await redisLoads(t, whole, dumpC, digestC, 'redis-server on the directory we wrote to');
});

test('an RDB base or an RDB preamble is refused with a clear message, and nothing is changed', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'yes']);
  t.teardown(() => redis.stop());
  const c = await RawClient.connect(redis.port);
  await c.call('SET', 'a', '1');
  await bgRewrite(c, 'the Redis rewrite');
  c.close();
  const src = join(redis.dir, 'appendonlydir');
  const rdbBase = readdirSync(src).find((f) => f.endsWith('.base.rdb'))!;
  t.truthy(rdbBase);

  const dirCase = tempDir('ks-rdb-');
  cpSync(src, join(dirCase, 'appendonlydir'), { recursive: true });
  const a = await startBundle([], { dir: dirCase, wait: false });
  t.teardown(() => void a.stop('SIGKILL'));
  t.is(await exited(a), 1);
  t.regex(a.output(), /is an RDB file, which is not supported/);
  t.deepEqual(readdirSync(join(dirCase, 'appendonlydir')).sort(), readdirSync(src).sort());

  const fileCase = tempDir('ks-rdb-');
  mkdirSync(fileCase, { recursive: true });
  copyFileSync(join(src, rdbBase), join(fileCase, 'appendonly.aof'));
  const b = await startBundle([], { dir: fileCase, wait: false });
  t.teardown(() => void b.stop('SIGKILL'));
  t.is(await exited(b), 1);
  t.regex(b.output(), /starts with an RDB preamble, which is not supported: .*aof-use-rdb-preamble no/);
  t.deepEqual(readFileSync(join(fileCase, 'appendonlydir', 'appendonly.aof')), readFileSync(join(src, rdbBase)), 'migrated into appendonlydir, unchanged');
});

test('a snapshot in dir (dbfilename) is named as ignored at start, with appendonly no too (Redis would load it)', async (t) => {
  for (const [args, file] of [[['--appendonly', 'no'], 'dump.rdb'], [['--appendonly', 'yes'], 'dump.rdb'], [['--appendonly', 'no', '--dbfilename', 'snap.rdb'], 'snap.rdb']] as const) {
    const dir = tempDir('ks-rdbfile-');
    writeFileSync(join(dir, file), 'REDIS0010');
    const sp = await startBundle([...args, '--loglevel', 'warning'], { dir });
    t.teardown(() => void sp.stop('SIGKILL'));
    t.is(await sp.stop(), 0);
    t.true(sp.output().includes(`${join(dir, file)} is ignored: Keystonelight reads only append-only files`), `${args.join(' ')}: ${sp.output()}`);
  }
});

test('the same commands log the same effects as Redis 7.0 (absolute times within a second)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', '--appendfsync', 'always', '--enable-debug-command', 'yes']);
  t.teardown(() => redis.stop());
  const sp = await startBundle(['--appendfsync', 'always', '--loglevel', 'warning', '--enable-debug-command', 'yes']);
  t.teardown(() => void sp.stop('SIGKILL'));
  for (const script of [SCRIPT, MORE_EFFECTS, LAZY_EXPIRY]) await runScripts([redis.port, sp.port], script);
  const incr = readdirSync(join(redis.dir, 'appendonlydir')).find((f) => f.endsWith('.incr.aof'))!;
  // The expiry of 'expired' is logged whenever either server's active expiry gets to it: not compared.
  // Effects are compared with the database each applies to (SELECTs folded in), so the SELECT
  // pair around such a DEL — logged by one server and not the other — does not count either.
  const expiry = (c: string[]): boolean => !(c[1] === 'DEL' && (c[2] === 'expired' || c[2] === 'short'));
  const withDb = (cmds: string[][]): string[][] => {
    let db = '0';
    const out: string[][] = [];
    for (const c of cmds) {
      if (c[0].toUpperCase() === 'SELECT') db = c[1];
      else out.push([db, ...c]);
    }
    return out;
  };
  const theirs = withDb(parseAof(readFileSync(join(redis.dir, 'appendonlydir', incr)))).filter(expiry);
  const ourIncr = readdirSync(join(sp.dir, 'appendonlydir')).find((f) => f.endsWith('.incr.aof'))!;
  t.is(ourIncr, incr, 'the same incr file');
  const ours = withDb(parseAof(readFileSync(join(sp.dir, 'appendonlydir', ourIncr)))).filter(expiry);
  const isTime = (s: string): boolean => /^1\d{12}$/.test(s);
  const same = (a: string[], b: string[]): boolean =>
    a.length === b.length && a.every((x, i) => x === b[i] || (isTime(x) && isTime(b[i]) && Math.abs(Number(x) - Number(b[i])) < 1000));
  const n = Math.max(theirs.length, ours.length);
  for (let i = 0; i < n; i++) {
    if (!same(ours[i] ?? [], theirs[i] ?? [])) {
      t.fail(`effect ${i} differs: ours ${JSON.stringify(ours[i]?.map((s) => s.slice(0, 40)))}, Redis ${JSON.stringify(theirs[i]?.map((s) => s.slice(0, 40)))}`);
      return;
    }
  }
  t.pass();
});

/** The file names in `dir`'s appendonlydir, sorted, and its manifest's text. */
function layoutOf(dir: string): { files: string[]; manifest: string } {
  return { files: readdirSync(join(dir, 'appendonlydir')).sort(), manifest: readFileSync(manifestOf(dir), 'latin1') };
}

for (const start of ['a fresh start', 'an old-style appendonly.aof'] as const) {
  test(`the same commands leave the same appendonlydir as Redis 7.0 after ${start}: file names and manifest, byte for byte`, async (t) => {
    if (!needBinary(t, 'redis-server') || !needBinary(t, 'redis-check-aof')) return;
    const old = start === 'an old-style appendonly.aof';
    const dirs = [tempDir('ks-diff-'), tempDir('ks-diff-')];
    if (old) for (const d of dirs) writeFileSync(join(d, 'appendonly.aof'), Buffer.concat([encodeArgs(['SELECT', '0']), encodeArgs(['SET', 'old', 'style'])]));
    const redis = await startRealRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', '--save', '', '--enable-debug-command', 'yes'], dirs[0]);
    t.teardown(() => redis.stop());
    const sp = await startBundle(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', '--save', '', '--loglevel', 'notice', '--enable-debug-command', 'yes'], { dir: dirs[1] });
    t.teardown(() => void sp.stop('SIGKILL'));
    t.deepEqual(layoutOf(sp.dir), layoutOf(redis.dir), `after ${start}`);
    if (old) {
      t.is(layoutOf(sp.dir).manifest, 'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
      t.regex(sp.output(), /Successfully migrated an old-style AOF file \(appendonly\.aof\) into the AOF directory \(appendonlydir\)\./);
    } else {
      t.regex(sp.output(), /Creating AOF base file appendonly\.aof\.1\.base\.aof on server start/);
    }
    t.regex(sp.output(), /Creating AOF incr file appendonly\.aof\.1\.incr\.aof on server start/);

    const before: string[][] = [['SET', 'a', '1'], ['SET', 'b', '2'], ['SELECT', '3'], ['SET', 'c', '3'], ['SET', 'a', '4']];
    const after: string[][] = [['SET', 'd', '5'], ['SELECT', '0'], ['SET', 'a', '6'], ['SET', 'e', '7', 'PX', '3600000']];
    for (const port of [redis.port, sp.port]) {
      await runScript(port, before);
      const c = await RawClient.connect(port);
      t.is(await bgRewrite(c, `the rewrite on ${port}`), '+Background append only file rewriting started\r\n');
      c.close();
      await runScript(port, after);
    }
    t.regex(sp.output(), /Creating AOF incr file appendonly\.aof\.2\.incr\.aof on background rewrite/);
    // Both delete the replaced files in the background: wait until both listings settle.
    await waitFor(() => JSON.stringify(layoutOf(sp.dir)) === JSON.stringify(layoutOf(redis.dir)), 5_000, 'the same layout').catch(() => {});
    const ours = layoutOf(sp.dir);
    const theirs = layoutOf(redis.dir);
    t.deepEqual(ours.files, theirs.files, 'the same files');
    t.deepEqual(ours.files, ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    t.is(ours.manifest, theirs.manifest, 'the same manifest, byte for byte');
    t.deepEqual(readdirSync(sp.dir).filter((f) => f.startsWith('temp-')), [], 'no temp file left');
    // The writes after the rewrite are the incr file: the same commands in both.
    const incr = (dir: string): string[][] => parseAof(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.2.incr.aof')))
      .map((c) => c.map((a) => (/^1\d{12}$/.test(a) ? 'time' : a)));
    t.deepEqual(incr(sp.dir), incr(redis.dir), 'the same incr file');
    await checkAof(t, sp.dir);

    const oursData = await dumpWire(sp.port);
    const theirsData = await dumpWire(redis.port);
    t.is(Object.keys(oursData).length, old ? 7 : 6);
    const oursDigest = await digest(sp.port);
    const theirsDigest = await digest(redis.port);
    t.is(await sp.stop(), 0);
    // Each server loads the other's directory (Redis's copied while it runs idle: it wrote before it replied).
    const forUs = tempDir('ks-diff-');
    copyAof(redis.dir, forUs);
    const forRedis = tempDir('ks-diff-');
    copyAof(sp.dir, forRedis);
    await redis.stop();

    const ks = await startBundle(['--enable-debug-command', 'yes'], { dir: forUs });
    t.teardown(() => void ks.stop('SIGKILL'));
    t.deepEqual(await dumpWire(ks.port), theirsData, "Keystonelight on Redis's directory");
    t.is(await digest(ks.port), theirsDigest, "Keystonelight on Redis's directory: DEBUG DIGEST");
    t.is(await ks.stop(), 0);
    await redisLoads(t, forRedis, oursData, oursDigest, 'redis-server on our directory');
  });
}

test('INFO counts CONFIG SET appendonly yes as a rewrite, across toggles, reset by CONFIG RESETSTAT, as Redis 7.0', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis(['--appendonly', 'no', '--save', '']);
  t.teardown(() => redis.stop());
  const sp = await startBundle(['--appendonly', 'no', '--loglevel', 'warning']);
  t.teardown(() => void sp.stop('SIGKILL'));
  /** aof_enabled, aof_rewrites and aof_last_rewrite_time_sec once no rewrite runs (Redis's is in a child). */
  const state = async (c: RawClient): Promise<string> => {
    let info = '';
    await waitFor(async () => /\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n/.test((info = await c.call('INFO', 'persistence'))), 15_000, 'no rewrite');
    // Redis's time is whole seconds of wall clock (time(NULL) differences): a quick rewrite that
    // crosses a second shows 1. Both 0 and 1 read as "a quick rewrite"; -1 (none yet) stays.
    return ['aof_enabled', 'aof_rewrites', 'aof_last_rewrite_time_sec'].map((f) => new RegExp(`\\r\\n(${f}:[^\\r]*)`).exec(info)?.[1])
      .join(' ').replace(/aof_last_rewrite_time_sec:[01]$/, 'aof_last_rewrite_time_sec:quick');
  };
  const steps: string[][] = [
    ['SET', 'a', '1'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['CONFIG', 'SET', 'appendonly', 'no'],
    ['CONFIG', 'SET', 'appendonly', 'yes'], ['CONFIG', 'RESETSTAT'], ['CONFIG', 'SET', 'appendonly', 'no'],
  ];
  const seen: Record<number, string[]> = {};
  for (const port of [redis.port, sp.port]) {
    const c = await RawClient.connect(port);
    seen[port] = [await state(c)];
    for (const cmd of steps) {
      t.is(await c.call(...cmd), '+OK\r\n', `${cmd.join(' ')} on ${port}`);
      seen[port].push(`${cmd.join(' ')} -> ${await state(c)}`);
    }
    c.close();
  }
  t.deepEqual(seen[sp.port], seen[redis.port]);
  t.is(seen[sp.port][4], 'CONFIG SET appendonly yes -> aof_enabled:1 aof_rewrites:2 aof_last_rewrite_time_sec:quick');
});

test('a rewrite writes the keys whose deadline passed but that are still stored, as Redis 7.0; a restart loads them, then expires them', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', '--enable-debug-command', 'yes']);
  t.teardown(() => redis.stop());
  const sp = await startBundle(['--appendonly', 'yes', '--loglevel', 'warning', '--enable-debug-command', 'yes']);
  t.teardown(() => void sp.stop('SIGKILL'));
  await runScripts([redis.port, sp.port], [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'a', '1', 'EX', '100'], ['SET', 'b', '2'], ['SET', 'c', '3', 'PX', '30'],
    ['SELECT', '2'], ['SET', 'd', '4', 'PXAT', '99999999999999'], ['SET', 'e', '5', 'PX', '30'],
  ]);
  await new Promise((r) => setTimeout(r, 100));
  const base = async (port: number, dir: string): Promise<string[]> => {
    const c = await RawClient.connect(port);
    t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
    await waitFor(async () => /aof_rewrite_in_progress:0\r\n/.test(await c.call('INFO', 'persistence')), 10_000, 'the rewrite');
    c.close();
    const file = readdirSync(join(dir, 'appendonlydir')).find((f) => f.endsWith('.2.base.aof'))!;
    // Each command with the database it applies to; times masked (the servers ran apart), in key
    // order (the walk's order is each server's own).
    let db = '0';
    const out: string[] = [];
    for (const cmd of parseAof(readFileSync(join(dir, 'appendonlydir', file)))) {
      if (cmd[0].toUpperCase() === 'SELECT') db = cmd[1];
      else out.push(JSON.stringify([db, ...cmd.map((x) => (/^1\d{12}$/.test(x) ? 'T' : x))]));
    }
    return out.sort();
  };
  const ours = await base(sp.port, sp.dir);
  t.deepEqual(ours, await base(redis.port, redis.dir));
  t.true(ours.includes(JSON.stringify(['0', 'SET', 'c', '3'])) && ours.includes(JSON.stringify(['2', 'PEXPIREAT', 'e', 'T'])));
  // Restarted (active expiry on again), the server loads c and e, then expires them: DELs in the incr file.
  t.is(await sp.stop(), 0);
  const again = await startBundle(['--appendonly', 'yes', '--loglevel', 'warning'], { dir: sp.dir });
  t.teardown(() => void again.stop('SIGKILL'));
  const c = await RawClient.connect(again.port);
  t.teardown(() => c.close());
  await waitFor(() => /\r\nDEL\r\n\$1\r\nc\r\n/.test(readFileSync(join(sp.dir, 'appendonlydir', 'appendonly.aof.2.incr.aof'), 'latin1')), 5000, 'the DEL of c');
  t.is(await c.call('DBSIZE'), ':2\r\n');
});
