// The CI form of the fuzzer (test/fuzz/runner.ts): ~25 s of seeded cases — byte streams through the
// decoder and a live server, random argument lists for every command of the table — with every
// invariant checked (no crash, no 'ERR internal error', no hang, well-formed replies, the
// connection usable after each case, protocol errors answered and closed, the AOF round trip, the
// server's memory coming back). The seed is random per run and printed; FUZZ_SEED=<n> replays one,
// and so does `npm run fuzz -- --seed <n>`, which also minimizes and prints what it finds. The long
// form is `npm run fuzz -- --cases 1000000 --time 0` (figures in docs/reliability.md).

import test from 'ava';
import { runFuzz } from './runner.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 25);

test('fuzz: the decoder and every command keep every invariant on random input', async (t) => {
  t.timeout(SECONDS * 1000 + 90_000, 'a finding is minimized before the test fails');
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.log(`seed ${seed} (replay: FUZZ_SEED=${seed}, or npm run fuzz -- --seed ${seed})`);
  // minCases: under load the time alone ran 3,500 cases (42,000 on an idle machine), close to the
  // 2,000 checked below; 3,000 also give each of the ~140 commands cases with near certainty.
  const sum = await runFuzz({ seed, cases: Number(process.env.FUZZ_CASES ?? 1_000_000), timeMs: SECONDS * 1000, minCases: 3000, log: (l) => t.log(l), maxFindings: 3 });
  t.log(`${sum.cases} cases (${sum.commandCases} command, ${sum.byteCases} byte-stream) in ${(sum.elapsedMs / 1000).toFixed(1)} s over ${sum.epochs} servers; server heap after GC ${(sum.heapFirst / 1048576).toFixed(1)}..${(sum.heapMax / 1048576).toFixed(1)} MB`);
  for (const f of sum.findings) t.log(`${f.kind} at case ${f.index}: ${f.detail}\nreproduced by:\n  ${f.repro.join('\n  ')}`);
  t.deepEqual(sum.findings.map((f) => `${f.kind} at case ${f.index}`), [], `seed ${seed}: see the log above`);
  t.true(sum.cases >= 2000, `too few cases ran (${sum.cases}): is the machine overloaded?`);
  t.deepEqual(sum.uncovered, [], 'every command of the table gets cases');
});
