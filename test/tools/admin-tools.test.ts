// Operator tools on the built server, beside redis-cli-admin.test.ts and exporter.test.ts:
//   - `redis-cli --memkeys` (MEMORY USAGE of every key);
//   - `redis-cli MONITOR` while another client writes (its lines compared with a real redis-server's);
//   - prometheus-redis-exporter's per-command series (INFO commandstats), its slowlog series
//     (SLOWLOG LEN / GET) and its LATENCY LATEST call, with no error in its log.

import test from 'ava';
import { needBinary } from '../helpers/bins.js';
import { startBundle } from '../helpers/bundle.js';
import { exportSample } from '../helpers/exporter.js';
import { startRealRedis } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';
import { run, watch } from '../helpers/run.js';

test('redis-cli --memkeys: MEMORY USAGE of every key; the biggest string found', async (t) => {
  if (!needBinary(t, 'redis-cli')) return;
  const ks = await startBundle(['--appendonly', 'no']);
  t.teardown(() => ks.stop());
  const c = await RawClient.connect(ks.port);
  await c.call('SET', 'mk:big', 'B'.repeat(5000));
  await c.call('SET', 'mk:mid', 'M'.repeat(300));
  for (let i = 0; i < 30; i++) await c.call('SET', `mk:n:${i}`, String(i));
  c.close();
  const r = await run('redis-cli', ['-p', String(ks.port), '--memkeys'], { timeoutMs: 30_000 });
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stdout + r.stderr, /MEMORY USAGE .* failed/);
  const summary = r.stdout.slice(r.stdout.indexOf('-------- summary -------'));
  t.regex(summary, /Sampled 32 keys in the keyspace!/);
  const big = /Biggest string found '"mk:big"' has (\d+) bytes/.exec(summary);
  t.truthy(big, summary);
  t.true(Number(big?.[1]) >= 5000, 'at least the value itself');
  const all = /32 strings with (\d+) bytes \(100\.00% of keys, avg size \d+\.\d\d\)/.exec(summary);
  t.truthy(all, summary);
  t.true(Number(all?.[1]) > 5300, 'at least the values themselves');
});

/** MONITOR lines of one client's commands, with time stamps and the client's port masked. */
async function monitorLines(port: number): Promise<{ lines: string[]; clientPort: number }> {
  const w = watch('stdbuf', ['-oL', 'redis-cli', '-p', String(port), 'MONITOR']);
  try {
    await w.until((o) => o.startsWith('OK\n'), 'MONITOR to answer OK');
    const c = await RawClient.connect(port);
    const clientPort = c.socket.localPort!;
    await c.call('SET', 'mon:k', 'a"b\xe9\n');
    await c.call('SET', 'mon:empty', '');
    await c.call('SELECT', '3');
    await c.call('GET', 'x');
    await c.call('NOSUCHCOMMAND', 'y');
    await c.call('GET');
    await c.call('SELECT', '0');
    await c.call('set', 'lower', 'case');
    c.close();
    const out = await w.until((o) => o.includes('"lower"'), 'the last command in the MONITOR output');
    const lines = out.split('\n').slice(1).filter((l) => l !== '');
    return { lines, clientPort };
  } finally {
    await w.stop();
  }
}

test('redis-cli MONITOR shows another client\'s commands as redis-server does', async (t) => {
  if (!needBinary(t, 'redis-cli') || !needBinary(t, 'stdbuf') || !needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([startBundle(['--appendonly', 'no']), startRealRedis()]);
  t.teardown(() => Promise.all([ks.stop(), redis.stop()]));
  const ours = await monitorLines(ks.port);
  const theirs = await monitorLines(redis.port);
  for (const line of ours.lines) t.regex(line, new RegExp(`^\\d+\\.\\d{6} \\[\\d+ 127\\.0\\.0\\.1:${ours.clientPort}\\] "`), line);
  const mask = (lines: string[]): string[] => lines.map((l) => l.replace(/^\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]/, 'T [$1 client]'));
  t.deepEqual(mask(ours.lines), mask(theirs.lines));
  t.true(ours.lines.length >= 5, ours.lines.join('\n'));
});

test('prometheus-redis-exporter: per-command series (INFO commandstats), slowlog series, no error logged', async (t) => {
  if (!needBinary(t, 'prometheus-redis-exporter')) return;
  const { exporter, m } = await exportSample(t, ['--appendonly', 'no']);
  t.is(m.get('redis_exporter_last_scrape_error'), 0);
  t.is(m.get('redis_commands_total', { cmd: 'set' }), 24);
  t.is(m.get('redis_commands_total', { cmd: 'expire' }), 5);
  t.is(m.get('redis_commands_total', { cmd: 'del' }), 1);
  t.is(m.get('redis_commands_total', { cmd: 'config|get' }), 1, 'the exporter\'s own CONFIG GET *');
  t.true(m.get('redis_commands_duration_seconds_total', { cmd: 'set' })! >= 0);
  t.is(m.get('redis_commands_failed_calls_total', { cmd: 'set' }), 0);
  t.is(typeof m.get('redis_slowlog_length'), 'number', 'SLOWLOG LEN answered');
  t.is(typeof m.get('redis_slowlog_last_id'), 'number', 'SLOWLOG GET answered');
  t.notRegex(exporter.log(), /level=error/, 'every command the exporter sends is known (LATENCY LATEST included)');
});
