// Transactions through the wire: WATCH with a second client (compared with a real redis-server),
// CLIENT LIST's flags x/d and multi=, MONITOR and INFO commandstats around EXEC, refusals while
// queuing (-OOM), CLIENT PAUSE WRITE holding an EXEC with a write, the AOF block of an EXEC, the
// cluster's MOVED/CROSSSLOT while queuing and at EXEC, and the client libraries' multi()/watch.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient, WatchError } from 'redis';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { serve, servePair } from '../helpers/serve.js';
import { needBinary } from '../helpers/bins.js';
import { aofContent, parseAof, waitFor } from '../helpers/aof.js';
import { startCluster } from '../helpers/cluster.js';
import { keyHashSlot } from '../../src/cluster/slots.js';

/** Both servers, a second client to each: `run` gets (first, second) and returns the replies to compare. */
async function twoClients(t: ExecutionContext, run: (a: RawClient, b: RawClient) => Promise<string[]>): Promise<void> {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await servePair(t);
  const second = async (c: RawClient): Promise<RawClient> => {
    const b = await RawClient.connect(c.socket.remotePort!);
    t.teardown(() => b.close());
    return b;
  };
  const want = await run(theirs, await second(theirs));
  const got = await run(ours, await second(ours));
  t.deepEqual(got, want);
}

test('WATCH: a key another client changes aborts EXEC; one it only reads does not', async (t) => {
  await twoClients(t, async (a, b) => {
    const r: string[] = [];
    r.push(await a.call('SET', 'k', '1'), await a.call('WATCH', 'k', 'other'));
    r.push(await b.call('GET', 'k'), await b.call('SET', 'unrelated', '1'));
    r.push(await a.call('MULTI'), await a.call('INCR', 'k'), await a.call('EXEC'), await a.call('GET', 'k'));
    r.push(await a.call('WATCH', 'k'), await b.call('INCR', 'k'));
    r.push(await a.call('MULTI'), await a.call('INCR', 'k'), await a.call('EXEC'), await a.call('GET', 'k'));
    // The change comes between MULTI and EXEC.
    r.push(await a.call('WATCH', 'k'), await a.call('MULTI'), await a.call('INCR', 'k'), await b.call('DEL', 'k'), await a.call('EXEC'));
    // Another client's FLUSHALL, SWAPDB, EXPIRE; then a key the other client creates.
    for (const change of [['FLUSHALL'], ['SWAPDB', '0', '1'], ['EXPIRE', 'k', '100'], ['SET', 'k', 'new']]) {
      r.push(await a.call('SET', 'k', '1'), await a.call('WATCH', 'k'), await b.call(...change));
      r.push(await a.call('MULTI'), await a.call('PING'), await a.call('EXEC'));
    }
    r.push(await a.call('WATCH', 'nokey'), await b.call('SET', 'nokey', '1'), await a.call('MULTI'), await a.call('PING'), await a.call('EXEC'));
    // The other client's own transaction touches the key.
    r.push(await a.call('WATCH', 'x'), await b.call('MULTI'), await b.call('SET', 'x', '1'), await b.call('EXEC'));
    r.push(await a.call('MULTI'), await a.call('PING'), await a.call('EXEC'));
    return r;
  });
});

test('WATCH in RESP3: the aborted EXEC is a null (_)', async (t) => {
  await twoClients(t, async (a, b) => {
    await a.call('HELLO', '3');
    return [await a.call('WATCH', 'k'), await b.call('SET', 'k', '1'), await a.call('MULTI'), await a.call('GET', 'k'), await a.call('EXEC'),
      await a.call('MULTI'), await a.call('GET', 'k'), await a.call('EXEC')];
  });
});

test('a client that closes stops watching; the other clients keep their keys', async (t) => {
  const s = await serve(t);
  const a = await RawClient.connect(s.port);
  const b = await RawClient.connect(s.port);
  t.teardown(() => (a.close(), b.close()));
  await a.call('WATCH', 'k');
  await b.call('WATCH', 'k');
  a.close();
  await new Promise((r) => setTimeout(r, 50));
  await b.call('SET', 'k', '1');
  t.is(await b.call('MULTI'), '+OK\r\n');
  t.is(await b.call('EXEC'), '*-1\r\n');
  t.is(s.server.keyspace.dbs[0].watchers, null, 'no key of database 0 is watched any more');
});

/** The fields of the caller's CLIENT LIST line that transactions set. */
const fields = (list: string): string => /flags=\S+ db=\d+ sub=\d+ psub=\d+ ssub=\d+ multi=-?\d+/.exec(list)![0];

test('CLIENT LIST: flag x and multi= in MULTI, flag d once a watched key changed', async (t) => {
  await twoClients(t, async (a, b) => {
    const r: string[] = [];
    r.push(fields(await a.call('CLIENT', 'LIST')), await a.call('WATCH', 'k'), fields(await a.call('CLIENT', 'LIST')));
    await a.call('MULTI');
    await a.call('SET', 'x', '1');
    const list = await b.call('CLIENT', 'LIST');
    r.push(...list.split('\n').filter((l) => l.includes('cmd=set')).map(fields));
    await b.call('SET', 'k', '1');
    r.push(...(await b.call('CLIENT', 'LIST')).split('\n').filter((l) => l.includes('cmd=set') && l.includes('multi=1')).map(fields));
    r.push(await a.call('EXEC'), fields(await a.call('CLIENT', 'LIST')));
    // CLIENT LIST run by EXEC: still in MULTI.
    const [, , , inExec] = await a.pipeline([['MULTI'], ['PING'], ['CLIENT', 'LIST'], ['EXEC']]);
    r.push(fields(inExec));
    return r;
  });
});

test('MONITOR shows MULTI, each command as EXEC runs it, then EXEC; commandstats count them', async (t) => {
  await twoClients(t, async (a, m) => {
    await a.call('CONFIG', 'RESETSTAT');
    t.is(await m.call('MONITOR'), '+OK\r\n');
    await a.pipeline([['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['EXEC'], ['MULTI'], ['NOSUCH'], ['EXEC'], ['EXEC', 'x'], ['PING']]);
    let seen = '';
    while (!seen.includes('"PING"')) seen += await m.read();
    const lines = seen.split('\r\n').filter((l) => l.startsWith('+')).map((l) => l.replace(/^\+[\d.]+ \[\d+ [^\]]+\] /, ''));
    const stats = (await a.call('INFO', 'commandstats')).split('\r\n').filter((l) => l.startsWith('cmdstat_'))
      .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, '')).sort();
    const errors = (await a.call('INFO', 'errorstats')).split('\r\n').filter((l) => l.startsWith('errorstat_')).sort();
    return [...lines, ...stats, ...errors];
  });
});

test('-OOM while queuing aborts the transaction; DISCARD and EXEC are not refused', async (t) => {
  await twoClients(t, async (a) => {
    const r: string[] = [];
    await a.call('SET', 'k', 'x'.repeat(1000));
    r.push(await a.call('MULTI'), await a.call('CONFIG', 'GET', 'maxmemory'));
    r.push(await a.call('EXEC'));
    r.push(await a.call('CONFIG', 'SET', 'maxmemory', '1'), await a.call('MULTI'), await a.call('GET', 'k'), await a.call('SET', 'k', '1'), await a.call('EXEC'));
    r.push(await a.call('MULTI'), await a.call('DISCARD'));
    r.push(await a.call('CONFIG', 'SET', 'maxmemory', '0'));
    // EXEC refused for what it holds: a denyoom command queued before the limit was set.
    r.push(await a.call('MULTI'), await a.call('SET', 'k', '2'), await a.call('PING'));
    r.push(await a.pipeline([['EXEC']]).then(([x]) => x));
    return r;
  });
});

test('a transaction bound to fail queues nothing more (Redis\'s queueMultiCommand): multi= stays, its EXEC holds no write', async (t) => {
  await twoClients(t, async (a, b) => {
    const r: string[] = [];
    const mine = async (): Promise<string> => fields((await b.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes('cmd=') && !l.includes('cmd=client|list'))!);
    // A refused command: +QUEUED after it, nothing kept. Only the GET before it is, so over
    // maxmemory EXEC holds no write for -OOM: its EXECABORT is for the previous errors.
    r.push(await a.call('MULTI'), await a.call('GET', 'x'), await a.call('NOPE'), await a.call('SET', 'a', 'b'), await a.call('PING'), await mine());
    r.push(await b.call('CONFIG', 'SET', 'maxmemory', '1'), await a.call('EXEC'), await b.call('CONFIG', 'SET', 'maxmemory', '0'));
    // A watched key changed: the same; and CLIENT PAUSE WRITE does not hold its EXEC.
    r.push(await a.call('WATCH', 'k'), await b.call('SET', 'k', '1'), await a.call('MULTI'), await a.call('SET', 'a', 'b'), await mine());
    r.push(await b.call('CLIENT', 'PAUSE', '2000', 'WRITE'));
    const t0 = Date.now();
    r.push(await a.call('EXEC'), Date.now() - t0 < 1000 ? 'EXEC not held' : 'EXEC held', await b.call('CLIENT', 'UNPAUSE'));
    return r;
  });
});

test('EXEC refused over maxmemory for the write it holds: EXECABORT Transaction discarded because of: OOM', async (t) => {
  await twoClients(t, async (a, b) => {
    const r: string[] = [await a.call('MULTI'), await a.call('SET', 'k', '1')];
    r.push(await b.call('CONFIG', 'SET', 'maxmemory', '1'));
    r.push(await a.call('EXEC'), await a.call('EXEC'));
    r.push(await a.call('MULTI'), await a.call('DISCARD'));
    r.push(await b.call('CONFIG', 'SET', 'maxmemory', '0'));
    return r;
  });
});

test('a password set while a client is in MULTI: NOAUTH while queuing aborts; EXEC refused is EXECABORT because of NOAUTH', async (t) => {
  await twoClients(t, async (a, b) => {
    const r = [await a.call('MULTI'), await a.call('SET', 'k', '1'), await b.call('CONFIG', 'SET', 'requirepass', 'pw')];
    r.push(await a.call('GET', 'k'), await a.call('EXEC'), await a.call('MULTI'));
    r.push(await b.call('AUTH', 'pw'), await b.call('CONFIG', 'SET', 'requirepass', ''));
    return r;
  });
});

test('CLIENT PAUSE WRITE: queuing a write and an EXEC holding one wait for the pause; a read-only EXEC does not', async (t) => {
  const s = await serve(t);
  const a = await RawClient.connect(s.port);
  const b = await RawClient.connect(s.port);
  t.teardown(() => (a.close(), b.close()));
  t.is(await a.call('MULTI'), '+OK\r\n');
  t.is(await a.call('GET', 'k'), '+QUEUED\r\n');
  t.is(await b.call('CLIENT', 'PAUSE', '10000', 'WRITE'), '+OK\r\n');
  t.is(await a.call('EXEC'), '*1\r\n$-1\r\n');
  t.is(await a.call('MULTI'), '+OK\r\n');
  a.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n*1\r\n$4\r\nEXEC\r\n');
  await new Promise((r) => setTimeout(r, 100));
  t.is(await b.call('GET', 'k'), '$-1\r\n');
  t.true((await b.call('CLIENT', 'LIST')).includes('flags=xb'), 'held in MULTI (flags x and b)');
  t.is(await b.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
  t.is(await a.read(), '+QUEUED\r\n');
  t.is(await a.read(), '*1\r\n+OK\r\n');
  t.is(await b.call('GET', 'k'), '$1\r\n1\r\n');
});

test('AOF: an EXEC of several writes is one MULTI/EXEC block, one write alone is written alone, an aborted one nothing; it reloads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-multi-'));
  const s = await serve(t, { config: { appendonly: 'yes', dir, appendfsync: 'always' } });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  await c.pipeline([['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['INCR', 'a'], ['SELECT', '2'], ['SET', 'b', '2'], ['EXEC']]);
  await c.pipeline([['MULTI'], ['GET', 'a'], ['SET', 'c', '3'], ['EXEC']]);
  await c.pipeline([['MULTI'], ['GET', 'a'], ['EXEC']]);
  await c.pipeline([['MULTI'], ['SET', 'd', '4'], ['NOSUCH'], ['EXEC']]);
  await c.pipeline([['WATCH', 'e'], ['SET', 'e', '1'], ['MULTI'], ['SET', 'f', '1'], ['EXEC']]);
  await c.pipeline([['MULTI'], ['SET', 'g', '1'], ['DISCARD']]);
  const cmds = parseAof(aofContent(dir)).map((a) => a.join(' '));
  // As redis-server 7.0.15 writes it: the SELECT before MULTI, the client's later writes in database 2.
  t.deepEqual(cmds, ['SELECT 0', 'MULTI', 'SET a 1', 'INCR a', 'SELECT 2', 'SET b 2', 'EXEC', 'SET c 3', 'SET e 1']);
  await s.close();
  const again = await serve(t, { config: { appendonly: 'yes', dir } });
  const c2 = await RawClient.connect(again.port);
  t.teardown(() => c2.close());
  t.deepEqual(await c2.pipeline([['GET', 'a'], ['SELECT', '2'], ['GET', 'b'], ['GET', 'c'], ['GET', 'd'], ['GET', 'f']]),
    ['$1\r\n2\r\n', '+OK\r\n', '$1\r\n2\r\n', '$1\r\n3\r\n', '$-1\r\n', '$-1\r\n']);
});

/** Our server with an AOF in a temp dir, and a real redis-server with appendonly yes: a client to each. */
async function aofPair(t: ExecutionContext, config: Record<string, string> = {}): Promise<{ ours: RawClient; theirs: RawClient; dir: string } | null> {
  if (!needBinary(t, 'redis-server')) return null;
  const dir = mkdtempSync(join(tmpdir(), 'ks-multi-'));
  const extra = Object.entries(config).flatMap(([k, v]) => [`--${k}`, v]);
  const [s, redis] = await Promise.all([serve(t, { config: { appendonly: 'yes', dir, ...config } }), startRealRedis(['--appendonly', 'yes', ...extra])]);
  t.teardown(() => redis.stop());
  const [ours, theirs] = await Promise.all([RawClient.connect(s.port), RawClient.connect(redis.port)]);
  t.teardown(() => (ours.close(), theirs.close()));
  return { ours, theirs, dir };
}

test('BGSAVE and BGREWRITEAOF run by EXEC are scheduled, as redis-server (in_exec); the transaction stays one block', async (t) => {
  const p = await aofPair(t);
  if (p === null) return;
  const save = [['MULTI'], ['SET', 'x', '1'], ['BGSAVE'], ['BGSAVE', 'SCHEDULE'], ['SET', 'y', '2'], ['EXEC']];
  const want = await p.theirs.pipeline(save);
  t.deepEqual(await p.ours.pipeline(save), want);
  t.is(want[5], '*4\r\n+OK\r\n+Background saving scheduled\r\n+Background saving scheduled\r\n+OK\r\n');
  // Before: BGSAVE wrote the file in the middle of EXEC, leaving SET x 1 and SET y 2 outside a block.
  t.deepEqual(parseAof(aofContent(p.dir)).map((a) => a.join(' ')), ['SELECT 0', 'MULTI', 'SET x 1', 'SET y 2', 'EXEC']);
  // Scheduled, it starts at Redis's next cron: in progress 0 alone held before it had started.
  await waitFor(async () => {
    const info = await p.theirs.call('INFO', 'persistence');
    return /\r\nrdb_saves:1\r\n/.test(info) && /\r\nrdb_bgsave_in_progress:0\r\n/.test(info);
  }, 10_000, 'the real BGSAVE');
  const rewrite = [['MULTI'], ['SET', 'a', '1'], ['BGREWRITEAOF'], ['BGREWRITEAOF'], ['SET', 'b', '2'], ['EXEC']];
  t.deepEqual(await p.ours.pipeline(rewrite), await p.theirs.pipeline(rewrite));
  // Started once EXEC has ended: the transaction is whole in the file it was written to.
  await waitFor(async () => {
    const info = await p.ours.call('INFO', 'persistence');
    return /\r\naof_rewrites:1\r\n/.test(info) && /\r\naof_rewrite_in_progress:0\r\n/.test(info);
  }, 10_000, 'the rewrite');
  t.deepEqual(await p.ours.pipeline([['MGET', 'x', 'y', 'a', 'b']]), ['*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n2\r\n']);
});

test('BGSAVE SCHEDULE with nothing running starts the save, as redis-server', async (t) => {
  const p = await aofPair(t);
  if (p === null) return;
  t.is(await p.theirs.call('BGSAVE', 'SCHEDULE'), '+Background saving started\r\n');
  t.is(await p.ours.call('BGSAVE', 'schedule'), '+Background saving started\r\n');
});

test('CONFIG SET maxmemory run by EXEC evicts after the transaction (Redis 7.0: startEvictionTimeProc), never inside its block', async (t) => {
  const p = await aofPair(t, { 'maxmemory-policy': 'allkeys-random' });
  if (p === null) return;
  const fill = Array.from({ length: 50 }, (_, i) => ['SET', `k${i}`, 'x'.repeat(100)]);
  const tx = [['MULTI'], ['SET', 'a', '1'], ['CONFIG', 'SET', 'maxmemory', '1'], ['DBSIZE'], ['SET', 'b', '2'], ['CONFIG', 'SET', 'maxmemory', '0'], ['EXEC'], ['DBSIZE']];
  for (const c of [p.theirs, p.ours]) await c.pipeline(fill);
  const want = await p.theirs.pipeline(tx);
  t.deepEqual(await p.ours.pipeline(tx), want);
  t.is(want[6], '*5\r\n+OK\r\n+OK\r\n:51\r\n+OK\r\n+OK\r\n');
  t.is(want[7], ':52\r\n');
  // The limit left in force: every key goes after EXEC, each DEL written alone after the block.
  const tx2 = [['MULTI'], ['SET', 'c', '1'], ['CONFIG', 'SET', 'maxmemory', '1'], ['DBSIZE'], ['SET', 'd', '2'], ['EXEC']];
  const want2 = await p.theirs.pipeline(tx2);
  t.deepEqual(await p.ours.pipeline(tx2), want2);
  t.is(want2[5], '*4\r\n+OK\r\n+OK\r\n:53\r\n+OK\r\n');
  await waitFor(async () => (await p.ours.call('DBSIZE')) === ':0\r\n', 10_000, 'the evictions');
  await p.ours.call('CONFIG', 'SET', 'maxmemory', '0');
  const cmds = parseAof(aofContent(p.dir)).map((a) => a.join(' ')).filter((x) => !x.startsWith('SET k'));
  const block = cmds.indexOf('MULTI', cmds.indexOf('SET b 2'));
  t.deepEqual(cmds.slice(0, 6), ['SELECT 0', 'MULTI', 'SET a 1', 'SET b 2', 'EXEC', 'MULTI'], cmds.join(', '));
  t.deepEqual(cmds.slice(block, block + 4), ['MULTI', 'SET c 1', 'SET d 2', 'EXEC'], cmds.join(', '));
  t.is(cmds.length, block + 4 + 54, cmds.join(', '));
  t.true(cmds.slice(block + 4).every((x) => x.startsWith('DEL ')), cmds.join(', '));
});

test('cluster: a key of another node while queuing is MOVED and aborts; keys of two slots at EXEC are CROSSSLOT', async (t) => {
  const cl = await startCluster(3);
  t.teardown(() => cl.close());
  const slotOf = (k: string): number => cl.ranges.findIndex(([a, b]) => keyHashSlot(k) >= a && keyHashSlot(k) <= b);
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
  const mine = keys.filter((k) => slotOf(k) === 0);
  const other = keys.find((k) => slotOf(k) === 1)!;
  const c = await RawClient.connect(cl.ports[0]);
  t.teardown(() => c.close());
  t.is(await c.call('MULTI'), '+OK\r\n');
  t.is(await c.call('SET', mine[0], '1'), '+QUEUED\r\n');
  t.is(await c.call('SET', other, '1'), `-MOVED ${keyHashSlot(other)} 127.0.0.1:${cl.ports[1]}\r\n`);
  t.is(await c.call('EXEC'), '-EXECABORT Transaction discarded because of previous errors.\r\n');
  const [x, y] = [mine[0], mine.find((k) => keyHashSlot(k) !== keyHashSlot(mine[0]))!];
  t.is(await c.call('MULTI'), '+OK\r\n');
  t.is(await c.call('MSET', x, '1', y, '2'), "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
  t.is(await c.call('DISCARD'), '+OK\r\n');
  t.deepEqual(await c.pipeline([['MULTI'], ['SET', x, '1'], ['SET', y, '2'], ['EXEC'], ['EXEC']]),
    ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', "-CROSSSLOT Keys in request don't hash to the same slot\r\n", '-ERR EXEC without MULTI\r\n']);
  t.deepEqual(await c.pipeline([['MULTI'], ['SET', `{${x}}a`, '1'], ['GET', `{${x}}b`], ['EXEC']]), ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*2\r\n+OK\r\n$-1\r\n']);
  t.is(await c.call('WATCH', other), `-MOVED ${keyHashSlot(other)} 127.0.0.1:${cl.ports[1]}\r\n`);
});

test('ioredis: multi(), pipeline with multi, and the watch/multi/exec flow', async (t) => {
  const s = await serve(t);
  const io = new Redis({ port: s.port, lazyConnect: true });
  const other = new Redis({ port: s.port, lazyConnect: true });
  t.teardown(() => (io.disconnect(), other.disconnect()));
  t.deepEqual(await io.multi().set('a', '1').incr('a').get('a').exec(), [[null, 'OK'], [null, 2], [null, '2']]);
  const [[err], ok] = (await io.multi().set('s', 'x').incr('s').set('t', '1').exec())!.slice(1);
  t.regex(String(err), /not an integer/);
  t.deepEqual(ok, [null, 'OK']);
  await t.throwsAsync(io.multi().call('SET', 'a').exec(), { message: /EXECABORT/ });
  // A pipeline that holds a transaction among other commands.
  t.deepEqual(await io.pipeline([['get', 'a'], ['multi'], ['incr', 'a'], ['incr', 'a'], ['exec'], ['get', 'a']]).exec(),
    [[null, '2'], [null, 'OK'], [null, 'QUEUED'], [null, 'QUEUED'], [null, [3, 4]], [null, '4']]);
  // Optimistic locking: the first attempt fails because another client wrote the key.
  await io.watch('balance');
  await other.set('balance', '100');
  t.is(await io.multi().set('balance', '0').exec(), null);
  await io.watch('balance');
  const bal = Number(await io.get('balance'));
  t.deepEqual(await io.multi().set('balance', String(bal - 10)).exec(), [[null, 'OK']]);
  t.is(await other.get('balance'), '90');
  t.is(await io.unwatch(), 'OK');
});

test('node-redis: multi().exec(), execAsPipeline, and watch (WatchError)', async (t) => {
  const s = await serve(t);
  const nr = createClient({ url: `redis://127.0.0.1:${s.port}` });
  const other = createClient({ url: `redis://127.0.0.1:${s.port}` });
  await nr.connect();
  await other.connect();
  t.teardown(async () => {
    await nr.quit();
    await other.quit();
  });
  t.deepEqual(await nr.multi().set('a', '1').incr('a').get('a').exec(), ['OK', 2, '2']);
  t.deepEqual(await nr.multi().set('b', '1').get('b').execAsPipeline(), ['OK', '1']);
  await nr.watch('k');
  await other.set('k', 'changed');
  await t.throwsAsync(nr.multi().set('k', 'mine').exec(), { instanceOf: WatchError });
  t.is(await nr.get('k'), 'changed');
  await nr.watch('k');
  t.deepEqual(await nr.multi().set('k', 'mine').exec(), ['OK']);
  t.is(await other.get('k'), 'mine');
});

test('MONITOR run by EXEC is refused (Redis: DENY BLOCKING client); the client does not become a monitor', async (t) => {
  await twoClients(t, async (a, b) => {
    const r: string[] = [];
    r.push(await a.call('MULTI'), await a.call('MONITOR'), await a.call('SET', 'k', '1'), await a.call('EXEC'));
    r.push(await b.call('GET', 'k'), await a.call('GET', 'k'));
    return r;
  });
});
