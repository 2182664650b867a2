// The event loop's own timer functions, from Node's timers module rather than the globals, and the
// real wall clock (wallNow, at the end), for the same reason: the host's fakes. A test
// suite that embeds the server and installs fake timers (sinon's FakeTimers.install(),
// jest.useFakeTimers(), or Jest's fakeTimers config, whose globals are fake before any module
// loads) replaces the globals: a server scheduling its reply flushes and its cron through them
// never answered. Everything the server schedules goes through these, taken when the module loads.
//
// @sinonjs/fake-timers 11 and later (sinon, and Jest's own copy, which fakes a global of its own
// sandbox instead) also replace the timers module's functions when installed on Node's global
// object: installed before this module loads, node:timers gives fakes too. Each of its fakes carries
// its clock, which keeps the function it replaced as `_<name>`: that one is taken instead.

import * as timers from 'node:timers';

function real<F>(name: string, f: F): F {
  const clock = (f as { clock?: Record<string, unknown> } | null)?.clock;
  const original = clock?.[`_${name}`];
  return typeof original === 'function' ? (original as F) : f;
}

export const setImmediate: typeof timers.setImmediate = real('setImmediate', timers.setImmediate);
export const setTimeout: typeof timers.setTimeout = real('setTimeout', timers.setTimeout);
export const setInterval: typeof timers.setInterval = real('setInterval', timers.setInterval);
export const clearTimeout: typeof timers.clearTimeout = real('clearTimeout', timers.clearTimeout);
export const clearInterval: typeof timers.clearInterval = real('clearInterval', timers.clearInterval);

/**
 * The wall clock, in ms since the epoch: the real Date.now, taken when this module loads. Fake
 * timers that fake Date (sinon's `toFake: [..., 'Date']`, Jest's modern timers) freeze or move the
 * global one: the deadlines of WAIT and CLIENT PAUSE, checked against it by real timers, were then
 * never reached (the client, and under a pause every writer, waited for ever), and keys set while
 * the fakes were installed got deadlines in 1970. A server in its own process would not see the
 * host's fakes; this one does not either. Installed before this module loads, sinon's fake Date
 * keeps the original on its clock, as the timer functions do.
 */
const RealDate: DateConstructor = (Date as unknown as { clock?: { _Date?: DateConstructor } }).clock?._Date ?? Date;
const dateNow = RealDate.now;
export const wallNow = (): number => dateNow();

/**
 * Blocks the thread for `ms` (fractional milliseconds too): what Redis does with usleep/nanosleep
 * inside a command (DEBUG SLEEP, DEBUG AOF-FLUSH-SLEEP), fault injection, a start waiting a few
 * microseconds for another server's takeover. The event loop stops meanwhile, as Redis's.
 */
export function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
