// Time as a test suite that embeds the server sees it: a ManualClock moved by fractions of a
// millisecond (clock.advance(0.1 * 3), a clock started from performance.timeOrigin + now()), and
// fake timers that freeze the global Date (sinon's FakeTimers.install({ toFake: [..., 'Date'] }),
// the README's own advice, and Jest's modern timers), and a clock that is not one (a sinon clock,
// whose now is a number). Found by an embedding user's test suite.

import test from 'ava';
import { ConfigError, ManualClock, startServer, type Clock } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { encodeArgs } from '../helpers/resp.js';

test('a ManualClock at a fractional millisecond: SET EX, EXPIRE and TIME answer as at the whole millisecond', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const s = await startServer({ port: 0, clock });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  clock.advance(0.1 * 3); // 0.30000000000000004: what float arithmetic on durations gives
  // Was: -ERR internal error running 'set': The number 1700000000000.3 cannot be converted to a BigInt ...
  t.is(await c.call('SET', 'k', 'v', 'PX', '100'), '+OK\r\n');
  t.is(await c.call('PTTL', 'k'), ':100\r\n');
  t.is(await c.call('EXPIRE', 'k', '10'), ':1\r\n');
  t.is(await c.call('PEXPIRETIME', 'k'), ':1700000010000\r\n');
  t.is(await c.call('GETEX', 'k', 'PX', '7'), '$1\r\nv\r\n');
  t.is(await c.call('SETEX', 'k2', '10', 'v'), '+OK\r\n');
  // Was: 1700000000 and "300.048828125" microseconds (0 or 300 are both fair).
  t.regex(await c.call('TIME'), /^\*2\r\n\$10\r\n1700000000\r\n\$\d\r\n\d+\r\n$/);
});

/**
 * Runs `body` with the global Date.now frozen at the time of the call, as fake timers installed
 * with Date faked leave it (the server's own timers, from node:timers, still fire).
 */
async function withFrozenDate<T>(body: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  const frozen = realNow();
  Date.now = () => frozen;
  try {
    return await body();
  } finally {
    Date.now = realNow;
  }
}

test.serial('WAIT with a timeout ends while the global Date is frozen by fake timers', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  // redis-server (and Keystonelight with the real Date): :0 after 100 ms. Was: no reply, for ever.
  const reply = await withFrozenDate(() => {
    c.write(encodeArgs(['WAIT', '1', '100']));
    return c.read(3000).catch((e: Error) => e.message);
  });
  t.is(reply, ':0\r\n');
});

test.serial('CLIENT PAUSE with a timeout ends while the global Date is frozen by fake timers', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  const reply = await withFrozenDate(async () => {
    await c.call('CLIENT', 'PAUSE', '100', 'WRITE');
    // Was: the SET waited for ever (every other client's writes too).
    c.write(encodeArgs(['SET', 'k', 'v']));
    return c.read(3000).catch((e: Error) => e.message);
  });
  t.is(reply, '+OK\r\n');
});

// A sinon clock (FakeTimers.createClock(), or the one install() returns) has `now` as a number:
// passing it as `clock` is an easy slip. The README: "A bad option rejects with ConfigError naming
// it", as a bad `log` does. Was: TypeError "clock.now is not a function".
test('a clock without a now() function rejects with ConfigError naming the option', async (t) => {
  const sinonLike = { now: 0, tick: (): number => 0 } as unknown as Clock;
  await t.throwsAsync(startServer({ port: 0, clock: sinonLike }), { instanceOf: ConfigError, message: /'clock'/ });
});
