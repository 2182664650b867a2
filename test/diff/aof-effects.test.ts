// What the differential corpus writes to the AOF: every case runs against Keystonelight and a real
// redis-server 7.0, both with appendonly yes (no timestamps, no RDB preamble, each in a temp
// directory of its own), after FLUSHALL on both through a control connection; then
// the commands each server appended to its incr file during the case (read from the file's size
// before it) must be the same. Redis logs effects, not requests (SET EX as SET PXAT, INCRBYFLOAT as
// SET KEEPTTL, EXPIRE as PEXPIREAT, a key found expired as DEL, EXEC's writes in MULTI/EXEC, SELECT
// when the database changes): so must we. The replies are corpus.test.ts's business.
//
// An absolute deadline each server computed from its own clock is compared within the time the case
// took (aof-slices.ts), not masked. RESP2 only: the protocol changes replies, not what is logged.

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needBinary } from '../helpers/bins.js';
import type { DiffCase } from './cases/types.js';
import { appendedSince, firstDifference, markAof, showSlice } from './aof-slices.js';
import { Control, runCase } from './control.js';
import { ServerPair, showCommand } from './pair.js';
import { SUITES } from './suites.js';

/**
 * appendfsync no: what is written is the same under every policy, and fsyncs made the test two to
 * three times slower on a loaded machine. Under `no` and `always` both servers write a turn's
 * effects before any reply of that turn leaves; under `everysec` Redis puts its write off while a
 * background fsync runs (flushAppendOnlyFile), so a slice read at once could miss its end.
 */
const FSYNC = 'no';

/** The options both servers start with, besides the suite's. */
const AOF_CONFIG = { appendonly: 'yes', appendfsync: FSYNC, 'aof-timestamp-enabled': 'no', 'aof-use-rdb-preamble': 'no' };

/**
 * Sets appendfsync back (a case may change it: CONFIG SET appendfsync No and back to everysec).
 * Its reply leaves after a flush under FSYNC: everything logged before it is in the file then.
 */
const settle = (control: Control): Promise<void> => control.expect(['CONFIG', 'SET', 'appendfsync', FSYNC], '+OK\r\n');

/**
 * Cases not compared, as `suite: case` -> why. None today. A case whose effects are random, or one
 * that rewrites the AOF or turns it off (BGREWRITEAOF, CONFIG SET appendonly, DEBUG LOADAOF: its
 * slice is reported as "the manifest changed"), belongs here with the test that covers it
 * (exec-effects.test.ts compares whole files around LOADAOF and appendonly no / yes;
 * test/process/persist-interop.test.ts a rewrite's files).
 */
const SKIP = new Map<string, string>([]);

/** Cases whose effects come in an order each server picks at random: compared as multisets. `suite: case` -> why. */
const UNORDERED = new Map<string, string>([
  ['counters: every key evicted under maxmemory 1', 'allkeys-random evicts the keys in a random order, each its own DEL'],
  ['counters: volatile eviction takes the keys with a TTL only', 'b and c are mostly set in the same ms: between equal TTLs, volatile-ttl evicts first whichever its random sample found first'],
  ['counters: RANDOMKEY reclaims the expired keys it draws', 'RANDOMKEY draws the expired keys in a random order, each its own DEL'],
]);

/** One case: null when both appended the same, else the lines of a readable report. */
async function compareCase(pair: ServerPair, dirs: [string, string], suite: string, c: DiffCase, control: Control): Promise<string[] | null> {
  await settle(control);
  await control.reset();
  const marks = dirs.map((d) => markAof(d));
  const start = Date.now();
  await runCase(pair, c);
  await settle(control);
  const slackMs = Date.now() - start + 1;
  const [r, k] = dirs.map((d, i) => appendedSince(d, marks[i]));
  const at = r === null || k === null ? 0 : firstDifference(r, k, slackMs, UNORDERED.has(`${suite}: ${c.name}`));
  if (at < 0) return null;
  return [
    '', `[${suite}: ${c.name}]`, ...c.cmds.map((cmd, i) => `  #${i} ${showCommand(cmd)}`),
    ` redis-server appended${r === null ? '' : ` (first difference at >, deadlines within ${slackMs} ms)`}:`, ...showSlice(r, at),
    ' keystonelight appended:', ...showSlice(k, at),
  ];
}

for (const { name: suite, cases: list, requirepass, config } of SUITES) {
  test(`aof effects: ${suite}`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const ksDir = mkdtempSync(join(tmpdir(), 'ks-aof-effects-'));
    const pair = await ServerPair.start({ requirepass, config: { ...AOF_CONFIG, ...config }, ksConfig: { dir: ksDir } });
    const control = await Control.open(pair, requirepass);
    const failed: string[] = [];
    let skipped = 0;
    try {
      for (const c of list.filter((x) => x.proto !== 3)) {
        if (SKIP.has(`${suite}: ${c.name}`)) {
          skipped++;
          continue;
        }
        failed.push(...((await compareCase(pair, [pair.redis.dir, ksDir], suite, c, control)) ?? []));
      }
    } finally {
      control.close();
      await pair.stop();
      rmSync(ksDir, { recursive: true, force: true });
    }
    const n = failed.filter((l) => l.startsWith('[')).length;
    const ran = list.filter((x) => x.proto !== 3).length - skipped;
    t.log(`${suite}: the AOF effects match in ${ran - n}/${ran} cases (${skipped} skipped)`);
    if (n > 0) t.fail([`${suite}: Keystonelight appended other commands than redis-server in ${n} of ${ran} cases`, ...failed].join('\n'));
    else t.pass();
  });
}

test('aof effects: the skip and unordered lists name corpus cases', (t) => {
  const names = new Set(SUITES.flatMap((s) => s.cases.map((c) => `${s.name}: ${c.name}`)));
  t.deepEqual([...SKIP.keys(), ...UNORDERED.keys()].filter((n) => !names.has(n)), []);
});
