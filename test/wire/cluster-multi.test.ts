// A static three-node cluster: three in-process servers on free ports sharing one layout file.
// Cluster clients (ioredis Cluster, node-redis createCluster) spread keys over the nodes by slot;
// each node holds exactly the keys of its slots, sends the others elsewhere with -MOVED, and
// refuses multi-key requests across slots with -CROSSSLOT. Plus layouts that are partial or wrong.

import test, { type ExecutionContext } from 'ava';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { startServer } from '../../src/index.js';
import { keyHashSlot } from '../../src/cluster/slots.js';
import { ANNOUNCE_IP_FIXED } from '../../src/errors.js';
import { RawClient } from '../helpers/raw.js';
import { startCluster, writeLayout, type TestCluster } from '../helpers/cluster.js';

const CROSSSLOT = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";

async function cluster(t: ExecutionContext): Promise<TestCluster> {
  const c = await startCluster(3);
  t.teardown(() => c.close());
  return c;
}

async function raw(t: ExecutionContext, port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  t.teardown(() => c.close());
  return c;
}

/** Index of the node serving `key` in the test layout. */
const nodeOf = (c: TestCluster, key: string): number => {
  const slot = keyHashSlot(key);
  return c.ranges.findIndex(([a, b]) => slot >= a && slot <= b);
};

/** Every node holds exactly the keys of its slots, as DBSIZE and the keyspace show. */
async function checkPlacement(t: ExecutionContext, c: TestCluster, keys: string[]): Promise<void> {
  for (let i = 0; i < c.nodes.length; i++) {
    const mine = keys.filter((k) => nodeOf(c, k) === i);
    t.true(mine.length > 0, `node ${i} got some keys`);
    const conn = await raw(t, c.ports[i]);
    t.is(await conn.call('DBSIZE'), `:${mine.length}\r\n`, `DBSIZE of node ${i}`);
    const held = [...c.nodes[i].server.keyspace.dbs[0].dict.keys()];
    t.deepEqual(held.sort(), [...mine].sort(), `keys of node ${i}`);
    const slot = keyHashSlot(mine[0]);
    const inSlot = mine.filter((k) => keyHashSlot(k) === slot).length;
    t.is(await conn.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)), `:${inSlot}\r\n`);
  }
}

test('ioredis Cluster: 1000 keys land on the node serving their slot and read back', async (t) => {
  const c = await cluster(t);
  const io = new Cluster([{ host: '127.0.0.1', port: c.ports[1] }], { clusterRetryStrategy: () => null });
  t.teardown(() => io.disconnect());
  const keys = Array.from({ length: 1000 }, (_, i) => `io:${i}`);
  await Promise.all(keys.map((k) => io.set(k, `v-${k}`)));
  t.deepEqual(await Promise.all(keys.map((k) => io.get(k))), keys.map((k) => `v-${k}`));
  await checkPlacement(t, c, keys);
  t.deepEqual(io.nodes('master').map((m) => m.options.port).sort(), [...c.ports].sort());
});

test('ioredis Cluster: hash tags keep multi-key commands on one node; across slots is CROSSSLOT', async (t) => {
  const c = await cluster(t);
  const io = new Cluster([{ host: '127.0.0.1', port: c.ports[0] }], { clusterRetryStrategy: () => null });
  t.teardown(() => io.disconnect());
  for (const tag of ['{user:1}', '{user:2}', '{user:3}', '{order}']) {
    t.is(await io.mset(`${tag}:a`, '1', `${tag}:b`, '2'), 'OK');
    t.deepEqual(await io.mget(`${tag}:a`, `${tag}:b`), ['1', '2']);
    t.is(await io.del(`${tag}:a`, `${tag}:b`), 2);
  }
  await t.throwsAsync(io.mset('a', '1', 'foo', '2'), { message: /^CROSSSLOT/ });
  await t.throwsAsync(io.mget('a', 'b'), { message: /^CROSSSLOT/ });
});

test('node-redis createCluster: keys spread over the three nodes and read back', async (t) => {
  const c = await cluster(t);
  const nr = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${c.ports[2]}` }] });
  nr.on('error', () => {});
  await nr.connect();
  t.teardown(() => nr.close());
  const keys = Array.from({ length: 600 }, (_, i) => `nr:${i}`);
  for (const k of keys) await nr.set(k, k.toUpperCase());
  for (const k of keys.filter((_, i) => i % 7 === 0)) t.is(await nr.get(k), k.toUpperCase());
  t.deepEqual(await nr.mGet(['{t}x', '{t}y']), [null, null]);
  await checkPlacement(t, c, keys);
  t.deepEqual(nr.masters.map((m) => m.port).sort(), [...c.ports].sort());
  // node-redis 6 splits a multi-key command by slot itself: each key still reaches its own node.
  t.is(await nr.mSet({ 'user:1000': '1', '{user}:1': '2', foo: '3' }), 'OK');
  for (const k of ['user:1000', '{user}:1', 'foo']) t.true(c.nodes[nodeOf(c, k)].server.keyspace.dbs[0].dict.has(k), k);
});

test('raw: a node serves its slots, sends other keys to their node with MOVED, refuses CROSSSLOT', async (t) => {
  const c = await cluster(t);
  // user:1000 -> 1649 (node 0), {user}:1 -> 5474 (node 1), foo -> 12182 (node 2)
  const keys = ['user:1000', '{user}:1', 'foo'];
  t.deepEqual(keys.map((k) => nodeOf(c, k)), [0, 1, 2]);
  for (let i = 0; i < 3; i++) {
    const conn = await raw(t, c.ports[i]);
    for (const [j, k] of keys.entries()) {
      const want = i === j ? '+OK\r\n' : `-MOVED ${keyHashSlot(k)} 127.0.0.1:${c.ports[j]}\r\n`;
      t.is(await conn.call('SET', k, 'v'), want, `SET ${k} on node ${i}`);
    }
    t.is(await conn.call('MSET', 'user:1000', '1', 'foo', '2'), CROSSSLOT);
    t.is(await conn.call('DEL', 'x{a}', 'y{b}'), CROSSSLOT);
    t.is(await conn.call('DBSIZE'), ':1\r\n', 'keyless commands run on any node');
    t.is(await conn.call('CLUSTER', 'KEYSLOT', 'foo'), ':12182\r\n');
  }
});

test('every node describes the same layout; NODES marks itself; INFO counts three nodes', async (t) => {
  const c = await cluster(t);
  const slotsReplies: string[] = [];
  for (let i = 0; i < 3; i++) {
    const conn = await raw(t, c.ports[i]);
    slotsReplies.push(await conn.call('CLUSTER', 'SLOTS'));
    const nodes = (await conn.call('CLUSTER', 'NODES')).split('\r\n')[1].split('\n').filter((l) => l !== '');
    t.is(nodes.length, 3);
    nodes.forEach((line, j) => {
      const [a, b] = c.ranges[j];
      t.regex(line, new RegExp(`^[0-9a-f]{40} 127\\.0\\.0\\.1:${c.ports[j]}@\\d+ ${i === j ? 'myself,master' : 'master'} - 0 0 ${j + 1} connected ${a}-${b}$`));
    });
    const info = await conn.call('CLUSTER', 'INFO');
    t.regex(info, /cluster_state:ok\r\n/);
    t.regex(info, /cluster_known_nodes:3\r\ncluster_size:3\r\ncluster_current_epoch:3\r\n/);
    t.regex(info, new RegExp(`cluster_my_epoch:${i + 1}\r\n`));
    const myid = await conn.call('CLUSTER', 'MYID');
    t.true(nodes[i].startsWith(myid.split('\r\n')[1]));
  }
  t.is(slotsReplies[0], slotsReplies[1]);
  t.is(slotsReplies[1], slotsReplies[2]);
  t.true(slotsReplies[0].startsWith(`*3\r\n*3\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:${c.ports[0]}\r\n$40\r\n`));
});

test('a layout that leaves slots unassigned: the cluster is down', async (t) => {
  const layout = await writeLayout(2, ([p, q]) => [`127.0.0.1:${p} 0-8000`, `127.0.0.1:${q} 9000-16383`]);
  t.teardown(() => layout.remove());
  // (loglevel nothing: the server warns at start that the cluster is down, which is expected here)
  const s = await startServer({ port: layout.ports[0], config: { 'cluster-enabled': 'yes', 'cluster-config-file': layout.file, loglevel: 'nothing' } });
  t.teardown(() => s.close());
  const conn = await raw(t, s.port);
  t.regex(await conn.call('CLUSTER', 'INFO'), /^\$\d+\r\ncluster_state:fail\r\ncluster_slots_assigned:15385\r\n/);
  const unserved = Array.from({ length: 5000 }, (_, i) => `k${i}`).find((k) => keyHashSlot(k) > 8000 && keyHashSlot(k) < 9000)!;
  t.is(await conn.call('GET', unserved), '-CLUSTERDOWN Hash slot not served\r\n');
  t.is(await conn.call('GET', 'user:1000'), '-CLUSTERDOWN The cluster is down\r\n');
  t.is(await conn.call('PING'), '+PONG\r\n');
});

test('with a layout file, CONFIG SET cluster-announce-ip is refused (the file\'s lines are the addresses shown); the same value is accepted', async (t) => {
  const layout = await writeLayout(1, ([p]) => [`127.0.0.1:${p} 0-16383`]);
  t.teardown(() => layout.remove());
  const s = await startServer({ port: layout.ports[0], config: { 'cluster-enabled': 'yes', 'cluster-config-file': layout.file } });
  t.teardown(() => s.close());
  const conn = await raw(t, s.port);
  t.is(await conn.call('CONFIG', 'SET', 'cluster-announce-ip', '10.9.8.7'), `-ERR CONFIG SET failed (possibly related to argument 'cluster-announce-ip') - ${ANNOUNCE_IP_FIXED}\r\n`);
  t.is(await conn.call('CONFIG', 'SET', 'cluster-announce-ip', ''), '+OK\r\n');
  t.regex(await conn.call('CLUSTER', 'NODES'), new RegExp(` 127\\.0\\.0\\.1:${s.port}@\\d+ myself,master `));
});

test('a layout that cannot be used stops the server from starting, naming the problem', async (t) => {
  const overlap = await writeLayout(2, ([p, q]) => [`127.0.0.1:${p} 0-9000`, `127.0.0.1:${q} 9000-16383`]);
  t.teardown(() => overlap.remove());
  await t.throwsAsync(startServer({ port: overlap.ports[0], config: { 'cluster-enabled': 'yes', 'cluster-config-file': overlap.file } }),
    { message: /slot 9000 is assigned to both/ });
  const other = await writeLayout(1);
  t.teardown(() => other.remove());
  await t.throwsAsync(startServer({ port: 0, config: { 'cluster-enabled': 'yes', 'cluster-config-file': other.file } }),
    { message: /cannot tell which node is this server \(no node has this server's port 0\)/ });
});
