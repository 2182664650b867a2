// The seeded random checker of the keyspace (test/helpers/keyspace-check.ts): databases driven by
// random commands, bulk growth and shrinking, clock moves, active expiry, eviction and pauses,
// against a model, every reply and every reported expiry and eviction checked, the whole state
// every 25 steps.
//
//   KS_SEED=1234          first seed (the seeds run are logged, and printed with any failure)
//   KS_MODEL_N=500        runs (default 12): seeds KS_SEED, KS_SEED+1, ...
//   KS_MODEL_STEPS=4000   steps per run (default 1500)
//
// Everything random, Math.random included, comes from the seed: a failing seed fails again.

import test from 'ava';
import { runKeyspaceCheck, type KeyspaceCheckResult } from '../helpers/keyspace-check.js';

const FIRST = process.env.KS_SEED !== undefined ? Number(process.env.KS_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const COUNT = Number(process.env.KS_MODEL_N ?? 12);
const STEPS = Number(process.env.KS_MODEL_STEPS ?? 1500);

test('seeded random commands on the keyspace agree with a model of it', (t) => {
  t.timeout(30_000 + COUNT * STEPS * 5);
  t.log(`seeds ${FIRST}..${(FIRST + COUNT - 1) >>> 0} (KS_SEED=${FIRST} KS_MODEL_N=${COUNT} KS_MODEL_STEPS=${STEPS} to replay)`);
  const failed: KeyspaceCheckResult[] = [];
  const seen: Record<string, number> = {};
  for (let i = 0; i < COUNT; i++) {
    const r = runKeyspaceCheck((FIRST + i) >>> 0, STEPS);
    if (r.problems.length > 0) failed.push(r);
    for (const [k, n] of Object.entries(r.seen)) seen[k] = (seen[k] ?? 0) + n;
  }
  t.log(`covered: ${Object.entries(seen).sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  for (const r of failed) t.log(`seed ${r.seed} (KS_SEED=${r.seed} KS_MODEL_N=1):\n${r.problems.join('\n')}\n${r.trace.join('\n')}`);
  t.deepEqual(failed.map((r) => r.seed), []);
});
