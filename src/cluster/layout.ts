// The cluster's layout: which nodes exist, where they listen and which hash slots each one serves.
// Keystonelight's cluster is static: there is no cluster bus, no gossip and no failover, so the
// layout is what the server was started with and never changes while it runs.
//
// Without a layout file the node is a cluster of one that serves all 16384 slots. With one (the
// `cluster-config-file` option, relative to `dir` as in Redis), every node of the cluster reads the
// same file, one line per node:
//
//     # comments and blank lines are ignored
//     <host>:<port> [<slot> | <from>-<to>] ... [id=<40 hex digits>]
//
//     127.0.0.1:7001 0-5460
//     127.0.0.1:7002 5461-10922
//     127.0.0.1:7003 10923-16383
//
// A node without id= gets the SHA-1 of "<host>:<port>" as its id, so every node derives the same
// ids from the same file. Which line is this server: the `cluster-node-id` option when set, else
// the line whose port is the server's `port` (and, when several lines share that port, whose host
// is `cluster-announce-ip`). Slots no line names are unassigned: the cluster is then down, as a
// Redis cluster with cluster-require-full-coverage yes.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Config } from '../config.js';
import { fsPath } from '../config-values.js';
import { SLOTS } from './slots.js';

export interface ClusterNode {
  /** 40 lower-case hex digits, as Redis's node names. */
  readonly id: string;
  /** The address clients are sent to; '' for a single node without cluster-announce-ip. */
  readonly host: string;
  readonly port: number;
  /** Ascending, disjoint, inclusive slot ranges. */
  readonly ranges: readonly [number, number][];
  /** As Redis numbers the nodes of a new cluster: 1, 2, 3 ... in file order (0 for a single node). */
  readonly epoch: number;
}

export interface Layout {
  readonly nodes: readonly ClusterNode[];
  readonly myself: ClusterNode;
  /** Slot -> index into `nodes`, -1 when no node serves it. */
  readonly owner: Int16Array;
}

export class LayoutError extends Error {}

const NODE_ID = /^[0-9a-f]{40}$/;

/** Parses one "<from>-<to>" or "<slot>" word; throws with `where` on a bad one. */
function parseRange(word: string, where: string): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(word);
  const from = m === null ? NaN : Number(m[1]);
  const to = m === null ? NaN : Number(m[2] ?? m[1]);
  if (!(from >= 0 && to < SLOTS && from <= to)) {
    throw new LayoutError(`${where}: '${word}' is not a slot or a slot range within 0-${SLOTS - 1}`);
  }
  return [from, to];
}

/** "host:port" or "[v6]:port" -> host and port. */
function parseAddress(word: string, where: string): { host: string; port: number } {
  const colon = word.lastIndexOf(':');
  let host = word.slice(0, colon);
  const port = Number(word.slice(colon + 1));
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon <= 0 || host === '' || !/^\d{1,5}$/.test(word.slice(colon + 1)) || port < 1 || port > 65535) {
    throw new LayoutError(`${where}: expected <host>:<port> first, got '${word}'`);
  }
  return { host, port };
}

const derivedId = (host: string, port: number): string => createHash('sha1').update(`${host}:${port}`).digest('hex');

function parseLine(line: string, where: string, epoch: number): ClusterNode {
  const [addr, ...rest] = line.split(/\s+/);
  const { host, port } = parseAddress(addr, where);
  let id = derivedId(host, port);
  const ranges: [number, number][] = [];
  for (const word of rest) {
    if (word.startsWith('id=')) {
      id = word.slice(3).toLowerCase();
      if (!NODE_ID.test(id)) throw new LayoutError(`${where}: a node id is 40 hex digits, got '${word.slice(3)}'`);
    } else {
      ranges.push(parseRange(word, where));
    }
  }
  return { id, host, port, ranges: normalizeRanges(ranges), epoch };
}

/** Sorted, with touching ranges merged (overlaps between nodes are checked by the caller). */
function normalizeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** The nodes of a layout file's text; `source` names the file in error messages. */
export function parseLayout(text: string, source: string): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const where = `${source} line ${i + 1}`;
    const node = parseLine(line, where, nodes.length + 1);
    const dup = nodes.find((n) => n.id === node.id || (n.host === node.host && n.port === node.port));
    if (dup !== undefined) throw new LayoutError(`${where}: node ${node.host}:${node.port} (${node.id}) is listed twice`);
    nodes.push(node);
  });
  if (nodes.length === 0) throw new LayoutError(`${source}: no nodes listed`);
  return nodes;
}

/** The slot -> node table; throws when two nodes claim the same slot. */
function ownerTable(nodes: readonly ClusterNode[], source: string): Int16Array {
  const owner = new Int16Array(SLOTS).fill(-1);
  nodes.forEach((n, i) => {
    for (const [from, to] of n.ranges) {
      for (let s = from; s <= to; s++) {
        if (owner[s] !== -1) {
          const other = nodes[owner[s]];
          throw new LayoutError(`${source}: slot ${s} is assigned to both ${other.host}:${other.port} and ${n.host}:${n.port}`);
        }
        owner[s] = i;
      }
    }
  });
  return owner;
}

/** Which node of the file this server is (see the module comment). */
function findMyself(nodes: readonly ClusterNode[], config: Config, source: string): ClusterNode {
  const wanted = config.get('cluster-node-id');
  if (wanted !== '') {
    const n = nodes.find((x) => x.id === wanted);
    if (n === undefined) throw new LayoutError(`${source}: cluster-node-id ${wanted} is not one of its nodes`);
    return n;
  }
  const port = config.int('port');
  const announce = config.get('cluster-announce-ip');
  let mine = nodes.filter((n) => n.port === port);
  if (mine.length > 1 && announce !== '') mine = mine.filter((n) => n.host === announce);
  if (mine.length === 1) return mine[0];
  const why = mine.length === 0 ? `no node has this server's port ${port}` : `several nodes have port ${port}`;
  throw new LayoutError(`${source}: cannot tell which node is this server (${why}): set cluster-node-id`);
}

/**
 * A cluster of one serving every slot, with the configured or a random node id. Its address
 * (host '', port 0) is cluster-announce-ip and -port at each use (Cluster.addressOf).
 */
function singleNode(config: Config): Layout {
  const id = config.get('cluster-node-id') || randomBytes(20).toString('hex');
  const myself: ClusterNode = { id, host: '', port: 0, ranges: [[0, SLOTS - 1]], epoch: 0 };
  return { nodes: [myself], myself, owner: new Int16Array(SLOTS).fill(0) };
}

/** The layout of this server: from its cluster-config-file if there is one, else a single node. */
export function loadLayout(config: Config): { layout: Layout; file: string | null } {
  const path = resolve(fsPath(config.get('dir')), fsPath(config.get('cluster-config-file')));
  if (!existsSync(path)) return { layout: singleNode(config), file: null };
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    throw new LayoutError(`can't read cluster-config-file ${path}: ${(e as Error).message}`);
  }
  const nodes = parseLayout(text, path);
  const owner = ownerTable(nodes, path);
  return { layout: { nodes, myself: findMyself(nodes, config, path), owner }, file: path };
}
