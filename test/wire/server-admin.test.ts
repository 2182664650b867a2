// DEBUG (its gate, DIGEST against a real server on generated datasets, SLEEP, SET-ACTIVE-EXPIRE)
// and SHUTDOWN over the wire.

import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { serve } from '../helpers/serve.js';
import { needBinary } from '../helpers/bins.js';
import { waitFor } from '../helpers/aof.js';

const DEBUG_ON = { 'enable-debug-command': 'yes' };

test('DEBUG is refused unless enable-debug-command allows it (Redis 7.0 default: no)', async (t) => {
  const off = await serve(t);
  const local = await serve(t, { config: { 'enable-debug-command': 'local' } });
  const [a, b] = await Promise.all([RawClient.connect(off.port), RawClient.connect(local.port)]);
  try {
    t.regex(await a.call('DEBUG', 'DIGEST'), /^-ERR DEBUG command not allowed\. If the enable-debug-command option is set to "local"/);
    t.is(await a.call('DEBUG'), "-ERR wrong number of arguments for 'debug' command\r\n");
    t.is(await b.call('DEBUG', 'DIGEST'), `+${'0'.repeat(40)}\r\n`, 'loopback clients are local');
  } finally {
    a.close();
    b.close();
    await Promise.all([off.close(), local.close()]);
  }
});

/** A deterministic pseudo-random generator (tests must be repeatable). */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
}

/** Commands building a dataset of string keys in several databases, some with TTLs, some binary. */
function dataset(seed: number): string[][] {
  const r = rng(seed);
  const cmds: string[][] = [];
  for (let db = 0; db < 3; db++) {
    cmds.push(['SELECT', String(db)]);
    for (let i = 0; i < 60; i++) {
      const key = r() < 0.1 ? `\x00k\xff${i}` : `key:${Math.floor(r() * 40)}`;
      const value = r() < 0.3 ? String(Math.floor(r() * 1e6) - 5e5) : 'v'.repeat(Math.floor(r() * 60)) + String.fromCharCode(Math.floor(r() * 256));
      const cmd = ['SET', key, value];
      if (r() < 0.3) cmd.push('EX', String(1000 + Math.floor(r() * 1000)));
      cmds.push(cmd);
      if (r() < 0.1) cmds.push(['APPEND', key, 'tail']);
      if (r() < 0.05) cmds.push(['DEL', `key:${Math.floor(r() * 40)}`]);
    }
  }
  return cmds;
}

test('DEBUG DIGEST and DIGEST-VALUE equal a real redis-server on the same data', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const ks = await serve(t, { config: DEBUG_ON });
  const redis = await startRealRedis(['--enable-debug-command', 'yes']);
  const [k, r] = await Promise.all([RawClient.connect(ks.port), RawClient.connect(redis.port)]);
  const both = (...args: string[]): Promise<[string, string]> => Promise.all([r.call(...args), k.call(...args)]);
  try {
    for (const seed of [1, 2, 3]) {
      await both('FLUSHALL');
      const [emptyR, emptyK] = await both('DEBUG', 'DIGEST');
      t.is(emptyK, emptyR);
      for (const cmd of dataset(seed)) await both(...cmd);
      const [dr, dk] = await both('DEBUG', 'DIGEST');
      t.regex(dk, /^\+[0-9a-f]{40}\r\n$/);
      t.is(dk, dr, `seed ${seed}`);
      await both('SELECT', '1');
      const [vr, vk] = await both('DEBUG', 'DIGEST-VALUE', 'key:1', 'key:2', 'key:3', 'nosuch');
      t.is(vk, vr);
    }
  } finally {
    k.close();
    r.close();
    await Promise.all([ks.close(), redis.stop()]);
  }
});

test('DEBUG RELOAD drops the keys whose deadline has passed, as redis-server (whose RDB load skips them)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ks-reload-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ks = await serve(t, { config: { ...DEBUG_ON, appendonly: 'yes', dir } });
  const redis = await startRealRedis(['--enable-debug-command', 'yes']);
  t.teardown(() => redis.stop());
  const [k, r] = await Promise.all([RawClient.connect(ks.port), RawClient.connect(redis.port)]);
  t.teardown(() => (k.close(), r.close()));
  const both = (...args: string[]): Promise<string[]> => Promise.all([k.call(...args), r.call(...args)]);
  for (const cmd of [['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'e', 'v', 'PX', '10'], ['SET', 'a', '1']]) await both(...cmd);
  await new Promise((res) => setTimeout(res, 50));
  t.deepEqual(await both('DBSIZE'), [':2\r\n', ':2\r\n'], 'e still stored: nothing touched it');
  t.deepEqual(await both('DEBUG', 'RELOAD'), ['+OK\r\n', '+OK\r\n']);
  t.deepEqual(await both('DBSIZE'), [':1\r\n', ':1\r\n']);
});

test('DEBUG SLEEP blocks the server; SET-ACTIVE-EXPIRE 0 leaves expired keys to lazy expiry', async (t) => {
  const s = await startServer({ port: 0, config: { ...DEBUG_ON, hz: '100' } });
  const c = await RawClient.connect(s.port);
  try {
    const t0 = Date.now();
    t.is(await c.call('DEBUG', 'SLEEP', '0.2'), '+OK\r\n');
    t.true(Date.now() - t0 >= 190);
    t.is(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
    await c.call('SET', 'k', 'v', 'PX', '20');
    await new Promise((r) => setTimeout(r, 150));
    t.is(s.server.keyspace.dbs[0].size, 1, 'still stored: nothing touched it');
    t.is(await c.call('GET', 'k'), '$-1\r\n');
    t.is(s.server.keyspace.dbs[0].size, 0);
    await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    await c.call('SET', 'k', 'v', 'PX', '20');
    // Waited for rather than slept: this process also runs the file's other tests, whose DEBUG
    // SLEEPs (in-process servers) hold the cron back, and a loaded machine more. Nothing reads the
    // key meanwhile, so only the active cycle can remove it.
    await waitFor(() => s.server.keyspace.dbs[0].size === 0, 10_000, 'the active cycle to remove the key');
    t.is(s.server.keyspace.dbs[0].size, 0, 'the active cycle removed it');
    // Read with C's atoi, as Redis: the int keeps the low 32 bits of the long, so 2^32 is 0 (off)
    // and 2^32+1 is 1; digits after a space or a sign count, anything else is 0 (redis-server
    // 7.0.15: DBSIZE 20 after 20 SETs PX 30 and 0.6 s with 4294967296).
    for (const [arg, on] of [['4294967296', false], ['4294967297', true], [' +2x', true], ['-8589934592', false], ['x1', false], ['99999999999999999999', true]] as const) {
      t.is(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', arg), '+OK\r\n');
      t.is(s.server.activeExpire, on, arg);
    }
    t.is(await c.call('DEBUG', 'LOG', 'a test message'), '+OK\r\n');
  } finally {
    c.close();
    await s.close();
  }
});

// Redis 7.0: `long long utime = strtod(arg, NULL) * 1000000`, then nanosleep. Lower bounds only
// (a loaded machine only makes a sleep longer).
test('DEBUG SLEEP reads its time as strtod (hex floats too) and sleeps microseconds, as Redis', async (t) => {
  const s = await serve(t, { config: DEBUG_ON });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  let t0 = performance.now();
  t.is(await c.call('DEBUG', 'SLEEP', '0x1p-3'), '+OK\r\n');
  t.true(performance.now() - t0 >= 100, '0x1p-3 is 0.125 s (read as 0 before)');
  t0 = performance.now();
  for (let i = 0; i < 20; i++) t.is(await c.call('DEBUG', 'SLEEP', '0.0009'), '+OK\r\n');
  t.true(performance.now() - t0 >= 15, '20 times 900 us (whole milliseconds slept none before)');
  // Out of a long long's microseconds: x86-64's conversion gives its minimum, which nanosleep
  // refuses at once (redis-server 7.0.15 answers at once); this slept for ever before.
  for (const arg of ['1e300', '9.3e12', '-9.3e12', 'nan', 'inf']) t.is(await c.call('DEBUG', 'SLEEP', arg), '+OK\r\n', arg);
});

test('DEBUG RELOAD options and the DEBUG LOG text end at a NUL byte, as Redis reads them (strcasecmp, %s)', async (t) => {
  const lines: string[] = [];
  const s = await serve(t, { config: DEBUG_ON, log: (_level, message) => void lines.push(message) });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  const plain = await c.call('DEBUG', 'RELOAD', 'NOSAVE', 'MERGE');
  t.notRegex(plain, /only supports/);
  t.is(await c.call('DEBUG', 'RELOAD', 'NOSAVE\0x', 'merge\0'), plain);
  t.is(await c.call('DEBUG', 'RELOAD', 'NOSAVEx'), '-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n');
  t.is(await c.call('DEBUG', 'LOG', 'hello\0tail'), '+OK\r\n');
  t.true(lines.includes('DEBUG LOG: hello'), JSON.stringify(lines));
});

test('DEBUG LOG and MODULE LOAD lines in the log file hold the bytes sent, cut at 1023 bytes, as redis-server 7.0.15 writes them', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ks-debuglog-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ks = await serve(t, { config: { ...DEBUG_ON, 'enable-module-command': 'yes', logfile: join(dir, 'ks.log'), loglevel: 'notice' } });
  const redis = await startRealRedis(['--enable-debug-command', 'yes', '--enable-module-command', 'yes', '--logfile', join(dir, 'redis.log'), '--loglevel', 'notice']);
  t.teardown(() => redis.stop());
  // UTF-8 as redis-cli sends "café" (the protocol's chars are bytes), and a message over LOG_MAX_LEN.
  const cafe = Buffer.from('café ünïcode', 'utf8').toString('latin1');
  const sent = [['DEBUG', 'LOG', cafe], ['DEBUG', 'LOG', `long ${'x'.repeat(3000)} end`], ['MODULE', 'LOAD', `/nonexistent/${cafe}.so`], ['MODULE', 'LOADEX', '/x.so', cafe]];
  for (const port of [ks.port, redis.port]) {
    const c = await RawClient.connect(port);
    for (const args of sent) await c.call(...args);
    c.close();
  }
  // The lines' messages, without the PID, time and level mark before them.
  const lines = (file: string): string[] =>
    readFileSync(join(dir, file)).toString('latin1').split('\n').filter((l) => /DEBUG LOG|Module |loadex/.test(l)).map((l) => l.replace(/^\d+:M .{24} . /, ''));
  const expected = lines('redis.log');
  t.is(expected.length, 4);
  t.is(expected[1].length, 1023);
  t.deepEqual(lines('ks.log'), expected);
});

test('DEBUG POPULATE: flat strings, a count the heap cannot hold refused, nothing in the AOF (as Redis)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-populate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const s = await serve(t, { config: { ...DEBUG_ON, dir, appendonly: 'yes' } });
  const c = await RawClient.connect(s.port);
  t.is(await c.call('DEBUG', 'POPULATE', '100000000000'), '-ERR OOM in dictTryExpand\r\n', 'refused, the server still up');
  t.is(await c.call('DEBUG', 'POPULATE', '20000', 'a-long-prefix-here', '40'), '+OK\r\n');
  t.is(await c.call('DBSIZE'), ':20000\r\n');
  t.is(await c.call('GET', 'a-long-prefix-here:19999'), `$40\r\nvalue:19999${'\0'.repeat(29)}\r\n`);
  // Not propagated, as Redis: the AOF holds the SET, not the populated keys.
  await c.call('SET', 'logged', '1');
  t.is(await c.call('DEBUG', 'LOADAOF'), '+OK\r\n');
  t.is(await c.call('DBSIZE'), ':1\r\n');
  c.close();
});

test('SHUTDOWN: option errors, then NOSAVE closes the connection without a reply', async (t) => {
  const s = await startServer({ port: 0 });
  const c = await RawClient.connect(s.port);
  try {
    t.is(await c.call('SHUTDOWN', 'ABORT'), '-ERR No shutdown in progress.\r\n');
    t.is(await c.call('SHUTDOWN', 'SAVE', 'NOSAVE'), '-ERR syntax error\r\n');
    t.is(await c.call('SHUTDOWN', 'bogus'), '-ERR syntax error\r\n');
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    await c.waitClosed();
    t.is(c.pending(), '');
  } finally {
    c.close();
    await s.close();
  }
});

test('DEBUG POPULATE: a count of 0 makes nothing whatever the size (Redis: OK); a size no string can have is refused, not an internal error', async (t) => {
  const s = await serve(t, { config: DEBUG_ON });
  const c = await RawClient.connect(s.port);
  t.is(await c.call('DEBUG', 'POPULATE', '0', 'x', '9223372036854775807'), '+OK\r\n');
  t.is(await c.call('DEBUG', 'POPULATE', '1', 'x', '600000000'), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
  t.is(await c.call('DBSIZE'), ':0\r\n');
  c.close();
});

// Redis 7.0's flushAppendOnlyFile sleeps server.aof_flush_sleep microseconds (DEBUG AOF-FLUSH-SLEEP,
// read with atoi) before writing a non-empty AOF buffer; its test suite (integration/aof, "AOF
// fsync always barrier issue") widens that moment to check no reply leaves before the write.
// Lower bounds only for the sleeps (a loaded machine makes them longer).
test('DEBUG AOF-FLUSH-SLEEP sleeps before each write of the AOF, not when nothing is pending; the reply waits for it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-flush-sleep-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const s = await serve(t, { config: { ...DEBUG_ON, appendonly: 'yes', appendfsync: 'always', dir } });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  t.is(await c.call('DEBUG', 'AOF-FLUSH-SLEEP', '300000'), '+OK\r\n');
  let t0 = Date.now();
  t.is(await c.call('SET', 'k', 'v'), '+OK\r\n');
  t.true(Date.now() - t0 >= 290, 'the write slept first');
  t.is(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1').endsWith('$1\r\nk\r\n$1\r\nv\r\n'), true);
  t0 = Date.now();
  t.is(await c.call('GET', 'k'), '$1\r\nv\r\n');
  t.true(Date.now() - t0 < 250, 'nothing to write: no sleep');
  t.is(await c.call('DEBUG', 'AOF-FLUSH-SLEEP', '0'), '+OK\r\n');
  t0 = Date.now();
  t.is(await c.call('SET', 'k', 'w'), '+OK\r\n');
  t.true(Date.now() - t0 < 250);
  t.is(await c.call('DEBUG', 'AOF-FLUSH-SLEEP'), "-ERR unknown subcommand or wrong number of arguments for 'AOF-FLUSH-SLEEP'. Try DEBUG HELP.\r\n");
});
