// Giving back the memory of a client that closes with big buffers. Its unread replies and held input
// are Buffers, whose memory V8 frees only when it collects their objects, and a server that then
// goes idle allocates nothing that would start a collection: the 1.7 GB of replies of a client that
// never read stayed in RSS 40 s and more after it disconnected (INFO used_memory 9 MB), where
// redis-server, whose freeClient frees them at once, was back to 29 MB of RSS within 15 s. So a
// client that closes with at least DROPPED_MIN in its buffers, and at least as much as the V8 heap
// holds (a full collection costs about the heap's size: its pause must be worth what it gives
// back), has one full collection run at the end of the event-loop turn, one for every client
// closed in that turn.
//
// V8's gc() is a global only under --expose-gc, which the keystonelight command's shebang passes
// (build.mjs); elsewhere (a library host, `node dist/keystonelight.js`) V8 keeps its own schedule.

import { getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import type { Logger } from './log.js';
import { setImmediate } from '../timers.js';

/** Buffers dropped below this are left to V8's own schedule. */
export const DROPPED_MIN = 64 * 1024 * 1024;

export class DroppedMemory {
  private scheduled = false;
  /** What the client that scheduled the collection dropped (for the log). */
  private bytes = 0;

  constructor(
    private readonly log: Logger,
    private readonly gc: (() => void) | null = (globalThis as { gc?: () => void }).gc ?? null,
  ) {}

  /**
   * A client is closing with `bytes` in its buffers: the output its socket held when it was
   * destroyed, or at its close what it counted in the used memory (held input).
   */
  dropped(bytes: number): void {
    if (this.gc === null || this.scheduled || bytes < DROPPED_MIN || bytes < getHeapStatistics().used_heap_size) return;
    this.scheduled = true;
    this.bytes = bytes;
    setImmediate(DroppedMemory.collect, this);
  }

  /** Static, given the instance by setImmediate (as the read gate's endYield). */
  private static collect(d: DroppedMemory): void {
    const start = performance.now();
    d.gc!();
    d.log.verbose(`Collected the garbage of a client closed with ${Math.round(d.bytes / 1048576)} MB in its buffers (${Math.round(performance.now() - start)} ms)`);
    d.scheduled = false;
  }
}
