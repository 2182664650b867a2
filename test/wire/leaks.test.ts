// What a client held is given back once it has gone, and what the server keeps stays bounded over
// a long life: each test runs a state many times over, then checks that the structure that held
// it is back where it started (its size, not the heap's, which no test can pin down).

import test from 'ava';
import { RawClient } from '../helpers/raw.js';
import { serve } from '../helpers/serve.js';
import { encodeArgs } from '../helpers/resp.js';
import { waitFor } from '../helpers/aof.js';

// Redis's freeClient takes a client off the postponed list (unblockClient), so one that leaves
// during a pause is freed at once. Ours stayed on the pause's list with all it held (its socket,
// its buffers) until the pause ended: a client reconnecting during a long pause left one behind
// at each attempt (2,000 attempts during CLIENT PAUSE 100000: 2,000 connections kept).
test('clients held by CLIENT PAUSE that leave (reset, FIN, CLIENT KILL) are let go before the pause ends', async (t) => {
  const s = await serve(t);
  const ctl = await RawClient.connect(s.port);
  t.teardown(() => ctl.close());
  const clients: RawClient[] = [];
  for (let i = 0; i < 30; i++) {
    const c = await RawClient.connect(s.port);
    t.teardown(() => c.close());
    t.is(await c.call('CLIENT', 'SETNAME', `held${i}`), '+OK\r\n');
    clients.push(c);
  }
  t.is(await ctl.call('CLIENT', 'PAUSE', '60000', 'WRITE'), '+OK\r\n');
  const pause = s.server.pause;
  for (const c of clients) c.write(encodeArgs(['SET', 'k', 'v']));
  await waitFor(() => pause.held === 30, 15_000, 'the 30 SETs to be held');
  for (const [i, c] of clients.entries()) {
    if (i % 3 === 0) c.socket.resetAndDestroy();
    else if (i % 3 === 1) c.socket.end();
    else t.is(await ctl.call('CLIENT', 'KILL', 'ID', await idOf(ctl, `held${i}`)), ':1\r\n');
  }
  await waitFor(() => s.server.registry.byId.size === 1, 15_000, 'the 30 clients to be gone');
  await waitFor(() => pause.held === 0, 5000, 'the pause to let them go').catch(() => {});
  t.is(pause.held, 0, 'no client that left is still held');
  t.is(await ctl.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
  t.is(await ctl.call('PING'), '+PONG\r\n');
});

/** The ID of the client named `name`, as CLIENT KILL ID takes it. */
async function idOf(c: RawClient, name: string): Promise<string> {
  const line = (await c.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes(` name=${name} `)) ?? '';
  return /id=(\d+)/.exec(line)![1];
}
