// The PID file of the real process: <dir>/keystonelight.pid (or --pidfile) holds PID + newline; a
// second server on the same directory is refused (exit 1, clear message, nothing in the directory
// touched, the first one's PID file kept); a stale file is taken over with a warning; of servers
// started at the same moment on one directory exactly one runs; SIGTERM removes the file.

import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, startBundle, tempDir, type ServerProcess } from '../helpers/bundle.js';
import { RawClient } from '../helpers/raw.js';
import { waitFor } from '../helpers/aof.js';

/** Names, sizes and mtimes of everything in `dir`. */
function snapshot(dir: string): string[] {
  return readdirSync(dir).sort().map((f) => {
    const s = statSync(join(dir, f));
    return `${f} ${s.size} ${s.mtimeMs}`;
  });
}

test('PID file content; a second server on the same directory is refused and touches nothing', async (t) => {
  const first = await startBundle();
  t.teardown(() => void first.stop('SIGKILL'));
  const pidPath = join(first.dir, 'keystonelight.pid');
  t.is(readFileSync(pidPath, 'latin1'), `${first.proc.pid}\n`);
  const c = await RawClient.connect(first.port);
  await c.call('SET', 'a', '1');
  const before = snapshot(first.dir);
  const second = await startBundle([], { dir: first.dir, wait: false });
  t.teardown(() => void second.stop('SIGKILL'));
  t.is(await exited(second), 1);
  t.regex(second.output(), new RegExp(`Another server \\(PID ${first.proc.pid}\\) is running on this data directory.*Refusing to start`));
  t.deepEqual(snapshot(first.dir), before, 'nothing in the data directory changed');
  t.is(readFileSync(pidPath, 'latin1'), `${first.proc.pid}\n`, 'the refused instance did not remove it');
  t.is(await c.call('GET', 'a'), '$1\r\n1\r\n', 'the first server still serves');
  c.close();
  t.is(await first.stop('SIGTERM'), 0);
  t.false(existsSync(pidPath), 'removed on SIGTERM');
});

test('a PID file naming a live process that is clearly not a server (a PID reused after a reboot) is stale; a node process is not', async (t) => {
  const dir = tempDir();
  const pidPath = join(dir, 'keystonelight.pid');
  // Whatever the file's age and the clock: a stepped clock must not make a live server look stale.
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => void other.kill('SIGKILL'));
  writeFileSync(pidPath, `${other.pid}\n`);
  const sp = await startBundle([], { dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  t.regex(sp.output(), new RegExp(`Removed the stale PID file .* \\(PID ${other.pid} is not running a server\\)`));
  t.is(readFileSync(pidPath, 'latin1'), `${sp.proc.pid}\n`);
  t.is(await sp.stop(), 0);
  // A node process may be a server (another install, a renamed bundle): the start is refused.
  const node = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  t.teardown(() => void node.kill('SIGKILL'));
  writeFileSync(pidPath, `${node.pid}\n`);
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(pidPath, hourAgo, hourAgo);
  const refused = await startBundle([], { dir, wait: false });
  t.is(await exited(refused), 1);
  t.regex(refused.output(), new RegExp(`Another server \\(PID ${node.pid}\\) is running`));
});

test('a stale PID file is taken over with a warning; --pidfile elsewhere is written too (over another server\'s, as Redis), and the data directory\'s own still keeps a second server off', async (t) => {
  const dir = tempDir();
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(join(dir, 'keystonelight.pid'), `${dead}\n`);
  const sp = await startBundle([], { dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  t.regex(sp.output(), new RegExp(`Removed the stale PID file .*keystonelight\\.pid \\(PID ${dead} is not running a server\\)`));
  t.is(readFileSync(join(dir, 'keystonelight.pid'), 'latin1'), `${sp.proc.pid}\n`);
  t.is(await sp.stop(), 0);

  // --pidfile elsewhere is written too; the data directory keeps its own, which refuses a second
  // server on the directory whatever its --pidfile (two writers of one AOF lose acknowledged writes).
  const elsewhere = join(tempDir(), 'custom.pid');
  const sp2 = await startBundle(['--pidfile', elsewhere], { dir });
  t.teardown(() => void sp2.stop('SIGKILL'));
  t.is(readFileSync(elsewhere, 'latin1'), `${sp2.proc.pid}\n`);
  t.is(readFileSync(join(dir, 'keystonelight.pid'), 'latin1'), `${sp2.proc.pid}\n`);
  const other = join(tempDir(), 'other.pid');
  const second = await startBundle(['--pidfile', other], { dir, wait: false });
  t.is(await exited(second), 1);
  t.regex(second.output(), new RegExp(`Another server \\(PID ${sp2.proc.pid}\\) is running on this data directory`));
  t.false(existsSync(other));
  // A server on another directory with the same --pidfile starts and writes it over, as Redis's
  // (whose test suite gives all its servers one pidfile); it removes it at its exit, holding its PID.
  const third = await startBundle(['--pidfile', elsewhere], { dir: tempDir() });
  t.teardown(() => void third.stop('SIGKILL'));
  t.is(readFileSync(elsewhere, 'latin1'), `${third.proc.pid}\n`);
  t.is(await third.stop(), 0);
  t.false(existsSync(elsewhere));
  t.is(await sp2.stop('SIGINT'), 0);
  t.false(existsSync(elsewhere));
  t.false(existsSync(join(dir, 'keystonelight.pid')));

  // One that cannot be created is a warning, named as given, and the server runs, as Redis's
  // (whose createPidFile is best-effort); the data directory's file is still taken.
  const missing = join(tempDir(), 'no-such-dir', 'ks.pid');
  const sp3 = await startBundle(['--pidfile', missing], { dir });
  t.teardown(() => void sp3.stop('SIGKILL'));
  t.regex(sp3.output(), new RegExp(`# Could not create the PID file ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: No such file or directory; going on without it`));
  t.is(readFileSync(join(dir, 'keystonelight.pid'), 'latin1'), `${sp3.proc.pid}\n`);
  t.is(await sp3.stop(), 0);
});

test('a --pidfile naming another running server\'s data directory file is not written: that server\'s data stays guarded', async (t) => {
  // A config copied with `pidfile <dirA>/keystonelight.pid` and only `dir` changed: the second
  // server wrote its PID over the first's lock and removed it at its exit, and a third server then
  // started on the first's directory while it ran, both appending to one AOF.
  const a = await startBundle();
  t.teardown(() => void a.stop('SIGKILL'));
  const lockA = join(a.dir, 'keystonelight.pid');
  const b = await startBundle(['--pidfile', lockA], { dir: tempDir() });
  t.teardown(() => void b.stop('SIGKILL'));
  t.regex(b.output(), new RegExp(`# Not writing the PID file .*keystonelight\\.pid: it is the data directory's PID file of a running server \\(PID ${a.proc.pid}\\); going on without it`));
  t.is(readFileSync(lockA, 'latin1'), `${a.proc.pid}\n`);
  t.is(await b.stop(), 0);
  t.is(readFileSync(lockA, 'latin1'), `${a.proc.pid}\n`, 'still there once the other server stopped');
  const c = await startBundle([], { dir: a.dir, wait: false });
  t.teardown(() => void c.stop('SIGKILL'));
  t.is(await exited(c), 1);
  t.regex(c.output(), new RegExp(`Another server \\(PID ${a.proc.pid}\\) is running on this data directory`));
});

test('servers started at the same moment on one directory: exactly one runs', async (t) => {
  for (let round = 0; round < 2; round++) {
    const dir = tempDir();
    if (round === 1) writeFileSync(join(dir, 'keystonelight.pid'), `${spawnSync(process.execPath, ['-e', '0']).pid}\n`); // with a stale file
    const procs: ServerProcess[] = await Promise.all([0, 1, 2].map(() => startBundle([], { dir, wait: false })));
    t.teardown(() => void Promise.all(procs.map((p) => p.stop('SIGKILL'))));
    // The losers exit with 1; the winner keeps running and answers.
    await waitFor(() => procs.filter((p) => p.proc.exitCode !== null).length >= 2, 20_000, 'two refusals');
    const running = procs.filter((p) => p.proc.exitCode === null && p.proc.signalCode === null);
    t.is(running.length, 1, `round ${round}: exit codes ${procs.map((p) => p.proc.exitCode).join(', ')}`);
    t.deepEqual(procs.filter((p) => p !== running[0]).map((p) => p.proc.exitCode), [1, 1]);
    const winner = running[0];
    await waitFor(async () => {
      try {
        const c = await RawClient.connect(winner.port);
        const r = await c.call('PING');
        c.close();
        return r === '+PONG\r\n';
      } catch {
        return false;
      }
    }, 15_000, 'the winner to answer');
    t.is(readFileSync(join(dir, 'keystonelight.pid'), 'latin1'), `${winner.proc.pid}\n`);
    t.is(await winner.stop(), 0);
    t.false(existsSync(join(dir, 'keystonelight.pid')));
  }
});

test('a server held up inside its takeover of a stale PID file while two others start: exactly one runs', async (t) => {
  // Found by strace slowing one server down: one that had read the stale PID moved the file aside
  // after another had already replaced it with its own, and a third, finding no file in that
  // moment, created its own; the second could put nothing back: two servers ran on one directory.
  // The test-only fault points hold the first server D ms once it has read the stale PID, and D ms
  // once the stale file is out of its way; the second starts while it waits to act on what it
  // read, the third while it holds what it took.
  const D = 4000;
  const dir = tempDir();
  writeFileSync(join(dir, 'keystonelight.pid'), `${spawnSync(process.execPath, ['-e', '0']).pid}\n`);
  const held = { ...process.env, KS_FAULT: `pidfile-stale-read:sleep=${D},pidfile-stale-taken:sleep=${D}` };
  const procs: ServerProcess[] = [];
  t.teardown(() => void Promise.all(procs.map((p) => p.stop('SIGKILL'))));
  const start = Date.now();
  for (const [at, env] of [[0, held], [D / 4, process.env], [D * 1.4, process.env]] as const) {
    await new Promise((r) => setTimeout(r, Math.max(0, start + at - Date.now())));
    procs.push(await startBundle(['--appendonly', 'no'], { dir, wait: false, env }));
  }
  const running = (): ServerProcess[] => procs.filter((p) => p.proc.exitCode === null && p.proc.signalCode === null);
  await waitFor(() => running().length <= 1 || Date.now() > start + 3 * D, 4 * D, 'the servers to settle');
  t.is(running().length, 1, `exit codes ${procs.map((p) => p.proc.exitCode).join(', ')}`);
  const winner = running()[0];
  t.is(readFileSync(join(dir, 'keystonelight.pid'), 'latin1'), `${winner.proc.pid}\n`);
  t.deepEqual(procs.filter((p) => p !== winner).map((p) => p.proc.exitCode), [1, 1]);
});
