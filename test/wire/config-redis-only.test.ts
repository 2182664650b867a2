// CONFIG SET of Redis's options that ask for a feature Keystonelight lacks (src/config-redis-only.ts,
// `unsupported`): the default is accepted, any other valid value is refused in Redis's CONFIG SET
// format naming what is not supported, and nothing changes (all or nothing with the others given).
// Invalid values keep Redis's own errors (compared with redis-server in test/diff/).

import test from 'ava';
import { RawClient } from '../helpers/raw.js';
import { serve } from '../helpers/serve.js';

const refused = (name: string, what: string): string =>
  `-ERR CONFIG SET failed (possibly related to argument '${name}') - ${what} is not supported by Keystonelight\r\n`;

const CASES: [name: string, value: string, what: string][] = [
  ['notify-keyspace-events', 'KEA', 'keyspace notifications (notify-keyspace-events)'],
  ['notify-keyspace-events', 'K', 'keyspace notifications (notify-keyspace-events)'],
  ['tls-port', '6380', 'TLS'],
  ['tls-replication', 'yes', 'TLS'],
  ['tls-cluster', 'YES', 'TLS'],
  ['min-replicas-to-write', '1', 'replication (min-replicas-to-write)'],
  ['min-slaves-to-write', '2', 'replication (min-replicas-to-write)'],
  ['maxmemory-clients', '10%', 'client eviction (maxmemory-clients)'],
  ['maxmemory-clients', '1mb', 'client eviction (maxmemory-clients)'],
  ['activedefrag', 'yes', 'active defragmentation (activedefrag)'],
  ['aof-disable-auto-gc', 'yes', 'keeping AOF history files (aof-disable-auto-gc)'],
  ['cluster-announce-hostname', 'node1.example', 'announcing a hostname (cluster-announce-hostname)'],
  // Redis's hidden options (CONFIG GET by exact name only).
  ['watchdog-period', '200', 'the software watchdog (watchdog-period)'],
  ['key-load-delay', '-10', 'delaying each key loaded (key-load-delay)'],
  ['rdb-key-save-delay', '100', 'delaying each key saved (rdb-key-save-delay)'],
];

test('CONFIG SET of a value asking for a missing feature is refused, naming it; the default is accepted', async (t) => {
  const s = await serve(t);
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  for (const [name, value, what] of CASES) {
    const before = await c.call('CONFIG', 'GET', name);
    t.is(await c.call('CONFIG', 'SET', name, value), refused(name, what), `CONFIG SET ${name} ${value}`);
    t.is(await c.call('CONFIG', 'GET', name), before, `${name} unchanged`);
    const def = /\r\n\$\d+\r\n(.*)\r\n$/.exec(before)![1];
    t.is(await c.call('CONFIG', 'SET', name, def), '+OK\r\n', `CONFIG SET ${name} to its default`);
  }
  // Invalid before unsupported: Redis's own error.
  t.is(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KQ'),
    "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n");
  // All or nothing: a refused value leaves the others as they were.
  t.is(await c.call('CONFIG', 'SET', 'rdbcompression', 'no', 'tls-port', '1'), refused('tls-port', 'TLS'));
  t.is(await c.call('CONFIG', 'GET', 'rdbcompression'), '*2\r\n$14\r\nrdbcompression\r\n$3\r\nyes\r\n');
  // Immutable ones answer as in Redis, whatever the value.
  t.is(await c.call('CONFIG', 'SET', 'replicaof', '127.0.0.1 6379'), "-ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable config\r\n");
  t.is(await c.call('CONFIG', 'SET', 'unixsocket', '/tmp/x.sock'), "-ERR CONFIG SET failed (possibly related to argument 'unixsocket') - can't set immutable config\r\n");
});

test('an inert option is accepted, kept and shown, as in Redis', async (t) => {
  const s = await serve(t, { config: { 'slave-read-only': 'no', 'unixsocketperm': '700', 'replicaof': 'NO ONE' } });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  t.is(await c.call('CONFIG', 'GET', 'replica-read-only'), '*2\r\n$17\r\nreplica-read-only\r\n$2\r\nno\r\n');
  t.is(await c.call('CONFIG', 'GET', 'unixsocketperm'), '*2\r\n$14\r\nunixsocketperm\r\n$3\r\n700\r\n');
  t.is(await c.call('CONFIG', 'GET', 'slaveof'), '*2\r\n$7\r\nslaveof\r\n$0\r\n\r\n');
  t.is(await c.call('CONFIG', 'SET', 'repl-backlog-size', '10mb'), '+OK\r\n');
  t.is(await c.call('CONFIG', 'GET', 'repl-backlog-size'), '*2\r\n$17\r\nrepl-backlog-size\r\n$8\r\n10485760\r\n');
  t.is(await c.call('SET', 'k', 'v'), '+OK\r\n');
});

test('enable-protected-configs yes / local lets CONFIG SET change dbfilename, as redis-server 7.0.15 (local: from 127.0.0.1); dir stays fixed', async (t) => {
  const { needBinary } = await import('../helpers/bins.js');
  const { startRealRedis } = await import('../helpers/redis.js');
  if (!needBinary(t, 'redis-server')) return;
  const steps: string[][] = [
    ['CONFIG', 'GET', 'enable-protected-configs'],
    ['CONFIG', 'SET', 'dbfilename', 'other.rdb'],
    ['CONFIG', 'GET', 'dbfilename'],
    ['CONFIG', 'SET', 'enable-protected-configs', 'no'],
  ];
  for (const setting of ['no', 'yes', 'local']) {
    const s = await serve(t, { config: { 'enable-protected-configs': setting } });
    const r = await startRealRedis(['--enable-protected-configs', setting]);
    t.teardown(() => r.stop());
    const [ours, theirs] = await Promise.all([RawClient.connect(s.port), RawClient.connect(r.port)]);
    t.teardown(() => (ours.close(), theirs.close()));
    for (const step of steps) t.is(await ours.call(...step), await theirs.call(...step), `${setting}: ${step.join(' ')}`);
    t.is(await ours.call('CONFIG', 'SET', 'dir', '/tmp'), setting === 'no'
      ? "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n"
      : "-ERR CONFIG SET failed (possibly related to argument 'dir') - changing it at run time is not supported by Keystonelight\r\n");
  }
});
