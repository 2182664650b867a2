// Redis's own cluster tooling against three Keystonelight processes (the built CLI, started with
// --cluster-enabled yes and one shared layout file): `redis-cli -c` follows -MOVED to the right
// node, plain redis-cli shows the redirection, and `redis-cli --cluster check / info` find a
// healthy cluster. A layout file that cannot be used stops the CLI with one line and exit code 1.

import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { needBinary } from '../helpers/bins.js';
import { exited, startBundle, type ServerProcess } from '../helpers/bundle.js';
import { run, type RunResult } from '../helpers/run.js';
import { writeLayout, type LayoutFile } from '../helpers/cluster.js';

let started: Promise<{ layout: LayoutFile; nodes: ServerProcess[] }> | undefined;

/** One three-node cluster for the whole file (started on first use). */
function cluster(): Promise<{ layout: LayoutFile; nodes: ServerProcess[] }> {
  started ??= (async () => {
    const layout = await writeLayout(3);
    const args = ['--cluster-enabled', 'yes', '--cluster-config-file', layout.file, '--appendonly', 'no'];
    const nodes = await Promise.all(layout.ports.map((port) => startBundle(args, { port })));
    return { layout, nodes };
  })();
  return started;
}

test.after.always(async () => {
  if (!started) return;
  const { layout, nodes } = await started;
  await Promise.all(nodes.map((n) => n.stop()));
  layout.remove();
});

const cli = (args: string[]): Promise<RunResult> => run('redis-cli', args, { timeoutMs: 20_000 });

test('redis-cli -c follows MOVED: a key written through one node reads back through any other', async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const { layout } = await cluster();
  const [p0, p1, p2] = layout.ports;
  // foo -> slot 12182 (third node), user:1000 -> 1649 (first node)
  t.like(await cli(['-c', '-p', String(p0), 'SET', 'foo', 'bar']), { code: 0, stdout: 'OK\n' });
  t.like(await cli(['-c', '-p', String(p1), 'GET', 'foo']), { code: 0, stdout: 'bar\n' });
  t.like(await cli(['-c', '-p', String(p2), 'SET', 'user:1000', 'ann']), { code: 0, stdout: 'OK\n' });
  t.like(await cli(['-c', '-p', String(p0), 'GET', 'user:1000']), { code: 0, stdout: 'ann\n' });
  t.like(await cli(['-c', '-p', String(p1), 'MSET', '{t}a', '1', '{t}b', '2']), { code: 0, stdout: 'OK\n' });
  t.like(await cli(['-c', '-p', String(p2), 'MGET', '{t}a', '{t}b']), { code: 0, stdout: '1\n2\n' });
  t.like(await cli(['-p', String(p0), 'GET', 'foo']), { stdout: `MOVED 12182 127.0.0.1:${p2}\n\n` });
  t.like(await cli(['-c', '-p', String(p0), 'MSET', 'foo', '1', 'user:1000', '2']), { stdout: "CROSSSLOT Keys in request don't hash to the same slot\n\n" });
});

test('redis-cli --cluster check and info see three masters covering all 16384 slots', async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const { layout } = await cluster();
  const check = await cli(['--cluster', 'check', `127.0.0.1:${layout.ports[1]}`]);
  t.is(check.code, 0, check.stdout + check.stderr);
  t.regex(check.stdout, /All nodes agree about slots configuration/);
  t.regex(check.stdout, /All 16384 slots covered/);
  for (const [i, port] of layout.ports.entries()) {
    const [a, b] = layout.ranges[i];
    t.regex(check.stdout, new RegExp(`M: [0-9a-f]{40} 127\\.0\\.0\\.1:${port}\\n   slots:\\[${a}-${b}\\] \\(${b - a + 1} slots\\) master`));
  }
  const info = await cli(['--cluster', 'info', `127.0.0.1:${layout.ports[0]}`]);
  t.is(info.code, 0);
  t.is(info.stdout.match(/ keys \| \d+ slots \| 0 slaves\./g)?.length, 3);
});

test('redis-cli --cluster import moves a standalone server\'s keys into the cluster with MIGRATE', async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const { layout } = await cluster();
  const source = await startBundle(['--appendonly', 'no']);
  t.teardown(() => source.stop());
  const keys = Array.from({ length: 60 }, (_, i) => `import:${i}`);
  const load = await run('redis-cli', ['-p', String(source.port)], { timeoutMs: 20_000, input: keys.map((k) => `SET ${k} v-${k}\n`).join('') + 'PEXPIRE import:7 100000\n' });
  t.is(load.code, 0, load.stderr);
  const r = await cli(['--cluster', 'import', `127.0.0.1:${layout.ports[0]}`, '--cluster-from', `127.0.0.1:${source.port}`]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(r.stdout.match(/Migrating import:\d+ to 127\.0\.0\.1:\d+: .*OK/g)?.length, keys.length, r.stdout);
  t.like(await cli(['-p', String(source.port), 'DBSIZE']), { stdout: '0\n' }, 'moved, not copied');
  for (const k of keys) t.like(await cli(['-c', '-p', String(layout.ports[1]), 'GET', k]), { stdout: `v-${k}\n` });
  const pttl = Number((await cli(['-c', '-p', String(layout.ports[2]), 'PTTL', 'import:7'])).stdout);
  t.true(pttl > 50_000 && pttl <= 100_000, `PTTL ${pttl}`);
  const sizes = await Promise.all(layout.ports.map(async (p) => Number((await cli(['-p', String(p), 'DBSIZE'])).stdout)));
  t.true(sizes.every((n) => n > 0), `every node got a share: ${sizes.join(' ')}`);
});

test('the CLI refuses a layout file that cannot be used: its reason logged, exit code 1, no PID file left', async (t) => {
  const bad = await writeLayout(2, ([p, q]) => [`127.0.0.1:${p} 0-9000`, `127.0.0.1:${q} 9000-16383`]);
  t.teardown(() => bad.remove());
  const sp = await startBundle(['--cluster-enabled', 'yes', '--cluster-config-file', bad.file, '--appendonly', 'no'], { port: bad.ports[0], wait: false });
  t.is(await exited(sp), 1);
  t.regex(sp.output(), /^\d+:M .* # .*nodes\.conf: slot 9000 is assigned to both 127\.0\.0\.1:\d+ and 127\.0\.0\.1:\d+\n$/m);
  t.false(existsSync(join(sp.dir, 'keystonelight.pid')));
});
