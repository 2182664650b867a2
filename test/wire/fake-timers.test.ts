// A test suite that embeds the server and then installs fake timers (sinon's FakeTimers.install(),
// jest.useFakeTimers()) replaces the global setImmediate/setInterval: the server, which scheduled
// its reply flushes through them, never answered. Simulated here with globals that never fire.

import test from 'ava';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';

test('the server answers while the host has replaced setImmediate and setInterval with fakes that never fire', async (t) => {
  const s = await startServer({ port: 0 });
  const c = await RawClient.connect(s.port);
  const real = { setImmediate: globalThis.setImmediate, setInterval: globalThis.setInterval };
  const never = (() => ({ unref() {}, ref() {}, hasRef: () => false })) as unknown as typeof setImmediate;
  globalThis.setImmediate = never;
  globalThis.setInterval = never as unknown as typeof setInterval;
  try {
    t.is(await c.call('PING'), '+PONG\r\n');
    t.is(await c.call('SET', 'k', 'v', 'PX', '60000'), '+OK\r\n');
    t.is(await c.call('GET', 'k'), '$1\r\nv\r\n');
  } finally {
    globalThis.setImmediate = real.setImmediate;
    globalThis.setInterval = real.setInterval;
  }
  c.close();
  await s.close();
});
