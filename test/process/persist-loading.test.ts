// Start-up replay in the real process: -LOADING while a large file loads (and INFO's loading
// fields, when INFO exists), the final log line with keys and seconds; damaged files: a truncated
// tail is cut off with a warning naming the offset, `aof-load-truncated no` and garbage in the
// middle refuse to start (exit 1) naming the offset, without modifying the file; an empty file and
// a file with only SELECT start empty.

import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, startBundle, tempDir } from '../helpers/bundle.js';
import { aofBytes, waitFor } from '../helpers/aof.js';
import { RawClient } from '../helpers/raw.js';

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A data dir holding `bytes` as an old-style single `appendonly.aof` (migrated at start-up). */
function dirWith(bytes: Buffer): string {
  const dir = tempDir('ks-load-');
  writeFileSync(join(dir, 'appendonly.aof'), bytes);
  return dir;
}

/** A data dir with 300,000 SETs (key:i -> value:i): long enough to load that clients see -LOADING. */
function largeDir(): string {
  const parts: Buffer[] = [aofBytes(['SELECT', '0'])];
  for (let i = 0; i < 300_000; i++) parts.push(aofBytes(['SET', `key:${i}`, `value:${i}`]));
  return dirWith(Buffer.concat(parts));
}

/** Where the single file is once migrated: the base file of the AOF directory, under its own name. */
/** A connection that was answered -LOADING (the server is loading its file), kept open. */
async function loadingClient(port: number): Promise<RawClient> {
  let c: RawClient | null = null;
  await waitFor(async () => {
    try {
      c?.close();
      c = await RawClient.connect(port);
      return (await c.call('PING')).startsWith('-LOADING');
    } catch {
      return false;
    }
  }, 30_000, '-LOADING');
  return c!;
}

const migrated = (dir: string): string => join(dir, 'appendonlydir', 'appendonly.aof');
const MIGRATED = /Successfully migrated an old-style AOF file \(appendonly\.aof\) into the AOF directory \(appendonlydir\)\./;

/** The single file was moved, not copied: the old path is gone, the manifest names it as the base. */
function checkMigrated(t: { false(v: boolean, m?: string): void; is(a: unknown, b: unknown, m?: string): void }, dir: string, what = ''): void {
  t.false(existsSync(join(dir, 'appendonly.aof')), `${what}: no old-style file left in dir`);
  t.is(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1').trim(), 'file appendonly.aof seq 1 type b', `${what}: manifest`);
}

test('clients get -LOADING while a large file loads; then the data is there and the log says keys and seconds', async (t) => {
  const dir = largeDir();
  const sp = await startBundle(['--loglevel', 'notice'], { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  let loadingSeen = false;
  let info = '';
  await waitFor(async () => {
    try {
      const c = await RawClient.connect(sp.port);
      // One write, one batch: the INFO of a PING answered -LOADING is taken during the load.
      const [r, i] = await c.pipeline([['PING'], ['INFO', 'persistence']]);
      if (r.startsWith('-LOADING')) {
        t.is(r, '-LOADING Redis is loading the dataset in memory\r\n');
        if (!loadingSeen) sp.proc.kill('SIGHUP'); // must not kill the process, nor start a rewrite
        loadingSeen = true;
        if (info === '') info = i;
      }
      c.close();
      return r === '+PONG\r\n';
    } catch {
      return false;
    }
  }, 60_000, 'the load');
  t.true(loadingSeen, 'PING answered -LOADING during the load');
  if (info.startsWith('-ERR unknown command')) {
    t.log('INFO is not implemented yet: loading fields not checked');
  } else if (info !== '') {
    for (const f of ['loading:1', 'loading_start_time:', 'loading_total_bytes:', 'loading_loaded_bytes:', 'loading_loaded_perc:', 'loading_eta_seconds:']) t.true(info.includes(f), f);
    // As redis-server 7.0.15 while it loads (loadAppendOnlyFiles sets aof_state off meanwhile),
    // with the size fields appendonly yes prints. Before: aof_enabled:1.
    t.regex(info, /\r\naof_enabled:0\r\n[\s\S]*\r\naof_current_size:0\r\naof_base_size:0\r\n/);
  }
  t.regex(sp.output(), /DB loaded from append only file: \d+\.\d{3} seconds \(300000 keys\)/);
  t.regex(sp.output(), /Received SIGHUP: ignored while loading/);
  const c = await RawClient.connect(sp.port);
  t.is(await c.call('GET', 'key:299999'), '$12\r\nvalue:299999\r\n');
  c.close();
  t.is(await sp.stop(), 0);
});

test('clients connecting while a large file loads are all answered -LOADING, not one per slice of the load', async (t) => {
  // Node accepts one new connection per event-loop turn, and the load yields to the event loop
  // between slices: with slices of 20000 commands (about 20 ms), the 300,000 SETs gave 15 turns,
  // so of 100 clients connecting at once at most 15 were answered before the load ended (the 70th
  // of them waited 1.3 s for its -LOADING with 2M keys; Redis answered all 70 within 4 ms). With
  // Redis's 1024 commands a slice, about 290 turns: all are accepted while the load goes on.
  const dir = largeDir();
  const sp = await startBundle(['--loglevel', 'notice'], { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  (await loadingClient(sp.port)).close();
  const replies = await Promise.all(Array.from({ length: 100 }, async () => {
    const c = await RawClient.connect(sp.port);
    const r = await c.call('PING');
    c.close();
    return r;
  }));
  const loading = replies.filter((r) => r.startsWith('-LOADING')).length;
  t.log(`${loading} of 100 answered -LOADING`);
  t.true(loading >= 50, `${loading} of 100 clients answered -LOADING during the load (the others +PONG after it)`);
  t.is(await sp.stop(), 0);
});

test('MONITOR shows nothing of the commands run while the file loads, as Redis 7.0', async (t) => {
  // redis-server 7.0.15, seen: a MONITOR started during the load gets +OK, then no line for the
  // ECHO and INFO other clients run while loading (replicationFeedMonitors returns while
  // server.loading); the first line is the first command after the load.
  const dir = largeDir();
  const sp = await startBundle(['--loglevel', 'notice'], { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  const m = await loadingClient(sp.port);
  t.is(await m.call('MONITOR'), '+OK\r\n');
  const c = await RawClient.connect(sp.port);
  // One write, one batch: the load cannot end between the three.
  const [echo, info, ping] = await c.pipeline([['ECHO', 'during'], ['INFO', 'persistence'], ['PING']]);
  t.is(echo, '$6\r\nduring\r\n');
  t.true(info.includes('loading:1'));
  t.true(ping.startsWith('-LOADING'), 'still loading after the ECHO and INFO');
  await waitFor(async () => (await c.call('PING')) === '+PONG\r\n', 60_000, 'the load');
  await c.call('ECHO', 'after');
  t.regex(await m.read(), /^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "PING"\r\n$/, 'the first line: the first PONG after the load');
  t.regex(await m.read(), /^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "ECHO" "after"\r\n$/);
  m.close();
  c.close();
  t.is(await sp.stop(), 0);
});

test('a truncated last command is cut off with a warning naming the offset and the bytes dropped', async (t) => {
  const good = aofBytes(['SELECT', '0'], ['SET', 'a', '1'], ['INCR', 'a']);
  const dir = dirWith(Buffer.concat([good, aofBytes(['SET', 'b', '2']).subarray(0, 9)]));
  const sp = await startBundle(['--loglevel', 'notice'], { dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  t.regex(sp.output(), MIGRATED);
  // Redis's lines in a row, then ours.
  t.regex(sp.output(), new RegExp(`!!! Truncating the AOF appendonly\\.aof at offset ${good.length} !!!\n.*AOF appendonly\\.aof loaded anyway because aof-load-truncated is enabled\n.*Dropped the last 9 bytes of .*appendonlydir/appendonly\\.aof: an incomplete last command\n`));
  t.deepEqual(readFileSync(migrated(dir)), good, 'the migrated file is cut at the last whole command');
  const c = await RawClient.connect(sp.port);
  t.is(await c.call('GET', 'a'), '$1\r\n2\r\n');
  c.close();
  t.is(await sp.stop(), 0);
});

test('refusals: aof-load-truncated no on a truncated file, and garbage in the middle; exit 1, file unchanged', async (t) => {
  const good = aofBytes(['SELECT', '0'], ['SET', 'a', '1']);
  const cases: [string, Buffer, string[], RegExp][] = [
    ['truncated, aof-load-truncated no', Buffer.concat([good, Buffer.from('*3\r\n$3\r\nSE')]), ['--aof-load-truncated', 'no'], new RegExp(`Unexpected end of file .* at offset ${good.length} .*aof-load-truncated`)],
    ['garbage', Buffer.concat([good, Buffer.from('garbage!\r\n'), good]), [], new RegExp(`Bad file format .* at offset ${good.length} .*redis-check-aof --fix`)],
  ];
  for (const [name, bytes, args, message] of cases) {
    const dir = dirWith(bytes);
    const before = sha(join(dir, 'appendonly.aof'));
    const sp = await startBundle(args, { dir, wait: false });
    t.teardown(() => void sp.stop('SIGKILL'));
    t.is(await exited(sp), 1, name);
    t.regex(sp.output(), message, name);
    t.regex(sp.output(), /appendonlydir\/appendonly\.aof/, `${name}: the message names the migrated file`);
    checkMigrated(t, dir, name);
    t.is(sha(migrated(dir)), before, `${name}: the file is not modified`);
  }
});

test('SIGTERM while loading exits at once, leaving the file as it was', async (t) => {
  const parts: Buffer[] = [];
  for (let i = 0; i < 300_000; i++) parts.push(aofBytes(['SET', `key:${i}`, 'v']));
  const dir = dirWith(Buffer.concat(parts));
  const before = sha(join(dir, 'appendonly.aof'));
  const sp = await startBundle(['--loglevel', 'notice', '--unixsocket', 'ks.sock'], { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  (await loadingClient(sp.port)).close();
  t.true(existsSync(join(dir, 'ks.sock')), 'the Unix socket listens while the file loads');
  t.is(await sp.stop('SIGTERM'), 0);
  // As redis-server 7.0.15 (seen): the signal handler's line, then a shutdown without saving,
  // removing the Unix socket's file too (its listener still open: the process exits at once).
  t.regex(sp.output(), /# Received shutdown signal during loading, scheduling shutdown\.\n.*# User requested shutdown\.\.\.\n.*\* Removing the pid file\.\n.*\* Removing the unix socket file\.\n.*# Keystonelight is now ready to exit, bye bye\.\.\.\n/);
  t.false(existsSync(join(dir, 'keystonelight.pid')));
  t.false(existsSync(join(dir, 'ks.sock')));
  checkMigrated(t, dir, 'SIGTERM');
  t.is(sha(migrated(dir)), before);
});

test('SHUTDOWN SAVE while loading exits (nothing to save yet), as Redis, leaving the file as it was', async (t) => {
  const dir = largeDir();
  const before = sha(join(dir, 'appendonly.aof'));
  const sp = await startBundle(['--loglevel', 'notice'], { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await loadingClient(sp.port);
  const reply = await c.call('SHUTDOWN', 'SAVE').catch(() => 'closed');
  t.is(reply, 'closed', 'no error reply: the server stops');
  t.is(await exited(sp), 0);
  t.false(existsSync(join(dir, 'keystonelight.pid')));
  t.is(sha(migrated(dir)), before);
});

test('an empty file and a file with only SELECT start an empty server', async (t) => {
  for (const bytes of [Buffer.alloc(0), aofBytes(['SELECT', '3'])]) {
    const sp = await startBundle([], { dir: dirWith(bytes) });
    t.teardown(() => void sp.stop('SIGKILL'));
    const c = await RawClient.connect(sp.port);
    t.is(await c.call('DBSIZE'), ':0\r\n');
    t.is(await c.call('SET', 'x', 'y'), '+OK\r\n');
    c.close();
    t.is(await sp.stop(), 0);
  }
});

test('a command of the file that answers an error is logged and loading goes on, as Redis', async (t) => {
  // redis-server 7.0.15 on the same file: the same CRITICAL line, and k lands in db 0.
  const bytes = Buffer.concat([aofBytes(['SELECT', '20']), aofBytes(['SET', 'k', 'v']), aofBytes(['SELECT', '1']), aofBytes(['SET', 'j', 'w'])]);
  const sp = await startBundle(['--loglevel', 'notice'], { dir: dirWith(bytes) });
  t.teardown(() => void sp.stop('SIGKILL'));
  t.regex(sp.output(), /== CRITICAL == This server is sending an error to its AOF-loading-client: 'DB index is out of range' after processing the command 'select'/);
  const c = await RawClient.connect(sp.port);
  t.is(await c.call('GET', 'k'), '$1\r\nv\r\n');
  t.is(await c.call('SELECT', '1'), '+OK\r\n');
  t.is(await c.call('GET', 'j'), '$1\r\nw\r\n');
  c.close();
  t.is(await sp.stop(), 0);
});

test('CONFIG SET appendonly no while the file loads takes effect once it is loaded', async (t) => {
  // Found in review: the change listener was registered only after the load, so the setting was
  // silently ignored: the AOF stayed on while CONFIG GET said no.
  const dir = largeDir();
  const sp = await startBundle(['--loglevel', 'notice'], { dir, wait: false });
  t.teardown(() => void sp.stop('SIGKILL'));
  let set = '';
  await waitFor(async () => {
    try {
      const c = await RawClient.connect(sp.port);
      const r = await c.call('PING');
      if (r.startsWith('-LOADING') && set === '') set = await c.call('CONFIG', 'SET', 'appendonly', 'no');
      c.close();
      return r === '+PONG\r\n';
    } catch {
      return false;
    }
  }, 60_000, 'the load');
  t.is(set, '+OK\r\n', 'CONFIG SET answered during the load');
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  t.regex(await c.call('INFO', 'persistence'), /aof_enabled:0\r\n/);
  t.is(await c.call('CONFIG', 'GET', 'appendonly'), '*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n');
  t.is(await c.call('GET', 'key:299999'), '$12\r\nvalue:299999\r\n');
});
