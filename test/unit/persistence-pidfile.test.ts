// The PID file: created with our PID and a newline, refused when a live process owns it (without
// writing anything), stale files taken over with a warning, removed only by its owner.

import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquirePidFile, PidFileError, releasePidFile } from '../../src/server/pidfile.js';

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

test('no temporary files are left behind', (t) => {
  const dir = tmp();
  const p = join(dir, 'k.pid');
  writeFileSync(p, `${deadPid()}\n`);
  acquirePidFile(p);
  t.deepEqual(readdirSync(dir), ['k.pid']);
});
