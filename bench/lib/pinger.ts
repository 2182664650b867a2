// A latency probe: PING about every millisecond on its own connection, keeping every round trip.
// Its longest round trip is a client-side measure of the server's longest event-loop stall (blurred
// by what else the machine runs: on 2 cores the probe, the load generator and the server compete).

import { Client } from './client.js';
import { sleep } from './servers.js';

export interface PingStats {
  samples: number;
  maxMs: number;
  p99Ms: number;
}

/** Pings every ~1 ms on its own connection until stopped; keeps every round trip. */
export class PingLoop {
  private rtts: number[] = [];
  private running = true;
  private done: Promise<void>;

  constructor(private readonly c: Client) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.running) {
        const t0 = performance.now();
        await this.c.call('PING');
        this.rtts.push(performance.now() - t0);
        await sleep(1);
      }
    } catch {
      // The connection went away (server died): the caller finds out from the server itself.
    }
  }

  async stop(): Promise<PingStats> {
    this.running = false;
    await this.done;
    this.c.close();
    const v = [...this.rtts].sort((a, b) => a - b);
    return { samples: v.length, maxMs: v[v.length - 1] ?? NaN, p99Ms: v[Math.floor(v.length * 0.99)] ?? NaN };
  }
}

/** Starts a PingLoop on a new connection to `port`. */
export async function startPinger(port: number): Promise<PingLoop> {
  return new PingLoop(await Client.connect(port));
}
