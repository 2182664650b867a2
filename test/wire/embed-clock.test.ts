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
  // Inside EXEC, where relative deadlines and TIME read the clock live (Ctx.clockNow).
  const [, , , exec] = await c.pipeline([['MULTI'], ['SET', 'k3', 'v', 'PX', '100'], ['TIME'], ['EXEC']]);
  t.regex(exec, /^\*2\r\n\+OK\r\n\*2\r\n\$10\r\n1700000000\r\n\$\d\r\n\d+\r\n$/);
  t.is(await c.call('PEXPIRETIME', 'k3'), ':1700000000100\r\n');
});

/**
 * Runs `body` with the global Date.now frozen at the time of the call, as fake timers installed
 * with Date faked leave it (the server's own timers, from node:timers, still fire).
 */
async function withFrozenDate<T>(body: () => Promise<T>, at?: number): Promise<T> {
  const realNow = Date.now;
  const frozen = at ?? realNow();
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

test.serial('a fake Date does not move the server: keys set while it says 1970 keep their TTL, TIME says the real time', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  const realSec = Math.floor(Date.now() / 1000);
  // sinon's install() starts its fake clock at 0. Was: TIME 0, and the key's deadline in 1970,
  // so it was gone once the fakes were uninstalled.
  const [set, time] = await withFrozenDate(() => c.pipeline([['SET', 'k', 'v', 'EX', '3600'], ['TIME']]), 0);
  t.is(set, '+OK\r\n');
  const sec = Number(/^\*2\r\n\$\d+\r\n(\d+)\r\n/.exec(time)?.[1]);
  t.true(Math.abs(sec - realSec) < 60, `TIME ${sec}, real ${realSec}`);
  const ttl = Number((await c.call('TTL', 'k')).slice(1, -2));
  t.true(ttl > 3500 && ttl <= 3600, `TTL ${ttl}`);
});

test('a ManualClock far from the wall clock: CLIENT LIST/INFO age and idle and INFO uptime stay wall-clock times', async (t) => {
  const clock = new ManualClock(); // November 2023, years before the wall clock
  const s = await startServer({ port: 0, clock });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  const field = (text: string, name: string): number => Number(new RegExp(`[ \\r\\n]${name}[=:](-?\\d+)`).exec(` ${text}`)?.[1]);
  // Was: age=-95867440 and uptime_in_seconds:-95867441 (the clock's time less the wall clock's).
  t.is(field(await c.call('CLIENT', 'INFO'), 'age'), 0);
  t.is(field(await c.call('CLIENT', 'LIST'), 'age'), 0);
  t.is(field(await c.call('INFO', 'server'), 'uptime_in_seconds'), 0);
  clock.advance(3_600_000);
  // Was: idle=3600 for the client running the command (and the idle `timeout` reads the wall clock).
  const info = await c.call('CLIENT', 'INFO');
  t.is(field(info, 'idle'), 0, info);
  t.is(field(info, 'age'), 0, info);
  t.regex(await c.call('TIME'), /^\*2\r\n\$10\r\n1700003600\r\n/, 'TIME still follows the clock');
});
