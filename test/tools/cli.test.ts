// The built CLI as a process: --version, --help, bad command lines print one line and exit 1 (no
// stack trace); an unusable port or bind address exits 1 with Redis's lines in the log (stdout)
// and nothing on stderr, as redis-server; a redis.conf-style config file works, and command-line
// options override it.

import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BUNDLE, tempDir } from '../helpers/bundle.js';
import { freePort } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';
import { run, type RunResult } from '../helpers/run.js';
import { needBinary } from '../helpers/bins.js';

const ks = (args: string[], timeoutMs = 15_000): Promise<RunResult> => run(process.execPath, [BUNDLE, ...args], { timeoutMs });

/** A failed start: exit code 1, exactly one line on stderr, and no stack trace anywhere. */
function assertOneLineFailure(t: import('ava').ExecutionContext, r: RunResult, pattern: RegExp): void {
  t.is(r.code, 1, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  t.is(lines.length, 1, `one line on stderr: ${JSON.stringify(r.stderr)}`);
  t.regex(lines[0] ?? '', pattern);
  t.notRegex(r.stdout + r.stderr, /^\s+at |Error:|node:internal/m, 'no stack trace');
}

/** A start that failed after reading its configuration: exit 1, nothing on stderr, the log's last lines `lines` (no stack trace). */
function assertLoggedFailure(t: import('ava').ExecutionContext, r: RunResult, lines: RegExp[]): void {
  t.is(r.code, 1, `exit code; stdout: ${r.stdout}`);
  t.is(r.stderr, '', 'nothing on stderr, as redis-server');
  const last = r.stdout.split('\n').filter((l) => l !== '').slice(-lines.length).map((l) => l.replace(/^\d+:M .*? # /, ''));
  lines.forEach((re, i) => t.regex(last[i] ?? '', re));
  t.notRegex(r.stdout, /^\s+at |Error:|node:internal/m, 'no stack trace');
}

test('--version prints one line and exits 0', async (t) => {
  const r = await ks(['--version']);
  t.is(r.code, 0);
  t.regex(r.stdout, /^Keystonelight v=\d+\.\d+\.\d+\S* redis_version=7\.0\.15 node=v\d+\S*\n$/);
  t.is(r.stderr, '');
});

test('--help prints the usage and exits 0', async (t) => {
  const r = await ks(['--help']);
  t.is(r.code, 0);
  t.regex(r.stdout, /^Usage: keystonelight \[\/path\/to\/keystonelight\.conf\] \[options\]/);
  t.regex(r.stdout, /--port\s+7379/);
  // The defaults the server runs with (the library's differ): durable, with the data dir's PID file.
  t.regex(r.stdout, /--appendonly\s+yes\n/);
  t.regex(r.stdout, /--pidfile\s+"" \(<dir>\/keystonelight\.pid is always written\)\n/);
  t.is(r.stderr, '');
});

test('--version and --help count only as the first argument, as redis-server: elsewhere they are values', async (t) => {
  const r = await ks(['--port', 'x', '--requirepass', '-h']);
  assertOneLineFailure(t, r, /command line: 'port "x"': argument couldn't be parsed into an integer/);
  t.is(r.stdout, '', 'no usage printed');
  assertOneLineFailure(t, await ks(['--port', 'x', '--version']), /command line: 'port "x"'/);
});

test('an unknown option: one line, exit 1', async (t) => {
  assertOneLineFailure(t, await ks(['--no-such-option', 'yes']), /no-such-option/);
});

test('a bad value: one line, exit 1', async (t) => {
  assertOneLineFailure(t, await ks(['--port', 'abc']), /port.*abc/);
  assertOneLineFailure(t, await ks(['--port', '70000']), /port/);
  assertOneLineFailure(t, await ks(['--appendfsync', 'sometimes']), /appendfsync/);
});

test('a missing config file: one line, exit 1', async (t) => {
  assertOneLineFailure(t, await ks([join(tempDir(), 'nope.conf')]), /nope\.conf/);
});

test('a bad line in the config file: one line, exit 1', async (t) => {
  const dir = tempDir();
  const conf = join(dir, 'bad.conf');
  writeFileSync(conf, 'port 1234\nno-such-directive 5\n');
  assertOneLineFailure(t, await ks([conf]), /no-such-directive/);
});

test('port in use: Redis\'s two lines in the log, exit 1', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const r = await ks(['--port', String(port), '--bind', '127.0.0.1', '--dir', tempDir()]);
  // Redis 7.0.15's lines for it.
  assertLoggedFailure(t, r, [
    new RegExp(`^Warning: Could not create server TCP listening socket 127\\.0\\.0\\.1:${port}: bind: Address already in use$`),
    new RegExp(`^Failed listening on port ${port} \\(TCP\\), aborting\\.$`),
  ]);
});

test('a bind address that does not resolve: exit 1, with Redis\'s lines in the log', async (t) => {
  const r = await ks(['--port', '0', '--bind', 'no.such.host.invalid', '--dir', tempDir()]);
  // redis-server --port 43917 --bind no.such.host.invalid: "Could not create server TCP listening
  // socket no.such.host.invalid:43917: Name or service not known" (EAI_AGAIN's text without DNS).
  assertLoggedFailure(t, r, [
    /^Warning: Could not create server TCP listening socket no\.such\.host\.invalid:0: (Name or service not known|Temporary failure in name resolution)$/,
    /^Failed listening on port 0 \(TCP\), aborting\.$/,
  ]);
});

test('bind with only optional addresses, none available: Redis\'s warning for each, then its line, exit 1', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const port = String(await freePort());
  // 10.254.254.254 is on no interface here: bind() fails with EADDRNOTAVAIL, which "-" allows.
  const args = ['--port', port, '--bind', '-10.254.254.254'];
  const ours = await ks([...args, '--dir', tempDir()]);
  const theirs = await run('redis-server', [...args, '--save', '', '--appendonly', 'no'], { timeoutMs: 15_000 });
  const warning = `# Warning: Could not create server TCP listening socket 10.254.254.254:${port}: bind: Cannot assign requested address`;
  for (const [who, r] of [['ours', ours], ['redis', theirs]] as const) t.true(r.stdout.includes(warning), `${who}: ${r.stdout}`);
  t.true(theirs.stdout.includes('# Configured to not listen anywhere, exiting.'), theirs.stdout);
  t.is(theirs.code, 1);
  t.is(theirs.stderr, '');
  assertLoggedFailure(t, ours, [/^Configured to not listen anywhere, exiting\.$/]);
  // bind "" as well (Redis: the same line, no warning).
  assertLoggedFailure(t, await ks(['--port', '0', '--bind', '', '--dir', tempDir()]), [/^Configured to not listen anywhere, exiting\.$/]);
});

test('a redis.conf-style file, with command-line options overriding it', async (t) => {
  const dir = tempDir();
  const port = await freePort();
  const conf = join(dir, 'keystonelight.conf');
  writeFileSync(conf, [
    '# Keystonelight test configuration',
    `port ${port}`,
    '   bind 127.0.0.1',
    `dir "${dir}"`,
    '',
    'databases 4',
    'requirepass "secret pass"',
    'loglevel warning # not a comment: part of the value? no: loglevel takes one word',
  ].join('\n').replace(/ # not a comment.*$/m, '') + '\n');
  const proc = spawn(process.execPath, [BUNDLE, conf, '--databases', '8'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  t.teardown(() => {
    proc.kill('SIGKILL');
  });
  let c: RawClient | undefined;
  for (let i = 0; i < 100 && !c; i++) {
    if (proc.exitCode !== null) break;
    c = await RawClient.connect(port).catch(() => undefined);
    if (!c) await new Promise((r) => setTimeout(r, 100));
  }
  if (!c) return t.fail(`did not start: ${out}`);
  t.is(await c.call('PING'), '-NOAUTH Authentication required.\r\n', 'requirepass from the file');
  t.is(await c.call('AUTH', 'secret pass'), '+OK\r\n', 'quoted value with a space');
  t.is(await c.call('SELECT', '7'), '+OK\r\n', '--databases 8 overrides the file');
  t.is(await c.call('SELECT', '8'), '-ERR DB index is out of range\r\n');
  c.close();
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  proc.kill('SIGTERM');
  t.is(await exited, 0, 'clean shutdown on SIGTERM');
});
