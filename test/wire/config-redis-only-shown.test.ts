// Options whose values show elsewhere: INFO's repl_backlog_size (a Redis-only option, not inert
// after all), and the ports cluster mode announces (CLUSTER SLOTS / NODES, MOVED; src/config.ts).
// Expected values are redis-server 7.0.15's (checked by hand against a real server).

import test from 'ava';
import { RawClient } from '../helpers/raw.js';
import { serve } from '../helpers/serve.js';

test('INFO replication repl_backlog_size follows repl-backlog-size, as Redis', async (t) => {
  const s = await serve(t);
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  t.is(await c.call('CONFIG', 'SET', 'repl-backlog-size', '3000000'), '+OK\r\n');
  // redis-server 7.0.15: repl_backlog_size:3000000 (the option's value, backlog or not).
  t.regex(await c.call('INFO', 'replication'), /\r\nrepl_backlog_size:3000000\r\n/);
});

test('cluster-announce-port and cluster-announce-bus-port are what CLUSTER SLOTS / NODES show, as Redis shows them', async (t) => {
  const s = await serve(t, { config: { 'cluster-enabled': 'yes', 'cluster-announce-ip': '127.0.0.1', 'cluster-announce-port': '17699', 'cluster-announce-bus-port': '17698' } });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  // redis-server 7.0.15 (one node, all slots): "... 127.0.0.1:17699@17698 myself,master ..." and
  // CLUSTER SLOTS 0 16383 127.0.0.1 17699 <id>: a client is sent to the announced port.
  t.regex(await c.call('CLUSTER', 'NODES'), / 127\.0\.0\.1:17699@17698 myself,master /);
  t.regex(await c.call('CLUSTER', 'SLOTS'), /\r\n\$9\r\n127\.0\.0\.1\r\n:17699\r\n/);
});

test('cluster-announce-port alone: the announced port, with the bus at the listening port + 10000, and CONFIG SET changes it at once, as Redis', async (t) => {
  const s = await serve(t, { config: { 'cluster-enabled': 'yes', 'cluster-announce-ip': '127.0.0.1', 'cluster-announce-port': '17699' } });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  t.regex(await c.call('CLUSTER', 'NODES'), new RegExp(` 127\\.0\\.0\\.1:17699@${s.port + 10000} myself,master `));
  t.is(await c.call('CONFIG', 'SET', 'cluster-announce-port', '17698'), '+OK\r\n');
  t.regex(await c.call('CLUSTER', 'SLOTS'), /\r\n:17698\r\n/);
  t.is(await c.call('CONFIG', 'SET', 'cluster-announce-port', '0'), '+OK\r\n');
  t.regex(await c.call('CLUSTER', 'SLOTS'), new RegExp(`\r\n:${s.port}\r\n`));
});
