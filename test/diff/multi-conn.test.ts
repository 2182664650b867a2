// The multi-connection differential stream: seeded interleavings of three clients' commands
// (transactions and WATCH broken by another client's writes, SWAPDB, MOVE, COPY ... DB, FLUSH*,
// expiries; CLIENT SETNAME / LIST / INFO / REPLY / KILL / NO-EVICT / PAUSE / UNPAUSE, RESET,
// HELLO 2/3, WAIT) sent to Keystonelight and to a real redis-server in lock step, every reply
// compared byte for byte (test/diff/multi-conn-run.ts says what is masked and why).
//
//   KS_SEED=1234 ...     replay one stream (every stream's seed is logged, and named on failure)
//   KS_MC_SEEDS=20       how many streams (default 4; 1 when KS_SEED is given)
//   KS_MC_STEPS=5000     turns per stream (default 1200)

import test from 'ava';
import { needBinary } from '../helpers/bins.js';
import { Divergence, MultiConnRun } from './multi-conn-run.js';
import { ServerPair } from './pair.js';

const BASE = process.env.KS_SEED !== undefined ? Number(process.env.KS_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const SEEDS = Number(process.env.KS_MC_SEEDS ?? (process.env.KS_SEED !== undefined ? 1 : 4));
const STEPS = Number(process.env.KS_MC_STEPS ?? 1200);

test('multi-connection differential stream', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  t.timeout(Math.max(120_000, SEEDS * STEPS * 40));
  for (let s = 0; s < SEEDS; s++) {
    const seed = (BASE + s * 0x9e3779b9) >>> 0;
    t.log(`stream ${s + 1}/${SEEDS}: seed ${seed} (replay with KS_SEED=${seed}), ${STEPS} turns`);
    // A fresh pair per stream: a connection closed by the last one may still be listed by CLIENT LIST.
    const pair = await ServerPair.start();
    const run = new MultiConnRun(pair, seed);
    try {
      await run.run(STEPS);
    } catch (e) {
      if (e instanceof Divergence) return void t.fail(e.message);
      throw e;
    } finally {
      await pair.stop();
    }
    t.log(`  commands: ${[...run.counts].sort().map(([n, c]) => `${n}=${c}`).join(' ')}`);
  }
  t.pass();
});
