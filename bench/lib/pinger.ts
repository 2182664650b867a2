// A latency probe: PING about every millisecond on its own connection, keeping every round trip.
// Its longest round trip is a client-side measure of the server's longest event-loop stall (blurred
// by what else the machine runs: on 2 cores the probe, the load generator and the server compete).
//
// The probe runs in a worker thread, with its own event loop: the memory suite's loader runs in
// the benchmark's main thread and builds each 5,000-command batch synchronously, and a probe on
// that thread measured those pauses too. Measured (1M-key load): the in-thread probe's longest
// round trip 125 ms while a separate process's probe saw 50 ms.

import { Worker } from 'node:worker_threads';

export interface PingStats {
  samples: number;
  maxMs: number;
  p99Ms: number;
}

/** The worker: PINGs `port` (workerData) every ~1 ms until told to stop, then posts the stats. */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const rtts = [];
let running = true;
let t0 = 0;
let answered = null;
let pending = 0;
const s = net.connect(workerData, '127.0.0.1');
s.setNoDelay(true);
s.on('data', (d) => {
  for (const c of d) if (c === 10 && --pending === 0) { rtts.push(performance.now() - t0); answered?.(); }
});
const finish = () => {
  running = false;
  s.destroy();
  const v = rtts.sort((a, b) => a - b);
  parentPort.postMessage({ samples: v.length, maxMs: v[v.length - 1] ?? NaN, p99Ms: v[Math.floor(v.length * 0.99)] ?? NaN });
};
s.on('error', finish);
parentPort.on('message', () => { running = false; answered?.(); });
s.on('connect', async () => {
  parentPort.postMessage('ready');
  while (running) {
    t0 = performance.now();
    pending = 1;
    await new Promise((r) => { answered = r; s.write('*1\\r\\n$4\\r\\nPING\\r\\n'); });
    await new Promise((r) => setTimeout(r, 1));
  }
  finish();
});
`;

/** A running probe: stop() ends it and gives its round trips' stats. */
export interface Pinger {
  stop(): Promise<PingStats>;
}

/** Starts a probe on a new connection to `port` (resolves once it is connected). */
export async function startPinger(port: number): Promise<Pinger> {
  const w = new Worker(PROBE, { eval: true, workerData: port });
  const messages: unknown[] = [];
  let wake: (() => void) | null = null;
  w.on('message', (m) => {
    messages.push(m);
    wake?.();
  });
  w.on('error', (e) => {
    messages.push({ samples: 0, maxMs: NaN, p99Ms: NaN, error: String(e) });
    wake?.();
  });
  const next = async (): Promise<unknown> => {
    while (messages.length === 0) await new Promise<void>((r) => (wake = r));
    return messages.shift();
  };
  const first = await next();
  let result: Promise<PingStats> | null = first === 'ready' ? null : Promise.resolve(first as PingStats);
  return {
    stop: () => {
      result ??= (async () => {
        w.postMessage('stop');
        const stats = (await next()) as PingStats;
        await w.terminate();
        return stats;
      })();
      return result;
    },
  };
}
