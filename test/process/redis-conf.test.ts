// Starting the built server with a stock redis.conf: Debian's /etc/redis/redis.conf (from the
// package redis-server) with the command-line overrides a second server needs (port, dir,
// pidfile, logfile, daemonize no), as a Redis user would. And a redis.conf asking for what
// Keystonelight lacks: it refuses to start, naming the line and the feature.

import test from 'ava';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw.js';
import { exited, startBundle, tempDir } from '../helpers/bundle.js';

const DEBIAN_CONF = '/etc/redis/redis.conf';

test("Debian's /etc/redis/redis.conf starts the server, which serves PING and SET / GET", async (t) => {
  if (!existsSync(DEBIAN_CONF)) {
    const msg = `SKIPPED: ${DEBIAN_CONF} not found — install the Debian package 'redis-server' (apt-get install redis-server)`;
    if (process.env.CI) t.fail(msg);
    else {
      console.warn(msg);
      t.log(msg);
      t.pass();
    }
    return;
  }
  const dir = tempDir('ks-redisconf-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sp = await startBundle(['--pidfile', join(dir, 'ks.pid'), '--logfile', '', '--daemonize', 'no'], { configFile: DEBIAN_CONF, dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  t.is(await c.call('PING'), '+PONG\r\n');
  t.is(await c.call('SET', 'k', 'v'), '+OK\r\n');
  t.is(await c.call('GET', 'k'), '$1\r\nv\r\n');
  // What the file sets shows as it set it.
  t.is(await c.call('CONFIG', 'GET', 'dbfilename'), '*2\r\n$10\r\ndbfilename\r\n$8\r\ndump.rdb\r\n');
  t.is(await c.call('CONFIG', 'GET', 'oom-score-adj-values'), '*2\r\n$20\r\noom-score-adj-values\r\n$9\r\n0 200 800\r\n');
  c.close();
  t.is(await sp.stop('SIGTERM'), 0);
});

test('a redis.conf asking for replication or TLS is refused at its line', async (t) => {
  const dir = tempDir('ks-redisconf-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string][] = [
    ['replicaof 10.0.0.1 6379', 'replication is not supported by Keystonelight'],
    ['tls-port 6380', 'TLS is not supported by Keystonelight'],
  ];
  for (const [line, why] of cases) {
    const file = join(dir, 'redis.conf');
    writeFileSync(file, `port 0\nrdbcompression yes\n${line}\n`);
    const sp = await startBundle([], { configFile: file, dir, wait: false });
    t.is(await exited(sp), 1, line);
    t.true(sp.output().includes(`keystonelight: ${file}, line 3: '${line}': ${why}\n`), sp.output());
  }
  const sp = await startBundle(['--tls-replication', 'yes'], { dir, wait: false });
  t.is(await exited(sp), 1);
  t.true(sp.output().includes('keystonelight: command line: \'tls-replication "yes"\': TLS is not supported by Keystonelight\n'), sp.output());
});
