// The seeded randomized checker of the append-only file's stop/start races (test/helpers/race-check.ts):
// schedules of writes, rewrites, appendonly toggles, DEBUG LOADAOF/RELOAD, SAVE/BGSAVE, FLUSHALL and
// restarts, on a FileIO that delays the thread-pool steps and fails some operations (EIO, ENOSPC);
// every reply checked against a model, the directory checked at every rename, delete and directory
// fsync, and at the end loaded by a new Keystonelight and by redis-server (skipped without it).
//
//   KS_SEED=1234       first seed (the seeds run are logged, and printed with any failure)
//   KS_RACE_N=2000     schedules to run (default 24): seeds KS_SEED, KS_SEED+1, ...
//   KS_RACE_STEPS=60   steps per schedule (default 40)
//
// A seed fixes the schedule, the setup and the fault choices; the interleaving with the thread
// pool also depends on timing, so a failing seed may need a few runs to fail again.

import test from 'ava';
import { runRace, type RaceResult } from '../helpers/race-check.js';
import { hasBinary } from '../helpers/bins.js';

const FIRST = process.env.KS_SEED !== undefined ? Number(process.env.KS_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const COUNT = Number(process.env.KS_RACE_N ?? 24);
const STEPS = Number(process.env.KS_RACE_STEPS ?? 40);
/** Schedules run at once: each mostly waits (pauses, delayed I/O), so a few share the CPU well. */
const PARALLEL = 4;

test('seeded stop/start races of the append-only file: every load gives the acknowledged dataset', async (t) => {
  t.timeout(60_000 + COUNT * STEPS * 250);
  t.log(`seeds ${FIRST}..${(FIRST + COUNT - 1) >>> 0} (KS_SEED=${FIRST} KS_RACE_N=${COUNT} KS_RACE_STEPS=${STEPS} to replay)`);
  const failed: RaceResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < COUNT) {
      const seed = (FIRST + next++) >>> 0;
      const r = await runRace(seed, STEPS, undefined, { redis: hasBinary('redis-server') && hasBinary('redis-check-aof') });
      if (r.problems.length > 0) failed.push(r);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  for (const r of failed) t.log(`seed ${r.seed} (KS_SEED=${r.seed} KS_RACE_N=1):\n${r.problems.join('\n')}\n${r.trace.join('\n')}`);
  t.deepEqual(failed.map((r) => r.seed), []);
});
