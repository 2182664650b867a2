// WAIT and CLIENT UNBLOCK, side by side with redis-server 7.0.15 (a master with no replicas): the
// same script against both, its observations compared. Timings are lower bounds only (a loaded
// machine makes a block longer, never shorter); Redis's timeouts fire on its cron (hz 10), ours on
// a timer, so only "blocked at least that long" is compared.

import test from 'ava';
import { encodeArgs } from '../helpers/resp.js';
import { RawClient } from '../helpers/raw.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';
import { serve } from '../helpers/serve.js';
import { waitFor } from '../helpers/aof.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** INFO or CLIENT LIST fields matching `re`, one line. */
const fields = (text: string, re: RegExp): string => text.split(/\r?\n/).filter((l) => re.test(l)).join(' ');

/**
 * cmdstat / errorstat / total_* figures, without the durations (two machines' clocks); `polls`:
 * INFO calls made by untilBlocked beyond the script's own, left out of total_commands_processed.
 */
async function stats(c: RawClient, polls = 0): Promise<string> {
  // Sorted: commandstats lists commands in table order here, in its hash table's in Redis.
  const cmd = fields(await c.call('INFO', 'commandstats'), /^cmdstat_(wait|client\|unblock):/).replace(/usec=\d+,usec_per_call=[\d.]+,/g, '').split(' ').sort().join(' ');
  const err = fields(await c.call('INFO', 'errorstats'), /^errorstat_/);
  const tot = fields(await c.call('INFO', 'stats'), /^total_(commands_processed|error_replies):/)
    .replace(/total_commands_processed:(\d+)/, (_, n: string) => `total_commands_processed:${Number(n) - polls}`);
  return `${cmd} ${err} ${tot}`;
}

/** A reply that takes at least `ms`: the reply, and whether it waited. */
async function timed(c: RawClient, ms: number, ...args: string[]): Promise<string> {
  const t0 = performance.now();
  const r = await c.call(...args);
  return `${JSON.stringify(r)} ${performance.now() - t0 >= ms ? 'waited' : 'at once'}`;
}

/**
 * INFO clients' blocked fields, read on `b` until a client is blocked: the other connection's command
 * has then been read (two connections have no order without a look; a sleep was not enough on a
 * loaded machine). Returns the last INFO's fields and how many INFO calls it took.
 */
async function untilBlocked(b: RawClient): Promise<{ info: string; polls: number }> {
  for (let polls = 1; ; polls++) {
    const info = fields(await b.call('INFO', 'clients'), /^(blocked_clients|clients_in_timeout_table):/);
    if (info.startsWith('blocked_clients:1 ') || polls >= 2000) return { info, polls };
    await sleep(5);
  }
}

async function script(port: number): Promise<string[]> {
  const a = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  const seen: string[] = [];
  try {
    const id = (await a.call('CLIENT', 'ID')).slice(1, -2);
    // At once: no replica asked for, a count whose low 32 bits are not positive, inside EXEC. (A
    // timeout far past the bound: a loaded machine's round trip cannot pass for a block.)
    for (const n of ['0', '-1', '2147483648', '4294967296', '-9223372036854775808']) seen.push(`WAIT ${n} 5000: ${await timed(a, 4000, 'WAIT', n, '5000')}`);
    seen.push(`MULTI: ${(await a.pipeline([['MULTI'], ['WAIT', '1', '0'], ['EXEC']])).join(' ')}`);
    // A count reached at once because of Redis's int is still a blocked call: no histogram sample.
    await b.call('CONFIG', 'RESETSTAT');
    seen.push(`WAIT 4294967296 0: ${await a.call('WAIT', '4294967296', '0')} histogram ${await b.call('LATENCY', 'HISTOGRAM', 'wait')}`);
    // Blocks until the timeout, with the pipeline behind it; a CLIENT REPLY SKIP before it drops its reply.
    seen.push(`WAIT 1 200: ${await timed(a, 150, 'WAIT', '1', '200')}`);
    seen.push(`WAIT 4294967297 200: ${await timed(a, 150, 'WAIT', '4294967297', '200')}`);
    a.write(Buffer.concat([encodeArgs(['WAIT', '1', '200']), encodeArgs(['PING'])]));
    seen.push(`pipelined: ${await a.read()} ${await a.read()}`);
    a.write(Buffer.concat([encodeArgs(['CLIENT', 'REPLY', 'SKIP']), encodeArgs(['WAIT', '1', '200']), encodeArgs(['PING'])]));
    seen.push(`skipped: ${await a.read()}`);

    // While blocked: CLIENT LIST, INFO; afterwards WAIT's call was counted once, and not failed.
    await b.call('CONFIG', 'RESETSTAT');
    // Blocked for 1.5 s: CLIENT LIST and INFO run within it on a loaded machine too.
    a.write(encodeArgs(['WAIT', '1', '1500']));
    const listedPolls = (await untilBlocked(b)).polls;
    const line = (await b.call('CLIENT', 'LIST', 'ID', id)).replace(/^\$\d+\r\n/, '');
    seen.push(`listed: ${/ flags=\S+ /.exec(line)?.[0]}${/ argv-mem=\d+ /.exec(line)?.[0]}${/ cmd=\S+ /.exec(line)?.[0]}`);
    seen.push(`info: ${fields(await b.call('INFO', 'clients'), /^(blocked_clients|clients_in_timeout_table):/)}`);
    seen.push(`answered: ${await a.read()}`);
    seen.push(`after the timeout: ${await stats(b, listedPolls)}`);
    seen.push(`info after: ${fields(await b.call('INFO', 'clients'), /^(blocked_clients|clients_in_timeout_table):/)}`);

    // CLIENT UNBLOCK: its errors (the reason before the id), then each way of ending a block.
    const unblockErrors = [['x', 'FOO'], ['x'], [id, 'ERROR', 'x'], ['99999'], [id]];
    for (const [i, args] of unblockErrors.entries()) seen.push(`UNBLOCK errors ${i}: ${await b.call('CLIENT', 'UNBLOCK', ...args)}`);
    for (const how of [[], ['TIMEOUT'], ['error']]) {
      await b.call('CONFIG', 'RESETSTAT');
      a.write(Buffer.concat([encodeArgs(['WAIT', '1', '0']), encodeArgs(['PING'])]));
      const { info, polls } = await untilBlocked(b);
      seen.push(`info forever: ${info}`);
      seen.push(`UNBLOCK ${how.join(' ')}: ${await b.call('CLIENT', 'UNBLOCK', id, ...how)} -> ${await a.read()} ${await a.read()}`);
      seen.push(`stats: ${await stats(b, polls - 1)}`); // one INFO was the script's own
    }
    // LATENCY HISTOGRAM: the unblock added a sample of its own (updateStatsOnUnblock).
    seen.push(`histogram calls: ${/calls\r\n:(\d+)/.exec(await b.call('LATENCY', 'HISTOGRAM', 'wait'))?.[1]}`);

    // Not closed by the idle timeout while blocked (Redis exempts blocked clients).
    // (b keeps busy meanwhile, or the timeout closes it.)
    await b.call('CONFIG', 'SET', 'timeout', '1');
    let done = false;
    const blocked = timed(a, 2000, 'WAIT', '1', '2200').finally(() => (done = true));
    while (!done) {
      await b.call('PING');
      await sleep(200);
    }
    seen.push(`idle timeout 1 s: ${await blocked}`);
    await b.call('CONFIG', 'SET', 'timeout', '0');
    // Killed while blocked: gone, and no longer counted.
    a.write(encodeArgs(['WAIT', '1', '0']));
    await sleep(50);
    seen.push(`kill: ${await b.call('CLIENT', 'KILL', 'ID', id)}`);
    await a.waitClosed(5000);
    seen.push(`info after kill: ${fields(await b.call('INFO', 'clients'), /^(connected_clients|blocked_clients|clients_in_timeout_table):/)}`);
  } finally {
    a.close();
    b.close();
  }
  return seen;
}

test('WAIT blocks and CLIENT UNBLOCK ends it as in redis-server: replies, pipeline, CLIENT LIST, INFO, stats', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ours, redis] = await Promise.all([serve(t), startRealRedis()]);
  t.teardown(() => redis.stop());
  const [mine, theirs] = await Promise.all([script(ours.port), script(redis.port)]);
  t.deepEqual(mine, theirs);
  // What both said, for the cases the comparison alone would not pin down.
  t.true(theirs.includes('WAIT 1 200: ":0\\r\\n" waited'), theirs.join('\n'));
  t.true(theirs.includes('pipelined: :0\r\n +PONG\r\n'), theirs.join('\n'));
  t.true(theirs.includes('info: blocked_clients:1 clients_in_timeout_table:1'), theirs.join('\n'));
  t.true(theirs.some((l) => l.startsWith('UNBLOCK error: :1\r\n -> -UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n +PONG')), theirs.join('\n'));
});

test('WAIT under CLIENT PAUSE ALL waits for the pause, then blocks; CLIENT UNBLOCK leaves a client held by a pause held (0)', async (t) => {
  const s = await serve(t);
  const a = await RawClient.connect(s.port);
  const b = await RawClient.connect(s.port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  const id = (await a.call('CLIENT', 'ID')).slice(1, -2);
  // From before the pause starts: a lower bound that a slow round trip cannot break.
  const t0 = performance.now();
  await b.call('CLIENT', 'PAUSE', '300', 'ALL');
  t.is(await a.call('WAIT', '1', '200'), ':0\r\n');
  t.true(performance.now() - t0 >= 450, 'the pause, then the timeout');
  // A write held by CLIENT PAUSE WRITE is not WAIT's block: redis-server 7.0.15 crashes on this
  // ("Unknown btype in replyToBlockedClientTimedOut()"); 7.2 answers 0, as we do.
  await b.call('CLIENT', 'PAUSE', '60000', 'WRITE');
  a.write(encodeArgs(['SET', 'k', 'v']));
  await sleep(50);
  t.is(await b.call('CLIENT', 'UNBLOCK', id), ':0\r\n');
  t.is(await b.call('CLIENT', 'UNBLOCK', id, 'ERROR'), ':0\r\n');
  t.is(await b.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
  t.is(await a.read(), '+OK\r\n');
});

/** A MONITOR client that sends WAIT itself: what it receives, the monitor lines' time and address left out. */
async function monitorScript(port: number): Promise<string[]> {
  const m = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  try {
    const id = (await m.call('CLIENT', 'ID')).slice(1, -2);
    await m.call('MONITOR');
    m.write(encodeArgs(['WAIT', '1', '0']));
    // Its own line comes at once: once it is here the WAIT has run, before the other client's ECHO.
    await waitFor(() => m.pending().includes('"WAIT"'), 15_000, 'the WAIT line');
    await b.call('ECHO', 'meanwhile');
    await b.call('CLIENT', 'UNBLOCK', id);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push((await m.read()).replace(/^\+\d+\.\d+ \[0 [^\]]+\] /, '+'));
    return seen;
  } finally {
    m.close();
    b.close();
  }
}

test('a MONITOR client that blocks in WAIT gets its own line at once, before other clients\' lines and its reply', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ours, redis] = await Promise.all([serve(t), startRealRedis()]);
  t.teardown(() => redis.stop());
  const [mine, theirs] = await Promise.all([monitorScript(ours.port), monitorScript(redis.port)]);
  t.deepEqual(theirs, ['+"WAIT" "1" "0"\r\n', '+"ECHO" "meanwhile"\r\n', ':0\r\n']);
  t.deepEqual(mine, theirs);
});

test('close() with a client blocked in WAIT whose timeout is due in the same turn: the pipeline behind it does not run', async (t) => {
  const s = await serve(t);
  const a = await RawClient.connect(s.port);
  t.teardown(() => a.close());
  a.write(Buffer.concat([encodeArgs(['WAIT', '1', '60']), encodeArgs(['SET', 'after-close', '1'])]));
  await sleep(20);
  // close() first, then WAIT's timer, in one timers phase: the loop is held until both are due.
  const closed = new Promise<void>((resolve) => setTimeout(() => void s.close().then(resolve), 10));
  const t0 = Date.now();
  while (Date.now() - t0 < 150);
  await closed;
  await sleep(20);
  t.false(s.server.keyspace.dbs[0].dict.has('after-close'));
});
