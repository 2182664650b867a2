// The CI form of the soak test (test/soak/soak.ts; `npm run soak` is the long form): ~20 s of 200
// ioredis clients doing SET/GET/INCR/APPEND/DEL/EXPIRE/MSET against the built server with
// appendfsync always, AOF rewrites under load (BGREWRITEAOF and SIGHUP), a kill -9 and restart
// every 6 s and one more at the end, then a clean restart. Not one acknowledged write may be lost,
// and no read may ever see a state the acknowledged history does not allow.

import test from 'ava';
import { BUNDLE } from '../helpers/bundle.js';
import { runSoak, unexpectedErrors } from '../soak/soak.js';
import { summary } from '../soak/main.js';

test('soak: 200 clients, rewrites and kill -9 under load, nothing acknowledged lost', async (t) => {
  t.timeout(120_000);
  const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const r = await runSoak({ bundle: BUNDLE, durationMs: Number(process.env.SOAK_SECONDS ?? 20) * 1000, clients: 200, killEveryMs: 6000, rewriteEveryMs: 2000, seed, log: (l) => t.log(l) });
  t.log(summary(r));
  t.is(r.lost, 0, 'acknowledged writes lost');
  t.deepEqual(r.readViolations.slice(0, 5), [], 'replies no acknowledged history allows');
  t.deepEqual(r.invented.slice(0, 5), [], 'keys nobody wrote');
  t.deepEqual(r.serverDeaths, [], 'the server never exits by itself, and a clean stop exits 0');
  t.deepEqual(unexpectedErrors(r), [], 'error replies other than INCR of a non-integer');
  t.true(r.kills >= 3, `killed ${r.kills} times`);
  t.true(r.rewritesDone >= 1, `${r.rewritesDone} rewrites done under load`);
  t.true(r.acknowledged > 5000, `${r.acknowledged} commands acknowledged`);
});
