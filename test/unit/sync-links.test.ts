// MIGRATE's synchronous connections (server/sync-links.ts), without a server around them.

import test from 'ava';
import { createServer, type AddressInfo } from 'node:net';
import { SyncLinks } from '../../src/server/sync-links.js';

test('a written buffer of its own is handed to the thread, not copied (a pooled one is copied)', async (t) => {
  // Nothing needs to read: the kernel accepts the connection and takes the bytes meanwhile.
  const server = createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const links = new SyncLinks();
  t.teardown(() => {
    links.stop();
    server.close();
  });
  const link = links.get('127.0.0.1', String((server.address() as AddressInfo).port), 2000, 0);
  t.is(link?.failed, null);
  const own = Buffer.alloc(100_000, 'x');
  t.true(links.write(link!, own, 2000).ok);
  t.is(own.byteLength, 0);
  const pooled = Buffer.from('*1\r\n$4\r\nPING\r\n');
  t.true(links.write(link!, pooled, 2000).ok);
  t.is(pooled.toString(), '*1\r\n$4\r\nPING\r\n');
});
