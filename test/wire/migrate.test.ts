// MIGRATE against real servers. The source runs in this process, so every target is another
// process (redis-server, or the built bundle): MIGRATE blocks its server's thread while it talks
// to the target, as Redis's does, and an in-process target could not answer meanwhile.
//
// The same commands are sent to a Keystonelight source and to a redis-server 7.0.15 source, each
// migrating to its own redis-server target, and the raw replies compared, with the target's
// contents after each step: options, errors of the target, of the address and of the arguments,
// COMMAND GETKEYS, INFO migrate_cached_sockets. Then what only one side can show: the AOF's DEL,
// the retry on a cached connection the target closed, a target that never answers, atomicity
// against other clients, cluster mode's RESTORE-ASKING, MONITOR's redaction, ioredis.

import test, { type ExecutionContext } from 'ava';
import { connect, createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { freePort, startRealRedis, type RealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { startBundle, tempDir } from '../helpers/bundle.js';
import { aofContent, parseAof, waitFor } from '../helpers/aof.js';

/** The steps compared: `t` is the source's target port, `dead` a port nothing listens on. */
function steps(t: string, dead: string): string[][] {
  const to = (key: string, ...rest: string[]): string[] => ['MIGRATE', '127.0.0.1', t, key, ...rest];
  return [
    ['SET', 'a', '1'], ['SET', 'b', 'x'.repeat(5000)], ['PEXPIRE', 'b', '100000'], ['SET', 'c', '3'],
    to('a', '0', '1000'), ['EXISTS', 'a'],
    to('', '0', '1000', 'KEYS', 'b', 'c', 'missing'), ['EXISTS', 'b', 'c'],
    to('missing', '0', '1000'),
    ['SET', 'a', '9'], to('a', '0', '1000'), ['GET', 'a'],
    to('a', '0', '1000', 'REPLACE', 'COPY'), ['GET', 'a'],
    to('a', '3', '1000', 'COPY'), to('a', '3', '1000', 'COPY'), to('a', '0', '1000', 'COPY', 'REPLACE'),
    to('a', '99', '1000'), to('a', '-1', '1000'), to('a', '0', '1000', 'AUTH', 'pw'),
    to('a', '0', '1000', 'AUTH2', 'user', 'pw'), to('a', '0', '0', 'COPY', 'REPLACE'),
    to('a', '0', '1000', 'AUTH'), to('a', '0', '1000', 'AUTH2', 'u'), to('a', '0', '1000', 'KEYS', 'a'),
    to('a', '0', 'x'), to('a', 'x', '1000'), to('a', '0', '1000', 'bogus'), to('a', '007', '1000'),
    ['MIGRATE', '127.0.0.1', dead, 'a', '0', '200'], ['MIGRATE', '127.0.0.1', '-1', 'a', '0', '200'],
    ['MIGRATE', '127.0.0.1', '0', 'a', '0', '200'], ['MIGRATE', '1', '536870912', 'a', '0', '200'], ['MIGRATE', '', t, 'a', '0', '200'],
    ['MIGRATE', 'nonexistent.invalid', t, 'a', '0', '200'], ['MIGRATE', 'localhost', ` ${t}`, 'a', '0', '1000', 'REPLACE', 'COPY'],
    ['SET', 'k\0\xff', 'v\r\n\0'], to('', '0', '1000', 'KEYS', 'k\0\xff'), ['EXISTS', 'k\0\xff'],
    ['COMMAND', 'GETKEYS', 'MIGRATE', 'h', 'p', '', '0', '1', 'AUTH', 'KEYS', 'x', 'y'],
    ['COMMAND', 'GETKEYS', 'MIGRATE', 'h', 'p', 'k', '0', '1', 'KEYS', 'x', 'y'],
    ['COMMAND', 'GETKEYS', 'MIGRATE', 'h', 'p', '', '0', '1', 'COPY', 'AUTH2', 'a', 'keys', 'x'],
    ['COMMAND', 'GETKEYS', 'MIGRATE', 'h', 'p', '', '0', '1', 'REPLACE', 'KEYS', 'x', 'y'],
    ['COMMAND', 'GETKEYS', 'MIGRATE', 'h', 'p', 'k', '0', '1', 'KEYS'],
  ];
}

/** What a target holds, read back: each key's value and whether it has a TTL, in databases 0 and 3. */
async function contents(port: number): Promise<string[]> {
  const c = await RawClient.connect(port);
  const out: string[] = [];
  for (const db of ['0', '3']) {
    await c.call('SELECT', db);
    for (const k of ['a', 'b', 'c', 'missing', 'k\0\xff']) {
      out.push(`${db} ${k}`, await c.call('GET', k), String((await c.call('PTTL', k)).startsWith(':-') ? 'none' : 'ttl'));
    }
  }
  c.close();
  return out;
}

/**
 * Side by side: Keystonelight and a redis-server source (`ours`, `theirs`), each with a target
 * redis-server of its own (`targets[0]`, `targets[1]`); null without redis-server (skipped loudly).
 */
async function migratePair(t: ExecutionContext): Promise<{ targets: RealRedis[]; ours: RawClient; theirs: RawClient } | null> {
  if (!needBinary(t, 'redis-server')) return null;
  const targets: RealRedis[] = [await startRealRedis(), await startRealRedis()];
  const source = await startRealRedis();
  const ks = await startServer({ port: 0 });
  t.teardown(async () => {
    await ks.close();
    for (const r of [...targets, source]) await r.stop();
  });
  const [ours, theirs] = await Promise.all([RawClient.connect(ks.port), RawClient.connect(source.port)]);
  return { targets, ours, theirs };
}

test('MIGRATE side by side with redis-server: replies, errors, what the target gets', async (t) => {
  const p = await migratePair(t);
  if (p === null) return;
  const { targets, ours, theirs } = p;
  const dead = String(await freePort());
  const oursSteps = steps(String(targets[0].port), dead);
  const theirSteps = steps(String(targets[1].port), dead);
  for (let i = 0; i < oursSteps.length; i++) {
    const a = await ours.call(...oursSteps[i]);
    const b = await theirs.call(...theirSteps[i]);
    t.is(a, b, `step ${i}: ${oursSteps[i].join(' ')}`);
  }
  t.deepEqual(await contents(targets[0].port), await contents(targets[1].port));
  const cached = async (c: RawClient): Promise<string | undefined> => /migrate_cached_sockets:\d+/.exec(await c.call('INFO', 'stats'))?.[0];
  t.is(await cached(ours), await cached(theirs));
  // 127.0.0.1 and localhost (' <port>' is the same name as read): the failed ones were closed.
  t.is(await cached(ours), 'migrate_cached_sockets:2');
});

test('the port argument is cut to 5 characters once read, as Redis prints it into anetTcpGenericConnect\'s portstr[6]', async (t) => {
  const p = await migratePair(t);
  if (p === null) return;
  const { targets, ours, theirs } = p;
  // `<port>7` is the target's port (5 digits, from the system's ephemeral range) for Redis, whose
  // %d is cut to 5 characters: not its low 16 bits. A negative one cut short stays negative.
  const args = (port: number): string[][] => [`${port}7`, `${port}7x`, ` ${port}99`, '-123456'].map((p) => ['MIGRATE', '127.0.0.1', p, 'a', '0', '1000', 'COPY', 'REPLACE']);
  for (const [c, port] of [[ours, targets[0].port], [theirs, targets[1].port]] as const) {
    t.is(await c.call('SET', 'a', '1'), '+OK\r\n');
    t.true(port >= 10000, `target port ${port} has 5 digits`);
  }
  const [a, b] = [args(targets[0].port), args(targets[1].port)];
  for (let i = 0; i < a.length; i++) t.is(await ours.call(...a[i]), await theirs.call(...b[i]), a[i].join(' '));
  t.is(await ours.call('MIGRATE', '127.0.0.1', `${targets[0].port}7`, 'a', '0', '1000', 'COPY', 'REPLACE'), '+OK\r\n');
});

test('the keys leave the source, their deletion reaches the AOF as one DEL, TTLs reach the target', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const target = await startRealRedis();
  const dir = tempDir('ks-migrate-');
  const config = { dir, appendonly: 'yes', appendfsync: 'always' };
  const ks = await startServer({ port: 0, config });
  t.teardown(() => target.stop());
  const c = await RawClient.connect(ks.port);
  const big = Buffer.alloc(3_000_000, 'abcdefgh').toString('latin1');
  await c.pipeline([['SET', 'k1', big], ['SET', 'k2', 'two', 'PX', '50000'], ['SET', 'k3', 'three'], ['SELECT', '2'], ['SET', 'k4', 'four']]);
  t.is(await c.call('MIGRATE', '127.0.0.1', String(target.port), '', '5', '5000', 'KEYS', 'k4'), '+OK\r\n');
  await c.call('SELECT', '0');
  t.is(await c.call('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', 'k1', 'k2', 'nope'), '+OK\r\n');
  t.is(await c.call('MIGRATE', '127.0.0.1', String(target.port), 'k3', '0', '5000', 'COPY'), '+OK\r\n');
  t.is(await c.call('EXISTS', 'k1', 'k2', 'k3'), ':1\r\n');
  const r = await RawClient.connect(target.port);
  t.is(await r.call('STRLEN', 'k1'), `:${big.length}\r\n`);
  t.is(await r.call('GET', 'k2'), '$3\r\ntwo\r\n');
  const pttl = Number((await r.call('PTTL', 'k2')).slice(1));
  t.true(pttl > 40000 && pttl <= 50000, `PTTL ${pttl}`);
  t.is(await r.call('GET', 'k3'), '$5\r\nthree\r\n');
  await r.call('SELECT', '5');
  t.is(await r.call('GET', 'k4'), '$4\r\nfour\r\n');
  r.close();
  const effects = parseAof(aofContent(dir)).filter((cmd) => cmd[0].toUpperCase() === 'DEL');
  t.deepEqual(effects, [['DEL', 'k4'], ['DEL', 'k1', 'k2']]);
  await ks.close();
  const again = await startServer({ port: 0, config });
  t.teardown(() => again.close());
  const c2 = await RawClient.connect(again.port);
  t.is(await c2.call('EXISTS', 'k1', 'k2', 'k3'), ':1\r\n');
  t.is(await c2.call('INFO', 'commandstats').then((s) => /cmdstat_migrate/.test(s)), false);
});

test('a cached connection the target has closed is replaced by a new one, as Redis retries', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const target = await startRealRedis(['--timeout', '1']);
  const ks = await startServer({ port: 0 });
  t.teardown(async () => {
    await ks.close();
    await target.stop();
  });
  const c = await RawClient.connect(ks.port);
  await c.pipeline([['SET', 'x', '1'], ['SET', 'y', '2']]);
  t.is(await c.call('MIGRATE', '127.0.0.1', String(target.port), 'x', '0', '1000'), '+OK\r\n');
  // The target's idle timeout (1 s, checked by its cron) closes the cached connection.
  const r = await RawClient.connect(target.port);
  await waitFor(async () => !/cmd=restore/.test(await r.call('CLIENT', 'LIST')), 10_000, 'the target to drop the idle connection');
  t.is(await c.call('MIGRATE', '127.0.0.1', String(target.port), 'y', '0', '1000'), '+OK\r\n');
  t.is(await r.call('MGET', 'x', 'y'), '*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
  r.close();
});

test('a target that does not answer: IOERR after the timeout, the keys stay; other clients wait for the end', async (t) => {
  const ks = await startServer({ port: 0 });
  t.teardown(() => ks.close());
  const [c, other] = await Promise.all([RawClient.connect(ks.port), RawClient.connect(ks.port)]);
  await c.call('SET', 'k', 'v');
  // To itself: the server cannot read its own RESTORE while it waits, as with Redis.
  const started = performance.now();
  c.write('*6\r\n$7\r\nMIGRATE\r\n$9\r\n127.0.0.1\r\n' + `$${String(ks.port).length}\r\n${ks.port}\r\n` + '$1\r\nk\r\n$1\r\n0\r\n$3\r\n300\r\n');
  other.write('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
  t.is(await c.read(), '-IOERR error or timeout reading to target instance\r\n');
  t.true(performance.now() - started >= 290);
  t.is(await other.read(), '$1\r\nv\r\n');
});

test('no other client sees the keys between their transfer and their deletion', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const target = await startRealRedis();
  const ks = await startServer({ port: 0 });
  t.teardown(async () => {
    await ks.close();
    await target.stop();
  });
  const [c, other] = await Promise.all([RawClient.connect(ks.port), RawClient.connect(ks.port)]);
  await c.call('SET', 'k', 'v');
  // The target sleeps first, so the MIGRATE waits for it; the GET sent meanwhile runs after it.
  const slow = await RawClient.connect(target.port);
  slow.write('*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$3\r\n0.3\r\n');
  await new Promise((r) => setTimeout(r, 50));
  c.write(`*6\r\n$7\r\nMIGRATE\r\n$9\r\n127.0.0.1\r\n$${String(target.port).length}\r\n${target.port}\r\n$1\r\nk\r\n$1\r\n0\r\n$4\r\n5000\r\n`);
  await new Promise((r) => setTimeout(r, 50));
  other.write('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
  t.is(await c.read(), '+OK\r\n');
  t.is(await other.read(), '$-1\r\n');
  slow.close();
});

test('cluster mode sends RESTORE-ASKING; MONITOR shows AUTH secrets redacted; MULTI and ioredis', async (t) => {
  const target = await startBundle(['--enable-debug-command', 'yes']);
  const ks = await startServer({ port: 0, config: { 'cluster-enabled': 'yes', dir: tempDir('ks-migrate-cluster-') } });
  t.teardown(async () => {
    await ks.close();
    await target.stop();
  });
  const mon = await RawClient.connect(target.port);
  t.is(await mon.call('MONITOR'), '+OK\r\n');
  const ownMon = await RawClient.connect(ks.port);
  t.is(await ownMon.call('MONITOR'), '+OK\r\n');
  const io = new Redis({ port: ks.port, lazyConnect: true });
  await io.connect();
  t.teardown(() => io.disconnect());
  await io.set('{t}a', 'A');
  await io.set('{t}b', 'B');
  t.is(await io.migrate('127.0.0.1', target.port, '{t}a', 0, 1000, 'COPY'), 'OK');
  t.regex(await mon.read(), /"SELECT" "0"/);
  t.regex(await mon.read(), /"RESTORE-ASKING" "\{t\}a" "0" ".*"/);
  // ioredis's own MULTI: MIGRATE runs inside EXEC, with AUTH2 to a target without users (its error).
  const r = await io.multi().migrate('127.0.0.1', target.port, '{t}b', 0, 1000, 'AUTH2', 'u', 'secret').exec();
  t.regex(String(r?.[0][0]), /Target instance replied with error: WRONGPASS invalid username-password pair/);
  t.is(await io.get('{t}b'), 'B');
  let line = '';
  while (!/"migrate"/i.test(line) || !line.includes('AUTH2')) line = await ownMon.read();
  t.true(line.includes('"AUTH2" "(redacted)" "(redacted)"'), line);
  t.false(line.includes('secret'));
  // The keys of KEYS are the command's keys: in one slot, as any multi-key command.
  await t.throwsAsync(io.migrate('127.0.0.1', target.port, '', 0, 1000, 'KEYS', '{t}a', 'other'), { message: /^CROSSSLOT/ });
});

/**
 * A target that answers SELECT with +OK and each RESTORE with `restore(key)`: the bytes to send,
 * or pieces sent `gapMs` apart. It serves in this process, so the sources are other processes.
 */
async function scriptedTarget(restore: (key: string) => string | string[], gapMs = 0): Promise<{ port: number; close: () => void }> {
  const server = createServer((s) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      // Each command MIGRATE sends: *<n>, then $<len> and the argument, n times.
      for (let m = /^\*(\d+)\r\n/.exec(buf); m !== null; m = /^\*(\d+)\r\n/.exec(buf)) {
        const args: string[] = [];
        let at = m[0].length;
        for (let i = 0; i < Number(m[1]); i++) {
          const len = /^\$(\d+)\r\n/.exec(buf.slice(at));
          if (len === null || buf.length < at + len[0].length + Number(len[1]) + 2) return;
          args.push(buf.substr(at + len[0].length, Number(len[1])));
          at += len[0].length + Number(len[1]) + 2;
        }
        buf = buf.slice(at);
        const answer = args[0] === 'SELECT' ? '+OK\r\n' : restore(args[1]);
        [answer].flat().forEach((piece, i) => setTimeout(() => s.write(Buffer.from(piece, 'latin1')), i * gapMs));
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

// Serial (AVA runs serial tests first, one at a time): its scripted targets answer from this
// process, and the other tests' in-process sources block this process for each MIGRATE (Atomics.wait
// on the sync link; timers in this process ran up to 636 ms late in the file's first seconds under
// load), which can hold the 150 ms-apart bytes back past the 400 ms timeout: redis-server answered
// IOERR once in 15 runs of this file beside persist-aof-start with two busy loops on 2 cores.
test.serial('reply lines read as Redis reads them: per-byte timeout, 1,023-byte cut, "\\r\\n" a line, %s at a NUL', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const ks = await startBundle();
  const real = await startRealRedis();
  t.teardown(async () => {
    await ks.stop();
    await real.stop();
  });
  const cases: [(key: string) => string | string[], number, string[]][] = [
    // A reply word that is not an error is an acknowledgement, even one reading "timeout".
    [() => 'timeout\r\n', 0, ['k1']],
    [() => '\r\n', 0, ['k1']],
    // Bytes 150 ms apart under a 400 ms timeout: Redis waits for each byte, not for the line.
    [() => ['+', 'O', 'K', '\r\n'], 150, ['k1']],
    // 1,022 bytes and CR: cut before the LF, which is then k2's (empty, failed) reply.
    [(k) => (k === 'k1' ? `-ERR ${'x'.repeat(1017)}\r\n` : '+OK\r\n'), 0, ['k1', 'k2']],
    [(k) => (k === 'k1' ? '-ERR a\0b\r\n' : '+OK\r\n'), 0, ['k1', 'k2']],
  ];
  const replies: string[][] = [[], []];
  for (const [restore, gap, keys] of cases) {
    const target = await scriptedTarget(restore, gap);
    for (const [i, port] of [ks.port, real.port].entries()) {
      const c = await RawClient.connect(port);
      await c.pipeline([['FLUSHALL'], ['MSET', 'k1', 'a', 'k2', 'b']]);
      replies[i].push(await c.call('MIGRATE', '127.0.0.1', String(target.port), '', '0', '400', 'KEYS', ...keys), await c.call('EXISTS', 'k1', 'k2'));
      c.close();
    }
    target.close();
  }
  t.deepEqual(replies[0], replies[1]);
});

test('what a target sends beyond its replies stays in the kernel, not in the server\'s memory', async (t) => {
  const ks = await startBundle();
  t.teardown(() => ks.stop());
  // After answering SELECT and RESTORE, the target writes as fast as its peer takes the bytes.
  let written = 0;
  let flooding = true;
  const target = createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      s.write('+OK\r\n+OK\r\n');
      const chunk = Buffer.alloc(1 << 20, 'x');
      const more = (): void => {
        while (flooding && s.write(chunk)) written += chunk.length;
        if (flooding) s.once('drain', more);
      };
      more();
    });
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  t.teardown(() => target.close());
  const c = await RawClient.connect(ks.port);
  await c.call('SET', 'k', 'v');
  t.is(await c.call('MIGRATE', '127.0.0.1', String((target.address() as AddressInfo).port), 'k', '0', '1000'), '+OK\r\n');
  // Once the socket buffers of both ends are full (a few MB), the target can write no more; a
  // thread that read on would take its bytes (and hold them) for as long as it sends.
  await new Promise((r) => setTimeout(r, 700));
  const filled = written;
  await new Promise((r) => setTimeout(r, 1500));
  flooding = false;
  t.true(written - filled <= 1 << 20, `the target wrote ${(written - filled) >> 20} MB more in the last 1.5 s (${written >> 20} MB in all)`);
  t.is(await c.call('PING'), '+PONG\r\n');
});

/**
 * A redis-server target that answers no connection: stopped (SIGSTOP) with its listen queue
 * (`tcp-backlog 1`) filled, so a new connection's SYN goes unanswered until it is continued.
 */
async function unanswering(t: ExecutionContext): Promise<{ port: string }> {
  const target = await startRealRedis(['--tcp-backlog', '1']);
  t.teardown(async () => {
    target.proc.kill('SIGCONT');
    await target.stop();
  });
  target.proc.kill('SIGSTOP');
  const fill = [1, 2, 3].map(() => connect(target.port, '127.0.0.1').on('error', () => {}));
  t.teardown(() => fill.forEach((s) => s.destroy()));
  await new Promise((r) => setTimeout(r, 200));
  return { port: String(target.port) };
}

test('a connect that times out is no error, as Redis\'s: the write waits for it in its own timeout (IOERR ... writing after twice the timeout)', async (t) => {
  // redis-server 7.0.15's connSocketBlockingConnect returns C_OK when its wait times out, and its
  // syncWrite then waits for the socket to connect. Before: ours answered right after the connect's
  // timeout, so a SYN answered during the write's timeout never got through. (Within 800 ms no SYN
  // is sent again: the first retransmission is at 1 s.)
  if (!needBinary(t, 'redis-server')) return;
  const source = await startRealRedis();
  // In a process of its own: its MIGRATE holds up its thread ~800 ms, which would stall the
  // scripted targets other tests of this file run in this one.
  const ks = await startBundle();
  t.teardown(async () => {
    await ks.stop();
    await source.stop();
  });
  const sources = await Promise.all([RawClient.connect(source.port), RawClient.connect(ks.port)]);
  const replies = await Promise.all(sources.map(async (c) => {
    const target = await unanswering(t);
    await c.call('SET', 'k', 'v');
    const started = performance.now();
    return [await c.call('MIGRATE', '127.0.0.1', target.port, 'k', '0', '400'), performance.now() - started] as const;
  }));
  for (const [reply, ms] of replies) {
    t.is(reply, '-IOERR error or timeout writing to target instance\r\n');
    t.true(ms >= 750, `${ms} ms`);
  }
  for (const c of sources) t.is(await c.call('EXISTS', 'k'), ':1\r\n');
});
