// Where a failed start says why, and the signals Redis survives, compared with redis-server 7.0.15:
// as Redis's serverLog before exit(1), the reason of a start that fails after the configuration is
// read (a damaged AOF, a port in use, a PID file held) is a log line — on stdout with `logfile ""`,
// only in the log file otherwise — and nothing is written to stderr; SIGALRM is ignored; SIGABRT
// ends the process at once, even while a command holds the event loop.

import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BUNDLE, exited, startBundle, tempDir } from '../helpers/bundle.js';
import { aofBytes } from '../helpers/aof.js';
import { hasBinary } from '../helpers/bins.js';
import { freePort, startRealRedis } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';
import { run, watch, type RunResult } from '../helpers/run.js';

/** A log line at warning level, as Redis writes them: `pid:M dd Mon yyyy hh:mm:ss.mmm # text`. */
const WARNING_LINE = /^\d+:M \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} # /;

/** The text of the warning lines of `out`, without their PID and time. */
const warnings = (out: string): string[] => out.split('\n').filter((l) => WARNING_LINE.test(l)).map((l) => l.replace(WARNING_LINE, ''));

const ks = (args: string[]): Promise<RunResult> => run(process.execPath, [BUNDLE, '--bind', '127.0.0.1', ...args], { timeoutMs: 15_000 });
const redis = (args: string[]): Promise<RunResult> => run('redis-server', ['--bind', '127.0.0.1', '--save', '', ...args], { timeoutMs: 15_000 });

/** A data directory whose AOF has garbage between two SETs: both servers refuse to load it. */
function damagedAof(): string {
  const dir = tempDir('ks-startlog-');
  mkdirSync(join(dir, 'appendonlydir'));
  const set = (k: string): Buffer => aofBytes(['SET', k, 'v']);
  writeFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), Buffer.concat([set('a'), Buffer.from('!!!'), set('b')]));
  writeFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
  return dir;
}

/** Exit 1, nothing on stderr, and the log (stdout) ending with `last` as warning lines. */
function loggedFailure(t: ExecutionContext, who: string, r: RunResult, last: RegExp[]): void {
  t.is(r.code, 1, `${who}: ${r.stdout}${r.stderr}`);
  t.is(r.stderr, '', `${who}: nothing on stderr`);
  const lines = warnings(r.stdout).slice(-last.length);
  t.is(lines.length, last.length, `${who}: ${r.stdout}`);
  last.forEach((re, i) => t.regex(lines[i] ?? '', re, who));
}

const BAD_FORMAT = /^Bad file format reading the append only file .*appendonly\.aof\.1\.incr\.aof[: ]/;

test('an AOF that cannot be loaded, logfile "": the reason is a log line on stdout, nothing on stderr, exit 1 (as redis-server)', async (t) => {
  const port = String(await freePort());
  loggedFailure(t, 'ours', await ks(['--port', port, '--dir', damagedAof(), '--appendonly', 'yes', '--logfile', '']), [BAD_FORMAT]);
  if (hasBinary('redis-server')) loggedFailure(t, 'redis', await redis(['--port', port, '--dir', damagedAof(), '--appendonly', 'yes', '--logfile', '']), [BAD_FORMAT]);
});

test('with a log file the reason is only there: nothing on stdout or stderr (as redis-server)', async (t) => {
  const dir = damagedAof();
  const r = await ks(['--port', String(await freePort()), '--dir', dir, '--appendonly', 'yes', '--logfile', 'ks.log']);
  t.deepEqual(r, { code: 1, stdout: '', stderr: '' });
  t.regex(warnings(readFileSync(join(dir, 'ks.log'), 'latin1')).at(-1) ?? '', BAD_FORMAT);
  t.false(existsSync(join(dir, 'keystonelight.pid')));
});

test('port in use: Redis 7.0\'s two lines in the log, nothing on stderr, exit 1', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  // redis-server 7.0.15 --bind 127.0.0.1 --port <in use>: these two lines, then exit(1).
  const lines = [
    new RegExp(`^Warning: Could not create server TCP listening socket 127\\.0\\.0\\.1:${port}: bind: Address already in use$`),
    new RegExp(`^Failed listening on port ${port} \\(TCP\\), aborting\\.$`),
  ];
  loggedFailure(t, 'ours', await ks(['--port', String(port), '--dir', tempDir()]), lines);
  if (hasBinary('redis-server')) loggedFailure(t, 'redis', await redis(['--port', String(port), '--dir', tempDir()]), lines);
});

test('a data directory another server holds, logfile "": the refusal is a log line on stdout, nothing on stderr', async (t) => {
  const first = await startBundle();
  t.teardown(() => void first.stop('SIGKILL'));
  const r = await ks(['--port', String(await freePort()), '--dir', first.dir]);
  loggedFailure(t, 'ours', r, [new RegExp(`^Another server \\(PID ${first.proc.pid}\\) is running on this data directory`)]);
  t.is(warnings(r.stdout).length, 1, 'only the reason: the refused server logged nothing else');
});

test('SIGALRM is ignored, silently, as redis-server 7.0 (watchdog off): the server goes on, and stops cleanly later', async (t) => {
  const sp = await startBundle(['--appendonly', 'no']);
  t.teardown(() => void sp.stop('SIGKILL'));
  const before = sp.output();
  sp.proc.kill('SIGALRM');
  await new Promise((r) => setTimeout(r, 300));
  const c = await RawClient.connect(sp.port);
  t.is(await c.call('PING'), '+PONG\r\n');
  c.close();
  t.is(sp.output(), before, 'nothing logged');
  t.is(await sp.stop('SIGTERM'), 0);
  t.false(existsSync(join(sp.dir, 'keystonelight.pid')), 'removed by the clean shutdown');
  if (!hasBinary('redis-server')) return;
  const theirs = await startRealRedis();
  t.teardown(() => theirs.stop());
  theirs.proc.kill('SIGALRM');
  await new Promise((r) => setTimeout(r, 300));
  const rc = await RawClient.connect(theirs.port);
  t.is(await rc.call('PING'), '+PONG\r\n', 'redis-server goes on too');
  rc.close();
});

// A supervisor's watchdog sends SIGABRT when the server is stuck: a JavaScript handler (tried, to
// log Redis's crash line) would run only once the event loop is free, 8.9 s later for this SLEEP.
test('SIGABRT ends the server at once by the signal, even while a command holds the event loop (as redis-server)', async (t) => {
  const sp = await startBundle(['--appendonly', 'no', '--enable-debug-command', 'yes']);
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  void c.call('DEBUG', 'SLEEP', '10').catch(() => undefined);
  await new Promise((r) => setTimeout(r, 500));
  const sent = Date.now();
  sp.proc.kill('SIGABRT');
  await exited(sp);
  t.is(sp.proc.signalCode, 'SIGABRT');
  t.true(Date.now() - sent < 5000, `died ${Date.now() - sent} ms after the signal`);
});

test('at loglevel warning the start is still logged, as by redis-server: the banner, the version and PID, the config file, Server initialized', async (t) => {
  // Redis logs these lines as warnings (its first three with the role C, before it has one):
  // at loglevel warning, common in production, the log said nothing of a start until its end.
  // (Redis says "Configuration loaded" for any argument, ours only for a config file.)
  const START = [/is starting oO0OoO0OoO0Oo$/, /pid=\d+, just started$/, /^(Warning: no config file specified, using the default config|Configuration loaded)/, /^Server initialized/];
  const shown = (log: string): string[] => log.split('\n').filter((l) => /^\d+:[CM] .*? # /.test(l)).map((l) => l.replace(/^\d+:[CM] .*? # /, ''));
  /** The expected lines missing from `lines`, in order. */
  const missing = (lines: string[]): string[] => {
    let i = 0;
    return START.filter((re) => {
      const at = lines.slice(i).findIndex((l) => re.test(l));
      if (at < 0) return true;
      i += at + 1;
      return false;
    }).map(String);
  };
  const sp = await startBundle(['--loglevel', 'warning', '--appendonly', 'no']);
  t.is(await sp.stop('SIGTERM'), 0);
  t.deepEqual(missing(shown(sp.output())), [], sp.output());
  if (!hasBinary('redis-server')) return;
  const dir = tempDir('ks-startlog-');
  const r = await startRealRedis(['--logfile', join(dir, 'redis.log')], dir);
  await r.stop();
  t.deepEqual(missing(shown(readFileSync(join(dir, 'redis.log'), 'latin1'))), [], 'redis-server');
});

test('start warnings: a tcp-backlog over net.core.somaxconn and a maxmemory under 1 MB, word for word as redis-server 7.0.15', async (t) => {
  let somaxconn: number;
  try {
    somaxconn = parseInt(readFileSync('/proc/sys/net/core/somaxconn', 'latin1'), 10);
  } catch {
    t.pass('no /proc/sys/net/core/somaxconn: no backlog warning, by Redis either');
    return;
  }
  const args = ['--tcp-backlog', String(somaxconn + 1), '--maxmemory', '1000'];
  const ours = (out: string): string[] => warnings(out).filter((l) => /TCP backlog|maxmemory value/.test(l));
  const expected = [
    `WARNING: The TCP backlog setting of ${somaxconn + 1} cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of ${somaxconn}.`,
    'WARNING: You specified a maxmemory value that is less than 1MB (current value is 1000 bytes). Are you sure this is what you really want?',
  ];
  const sp = await startBundle([...args, '--appendonly', 'no']);
  t.teardown(() => void sp.stop('SIGKILL'));
  for (let i = 0; i < 50 && ours(sp.output()).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(ours(sp.output()), expected);
  if (!hasBinary('redis-server')) return;
  const r = watch('redis-server', ['--port', String(await freePort()), '--bind', '127.0.0.1', '--save', '', '--dir', tempDir('ks-startlog-'), ...args]);
  t.teardown(() => r.stop());
  t.deepEqual(ours(await r.until((out) => ours(out).length === 2, 'both warnings')), expected);
});

test('the start names the mode and port, as redis-server: `Running mode=standalone, port=N.`, or with always-show-logo yes a banner with `Port: N` and `PID: <pid>`', async (t) => {
  // Redis's redisAsciiArt. Its own test suite (tests/support/server.tcl) waits for " PID: <pid>"
  // in the banner (the suite sets always-show-logo yes) to know its server has started.
  const NOTICE = /^\d+:M .*? \* /;
  const notices = (out: string): string[] => out.split('\n').filter((l) => NOTICE.test(l)).map((l) => l.replace(NOTICE, ''));
  const port = await freePort();
  const plain = await startBundle(['--appendonly', 'no'], { port });
  t.is(await plain.stop('SIGTERM'), 0);
  t.true(notices(plain.output()).includes(`Running mode=standalone, port=${port}.`), plain.output());
  const logo = await startBundle(['--appendonly', 'no', '--always-show-logo', 'yes'], { port });
  const pid = logo.proc.pid;
  t.is(await logo.stop('SIGTERM'), 0);
  t.false(notices(logo.output()).some((l) => l.startsWith('Running mode=')), logo.output());
  t.regex(logo.output(), new RegExp(`\\* Port: ${port}\n`));
  t.regex(logo.output(), new RegExp(` PID: ${pid}\n`));
  if (!hasBinary('redis-server')) return;
  const rport = String(await freePort());
  for (const [extra, want] of [[[], `Running mode=standalone, port=${rport}.`], [['--always-show-logo', 'yes'], `Port: ${rport}`]] as const) {
    const r = watch('redis-server', ['--port', rport, '--bind', '127.0.0.1', '--save', '', '--dir', tempDir('ks-startlog-'), ...extra]);
    t.teardown(() => r.stop());
    t.truthy(await r.until((out) => out.includes(want) && out.includes('Ready to accept'), want));
    await r.stop();
  }
});
