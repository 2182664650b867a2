// Fairness between clients: one client sending a long pipeline (a bulk load) must not hold the
// others for the whole of what the kernel has buffered. libuv reads a readable socket up to 32
// times in a row (64 KB each); the connection pauses its socket after 64 KB a turn, so the other
// clients are read between its chunks, as Redis reads each client once per event-loop iteration.
// Counted in commands, not timed: how many of the bulk client's INCRs run between two consecutive
// GETs of another client.

import test from 'ava';
import { connect } from 'node:net';
import { serve } from '../helpers/serve.js';
import { RawClient } from '../helpers/raw.js';
import { encodeArgs } from '../helpers/resp.js';
import { Redis } from 'ioredis';

test('a client sending a long pipeline does not hold the others: they are read between its 64 KB reads', async (t) => {
  const s = await serve(t);
  const n = 400_000;
  const incr = encodeArgs(['INCR', 'counter']);
  const bulk = connect(s.port, '127.0.0.1');
  t.teardown(() => bulk.destroy());
  await new Promise((r) => bulk.once('connect', r));
  let replies = 0;
  bulk.on('data', (d: Buffer) => {
    for (const c of d) if (c === 10) replies++;
  });
  const other = await RawClient.connect(s.port);
  t.teardown(() => other.close());
  bulk.write(Buffer.concat(new Array<Buffer>(n).fill(incr))); // 10.8 MB
  const seen: number[] = [];
  for (;;) {
    const r = await other.call('GET', 'counter');
    const v = r === '$-1\r\n' ? 0 : Number(r.split('\r\n')[1]);
    seen.push(v);
    if (v >= n) break;
  }
  t.true(seen.length > 10, `the other client was served ${seen.length} times during the pipeline`);
  // Steps between consecutive GETs while the pipeline ran. A 64 KB read holds ~2,400 of these
  // INCRs: measured, 4,855 (two reads per round trip of the other client); without the pause
  // about 25,000 here (a turn ran every read the kernel had buffered, up to 32).
  const steps = seen.slice(1).map((v, i) => v - seen[i]).filter((d, i) => seen[i] > 0 && seen[i + 1] < n);
  steps.sort((a, b) => a - b);
  const median = steps[steps.length >> 1];
  t.true(median < 12_000, `median INCRs between two GETs of another client: ${median} (steps ${steps.slice(0, 5).join(',')}...${steps.slice(-5).join(',')})`);
  while (replies < n) await new Promise((r) => setTimeout(r, 5));
  t.is(replies, n);
});

test('a client whose 64 KB turn ends with QUIT or a protocol error is closed once it hangs up', async (t) => {
  const s = await serve(t);
  const r = new Redis(s.port);
  t.teardown(() => r.disconnect());
  const clients = async (): Promise<number> => Number(/connected_clients:(\d+)/.exec(await r.info('clients'))![1]);
  t.is(await clients(), 1);
  // Exactly one read's worth (TURN_BYTES): the turn yields (pauses the socket) right at its end.
  const fill = (tail: string): Buffer => {
    const ping = 'PING\r\n';
    const n = Math.floor((64 * 1024 - tail.length) / ping.length);
    const pad = 64 * 1024 - tail.length - n * ping.length;
    return Buffer.from(ping.repeat(n) + ' '.repeat(pad) + tail, 'latin1');
  };
  for (const tail of ['QUIT\r\n', '*1\r\n$x\r\n']) {
    for (let i = 0; i < 3; i++) {
      const sock = connect(s.port, '127.0.0.1');
      await new Promise((res) => sock.once('connect', res));
      sock.on('data', () => {});
      sock.on('error', () => {});
      sock.write(fill(tail));
      await new Promise((res) => setTimeout(res, 50));
      sock.destroy();
    }
  }
  let n = await clients();
  for (const end = Date.now() + 5000; n !== 1 && Date.now() < end; n = await clients()) await new Promise((res) => setTimeout(res, 20));
  t.is(n, 1, 'every closed client is gone from the server');
});
