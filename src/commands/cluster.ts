// CLUSTER and the cluster connection commands (READONLY, READWRITE, ASKING), as Redis 7.0 answers
// them on a master of a stable cluster. The layout is static (src/cluster/layout.ts), so the
// subcommands that change it (ADDSLOTS, MEET, SETSLOT, FAILOVER, ...) are not implemented.
// With cluster-enabled no, every one of these answers Redis's "cluster support disabled" error.
//
// Node lists are in layout-file order (Redis lists them in hash-table order, which varies).

import { container } from './dispatch.js';
import { command, NO_KEYS, type CommandFlag, type CommandSpec, type Ctx, type Handler } from './types.js';
import { helpReply } from './command.js';
import { toI64 } from './args.js';
import { err, MapReply, OK, VerbatimReply, type Reply } from '../protocol/reply.js';
import { CLUSTER_DISABLED, INVALID_SLOT, INVALID_SLOT_OR_KEYS, NOT_INTEGER, UNKNOWN_NODE } from '../errors.js';
import type { ClusterApi, ClusterNode } from '../cluster/cluster.js';
import { keyHashSlot, SLOTS } from '../cluster/slots.js';

const HELP = [
  'ADDSLOTS <slot> [<slot> ...]', '    Assign slots to current node.',
  'ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Assign slots which are between <start-slot> and <end-slot> to current node.',
  'BUMPEPOCH', '    Advance the cluster config epoch.',
  'COUNT-FAILURE-REPORTS <node-id>', '    Return number of failure reports for <node-id>.',
  'COUNTKEYSINSLOT <slot>', '    Return the number of keys in <slot>.',
  'DELSLOTS <slot> [<slot> ...]', '    Delete slots information from current node.',
  'DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Delete slots information which are between <start-slot> and <end-slot> from current node.',
  'FAILOVER [FORCE|TAKEOVER]', '    Promote current replica node to being a master.',
  'FORGET <node-id>', '    Remove a node from the cluster.',
  'GETKEYSINSLOT <slot> <count>', '    Return key names stored by current node in a slot.',
  'FLUSHSLOTS', '    Delete current node own slots information.',
  'INFO', '    Return information about the cluster.',
  'KEYSLOT <key>', '    Return the hash slot for <key>.',
  'MEET <ip> <port> [<bus-port>]', '    Connect nodes into a working cluster.',
  'MYID', '    Return the node id.',
  'NODES', '    Return cluster configuration seen by node. Output format:',
  '    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...',
  'REPLICATE <node-id>', '    Configure current node as replica to <node-id>.',
  'RESET [HARD|SOFT]', '    Reset current node (default: soft).',
  'SET-CONFIG-EPOCH <epoch>', '    Set config epoch of current node.',
  'SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)', '    Set slot state.',
  'REPLICAS <node-id>', '    Return <node-id> replicas.',
  'SAVECONFIG', '    Force saving cluster configuration on disk.',
  'SLOTS', '    Return information about slots range mappings. Each range is made of:',
  '    start, end, master and replicas IP addresses, ports and ids',
  'SHARDS', '    Return information about slot range mappings and the nodes associated with them.',
  'LINKS', '    Return information about all network links between this node and its peers.',
  '    Output format is an array where each array element is a map containing attributes of a link',
];

type ClusterHandler = (cluster: ClusterApi, ctx: Ctx, args: string[]) => Reply;

/** Every command here first refuses to run when the server is not in cluster mode, as Redis. */
const inCluster = (fn: ClusterHandler): Handler => (ctx, args) => {
  const cluster = ctx.server.cluster;
  return cluster === null ? err(CLUSTER_DISABLED) : fn(cluster, ctx, args);
};

/** READONLY / READWRITE: set or clear the client's flag. */
const readonlyMode = (on: boolean): ClusterHandler => (_cluster, ctx) => {
  ctx.client.clusterReadonly = on;
  return OK;
};

/**
 * The host part of the client's "ip:port" local address (the address it reached us at): an IPv6
 * address without the brackets of "[::1]:7000", as Redis's topology replies give it.
 */
function localHost(ctx: Ctx): string {
  // Through the Unix socket there is no address: the empty one a lone Redis node shows.
  if (ctx.client.unixSocket !== '') return '';
  const a = ctx.client.laddr;
  const colon = a.lastIndexOf(':');
  const host = colon < 0 ? a : a.slice(0, colon);
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Redis's CLUSTER SLOTS: one entry per run of consecutive slots served by one node. */
function slots(cluster: ClusterApi, ctx: Ctx): Reply {
  const out: Reply[] = [];
  let start = 0;
  for (let s = 1; s <= SLOTS; s++) {
    const n = cluster.ownerOf(start);
    if (s < SLOTS && cluster.ownerOf(s) === n) continue;
    if (n !== undefined) {
      const { host, port } = cluster.addressOf(n, localHost(ctx));
      // The fourth field: other endpoints of the node (hostname, ...), none here.
      out.push([start, s - 1, [host, port, n.id, new MapReply([])]]);
    }
    start = s;
  }
  return out;
}

function shards(cluster: ClusterApi, ctx: Ctx): Reply {
  return cluster.nodes.map((n) => {
    const { host, port } = cluster.addressOf(n, localHost(ctx));
    const node = new MapReply([
      'id', n.id, 'port', port, 'ip', host, 'endpoint', host, 'role', 'master', 'replication-offset', 0, 'health', 'online',
    ]);
    return new MapReply(['slots', n.ranges.flat(), 'nodes', [node]]);
  });
}

/** One CLUSTER NODES line: id addr@busport flags master ping-sent pong-recv epoch link slots. */
function nodeLine(cluster: ClusterApi, n: ClusterNode, local: string): string {
  const { host, port } = cluster.addressOf(n, local);
  const bus = cluster.busPortOf(n);
  const flags = n === cluster.myself ? 'myself,master' : 'master';
  const ranges = n.ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`));
  return [n.id, `${host}:${port}@${bus}`, flags, '-', 0, 0, n.epoch, 'connected', ...ranges].join(' ') + '\n';
}

function nodes(cluster: ClusterApi, ctx: Ctx): Reply {
  const local = localHost(ctx);
  return new VerbatimReply(cluster.nodes.map((n) => nodeLine(cluster, n, local)).join(''));
}

function info(cluster: ClusterApi): Reply {
  const ok = cluster.assigned === SLOTS;
  const fields: [string, number | string][] = [
    ['cluster_state', ok ? 'ok' : 'fail'], ['cluster_slots_assigned', cluster.assigned], ['cluster_slots_ok', cluster.assigned],
    ['cluster_slots_pfail', 0], ['cluster_slots_fail', 0], ['cluster_known_nodes', cluster.nodes.length],
    ['cluster_size', cluster.nodes.filter((n) => n.ranges.length > 0).length],
    ['cluster_current_epoch', Math.max(...cluster.nodes.map((n) => n.epoch))], ['cluster_my_epoch', cluster.myself.epoch],
    // There is no cluster bus: no messages, no links.
    ['cluster_stats_messages_sent', 0], ['cluster_stats_messages_received', 0], ['total_cluster_links_buffer_limit_exceeded', 0],
  ];
  return new VerbatimReply(fields.map(([k, v]) => `${k}:${v}\r\n`).join(''));
}

function countKeysInSlot(cluster: ClusterApi, _ctx: Ctx, args: string[]): Reply {
  const slot = toI64(args[2]);
  if (slot === null) return err(NOT_INTEGER);
  if (slot < 0n || slot >= BigInt(SLOTS)) return err(INVALID_SLOT);
  return cluster.keys.count(Number(slot));
}

function getKeysInSlot(cluster: ClusterApi, _ctx: Ctx, args: string[]): Reply {
  const slot = toI64(args[2]);
  if (slot === null) return err(NOT_INTEGER);
  const max = toI64(args[3]);
  if (max === null) return err(NOT_INTEGER);
  if (max < 0n || slot < 0n || slot >= BigInt(SLOTS)) return err(INVALID_SLOT_OR_KEYS);
  return cluster.keys.newest(Number(slot), Number(max));
}

/** REPLICAS / SLAVES / COUNT-FAILURE-REPORTS of a known node: no replicas and no failure reports here. */
const ofNode = (reply: () => Reply): ClusterHandler => (cluster, _ctx, args) =>
  cluster.nodes.some((n) => n.id === args[2]) ? reply() : UNKNOWN_NODE(args[2]);

const STALE: CommandFlag[] = ['stale'];
const ADMIN_STALE: CommandFlag[] = ['admin', 'stale'];
const sub = (name: string, arity: number, flags: CommandFlag[], fn: ClusterHandler): CommandSpec =>
  command(`cluster|${name}`, arity, flags, NO_KEYS, inCluster(fn));

export const clusterCommands: CommandSpec[] = [
  container('cluster', -2, [
    sub('help', 2, ['loading', 'stale'], (_c, _ctx, args) => helpReply(args[0], HELP)),
    sub('info', 2, STALE, info),
    sub('myid', 2, STALE, (c) => c.myself.id),
    sub('keyslot', 3, STALE, (_c, _ctx, args) => keyHashSlot(args[2])),
    sub('countkeysinslot', 3, STALE, countKeysInSlot),
    sub('getkeysinslot', 4, STALE, getKeysInSlot),
    sub('slots', 2, STALE, slots),
    sub('shards', 2, STALE, shards),
    sub('nodes', 2, STALE, nodes),
    sub('links', 2, STALE, () => []),
    sub('replicas', 3, ADMIN_STALE, ofNode(() => [])),
    sub('slaves', 3, ADMIN_STALE, ofNode(() => [])),
    sub('count-failure-reports', 3, ADMIN_STALE, ofNode(() => 0)),
  ]),
  // No replicas to read from and no slot migrations: the client's choice changes nothing but the
  // flag CLIENT LIST shows (r), as Redis's CLIENT_READONLY on a master.
  command('readonly', 1, ['loading', 'stale', 'fast'], NO_KEYS, inCluster(readonlyMode(true))),
  command('readwrite', 1, ['loading', 'stale', 'fast'], NO_KEYS, inCluster(readonlyMode(false))),
  command('asking', 1, ['fast'], NO_KEYS, inCluster(() => OK)),
];
