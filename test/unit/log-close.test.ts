// The log's close(): every line logged before it reaches the file, and the process ends cleanly.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('a burst of lines just before close() is written in full, without winston\'s "write after end"', (t) => {
  // Found by a SIGUSR1 flood during shutdown (one "ignored while shutting down" line each): winston's
  // end() ended the file transport while lines still waited in the logger's buffer, and piping them
  // after that threw 'write after end' (uncaught: exit status 1, the last lines lost). Whether a
  // line is still waiting depends on the exact bytes buffered: bursts of many lengths, in a process
  // of their own (the error is uncaught there, as in the server).
  const dir = mkdtempSync(join(tmpdir(), 'ks-log-'));
  const counts = Array.from({ length: 30 }, (_, k) => 3000 + k * 211);
  const script = `
    const { createLogger } = await import(${JSON.stringify(new URL('../../src/server/log.js', import.meta.url).href)});
    for (const n of ${JSON.stringify(counts)}) {
      const log = createLogger('notice', ${JSON.stringify(dir)} + '/' + n + '.log');
      for (let i = 0; i < n; i++) log.notice('Received SIGUSR1: ignored while shutting down (' + i + ')');
      await log.close();
    }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 90_000 });
  t.is(r.status, 0, r.stderr.slice(0, 2000));
  for (const n of counts) t.is(readFileSync(join(dir, `${n}.log`), 'latin1').split('\n').filter(Boolean).length, n, `${n} lines`);
});
