// Prometheus monitoring through Debian's prometheus-redis-exporter: the built bundle (AOF on, as
// the CLI's default) and the exporter on free loopback ports, keys loaded through the wire, then
// /metrics must show the server up, its keys per database, memory, clients, the AOF fields, and no
// scrape error. The same scrape of a real redis-server holding the same keys names the same
// metrics: the same series names as for a real redis-server 7.0.
//
// The exporter sends CLIENT SETNAME, CONFIG GET *, INFO ALL, SLOWLOG LEN, SLOWLOG GET 1 and
// LATENCY LATEST each scrape (plus SELECT/SCAN/TYPE/STRLEN/GET/PFCOUNT with --check-keys and
// CLIENT LIST with --export-client-list). A command it lacks would only drop its series (the scrape
// still succeeds), which is why the series names are compared with Redis's. The values of the
// command-stats and slow-log series are checked in admin-tools.test.ts.

import test from 'ava';
import { needBinary } from '../helpers/bins.js';
import { startBundle } from '../helpers/bundle.js';
import { exportSample, loadSample as load, startExporter } from '../helpers/exporter.js';
import { startRealRedis } from '../helpers/redis.js';


test('prometheus-redis-exporter: up, keys per db, memory, clients, AOF, no scrape error', async (t) => {
  if (!needBinary(t, 'prometheus-redis-exporter')) return;
  const { ks, c, exporter, m } = await exportSample(t); // the CLI's default: appendonly yes
  const log = `exporter log:\n${exporter.log().slice(-3000)}`;
  t.is(m.get('redis_up'), 1, log);
  t.is(m.get('redis_exporter_last_scrape_error'), 0, log);
  t.is(m.samples.find((s) => s.name === 'redis_exporter_last_scrape_error')?.labels.err, '');
  t.is(m.get('redis_instance_info', { redis_version: '7.0.15', redis_mode: 'standalone', role: 'master', tcp_port: String(ks.port) }), 1);
  t.is(m.get('redis_db_keys', { db: 'db0' }), 20);
  t.is(m.get('redis_db_keys_expiring', { db: 'db0' }), 5);
  t.is(m.get('redis_db_keys', { db: 'db2' }), 3);
  t.is(m.get('redis_db_keys', { db: 'db1' }), 0, 'every configured database is listed');
  t.true(m.get('redis_memory_used_bytes')! > 0);
  t.true(m.get('redis_memory_used_rss_bytes')! > 0);
  t.is(m.get('redis_connected_clients'), 2, 'our open connection and the exporter');
  t.is(m.get('redis_config_maxclients'), 10000, 'from CONFIG GET *');
  t.true(m.get('redis_commands_processed_total')! >= 33);
  t.is(m.get('redis_aof_enabled'), 1);
  t.is(m.get('redis_aof_rewrite_in_progress'), 0);
  t.is(m.get('redis_aof_last_write_status'), 1, 'ok');
  t.is(m.get('redis_aof_last_bgrewrite_status'), 1, 'ok');
  t.true(m.get('redis_aof_current_size_bytes')! > 10_000, 'the AOF holds the 10 kB value');
  t.is(m.get('redis_loading_dump_file'), 0);
  t.deepEqual(exporter.commands().sort(), ['CLIENT SETNAME redis_exporter', 'CONFIG GET *', 'INFO ALL', 'LATENCY LATEST', 'SLOWLOG GET 1', 'SLOWLOG LEN']);

  // BGREWRITEAOF compacts the file: the next scrape sees the smaller size and a good status.
  t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  let after = await exporter.scrape();
  for (let i = 0; i < 200 && after.get('redis_aof_rewrite_in_progress') !== 0; i++) after = await exporter.scrape();
  t.is(after.get('redis_aof_last_bgrewrite_status'), 1);
  t.true(after.get('redis_aof_current_size_bytes')! < 10_000, 'rewritten without the deleted value');
  t.is(after.get('redis_exporter_last_scrape_error'), 0);
});

test('prometheus-redis-exporter --check-keys / --count-keys / --export-client-list: per-key series', async (t) => {
  if (!needBinary(t, 'prometheus-redis-exporter')) return;
  const { m } = await exportSample(t, ['--appendonly', 'no'], ['--check-keys', 'db0=user:1*', '--count-keys', 'db0=user:*,db2=*', '--export-client-list']);
  t.is(m.get('redis_exporter_last_scrape_error'), 0);
  t.is(m.get('redis_keys_count', { db: 'db0', key: 'user:*' }), 20);
  t.is(m.get('redis_keys_count', { db: 'db2', key: '*' }), 3);
  t.is(m.get('redis_key_size', { db: 'db0', key: 'user:12' }), 'name-12'.length);
  t.is(m.get('redis_key_value_as_string', { db: 'db0', key: 'user:12', val: 'name-12' }), 1);
  t.is(m.samples.filter((s) => s.name === 'redis_key_size').length, 11, 'user:1 and user:10..19');
  t.is(m.get('redis_connected_clients_details', { name: 'redis_exporter', cmd: 'client|list' }), 1);
});

test('prometheus-redis-exporter names the same series for us as for redis-server 7.0', async (t) => {
  if (!needBinary(t, 'prometheus-redis-exporter') || !needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([startBundle(), startRealRedis(['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no'])]);
  t.teardown(() => Promise.all([ks.stop(), redis.stop()]));
  const [c1, c2] = await Promise.all([load(ks.port), load(redis.port)]);
  t.teardown(() => {
    c1.close();
    c2.close();
  });
  const exporters = await Promise.all([startExporter(ks.port), startExporter(redis.port)]);
  t.teardown(() => Promise.all(exporters.map((e) => e.stop())));
  const [mine, ref] = (await Promise.all(exporters.map((e) => e.scrape()))).map((m) => m.names());
  t.deepEqual([...mine].filter((n) => !ref.has(n)).sort(), [], 'nothing Redis does not have');
  t.deepEqual([...ref].filter((n) => !mine.has(n)).sort(), [], 'nothing Redis has that we lack');
});
