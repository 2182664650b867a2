// The V8 heap limit of the server process. Node's default (about 4 GB on a 64-bit machine, whatever
// its memory) caps the dataset: a 50M-key load crashed at 34M keys with "Reached heap limit". The
// `keystonelight` command lifts it in its shebang (build.mjs); a server started another way, e.g.
// `node dist/keystonelight.js`, says so at start rather than crashing later without a word.

import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/** The warning to log when the heap limit is well below the machine's memory, else null. */
export function heapLimitWarning(limit = getHeapStatistics().heap_size_limit, memory = totalmem()): string | null {
  if (limit >= 0.75 * memory) return null;
  const mb = (n: number): number => Math.floor(n / 1048576);
  return `WARNING: the V8 heap limit of this process is ${mb(limit)} MB, below the machine's ${mb(memory)} MB of memory: ` +
    'the dataset cannot grow past it (the process would stop with a fatal heap error). Start the server with the ' +
    "keystonelight command (it lifts the limit) or with 'node --max-old-space-size=<MB> dist/keystonelight.js'.";
}
