// Smoke test: the library entry starts a server on a free port that answers over the wire.
import test from 'ava';
import { RawClient } from '../helpers/raw.js';
import { serve } from '../helpers/serve.js';

test('startServer({ port: 0 }) serves PING and closes cleanly', async (t) => {
  const s = await serve(t, { port: 0 });
  t.true(s.port > 0);
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  t.is(await c.call('PING'), '+PONG\r\n');
  t.is(await c.call('ECHO', 'a\x00\xff'), '$3\r\na\x00\xff\r\n');
  c.close();
  await s.close(); // kept: closing cleanly is what the test checks
});
