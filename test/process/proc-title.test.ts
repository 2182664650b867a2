// The process title ps shows (/proc/PID/cmdline), as Redis's: proc-title-template expanded once the
// server listens (set-proc-title yes, the default), and at each CONFIG SET proc-title-template,
// even with set-proc-title no (Redis's updateProcTitleTemplate). Side by side with redis-server;
// {title} differs by name (keystonelight.js / redis-server).

import test from 'ava';
import { readFileSync } from 'node:fs';
import { startBundle } from '../helpers/bundle.js';
import { RawClient } from '../helpers/raw.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';
import { startServer } from '../../src/index.js';
import { procTitle } from '../../src/server/proc-title.js';

/** What ps shows: the command line, its NULs as spaces (the title's padding dropped). */
function cmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ');
}

const ALL = 'TEST {listen-addr} {port} {tls-port} {unixsocket} {config-file} {server-mode}';

/** The titles a server shows: at start, then after CONFIG SET of the template; its port as P. */
async function titles(pid: number, port: number): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const seen = [cmdline(pid)];
    seen.push(await c.call('CONFIG', 'SET', 'proc-title-template', ALL), cmdline(pid));
    seen.push(await c.call('CONFIG', 'SET', 'proc-title-template', '{invalid-var}'), cmdline(pid));
    return seen.map((s) => s.replaceAll(String(port), 'P'));
  } finally {
    c.close();
  }
}

test('the title is the template expanded, at start and at CONFIG SET proc-title-template, as redis-server\'s', async (t) => {
  const sp = await startBundle();
  t.teardown(() => void sp.stop('SIGKILL'));
  const ours = await titles(sp.proc.pid!, sp.port);
  const error = '-ERR CONFIG SET failed (possibly related to argument \'proc-title-template\') - template format is invalid or contains unknown variables\r\n';
  t.deepEqual(ours, ['keystonelight.js 127.0.0.1:P', '+OK\r\n', 'TEST 127.0.0.1:P P 0  -', error, 'TEST 127.0.0.1:P P 0  -']);
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis();
  t.teardown(() => redis.stop());
  const theirs = await titles(redis.proc.pid!, redis.port);
  t.deepEqual(ours, theirs.map((s) => s.replace(/^redis-server /, 'keystonelight.js ')));
});

test('set-proc-title no keeps the command line; CONFIG SET proc-title-template still sets the title, as redis-server', async (t) => {
  const sp = await startBundle(['--set-proc-title', 'no']);
  t.teardown(() => void sp.stop('SIGKILL'));
  const ours = await titles(sp.proc.pid!, sp.port);
  t.regex(ours[0], /keystonelight\.js .*--set-proc-title no/);
  t.is(ours[2], 'TEST 127.0.0.1:P P 0  -');
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis(['--set-proc-title', 'no']);
  t.teardown(() => redis.stop());
  const theirs = await titles(redis.proc.pid!, redis.port);
  t.regex(theirs[0], /^redis-server .*--set-proc-title no/);
  t.deepEqual(ours.slice(1), theirs.slice(1));
});

test('the variables: the first bind address as given (* for none), [cluster], the configuration file, the Unix socket', (t) => {
  const facts = { executable: '/usr/local/bin/keystonelight', port: 7000, unixsocket: '', cluster: true, configFile: '/etc/ks.conf' };
  t.is(procTitle('{title} {listen-addr} {server-mode}', '', facts), 'keystonelight *:7000 [cluster]');
  t.is(procTitle('{title} {listen-addr} {server-mode}', '-::1 127.0.0.1', { ...facts, cluster: false }), 'keystonelight -::1:7000');
  t.is(procTitle('{{{config-file}} {port}{tls-port}{unixsocket}', '10.0.0.1', facts), '{/etc/ks.conf} 70000');
  t.is(procTitle('{nosuch}', '', facts), null);
  // Redis's: with no TCP port (port 0 beside a Unix socket) the address is the socket's.
  t.is(procTitle('{listen-addr} {unixsocket} {port}', '127.0.0.1', { ...facts, port: 0, unixsocket: '/run/ks.sock' }), 'unixsocket:/run/ks.sock /run/ks.sock 0');
});

test('a server embedded in another program leaves that program\'s title alone', async (t) => {
  const before = process.title;
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  t.is(await c.call('CONFIG', 'SET', 'proc-title-template', 'X {port}'), '+OK\r\n');
  t.is(process.title, before);
});
