// The V8 heap limit of the built server: the `keystonelight` command (the bundle run as an
// executable) lifts Node's default limit; run with plain `node`, the server warns at start that
// the limit caps the dataset (src/server/heap.ts).

import test from 'ava';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { startBundle } from '../helpers/bundle.js';
import { heapLimitWarning } from '../../src/server/heap.js';

const WARNING = /# WARNING: the V8 heap limit of this process is \d+ MB, below the machine's \d+ MB of memory/;

test('heapLimitWarning: only when the limit is well below the machine memory', (t) => {
  const gb = 1024 ** 3;
  t.regex(heapLimitWarning(4 * gb, 24 * gb) ?? '', /heap limit of this process is 4096 MB, below the machine's 24576 MB/);
  t.is(heapLimitWarning(1024 * 1024 * gb, 24 * gb), null);
  t.is(heapLimitWarning(4 * gb, 4 * gb), null, 'a small machine: its memory is the bound anyway');
});

test('the bundle run as the keystonelight command has no heap warning; under plain node it warns when the limit is low', async (t) => {
  const command = await startBundle(['--appendonly', 'no'], { direct: true });
  t.teardown(() => command.stop());
  t.notRegex(command.output(), WARNING);
  const plain = await startBundle(['--appendonly', 'no']);
  t.teardown(() => plain.stop());
  // This test process runs with Node's default limit, as the plain server does.
  const lowHere = getHeapStatistics().heap_size_limit < 0.75 * totalmem();
  if (lowHere) t.regex(plain.output(), WARNING);
  else t.notRegex(plain.output(), WARNING);
});
