// Big values through a real socket: requests whose big bulk arrives over many reads of odd sizes
// (protocol/big-bulk.ts), pipelines of big SETs and GETs in one write (replies as pieces of their
// own, ReplyBuffer.piece(), and request buffers reused from piece-pool.ts), and the AOF they
// leave: byte for byte the canonical encoding of the commands, as Redis writes it; and a big reply
// a slow reader has not taken yet, of a value changed in place after it (keyspace/values.ts
// ByteString): the reader gets the bytes the value had when its command ran, as from redis-server.

import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { RawClient } from '../helpers/raw.js';
import { aofBytes, aofContent } from '../helpers/aof.js';
import { encodeArgs } from '../helpers/resp.js';
import { mulberry32 } from '../helpers/rng.js';
import { serve } from '../helpers/serve.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';

/** `n` bytes of every value (CR, LF and NUL included), from a seed. */
function value(n: number, seed: number): string {
  const rng = mulberry32(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng() * 256);
  return b.toString('latin1');
}

const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('big values split across reads, and pipelines of them, are stored, answered and logged exactly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-bigvalues-'));
  const s = await serve(t, { config: { appendonly: 'yes', dir, appendfsync: 'always' } });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  const logged: string[][] = [['SELECT', '0']];

  // One request at a time, written in slices of odd sizes with pauses between them, so that the
  // server reads it in many pieces (header and value cut anywhere).
  const sizes = [40_000, 100_000, 700_000];
  for (const [i, n] of sizes.entries()) {
    const args = ['SET', `k${i}`, value(n, i)];
    const req = encodeArgs(args);
    const slices = [1, 3, 10, 7, 1000, 16_384, 65_536, 5, 200_000];
    let at = 0;
    for (let j = 0; at < req.length; j++) {
      const len = slices[j % slices.length];
      c.write(req.subarray(at, at + len));
      at += len;
      if (j < 12) await pause(2);
    }
    t.is(await c.read(), '+OK\r\n');
    logged.push(args);
    t.is(await c.call('GET', `k${i}`), bulk(args[2]), `GET k${i}`);
  }

  // A pipeline of big SETs and GETs in one write, small commands between them.
  const cmds: string[][] = [];
  const expected: string[] = [];
  for (let i = 0; i < 16; i++) {
    const v = value(100_000 + i, 100 + i);
    cmds.push(['SET', `p${i}`, v], ['GET', `p${i}`], ['INCR', 'n']);
    expected.push('+OK\r\n', bulk(v), `:${i + 1}\r\n`);
    logged.push(['SET', `p${i}`, v], ['INCR', 'n']);
  }
  cmds.push(['MSET', 'm1', value(50_000, 1), 'm2', 'x', 'm3', value(60_000, 3)]);
  expected.push('+OK\r\n');
  logged.push(cmds[cmds.length - 1]);
  cmds.push(['MGET', 'p3', 'nope', 'm1', 'p15', 'm2']);
  expected.push(`*5\r\n${bulk(value(100_003, 103))}$-1\r\n${bulk(value(50_000, 1))}${bulk(value(100_015, 115))}${bulk('x')}`);
  const got = await c.pipeline(cmds);
  for (let i = 0; i < cmds.length; i++) {
    if (got[i] !== expected[i]) t.fail(`reply ${i} (${cmds[i][0]} ${cmds[i][1]}) differs`);
  }
  t.true(aofContent(dir).equals(aofBytes(...logged)), 'the AOF holds exactly the canonical commands');
  await s.close();

  // And it loads back.
  const again = await serve(t, { config: { appendonly: 'yes', dir } });
  const c2 = await RawClient.connect(again.port);
  t.teardown(() => c2.close());
  t.is(await c2.call('GET', 'k2'), bulk(value(700_000, 2)));
  t.is(await c2.call('STRLEN', 'p7'), ':100007\r\n');
});

/** A connection that sent `cmd` as `name` and reads nothing until `take` is called. */
interface Unread {
  /** The server's output bytes for it (CLIENT LIST omem) once the command ran. */
  queued: number;
  take(bytes: number): Promise<string>;
}

/** Sends `cmd` on a connection that then leaves its replies unread; resolves once `admin` sees it ran (CLIENT LIST cmd=). */
async function unread(port: number, admin: RawClient, name: string, cmd: string[]): Promise<Unread> {
  const socket: Socket = connect({ port, host: '127.0.0.1' });
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.pause();
  socket.write(Buffer.concat([encodeArgs(['CLIENT', 'SETNAME', name]), encodeArgs(cmd)]));
  const ran = new RegExp(`name=${name} .*omem=(\\d+) .*cmd=${cmd[0].toLowerCase()}`);
  let m: RegExpExecArray | null;
  while ((m = ran.exec(await admin.call('CLIENT', 'LIST'))) === null) await pause(5);
  return {
    queued: Number(m[1]),
    async take(bytes: number): Promise<string> {
      const chunks: Buffer[] = [];
      let have = 0;
      socket.on('data', (d: Buffer) => (chunks.push(d), (have += d.length)));
      socket.resume();
      for (let waited = 0; have < bytes && waited < 30_000; waited += 10) await pause(10);
      socket.destroy();
      return Buffer.concat(chunks).toString('latin1');
    },
  };
}

/**
 * The replies of big reads left unread while another client changes the value in place at both
 * ends (where the bytes still queued are), as `port`'s server sends them: GET, GETRANGE, GETEX and
 * DUMP of a 16 MB string made a ByteString by an APPEND.
 */
async function unreadAfterChanges(port: number): Promise<{ got: string[]; want: string[]; queued: number[] }> {
  const admin = await RawClient.connect(port);
  try {
    const v = value(16 * 1024 * 1024, 9);
    await admin.call('SET', 'k', v.slice(0, -1));
    await admin.call('APPEND', 'k', v.slice(-1));
    const dump = await admin.call('DUMP', 'k');
    const cmds = [['GET', 'k'], ['GETRANGE', 'k', '0', '-1'], ['GETEX', 'k', 'PX', '100000'], ['DUMP', 'k']];
    const want = [bulk(v), bulk(v), bulk(v), dump].map((r) => `+OK\r\n${r}`);
    const readers: Unread[] = [];
    for (const [i, cmd] of cmds.entries()) readers.push(await unread(port, admin, `r${i}`, cmd));
    await admin.call('SETRANGE', 'k', String(v.length - 8), 'YYYYYYYY');
    await admin.call('APPEND', 'k', 'ZZZZ');
    await admin.call('SETRANGE', 'k', '0', 'XXXX');
    await admin.call('SETBIT', 'k', '5', '1');
    await admin.call('BITFIELD', 'k', 'SET', 'u8', String(8 * (v.length - 20)), '255');
    const got: string[] = [];
    for (const [i, r] of readers.entries()) got.push(await r.take(want[i].length));
    return { got, want, queued: readers.map((r) => r.queued) };
  } finally {
    admin.close();
  }
}

test('a big reply not yet taken by its reader keeps the bytes the value had when it was read, changed in place after it', async (t) => {
  const s = await serve(t);
  const redis = needBinary(t, 'redis-server') ? await startRealRedis() : null;
  if (redis !== null) t.teardown(() => redis.stop());
  const servers: [string, number][] = [['ours', s.port]];
  if (redis !== null) servers.push(['redis-server', redis.port]);
  for (const [who, port] of servers) {
    const { got, want, queued } = await unreadAfterChanges(port);
    // Most of each reply still waits in the server when the value changes: what the test is about.
    for (const [i, n] of queued.entries()) t.true(n > 4 * 1024 * 1024, `${who}: reply ${i} queued (omem=${n})`);
    for (let i = 0; i < want.length; i++) t.true(got[i] === want[i], `${who}: reply ${i} (${got[i].length} bytes, ${want[i].length} expected)`);
  }
});
