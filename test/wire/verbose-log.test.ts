// The verbose and debug log lines about clients and databases, against redis-server 7.0.15's own
// (the same steps on both, lines compared by shape: numbers that differ by nature are masked).

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/index.js';
import { waitFor } from '../helpers/aof.js';
import { needBinary } from '../helpers/bins.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis, type RealRedis } from '../helpers/redis.js';

const read = (file: string): string => {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return '';
  }
};

/** The log's lines of interest, without pid and time, with the client's port as PORT. */
async function linesAfterSteps(port: number, logfile: string): Promise<string[]> {
  const c = await RawClient.connect(port);
  const local = c.socket.localPort!;
  await c.call('SET', 'a', '1');
  await c.call('SET', 'b', '1', 'EX', '100');
  c.close();
  const want = [/ - Accepted /, / - Client closed connection /, / - DB 0: /, / \. \d+ clients connected/];
  // The DB line comes with the cron's next 5-second period after the SETs.
  await waitFor(() => want.every((re) => re.test(read(logfile))), 20_000, 'the verbose and debug lines');
  const masked = read(logfile).split('\n')
    .filter((l) => want.some((re) => re.test(l)))
    // Only this client's own lines (redis-server also logs its start-up probe's connection).
    .filter((l) => !/ - (Accepted|Client closed connection) /.test(l) || l.includes(`:${local}`))
    .map((l) => l.replace(/^\d+:M \d\d \w{3} \d{4} [\d:.]+ /, '').replaceAll(`:${local} `, ':PORT ').replace(new RegExp(`:${local}$`), ':PORT'));
  return masked;
}

/** Field names of a client line, and the fields whose values both servers must agree on. */
function shape(line: string): string {
  if (!line.startsWith('- Client closed connection ')) {
    return line.replace(/ in \d+ slots HT\.$/, ' in N slots HT.').replace(/\d+ bytes in use$/, 'N bytes in use').replace(/^\. \d+ clients/, '. N clients');
  }
  const same = new Set(['addr', 'name', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'qbuf', 'argv-mem', 'obl', 'oll', 'omem', 'cmd', 'user', 'redir', 'resp']);
  return line.split(' ').map((f) => {
    const eq = f.indexOf('=');
    return eq < 0 || same.has(f.slice(0, eq)) ? f : `${f.slice(0, eq)}=N`;
  }).join(' ');
}

/**
 * redis-server and ours, both logging at `level` into files of a temporary directory, stopped and
 * removed after the test.
 */
async function bothLogging(t: ExecutionContext, level: string): Promise<{ redis: RealRedis; ks: RunningServer; redisLog: string; ksLog: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ks-vlog-'));
  const redisLog = join(dir, 'redis.log');
  const ksLog = join(dir, 'ks.log');
  const redis = await startRealRedis(['--loglevel', level, '--logfile', redisLog]);
  const ks = await startServer({ port: 0, config: { logfile: ksLog, loglevel: level } });
  t.teardown(async () => {
    await Promise.all([ks.close(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  return { redis, ks, redisLog, ksLog };
}

test('loglevel debug: Accepted, Client closed connection, the DB and clients lines every 5 s, as redis-server 7.0.15', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { redis, ks, redisLog, ksLog } = await bothLogging(t, 'debug');
  const [theirs, ours] = await Promise.all([linesAfterSteps(redis.port, redisLog), linesAfterSteps(ks.port, ksLog)]);
  const first = (lines: string[], re: RegExp): string => shape(lines.find((l) => re.test(l)) ?? '(none)');
  t.is(first(ours, /^- Accepted /), '- Accepted 127.0.0.1:PORT');
  for (const re of [/^- Accepted /, /^- Client closed connection /, /^- DB 0: /, /^\. \d+ clients connected/]) {
    t.is(first(ours, re), first(theirs, re));
  }
  t.regex(ours.find((l) => /^- DB 0: /.test(l))!, /^- DB 0: 2 keys \(1 volatile\) in \d+ slots HT\.$/);
});

test('loglevel notice: none of those lines', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-vlog-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const logfile = join(dir, 'ks.log');
  const ks = await startServer({ port: 0, config: { logfile, loglevel: 'notice' } });
  try {
    const c = await RawClient.connect(ks.port);
    await c.call('SET', 'a', '1');
    t.is(await c.call('CONFIG', 'SET', 'loglevel', 'verbose'), '+OK\r\n'); // from now on: the next client is logged
    c.close();
    await c.waitClosed();
    const d = await RawClient.connect(ks.port);
    await waitFor(() => / - Accepted /.test(read(logfile)), 10_000, 'the Accepted line');
    d.close();
    t.is(read(logfile).split('\n').filter((l) => / - Accepted /.test(l)).length, 1);
    t.notRegex(read(logfile), / \. \d+ clients connected/);
  } finally {
    await ks.close();
  }
});

test('loglevel verbose: a client closed by the server (QUIT, with or without its FIN) gets no Client closed connection line, as redis-server 7.0.15', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { redis, ks, redisLog, ksLog } = await bothLogging(t, 'verbose');
  for (const [name, port, file] of [['redis-server', redis.port, redisLog], ['ours', ks.port, ksLog]] as const) {
    const quit = await RawClient.connect(port);
    const quitPort = quit.socket.localPort!;
    t.is(await quit.call('QUIT'), '+OK\r\n');
    await quit.waitClosed(); // our side ended after the server's FIN: the server reads EOF
    const quitFin = await RawClient.connect(port);
    const quitFinPort = quitFin.socket.localPort!;
    quitFin.write('QUIT\r\n');
    quitFin.socket.end();
    await quitFin.waitClosed();
    const peer = await RawClient.connect(port);
    const peerPort = peer.socket.localPort!;
    await peer.call('PING');
    peer.close();
    // (Ports read while connected: a closed socket forgets its own.)
    const closedLine = (localPort: number): RegExp => new RegExp(` - Client closed connection id=\\d+ addr=127\\.0\\.0\\.1:${localPort} `);
    // The peer's own close is logged; it came after the others' EOFs.
    await waitFor(() => closedLine(peerPort).test(read(file)), 10_000, `${name}: the line of a peer that closed`);
    t.notRegex(read(file), closedLine(quitPort), `${name}: QUIT`);
    t.notRegex(read(file), closedLine(quitFinPort), `${name}: QUIT and FIN in one write`);
  }
});

test('loglevel verbose: a protocol error is logged as redis-server 7.0.15 logs it: its reason, the client, the query buffer from the error', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { redis, ks, redisLog, ksLog } = await bothLogging(t, 'verbose');
  const inputs = ['*1\r\n$x\r\n', '*1\r\nGET\r\n', 'SET "a\r\n', '*abc\r\n', `*2\r\n$1\r\na\r\n$${'9'.repeat(30)}\r\n${'\xe9b'.repeat(100)}\r\n`, '*1\r\n$x\r\nab\0hidden'];
  const seen: string[][] = [];
  for (const [port, file] of [[redis.port, redisLog], [ks.port, ksLog]] as const) {
    const lines: string[] = [];
    for (const input of inputs) {
      const c = await RawClient.connect(port);
      const local = c.socket.localPort!;
      c.write(input);
      await c.waitClosed();
      const re = new RegExp(` - Protocol error \\(.* addr=127\\.0\\.0\\.1:${local} `);
      await waitFor(() => re.test(read(file)), 10_000, `the line of ${JSON.stringify(input)}`);
      const line = read(file).split('\n').find((l) => re.test(l))!;
      // The client's fields that differ by nature (id, ports, fd, sizes of buffers) masked.
      lines.push(line.replace(/^\d+:M \d\d \w{3} \d{4} [\d:.]+ - /, '').replace(/ (id|addr|laddr|fd|age|idle|qbuf|qbuf-free|rbs|rbp|tot-mem)=\S+/g, ' $1=N'));
    }
    seen.push(lines);
  }
  t.is(seen[1][0], "Protocol error (invalid bulk length) from client: id=N addr=N laddr=N fd=N name= age=N idle=N flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=N qbuf-free=N argv-mem=0 multi-mem=0 rbs=N rbp=N obl=42 oll=0 omem=0 tot-mem=N events=r cmd=NULL user=default redir=-1 resp=2. Query buffer during protocol error: '$x..'");
  t.deepEqual(seen[1], seen[0]);
});

test('loglevel verbose: a client line of a long name is cut with its message at 1023 bytes, as redis-server 7.0.15 cuts it (a 512 MB name ended the process)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { redis, ks, redisLog, ksLog } = await bothLogging(t, 'verbose');
  const lines: string[] = [];
  for (const [port, file] of [[redis.port, redisLog], [ks.port, ksLog]] as const) {
    const c = await RawClient.connect(port);
    const local = c.socket.localPort!;
    t.is(await c.call('CLIENT', 'SETNAME', 'n'.repeat(3000)), '+OK\r\n');
    c.write('*abc\r\n');
    await c.waitClosed();
    const re = new RegExp(` - Protocol error \\(.* addr=127\\.0\\.0\\.1:${local} `);
    await waitFor(() => re.test(read(file)), 10_000, 'the protocol error line');
    lines.push(read(file).split('\n').find((l) => re.test(l))!.replace(/^\d+:M \d\d \w{3} \d{4} [\d:.]+ - /, ''));
  }
  const [theirs, ours] = lines;
  t.is(theirs.length, 1023);
  t.is(ours.length, theirs.length);
  t.regex(ours, /^Protocol error \(invalid mbulk count\) from client: id=\d+ .* name=n+$/);
});
