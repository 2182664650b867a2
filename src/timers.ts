// The event loop's own timer functions, from Node's timers module rather than the globals. A test
// suite that embeds the server and installs fake timers (sinon's FakeTimers.install(),
// jest.useFakeTimers(), or Jest's fakeTimers config, whose globals are fake before any module
// loads) replaces the globals: a server scheduling its reply flushes and its cron through them
// never answered. Everything the server schedules goes through these, taken when the module loads.

import * as timers from 'node:timers';

export const setImmediate: typeof timers.setImmediate = timers.setImmediate;
export const setTimeout: typeof timers.setTimeout = timers.setTimeout;
export const setInterval: typeof timers.setInterval = timers.setInterval;
export const clearTimeout: typeof timers.clearTimeout = timers.clearTimeout;
export const clearInterval: typeof timers.clearInterval = timers.clearInterval;
