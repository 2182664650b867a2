// Cluster mode on one node (cluster-enabled yes, no layout file): the node serves all 16384 slots,
// real cluster clients (ioredis Cluster, node-redis createCluster) discover it and work against it,
// multi-key commands need one slot, and what changes for plain clients (SELECT, INFO, HELLO). Also
// what a server with cluster support disabled answers to the cluster commands.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { startServer, type RunningServer } from '../../src/index.js';
import { keyHashSlot } from '../../src/cluster/slots.js';
import { ipv6Loopback, RawClient } from '../helpers/raw.js';
import { entryBytes } from '../../src/keyspace/memory.js';
import { startRealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const CROSSSLOT = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";

/** A node whose `dir` is an empty temporary directory: no layout file there, so a single node. */
async function node(t: ExecutionContext, config: Record<string, string> = { 'cluster-enabled': 'yes' }): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ks-cluster-'));
  const s = await startServer({ port: 0, config: { dir, ...config } });
  t.teardown(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

async function raw(t: ExecutionContext, port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  t.teardown(() => c.close());
  return c;
}

const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;

test('a client that reached the node over IPv6 gets ::1 as its host in CLUSTER SLOTS, SHARDS and NODES (no brackets)', async (t) => {
  if (!(await ipv6Loopback())) {
    t.log('SKIPPED: this machine has no IPv6 loopback (::1)');
    t.pass();
    return;
  }
  const s = await node(t, { 'cluster-enabled': 'yes', bind: '::1 127.0.0.1' });
  const c = await RawClient.connect(s.port, '::1');
  t.teardown(() => c.close());
  t.true((await c.call('CLUSTER', 'SLOTS')).includes(`${bulk('::1')}:${s.port}\r\n`));
  t.regex(await c.call('CLUSTER', 'NODES'), new RegExp(` ::1:${s.port}@${s.port + 10000} myself,master `));
  const shards = await c.call('CLUSTER', 'SHARDS');
  t.true(shards.includes(`${bulk('ip')}${bulk('::1')}`), shards);
});

test('ioredis Cluster: discovers the single node, reads and writes many keys, hash tags keep MSET whole', async (t) => {
  const s = await node(t);
  const io = new Cluster([{ host: '127.0.0.1', port: s.port }], { clusterRetryStrategy: () => null });
  t.teardown(() => io.disconnect());
  const n = 500;
  const pipe = io.pipeline();
  for (let i = 0; i < n; i++) pipe.set(`key:${i}`, `v${i}`);
  await pipe.exec();
  for (let i = 0; i < n; i += 37) t.is(await io.get(`key:${i}`), `v${i}`);
  t.is(await io.mset('{user:7}:name', 'ann', '{user:7}:mail', 'a@x'), 'OK');
  t.deepEqual(await io.mget('{user:7}:name', '{user:7}:mail'), ['ann', 'a@x']);
  await t.throwsAsync(io.mset('a', '1', 'b', '2'), { message: /^CROSSSLOT Keys in request don't hash to the same slot/ });
  t.is(s.server.keyspace.dbs[0].size, n + 2);
  t.is(await io.cluster('COUNTKEYSINSLOT', keyHashSlot('{user:7}')), 2);
  t.deepEqual(io.nodes('master').map((m) => m.options.port), [s.port]);
});

test('node-redis createCluster: discovers the single node and serves commands', async (t) => {
  const s = await node(t);
  const c = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${s.port}` }] });
  c.on('error', () => {});
  await c.connect();
  t.teardown(() => c.close());
  for (let i = 0; i < 200; i++) await c.set(`nr:${i}`, String(i));
  t.is(await c.get('nr:42'), '42');
  t.is(await c.incr('{c}counter'), 1);
  t.deepEqual(await c.mGet(['nr:1', 'nr:2', 'nr:missing']), ['1', '2', null]);
  t.is(s.server.keyspace.dbs[0].size, 201);
  t.deepEqual(c.masters.map((m) => m.port), [s.port]);
});

test('CLUSTER SLOTS, SHARDS, NODES, MYID and INFO describe one node serving every slot', async (t) => {
  const s = await node(t, { 'cluster-enabled': 'yes', 'cluster-node-id': 'ab'.repeat(20) });
  const c = await raw(t, s.port);
  const id = 'ab'.repeat(20);
  t.is(await c.call('CLUSTER', 'MYID'), bulk(id));
  t.is(await c.call('CLUSTER', 'SLOTS'), `*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n${bulk('127.0.0.1')}:${s.port}\r\n${bulk(id)}*0\r\n`);
  t.is(await c.call('CLUSTER', 'NODES'), bulk(`${id} 127.0.0.1:${s.port}@${s.port + 10000} myself,master - 0 0 0 connected 0-16383\n`));
  const info = await c.call('CLUSTER', 'INFO');
  t.regex(info, /^\$\d+\r\ncluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n/);
  t.regex(info, /cluster_known_nodes:1\r\ncluster_size:1\r\n/);
  const shards = await c.call('CLUSTER', 'SHARDS');
  t.true(shards.startsWith('*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*1\r\n*14\r\n'));
  t.true(shards.includes(`${bulk('ip')}${bulk('127.0.0.1')}${bulk('endpoint')}${bulk('127.0.0.1')}`));
  t.is(await c.call('CLUSTER', 'LINKS'), '*0\r\n');
  t.is(await c.call('CLUSTER', 'REPLICAS', id), '*0\r\n');
  t.is(await c.call('CLUSTER', 'COUNT-FAILURE-REPORTS', id), ':0\r\n');
  t.is(await c.call('CLUSTER', 'REPLICAS', 'nope'), '-ERR Unknown node nope\r\n');
});

test('cluster-announce-ip is the address shown; without it, the address the client connected to', async (t) => {
  const s = await node(t, { 'cluster-enabled': 'yes', 'cluster-announce-ip': '10.1.2.3' });
  const c = await raw(t, s.port);
  t.regex(await c.call('CLUSTER', 'SLOTS'), /\$8\r\n10\.1\.2\.3\r\n/);
  t.regex(await c.call('CLUSTER', 'NODES'), / 10\.1\.2\.3:\d+@\d+ myself,master /);
});

test('CONFIG SET cluster-announce-ip changes the address shown, as redis-server 7.0.15 (within its cron\'s 100 ms)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const s = await node(t, { 'cluster-enabled': 'yes', 'cluster-announce-ip': '10.1.2.3' });
  const redis = await startRealRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-announce-ip', '10.1.2.3']);
  t.teardown(() => redis.stop());
  const [ours, theirs] = [await raw(t, s.port), await raw(t, redis.port)];
  t.is(await theirs.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383'), '+OK\r\n');
  /** CLUSTER SLOTS's address of the node, and CLUSTER NODES's and SHARDS's. */
  const shown = async (c: RawClient): Promise<string[]> => [
    /\*4\r\n\$\d+\r\n([^\r]*)\r\n:\d+\r\n/.exec(await c.call('CLUSTER', 'SLOTS'))![1],
    / ([^ ]*):\d+@\d+ myself,master /.exec(await c.call('CLUSTER', 'NODES'))![1],
    /\$2\r\nip\r\n\$\d+\r\n([^\r]*)\r\n/.exec(await c.call('CLUSTER', 'SHARDS'))![1],
  ];
  for (const c of [ours, theirs]) t.is(await c.call('CONFIG', 'SET', 'cluster-announce-ip', '10.9.8.7'), '+OK\r\n');
  await sleep(300); // Redis's clusterCron takes the new address
  t.deepEqual(await shown(ours), await shown(theirs));
  t.deepEqual(await shown(ours), ['10.9.8.7', '10.9.8.7', '10.9.8.7']);
  for (const c of [ours, theirs]) t.is(await c.call('CONFIG', 'GET', 'cluster-announce-ip'), '*2\r\n$19\r\ncluster-announce-ip\r\n$8\r\n10.9.8.7\r\n');
  // Unset: the address the client connected to (Redis: an empty one, until another node tells it).
  t.is(await ours.call('CONFIG', 'SET', 'cluster-announce-ip', ''), '+OK\r\n');
  t.deepEqual(await shown(ours), ['127.0.0.1', '127.0.0.1', '127.0.0.1']);
});

test('multi-key commands across slots are CROSSSLOT; within one slot (hash tags) they run', async (t) => {
  const s = await node(t);
  const c = await raw(t, s.port);
  for (const cmd of [['MSET', 'a', '1', 'b', '2'], ['MGET', 'a', 'b'], ['DEL', 'a', 'b'], ['EXISTS', 'a', 'b'], ['RENAME', 'a', 'b'], ['COPY', 'a', 'b']]) {
    t.is(await c.call(...cmd), CROSSSLOT, cmd.join(' '));
  }
  t.is(await c.call('MSET', '{a}1', 'x', '{a}2', 'y'), '+OK\r\n');
  t.is(await c.call('RENAME', '{a}1', '{a}3'), '+OK\r\n');
  t.is(await c.call('MGET', '{a}2', '{a}3'), '*2\r\n$1\r\ny\r\n$1\r\nx\r\n');
  t.is(await c.call('MSET', 'same', '1', 'same', '2'), '+OK\r\n', 'one key twice is one slot');
  t.is(await c.call('CLUSTER', 'COUNTKEYSINSLOT', String(keyHashSlot('a'))), ':2\r\n');
  t.is(await c.call('CLUSTER', 'GETKEYSINSLOT', String(keyHashSlot('a')), '10'), '*2\r\n$4\r\n{a}3\r\n$4\r\n{a}2\r\n', 'newest first');
  t.is(await c.call('CLUSTER', 'GETKEYSINSLOT', String(keyHashSlot('a')), '1'), '*1\r\n$4\r\n{a}3\r\n');
  t.is(await c.call('CLUSTER', 'KEYSLOT', '{user}:1'), `:${keyHashSlot('user')}\r\n`);
});

test('cluster mode: SELECT other than 0, SWAPDB, MOVE and COPY ... DB are refused; INFO and HELLO say cluster', async (t) => {
  const s = await node(t);
  const c = await raw(t, s.port);
  t.is(await c.call('SELECT', '1'), '-ERR SELECT is not allowed in cluster mode\r\n');
  t.is(await c.call('SELECT', '0'), '+OK\r\n');
  t.is(await c.call('SWAPDB', '0', '1'), '-ERR SWAPDB is not allowed in cluster mode\r\n');
  t.is(await c.call('MOVE', 'k', '1'), '-ERR MOVE is not allowed in cluster mode\r\n');
  t.is(await c.call('COPY', '{k}a', '{k}b', 'DB', '1'), '-ERR Copying to another database is not allowed in cluster mode\r\n');
  t.is(await c.call('COPY', '{k}a', '{k}b', 'DB', '0'), ':0\r\n');
  t.regex(await c.call('INFO', 'cluster'), /# Cluster\r\ncluster_enabled:1\r\n/);
  t.regex(await c.call('INFO', 'server'), /\r\nredis_mode:cluster\r\n/);
  t.regex(await c.call('HELLO', '2'), /\$4\r\nmode\r\n\$7\r\ncluster\r\n/);
  for (const cmd of ['READONLY', 'READWRITE', 'ASKING']) t.is(await c.call(cmd), '+OK\r\n');
});

test('cluster support disabled: the cluster commands answer as Redis, INFO says cluster_enabled:0', async (t) => {
  const s = await node(t, {});
  const c = await raw(t, s.port);
  const disabled = '-ERR This instance has cluster support disabled\r\n';
  for (const cmd of [['CLUSTER', 'INFO'], ['CLUSTER', 'KEYSLOT', 'a'], ['CLUSTER', 'HELP'], ['CLUSTER', 'SLOTS'], ['READONLY'], ['READWRITE'], ['ASKING']]) {
    t.is(await c.call(...cmd), disabled, cmd.join(' '));
  }
  t.is(await c.call('CLUSTER', 'FOO'), "-ERR unknown subcommand 'FOO'. Try CLUSTER HELP.\r\n");
  t.is(await c.call('MSET', 'a', '1', 'b', '2'), '+OK\r\n');
  t.is(await c.call('SELECT', '1'), '+OK\r\n');
  t.regex(await c.call('INFO', 'cluster'), /cluster_enabled:0\r\n/);
  t.regex(await c.call('INFO', 'server'), /\r\nredis_mode:standalone\r\n/);
});

test('a request with keys is checked after authentication, before it runs', async (t) => {
  const s = await node(t, { 'cluster-enabled': 'yes', requirepass: 'pw' });
  const c = await raw(t, s.port);
  t.regex(await c.call('MSET', 'a', '1', 'b', '2'), /^-NOAUTH/);
  t.is(await c.call('AUTH', 'pw'), '+OK\r\n');
  t.is(await c.call('MSET', 'a', '1', 'b', '2'), CROSSSLOT);
  t.is(await c.call('MSET', 'a', '1'), '+OK\r\n');
});

test('cluster mode: the keys-per-slot index is charged per key, shown as MEMORY STATS slot-to-keys, and given back', async (t) => {
  const s = await node(t);
  const c = await raw(t, s.port);
  const used = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await c.call('INFO', 'memory'))![1]);
  const start = await used();
  const keys = ['{a}1', '{a}2', '{a}3']; // one slot: DEL of them all is not CROSSSLOT
  for (const k of keys) t.is(await c.call('SET', k, 'v'), '+OK\r\n');
  const perKey = s.server.cluster!.keys.bytesPerKey;
  const charged = keys.reduce((n, k) => n + entryBytes(k, 'v') + perKey, 0);
  t.is(await used(), start + charged);
  t.regex(await c.call('MEMORY', 'STATS'), new RegExp(`overhead\\.hashtable\\.slot-to-keys\r\n:${keys.length * perKey}\r\n`));
  t.is(await c.call('MEMORY', 'USAGE', keys[0]), `:${entryBytes(keys[0], 'v') + perKey}\r\n`, 'MEMORY USAGE: what the key is charged');
  t.is(await c.call('DEL', ...keys), ':3\r\n');
  t.is(await used(), start, 'all given back');
});
