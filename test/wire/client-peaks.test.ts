// INFO's client_recent_max_input_buffer / client_recent_max_output_buffer keep the biggest client
// buffers the cron saw in the last 8 seconds, as Redis 7.0's clientsCronTrackExpansiveClients:
// a big partial request, or big replies a client does not read, are still reported after the
// buffer drained. They showed the buffers at the moment INFO ran (0 once drained). Side by side
// with redis-server (the numbers differ: Redis shows its buffers' allocations; the shape is the same).

import test from 'ava';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/aof.js';
import { ClientPeaks } from '../../src/server/client-peaks.js';
import type { ClientApi } from '../../src/commands/context.js';

const MB = 1024 * 1024;

/** INFO's two figures. */
async function recent(c: RawClient): Promise<{ input: number; output: number }> {
  const info = await c.call('INFO', 'clients');
  const field = (k: string): number => Number(new RegExp(`\r\n${k}:(\\d+)\r\n`).exec(info)?.[1] ?? NaN);
  return { input: field('client_recent_max_input_buffer'), output: field('client_recent_max_output_buffer') };
}

/** CLIENT LIST's field `k` of the client named `name`. */
async function listed(admin: RawClient, name: string, k: string): Promise<number> {
  const line = (await admin.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes(` name=${name} `)) ?? '';
  return Number(new RegExp(` ${k}=(\\d+)`).exec(line)?.[1] ?? NaN);
}

/**
 * The steps against a server on `port`: what each showed. A client sends 600 KB of a 1 MB SET and
 * waits until INFO reports it, then finishes the request; another asks for 8 MB of replies without
 * reading them until INFO reports them, then reads them all. Each time, once CLIENT LIST shows the
 * buffer empty, INFO still reports the peak; and it is gone some seconds later (Redis: 7 to 8).
 */
async function script(port: number): Promise<string[]> {
  const admin = await RawClient.connect(port);
  const big = await RawClient.connect(port);
  const reader = await RawClient.connect(port);
  const seen: string[] = [];
  try {
    await big.call('CLIENT', 'SETNAME', 'big');
    await reader.call('CLIENT', 'SETNAME', 'reader');
    big.write(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${MB}\r\n${'x'.repeat(600_000)}`);
    await waitFor(async () => (await recent(admin)).input >= 600_000, 10_000, 'INFO to report the partial request');
    big.write(`${'x'.repeat(MB - 600_000)}\r\n`);
    seen.push(await big.read());
    seen.push(`qbuf drained: ${await listed(admin, 'big', 'qbuf')}`);
    seen.push(`input peak kept: ${(await recent(admin)).input >= 600_000}`);

    reader.socket.pause();
    reader.write('GET big\r\n'.repeat(8));
    await waitFor(async () => (await recent(admin)).output >= MB, 10_000, 'INFO to report the unread replies');
    reader.socket.resume();
    for (let i = 0; i < 8; i++) await reader.read();
    seen.push(`omem drained: ${await listed(admin, 'reader', 'omem')}`);
    seen.push(`output peak kept: ${(await recent(admin)).output >= MB}`);

    // Forgotten within the 8 slots (Redis: the input in 7 to 8 s from its last look, 20480 then).
    const t0 = Date.now();
    await waitFor(async () => {
      const r = await recent(admin);
      return r.input < 600_000 && r.output < MB;
    }, 15_000, 'the peaks to be forgotten');
    seen.push(`forgotten within 10 s: ${Date.now() - t0 < 10_000}`);
  } finally {
    admin.close();
    big.close();
    reader.close();
  }
  return seen;
}

test('INFO client_recent_max_* keep the peak of the last seconds after the buffers drain, as redis-server\'s', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const expected = ['+OK\r\n', 'qbuf drained: 0', 'input peak kept: true', 'omem drained: 0', 'output peak kept: true', 'forgotten within 10 s: true'];
  if (!needBinary(t, 'redis-server')) {
    t.deepEqual(await script(s.port), expected);
    return;
  }
  const redis = await startRealRedis();
  t.teardown(() => redis.stop());
  // Both at once: each waits some seconds for the cron.
  const [ours, theirs] = await Promise.all([script(s.port), script(redis.port)]);
  t.deepEqual(ours, expected);
  t.deepEqual(theirs, expected);
});

test('the recent peaks: the largest over 8 one-second slots, the next slot zeroed at each cron run', (t) => {
  const peaks = new ClientPeaks();
  const client = (q: number, out: number): ClientApi => ({ queryBufferLength: q, outputBufferLength: out, heldArgs: null, partialArgBytes: 0, writeWaiting: false }) as unknown as ClientApi;
  const at = (sec: number, c: ClientApi | null): void => {
    peaks.startRun(sec * 1000 + 500);
    if (c !== null) peaks.track(c);
  };
  at(100, client(5000, 16384 + 40_000)); // omem: the list past the 16 KB static buffer, in 16 KB chunks
  t.deepEqual(peaks.recent(), { input: 5000, output: 49152 });
  at(101, client(10, 0));
  t.deepEqual(peaks.recent(), { input: 5000, output: 49152 }, 'kept after the buffers drained');
  for (let s = 102; s <= 106; s++) at(s, null);
  t.deepEqual(peaks.recent(), { input: 5000, output: 49152 }, 'still 6 s later');
  at(107, null); // zeroes slot (107 + 1) % 8, second 100's
  t.deepEqual(peaks.recent(), { input: 10, output: 0 }, 'forgotten 7 s later');
  // A held command's arguments count (CLIENT LIST argv-mem), as Redis's argv_len_sum.
  at(108, { queryBufferLength: 3, outputBufferLength: 0, heldArgs: ['SET', 'k', 'v'.repeat(100)], writeWaiting: false } as unknown as ClientApi);
  t.is(peaks.recent().input, 3 + 3 + 1 + 100);
});
