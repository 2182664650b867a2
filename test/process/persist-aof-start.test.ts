// CONFIG SET appendonly yes at run time, as Redis 7.0's startAppendOnly: +OK at once, the first
// base written in the background (AOF_WAIT_REWRITE), writes meanwhile in a temp incr file that
// becomes the manifest's incr file at the end. What the server answers in that state (INFO,
// BGREWRITEAOF, BGSAVE, SHUTDOWN, SIGTERM, CONFIG SET appendonly no) is compared with a real
// redis-server 7.0.15, whose rewrite child is slowed by rdb-key-save-delay; ours is slowed by a
// test-only fault point (KS_FAULT: a sleep after each 1 MB chunk of the base, the event loop free
// between chunks). Crash safety in that state: persist-rewrite-kill.test.ts. The same for
// BGREWRITEAOF with appendonly no, also written in the background (Redis's child whatever
// aof_state says).

import test, { type ExecutionContext } from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBundle, tempDir, type ServerProcess } from '../helpers/bundle.js';
import { startRealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { dumpWire, loadDir, waitFor } from '../helpers/aof.js';
import { RawClient } from '../helpers/raw.js';

/** Ours, appendonly no, its first base slowed to ~`chunkMs` per MB when `chunkMs` is given; `extraEnv` added to its environment. */
async function ours(t: ExecutionContext, chunkMs?: number, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const env = { ...process.env, ...(chunkMs === undefined ? {} : { KS_FAULT: `rewrite-partial:sleep=${chunkMs}` }), ...extraEnv };
  const sp = await startBundle(['--appendonly', 'no', '--enable-debug-command', 'yes', '--loglevel', 'notice', ...args], { env });
  t.teardown(() => void sp.stop('SIGKILL'));
  return sp;
}

/** redis-server with a rewrite child that takes ~`keys` ms (1 ms a key: 2 s by default). */
async function slowRedis(t: ExecutionContext, extra: string[] = [], keys = 2000): Promise<{ port: number; dir: string; pid: number }> {
  const r = await startRealRedis(['--enable-debug-command', 'yes', '--rdb-key-save-delay', '1000', ...extra]);
  t.teardown(() => r.stop());
  const c = await RawClient.connect(r.port);
  t.is(await c.call('DEBUG', 'POPULATE', String(keys)), '+OK\r\n');
  c.close();
  return { port: r.port, dir: r.dir, pid: r.proc.pid! };
}

const field = (info: string, name: string): string | undefined => new RegExp(`\r\n${name}:([^\r]*)\r\n`).exec(info)?.[1];
const fields = (info: string, names: string[]): Record<string, string | undefined> => Object.fromEntries(names.map((n) => [n, field(info, n)]));
const inProgress = async (c: RawClient): Promise<boolean> => field(await c.call('INFO', 'persistence'), 'aof_rewrite_in_progress') === '1';

/**
 * A slowed redis-server and our bundle, each with a client: `theirs` runs first on Redis, then ours
 * gets `populate` (DEBUG POPULATE's count and value size, so that its rewrite outlasts the test's
 * commands) and runs `mine`. `redisArgs`, `redisKeys`: more options for redis-server, and its keys.
 */
async function sideBySide<T>(
  t: ExecutionContext,
  populate: [string, string],
  theirs: (rc: RawClient) => Promise<T>,
  mine: (c: RawClient) => Promise<T>,
  redisArgs: string[] = [],
  redisKeys?: number,
): Promise<{ theirs: T; mine: T; r: { port: number; dir: string; pid: number }; rc: RawClient; sp: ServerProcess; c: RawClient }> {
  const r = await slowRedis(t, redisArgs, redisKeys);
  const rc = await RawClient.connect(r.port);
  t.teardown(() => rc.close());
  const redisSide = await theirs(rc);
  const sp = await ours(t, 100);
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  t.is(await c.call('DEBUG', 'POPULATE', populate[0], 'key', populate[1]), '+OK\r\n');
  return { theirs: redisSide, mine: await mine(c), r, rc, sp, c };
}
const aofDirListing = (dir: string): string[] => readdirSync(join(dir, 'appendonlydir')).sort();

const WAIT_FIELDS = [
  'aof_enabled', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled', 'aof_last_rewrite_time_sec', 'aof_current_rewrite_time_sec',
  'aof_last_bgrewrite_status', 'aof_rewrites', 'aof_rewrites_consecutive_failures', 'aof_last_write_status', 'aof_current_size',
  'aof_base_size', 'aof_pending_rewrite', 'aof_buffer_length', 'rdb_bgsave_in_progress',
];

test('CONFIG SET appendonly yes answers +OK before the base is written, and other clients are served meanwhile', async (t) => {
  // The rewrite's trace (KS_REWRITE_TRACE) gives each step's time less the time the OS kept the
  // server off the CPU meanwhile (see the bound on the longest step below).
  const traceFile = join(tempDir('ks-aof-start-trace-'), 'trace.json');
  const sp = await ours(t, undefined, [], { KS_REWRITE_TRACE: traceFile });
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  t.is(await c.call('DEBUG', 'POPULATE', '1000000'), '+OK\r\n');
  // Another client's PINGs from before the command to the end of the rewrite. Each with an INFO in
  // the same batch (one turn): the server itself says whether the rewrite was running when it
  // answered. (Counted by the test's own view, the PINGs answered between CONFIG SET's reply and
  // the end could be none when the test process is kept off the CPU for the rewrite's duration.)
  const p = await RawClient.connect(sp.port);
  t.teardown(() => p.close());
  let stop = false;
  let maxRtt = 0;
  let pingsDuring = 0;
  const pinger = (async () => {
    while (!stop) {
      const at = performance.now();
      const [pong, info] = await p.pipeline([['PING'], ['INFO', 'persistence']]);
      t.is(pong, '+PONG\r\n');
      maxRtt = Math.max(maxRtt, performance.now() - at);
      if (field(info, 'aof_rewrite_in_progress') === '1') pingsDuring++;
    }
  })();
  await new Promise((r) => setTimeout(r, 50));
  t.is(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n'); // eventloop_max_stall_ms from here
  const at = performance.now();
  // INFO in the same write, so in the same batch: a rewrite that ends soon after the reply (a fast
  // machine) cannot end before a later round trip's INFO. The synchronous start wrote the whole
  // base before its reply, so its INFO, even in the same batch, showed no rewrite in progress.
  const [set, info] = await c.pipeline([['CONFIG', 'SET', 'appendonly', 'yes'], ['INFO', 'persistence']]);
  const replyMs = performance.now() - at;
  t.is(set, '+OK\r\n');
  t.is(field(info, 'aof_rewrite_in_progress'), '1', 'the base is still being written after the reply');
  t.is(field(info, 'aof_enabled'), '1');
  await waitFor(async () => !(await inProgress(c)), 30_000, 'the rewrite to end');
  stop = true;
  await pinger;
  const stallMs = Number(/\r\neventloop_max_stall_ms:([\d.]+)\r\n/.exec(await c.call('INFO', 'stats'))?.[1]);
  const setUsec = Number(/\r\ncmdstat_config\|set:calls=1,usec=(\d+),/.exec(await c.call('INFO', 'commandstats'))?.[1]);
  // The end's log line comes through a pipe of its own, which may be read after the INFO's reply.
  await waitFor(() => sp.output().includes('Background AOF rewrite finished successfully'), 10_000, 'the rewrite\'s log line');
  const longest = /Background AOF rewrite finished successfully \(.*longest event-loop step ([\d.]+) ms/.exec(sp.output());
  const trace = JSON.parse(readFileSync(traceFile, 'latin1')) as { longestMs: number; longestOwnMs: number; longestStep: string };
  t.log(`reply ${replyMs.toFixed(1)} ms, CONFIG SET ran ${setUsec / 1000} ms, longest PING ${maxRtt.toFixed(1)} ms, server's longest stall ${stallMs} ms, ${pingsDuring} PINGs during the rewrite, server's ${longest?.[0]}, ${trace.longestOwnMs.toFixed(1)} ms of it not waiting for a CPU`);
  // The synchronous start took ~650 ms for 1M keys on this machine (and ~1.9 s for 3M). Judged by
  // the base still being written after the reply (above), and by the server's own measures: the
  // CONFIG SET's duration (commandstats: a few ms of work, so a loaded machine seldom stretches
  // it), the rewrite's longest step, and the longest event-loop stall (monitorEventLoopDelay,
  // which holds the machine's scheduling over the whole rewrite: 210 ms once with two helpers'
  // builds running, 1.2 s at a load average of 15, where the server's longest step was 16-25 ms;
  // so its bound is loose). The reply's and a PING's round trips hold the test machine's
  // scheduling too (207 ms and 250 ms once each under the full suite): logged, not bounded.
  t.true(setUsec < 200_000, `CONFIG SET appendonly yes ran ${setUsec / 1000} ms`);
  t.true(stallMs < 2000, `the server's event loop stalled ${stallMs} ms`);
  t.true(pingsDuring > 0);
  // The longest step, as the log line gives it, is wall time: it holds the time the OS kept the
  // server off the CPU during the step (66.1 and 71.3 ms, failing 2 runs in 9 of this file with
  // two busy loops on this 2-core machine; 15-53 ms of wall time were 2-6 ms of the server's own).
  // The bound is on the server's own holding of its event loop, so it is judged on the step's time
  // less that wait (the trace's longestOwnMs, from /proc/thread-self/schedstat).
  t.true(longest !== null, 'the end\'s log line gives the longest step');
  t.true(trace.longestOwnMs < 50, `the rewrite held the event loop ${trace.longestOwnMs.toFixed(1)} ms (${trace.longestStep}) at most`);
  t.deepEqual(aofDirListing(sp.dir), ['appendonly.aof.1.base.aof', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
});

test('writes made while the base is written are in the file: the restart loads the same dataset', async (t) => {
  const sp = await ours(t, 30);
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  t.is(await c.call('DEBUG', 'POPULATE', '4000', 'key', '5000'), '+OK\r\n');
  t.deepEqual(await c.pipeline([['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'new', '1'], ['DEL', 'key:5'], ['APPEND', 'key:3999', '-tail'], ['INCR', 'n']]), ['+OK\r\n', '+OK\r\n', ':1\r\n', ':5005\r\n', ':1\r\n']);
  // Rounds of writes while the walk goes on: keys it has written, and keys it has not reached.
  let rounds = 0;
  for (let i = 0; (await inProgress(c)) && i < 400; i++, rounds++) {
    await c.pipeline([['SET', `w:${i}`, String(i)], ['INCR', 'n'], ['DEL', `key:${i * 7}`], ['SET', `key:${3000 - i}`, 'changed', 'EX', '1000'], ['SELECT', '3'], ['RPUSH', 'l', String(i)], ['SELECT', '0']]);
  }
  t.true(rounds > 0, 'writes were made while the base was written');
  await waitFor(async () => !(await inProgress(c)), 30_000, 'the rewrite to end');
  t.is(await c.call('SET', 'after', '1'), '+OK\r\n');
  const live = await dumpWire(sp.port);
  t.deepEqual(aofDirListing(sp.dir), ['appendonly.aof.1.base.aof', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
  t.is(await sp.stop(), 0);
  t.deepEqual(await loadDir(sp.dir), live);
  const again = await startBundle(['--appendonly', 'yes', '--loglevel', 'warning'], { dir: sp.dir });
  t.teardown(() => void again.stop('SIGKILL'));
  t.deepEqual(await dumpWire(again.port), live);
  t.log(`${rounds} rounds of writes during the rewrite`);
});

test('while the base is written, as redis-server 7.0.15: INFO, BGREWRITEAOF, BGSAVE, SHUTDOWN and SIGTERM refused, SHUTDOWN FORCE exits', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const cmds = [
    ['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'b', '2'], ['INFO', 'persistence'], ['BGREWRITEAOF'], ['BGSAVE'],
    ['SHUTDOWN'], ['SHUTDOWN', 'NOSAVE'], ['SHUTDOWN', 'NOW'], ['SHUTDOWN', 'SAVE'], ['PING'],
  ];
  // Redis's rewrite must outlast our populate and the SIGTERM below, on a loaded machine too: 10 s.
  const { theirs, mine, r, rc, sp, c } = await sideBySide(t, ['200000', '100'], (rc) => rc.pipeline(cmds), (c) => c.pipeline(cmds), [], 10_000);
  t.deepEqual(fields(mine[2], WAIT_FIELDS), fields(theirs[2], WAIT_FIELDS));
  t.is(field(mine[2], 'aof_rewrite_in_progress'), '1');
  t.deepEqual([...mine.slice(0, 2), ...mine.slice(3)], [...theirs.slice(0, 2), ...theirs.slice(3)]);
  t.deepEqual(mine.slice(3, 9), [
    '-ERR Background append only file rewriting already in progress\r\n',
    "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n",
    '-ERR Errors trying to SHUTDOWN. Check logs.\r\n', '-ERR Errors trying to SHUTDOWN. Check logs.\r\n',
    '-ERR Errors trying to SHUTDOWN. Check logs.\r\n', '-ERR Errors trying to SHUTDOWN. Check logs.\r\n',
  ]);
  // SIGTERM (Redis's serverCron: prepareForShutdown, refused the same way): both go on.
  process.kill(r.pid, 'SIGTERM');
  sp.proc.kill('SIGTERM');
  await new Promise((res) => setTimeout(res, 300));
  t.is(await rc.call('PING'), '+PONG\r\n');
  t.is(await c.call('PING'), '+PONG\r\n');
  t.true(await inProgress(c));
  t.regex(sp.output(), /Received SIGTERM scheduling shutdown\.\.\.\n.*User requested shutdown\.\.\.\n.*Writing initial AOF, can't exit\.\n.*Errors trying to shut down the server\. Check the logs for more information\./);
  // SHUTDOWN FORCE exits, the rewrite stopped: the temp incr file stays, no manifest (none before).
  t.is(await rc.call('SHUTDOWN', 'FORCE').catch(() => 'closed'), 'closed');
  t.is(await c.call('SHUTDOWN', 'FORCE').catch(() => 'closed'), 'closed');
  t.is(await sp.stop(), 0);
  t.regex(sp.output(), /Writing initial AOF\. Exit anyway\./);
  await waitFor(() => aofDirListing(r.dir).length === 1, 5000, "redis-server's exit");
  t.deepEqual(aofDirListing(sp.dir), aofDirListing(r.dir));
  t.deepEqual(aofDirListing(sp.dir), ['temp-appendonly.aof.incr']);
  t.false(readdirSync(sp.dir).some((f) => f.startsWith('temp-rewriteaof-')), 'the temp base is removed');
});

test('CONFIG SET appendonly no while the base is written stops it, as redis-server 7.0.15: aof_enabled:0, the manifest untouched, the temp incr file left', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const cmds = [['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'b', '2'], ['CONFIG', 'SET', 'appendonly', 'no'], ['SET', 'c', '3'], ['BGREWRITEAOF']];
  const names = ['aof_enabled', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled', 'aof_last_bgrewrite_status', 'aof_rewrites', 'aof_rewrites_consecutive_failures'];
  // Redis answers the BGREWRITEAOF after the kill with a new rewrite (its AOF off): let it end.
  const { theirs, mine, r, sp, c } = await sideBySide(
    t, ['2000', '14000'],
    async (rc) => ({ replies: await rc.pipeline(cmds.slice(0, 4)), info: await rc.call('INFO', 'persistence') }),
    async (c) => ({ replies: await c.pipeline(cmds.slice(0, 4)), info: '' }),
  );
  const theirInfo = theirs.info;
  t.deepEqual(mine.replies, theirs.replies);
  await new Promise((res) => setTimeout(res, 300)); // the aborted rewrite settles
  t.deepEqual(fields(await c.call('INFO', 'persistence'), names), fields(theirInfo, names));
  t.is(field(theirInfo, 'aof_enabled'), '0');
  await waitFor(() => !readdirSync(r.dir).some((f) => f.startsWith('temp-rewriteaof-')), 5000, "redis-server's temp file removed");
  t.deepEqual(aofDirListing(sp.dir), aofDirListing(r.dir));
  t.deepEqual(aofDirListing(sp.dir), ['temp-appendonly.aof.incr']);
  t.false(readdirSync(sp.dir).some((f) => f.startsWith('temp-rewriteaof-')));
  // It can be turned on again, and then ends as any start.
  t.is(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  await waitFor(async () => !(await inProgress(c)), 60_000, 'the rewrite to end');
  t.deepEqual(aofDirListing(sp.dir), ['appendonly.aof.1.base.aof', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
  const live = await dumpWire(sp.port, 1);
  t.is(await sp.stop(), 0);
  t.deepEqual(await loadDir(sp.dir), live);
});

test('CONFIG SET appendonly yes in MULTI/EXEC: the rewrite is scheduled at EXEC, and a BGREWRITEAOF right after starts it, as redis-server 7.0.15', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const cmds = [['MULTI'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'x', '1'], ['EXEC'], ['INFO', 'persistence'], ['BGREWRITEAOF'], ['BGREWRITEAOF']];
  const names = ['aof_enabled', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled', 'aof_rewrites'];
  const { theirs, mine, sp, c } = await sideBySide(t, ['2000', '14000'], (rc) => rc.pipeline(cmds), (c) => c.pipeline(cmds));
  t.deepEqual(fields(mine[4], names), fields(theirs[4], names));
  t.deepEqual(fields(mine[4], names), { aof_enabled: '1', aof_rewrite_in_progress: '0', aof_rewrite_scheduled: '1', aof_rewrites: '0' });
  t.deepEqual([...mine.slice(0, 4), ...mine.slice(5)], [...theirs.slice(0, 4), ...theirs.slice(5)]);
  t.deepEqual(mine.slice(5), ['+Background append only file rewriting started\r\n', '-ERR Background append only file rewriting already in progress\r\n']);
  await waitFor(async () => !(await inProgress(c)), 60_000, 'the rewrite to end');
  t.is(await c.call('INCR', 'x'), ':2\r\n');
  const live = await dumpWire(sp.port, 1);
  t.is(await sp.stop(), 0);
  t.deepEqual(await loadDir(sp.dir), live);
});

const manifestOf = (dir: string): string => readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
const OFF_FIELDS = ['aof_enabled', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled', 'aof_current_rewrite_time_sec', 'aof_last_bgrewrite_status', 'aof_rewrites'];

test('BGREWRITEAOF with appendonly no is written in the background, as redis-server 7.0.15: INFO shows it, a second one is refused; the base alone in the manifest', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const cmds = [['SET', 'b', '2'], ['BGREWRITEAOF'], ['BGREWRITEAOF'], ['INFO', 'persistence'], ['SET', 'c', '3']];
  const { theirs, mine, r, rc, sp, c } = await sideBySide(t, ['2000', '14000'], (rc) => rc.pipeline(cmds), (c) => c.pipeline(cmds), ['--aof-use-rdb-preamble', 'no']);
  t.deepEqual(fields(mine[3], OFF_FIELDS), fields(theirs[3], OFF_FIELDS));
  t.deepEqual(fields(mine[3], OFF_FIELDS).aof_rewrite_in_progress, '1');
  t.deepEqual([...mine.slice(0, 3), mine[4]], [...theirs.slice(0, 3), theirs[4]]);
  t.is(mine[2], '-ERR Background append only file rewriting already in progress\r\n');
  t.true(readdirSync(sp.dir).some((f) => f.startsWith('temp-rewriteaof-bg-')), 'its temp base, in dir');
  await waitFor(async () => !(await inProgress(c)), 60_000, 'our rewrite to end');
  await waitFor(async () => !(await inProgress(rc)), 60_000, "redis-server's rewrite to end");
  t.deepEqual(fields(await c.call('INFO', 'persistence'), OFF_FIELDS), fields(await rc.call('INFO', 'persistence'), OFF_FIELDS));
  t.deepEqual(aofDirListing(sp.dir), aofDirListing(r.dir));
  t.is(manifestOf(sp.dir), manifestOf(r.dir));
  t.is(manifestOf(sp.dir), 'file appendonly.aof.1.base.aof seq 1 type b\n');
  // The dataset of the command: b, not c (the file is off).
  const d = await loadDir(sp.dir);
  t.is(d['0:b']?.value, '2');
  t.false('0:c' in d);
  t.is(Object.keys(d).length, 2001);
});

test('CONFIG SET appendonly yes while a BGREWRITEAOF with appendonly no runs stops it and starts the file, as redis-server 7.0.15', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const cmds = [['BGREWRITEAOF'], ['SET', 'b', '2'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'c', '3'], ['INFO', 'persistence']];
  const { theirs, mine, r, rc, sp, c } = await sideBySide(t, ['2000', '14000'], (rc) => rc.pipeline(cmds), (c) => c.pipeline(cmds), ['--aof-use-rdb-preamble', 'no']);
  t.deepEqual(mine.slice(0, 4), theirs.slice(0, 4));
  t.deepEqual(fields(mine[4], OFF_FIELDS), fields(theirs[4], OFF_FIELDS));
  t.deepEqual(fields(mine[4], ['aof_enabled', 'aof_rewrite_in_progress', 'aof_rewrites']), { aof_enabled: '1', aof_rewrite_in_progress: '1', aof_rewrites: '2' });
  t.regex(sp.output(), /AOF was enabled but there is already an AOF rewriting in background\. Stopping background AOF and starting a rewrite now\./);
  t.notRegex(sp.output(), /left by an interrupted AOF rewrite/, 'the stopped job\'s temp file is not logged as a crash\'s');
  await waitFor(async () => !(await inProgress(c)), 60_000, 'our rewrite to end');
  await waitFor(async () => !(await inProgress(rc)), 60_000, "redis-server's rewrite to end");
  t.deepEqual(aofDirListing(sp.dir), aofDirListing(r.dir));
  t.is(manifestOf(sp.dir), manifestOf(r.dir));
  t.false(readdirSync(sp.dir).some((f) => f.startsWith('temp-rewriteaof-')));
  const live = await dumpWire(sp.port, 1);
  t.is(await sp.stop(), 0);
  t.deepEqual(await loadDir(sp.dir), live);
});

test('SHUTDOWN while a BGREWRITEAOF with appendonly no runs stops it and exits, the directory as it was, as redis-server 7.0.15', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const r = await slowRedis(t, ['--aof-use-rdb-preamble', 'no']);
  const rc = await RawClient.connect(r.port);
  t.teardown(() => rc.close());
  t.is(await rc.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  t.is(await rc.call('SHUTDOWN').catch(() => 'closed'), 'closed');
  const sp = await ours(t, 100);
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  t.is(await c.call('DEBUG', 'POPULATE', '2000', 'key', '14000'), '+OK\r\n');
  t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  t.true(await inProgress(c));
  t.is(await c.call('SHUTDOWN').catch(() => 'closed'), 'closed');
  t.is(await sp.stop(), 0);
  t.true(sp.output().includes('There is a child rewriting the AOF. Killing it!'), "Redis's line (prepareForShutdown)");
  await waitFor(() => !readdirSync(r.dir).some((f) => f.startsWith('temp-rewriteaof-')), 5000, "redis-server's temp file removed");
  t.deepEqual(aofDirListing(sp.dir), aofDirListing(r.dir));
  t.deepEqual(aofDirListing(sp.dir), []);
  t.false(readdirSync(sp.dir).some((f) => f.startsWith('temp-rewriteaof-')), 'its temp base removed');
});
