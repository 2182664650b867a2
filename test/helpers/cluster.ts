// Static Keystonelight clusters for tests: free ports are picked first, the layout file naming them
// is written to a temporary directory, then each node starts on its port with that same file
// (src/cluster/layout.ts describes the format).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/index.js';
import { SLOTS } from '../../src/cluster/slots.js';
import { freePort } from './redis.js';

export interface LayoutFile {
  dir: string;
  file: string;
  ports: number[];
  /** Inclusive slot range of each node, in port order. */
  ranges: [number, number][];
  remove(): void;
}

/** Splits the slots evenly between `n` nodes, as redis-cli --cluster create does (0-5460, ...). */
export function evenRanges(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([Math.round((SLOTS * i) / n), Math.round((SLOTS * (i + 1)) / n) - 1]);
  return out;
}

/** Picks `n` free ports and writes a layout file giving each an even share of the slots. */
export async function writeLayout(n: number, lines?: (ports: number[]) => string[]): Promise<LayoutFile> {
  const ports: number[] = [];
  while (ports.length < n) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const ranges = evenRanges(n);
  const dir = mkdtempSync(join(tmpdir(), 'ks-cluster-'));
  const file = join(dir, 'nodes.conf');
  const body = lines ? lines(ports) : ports.map((p, i) => `127.0.0.1:${p} ${ranges[i][0]}-${ranges[i][1]}`);
  writeFileSync(file, ['# test cluster layout', ...body, ''].join('\n'));
  return { dir, file, ports, ranges, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestCluster extends LayoutFile {
  nodes: RunningServer[];
  close(): Promise<void>;
}

/** `n` in-process nodes sharing one layout file. */
export async function startCluster(n = 3, config: Record<string, string> = {}): Promise<TestCluster> {
  const layout = await writeLayout(n);
  const nodes = await Promise.all(layout.ports.map((port) =>
    startServer({ port, config: { 'cluster-enabled': 'yes', 'cluster-config-file': layout.file, ...config } })));
  return {
    ...layout,
    nodes,
    async close() {
      await Promise.all(nodes.map((s) => s.close()));
      layout.remove();
    },
  };
}
