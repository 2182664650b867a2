// The seeded random checker of the keyspace (test/helpers/keyspace-check.ts): databases driven by
// random commands, bulk growth and shrinking, clock moves, active expiry, eviction, pauses and
// snapshots, against a model; every reply and every reported expiry and eviction checked, the
// whole state every 25 steps. About 0.2 s a run.
//
//   KS_SEED=1234          first seed (the seeds run are logged, and printed with any failure)
//   KS_MODEL_N=500        runs (default 12): seeds KS_SEED, KS_SEED+1, ..., 25 to a test
//   KS_MODEL_STEPS=4000   steps per run (default 1500)
//
// Everything random, Math.random included, comes from the seed, so a failing seed fails again;
// except where a run's tables moved to SipHash (keys made to collide), whose key is the process's
// own: RANDOMKEY and eviction draw other keys then, and such a seed may need a few runs.

import test from 'ava';
import { runKeyspaceCheck, type KeyspaceCheckResult } from '../helpers/keyspace-check.js';

const FIRST = process.env.KS_SEED !== undefined ? Number(process.env.KS_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const COUNT = Number(process.env.KS_MODEL_N ?? 12);
const STEPS = Number(process.env.KS_MODEL_STEPS ?? 1500);
/**
 * Runs per test: AVA gives up on a file when no test ends for 5 minutes (ava.config.mjs). The tests
 * run one after the other, each after a turn of the event loop, so that each one's result reaches
 * AVA when it ends (back-to-back synchronous tests held every result until the last one ended).
 */
const BATCH = 25;

for (let from = 0; from < COUNT; from += BATCH) {
  const first = (FIRST + from) >>> 0;
  const n = Math.min(BATCH, COUNT - from);
  test.serial(`seeded random commands on the keyspace agree with a model of it (seeds ${first}..${(first + n - 1) >>> 0})`, async (t) => {
    t.timeout(30_000 + n * STEPS * 5);
    await new Promise((resolve) => setImmediate(resolve));
    t.log(`KS_SEED=${first} KS_MODEL_N=${n} KS_MODEL_STEPS=${STEPS} to replay`);
    const failed: KeyspaceCheckResult[] = [];
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const r = runKeyspaceCheck((first + i) >>> 0, STEPS);
      if (r.problems.length > 0) failed.push(r);
      for (const [k, c] of Object.entries(r.seen)) seen[k] = (seen[k] ?? 0) + c;
    }
    t.log(`covered: ${Object.entries(seen).sort().map(([k, c]) => `${k} ${c}`).join(', ')}`);
    for (const r of failed) t.log(`seed ${r.seed} (KS_SEED=${r.seed} KS_MODEL_N=1):\n${r.problems.join('\n')}\n${r.trace.join('\n')}`);
    t.deepEqual(failed.map((r) => r.seed), []);
  });
}
