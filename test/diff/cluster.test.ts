// Cluster mode, differentially: a single Keystonelight node (cluster-enabled yes) and a real
// redis-server 7.0 started with --cluster-enabled yes and given every slot (CLUSTER ADDSLOTSRANGE
// 0 16383) get the same commands; raw replies must be byte-identical in RESP2 and RESP3, after
// masking what legitimately differs: node ids (random on both), ports, and the node's address,
// which a lone Redis node shows empty (it learns it from peers) and Keystonelight shows as the
// address the client connected to. Plus the replies of both with cluster support disabled.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis, type RealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { mulberry32, pick } from '../helpers/rng.js';
import { escape } from './pair.js';
import { countersOf, diffCounters, INFO_COUNTERS } from './info-counters.js';

interface Pair {
  ks: RunningServer;
  redis: RealRedis;
  rc: RawClient;
  kc: RawClient;
  /** Sends one command to both; the raw replies, each with its server's ports masked. */
  both(...args: string[]): Promise<[string, string]>;
}

/** Both servers in cluster mode (or not), connected in RESP `proto`. */
async function pair(t: ExecutionContext, proto: 2 | 3, cluster: boolean): Promise<Pair> {
  const dir = mkdtempSync(join(tmpdir(), 'ks-cluster-diff-'));
  const ks = await startServer({ port: 0, config: cluster ? { 'cluster-enabled': 'yes', dir } : {} });
  const redis = await startRealRedis(cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] : []);
  t.teardown(async () => {
    await Promise.all([ks.close(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const [rc, kc] = await Promise.all([RawClient.connect(redis.port), RawClient.connect(ks.port)]);
  t.teardown(() => {
    rc.close();
    kc.close();
  });
  if (cluster) await serveAllSlots(rc);
  if (proto === 3) await Promise.all([rc.call('HELLO', '3'), kc.call('HELLO', '3')]);
  const portMask = (raw: string, port: number): string => raw.replaceAll(String(port + 10000), '<bus>').replaceAll(String(port), '<port>');
  return {
    ks,
    redis,
    rc,
    kc,
    both: async (...args) => {
      const [r, k] = await Promise.all([rc.call(...args), kc.call(...args)]);
      return [portMask(r, redis.port), portMask(k, ks.port)];
    },
  };
}

/** A fresh Redis cluster node owns no slot: give it all, and wait until it says the cluster is ok. */
async function serveAllSlots(c: RawClient): Promise<void> {
  const r = await c.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  if (r !== '+OK\r\n') throw new Error(`ADDSLOTSRANGE: ${escape(r)}`);
  for (let i = 0; i < 100; i++) {
    if ((await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('redis-server cluster state never became ok');
}

/** What legitimately differs between the two nodes (see the module comment). */
const MASKS: [RegExp, string][] = [
  [/[0-9a-f]{40}/g, '<id>'],
  // The node's address as a bulk string (SLOTS, SHARDS) and in CLUSTER NODES' "ip:port@bus".
  [/\$0\r\n\r\n|\$9\r\n127\.0\.0\.1\r\n/g, '<ip>'],
  [/ (127\.0\.0\.1)?:<port>@<bus> /g, ' <addr> '],
  // CLUSTER NODES is one bulk or verbatim string, whose length includes the address.
  [/^([$=])\d+\r\n/, '$1<len>\r\n'],
  // HELLO's client id.
  [/(\$2\r\nid\r\n:)\d+/, '$1<n>'],
];

const mask = (raw: string): string => MASKS.reduce((s, [re, w]) => s.replace(re, w), raw);

async function same(t: ExecutionContext, p: Pair, args: string[], masked = false): Promise<void> {
  const [r, k] = await p.both(...args);
  const [rm, km] = masked ? [mask(r), mask(k)] : [r, k];
  if (rm === km) t.pass();
  else t.fail(`${args.join(' ')}\n  redis: ${escape(r, 400)}\n  ks:    ${escape(k, 400)}`);
}

/** Keys for CLUSTER KEYSLOT: hash-tag edge cases, then seeded random keys rich in braces. */
function keyslotKeys(): string[] {
  const keys = ['', 'a', 'foo', '{}', '{', '}', '}{', '{a}{b}', '{}a', 'a{}', '{a}', '{user}:1', 'x{user}y', '{{a}}', '{a', 'a}',
    '}a{b}', '{}{a}', '123456789', 'a{b}c{d}', '{ }', '\x00{\x00}', '\xff{\xfe}\xfd', '{\r\n}'];
  const rng = mulberry32(7);
  const alphabet = 'ab{}{}x\x00\xff:';
  for (let i = 0; i < 300; i++) {
    let k = '';
    for (let n = pick(rng, 12); n > 0; n--) k += alphabet[pick(rng, alphabet.length)];
    keys.push(k);
  }
  return keys;
}

for (const proto of [2, 3] as const) {
  test(`RESP${proto}: CLUSTER KEYSLOT of ${keyslotKeys().length} keys, hash tags and binary keys included`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const p = await pair(t, proto, true);
    for (const k of keyslotKeys()) await same(t, p, ['CLUSTER', 'KEYSLOT', k]);
  });

  test(`RESP${proto}: key counts and listings per slot, and their errors`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const p = await pair(t, proto, true);
    for (const k of ['{t}1', '{t}2', 'a', '{t}3', '{a}x']) await same(t, p, ['SET', k, 'v']);
    await same(t, p, ['DEL', '{t}2']);
    await same(t, p, ['SET', '{t}2', 'again']);
    for (const args of [
      ['COUNTKEYSINSLOT', '15495'], ['COUNTKEYSINSLOT', '0'], ['COUNTKEYSINSLOT', '16383'], ['COUNTKEYSINSLOT', '16384'],
      ['COUNTKEYSINSLOT', '-1'], ['COUNTKEYSINSLOT', 'x'], ['COUNTKEYSINSLOT', '99999999999999999999'], ['COUNTKEYSINSLOT'],
      ['GETKEYSINSLOT', '15495', '10'], ['GETKEYSINSLOT', '15495', '1'], ['GETKEYSINSLOT', '15495', '0'],
      ['GETKEYSINSLOT', String(16287 - 1), '5'], ['GETKEYSINSLOT', '0', '-1'], ['GETKEYSINSLOT', '16384', '1'],
      ['GETKEYSINSLOT', 'x', '1'], ['GETKEYSINSLOT', '1', 'x'], ['GETKEYSINSLOT', '-1', 'x'], ['GETKEYSINSLOT', '0', '99999999999999999'],
      ['GETKEYSINSLOT', '1'],
    ]) await same(t, p, ['CLUSTER', ...args]);
    const tSlot = (await p.both('CLUSTER', 'KEYSLOT', '{t}'))[1].slice(1, -2);
    await same(t, p, ['CLUSTER', 'GETKEYSINSLOT', tSlot, '10']);
    await same(t, p, ['CLUSTER', 'GETKEYSINSLOT', tSlot, '2']);
    await same(t, p, ['CLUSTER', 'COUNTKEYSINSLOT', tSlot]);
    // An overwrite keeps a key's place; a rename, an expiry and a flush are removals (and an add).
    await same(t, p, ['SET', '{t}1', 'over']);
    await same(t, p, ['RENAME', '{t}3', '{t}5']);
    await same(t, p, ['SET', '{t}6', 'v', 'PX', '1']);
    await new Promise((r) => setTimeout(r, 20));
    await same(t, p, ['GET', '{t}6']);
    await same(t, p, ['CLUSTER', 'GETKEYSINSLOT', tSlot, '10']);
    await same(t, p, ['CLUSTER', 'COUNTKEYSINSLOT', tSlot]);
    await same(t, p, ['FLUSHALL']);
    await same(t, p, ['CLUSTER', 'COUNTKEYSINSLOT', tSlot]);
    await same(t, p, ['CLUSTER', 'GETKEYSINSLOT', tSlot, '10']);
  });

  test(`RESP${proto}: CROSSSLOT, commands refused in cluster mode, and cluster connection commands`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const p = await pair(t, proto, true);
    await same(t, p, ['CONFIG', 'RESETSTAT']);
    for (const args of [
      ['MSET', 'a', '1', 'b', '2'], ['MSET', '{a}1', '1', '{a}2', '2'], ['MGET', '{a}1', '{a}2'], ['MGET', 'a', '{a}1', 'b'],
      ['DEL', 'a', 'b'], ['EXISTS', '{a}1', 'a'], ['EXISTS', 'a', 'b'], ['TOUCH', 'x', 'y'], ['UNLINK', 'x', 'x'],
      ['RENAME', 'a', 'b'], ['RENAMENX', '{a}1', '{a}9'], ['COPY', 'a', 'b'], ['COPY', '{a}2', '{a}3'], ['COPY', '{a}2', '{a}4', 'DB', '1'],
      ['COPY', '{a}2', '{a}4', 'DB', '0', 'REPLACE'], ['COPY', '{a}2', '{a}4', 'DB', '99'], ['MSETNX', 'a', '1', 'b', '2'],
      ['LCS', 'a', 'b'], ['OBJECT', 'ENCODING', '{a}1'], ['MSET', 'a', '1', 'b'],
      ['SELECT', '1'], ['SELECT', '0'], ['SELECT', 'x'], ['SELECT', '99'], ['SWAPDB', '0', '1'], ['SWAPDB', 'x', 'y'],
      ['MOVE', 'a', '1'], ['MOVE', 'a', '0'], ['READONLY'], ['READWRITE'], ['ASKING'], ['READONLY', 'x'], ['ASKING', 'x'],
      ['DBSIZE'], ['GET', '{a}1'],
    ]) await same(t, p, args);
    // DUMP / RESTORE / RESTORE-ASKING in cluster mode: the payload redis-server gives, restored on both.
    await same(t, p, ['DUMP', '{a}1']);
    const dump = (await p.both('DUMP', '{a}1'))[0];
    const payload = dump.slice(dump.indexOf('\r\n') + 2, -2);
    for (const args of [
      ['RESTORE', '{a}9', '0', payload], ['RESTORE', '{a}9', '0', payload], ['RESTORE-ASKING', '{a}8', '0', payload, 'REPLACE'],
      ['GET', '{a}8'], ['RESTORE', 'x', '0', 'bad'], ['RESTORE', '{a}9', '0', payload, 'REPLACE', 'ABSTTL'], ['DUMP', 'missing'],
    ]) await same(t, p, args);
    // The refusals count as Redis counts them: rejected calls, errorstats (CROSSSLOT), hits and misses.
    const [r, k] = await Promise.all([p.rc, p.kc].map(async (c) => countersOf(await c.call(...INFO_COUNTERS))));
    t.deepEqual(diffCounters(r, k), []);
  });

  test(`RESP${proto}: CLUSTER INFO, HELP, LINKS, subcommand errors and INFO's cluster fields`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const p = await pair(t, proto, true);
    for (const args of [
      ['CLUSTER', 'INFO'], ['CLUSTER', 'HELP'], ['CLUSTER', 'LINKS'], ['CLUSTER', 'FOO'], ['CLUSTER'], ['CLUSTER', 'INFO', 'x'],
      ['CLUSTER', 'MYID', 'x'], ['CLUSTER', 'KEYSLOT'], ['CLUSTER', 'KEYSLOT', 'a', 'b'], ['CLUSTER', 'SLOTS', 'x'],
      ['CLUSTER', 'REPLICAS', 'nope'], ['CLUSTER', 'SLAVES', 'nope'], ['CLUSTER', 'COUNT-FAILURE-REPORTS', 'nope'],
      ['INFO', 'cluster'],
    ]) await same(t, p, args);
    const [r, k] = await p.both('INFO', 'server');
    t.is(/redis_mode:\w+/.exec(k)?.[0], /redis_mode:\w+/.exec(r)?.[0]);
  });

  test(`RESP${proto}: CLUSTER MYID, SLOTS, SHARDS, NODES, REPLICAS and HELLO, ids and addresses masked`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const p = await pair(t, proto, true);
    for (const args of [['CLUSTER', 'MYID'], ['CLUSTER', 'SLOTS'], ['CLUSTER', 'SHARDS'], ['CLUSTER', 'NODES'], ['HELLO', String(proto)]]) {
      await same(t, p, args, true);
    }
    // Each node asked about itself (by its own id): no replicas, no failure reports.
    for (const sub of ['REPLICAS', 'SLAVES', 'COUNT-FAILURE-REPORTS']) {
      const replies = await Promise.all([p.rc, p.kc].map(async (c) => c.call('CLUSTER', sub, (await c.call('CLUSTER', 'MYID')).split('\r\n')[1])));
      t.is(replies[1], replies[0], sub);
    }
  });

  test(`RESP${proto}: cluster support disabled answers the same`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const p = await pair(t, proto, false);
    for (const args of [
      ['CLUSTER', 'INFO'], ['CLUSTER', 'KEYSLOT', 'a'], ['CLUSTER', 'HELP'], ['CLUSTER', 'NODES'], ['CLUSTER', 'FOO'], ['CLUSTER'],
      ['CLUSTER', 'KEYSLOT'], ['CLUSTER', 'GETKEYSINSLOT', 'x', 'y'], ['READONLY'], ['READWRITE'], ['ASKING'], ['READONLY', 'x'],
      ['INFO', 'cluster'], ['MSET', 'a', '1', 'b', '2'], ['SELECT', '1'],
    ]) await same(t, p, args);
  });
}

/** The flags fields of the CLIENT INFO lines in a reply. */
const flagsFields = (raw: string): string => [...raw.matchAll(/flags=(\S*)/g)].map((m) => m[1]).join(',');

test('READONLY shows flag r in CLIENT INFO until READWRITE or RESET, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const p = await pair(t, 2, true);
  for (const step of [['READONLY'], ['CLIENT', 'NO-EVICT', 'on'], ['READWRITE'], ['READONLY'], ['RESET']]) {
    await same(t, p, step);
    const [r, k] = await p.both('CLIENT', 'INFO');
    t.is(flagsFields(k), flagsFields(r), step.join(' '));
  }
  // Run by EXEC: the flag is set by the READONLY before it, not by the one after.
  for (const step of [['MULTI'], ['CLIENT', 'INFO'], ['READONLY'], ['CLIENT', 'INFO'], ['READWRITE'], ['CLIENT', 'INFO']]) await same(t, p, step);
  const [r, k] = await p.both('EXEC');
  t.is(flagsFields(k), flagsFields(r));
  t.is(flagsFields(r), 'xe,xre,xe');
});
