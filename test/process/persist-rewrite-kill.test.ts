// Crash safety of the rewrite: the real process is killed (-9) at every named step of a rewrite
// (test-only fault points, KS_FAULT) and at random moments of rewrites, always under a write load
// with appendfsync always. Whatever the moment, the directory left behind loads to the complete
// dataset: the preloaded keys exactly, and every acknowledged write.

import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBundle, type ServerProcess } from '../helpers/bundle.js';
import { loadDir, WriteLoad, type Dump } from '../helpers/aof.js';
import { RawClient } from '../helpers/raw.js';
import { encodeArgs } from '../helpers/resp.js';

/** Enough data for the rewrite to write several 1 MB chunks: 12,000 keys of ~200 bytes. */
const PRELOAD = 12_000;
const value = (i: number): string => `${i}:`.padEnd(200, String.fromCharCode(97 + (i % 26)));

async function preload(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  for (let i = 0; i < PRELOAD; i += 1000) {
    const cmds: Buffer[] = [];
    for (let j = i; j < i + 1000; j++) cmds.push(encodeArgs(['SET', `s:${j}`, value(j)]));
    c.write(Buffer.concat(cmds));
    for (let j = 0; j < 1000; j++) await c.read();
  }
  c.close();
}

function checkPreload(d: Dump): string[] {
  const problems: string[] = [];
  for (let i = 0; i < PRELOAD; i++) if (d[`0:s:${i}`]?.value !== value(i)) problems.push(`s:${i} lost`);
  return problems;
}

async function waitExit(sp: ServerProcess, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (sp.proc.exitCode === null && sp.proc.signalCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return sp.proc.signalCode !== null || sp.proc.exitCode !== null;
}

const POINTS = ['rewrite-begin', 'rewrite-partial', 'rewrite-snapshot', 'rewrite-fsync', 'rewrite-rename', 'rewrite-done'];

for (const point of POINTS) {
  test(`kill -9 at ${point} under write load: the directory loads to the complete dataset`, async (t) => {
    const sp = await startBundle(['--appendfsync', 'always', '--loglevel', 'warning'], { env: { ...process.env, KS_FAULT: `${point}:kill` } });
    t.teardown(() => void sp.stop('SIGKILL'));
    await preload(sp.port);
    const load = new WriteLoad(sp.port, 3);
    await new Promise((r) => setTimeout(r, 50));
    const c = await RawClient.connect(sp.port);
    // At rewrite-begin the process dies inside the command, before its reply.
    const reply = await c.call('BGREWRITEAOF').catch(() => 'closed');
    t.true(reply === '+Background append only file rewriting started\r\n' || (point === 'rewrite-begin' && reply === 'closed'), reply);
    c.close();
    t.true(await waitExit(sp, 20_000), 'the fault point killed the process');
    t.is(sp.proc.signalCode, 'SIGKILL');
    await load.stop();
    const files = readdirSync(sp.dir);
    t.log(`left behind: ${files.join(', ')}`);
    const d = await loadDir(sp.dir);
    t.deepEqual(checkPreload(d).slice(0, 5), []);
    t.deepEqual(load.check(d).slice(0, 5), []);
  });
}

test('kill -9 at random moments of repeated rewrites under write load (10 trials)', async (t) => {
  for (let trial = 0; trial < 10; trial++) {
    const sp = await startBundle(['--appendfsync', 'always', '--loglevel', 'warning']);
    t.teardown(() => void sp.stop('SIGKILL'));
    await preload(sp.port);
    const load = new WriteLoad(sp.port, 3);
    const c = await RawClient.connect(sp.port);
    const at = Date.now() + 20 + Math.floor(Math.random() * 600);
    // Rewrites back to back until the kill, so the kill lands inside one most of the time.
    const rewrites = (async () => {
      while (Date.now() < at) {
        await c.call('BGREWRITEAOF').catch(() => '');
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await rewrites;
    await sp.stop('SIGKILL');
    c.close();
    await load.stop();
    const d = await loadDir(sp.dir);
    t.deepEqual(checkPreload(d).slice(0, 5), [], `trial ${trial}`);
    t.deepEqual(load.check(d).slice(0, 5), [], `trial ${trial}`);
  }
});

test('a restart after a crashed rewrite removes its temporary file and starts normally', async (t) => {
  const sp = await startBundle(['--loglevel', 'warning'], { env: { ...process.env, KS_FAULT: 'rewrite-fsync:kill' } });
  t.teardown(() => void sp.stop('SIGKILL'));
  await preload(sp.port);
  const c = await RawClient.connect(sp.port);
  await c.call('BGREWRITEAOF');
  c.close();
  t.true(await waitExit(sp, 20_000));
  t.true(readdirSync(sp.dir).some((f) => f.startsWith('temp-rewriteaof-')), 'the crash left a temp file');
  const pidFile = join(sp.dir, 'keystonelight.pid');
  t.is(readFileSync(pidFile, 'latin1').trim(), String(sp.proc.pid), 'the crash left its PID file');
  const again = await startBundle(['--loglevel', 'notice'], { dir: sp.dir });
  t.teardown(() => void again.stop('SIGKILL'));
  t.false(readdirSync(sp.dir).some((f) => f.startsWith('temp-rewriteaof-')));
  // Not the log lines of the stale files: when startBundle's first try found its port taken (a
  // busy CI machine), that try removed them and logged it, and `again` is its second try.
  t.is(readFileSync(pidFile, 'latin1').trim(), String(again.proc.pid), 'the stale PID file replaced');
  const c2 = await RawClient.connect(again.port);
  t.is(await c2.call('GET', 's:42'), `$${value(42).length}\r\n${value(42)}\r\n`);
  c2.close();
  t.is(await again.stop(), 0);
});

// CONFIG SET appendonly yes at run time writes the first base in the background (Redis's
// AOF_WAIT_REWRITE). Killed at each step of that, before and after any manifest existed, the
// directory loads to a complete dataset: the one of the last time the file was on (none at the
// first start of the file), or, between the manifest and the incr file's rename, the one of the
// command (its new base and an empty incr file); never the old files with the new writes. And
// the next start goes on (no base holding data that no manifest names).
const START_POINTS = ['rewrite-partial', 'rewrite-snapshot', 'rewrite-fsync', 'rewrite-rename', 'rewrite-incr-rename'];

for (const first of [true, false]) {
  for (const point of START_POINTS) {
    test(`kill -9 at ${point} of CONFIG SET appendonly yes (${first ? 'no manifest yet' : 'after appendonly no'}): the old dataset or the one of the command, never a mixture`, async (t) => {
      const sp = await startBundle(['--appendonly', first ? 'no' : 'yes', '--appendfsync', 'always', '--loglevel', 'warning'], { env: { ...process.env, KS_FAULT: `${point}:kill` } });
      t.teardown(() => void sp.stop('SIGKILL'));
      await preload(sp.port);
      const c = await RawClient.connect(sp.port);
      if (!first) t.is(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
      // Changes only in memory: in the dataset of the command, not in the old one.
      t.is(await c.call('SET', 's:0', 'changed'), '+OK\r\n');
      t.is(await c.call('SET', 't0', '1'), '+OK\r\n');
      // A write after the command, in the temp incr file only: in no dataset a crash leaves.
      c.write(Buffer.concat([encodeArgs(['CONFIG', 'SET', 'appendonly', 'yes']), encodeArgs(['SET', 'w', '1'])]));
      t.is(await c.read().catch(() => 'closed'), '+OK\r\n', 'answered before the base is written');
      await c.read().catch(() => 'closed');
      c.close();
      t.true(await waitExit(sp, 20_000), 'the fault point killed the process');
      t.is(sp.proc.signalCode, 'SIGKILL');
      t.log(`left behind: ${readdirSync(join(sp.dir, 'appendonlydir')).join(', ')}`);
      const d = await loadDir(sp.dir);
      t.false('0:w' in d, 'no write of the wait without the dataset it follows');
      if (point === 'rewrite-incr-rename') {
        // The manifest names the new base and the (still empty) incr file: the command's dataset.
        t.is(d['0:s:0']?.value, 'changed');
        t.is(d['0:t0']?.value, '1');
        t.deepEqual(checkPreload(d).slice(0, 5), ['s:0 lost']);
      } else if (first) {
        t.deepEqual(d, {}, 'no file was on: nothing');
      } else {
        t.false('0:t0' in d, 'the old dataset');
        t.deepEqual(checkPreload(d).slice(0, 5), []);
      }
      t.is(Object.keys(d).length, point === 'rewrite-incr-rename' ? PRELOAD + 1 : first ? 0 : PRELOAD);
      // The next start goes on, and writes.
      const again = await startBundle(['--appendonly', 'yes', '--loglevel', 'warning'], { dir: sp.dir });
      t.teardown(() => void again.stop('SIGKILL'));
      const c2 = await RawClient.connect(again.port);
      t.is(await c2.call('SET', 'b', '2'), '+OK\r\n');
      c2.close();
      t.is(await again.stop(), 0);
      t.is((await loadDir(sp.dir))['0:b']?.value, '2');
    });
  }
}

test('kill -9 from outside while CONFIG SET appendonly yes writes its base, its writes acknowledged: the restart loads the old dataset', async (t) => {
  // The walk held at its first chunk (a sleep at the fault point): the kill lands in the wait.
  const sp = await startBundle(['--appendonly', 'yes', '--appendfsync', 'always', '--loglevel', 'warning'], { env: { ...process.env, KS_FAULT: 'rewrite-partial:sleep=3000' } });
  t.teardown(() => void sp.stop('SIGKILL'));
  await preload(sp.port);
  const c = await RawClient.connect(sp.port);
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
  t.is(await c.call('SET', 't0', '1'), '+OK\r\n');
  c.write(Buffer.concat([encodeArgs(['CONFIG', 'SET', 'appendonly', 'yes']), encodeArgs(['SET', 'w', '1']), encodeArgs(['DEL', 's:1'])]));
  t.deepEqual([await c.read(), await c.read(), await c.read()], ['+OK\r\n', '+OK\r\n', ':1\r\n']);
  c.close();
  await sp.stop('SIGKILL');
  t.true(readdirSync(join(sp.dir, 'appendonlydir')).includes('temp-appendonly.aof.incr'));
  const d = await loadDir(sp.dir);
  t.deepEqual(checkPreload(d).slice(0, 5), []);
  t.is(Object.keys(d).length, PRELOAD, 'neither t0 nor w: the old files alone');
});

// BGREWRITEAOF with appendonly no, written in the background too: killed at each step, the
// directory loads to the old dataset (none, the first time) until the manifest names the new base,
// then to the dataset of the command; never a mixture, and the next start goes on.
const OFF_POINTS = ['rewrite-partial', 'rewrite-fsync', 'rewrite-rename', 'rewrite-done'];

for (const first of [true, false]) {
  for (const point of OFF_POINTS) {
    test(`kill -9 at ${point} of BGREWRITEAOF with appendonly no (${first ? 'no manifest yet' : 'after appendonly no'}): the old dataset or the one of the command`, async (t) => {
      const sp = await startBundle(['--appendonly', first ? 'no' : 'yes', '--loglevel', 'warning'], { env: { ...process.env, KS_FAULT: `${point}:kill` } });
      t.teardown(() => void sp.stop('SIGKILL'));
      await preload(sp.port);
      const c = await RawClient.connect(sp.port);
      if (!first) t.is(await c.call('CONFIG', 'SET', 'appendonly', 'no'), '+OK\r\n');
      t.is(await c.call('SET', 't0', '1'), '+OK\r\n');
      t.is(await c.call('BGREWRITEAOF').catch(() => 'closed'), '+Background append only file rewriting started\r\n');
      c.close();
      t.true(await waitExit(sp, 20_000), 'the fault point killed the process');
      t.is(sp.proc.signalCode, 'SIGKILL');
      const d = await loadDir(sp.dir);
      if (point === 'rewrite-done') {
        t.is(d['0:t0']?.value, '1', "the command's dataset");
        t.deepEqual(checkPreload(d).slice(0, 5), []);
      } else if (first) {
        t.deepEqual(d, {});
      } else {
        t.false('0:t0' in d, 'the old dataset');
        t.deepEqual(checkPreload(d).slice(0, 5), []);
      }
      const again = await startBundle(['--appendonly', 'yes', '--loglevel', 'warning'], { dir: sp.dir });
      t.teardown(() => void again.stop('SIGKILL'));
      t.is(await again.stop(), 0);
    });
  }
}
