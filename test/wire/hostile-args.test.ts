// Arguments within Redis's limits that once stalled the server for a long time or answered an
// internal error where redis-server 7.0.15 answers at once: runs of one character inside a text a
// regular expression trimmed (src/trim.ts), and a process title template that expanded past V8's
// longest string (config-parsers.ts). Each is timed: before, the first took 19 s, the second 14 s.

import test from 'ava';
import { startServer } from '../../src/index.js';
import { expandProcTitle } from '../../src/config-parsers.js';
import { RawClient } from '../helpers/raw.js';

const RUN = 200_000;

test('FUNCTION LOAD with an option of 200,000 newlines inside: Redis\'s error at once (the trim was quadratic)', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  const t0 = performance.now();
  const reply = await c.call('FUNCTION', 'LOAD', `\na${'\n'.repeat(RUN)}x\r\n`, 'code');
  t.true(performance.now() - t0 < 3000, `${performance.now() - t0} ms`);
  // As Redis's addReplyErrorFormat: CR and LF trimmed at the ends, the others made spaces.
  t.is(reply, `-ERR Unknown option given:  a${' '.repeat(RUN)}x\r\n`);
});

test('CONFIG SET proc-title-template with 200,000 spaces inside: +OK at once', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  const t0 = performance.now();
  t.is(await c.call('CONFIG', 'SET', 'proc-title-template', `{port}${' '.repeat(RUN)}x `), '+OK\r\n');
  t.true(performance.now() - t0 < 3000, `${performance.now() - t0} ms`);
});

test('a title template is expanded up to 1 MB from its first character that is not a space (all of it checked)', (t) => {
  const vars = new Map([['title', 'keystonelight.js']]);
  const title = expandProcTitle('x{title}'.repeat(300_000), vars)!;
  t.is(title.length, 1024 * 1024);
  t.true(title.startsWith('xkeystonelight.jsxkeystonelight.js'));
  t.is(expandProcTitle(`${' '.repeat(2_000_000)}{title} `, vars), 'keystonelight.js');
  t.is(expandProcTitle(`${'x{title}'.repeat(300_000)}{nosuch}`, vars), null);
});
