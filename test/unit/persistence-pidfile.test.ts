// The PID file: created with our PID and a newline, refused when a live process owns it (without
// writing anything), stale files taken over with a warning, removed only by its owner.

import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { acquirePidFile, PidFileError, releasePidFile } from '../../src/server/pidfile.js';
import { PidFiles } from '../../src/server/pid-files.js';
import { maybeServer } from '../../src/server/pid-probe.js';
import { needBinary, needRoot } from '../helpers/bins.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ks-pid-'));

/** A PID that is certainly not running: a child that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

test('creates the file with our PID and a newline; release removes it', (t) => {
  const p = join(tmp(), 'k.pid');
  t.is(acquirePidFile(p), null);
  t.is(readFileSync(p, 'latin1'), `${process.pid}\n`);
  releasePidFile(p);
  t.false(existsSync(p));
});

test('a live owner refuses the start with a clear message and nothing is written', async (t) => {
  const dir = tmp();
  const p = join(dir, 'k.pid');
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
  try {
    writeFileSync(p, `${child.pid}\n`);
    const before = readdirSync(dir);
    const e = t.throws(() => acquirePidFile(p), { instanceOf: PidFileError });
    t.regex(e!.message, new RegExp(`Another server \\(PID ${child.pid}\\) is running .*Refusing to start`));
    t.deepEqual(readdirSync(dir), before);
    t.is(readFileSync(p, 'latin1'), `${child.pid}\n`);
    releasePidFile(p);
    t.true(existsSync(p), 'never removed by a process that does not own it');
  } finally {
    child.kill('SIGKILL');
  }
});

test('a stale file (dead PID, garbage, or our own PID) is taken over with a warning', (t) => {
  for (const content of [`${deadPid()}\n`, 'garbage', '']) {
    const p = join(tmp(), 'k.pid');
    writeFileSync(p, content);
    const warning = acquirePidFile(p);
    t.regex(warning ?? '', /Removed the stale PID file/, JSON.stringify(content));
    t.is(readFileSync(p, 'latin1'), `${process.pid}\n`);
  }
  const p = join(tmp(), 'k.pid');
  writeFileSync(p, `${process.pid}\n`);
  t.notThrows(() => acquirePidFile(p));
});

test('a stale file holding no PID (garbage, a number past any PID) says so in its warning', (t) => {
  for (const content of ['garbage', '12345678901234567890\n']) {
    const p = join(tmp(), 'k.pid');
    writeFileSync(p, content);
    t.is(acquirePidFile(p), `Removed the stale PID file ${p} (it holds no PID)`, JSON.stringify(content));
  }
});

test('the takeover lock of a stale file: one left by a dead server is removed; one a live process holds refuses the start, naming it', (t) => {
  const dir = tmp();
  const p = join(dir, 'k.pid');
  writeFileSync(p, `${deadPid()}\n`);
  writeFileSync(`${p}.takeover`, `${deadPid()}\n`);
  t.regex(acquirePidFile(p) ?? '', /Removed the stale PID file/);
  t.deepEqual(readdirSync(dir), ['k.pid']);
  releasePidFile(p);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
  try {
    writeFileSync(p, `${deadPid()}\n`);
    writeFileSync(`${p}.takeover`, `${child.pid}\n`);
    const e = t.throws(() => acquirePidFile(p), { instanceOf: PidFileError });
    t.is(e!.message, `Could not take over the stale PID file ${p}: ${p}.takeover (PID ${child.pid}) is still there; remove it if no server is starting on this data directory.`);
    t.deepEqual(readdirSync(dir).sort(), ['k.pid', 'k.pid.takeover'], 'nothing removed');
  } finally {
    child.kill('SIGKILL');
  }
});

test('a PID file that is there but cannot be read (a directory) refuses the start naming why', (t) => {
  const dir = tmp();
  const p = join(dir, 'k.pid');
  mkdirSync(p);
  const e = t.throws(() => acquirePidFile(p), { instanceOf: PidFileError });
  t.is(e!.message, `Could not read the PID file ${p}: Is a directory`);
  t.deepEqual(readdirSync(dir), ['k.pid'], 'no temporary file left');
});

test('no temporary files are left behind', (t) => {
  const dir = tmp();
  const p = join(dir, 'k.pid');
  writeFileSync(p, `${deadPid()}\n`);
  acquirePidFile(p);
  t.deepEqual(readdirSync(dir), ['k.pid']);
});

test('worker threads of this process starting and stopping on one PID file at once: never two hold it, nothing is taken for stale', async (t) => {
  // Each thread's server keeps its file open (741bf9b): opened after the link and closed before the
  // unlink, a file naming our PID looked like a previous life's to another thread in between, which
  // removed it and ran alongside (hundreds of takeovers in 1.5 s); and the threads shared one
  // temporary file name, unlinked under each other (starts failed with a bare ENOENT).
  const p = join(tmp(), 'k.pid');
  const shared = new Int32Array(new SharedArrayBuffer(16)); // holders now, both held at once, takeovers, other errors
  const code = `const { workerData: w } = require('node:worker_threads');
    const h = new Int32Array(w.shared);
    import(w.module).then(({ acquirePidFile, releasePidFile }) => {
      for (const end = Date.now() + 1500; Date.now() < end; ) {
        let warning;
        try { warning = acquirePidFile(w.p); } catch (e) { if (!/^Another server/.test(e.message) && !/^Could not create the PID file [^:]*$/.test(e.message)) { Atomics.add(h, 3, 1); console.error(e); } continue; }
        if (warning !== null) Atomics.add(h, 2, 1);
        if (Atomics.add(h, 0, 1) !== 0) Atomics.add(h, 1, 1);
        for (let i = 0; i < 2000; i++);
        Atomics.sub(h, 0, 1);
        releasePidFile(w.p);
      }
    });`;
  const module = new URL('../../src/server/pidfile.js', import.meta.url).href;
  const workers = [0, 1, 2].map(() => new Worker(code, { eval: true, workerData: { shared: shared.buffer, p, module } }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  t.deepEqual({ bothHeld: shared[1], takenForStale: shared[2], otherErrors: shared[3] }, { bothHeld: 0, takenForStale: 0, otherErrors: 0 });
  t.false(existsSync(p));
});

test('maybeServer: a kernel thread, init, a daemon or node_exporter is not a server; a node process or a keystonelight command line may be', (t) => {
  const proc = mkdtempSync(join(tmpdir(), 'ks-proc-'));
  const fake = (pid: number, cmdline: string, comm: string): void => {
    mkdirSync(join(proc, String(pid)));
    writeFileSync(join(proc, String(pid), 'cmdline'), cmdline);
    writeFileSync(join(proc, String(pid), 'comm'), `${comm}\n`);
  };
  fake(2, '', 'kthreadd');
  fake(1, '/sbin/init\0splash\0', 'systemd');
  fake(300, '/usr/sbin/sshd\0-D\0', 'sshd');
  fake(301, '/usr/bin/node_exporter\0', 'node_exporter');
  fake(400, '/usr/bin/node\0/srv/ks/dist/keystonelight.js\0--port\x007379\0', 'node');
  fake(401, '/usr/bin/nodejs\0server.js\0', 'nodejs');
  fake(402, 'keystonelight: renamed title\0', 'whatever');
  fake(403, '/opt/n/bin/node20\0app.js\0', 'node20');
  for (const pid of [2, 1, 300, 301]) t.false(maybeServer(pid, proc), String(pid));
  for (const pid of [400, 401, 402, 403]) t.true(maybeServer(pid, proc), String(pid));
  t.true(maybeServer(999, proc), 'cannot tell (hidden or gone): it may be');
  // Another user's server with a title of its own (proc-title-template "cache {port}"): its
  // program cannot be read, its names say nothing; it runs as the user who wrote the PID file.
  fake(600, 'cache 17431\0', 'cache 17431');
  writeFileSync(join(proc, '600', 'status'), 'Name:\tcache 17431\nUid:\t1001\t1001\t1001\t1001\nGid:\t1001\t1001\t1001\t1001\n');
  t.true(maybeServer(600, proc, 1001, 1000), 'the file\'s owner runs it');
  t.false(maybeServer(600, proc, 1002, 1000), 'another user\'s process, named as nothing we know');
  t.false(maybeServer(600, proc, undefined, 1000), 'no owner known');
  // A review: not for root's files (after a reboot any root daemon may have the PID), nor for our
  // own (our servers' program is readable; an unreadable one is non-dumpable, such as ssh-agent).
  fake(602, '/usr/sbin/sshd\0-D\0', 'sshd');
  writeFileSync(join(proc, '602', 'status'), 'Uid:\t0\t0\t0\t0\n');
  t.false(maybeServer(602, proc, 0, 1000), 'root\'s file, a root daemon');
  fake(603, 'ssh-agent\0-s\0', 'ssh-agent');
  writeFileSync(join(proc, '603', 'status'), 'Uid:\t1000\t1000\t1000\t1000\n');
  t.false(maybeServer(603, proc, 1000, 1000), 'our own file, our non-dumpable process');
  // Our own process (its program readable), not node, of the file's owner: stale, whatever the user.
  fake(601, 'bash\0', 'bash');
  writeFileSync(join(proc, '601', 'status'), 'Uid:\t1001\t1001\t1001\t1001\n');
  symlinkSync('/usr/bin/bash', join(proc, '601', 'exe'));
  t.false(maybeServer(601, proc, 1001));
  // A node server that set process.title: its exe link (readable for our own processes) says node.
  fake(500, 'myhost\0', 'myhost');
  symlinkSync('/usr/bin/node', join(proc, '500', 'exe'));
  t.true(maybeServer(500, proc));
});

test('PidFiles: the data directory\'s file and a pidfile elsewhere are both taken, and given back together', (t) => {
  const dirLock = join(tmp(), 'keystonelight.pid');
  const other = join(tmp(), 'custom.pid');
  const { files, warnings } = PidFiles.take(dirLock, other);
  t.deepEqual(warnings, []);
  t.is(readFileSync(dirLock, 'latin1'), `${process.pid}\n`);
  t.is(readFileSync(other, 'latin1'), `${process.pid}\n`);
  // A second server of this process on the same directory, with yet another pidfile: refused by
  // the directory's file, and the pidfile it asked for is not left behind.
  const third = join(tmp(), 'third.pid');
  t.throws(() => PidFiles.take(dirLock, third), { instanceOf: PidFileError, message: /Another server .* is running on this data directory/ });
  t.false(existsSync(third));
  files.release();
  t.false(existsSync(dirLock));
  t.false(existsSync(other));
  // The same path twice is one file.
  const once = PidFiles.take(dirLock, dirLock);
  t.deepEqual(once.files.paths, [dirLock]);
  once.files.release();
});

test('PidFiles: a pidfile elsewhere is written over another live server\'s, as Redis\'s createPidFile, and left alone at release once another replaced it', (t) => {
  // Redis's test suite starts every server with `pidfile /var/run/redis.pid`: a second server
  // started while the first ran was refused, and the suite waited for it for two minutes.
  const other = join(tmp(), 'shared.pid');
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.teardown(() => void live.kill('SIGKILL'));
  writeFileSync(other, `${live.pid}\n`);
  const { files, warnings } = PidFiles.take(join(tmp(), 'keystonelight.pid'), other);
  t.deepEqual(warnings, []);
  t.is(readFileSync(other, 'latin1'), `${process.pid}\n`);
  // Another server writes it in turn: ours is not removed from under it.
  writeFileSync(other, `${live.pid}\n`);
  files.release();
  t.is(readFileSync(other, 'latin1'), `${live.pid}\n`);
  // One that cannot be written is a warning, as Redis's createPidFile goes on without it (Debian's
  // redis.conf names /run/redis/redis-server.pid, which a user's server cannot write).
  const dirLock = join(tmp(), 'keystonelight.pid');
  const unwritable = PidFiles.take(dirLock, tmp());
  t.deepEqual(unwritable.files.paths, [dirLock], 'the data directory is still locked');
  t.is(unwritable.warnings.length, 1);
  t.regex(unwritable.warnings[0], /^Could not create the PID file .*: Is a directory; going on without it, as Redis/);
  unwritable.files.release();
  t.false(existsSync(dirLock));
});

test('PidFiles: a pidfile that is another running server\'s data directory file by another name (a symlink, a hard link) is not written', (t) => {
  // /run/ks.pid -> /data/a/keystonelight.pid in a config copied for a server on /data/b: written
  // through the link, A's lock named B, which at its exit removed only the link; A's lock then
  // named a dead PID, and a third server took it over as stale and ran on A's data beside A.
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.teardown(() => void live.kill('SIGKILL'));
  const lockA = join(tmp(), 'keystonelight.pid');
  writeFileSync(lockA, `${live.pid}\n`);
  const run = tmp();
  symlinkSync(lockA, join(run, 'ks.pid'));
  linkSync(lockA, join(run, 'hard.pid'));
  for (const name of ['ks.pid', 'hard.pid']) {
    const dirLock = join(tmp(), 'keystonelight.pid');
    const { files, warnings } = PidFiles.take(dirLock, join(run, name));
    t.deepEqual(files.paths, [dirLock], name);
    t.is(warnings.length, 1, name);
    t.regex(warnings[0], new RegExp(`^Not writing the PID file .*${name}: it is the data directory's PID file of a running server \\(PID ${live.pid}\\)`));
    t.is(readFileSync(lockA, 'latin1'), `${live.pid}\n`, name);
    files.release();
    t.is(readFileSync(lockA, 'latin1'), `${live.pid}\n`, name);
  }
  // Our own lock by another name: held once, never emptied by a second write.
  const dirLock = join(tmp(), 'keystonelight.pid');
  const own = join(run, 'own.pid');
  symlinkSync(dirLock, own);
  const { files, warnings } = PidFiles.take(dirLock, own);
  t.deepEqual(warnings, []);
  t.deepEqual(files.paths, [dirLock]);
  t.is(readFileSync(own, 'latin1'), `${process.pid}\n`);
  files.release();
  t.false(existsSync(dirLock));
});

test('PidFiles: a data directory nobody can write in is not locked when a pidfile elsewhere is given (warned); without one the start is refused', (t) => {
  // /sys/kernel refuses new files even to root (EACCES), as a read-only data directory would.
  const dirLock = '/sys/kernel/keystonelight.pid';
  if (!existsSync('/sys/kernel')) return t.pass('no /sys/kernel here');
  const other = join(tmp(), 'custom.pid');
  const { files, warnings } = PidFiles.take(dirLock, other);
  t.deepEqual(files.paths, [other]);
  t.is(warnings.length, 1);
  t.regex(warnings[0], /^No PID file in the data directory \(Could not create the PID file \/sys\/kernel\/keystonelight\.pid: Permission denied\): it is not writable/);
  files.release();
  t.false(existsSync(other));
  t.throws(() => PidFiles.take(dirLock, dirLock), { instanceOf: PidFileError, message: 'Could not create the PID file /sys/kernel/keystonelight.pid: Permission denied' });
});

test('PidFiles: a data directory nobody can write in whose AOF directory or AOF file is writable refuses the start (no lock would guard that AOF)', (t) => {
  // Run as nobody (from root): a data directory of root's (0555) holding an appendonlydir of
  // nobody's. Both of two servers started on it, with one pidfile elsewhere, ran and appended to
  // the same incr file: the pidfile, written over as Redis's, keeps none off.
  if (!needRoot(t) || !needBinary(t, 'setpriv')) return;
  const base = mkdtempSync('/tmp/ks-pid-rodir-'); // not under the test run's TMPDIR (mode 700)
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  chmodSync(base, 0o1777);
  const dir = join(base, 'data');
  const aofDir = join(dir, 'appendonlydir');
  mkdirSync(aofDir, { recursive: true });
  chownSync(aofDir, 65534, 65534);
  chmodSync(dir, 0o555);
  const dirLock = join(dir, 'keystonelight.pid');
  const module = new URL('../../src/server/pid-files.js', import.meta.url).href;
  const script = `import(${JSON.stringify(module)}).then(({ PidFiles }) => {
    try { const { files, warnings } = PidFiles.take(${JSON.stringify(dirLock)}, ${JSON.stringify(join(base, 'other.pid'))}, undefined, [${JSON.stringify(aofDir)}]); console.log(files.paths.join(' ') + ' | ' + warnings.join(' ')); files.release(); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
  });`;
  const asNobody = (): string => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], { timeout: 10_000, encoding: 'latin1' }).stdout;
  t.is(asNobody(), `PidFileError: Could not create the PID file ${dirLock}: Permission denied, and ${aofDir} in it is writable: its data would have no lock against a second server\n`);
  // An AOF directory made read-only too, its files still nobody's: a server appends to its incr
  // file all the same (two did, each told it could write no data there).
  const incr = join(aofDir, 'appendonly.aof.1.incr.aof');
  writeFileSync(incr, '');
  chownSync(incr, 65534, 65534);
  chownSync(aofDir, 0, 0);
  t.is(asNobody(), `PidFileError: Could not create the PID file ${dirLock}: Permission denied, and ${incr} in it is writable: its data would have no lock against a second server\n`);
  // Nothing writable in it: no lock, as before (a read-only dir with appendonly no keeps working).
  chownSync(incr, 0, 0);
  t.regex(asNobody(), /^\S+other\.pid \| No PID file in the data directory \(Could not create the PID file .*: Permission denied\): it is not writable/);
});

test('files another user left in a sticky directory (/tmp) that we cannot remove: a stale PID file or a dead server\'s takeover lock refuses the start, naming it', async (t) => {
  // Run as nobody (from root): the sticky bit lets it create files there but not remove root's.
  // The lock left by a dead server was retried without a pause for ever (a start stuck at 100%
  // CPU); the stale file's unlink threw its bare EPERM, not a PidFileError.
  if (!needRoot(t) || !needBinary(t, 'setpriv')) return;
  const dir = mkdtempSync('/tmp/ks-pid-sticky-'); // not under the test run's TMPDIR (mode 700)
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o1777);
  const p = join(dir, 'k.pid');
  const module = new URL('../../src/server/pidfile.js', import.meta.url).href;
  const script = `import(${JSON.stringify(module)}).then(({ acquirePidFile }) => {
    try { acquirePidFile(${JSON.stringify(p)}); console.log('taken'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
  });`;
  const asNobody = (): string => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], { timeout: 10_000, encoding: 'latin1' }).stdout;
  const stale = deadPid();
  writeFileSync(p, `${stale}\n`);
  const holder = deadPid();
  writeFileSync(`${p}.takeover`, `${holder}\n`);
  t.is(asNobody(), `PidFileError: Could not take over the stale PID file ${p}: ${p}.takeover (PID ${holder}) is still there; remove it if no server is starting on this data directory.\n`);
  rmSync(`${p}.takeover`);
  t.is(asNobody(), `PidFileError: Could not remove the stale PID file ${p} (PID ${stale} is not running a server): Operation not permitted\n`);
  t.deepEqual(readdirSync(dir), ['k.pid'], 'nothing left behind');
});
