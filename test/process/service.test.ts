// The service around the real process, as an operator meets it: a stdout nobody reads any more
// (a pipe whose reader quit, a closed terminal) does not kill it; the log file must be usable
// (Redis refuses to start otherwise), a relative one lives in `dir`, and the reason a start fails
// reaches it, and a log file that failed (full) takes lines again once it can; Redis's default
// `bind * -::*` is accepted; `-` reads configuration from stdin.

import test from 'ava';
import { existsSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, exited, startBundle, tempDir } from '../helpers/bundle.js';
import { run } from '../helpers/run.js';
import { RawClient } from '../helpers/raw.js';
import { waitFor } from '../helpers/aof.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';

test('a stdout whose reader went away (EPIPE) does not stop the server: it goes on serving and writing its AOF', async (t) => {
  const sp = await startBundle();
  t.teardown(() => void sp.stop('SIGKILL'));
  sp.proc.stdout!.destroy(); // the reading end closes: every later log line fails with EPIPE
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  // Each of these logs lines (rewrite start and end, files removed).
  for (let i = 0; i < 3; i++) {
    t.is(await c.call('SET', `k${i}`, 'v'), '+OK\r\n');
    t.regex(await c.call('BGREWRITEAOF'), /^\+Background append only file rewriting (started|scheduled)\r\n$/);
    await waitFor(async () => !/aof_rewrite_in_progress:1/.test(await c.call('INFO', 'persistence')), 15_000, 'the rewrite');
  }
  t.is(await c.call('PING'), '+PONG\r\n');
  t.is(sp.proc.exitCode, null, 'still running');
  t.is(await sp.stop('SIGTERM'), 0);
});

test('a log file that cannot be opened refuses the start, as Redis, and leaves no PID file', async (t) => {
  const sp = await startBundle(['--logfile', '/proc/no-such-dir/ks.log'], { wait: false });
  t.is(await exited(sp), 1);
  t.regex(sp.output(), /Can't open the log file \/proc\/no-such-dir\/ks\.log: No such file or directory/);
  t.false(existsSync(join(sp.dir, 'keystonelight.pid')));
});

test("a data directory or AOF directory that is a file refuses the start with strerror's text, not a Node.js error", async (t) => {
  const file = join(tempDir('ks-svc-'), 'data');
  writeFileSync(file, '');
  const sp = await startBundle([], { dir: file, wait: false });
  t.is(await exited(sp), 1);
  t.regex(sp.output(), /can't create the data directory '.*data': Not a directory$/m);
  const dir = tempDir('ks-svc-');
  writeFileSync(join(dir, 'appendonlydir'), '');
  const second = await startBundle([], { dir, wait: false });
  t.is(await exited(second), 1);
  // Redis 7.0's line (aof.c) for the same directory.
  t.regex(second.output(), /Can't open or create append-only dir appendonlydir: Not a directory$/m);
  t.false(existsSync(join(dir, 'keystonelight.pid')));
});

test('a relative logfile is in dir (Redis chdirs there), and it gets the reason a start fails', async (t) => {
  const first = await startBundle(['--logfile', 'ks.log']);
  t.teardown(() => void first.stop('SIGKILL'));
  const log = join(first.dir, 'ks.log');
  await waitFor(() => existsSync(log) && readFileSync(log, 'latin1').includes('Ready to accept connections'), 10_000, 'the log line');
  // A second server on the same port (another directory): it cannot listen, and says so in its log.
  const second = await startBundle(['--logfile', 'ks.log'], { port: first.port, wait: false });
  t.is(await exited(second), 1);
  await waitFor(() => /Could not create server TCP listening socket .*: bind: Address already in use/.test(readFileSync(join(second.dir, 'ks.log'), 'latin1')), 10_000, 'the failure in the log');
  t.pass();
});

test("Redis's default bind '* -::*' is accepted: every IPv4 address, and IPv6 when there is one", async (t) => {
  const sp = await startBundle(['--bind', '* -::*']);
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port, '127.0.0.1');
  t.teardown(() => c.close());
  t.is(await c.call('CONFIG', 'GET', 'bind'), '*2\r\n$4\r\nbind\r\n$6\r\n* -::*\r\n');
  t.is(await c.call('PING'), '+PONG\r\n');
});

test('a non-ASCII dir and appendfilename (UTF-8, command line or config file) name the same files, and CONFIG REWRITE keeps them', async (t) => {
  const root = tempDir();
  const dir = join(root, 'dä家');
  const first = await startBundle(['--appendfilename', 'ä.aof'], { dir });
  t.teardown(() => void first.stop('SIGKILL'));
  const c = await RawClient.connect(first.port);
  t.is(await c.call('SET', 'k', 'v'), '+OK\r\n');
  const dirBytes = Buffer.from(dir, 'utf8').toString('latin1');
  t.is(await c.call('CONFIG', 'GET', 'dir'), `*2\r\n$3\r\ndir\r\n$${dirBytes.length}\r\n${dirBytes}\r\n`, 'the bytes of the path, as Redis');
  c.close();
  t.is(await first.stop(), 0);
  t.true(existsSync(join(dir, 'appendonlydir', 'ä.aof.manifest')), 'the directory and files have the names given');
  t.regex(readFileSync(join(dir, 'appendonlydir', 'ä.aof.manifest'), 'latin1'), /^file "\\xc3\\xa4\.aof\.1\.base\.aof" seq 1 type b\n/, "quoted by its bytes, as Redis's manifest");
  // The same names from a config file (UTF-8 bytes, read as they are), then CONFIG REWRITE.
  const conf = join(root, 'ks.conf');
  writeFileSync(conf, Buffer.from(`dir "${dir}"\nappendfilename "ä.aof"\n`, 'utf8'));
  const second = await startBundle([], { configFile: conf, dir });
  t.teardown(() => void second.stop('SIGKILL'));
  const d = await RawClient.connect(second.port);
  t.is(await d.call('GET', 'k'), '$1\r\nv\r\n');
  t.is(await d.call('CONFIG', 'REWRITE'), '+OK\r\n');
  d.close();
  t.is(await second.stop(), 0);
  t.regex(readFileSync(conf, 'latin1'), /^dir "[^"]*\/d\\xc3\\xa4\\xe5\\xae\\xb6"$/m, "escaped by its bytes, as Redis's CONFIG REWRITE");
  const third = await startBundle([], { configFile: conf, dir });
  t.teardown(() => void third.stop('SIGKILL'));
  const e = await RawClient.connect(third.port);
  t.is(await e.call('GET', 'k'), '$1\r\nv\r\n', 'the rewritten file names the same directory');
  e.close();
});

test('`keystonelight -` reads its configuration from standard input, as redis-server; a bad line there names (stdin)', async (t) => {
  const dir = tempDir();
  const bad = await run(process.execPath, [BUNDLE, '-', '--dir', dir], { input: '# piped\nport abc\n' });
  t.deepEqual(bad, { code: 1, stdout: '', stderr: "keystonelight: (stdin), line 2: 'port abc': argument couldn't be parsed into an integer\n" });
  const conf = join(dir, 'ks.conf');
  writeFileSync(conf, 'hz 11\n');
  const sp = await startBundle(['-'], { configFile: conf, stdin: 'hz 12\ntimeout 7\n' });
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  t.is(await c.call('CONFIG', 'GET', 'hz'), '*2\r\n$2\r\nhz\r\n$2\r\n12\r\n', 'stdin after the file');
  t.is(await c.call('CONFIG', 'GET', 'timeout'), '*2\r\n$7\r\ntimeout\r\n$1\r\n7\r\n');
  t.is(await sp.stop('SIGTERM'), 0);
});

test('signals that keep arriving while the server shuts down (SIGUSR1 after SIGTERM) do not change its clean exit', async (t) => {
  // Found by a kill -9 hunt: the "ignored while shutting down" line was logged after the log had
  // closed; winston's 'write after end' ended the process with status 1 in 5 of 6 tries.
  for (let round = 0; round < 3; round++) {
    const sp = await startBundle(round === 0 ? ['--logfile', 'ks.log'] : []);
    sp.proc.kill('SIGTERM');
    // ChildProcess.kill sends nothing once the child is reaped, so its PID cannot have been reused.
    for (let i = 0; i < 2000 && sp.proc.kill('SIGUSR1'); i++) await new Promise((r) => setTimeout(r, 1));
    t.is(await exited(sp), 0, sp.output());
  }
});

test('a log file that stopped taking lines (the file size limit) takes them again once truncated, as logrotate copytruncate does', async (t) => {
  // Found by a full disk under the log: winston's file transport gave up at the first failed
  // write and queued every later line in memory for good; the shutdown's lines were lost too.
  // The file size limit (EFBIG) fails the writes as a full disk does (ENOSPC), and needs no mount.
  if (!needBinary(t, 'prlimit')) return;
  const sp = await startBundle(['--logfile', 'ks.log', '--loglevel', 'verbose', '--appendonly', 'no'], { wrap: ['prlimit', '--fsize=16384'] });
  t.teardown(() => void sp.stop('SIGKILL'));
  const log = join(sp.dir, 'ks.log');
  // Each connection logs two lines (Accepted, Client closed connection): past the limit, they fail.
  const connectOnce = async (): Promise<void> => {
    const c = await RawClient.connect(sp.port);
    t.is(await c.call('PING'), '+PONG\r\n');
    c.close();
  };
  for (let i = 0; i < 100 && statSync(log).size < 16384; i++) await connectOnce();
  t.is(statSync(log).size, 16384, 'the file is at the limit');
  for (let i = 0; i < 5; i++) await connectOnce();
  truncateSync(log, 0);
  await connectOnce();
  await waitFor(() => readFileSync(log, 'latin1').includes('Accepted 127.0.0.1:'), 5_000, 'a line in the truncated file');
  t.is(await sp.stop('SIGTERM'), 0);
  t.regex(readFileSync(log, 'latin1'), /# Keystonelight is now ready to exit, bye bye\.\.\.\n$/);
});

test('a log file renamed by logrotate (no copytruncate) is followed by a new one at the next line, as redis-server does', async (t) => {
  // Redis opens its log file for each line, and Debian's /etc/logrotate.d/redis-server relies on
  // it; ours kept the file open, so the renamed file went on receiving every line.
  if (!needBinary(t, 'redis-server')) return;
  const sp = await startBundle(['--logfile', 'ks.log', '--loglevel', 'verbose', '--appendonly', 'no']);
  t.teardown(() => void sp.stop('SIGKILL'));
  const redisDir = tempDir();
  const redis = await startRealRedis(['--logfile', join(redisDir, 'ks.log'), '--loglevel', 'verbose']);
  t.teardown(() => redis.stop());
  for (const [port, dir] of [[sp.port, sp.dir], [redis.port, redisDir]] as const) {
    const log = join(dir, 'ks.log');
    await waitFor(() => existsSync(log), 5_000, 'the log file');
    renameSync(log, `${log}.1`);
    const c = await RawClient.connect(port);
    const accepted = `Accepted 127.0.0.1:${c.socket.localPort}\n`;
    t.is(await c.call('PING'), '+PONG\r\n');
    c.close();
    await waitFor(() => existsSync(log) && readFileSync(log, 'latin1').includes(accepted), 5_000, `a new log file (port ${port})`);
    t.false(readFileSync(`${log}.1`, 'latin1').includes(accepted), `the renamed file got no new line (port ${port})`);
  }
  t.is(await sp.stop('SIGTERM'), 0);
  t.regex(readFileSync(join(sp.dir, 'ks.log'), 'latin1'), /# Keystonelight is now ready to exit, bye bye\.\.\.\n$/);
});
