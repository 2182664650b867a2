// The event loop's own timer functions, from Node's timers module rather than the globals. A test
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
