// The event loop's own timer functions, taken when the server's modules load. A test suite that
// embeds the server and then installs fake timers (sinon's FakeTimers.install(),
// jest.useFakeTimers()) replaces the globals: a server scheduling its reply flushes and its cron
// through them never answered. Everything the server schedules goes through these.

const g = globalThis;
export const setImmediate: typeof g.setImmediate = g.setImmediate;
export const setTimeout: typeof g.setTimeout = g.setTimeout;
export const setInterval: typeof g.setInterval = g.setInterval;
export const clearTimeout: typeof g.clearTimeout = g.clearTimeout;
export const clearInterval: typeof g.clearInterval = g.clearInterval;
