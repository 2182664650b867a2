// Clean shutdown of the real process on SIGTERM, SIGINT and SHUTDOWN: exit 0, the append-only file
// written and fsynced (every answered write is there after a restart, even with appendfsync no),
// the PID file removed, the final log line; a second SIGINT while stopping still exits with the
// data durable.

import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exited, startBundle } from '../helpers/bundle.js';
import { loadDir, waitFor, WriteLoad } from '../helpers/aof.js';
import { RawClient } from '../helpers/raw.js';
import { encodeArgs } from '../helpers/resp.js';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} under write load: answered writes are durable, PID file removed, exit 0`, async (t) => {
    const sp = await startBundle(['--appendfsync', 'no', '--loglevel', 'notice']);
    t.teardown(() => void sp.stop('SIGKILL'));
    const load = new WriteLoad(sp.port, 3);
    // The signal must land under load: on a loaded machine the first replies can take longer than
    // the random delay alone (seen).
    await waitFor(() => load.acked.size > 0, 15_000, 'the first acknowledged write');
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 200));
    t.is(await sp.stop(signal), 0);
    await load.stop();
    const out = sp.output();
    t.regex(out, new RegExp(`Received ${signal} scheduling shutdown\\.\\.\\.`));
    t.regex(out, /Calling fsync\(\) on the AOF file\./);
    t.regex(out, /Keystonelight is now ready to exit, bye bye\.\.\.\n?$/);
    t.false(existsSync(join(sp.dir, 'keystonelight.pid')));
    t.true(load.acked.size > 0);
    t.deepEqual(load.check(await loadDir(sp.dir)).slice(0, 5), []);
  });
}

test('a second SIGINT while shutting down still leaves the data durable', async (t) => {
  const sp = await startBundle(['--appendfsync', 'no', '--loglevel', 'notice']);
  t.teardown(() => void sp.stop('SIGKILL'));
  const load = new WriteLoad(sp.port, 3);
  await new Promise((r) => setTimeout(r, 200));
  const done = exited(sp);
  sp.proc.kill('SIGINT');
  sp.proc.kill('SIGINT');
  const code = await done;
  await load.stop();
  t.true(code === 0 || code === 1, String(code));
  if (/You insist\.\.\. exiting now\./.test(sp.output())) t.is(code, 1);
  t.false(existsSync(join(sp.dir, 'keystonelight.pid')));
  t.deepEqual(load.check(await loadDir(sp.dir)).slice(0, 5), []);
});

test('SHUTDOWN (and SHUTDOWN NOSAVE) stop cleanly with the AOF fsynced', async (t) => {
  for (const args of [['SHUTDOWN'], ['SHUTDOWN', 'NOSAVE']]) {
    const sp = await startBundle(['--appendfsync', 'no', '--loglevel', 'notice']);
    t.teardown(() => void sp.stop('SIGKILL'));
    const c = await RawClient.connect(sp.port);
    await c.call('SET', 'k', args.join(' '));
    const reply = await c.call(...args).catch(() => 'closed');
    t.is(reply, 'closed', 'no reply: the connection is closed');
    t.is(await exited(sp), 0);
    t.regex(sp.output(), /User requested shutdown\.\.\./);
    t.false(existsSync(join(sp.dir, 'keystonelight.pid')));
    t.is((await loadDir(sp.dir))['0:k']?.value, args.join(' '));
  }
});

test('nothing runs after a SHUTDOWN: the rest of its pipeline and other clients\' later requests are dropped, as Redis exits inside the command', async (t) => {
  const sp = await startBundle(['--appendfsync', 'no', '--loglevel', 'notice']);
  t.teardown(() => void sp.stop('SIGKILL'));
  const other = await RawClient.connect(sp.port);
  t.is(await other.call('SET', 'before', '1'), '+OK\r\n');
  const c = await RawClient.connect(sp.port);
  // One write: the SET before SHUTDOWN runs and is answered, the SET after it never runs.
  c.write(Buffer.concat([['SET', 'first', 'x'], ['SHUTDOWN', 'NOSAVE'], ['SET', 'after', 'y']].map((a) => encodeArgs(a))));
  await c.waitClosed();
  t.is(c.pending(), '+OK\r\n', 'the reply computed before SHUTDOWN, and nothing after it');
  other.write(encodeArgs(['SET', 'late', 'z']));
  t.is(await exited(sp), 0);
  const data = await loadDir(sp.dir);
  t.is(data['0:before']?.value, '1');
  t.is(data['0:first']?.value, 'x');
  t.false('0:after' in data, 'the command after SHUTDOWN in its pipeline did not run');
  t.false('0:late' in data, 'nor a later request of another client');
});

test('SHUTDOWN SAVE with appendonly no is refused (nothing can save the data) unless FORCE', async (t) => {
  // Redis would write dump.rdb and, when that fails, refuse to exit unless FORCE. There is no RDB
  // here: exiting as if saved would lose what SHUTDOWN SAVE asked to keep.
  const sp = await startBundle(['--appendonly', 'no', '--loglevel', 'notice']);
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  await c.call('SET', 'k', 'v');
  t.is(await c.call('SHUTDOWN', 'SAVE'), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
  t.is(await c.call('GET', 'k'), '$1\r\nv\r\n', 'still serving');
  t.regex(sp.output(), /Error trying to save the DB, can't exit\./);
  t.is(await c.call('SHUTDOWN', 'SAVE', 'FORCE').catch(() => 'closed'), 'closed');
  t.is(await exited(sp), 0);
  t.regex(sp.output(), /Error trying to save the DB\. Exit anyway\./);
});

test('SHUTDOWN without SAVE with appendonly no exits, and says so when save points are set', async (t) => {
  // Redis would write dump.rdb for its save points; Keystonelight writes no RDB (documented), and
  // refusing every plain SHUTDOWN and SIGTERM of such a configuration would leave it unstoppable.
  for (const save of ['', '3600 1']) {
    const sp = await startBundle(['--appendonly', 'no', '--loglevel', 'notice', '--save', save]);
    t.teardown(() => void sp.stop('SIGKILL'));
    const c = await RawClient.connect(sp.port);
    await c.call('SET', 'k', 'v');
    t.is(await c.call('SHUTDOWN').catch(() => 'closed'), 'closed');
    t.is(await exited(sp), 0);
    t.is(/The dataset is not saved: Keystonelight writes no RDB snapshot/.test(sp.output()), save !== '', `save '${save}'`);
  }
});

test('shutdown-on-sigterm / shutdown-on-sigint: a signal shuts down as SHUTDOWN with those flags (save with appendonly no is refused unless force; nosave says nothing of the save points)', async (t) => {
  // As Redis 7.0: SIGTERM with shutdown-on-sigterm "save" whose save fails leaves the server up;
  // with "save force" it exits anyway. Before, the options were unknown and a signal ignored them.
  const sp = await startBundle(['--appendonly', 'no', '--loglevel', 'notice', '--shutdown-on-sigterm', 'save']);
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  sp.proc.kill('SIGTERM');
  await waitFor(() => /Error trying to save the DB, can't exit\./.test(sp.output()), 10_000, 'the refused save');
  t.is(await c.call('PING'), '+PONG\r\n', 'still serving');
  t.is(await c.call('CONFIG', 'SET', 'shutdown-on-sigterm', 'SAVE force'), '+OK\r\n');
  t.is(await c.call('CONFIG', 'GET', 'shutdown-on-sigterm'), '*2\r\n$19\r\nshutdown-on-sigterm\r\n$10\r\nsave force\r\n');
  sp.proc.kill('SIGTERM');
  t.is(await exited(sp), 0);
  t.regex(sp.output(), /Error trying to save the DB\. Exit anyway\./);
  // SIGINT with nosave: no save is attempted, so the save points' warning is not logged either.
  const quiet = await startBundle(['--appendonly', 'no', '--loglevel', 'notice', '--save', '3600 1', '--shutdown-on-sigint', 'nosave']);
  t.teardown(() => void quiet.stop('SIGKILL'));
  t.is(await quiet.stop('SIGINT'), 0);
  t.notRegex(quiet.output(), /The dataset is not saved/);
  t.regex(quiet.output(), /Received SIGINT scheduling shutdown/);
});
