// The fuzzed server, running in a worker thread of the fuzzer's process: in-process (the library
// entry, startServer), yet on its own event loop, so a handler that loops forever shows up as a
// reply that never comes (the fuzzer then terminates this worker) instead of freezing the fuzzer,
// and an exception escaping the server kills only this worker, which the fuzzer sees.
//
// Messages in:  { op: 'start', dir, inject? } -> { op: 'started', port }
//               { op: 'stop' }        -> { op: 'stopped', heapUsed }   (after a full GC)
//               { op: 'mem' }         -> { op: 'mem', heapUsed, buffers } (no GC: what is held now)
// Messages out: { op: 'log', level, msg } for every warning the server logs.

import { parentPort } from 'node:worker_threads';
import { setFlagsFromString, getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startServer, type RunningServer } from '../../src/index.js';
import { RawReply } from '../../src/protocol/reply.js';
import type { CommandSpec, Ctx, Handler } from '../../src/commands/types.js';

setFlagsFromString('--expose-gc');
// So that gc() has freed dead ArrayBuffers' memory when it returns ('mem' with gc: true): V8 frees
// it on a background thread, a few ms later (0-80 ms here), and the held-input check then read a
// 256 MB bitmap deleted by an earlier FLUSHALL as held (seeds 1306939447, 892913885). The same
// race shows in plain Node: a 256 MB Buffer dropped, gc(), process.memoryUsage().arrayBuffers
// still 256 MB in 7 of 20 runs, 0 of 20 with this flag.
setFlagsFromString('--no-concurrent-array-buffer-sweeping');
const gc = runInNewContext('gc') as () => void;

let running: RunningServer | null = null;
const port = parentPort!;

/**
 * Deliberate bugs, for the fuzzer's self-test (harness.test.ts): each must turn into a finding.
 * ECHO's argument picks one; 'noprop' makes SET forget to log its effect to the AOF.
 */
const FAULTS: Record<string, Handler> = {
  throw: () => {
    throw new Error('injected');
  },
  loop: () => {
    for (;;);
  },
  malformed: () => new RawReply(Buffer.from('+two\r\nlines\r\n')),
  crash: () => {
    setImmediate(() => {
      throw new Error('injected escape');
    });
    return 'ok';
  },
  close: (ctx) => {
    ctx.client.kill();
    return 'ok';
  },
};

function inject(server: RunningServer): void {
  const specs = server.server.commands as Map<string, CommandSpec & { handler: Handler }>;
  const echo = specs.get('echo')!;
  const plainEcho = echo.handler;
  echo.handler = (ctx, args) => (FAULTS[args[1]] ?? plainEcho)(ctx, args);
  const set = specs.get('set')!;
  const plainSet = set.handler;
  set.handler = (ctx, args) => plainSet(Object.create(ctx, { propagate: { value: () => {} } }) as Ctx, args);
}

async function start(dir: string, faults: boolean): Promise<void> {
  running = await startServer({
    port: 0,
    config: {
      loglevel: 'nothing',
      appendonly: 'yes',
      appendfsync: 'no',
      dir,
      'enable-debug-command': 'yes',
      // No automatic rewrites in the middle of a case: BGREWRITEAOF and DEBUG RELOAD do them.
      'auto-aof-rewrite-percentage': 0,
    },
  });
  if (faults) inject(running);
  // Warnings (a handler that crashed, a connection closed after an internal error, AOF errors)
  // go to the fuzzer, which decides which ones are bugs.
  const log = running.server.log as unknown as Record<string, (m: string) => void>;
  for (const level of ['warning', 'notice']) log[level] = (msg: string) => port.postMessage({ op: 'log', level, msg });
  port.postMessage({ op: 'started', port: running.port });
}

async function stop(): Promise<void> {
  await running?.close();
  running = null;
  gc();
  port.postMessage({ op: 'stopped', heapUsed: getHeapStatistics().used_heap_size });
}

port.on('message', (m: { op: string; dir?: string; inject?: boolean; gc?: boolean }) => {
  if (m.op === 'mem') {
    if (m.gc === true) gc();
    const u = process.memoryUsage(); // buffers: the whole process's (the fuzzer's own are small)
    const dataset = running?.server.keyspace.usage.dataset ?? 0;
    port.postMessage({ op: 'mem', heapUsed: getHeapStatistics().used_heap_size, buffers: u.arrayBuffers, dataset });
    return;
  }
  const done = m.op === 'start' ? start(m.dir!, m.inject === true) : stop();
  // Failing to start or stop is itself a finding: let it escape as the worker's error.
  done.catch((e) => setImmediate(() => {
    throw e;
  }));
});
