// Cluster building blocks without a network: hash slots against vectors recorded from a real Redis
// 7.0 (CLUSTER KEYSLOT), the layout file parser and its errors, and which node of a file a server is.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { crc16, keyHashSlot } from '../../src/cluster/slots.js';
import { LayoutError, loadLayout, parseLayout } from '../../src/cluster/layout.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { SlotKeys } from '../../src/cluster/slot-keys.js';
import { Config } from '../../src/config.js';
import { buildCommandTable } from '../../src/commands/index.js';
import { resolve } from '../../src/commands/dispatch.js';
import { command, type CommandSpec } from '../../src/commands/types.js';
import { OK } from '../../src/protocol/reply.js';

/** key -> slot, from `redis-cli -p <redis 7.0.15 cluster node> CLUSTER KEYSLOT key`. */
const VECTORS: [string, number][] = [
  ['', 0], ['a', 15495], ['foo', 12182], ['{}', 15257], ['{', 4092], ['}', 12090], ['}{', 12793],
  ['{a}{b}', 15495], ['{}a', 10875], ['a{}', 6082], ['{a}', 15495], ['{user}:1', 5474], ['{user}:2', 5474],
  ['x{user}y', 5474], ['{{a}}', 10276], ['{a', 10276], ['a}', 5921], ['}a{b}', 3300], ['{}{a}', 13650],
  ['123456789', 12739], ['user:1000', 1649], ['a{b}c{d}', 3300], ['{ }', 9314], ['{  }x', 8836],
];

test('keyHashSlot matches Redis 7.0 CLUSTER KEYSLOT, hash-tag edge cases included', (t) => {
  for (const [key, slot] of VECTORS) t.is(keyHashSlot(key), slot, JSON.stringify(key));
});

test('crc16 is CRC16-XMODEM (check value of "123456789" is 0x31C3)', (t) => {
  t.is(crc16('123456789'), 0x31c3);
  t.is(crc16('\xff\x00\x80'), crc16(Buffer.from([0xff, 0x00, 0x80]).toString('latin1')));
});

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

test('parseLayout: addresses, slots and ranges, ids given or derived, comments', (t) => {
  const id = 'ab'.repeat(20);
  const nodes = parseLayout([
    '# a comment', '', '127.0.0.1:7001 0-5460   # trailing comment',
    `127.0.0.1:7002 5461-10922 id=${id.toUpperCase()}`, '[::1]:7003 10923-16382 16383', 'h:7004',
  ].join('\n'), 'f');
  t.deepEqual(nodes.map((n) => [n.host, n.port, n.ranges, n.epoch]), [
    ['127.0.0.1', 7001, [[0, 5460]], 1], ['127.0.0.1', 7002, [[5461, 10922]], 2], ['::1', 7003, [[10923, 16383]], 3], ['h', 7004, [], 4],
  ]);
  t.is(nodes[0].id, sha1('127.0.0.1:7001'));
  t.is(nodes[1].id, id);
});

test('parseLayout: every kind of bad line is reported with its line number', (t) => {
  const bad: [string, RegExp][] = [
    ['7001 0-10', /f line 1: expected <host>:<port> first, got '7001'/],
    ['h:0 1', /expected <host>:<port>/],
    ['h:70000 1', /expected <host>:<port>/],
    ['h:1 16384', /'16384' is not a slot or a slot range within 0-16383/],
    ['h:1 5-4', /'5-4' is not a slot/],
    ['h:1 x', /'x' is not a slot/],
    ['h:1 id=abc', /a node id is 40 hex digits, got 'abc'/],
    ['h:1 0\nh:1 1', /f line 2: node h:1 .* is listed twice/],
    ['# nothing', /f: no nodes listed/],
  ];
  for (const [text, msg] of bad) t.throws(() => parseLayout(text, 'f'), { instanceOf: LayoutError, message: msg }, text);
});

/** Writes `text` as the layout file of a config with `options`; returns what loadLayout makes of it. */
function load(t: { teardown(fn: () => void): void }, text: string | null, options: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'ks-layout-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  if (text !== null) writeFileSync(join(dir, 'nodes.conf'), text);
  return loadLayout(new Config({ dir, 'cluster-enabled': 'yes', ...options }));
}

const THREE = '127.0.0.1:7001 0-5460\n127.0.0.1:7002 5461-10922\n127.0.0.1:7003 10923-16383\n';

test('loadLayout: the file is read from dir; this node is the one with our port', (t) => {
  const { layout, file } = load(t, THREE, { port: '7002' });
  t.regex(file!, /nodes\.conf$/);
  t.is(layout.myself.port, 7002);
  t.is(layout.owner[0], 0);
  t.is(layout.owner[5461], 1);
  t.is(layout.owner[16383], 2);
});

test('loadLayout: cluster-node-id picks the node; announce-ip settles a shared port', (t) => {
  const id = sha1('127.0.0.1:7003');
  t.is(load(t, THREE, { port: '0', 'cluster-node-id': id }).layout.myself.port, 7003);
  const shared = '10.0.0.1:7000 0-8191\n10.0.0.2:7000 8192-16383\n';
  t.throws(() => load(t, shared, { port: '7000' }), { message: /several nodes have port 7000\): set cluster-node-id/ });
  t.is(load(t, shared, { port: '7000', 'cluster-announce-ip': '10.0.0.2' }).layout.myself.host, '10.0.0.2');
  t.throws(() => load(t, THREE, { port: '7009' }), { message: /no node has this server's port 7009/ });
  t.throws(() => load(t, THREE, { port: '7001', 'cluster-node-id': 'f'.repeat(40) }), { message: /is not one of its nodes/ });
});

test('loadLayout: overlapping slots are refused', (t) => {
  t.throws(() => load(t, 'h:1 0-100\nh:2 100-16383\n', { port: '1' }), { message: /slot 100 is assigned to both h:1 and h:2/ });
});

test('loadLayout: no file means a single node serving every slot, with a random or configured id', (t) => {
  const a = load(t, null, {});
  t.is(a.file, null);
  t.regex(a.layout.myself.id, /^[0-9a-f]{40}$/);
  t.deepEqual(a.layout.myself.ranges, [[0, 16383]]);
  t.not(load(t, null, {}).layout.myself.id, a.layout.myself.id);
  t.is(load(t, null, { 'cluster-node-id': 'C'.repeat(40) }).layout.myself.id, 'c'.repeat(40));
});

test('cluster-node-id must be 40 hex digits', (t) => {
  t.throws(() => new Config({ 'cluster-node-id': 'xyz' }), { message: 'argument must be 40 hex digits' });
});

const table = buildCommandTable();
/** The spec the dispatcher runs for `args` (subcommands resolved). */
const spec = (args: string[]): CommandSpec => resolve(table, args) as CommandSpec;

test('Cluster.check: keyless commands run, keys of one slot run or move, several slots are CROSSSLOT', (t) => {
  const layout = parseLayout(THREE, 'f');
  const owner = new Int16Array(16384).map((_, s) => (s <= 5460 ? 0 : s <= 10922 ? 1 : 2));
  const c = new Cluster({ nodes: layout, myself: layout[0], owner }, () => 7001, new Config());
  const check = (...args: string[]): string | null => c.check(spec(args), args)?.message ?? null;
  t.is(check('ping'), null);
  t.is(check('dbsize'), null);
  t.is(check('get', 'user:1000'), null); // slot 1649
  t.is(check('get', 'foo'), 'MOVED 12182 127.0.0.1:7003');
  t.is(check('set', 'a', '1'), 'MOVED 15495 127.0.0.1:7003');
  t.is(check('mset', '{user}:1', 'x', '{user}:2', 'y'), 'MOVED 5474 127.0.0.1:7002');
  t.is(check('mset', 'a', '1', 'foo', '2'), "CROSSSLOT Keys in request don't hash to the same slot");
  t.is(check('mset', 'a', '1', 'a', '2'), 'MOVED 15495 127.0.0.1:7003');
  t.is(check('del', '{a}1', '{a}2', 'a'), 'MOVED 15495 127.0.0.1:7003');
  t.is(check('rename', 'user:1000', 'foo'), "CROSSSLOT Keys in request don't hash to the same slot");
  t.is(check('object', 'encoding', 'foo'), 'MOVED 12182 127.0.0.1:7003');
  t.is(check('object', 'help'), null);
});

test('Cluster.check: unserved slots and a partial layout are CLUSTERDOWN', (t) => {
  const layout = parseLayout('127.0.0.1:7001 0-10000\n', 'f');
  const owner = new Int16Array(16384).map((_, s) => (s <= 10000 ? 0 : -1));
  const c = new Cluster({ nodes: layout, myself: layout[0], owner }, () => 7001, new Config());
  const check = (...args: string[]): string | null => c.check(spec(args), args)?.message ?? null;
  t.is(check('get', 'a'), 'CLUSTERDOWN Hash slot not served');
  t.is(check('mset', 'a', '1', 'foo', '2'), 'CLUSTERDOWN Hash slot not served', 'first key unserved wins over CROSSSLOT');
  t.is(check('mset', 'user:1000', '1', 'a', '2'), "CROSSSLOT Keys in request don't hash to the same slot");
  t.is(check('get', 'user:1000'), 'CLUSTERDOWN The cluster is down');
  t.is(check('ping'), null);
  t.is(c.assigned, 10001);
});

test('Cluster.check: movablekeys commands find their keys from Redis key specs (as COMMAND GETKEYS)', (t) => {
  const layout = parseLayout('127.0.0.1:7001 0-8191\n127.0.0.1:7002 8192-16383\n', 'f');
  const owner = new Int16Array(16384).map((_, s) => (s <= 8191 ? 0 : 1));
  const c = new Cluster({ nodes: layout, myself: layout[0], owner }, () => 7001, new Config());
  // Families not in the table yet: specs as they would declare them (legacy positions 0 or 1).
  const zunionstore = command('zunionstore', -4, ['write', 'denyoom', 'movablekeys'], [1, 1, 1], () => OK);
  const sort = command('sort', -2, ['write', 'denyoom', 'movablekeys'], [1, 1, 1], () => OK);
  const check = (s: CommandSpec, ...args: string[]): string | null => c.check(s, args)?.message ?? null;
  t.is(check(zunionstore, 'zunionstore', '{user}d', '2', '{user}a', '{user}b', 'WEIGHTS', '1', 'foo'), null, 'slot of {user} is 5474, ours; WEIGHTS values are not keys');
  t.is(check(zunionstore, 'zunionstore', '{user}d', '2', '{user}a', 'foo'), "CROSSSLOT Keys in request don't hash to the same slot");
  t.is(check(zunionstore, 'zunionstore', 'foo', '1', 'foo'), 'MOVED 12182 127.0.0.1:7002');
  t.is(check(sort, 'sort', '{user}a', 'BY', 'foo', 'STORE', '{user}b'), null, 'the BY pattern is not a key');
  t.is(check(sort, 'sort', '{user}a', 'STORE', 'foo'), "CROSSSLOT Keys in request don't hash to the same slot");
});

/** Drives `keys` through adds, removals and re-adds in one slot and checks it against a model. */
function checkSlotKeys(t: ExecutionContext, keys: SlotKeys): void {
  // Keys sharing a hash tag share a slot: {a}... are all in slot 15495. 5,000 of them span several
  // chunks of the slot's log; phases of filling and draining empty and compact chunks.
  const model = new Map<string, number>(); // key -> order of addition
  let order = 0;
  let seed = 11;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const newest = (max: number): string[] => [...model].sort((x, y) => y[1] - x[1]).slice(0, max).map(([k]) => k);
  for (let step = 0; step < 60_000; step++) {
    const key = `{a}${rnd(5000)}`;
    const removing = Math.floor(step / 6000) % 2 === 1 ? rnd(4) !== 0 : rnd(4) === 0;
    if (removing) {
      if (model.delete(key)) keys.removed(key);
    } else if (!model.has(key)) {
      model.set(key, order++);
      keys.added(key);
    } else {
      keys.added(key); // an overwrite: the key keeps its place
    }
    if (step % 499 === 0) {
      const max = 1 + rnd(40);
      t.deepEqual(keys.newest(15495, max), newest(max), `step ${step}`);
      t.is(keys.count(15495), model.size);
    }
  }
  t.deepEqual(keys.newest(15495, 10_000), newest(10_000));
  t.deepEqual(keys.newest(1, 10), []);
  for (const key of [...model.keys()]) keys.removed(key);
  t.is(keys.count(15495), 0);
  t.deepEqual(keys.newest(15495, 10), []);
  keys.added('{a}x');
  keys.added('{b}y');
  keys.cleared();
  t.is(keys.count(15495), 0);
}

test('SlotKeys: keys per slot newest first through adds, removals and re-adds, against a model', (t) => {
  checkSlotKeys(t, new SlotKeys());
});

test('SlotKeys: a slot holding more keys than one Map may (a V8 Map stops at 2^24)', (t) => {
  // The same model run with 7 keys per Map: the slot's places spread over hundreds of Maps that
  // fill, drain and go, and a compaction moves keys held by any of them.
  checkSlotKeys(t, new SlotKeys(7));
});

// 17,000,000 keys in one slot take ~2 GB and about a minute here: opt-in with KS_BIG=1, as the
// keyspace's own test past 2^24 keys (registered only when asked for: nothing skipped in CI).
if (process.env.KS_BIG === '1') test('KS_BIG: one slot of 17,000,000 keys (past the 2^24 entries of one Map)', (t) => {
  const n = 17_000_000;
  const keys = new SlotKeys();
  for (let i = 0; i < n; i++) keys.added(`{a}${i}`);
  t.is(keys.count(15495), n);
  t.deepEqual(keys.newest(15495, 3), [`{a}${n - 1}`, `{a}${n - 2}`, `{a}${n - 3}`]);
  for (let i = 0; i < n; i += 2) keys.removed(`{a}${i}`);
  t.is(keys.count(15495), n / 2);
  t.deepEqual(keys.newest(15495, 2), [`{a}${n - 1}`, `{a}${n - 3}`]);
  keys.added('{a}0');
  t.deepEqual(keys.newest(15495, 1), ['{a}0']);
});
