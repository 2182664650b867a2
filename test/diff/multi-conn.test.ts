// The multi-connection differential stream: seeded interleavings of three clients' commands
// (transactions and WATCH broken by another client's writes, SWAPDB, MOVE, COPY ... DB, FLUSH*,
// expiries; CLIENT SETNAME / LIST / INFO / REPLY / KILL / NO-EVICT / PAUSE / UNPAUSE, RESET,
// HELLO 2/3, WAIT) sent to Keystonelight and to a real redis-server in lock step, every reply
// compared byte for byte (test/diff/multi-conn-run.ts says what is masked and why).
//
//   KS_SEED=1234 ...     replay one stream (every stream's seed is logged, and named on failure)
//   KS_MC_SEEDS=20       how many streams (default 4; 1 when KS_SEED is given)
//   KS_MC_STEPS=5000     turns per stream (default 1000; a longer stream starts as the shorter one)
//   KS_MC_FOCUS=clients  draw far more transactions, kills, pauses and reply modes (a seed replays
//                        the same stream only with the same focus)
//   KS_MC_CONTEXT=200    turns shown before a divergence (default 30)

import test, { type ExecutionContext } from 'ava';
import { needBinary } from '../helpers/bins.js';
import { ref } from './multi-conn-gen.js';
import { Divergence, MultiConnRun, runScript, type ScriptStep } from './multi-conn-run.js';
import { ServerPair } from './pair.js';

const BASE = process.env.KS_SEED !== undefined ? Number(process.env.KS_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const SEEDS = Number(process.env.KS_MC_SEEDS ?? (process.env.KS_SEED !== undefined ? 1 : 4));
const STEPS = Number(process.env.KS_MC_STEPS ?? 1000);

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

// --- what the stream found, as fixed interleavings ------------------------------------------------

/** Runs `script` on a fresh pair; every reply must match, and redis-server's must show `expect`. */
async function scripted(t: ExecutionContext, players: number, script: ScriptStep[], expect: [number, RegExp][]): Promise<void> {
  if (!needBinary(t, 'redis-server')) return;
  const pair = await ServerPair.start();
  try {
    const { redis, diffs } = await runScript(pair, players, script);
    for (const [step, re] of expect) t.regex(redis[step], re, `redis-server's reply to step ${step} (the scenario no longer shows what it tests)`);
    t.deepEqual(diffs, []);
  } finally {
    await pair.stop();
  }
}

// Redis's CLIENT_UNBLOCKED: between the command that ends a client's wait and the next turn of its
// event loop (processUnblockedClients), the client is no longer blocked (no b, not in
// blocked_clients) and shows u. Seen by a CLIENT LIST in the same EXEC (or read) as CLIENT UNBLOCK /
// CLIENT UNPAUSE; Keystonelight showed N after UNBLOCK and still b after UNPAUSE (seed 2013).
test('CLIENT LIST flag u for a WAIT that CLIENT UNBLOCK ended, in the same EXEC', (t) =>
  scripted(t, 2, [
    [0, ['WAIT', '1', '0']],
    [1, ['MULTI']], [1, ['CLIENT', 'UNBLOCK', ref('id', 0), 'ERROR']], [1, ['CLIENT', 'LIST', 'ID', ref('id', 0)]], [1, ['INFO', 'clients']],
    [1, ['EXEC']],
    [0, 'read'], [1, ['CLIENT', 'LIST', 'ID', ref('id', 0)]],
  ], [[5, /flags=u .*blocked_clients:0/s], [6, /^-UNBLOCKED/], [7, /flags=N /]]));

test('CLIENT LIST flag u for a write that CLIENT UNPAUSE freed, in the same EXEC', (t) =>
  scripted(t, 2, [
    [1, ['CLIENT', 'PAUSE', '100000', 'WRITE']], [0, ['SET', 'k', 'v']], [1, ['CLIENT', 'LIST', 'ID', ref('id', 0)]],
    [1, ['MULTI']], [1, ['CLIENT', 'UNPAUSE']], [1, ['CLIENT', 'LIST', 'ID', ref('id', 0)]], [1, ['INFO', 'clients']], [1, ['GET', 'k']],
    [1, ['EXEC']],
    [0, 'read'], [1, ['CLIENT', 'LIST', 'ID', ref('id', 0)]],
  ], [[2, /flags=b /], [8, /flags=u .*blocked_clients:0.*\$-1/s], [9, /^\+OK/], [10, /flags=N /]]));
