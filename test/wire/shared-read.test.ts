// Every client socket is read into one shared buffer (server/shared-read.ts), overwritten by the
// next read of any client. Many clients here send pipelines of SETs, cut into random pieces and
// interleaved, with values of every size class (small, straddling reads, bigger than a read, the
// decoder's big-bulk path), multibulk and inline: every value must arrive intact under its key.
// readShared itself: an accepted socket is wrapped again, or read with data events when the
// handle lacks what the shared buffer needs.

import test, { type ExecutionContext } from 'ava';
import { connect, createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { readShared } from '../../src/server/shared-read.js';
import { Redis } from 'ioredis';
import { serve } from '../helpers/serve.js';
import { encodeArgs } from '../helpers/resp.js';
import { mulberry32, type Rng } from '../helpers/rng.js';

function value(rng: Rng, client: number, i: number): string {
  const sizes = [5, 300, 5000, 70_000, 150_000];
  const n = Math.floor(rng() * sizes[Math.floor(rng() * sizes.length)]) + 1;
  // Distinct content per key and position, so a stale or shifted byte shows.
  let s = `${client}:${i}:`;
  while (s.length < n) s += String.fromCharCode(33 + ((s.length * 7 + client * 13 + i) % 90));
  return s.slice(0, n);
}

async function sendInPieces(sock: Socket, bytes: Buffer, rng: Rng): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(rng() * (rng() < 0.5 ? 50 : 90_000));
    sock.write(bytes.subarray(at, at + n));
    at += n;
    // Let other clients' pieces reach the server between ours.
    await new Promise((r) => setImmediate(r));
  }
}

test('values from many clients, cut into random interleaved pieces, all arrive intact', async (t) => {
  const s = await serve(t);
  const rng = mulberry32(9001);
  const clients = 12;
  const perClient = 40;
  const expected = new Map<string, string>();
  const sends: Promise<void>[] = [];
  for (let c = 0; c < clients; c++) {
    const parts: Buffer[] = [];
    for (let i = 0; i < perClient; i++) {
      const key = `k:${c}:${i}`;
      const v = value(rng, c, i);
      expected.set(key, v);
      // Small values now and then as inline commands (no spaces or quotes in them).
      parts.push(v.length < 200 && !/[\s"']/.test(v) ? Buffer.from(`SET ${key} ${v}\r\n`, 'latin1') : encodeArgs(['SET', key, v]));
    }
    const sock = connect(s.port, '127.0.0.1');
    t.teardown(() => sock.destroy());
    let got = 0;
    // Every SET answers +OK; garbled framing shows as a closed connection or missing replies.
    const replied = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client ${c}: ${got} of ${perClient * 5} reply bytes after 20 s`)), 20_000);
      sock.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= perClient * 5) {
          clearTimeout(timer);
          resolve();
        }
      });
      sock.on('close', () => reject(new Error(`client ${c}: connection closed after ${got} reply bytes`)));
    });
    await new Promise((r) => sock.once('connect', r));
    sends.push(sendInPieces(sock, Buffer.concat(parts), mulberry32(c + 1)).then(() => replied));
  }
  await Promise.all(sends);
  const r = new Redis(s.port, { lazyConnect: true });
  t.teardown(() => r.disconnect());
  await r.connect();
  const keys = [...expected.keys()];
  const got = await r.mget(...keys);
  let bad = 0;
  keys.forEach((k, i) => {
    if (got[i] !== expected.get(k)) bad++;
  });
  t.is(bad, 0, `${bad} of ${keys.length} values differ`);
  t.is(await r.dbsize(), keys.length);
});

/** Accepts one connection through readShared; what the client's PING delivered, and whether it was re-wrapped. */
async function readOne(t: ExecutionContext, hideInternals: boolean): Promise<{ text: string; rewrapped: boolean }> {
  const got: Buffer[] = [];
  let rewrapped: boolean | null = null;
  const srv = createServer({ pauseOnConnect: true }, (accepted) => {
    // As on a Node whose TCP handles lack it: an own property hides the prototype's method.
    if (hideInternals) (accepted as unknown as { _handle: Record<string, unknown> })._handle.useUserBuffer = undefined;
    rewrapped = readShared(accepted, (chunk) => got.push(Buffer.from(chunk))) !== accepted;
  });
  t.teardown(() => srv.close());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const c = connect((srv.address() as AddressInfo).port, '127.0.0.1');
  t.teardown(() => c.destroy());
  c.write('PING\r\n');
  for (const end = Date.now() + 5000; Buffer.concat(got).length < 6 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
  return { text: Buffer.concat(got).toString(), rewrapped: rewrapped ?? false };
}

test('an accepted socket is wrapped again to read into the shared buffer', async (t) => {
  t.deepEqual(await readOne(t, false), { text: 'PING\r\n', rewrapped: true });
});

test('without the handle internals it needs, a socket is read with data events instead', async (t) => {
  t.deepEqual(await readOne(t, true), { text: 'PING\r\n', rewrapped: false });
});

test('a connection that cannot be set up is dropped and logged; the server goes on', async (t) => {
  const s = await serve(t);
  const warnings: string[] = [];
  (s.server.log as unknown as { warning: (m: string) => void }).warning = (m: string) => warnings.push(m);
  const listener = (s.server.listeners as unknown as { tcp: { server: Server }[] }).tcp[0].server;
  // The next accepted socket's handle refuses the shared buffer (as a future Node might).
  const sabotage = (accepted: Socket): void => {
    (accepted as unknown as { _handle: Record<string, unknown> })._handle.useUserBuffer = () => {
      throw new Error('refused');
    };
  };
  listener.prependOnceListener('connection', sabotage);
  const victim = connect(s.port, '127.0.0.1');
  victim.on('error', () => {});
  t.teardown(() => victim.destroy());
  await new Promise((r) => victim.once('close', r));
  t.true(warnings.some((w) => w.includes('could not be set up') && w.includes('refused')), warnings.join('\n'));
  const r = new Redis(s.port);
  t.teardown(() => r.disconnect());
  t.is(await r.ping(), 'PONG');
});

// A review: the connection failing after the re-wrap left the new socket, which holds the handle,
// open and reading (only the accepted one, without a handle by then, was destroyed).
test('a connection that fails after its socket was wrapped again is closed too', async (t) => {
  const s = await serve(t);
  (s.server.log as unknown as { warning: (m: string) => void }).warning = () => {};
  const listener = (s.server.listeners as unknown as { tcp: { server: Server }[] }).tcp[0].server;
  const setNoDelay = Socket.prototype.setNoDelay;
  t.teardown(() => (Socket.prototype.setNoDelay = setNoDelay));
  // The Connection's first call on the re-wrapped socket throws, once.
  listener.prependOnceListener('connection', () => {
    Socket.prototype.setNoDelay = function (): Socket {
      Socket.prototype.setNoDelay = setNoDelay;
      throw new Error('refused');
    };
  });
  const victim = connect(s.port, '127.0.0.1');
  victim.on('error', () => {});
  t.teardown(() => victim.destroy());
  const closed = await Promise.race([
    new Promise((r) => victim.once('close', () => r(true))),
    new Promise((r) => setTimeout(() => r(false), 3000)),
  ]);
  t.true(closed, 'the client was disconnected');
  const r = new Redis(s.port);
  t.teardown(() => r.disconnect());
  t.is(await r.ping(), 'PONG');
});
