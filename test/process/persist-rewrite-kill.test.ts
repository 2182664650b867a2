// Crash safety of the rewrite: the real process is killed (-9) at every named step of a rewrite
// (test-only fault points, KS_FAULT) and at random moments of rewrites, always under a write load
// with appendfsync always. Whatever the moment, the directory left behind loads to the complete
// dataset: the preloaded keys exactly, and every acknowledged write.

import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
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
  const again = await startBundle(['--loglevel', 'notice'], { dir: sp.dir });
  t.teardown(() => void again.stop('SIGKILL'));
  t.false(readdirSync(sp.dir).some((f) => f.startsWith('temp-rewriteaof-')));
  t.regex(again.output(), /Removed .*temp-rewriteaof-.*left by an interrupted AOF rewrite/);
  t.regex(again.output(), /Removed the stale PID file/);
  t.true(existsSync(join(sp.dir, 'keystonelight.pid')));
  const c2 = await RawClient.connect(again.port);
  t.is(await c2.call('GET', 's:42'), `$${value(42).length}\r\n${value(42)}\r\n`);
  c2.close();
  t.is(await again.stop(), 0);
});

test('kill -9 inside the first CONFIG SET appendonly yes, before its manifest: the next start goes on (no unnamed base holding data)', async (t) => {
  const sp = await startBundle(['--appendonly', 'no', '--loglevel', 'warning'], { env: { ...process.env, KS_FAULT: 'rewrite-sync-manifest:kill' } });
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  t.is(await c.call('SET', 'a', '1'), '+OK\r\n');
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes').catch(() => 'closed'), 'closed', 'killed inside the command');
  c.close();
  t.true(await waitExit(sp, 20_000));
  t.is(sp.proc.signalCode, 'SIGKILL');
  t.log(`left behind: ${readdirSync(join(sp.dir, 'appendonlydir')).join(', ')}`);
  // The command never answered: an empty dataset is what it leaves, and the server starts.
  const again = await startBundle(['--appendonly', 'yes', '--loglevel', 'warning'], { dir: sp.dir });
  t.teardown(() => void again.stop('SIGKILL'));
  const c2 = await RawClient.connect(again.port);
  t.is(await c2.call('SET', 'b', '2'), '+OK\r\n');
  c2.close();
  t.is(await again.stop(), 0);
  t.is((await loadDir(sp.dir))['0:b']?.value, '2');
});
