// Cluster mode (cluster-enabled yes): the server presents itself as a node of a Redis Cluster with a
// static layout (./layout.ts), and checks every request that has keys before it runs, as Redis's
// processCommand does with getNodeByQuery: all keys of one request must hash to one slot
// (-CROSSSLOT otherwise), that slot must be served by some node (-CLUSTERDOWN), the cluster must
// cover every slot (-CLUSTERDOWN), and the slot must be this node's, or the client is sent to the
// node that serves it (-MOVED slot host:port). Keyless commands always run here.
//
// Keys are found from the command table's key positions (firstKey/lastKey/step); for the commands
// flagged movablekeys, from Redis's key specs (commands/meta/keys.ts), as COMMAND GETKEYS does.
// Migration states (ASK, TRYAGAIN), replicas (READONLY reads) and MULTI/EXEC are out of scope.

import { ErrorReply } from '../protocol/reply.js';
import { ANNOUNCE_IP_FIXED, CLUSTERDOWN_STATE, CLUSTERDOWN_UNBOUND, CROSSSLOT, MOVED } from '../errors.js';
import type { CommandSpec } from '../commands/types.js';
import type { ChunkedList } from '../chunked-list.js';
import { findKeys } from '../commands/meta/keys.js';
import { type Config } from '../config.js';
import { fsPath } from '../config-values.js';
import { keyHashSlot, SLOTS } from './slots.js';
import { loadLayout, type ClusterNode, type Layout } from './layout.js';
import { SlotKeys } from './slot-keys.js';

export type { ClusterNode } from './layout.js';

/** What the CLUSTER commands see of the cluster. */
export interface ClusterApi {
  readonly nodes: readonly ClusterNode[];
  readonly myself: ClusterNode;
  /** Slots served by some node (16384 when the cluster is whole). */
  readonly assigned: number;
  /** The node serving `slot`, or undefined. */
  ownerOf(slot: number): ClusterNode | undefined;
  /** The address clients reach `node` at; `localHost` is the address this client connected to. */
  addressOf(node: ClusterNode, localHost: string): { host: string; port: number };
  /** The cluster bus port CLUSTER NODES shows for `node` (no bus listens here). */
  busPortOf(node: ClusterNode): number;
  /** Database 0's keys per slot (the server attaches it to database 0). */
  readonly keys: SlotKeys;
}

export class Cluster implements ClusterApi {
  readonly nodes: readonly ClusterNode[];
  readonly myself: ClusterNode;
  readonly assigned: number;
  readonly keys = new SlotKeys();
  private readonly owner: Int16Array;
  private readonly myIndex: number;
  private readonly movable = new WeakMap<CommandSpec, boolean>();

  constructor(
    layout: Layout,
    /** The port this server listens on (known once it listens; port 0 picks one). */
    private readonly ownPort: () => number,
    /** cluster-announce-ip, -port, -bus-port, cluster-port (read at each use: CONFIG SET may change all but the last). */
    private readonly config: Config,
  ) {
    this.nodes = layout.nodes;
    this.myself = layout.myself;
    this.owner = layout.owner;
    this.myIndex = layout.nodes.indexOf(layout.myself);
    this.assigned = layout.owner.reduce((n, o) => (o >= 0 ? n + 1 : n), 0);
  }

  ownerOf(slot: number): ClusterNode | undefined {
    const i = this.owner[slot];
    return i >= 0 ? this.nodes[i] : undefined;
  }

  addressOf(node: ClusterNode, localHost: string): { host: string; port: number } {
    // A layout file's node: the address on its line. The single node (port 0 in its layout):
    // cluster-announce-ip, read at each use as CONFIG SET may change it (Redis's clusterCron
    // copies it to myself); without it, the address the client used to reach it (Redis shows an
    // empty address until another node tells it its own, which clients cannot use). Its port:
    // cluster-announce-port when set (a node behind NAT or a container's port mapping).
    if (node.port !== 0) return { host: node.host, port: node.port };
    return { host: this.config.get('cluster-announce-ip') || localHost, port: this.config.int('cluster-announce-port') || this.ownPort() };
  }

  busPortOf(node: ClusterNode): number {
    // As Redis's myself: cluster-announce-bus-port, else cluster-port, else the port it listens on
    // (not the announced one) + 10000; another node's: its port + 10000.
    const isMe = node === this.myself;
    const set = isMe ? this.config.int('cluster-announce-bus-port') || this.config.int('cluster-port') : 0;
    if (set !== 0) return set;
    const base = isMe ? this.ownPort() : node.port;
    return base + 10000 <= 65535 ? base + 10000 : 0;
  }

  /**
   * The error that keeps this request from running on this node (getNodeByQuery plus
   * clusterRedirectClient), or null when it runs here.
   */
  check(spec: CommandSpec, args: string[]): ErrorReply | null {
    const slot = this.slotOf(spec, args, -1);
    return typeof slot !== 'number' ? slot : slot < 0 ? null : this.route(slot);
  }

  /** check() of EXEC: the keys of every queued command must be in one slot, as Redis's getNodeByQuery. */
  checkAll(queue: ChunkedList<{ readonly spec: CommandSpec; readonly args: string[] }>): ErrorReply | null {
    let slot = -1;
    for (const c of queue.chunks) {
      for (const q of c) {
        const s = this.slotOf(q.spec, q.args, slot);
        if (typeof s !== 'number') return s;
        slot = s;
      }
    }
    return slot < 0 ? null : this.route(slot);
  }

  /** The slot of a request's keys, starting from `slot` (-1: none yet), or the error. */
  private slotOf(spec: CommandSpec, args: string[], slot: number): number | ErrorReply {
    const movable = this.isMovable(spec);
    if (!movable && spec.firstKey === 0) return slot;
    if (!movable) {
      const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
      return this.visitRun(slot, args, spec.firstKey, Math.min(last, args.length - 1), spec.step);
    }
    for (const run of findKeys(spec.name, args)) {
      const r = this.visitRun(slot, args, run.first, run.last, run.step);
      if (typeof r !== 'number') return r;
      slot = r;
    }
    return slot;
  }

  /** The keys args[first], args[first + step] ... up to args[last], from `slot` on (visit()). */
  private visitRun(slot: number, args: string[], first: number, last: number, step: number): number | ErrorReply {
    for (let i = first; i <= last; i += step) {
      const r = this.visit(slot, args[i]);
      if (typeof r !== 'number') return r;
      slot = r;
    }
    return slot;
  }

  /** One key of the request: its slot (which must be the slot of the keys before it), or the error. */
  private visit(slot: number, key: string): number | ErrorReply {
    const s = keyHashSlot(key);
    if (slot < 0) return this.owner[s] < 0 ? new ErrorReply(CLUSTERDOWN_UNBOUND) : s;
    return s === slot ? slot : new ErrorReply(CROSSSLOT);
  }

  private route(slot: number): ErrorReply | null {
    if (this.assigned !== SLOTS) return new ErrorReply(CLUSTERDOWN_STATE);
    const i = this.owner[slot];
    if (i === this.myIndex) return null;
    const n = this.nodes[i];
    return new ErrorReply(MOVED(slot, n.host, n.port));
  }

  private isMovable(spec: CommandSpec): boolean {
    let m = this.movable.get(spec);
    if (m === undefined) {
      m = spec.flags.includes('movablekeys');
      this.movable.set(spec, m);
    }
    return m;
  }
}

/**
 * The cluster of a server started with cluster-enabled yes (null otherwise). Throws LayoutError
 * for a layout file that cannot be used; logs which layout is in force.
 */
export function openCluster(config: Config, log: { notice(msg: string): void; warning(msg: string): void }, ownPort: () => number): Cluster | null {
  if (!config.bool('cluster-enabled')) return null;
  const { layout, file } = loadLayout(config);
  const cluster = new Cluster(layout, ownPort, config);
  const me = layout.myself;
  if (file === null) {
    log.notice(`Cluster mode: no layout file at ${fsPath(config.get('cluster-config-file'))} in ${fsPath(config.get('dir'))}; this node (${me.id}) serves all ${SLOTS} slots`);
  } else {
    log.notice(`Cluster mode: ${layout.nodes.length} nodes from ${file}; this node is ${me.host}:${me.port} (${me.id})`);
    // The file's lines are the addresses shown; a new cluster-announce-ip would change nothing
    // (Redis shows it as this node's address), so it is refused rather than silently kept. So is a
    // new port: the other nodes' files still send this node's clients to the old one.
    for (const name of ['cluster-announce-ip', 'port']) config.addCheck(name, (value, prev) => (value === prev ? null : ANNOUNCE_IP_FIXED));
    if (cluster.assigned !== SLOTS) log.warning(`Cluster mode: ${file} assigns ${cluster.assigned} of ${SLOTS} slots: the cluster is down (CLUSTERDOWN)`);
  }
  return cluster;
}
