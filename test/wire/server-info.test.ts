// INFO, CONFIG and COMMAND over the wire, and the client libraries' connection handshakes that
// depend on them (ioredis's ready check reads INFO; node-redis sends CLIENT SETINFO).

import test from 'ava';
import { Redis as IORedis } from 'ioredis';
import { createClient } from 'redis';
import { resolve } from 'node:path';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { waitFor } from '../helpers/aof.js';

/** The text of a bulk or verbatim reply. */
const textOf = (raw: string): string => raw.slice(raw.indexOf('\r\n') + 2, -2).replace(/^txt:/, '');
const field = (info: string, name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

test('INFO server identifies Redis 7.0.15 and Keystonelight', async (t) => {
  const s = await startServer({ port: 0 });
  const c = await RawClient.connect(s.port);
  try {
    const info = textOf(await c.call('INFO', 'server'));
    t.is(field(info, 'redis_version'), '7.0.15');
    t.is(field(info, 'server_name'), 'keystonelight');
    t.is(field(info, 'keystonelight_version'), s.server.version);
    t.is(field(info, 'tcp_port'), String(s.port));
    t.is(field(info, 'process_id'), String(process.pid));
    t.is(field(info, 'run_id')?.length, 40);
    t.is(field(info, 'redis_mode'), 'standalone');
    t.true(info.startsWith('# Server\r\nredis_version:7.0.15\r\n'));
    t.true(info.endsWith('\r\n') && !info.endsWith('\r\n\r\n'));
  } finally {
    c.close();
    await s.close();
  }
});

test('INFO sections: default, all, everything, several, unknown; RESP3 verbatim', async (t) => {
  const s = await startServer({ port: 0 });
  const c = await RawClient.connect(s.port);
  const headers = async (...args: string[]): Promise<string[]> => textOf(await c.call('INFO', ...args)).match(/^# \w+/gm) ?? [];
  try {
    const dflt = ['# Server', '# Clients', '# Memory', '# Persistence', '# Stats', '# Replication', '# CPU', '# Modules', '# Errorstats', '# Cluster', '# Keyspace'];
    t.deepEqual(await headers(), dflt);
    t.deepEqual(await headers('default'), dflt);
    const all = [...dflt.slice(0, 8), '# Commandstats', '# Errorstats', '# Latencystats', '# Cluster', '# Keyspace'];
    t.deepEqual(await headers('all'), all);
    t.deepEqual(await headers('everything'), all);
    t.deepEqual(await headers('keyspace', 'bogus', 'SERVER', 'server'), ['# Server', '# Keyspace']);
    t.is(await c.call('INFO', 'nosuch'), '$0\r\n\r\n');
    t.regex(textOf(await c.call('INFO', 'server', 'cpu')), /\r\n\r\n# CPU\r\nused_cpu_sys:\d+\.\d{6}\r\n/);
    await c.call('HELLO', '3');
    t.regex(await c.call('INFO', 'cluster'), /^=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n$/);
  } finally {
    c.close();
    await s.close();
  }
});

test('INFO stats, clients, memory and keyspace follow the server; CONFIG RESETSTAT clears stats', async (t) => {
  const s = await startServer({ port: 0 });
  const c = await RawClient.connect(s.port);
  const d = await RawClient.connect(s.port);
  try {
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2', 'EX', '100');
    await c.call('SELECT', '2');
    await c.call('SET', 'c', '3');
    await c.call('BOGUS');
    let info = textOf(await c.call('INFO'));
    t.is(field(info, 'connected_clients'), '2');
    t.is(field(info, 'total_connections_received'), '2');
    t.is(field(info, 'total_commands_processed'), '4', 'as Redis: not BOGUS (refused), not this INFO (still running)');
    t.is(field(info, 'total_error_replies'), '1');
    t.regex(field(info, 'db0') ?? '', /^keys=2,expires=1,avg_ttl=\d+$/);
    t.true(Number(/avg_ttl=(\d+)/.exec(field(info, 'db0')!)![1]) > 90000);
    t.is(field(info, 'db2'), 'keys=1,expires=0,avg_ttl=0');
    t.true(Number(field(info, 'used_memory')) > 0);
    t.regex(field(info, 'used_memory_human') ?? '', /^\d+(\.\d\d[KMGTP])?B?$/);
    t.is(field(info, 'maxmemory_policy'), 'noeviction');
    t.is(field(info, 'role'), 'master');
    t.is(field(info, 'aof_enabled'), '0');
    t.is(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
    info = textOf(await c.call('INFO', 'stats'));
    t.is(field(info, 'total_error_replies'), '0');
    t.true(Number(field(info, 'total_commands_processed')) <= 2);
  } finally {
    c.close();
    d.close();
    await s.close();
  }
});

test('INFO total_reads_processed / total_writes_processed count socket reads and reply writes as a real redis-server does', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [s, redis] = await Promise.all([startServer({ port: 0 }), startRealRedis()]);
  const counts = async (port: number): Promise<string[]> => {
    const c = await RawClient.connect(port);
    try {
      await c.call('CONFIG', 'RESETSTAT');
      // One request per read, one reply per write; then a client that connects, asks and leaves
      // (its end of input is a read too); INFO's own read counts, its reply not yet.
      for (const cmd of [['PING'], ['SET', 'a', 'b'], ['GET', 'a'], ['NOSUCH']]) await c.call(...cmd);
      const d = await RawClient.connect(port);
      await d.call('PING');
      d.close();
      await d.waitClosed();
      // Until the server has read d's end of input (another connection: no order without a look; a
      // 100 ms sleep was not enough for a loaded machine). Each INFO clients is one read and one
      // write more, left out below.
      let polls = 0;
      await waitFor(async () => (polls++, /\r\nconnected_clients:1\r\n/.test(await c.call('INFO', 'clients'))), 15_000, "d's close");
      const info = textOf(await c.call('INFO', 'stats'));
      return ['total_reads_processed', 'total_writes_processed'].map((n) => `${n}:${Number(field(info, n)) - polls}`);
    } finally {
      c.close();
    }
  };
  try {
    const [ours, theirs] = await Promise.all([counts(s.port), counts(redis.port)]);
    t.deepEqual(ours, theirs);
    t.deepEqual(ours, ['total_reads_processed:7', 'total_writes_processed:6']);
  } finally {
    await Promise.all([s.close(), redis.stop()]);
  }
});

test('CONFIG GET dir answers the absolute path; CONFIG SET changes what the server uses', async (t) => {
  const s = await startServer({ port: 0, config: { dir: '.' } });
  const c = await RawClient.connect(s.port);
  try {
    const dir = resolve('.');
    t.is(await c.call('CONFIG', 'GET', 'dir'), `*2\r\n$3\r\ndir\r\n$${dir.length}\r\n${dir}\r\n`);
    t.is(await c.call('CONFIG', 'SET', 'maxmemory', '10mb', 'maxmemory-policy', 'allkeys-lru'), '+OK\r\n');
    t.is(s.server.config.get('maxmemory'), '10485760');
    t.is(s.server.config.get('maxmemory-policy'), 'allkeys-lru');
    t.is(await c.call('CONFIG', 'SET', 'requirepass', 'pw'), '+OK\r\n');
    const other = await RawClient.connect(s.port);
    t.regex(await other.call('GET', 'x'), /^-NOAUTH/);
    other.close();
    await c.call('HELLO', '3');
    t.is(await c.call('CONFIG', 'GET', 'maxmemory'), '%1\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n');
  } finally {
    c.close();
    await s.close();
  }
});

test('COMMAND COUNT, LIST and DOCS cover the implemented commands only', async (t) => {
  const s = await startServer({ port: 0 });
  const c = await RawClient.connect(s.port);
  try {
    t.is(await c.call('COMMAND', 'COUNT'), `:${s.server.commands.size}\r\n`);
    const list = await c.call('COMMAND', 'LIST');
    t.true(list.includes('$10\r\nconfig|get\r\n'));
    t.false(list.includes('$5\r\nzadd\r\n'));
    const all = await c.call('COMMAND');
    t.true(all.startsWith(`*${s.server.commands.size}\r\n`));
    const docs = await c.call('COMMAND', 'DOCS');
    t.true(docs.startsWith(`*${s.server.commands.size * 2}\r\n`));
    t.regex(await c.call('COMMAND', 'INFO', 'client|setinfo'), /^\*1\r\n\*10\r\n\$14\r\nclient\|setinfo\r\n:4\r\n/);
  } finally {
    c.close();
    await s.close();
  }
});

test('ioredis connects (its ready check reads INFO) and node-redis connects (it sends CLIENT SETINFO)', async (t) => {
  const s = await startServer({ port: 0 });
  const io = new IORedis({ port: s.port, host: '127.0.0.1', lazyConnect: true });
  const nr = createClient({ socket: { port: s.port, host: '127.0.0.1' } });
  try {
    await io.connect();
    t.is(await io.set('k', 'v'), 'OK');
    t.is(await io.get('k'), 'v');
    const info = await io.info('server');
    t.regex(info, /redis_version:7\.0\.15/);
    await nr.connect();
    t.is(await nr.get('k'), 'v');
    // node-redis names itself with CLIENT SETINFO (a Redis 7.2 command we accept).
    t.true([...s.server.clients()].some((c) => c.libName.startsWith('node-redis')));
    t.is(await nr.configGet('maxmemory-policy').then((r) => r['maxmemory-policy']), 'noeviction');
  } finally {
    io.disconnect();
    await nr.quit().catch(() => undefined);
    await s.close();
  }
});

test('INFO avg_ttl: over the live keys with a TTL, sampled when there are many, expired ones left out', async (t) => {
  const s = await startServer({ port: 0, config: { 'enable-debug-command': 'yes' } });
  const c = await RawClient.connect(s.port);
  try {
    t.is(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), '+OK\r\n');
    // 20,000 keys that expire at once and stay (no active expiry), then 2,000 with 1000 s to live.
    const db = s.server.keyspace.dbs[0];
    const now = Date.now();
    for (let i = 0; i < 20_000; i++) {
      db.set(`gone${i}`, 'v');
      db.setExpire(`gone${i}`, now - 1000);
    }
    for (let i = 0; i < 2000; i++) {
      db.set(`live${i}`, 'v');
      db.setExpire(`live${i}`, now + 1_000_000);
    }
    const info = textOf(await c.call('INFO', 'keyspace'));
    const m = /^keys=22000,expires=22000,avg_ttl=(\d+)$/.exec(field(info, 'db0') ?? '');
    t.truthy(m, field(info, 'db0'));
    const avg = Number(m![1]);
    t.true(avg > 990_000 && avg <= 1_000_000, `avg_ttl ${avg}: the live keys' TTL, not diluted by expired ones`);
  } finally {
    c.close();
    await s.close();
  }
});

/** A field of an INFO reply, as a number. */
const num = (info: string, name: string): number => Number(field(info, name) ?? NaN);

test('INFO instantaneous_*: sampled by the cron (Redis: 16 samples, 100 ms apart), so the first INFO under load shows the load', async (t) => {
  // Found by a tools hunt: the rates came from earlier INFO calls only, so a poller calling every
  // 15 s or more (redis_exporter) always read 0 under load.
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const [load, admin] = await Promise.all([RawClient.connect(s.port), RawClient.connect(s.port)]);
  t.teardown(() => (load.close(), admin.close()));
  const started = Date.now();
  while (Date.now() - started < 1000) await load.call('SET', 'k', 'v'.repeat(100));
  const busy = await admin.call('INFO', 'stats');
  t.true(num(busy, 'instantaneous_ops_per_sec') > 0, busy);
  t.true(num(busy, 'instantaneous_input_kbps') > 0, busy);
  t.true(num(busy, 'instantaneous_output_kbps') > 0, busy);
  // The samples of an idle second and a half replace those of the load.
  await new Promise((r) => setTimeout(r, 2500));
  const idle = await admin.call('INFO', 'stats');
  t.true(num(idle, 'instantaneous_ops_per_sec') <= 2, idle); // only the INFO calls themselves
});

test('INFO used_memory_peak: a peak reached and left between two INFO calls is still the peak (noted by the cron); RESETSTAT keeps it', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  const before = num(await c.call('INFO', 'memory'), 'used_memory');
  t.is(await c.call('SET', 'big', 'x'.repeat(20 * 1024 * 1024)), '+OK\r\n');
  await new Promise((r) => setTimeout(r, 300)); // a few cron runs
  t.is(await c.call('DEL', 'big'), ':1\r\n');
  const info = await c.call('INFO', 'memory');
  t.true(num(info, 'used_memory_peak') >= before + 20 * 1024 * 1024, info);
  t.true(num(info, 'used_memory') < before + 1024 * 1024);
  t.is(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
  t.true(num(await c.call('INFO', 'memory'), 'used_memory_peak') >= before + 20 * 1024 * 1024, 'kept, as Redis');
});

test('INFO lazyfreed_objects counts the keys of asynchronous flushes (ASYNC, or lazyfree-lazy-user-flush without SYNC) until CONFIG RESETSTAT, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([startServer({ port: 0 }), startRealRedis()]);
  t.teardown(() => Promise.all([ks.close(), redis.stop()]));
  const run = async (port: number): Promise<string[]> => {
    const r = new IORedis({ port });
    t.teardown(() => r.disconnect());
    // Redis's lazyfree thread counts them once it has freed them: wait for the figure to settle.
    const freed = async (want: string): Promise<string> => {
      let got = '';
      await waitFor(async () => (got = field(await r.info('memory'), 'lazyfreed_objects')!) === want, 5000, `lazyfreed_objects ${want}`).catch(() => {});
      return got;
    };
    const seen: string[] = [];
    await r.mset('a', '1', 'b', '2', 'c', '3');
    await r.flushall('ASYNC');
    seen.push(await freed('3'));
    await r.mset('a', '1', 'b', '2');
    await r.flushdb('SYNC');
    await r.select(1);
    await r.set('x', '1');
    await r.flushdb(); // lazyfree-lazy-user-flush no: synchronous
    seen.push(await freed('3'));
    await r.config('SET', 'lazyfree-lazy-user-flush', 'yes');
    await r.mset('a', '1', 'b', '2');
    await r.flushdb();
    seen.push(await freed('5'));
    await r.set('a', '1');
    await r.flushall('SYNC');
    await r.unlink('a');
    seen.push(await freed('5'));
    await r.config('RESETSTAT');
    seen.push(await freed('0'));
    return seen;
  };
  const want = await run(redis.port);
  t.deepEqual(await run(ks.port), want);
  t.deepEqual(want, ['3', '3', '5', '5', '0']);
});
