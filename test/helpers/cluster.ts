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

/**
 * `n` in-process nodes sharing one layout file. The ports are free when picked but something else
 * on the machine may take one before its node listens (other test runs in parallel): then the
 * nodes that did start are closed and the cluster is laid out again on fresh ports.
 */
export async function startCluster(n = 3, config: Record<string, string> = {}): Promise<TestCluster> {
  for (let attempt = 1; ; attempt++) {
    const layout = await writeLayout(n);
    const started = await Promise.allSettled(layout.ports.map((port) =>
      startServer({ port, config: { 'cluster-enabled': 'yes', 'cluster-config-file': layout.file, ...config } })));
    const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed === undefined) {
      return {
        ...layout,
        nodes,
        async close() {
          await Promise.all(nodes.map((s) => s.close()));
          layout.remove();
        },
      };
    }
    await Promise.all(nodes.map((s) => s.close()));
    layout.remove();
    if ((failed.reason as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw failed.reason;
  }
}
