// The hardening pieces without a network: client-output-buffer-limit's parsing, merging and
// CONFIG REWRITE lines (src/config-obuf.ts), the protected-mode rule, and the descriptor check at
// start (src/server/limits.ts) with an injected limit.

import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config, findOption, parseConfigFile, rewriteConfigFile } from '../../src/config.js';
import { obufClass } from '../../src/config-obuf.js';
import { adjustOpenFilesLimit, openFilesLimit, protectedModeDenies } from '../../src/server/limits.js';
import type { Logger } from '../../src/server/log.js';

const OBUF = 'client-output-buffer-limit';

function fromFile(text: string): Config {
  const c = new Config();
  for (const [k, v] of parseConfigFile(text)) if (findOption(k)) c.set(k, v);
  return c;
}

test('config file: one line a class, later lines change only their class', (t) => {
  const c = fromFile(`${OBUF} normal 1mb 512kb 10\n${OBUF} replica 512mb 128mb 120\n${OBUF} normal 2mb 1mb 5\n`);
  t.is(c.get(OBUF), 'normal 2097152 1048576 5 slave 536870912 134217728 120 pubsub 33554432 8388608 60');
  t.deepEqual(obufClass(c.get(OBUF), 'normal'), { hard: 2097152, soft: 1048576, softSeconds: 5 });
});

test('CONFIG REWRITE writes one line a class that differs from the default, in units, and reads back the same', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'ks-obuf-')), 'ks.conf');
  writeFileSync(file, `# mine\n${OBUF} pubsub 0 0 0\n`);
  const c = fromFile(readFileSync(file, 'latin1'));
  c.set(OBUF, 'normal 4mb 2mb 30 pubsub 32mb 8mb 60');
  t.is(rewriteConfigFile(file, c), null);
  const text = readFileSync(file, 'latin1');
  // In place of the line in the file; only the classes that differ from Redis's defaults.
  t.is(text, `# mine\n${OBUF} normal 4mb 2mb 30\n`);
  t.is(fromFile(text).get(OBUF), c.get(OBUF));
  c.set(OBUF, 'replica 1mb 0 0');
  t.is(rewriteConfigFile(file, c), null);
  t.is(readFileSync(file, 'latin1'), `# mine\n${OBUF} normal 4mb 2mb 30\n${OBUF} replica 1mb 0 0\n`, '"replica" for the slave class');
});

test('protected mode: only 127.0.0.1 and ::1 are local, and only without a password', (t) => {
  const c = new Config();
  for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) t.false(protectedModeDenies(c, a), a);
  for (const a of ['127.0.0.2', '10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', undefined]) t.true(protectedModeDenies(c, a), String(a));
  c.set('requirepass', 'pw');
  t.false(protectedModeDenies(c, '10.0.0.1'));
  c.set('requirepass', '');
  c.set('protected-mode', 'no');
  t.false(protectedModeDenies(c, '10.0.0.1'));
});

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (m: string): void => void lines.push(m);
  return { lines, debug: add, verbose: add, notice: add, warning: add, setLevel: () => {}, close: async () => {} };
}

test('adjustOpenFilesLimit: maxclients + 32 descriptors, lowered with Redis warnings, fatal at 32', (t) => {
  const enough = new Config();
  const log = memoryLog();
  t.is(adjustOpenFilesLimit(enough, log, 10032), null);
  t.is(enough.get('maxclients'), '10000');
  t.is(adjustOpenFilesLimit(enough, log, Infinity), null);
  t.deepEqual(log.lines, []);
  const low = new Config();
  t.is(adjustOpenFilesLimit(low, log, 1024), null);
  t.is(low.get('maxclients'), '992');
  t.is(log.lines[0], 'You requested maxclients of 10000 requiring at least 10032 max file descriptors.');
  t.is(log.lines[2], "Current maximum open files is 1024. maxclients has been reduced to 992 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.");
  t.regex(adjustOpenFilesLimit(new Config(), log, 32)!, /^Your current 'ulimit -n' of 32 is not enough for the server to start\. Please increase your open file limit to at least 10032\. Exiting\.$/);
});

test('openFilesLimit reads /proc/self/limits', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-limits-'));
  const f = join(dir, 'limits');
  writeFileSync(f, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n');
  t.is(openFilesLimit(f), 1024);
  writeFileSync(f, 'Max open files            unlimited            unlimited            files\n');
  t.is(openFilesLimit(f), Infinity);
  t.is(openFilesLimit(join(dir, 'none')), null);
  t.is(typeof openFilesLimit(), 'number', 'this machine has /proc');
});
