// CONFIG SET port and bind move the TCP listeners at run time, as Redis 7.0.15's changeListenPort
// and changeBindAddr: side by side with a real redis-server (replies, the connections that work
// afterwards, the log lines), then what is ours alone (a free port for port 0 in the library, host
// names, cluster mode). The Unix socket's side is test/wire/unixsocket.test.ts.

import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw.js';
import { serve } from '../helpers/serve.js';
import { startServer } from '../../src/index.js';
import { freePort, startRealRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/bundle.js';
import { needBinary } from '../helpers/bins.js';
import { startCluster } from '../helpers/cluster.js';
import { ANNOUNCE_IP_FIXED, NO_SYNC_LISTEN } from '../../src/errors.js';

/** A server of either kind: its port, and its log's messages (without Redis's pid/time prefix). */
interface Side {
  port: number;
  log(): string[];
}

/** Keystonelight (the library, logging to a function) and redis-server (to a file), both bound to 127.0.0.1. */
async function pair(t: ExecutionContext): Promise<{ ours: Side; theirs: Side }> {
  const lines: string[] = [];
  const ks = await serve(t, { log: (_level, message) => lines.push(message) });
  const logfile = join(tempDir(), 'redis.log');
  const redis = await startRealRedis(['--logfile', logfile]);
  t.teardown(() => redis.stop());
  const theirLog = (): string[] => readFileSync(logfile, 'latin1').split('\n').filter((l) => l !== '').map((l) => l.replace(/^\d+:\w [\d\w :.]+? [#*.-] /, ''));
  return { ours: { port: ks.port, log: () => lines }, theirs: { port: redis.port, log: theirLog } };
}

async function connect(t: ExecutionContext, port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  t.teardown(() => c.close());
  return c;
}

/**
 * Runs `body` on Keystonelight, then on redis-server, each with a client of its own, and checks they
 * saw the same; what they saw, or null without redis-server (the test skips loudly, naming it).
 */
async function sideBySide(t: ExecutionContext, body: (side: Side, c: RawClient) => Promise<string[]>): Promise<string[] | null> {
  if (!needBinary(t, 'redis-server')) return null;
  const { ours, theirs } = await pair(t);
  const seen: string[][] = [];
  for (const side of [ours, theirs]) seen.push(await body(side, await connect(t, side.port)));
  t.deepEqual(seen[0], seen[1]);
  return seen[0];
}

/** Whether a new connection to `port` on 127.0.0.1 is refused. */
async function refused(port: number): Promise<boolean> {
  try {
    (await RawClient.connect(port)).close();
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  }
}

/** A port something else listens on (127.0.0.1), closed by t.teardown. */
async function taken(t: ExecutionContext): Promise<number> {
  const holder: NetServer = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => holder.close());
  return (holder.address() as { port: number }).port;
}

/** A server's log lines about listening, from line `from` on, its ports written P. */
const listenLines = (side: Side, from: number, ports: number[]): string[] =>
  side.log().slice(from).filter((l) => /listening socket|Failed (to bind|applying)/.test(l)).map((l) => ports.reduce((s, p) => s.replaceAll(String(p), 'P'), l));

/** The log lines of a CONFIG SET bind that failed on `address` (at port P) with `reason`, as Redis's changeBindAddr. */
const bindFailed = (address: string, reason: string): string[] => [
  `Warning: Could not create server TCP listening socket ${address}:P: ${reason}`,
  'Failed to bind',
  'Failed applying new configuration. Possibly related to new bind setting. Restoring previous settings.',
];

/** Runs `fn` with net._createServerHandle taken away (for the ESM namespace too), then puts it back. */
async function withoutHandleMaker<T>(fn: () => Promise<T>): Promise<T> {
  const require = createRequire(import.meta.url);
  const net = require('node:net') as Record<string, unknown>;
  const { syncBuiltinESMExports } = require('node:module') as { syncBuiltinESMExports(): void };
  const saved = net._createServerHandle;
  delete net._createServerHandle;
  syncBuiltinESMExports();
  try {
    return await fn();
  } finally {
    net._createServerHandle = saved;
    syncBuiltinESMExports();
  }
}

test.serial('a Node.js without net._createServerHandle still starts (server.listen()); CONFIG SET port / bind is refused, the listeners stay', async (t) => {
  // Serial: the stub is the process's, and serial tests run before the others of the file.
  const s = await withoutHandleMaker(() => serve(t, { bind: '127.0.0.1 -::1' }));
  const c = await connect(t, s.port);
  t.is(await c.call('PING'), '+PONG\r\n');
  t.is(await c.call('CONFIG', 'SET', 'port', String(await freePort())), `-ERR CONFIG SET failed (possibly related to argument 'port') - ${NO_SYNC_LISTEN}\r\n`);
  t.is(await c.call('CONFIG', 'SET', 'bind', '*'), `-ERR CONFIG SET failed (possibly related to argument 'bind') - ${NO_SYNC_LISTEN}\r\n`);
  t.is(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 -::1'), '+OK\r\n', 'the same value changes nothing');
  t.is(await (await connect(t, s.port)).call('CONFIG', 'GET', 'bind'), '*2\r\n$4\r\nbind\r\n$14\r\n127.0.0.1 -::1\r\n');
  // A port in use fails the start with Redis's line, as with the handle.
  const busy = await taken(t);
  const failed = await withoutHandleMaker(() => startServer({ port: busy }).then(async (x) => (await x.close(), 'started'), (e: Error) => e.message));
  t.is(failed, `Could not create server TCP listening socket 127.0.0.1:${busy}: bind: Address already in use`);
});

test('CONFIG SET port to a port in use: Redis\'s error and log lines, the old port still serving', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await pair(t);
  const busy = await taken(t);
  for (const side of [ours, theirs]) {
    const c = await connect(t, side.port);
    const from = side.log().length;
    const setting = await c.call('CONFIG', 'GET', 'port');
    t.is(await c.call('CONFIG', 'SET', 'port', String(busy)), "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n");
    t.deepEqual(listenLines(side, from, [busy]), [
      'Warning: Could not create server TCP listening socket 127.0.0.1:P: bind: Address already in use',
      'Failed applying new configuration. Possibly related to new port setting. Restoring previous settings.',
    ]);
    t.is(await c.call('PING'), '+PONG\r\n');
    const again = await connect(t, side.port);
    t.is(await again.call('CONFIG', 'GET', 'port'), setting);
  }
});

test('CONFIG SET port to a free port: the new port serves, the old one refuses, open connections stay, as redis-server', async (t) => {
  const seen = await sideBySide(t, async (side, c) => {
    const to = await freePort();
    const mask = (s: string): string => s.replaceAll(`$${String(to).length}\r\n${to}`, '$N\r\nNEW').replaceAll(String(to), 'NEW');
    const replies = [await c.call('CONFIG', 'SET', 'port', String(to)), await c.call('PING')];
    t.true(await refused(side.port), 'the old port');
    const moved = await connect(t, to);
    replies.push(await moved.call('CONFIG', 'GET', 'port'), /tcp_port:\d+/.exec(await moved.call('INFO', 'server'))![0]);
    return replies.map(mask);
  });
  if (seen === null) return;
  t.deepEqual(seen, ['+OK\r\n', '+PONG\r\n', '*2\r\n$4\r\nport\r\n$N\r\nNEW\r\n', 'tcp_port:NEW']);
});

test('CONFIG SET port inside MULTI: EXEC moves the listener, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await pair(t);
  for (const side of [ours, theirs]) {
    const c = await connect(t, side.port);
    const to = await freePort();
    t.deepEqual(await c.pipeline([['MULTI'], ['CONFIG', 'SET', 'port', String(to)], ['PING'], ['EXEC']]), ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*2\r\n+OK\r\n+PONG\r\n']);
    t.is(await (await connect(t, to)).call('PING'), '+PONG\r\n');
  }
});

test('CONFIG SET bind: an address on no interface fails with Redis\'s error and lines; optional ones are skipped; too many refused', async (t) => {
  const seen = await sideBySide(t, async (side, c) => {
    const from = side.log().length;
    const replies = [
      await c.call('CONFIG', 'SET', 'bind', '10.254.254.254'),
      await c.call('CONFIG', 'GET', 'bind'),
      await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 127.0.0.1'),
      await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 -10.254.254.254'),
      await c.call('CONFIG', 'GET', 'bind'),
      await c.call('CONFIG', 'SET', 'bind', Array.from({ length: 17 }, () => '127.0.0.1').join(' ')),
      await (await connect(t, side.port)).call('PING'),
      await c.call('PING'),
    ];
    return [...replies, ...listenLines(side, from, [side.port])];
  });
  if (seen === null) return;
  t.deepEqual(seen, [
    "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
    '*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.1\r\n',
    "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
    '+OK\r\n',
    '*2\r\n$4\r\nbind\r\n$25\r\n127.0.0.1 -10.254.254.254\r\n',
    "-ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses specified.\r\n",
    '+PONG\r\n',
    '+PONG\r\n',
    ...bindFailed('10.254.254.254', 'bind: Cannot assign requested address'),
    ...bindFailed('127.0.0.1', 'bind: Address already in use'),
    'Warning: Could not create server TCP listening socket 10.254.254.254:P: bind: Cannot assign requested address',
  ]);
});

test('CONFIG SET port and bind together: applied with both new values, as redis-server; a failure names the first of the two given', async (t) => {
  // Applied as each was set, `port P bind 127.0.0.2` first listened on the old 127.0.0.1 at P,
  // which another program held: the command failed where Redis's listens on 127.0.0.2:P.
  const seen = await sideBySide(t, async (side, c) => {
    const busy = await taken(t); // on 127.0.0.1 only
    const from = side.log().length;
    const replies = [
      await c.call('CONFIG', 'SET', 'port', String(busy), 'bind', '10.254.254.254'),
      await c.call('CONFIG', 'SET', 'bind', '10.254.254.254', 'port', String(busy)),
      await c.call('CONFIG', 'SET', 'port', String(busy), 'bind', '127.0.0.2'),
    ];
    const moved = await RawClient.connect(busy, '127.0.0.2');
    t.teardown(() => moved.close());
    replies.push(await moved.call('CONFIG', 'GET', 'port'), await moved.call('CONFIG', 'GET', 'bind'));
    const mask = (r: string): string => r.replaceAll(`$${String(busy).length}\r\n${busy}`, '$N\r\nP').replaceAll(String(busy), 'P');
    return [...replies.map(mask), ...listenLines(side, from, [busy])];
  });
  if (seen === null) return;
  t.deepEqual(seen, [
    "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
    "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
    '+OK\r\n',
    '*2\r\n$4\r\nport\r\n$N\r\nP\r\n',
    '*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.2\r\n',
    'Warning: Could not create server TCP listening socket 10.254.254.254:P: bind: Cannot assign requested address',
    'Failed applying new configuration. Possibly related to new port setting. Restoring previous settings.',
    ...bindFailed('10.254.254.254', 'bind: Cannot assign requested address'),
  ]);
});

test('CONFIG SET port at its value with a new bind: port is not applied, so a failure names bind, as redis-server; bind is applied at its value', async (t) => {
  // Every value stored before any applied, `port <same> bind B` applied port (moving to B at the
  // same port) and failed naming port; Redis skips an option whose value is as it was (but bind's).
  const seen = await sideBySide(t, async (side, c) => {
    const busy = await taken(t);
    const valueOf = async (name: string): Promise<string> => /\$\d+\r\n([^\r]*)\r\n$/.exec(await c.call('CONFIG', 'GET', name))![1];
    const [port, bind] = [await valueOf('port'), await valueOf('bind')]; // the library's port is 0 (a free one)
    const from = side.log().length;
    const replies = [
      await c.call('CONFIG', 'SET', 'port', port, 'bind', '10.254.254.254'),
      await c.call('CONFIG', 'SET', 'bind', bind, 'port', String(busy)),
      await c.call('CONFIG', 'GET', 'port'),
    ];
    const mask = (r: string): string => r.replaceAll(`$${port.length}\r\n${port}`, '$N\r\nP');
    return [...replies.map(mask), ...listenLines(side, from, [busy, side.port]).filter((l) => !l.includes('::'))];
  });
  if (seen === null) return;
  t.deepEqual(seen, [
    "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
    "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
    '*2\r\n$4\r\nport\r\n$N\r\nP\r\n',
    ...bindFailed('10.254.254.254', 'bind: Cannot assign requested address'),
    ...bindFailed('127.0.0.1', 'bind: Address already in use'),
  ]);
});

test('CONFIG SET bind splits at each single space, as Redis: an empty word (two spaces, one at an end) or a tab names nothing and fails', async (t) => {
  // Keystonelight split at any run of blanks: it listened, and CONFIG GET showed " 127.0.0.1  ".
  const seen = await sideBySide(t, async (side, c) => {
    const from = side.log().length;
    const replies = [];
    for (const bind of [' 127.0.0.1', '127.0.0.1  -::1', '127.0.0.1 ', '127.0.0.1\t::1', '-']) replies.push(await c.call('CONFIG', 'SET', 'bind', bind));
    replies.push(await c.call('CONFIG', 'GET', 'bind'), await (await connect(t, side.port)).call('PING'));
    return [...replies, ...listenLines(side, from, [side.port])];
  });
  if (seen === null) return;
  const failed = "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n";
  const lines = (word: string): string[] => bindFailed(word, 'Name or service not known');
  t.deepEqual(seen, [
    ...Array<string>(5).fill(failed),
    '*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.1\r\n',
    '+PONG\r\n',
    ...lines(''), ...lines(''), ...lines(''), ...lines('127.0.0.1\t::1'), ...lines(''),
  ]);
});

test('CONFIG SET bind "" stops listening on TCP (open connections stay); a new bind listens again', async (t) => {
  const s = await serve(t, { port: await freePort() });
  const c = await connect(t, s.port);
  t.is(await c.call('CONFIG', 'SET', 'bind', ''), '+OK\r\n');
  t.true(await refused(s.port));
  t.is(await c.call('CONFIG', 'GET', 'bind'), '*2\r\n$4\r\nbind\r\n$0\r\n\r\n');
  t.is(await c.call('CONFIG', 'SET', 'bind', '* -::*'), '+OK\r\n');
  t.is(await (await connect(t, s.port)).call('PING'), '+PONG\r\n');
  t.is(s.port, s.server.port);
});

test('the library: CONFIG SET port 0 moves to a free port, which RunningServer.port reports', async (t) => {
  const s = await serve(t, { log: () => {} });
  const before = s.port;
  const c = await connect(t, before);
  t.is(await c.call('CONFIG', 'SET', 'port', String(await taken(t))), "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n");
  t.is(s.port, before);
  t.is(await c.call('CONFIG', 'SET', 'port', String(before)), '+OK\r\n', 'its own port: nothing to move');
  t.is(await c.call('CONFIG', 'SET', 'port', '0'), '+OK\r\n');
  t.not(s.port, before);
  t.true(s.port > 0);
  t.true(await refused(before));
  t.is(await (await connect(t, s.port)).call('PING'), '+PONG\r\n');
});

test('CONFIG SET bind of host names not bound at start: resolved then, as redis-server (getaddrinfo, its first IPv4 address); one that resolves to nothing fails with Redis\'s lines', async (t) => {
  const seen = await sideBySide(t, async (side, c) => {
    const from = side.log().length;
    const out = [
      // Not a dotted quad to getaddrinfo: a name, which resolves to nothing (Redis's own unit/networking).
      await c.call('CONFIG', 'SET', 'bind', '999.999.999.999'),
      await c.call('CONFIG', 'SET', 'bind', 'no-such-host.invalid'),
      await c.call('CONFIG', 'SET', 'bind', 'localhost'),
    ];
    out.push(String(await refused(side.port)), await (await RawClient.connect(side.port)).call('PING'));
    out.push(await c.call('CONFIG', 'GET', 'bind'));
    return [...out, ...listenLines(side, from, [side.port])];
  });
  if (seen === null) return;
  t.deepEqual(seen.slice(0, 6), [
    "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
    "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
    '+OK\r\n', 'false', '+PONG\r\n', '*2\r\n$4\r\nbind\r\n$9\r\nlocalhost\r\n',
  ]);
  t.deepEqual(seen.slice(6), [...bindFailed('999.999.999.999', 'Name or service not known'), ...bindFailed('no-such-host.invalid', 'Name or service not known')]);
});

test('a host name bound at start is bound again on a new port', async (t) => {
  const s = await serve(t, { bind: 'localhost' });
  const c = await connect(t, s.port);
  const to = await freePort();
  t.is(await c.call('CONFIG', 'SET', 'port', String(to)), '+OK\r\n');
  t.is(await (await connect(t, to)).call('PING'), '+PONG\r\n', 'localhost is 127.0.0.1, as Redis resolves it (IPv4)');
  t.is(await c.call('CONFIG', 'SET', 'bind', 'localhost -::1'), '+OK\r\n');
});

test('cluster mode: a node of a layout file keeps its port (the file names it); a single node moves and shows its new port', async (t) => {
  const cl = await startCluster(3);
  t.teardown(() => cl.close());
  const c = await connect(t, cl.ports[0]);
  t.is(await c.call('CONFIG', 'SET', 'port', String(await freePort())), `-ERR CONFIG SET failed (possibly related to argument 'port') - ${ANNOUNCE_IP_FIXED}\r\n`);
  t.is(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1'), '+OK\r\n', 'bind may change');
  const single = await serve(t, { config: { 'cluster-enabled': 'yes', dir: tempDir() } });
  const s = await connect(t, single.port);
  const to = await freePort();
  t.is(await s.call('CONFIG', 'SET', 'port', String(to)), '+OK\r\n');
  t.regex(await s.call('CLUSTER', 'SLOTS'), new RegExp(`\\$9\\r\\n127\\.0\\.0\\.1\\r\\n:${to}\\r\\n`));
});

// A listener that throws something other than ApplyError is a bug of ours: the command fails, and
// every value of the CONFIG SET is put back (stored all before any is applied, they stayed new).
test('CONFIG SET whose change listener throws unexpectedly puts every value back', async (t) => {
  const s = await serve(t);
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  s.server.config.onChange('slowlog-max-len', () => {
    throw new Error('boom');
  });
  t.regex(await c.call('CONFIG', 'SET', 'hz', '50', 'slowlog-max-len', '7'), /^-ERR /);
  t.is(await c.call('CONFIG', 'GET', 'hz'), '*2\r\n$2\r\nhz\r\n$2\r\n10\r\n');
  t.is(await c.call('CONFIG', 'GET', 'slowlog-max-len'), '*2\r\n$15\r\nslowlog-max-len\r\n$3\r\n128\r\n');
});
