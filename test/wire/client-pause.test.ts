// CLIENT PAUSE side by side with redis-server 7.0.15, where a review found us differing (the rest
// of CLIENT PAUSE is in test/wire/client.test.ts and the differential cases). Each test states
// what Redis 7.0.15 answered to the same bytes.

import test from 'ava';
import { RawClient } from '../helpers/raw.js';
import { serve } from '../helpers/serve.js';
import { encodeArgs } from '../helpers/resp.js';
import { waitFor } from '../helpers/aof.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Redis notices the end of a timed pause in serverCron's slow active-expire cycle
// (activeExpireCycle -> checkClientPauseTimeoutAndReturnIfPaused -> unpauseClients), and that cycle
// goes on to delete the keys whose deadline passed during the pause, before beforeSleep's
// processUnblockedClients runs the held commands. redis-server 7.0.15, 3 runs out of 3:
//   FLUSHALL; SET e1 v PX 100; SET e2 v PX 100; SET keep v; CLIENT PAUSE 500 WRITE;
//   another client: SET x 1 | DBSIZE  ->  +OK :2   (ours was +OK :4)
// (With CLIENT UNPAUSE instead of the timeout both answer :4: no expire cycle runs first.)
test('a pause that times out: keys expired during it are gone before the held commands run, as Redis 7.0', async (t) => {
  const s = await serve(t);
  const ctl = await RawClient.connect(s.port);
  const held = await RawClient.connect(s.port);
  t.teardown(() => (ctl.close(), held.close()));
  // The pause in the same write as the SETs: a loaded machine cannot let the 100 ms pass (and the
  // cron delete e1 and e2) between the SETs and the pause. 300 ms later e1 and e2 are past their
  // deadline; the pause lasts 1 s, so the DBSIZE below runs during it with 700 ms to spare.
  t.deepEqual(
    await ctl.pipeline([['FLUSHALL'], ['SET', 'e1', 'v', 'PX', '100'], ['SET', 'e2', 'v', 'PX', '100'], ['SET', 'keep', 'v'], ['CLIENT', 'PAUSE', '1000', 'WRITE']]),
    ['+OK\r\n', '+OK\r\n', '+OK\r\n', '+OK\r\n', '+OK\r\n'],
  );
  held.write(Buffer.concat([encodeArgs(['SET', 'x', '1']), encodeArgs(['DBSIZE'])]));
  await sleep(300);
  t.is(await ctl.call('DBSIZE'), ':3\r\n', 'during the pause expired keys are not deleted (as Redis)');
  t.is(await held.read(5000), '+OK\r\n');
  t.is(await held.read(5000), ':2\r\n', 'Redis 7.0.15 answers :2 (e1, e2 expired by the cycle that ended the pause)');
});

// Redis 7.0 adds the timeout to the clock without checking: past LLONG_MAX the pause's end wraps
// into the past, and the pause ends at its next check. redis-server 7.0.15: CLIENT PAUSE
// 9223372036854775807 WRITE -> +OK, and a SET sent 200 ms later -> +OK at once (ours held it).
test('CLIENT PAUSE with a timeout that overflows the clock does not hold writes, as Redis 7.0.15', async (t) => {
  const s = await serve(t);
  const ctl = await RawClient.connect(s.port);
  const w = await RawClient.connect(s.port);
  t.teardown(() => (ctl.close(), w.close()));
  t.is(await ctl.call('CLIENT', 'PAUSE', '9223372036854775807', 'WRITE'), '+OK\r\n');
  await sleep(200);
  w.write(encodeArgs(['SET', 'z', '1']));
  // Answered at once; held (the bug), it waits for the UNPAUSE: 5 s tells the two apart on a loaded machine too.
  const r = await Promise.race([w.read(), sleep(5000).then(() => 'held')]);
  await ctl.call('CLIENT', 'UNPAUSE');
  t.is(r, '+OK\r\n');
});

// Redis keeps a postponed client's parsed command in c->argv, so CLIENT LIST counts it in argv-mem
// (c->argv_len_sum). redis-server 7.0.15, a client held on SET x 1 by CLIENT PAUSE WRITE:
//   name=held ... flags=b ... qbuf=0 ... argv-mem=5 ... cmd=set   (ours was argv-mem=0)
test('CLIENT LIST counts the held command of a client waiting for CLIENT PAUSE in argv-mem, as Redis', async (t) => {
  const s = await serve(t);
  const ctl = await RawClient.connect(s.port);
  const held = await RawClient.connect(s.port);
  t.teardown(() => (ctl.close(), held.close()));
  t.is(await held.call('CLIENT', 'SETNAME', 'held'), '+OK\r\n');
  // A pause that outlasts a loaded machine's polling (the UNPAUSE below ends it).
  t.is(await ctl.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
  held.write(encodeArgs(['SET', 'x', '1']));
  // Until the server has read the held client's SET (another connection: no order without a look).
  let line = '';
  await waitFor(async () => {
    line = (await ctl.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes('name=held')) ?? '';
    return / cmd=set /.test(line);
  }, 15_000, 'the SET to be held');
  await ctl.call('CLIENT', 'UNPAUSE');
  t.regex(line, / flags=b /);
  t.regex(line, / cmd=set /);
  t.regex(line, / argv-mem=5 /);
});

// Redis's processCommand never pauses a replica ("Replicas are never paused": !(c->flags &
// CLIENT_SLAVE)), and a MONITOR client is a replica to Redis: during CLIENT PAUSE ALL its commands
// run at once, CLIENT UNPAUSE included. redis-server 7.0.15:
//   M: MONITOR; P: CLIENT PAUSE 3000 ALL; G: GET a (held); M: CLIENT UNPAUSE -> +OK at once,
//   and G gets $-1 at once. M: PING -> +PONG at once; M: QUIT -> +OK and closed at once.
// Ours held the monitor's commands until the pause ended.
test("a MONITOR client's commands are not held by CLIENT PAUSE ALL (Redis never pauses replicas)", async (t) => {
  const s = await serve(t);
  const mon = await RawClient.connect(s.port);
  const ctl = await RawClient.connect(s.port);
  const g = await RawClient.connect(s.port);
  t.teardown(() => (mon.close(), ctl.close(), g.close()));
  t.is(await mon.call('MONITOR'), '+OK\r\n');
  // The pause outlasts the 5 s waits below: only the monitor's UNPAUSE can answer the GET in time.
  t.is(await ctl.call('CLIENT', 'PAUSE', '60000', 'ALL'), '+OK\r\n');
  g.write(encodeArgs(['GET', 'a']));
  await sleep(100);
  mon.write(encodeArgs(['PING']));
  t.is(await Promise.race([mon.read(), sleep(5000).then(() => 'held')]), '+PONG\r\n');
  mon.write(encodeArgs(['CLIENT', 'UNPAUSE']));
  t.is(await Promise.race([g.read(), sleep(5000).then(() => 'held')]), '$-1\r\n', 'the monitor ended the pause');
});
