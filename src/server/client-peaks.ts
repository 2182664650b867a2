// INFO's client_recent_max_input_buffer and client_recent_max_output_buffer, as Redis 7.0 keeps
// them (clientsCronTrackExpansiveClients, getExpansiveClientsInfo): the biggest client buffers of
// the last seconds, not of the moment INFO runs. The cron's walk of the clients (reply-buffers.ts),
// which sees each client about once a second, records each client's figures in the slot of the
// current second (unix time % 8), and each cron run first zeroes the slot of the next second;
// INFO reports the largest over the 8 slots. So a big request or a big reply that the cron saw is
// still reported for 7 to 8 seconds after its buffer drained, as in Redis, and one that came and
// went between two looks of the cron is not (nor is it in Redis). No work on the request path:
// INFO reads 8 numbers instead of walking the clients (as Redis 5 replaced such a walk with this).
//
// The figures are CLIENT LIST's, as Redis's: input is qbuf plus argv-mem (Redis's
// sdsZmallocSize(querybuf) + argv_len_sum + the argv array), output is omem (Redis's
// getClientOutputBufferMemoryUsage). Keystonelight's differ from Redis's in the numbers (Redis
// shows its query buffer's allocation, 20480 for a client that has sent a command lately, and a
// big bulk's whole declared length as soon as its header arrives; see client-memory.ts).

import { clientInputMemory, clientOutputMemory } from '../commands/client.js';
import type { ClientApi } from '../commands/context.js';

/** Redis's CLIENTS_PEAK_MEM_USAGE_SLOTS: one a second. */
const SLOTS = 8;

export class ClientPeaks {
  private readonly input = new Array<number>(SLOTS).fill(0);
  private readonly output = new Array<number>(SLOTS).fill(0);
  private slot = 0;

  /** At the start of a cron run (Redis's clientsCron): picks the second's slot and zeroes the next. */
  startRun(nowMs: number): void {
    this.slot = Math.floor(nowMs / 1000) % SLOTS;
    const next = (this.slot + 1) % SLOTS;
    this.input[next] = 0;
    this.output[next] = 0;
  }

  /** One client the cron looks at: its buffers now, in the current slot if bigger. */
  track(c: ClientApi): void {
    const i = this.slot;
    const inUse = clientInputMemory(c);
    if (inUse > this.input[i]) this.input[i] = inUse;
    const outUse = clientOutputMemory(c).omem;
    if (outUse > this.output[i]) this.output[i] = outUse;
  }

  /** Redis's getExpansiveClientsInfo: the largest of the slots. */
  recent(): { input: number; output: number } {
    return { input: Math.max(...this.input), output: Math.max(...this.output) };
  }
}
