// Smoke test: the library entry starts a server on a free port that answers over the wire.
import test from 'ava';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';

test('startServer({ port: 0 }) serves PING and closes cleanly', async (t) => {
  const s = await startServer({ port: 0 });
  t.true(s.port > 0);
  const c = await RawClient.connect(s.port);
  t.is(await c.call('PING'), '+PONG\r\n');
  t.is(await c.call('ECHO', 'a\x00\xff'), '$3\r\na\x00\xff\r\n');
  c.close();
  await s.close();
});
