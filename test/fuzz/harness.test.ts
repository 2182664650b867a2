// The fuzzer's self-test: a server with deliberate bugs (server-worker.ts FAULTS) must give the
// finding each bug deserves — a handler that throws, loops forever, sends a malformed reply,
// closes the connection, throws outside any handler, or forgets to log its effect to the AOF —
// and a correct server must give none. Without this, "0 findings" would prove nothing.

import test from 'ava';
import { ServerHost } from './host.js';
import { Session, type Item } from './exec.js';

const WORKER = new URL('./server-worker.js', import.meta.url);
const cmd = (...args: string[]): Item => ({ index: 0, kind: 'cmd', args, spec: args[0].toLowerCase() });

async function findingOf(host: ServerHost, items: Item[], roundTrip = false): Promise<string | null> {
  const port = await host.start();
  const s = new Session(host, port, 1500);
  let f = await s.run(items, 32);
  if (f === null && roundTrip) f = await s.checkAofRoundTrip(0);
  s.close();
  if (f?.kind === 'hang' || host.died !== null) await host.kill();
  else await host.stop();
  return f?.kind ?? null;
}

test('each deliberate bug is caught as what it is', async (t) => {
  const host = new ServerHost(WORKER, true);
  t.teardown(() => host.kill());
  t.is(await findingOf(host, [cmd('ECHO', 'fine'), cmd('ECHO', 'throw')]), 'internal-error');
  t.is(await findingOf(host, [cmd('ECHO', 'malformed')]), 'malformed');
  t.is(await findingOf(host, [cmd('ECHO', 'close')]), 'closed');
  t.is(await findingOf(host, [cmd('ECHO', 'loop')]), 'hang');
  t.is(await findingOf(host, [cmd('ECHO', 'crash')]), 'crash');
  t.is(await findingOf(host, [cmd('SET', 'k', 'v')], true), 'aof-roundtrip');
  const bytes: Item = { index: 0, kind: 'bytes', bytes: Buffer.from('*2\r\n$4\r\nECHO\r\n$5\r\nthrow\r\n'), seed: 1 };
  t.is(await findingOf(host, [bytes]), 'internal-error', 'byte-stream cases are checked too');
});

test('a correct server gives no finding for the same cases', async (t) => {
  const host = new ServerHost(WORKER);
  t.teardown(() => host.kill());
  const items = ['throw', 'malformed', 'close', 'loop', 'crash'].map((a) => cmd('ECHO', a));
  t.is(await findingOf(host, [...items, cmd('SET', 'k', 'v'), cmd('CLIENT', 'REPLY', 'OFF'), cmd('QUIT'), cmd('HELLO', '3'), cmd('GET', 'k')], true), null);
});
