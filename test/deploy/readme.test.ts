// The README's copy-paste blocks still work: "Start and stop" (daemonize, PID file, kill) and
// "Cluster mode" (three daemonized nodes on one layout file, redis-cli -c, --cluster check) are
// run by bash as written, with only their ports and /tmp paths replaced by free ones and
// `keystonelight` standing for the built bundle.

import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needBinary } from '../helpers/bins.js';
import { BUNDLE, tempDir } from '../helpers/bundle.js';
import { freePort } from '../helpers/redis.js';
import { run } from '../helpers/run.js';
import { waitFor } from '../helpers/aof.js';

const README = readFileSync(join(process.cwd(), 'README.md'), 'utf8');

/** The first ```sh block after the heading `heading`. */
function block(heading: string): string {
  const at = README.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README has no '${heading}'`);
  const m = /```sh\n([^]*?)```/.exec(README.slice(at));
  if (m === null) throw new Error(`no sh block after '${heading}'`);
  return m[1];
}

/** Runs `script` with each `from` replaced by its `to`; `keystonelight` runs the bundle. */
async function runBlock(script: string, swaps: [string, string][]): Promise<string> {
  for (const [from, to] of swaps) {
    if (!script.includes(from)) throw new Error(`the block no longer mentions ${from}`);
    script = script.split(from).join(to);
  }
  const prelude = `set -e\nkeystonelight() { "${process.execPath}" "${BUNDLE}" "$@"; }\n`;
  const r = await run('bash', ['-c', prelude + script], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Kills what a failed block left running, by its PID files. */
function reap(t: import('ava').ExecutionContext, pidFiles: string[]): void {
  t.teardown(() => {
    for (const f of pidFiles) {
      try {
        process.kill(Number(readFileSync(f, 'latin1')), 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * Runs `attempt` on fresh free ports, again (at most 3 times) when a port was taken by another
 * test's server between the check and the block's start ("address already in use").
 */
async function onFreePorts<T>(n: number, attempt: (ports: number[], dir: string) => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt(await freePorts(n), tempDir());
    } catch (e) {
      if (i === 3 || !/address already in use/i.test(String((e as Error).message))) throw e;
    }
  }
}

test('README "Start and stop": daemonized start, PING, PID file, kill', async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const { out, dir } = await onFreePorts(1, async ([port], dir) => {
    reap(t, [join(dir, 'ks-demo', 'keystonelight.pid')]);
    return { dir, out: await runBlock(block('### Start and stop'), [['7380', String(port)], ['/tmp/ks-demo', join(dir, 'ks-demo')]]) };
  });
  t.regex(out, /^PONG\n\d+\n$/);
  // The PID file goes first, the log's last line right after.
  // winston opens the log file asynchronously: on a loaded machine it may not exist yet.
  const log = join(dir, 'ks-demo.log');
  await waitFor(() => existsSync(log) && readFileSync(log, 'latin1').includes('bye bye'), 20_000, 'the clean shutdown');
  t.false(existsSync(join(dir, 'ks-demo', 'keystonelight.pid')));
});

test('README "Cluster mode": three nodes, redis-cli -c follows MOVED, --cluster check is happy', async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const { out, ports, base } = await onFreePorts(3, async (ports, dir) => {
    const base = join(dir, 'ks-cluster');
    reap(t, ports.map((p) => join(base, String(p), 'keystonelight.pid')));
    const out = await runBlock(block('### Cluster mode (cluster-aware clients)'), [
      ...ports.map((p, i): [string, string] => [String(30001 + i), String(p)]),
      ['/tmp/ks-cluster', base],
    ]);
    return { out, ports, base };
  });
  t.regex(out, /^OK\nbar\nMOVED 12182 127\.0\.0\.1:\d+\n/);
  t.true(out.includes(`MOVED 12182 127.0.0.1:${ports[2]}\n`));
  t.regex(out, /\[OK\] All nodes agree about slots configuration/);
  t.regex(out, /\[OK\] All 16384 slots covered/);
  for (const p of ports) await waitFor(() => !existsSync(join(base, String(p), 'keystonelight.pid')), 20_000, `node ${p} to stop`);
});
