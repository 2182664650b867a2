// A test suite that embeds the server and then installs fake timers (sinon's FakeTimers.install(),
// jest.useFakeTimers()) replaces the global setImmediate/setInterval: the server, which scheduled
// its reply flushes through them, never answered. Simulated here with globals that never fire.

import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
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

test('the cron runs while the host has replaced setTimeout, setInterval and setImmediate with fakes: active expiry reclaims keys', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, 'v', 'PX', '50');
  const real = { setImmediate: globalThis.setImmediate, setInterval: globalThis.setInterval, setTimeout: globalThis.setTimeout };
  const never = (() => ({ unref() {}, ref() {}, hasRef: () => false })) as unknown as typeof setImmediate;
  globalThis.setImmediate = never;
  globalThis.setInterval = never as unknown as typeof setInterval;
  globalThis.setTimeout = never as unknown as typeof setTimeout;
  try {
    await new Promise((r) => real.setTimeout(r, 1000)); // ten cron runs at hz 10, on the server's own timers
    t.regex(await c.call('INFO', 'stats'), /\r\nexpired_keys:50\r\n/);
  } finally {
    Object.assign(globalThis, real);
  }
});

/**
 * Runs, in a process of its own, `fakes` (code that fakes the timers) and then the built library
 * (its CommonJS and its ES module entry in turn), starting a server and sending it three commands:
 * what each run read back.
 */
async function answersAfter(fakes: string): Promise<{ load: string; stdout: string; stderr: string }[]> {
  const dist = fileURLToPath(new URL('../../../dist/', import.meta.url));
  const script = (load: string): string => `
    ${fakes}
    (async () => {
      const { startServer } = ${load};
      const s = await startServer({ port: 0 });
      const net = require('node:net');
      const c = net.connect(s.port, '127.0.0.1');
      let got = '';
      c.on('data', (d) => {
        got += d;
        if (got.endsWith('$1\\r\\nv\\r\\n')) { process.stdout.write(got); c.destroy(); s.close().then(() => process.exit(0)); }
      });
      c.write('PING\\r\\nSET k v PX 60000\\r\\nGET k\\r\\n');
    })();`;
  const out = [];
  for (const load of [`require(${JSON.stringify(dist + 'index.cjs')})`, `await import(${JSON.stringify(dist + 'index.js')})`]) {
    const r = await promisify(execFile)(process.execPath, ['-e', script(load)], { encoding: 'utf8', timeout: 15_000 }).catch((e: { stdout: string; stderr: string }) => e);
    out.push({ load, stdout: r.stdout, stderr: r.stderr });
  }
  return out;
}

// Jest's `fakeTimers: { enableGlobally: true }` makes the globals fake before the library loads:
// the library's timers come from node:timers instead.
test('the library answers when the globals were faked before it was loaded (the built CommonJS and ES module entries)', async (t) => {
  const runs = await answersAfter(`
    const never = () => ({ unref() {}, ref() {}, hasRef: () => false });
    for (const k of ['setImmediate', 'setTimeout', 'setInterval']) globalThis[k] = never;`);
  for (const r of runs) t.is(r.stdout, '+PONG\r\n+OK\r\n$1\r\nv\r\n', `${r.load}: ${r.stderr}`);
});

// @sinonjs/fake-timers 11 and later (sinon's useFakeTimers, FakeTimers.install) fake the `timers`
// module's functions as well as the globals when installed on Node's global object: installed
// before the library loads, node:timers gives the fakes too. As fake-timers does, each fake here
// carries its clock, which keeps the original as `_<name>`; the functions that never fire stand for
// a clock that is never ticked (sinon with toFake without nextTick: with nextTick faked, Node's own
// sockets stall as well). Checked with sinon 22 / @sinonjs/fake-timers 15: the server never answered.
test('the library answers when fake timers replaced node:timers too before it was loaded (as @sinonjs/fake-timers installs)', async (t) => {
  const runs = await answersAfter(`
    const timers = require('node:timers');
    const clock = {};
    for (const k of ['setImmediate', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'clearImmediate']) {
      clock['_' + k] = globalThis[k];
      const fake = () => ({ unref() {}, ref() {}, hasRef: () => false });
      fake.clock = clock;
      globalThis[k] = fake;
      timers[k] = fake;
    }`);
  for (const r of runs) t.is(r.stdout, '+PONG\r\n+OK\r\n$1\r\nv\r\n', `${r.load}: ${r.stderr}`);
});

// A fake Date installed before the library loads (Jest's fakeTimers config, sinon installed
// first): as fake-timers does, the fake Date carries its clock, which keeps the original as _Date.
// The server's wall clock is taken from behind it: TIME says the real time, not the fake 0.
test('a fake Date installed before the library loaded does not move the server: TIME says the real time', async (t) => {
  const dist = fileURLToPath(new URL('../../../dist/', import.meta.url));
  const script = `
    const RealDate = Date;
    class FakeDate extends RealDate { static now() { return 0; } }
    FakeDate.clock = { _Date: RealDate };
    globalThis.Date = FakeDate;
    const { startServer } = require(${JSON.stringify(dist + 'index.cjs')});
    (async () => {
      const s = await startServer({ port: 0 });
      const c = require('node:net').connect(s.port, '127.0.0.1');
      let got = '';
      c.on('data', (d) => {
        got += d;
        if (/^\\*2\\r\\n(\\$\\d+\\r\\n\\d+\\r\\n){2}$/.test(got)) { process.stdout.write(got); c.destroy(); s.close().then(() => process.exit(0)); }
      });
      c.write('TIME\\r\\n');
    })();`;
  const r = await promisify(execFile)(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15_000 }).catch((e: { stdout: string; stderr: string }) => e);
  const sec = Number(/^\*2\r\n\$\d+\r\n(\d+)\r\n/.exec(r.stdout)?.[1]);
  t.true(Math.abs(sec - Date.now() / 1000) < 60, `TIME ${JSON.stringify(r.stdout)} ${r.stderr}`);
});
