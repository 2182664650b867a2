// Giving back the memory of a client that closes with big buffers. Its unread replies and held input
// are Buffers, whose memory V8 frees only when it collects their objects, and a server that then
// goes idle allocates nothing that would start a collection: the 1.7 GB of replies of a client that
// never read stayed in RSS 40 s and more after it disconnected (INFO used_memory 9 MB), where
// redis-server, whose freeClient frees them at once, was back to 29 MB of RSS within 15 s. So a
// client that closes with at least DROPPED_MIN in its buffers, and at least the dataset's size (a
// full collection's pause grows with what lives in the heap, the keys: it must be worth what it
// gives back), has one full collection run at the end of the event-loop turn, one for every client
// closed in that turn. The dataset is the used memory's estimate of it (keyspace/memory.ts), not
// V8's used heap size: that counts the garbage too (a test's 150K SETs of 1 KB values), and the
// collection was skipped when there was most to give back.
//
// The collections are spaced: the next one waits GAP_FACTOR times the last one's pause, and at least
// MIN_GAP_MS, after its end (a client closing meanwhile has its collection then, one for all of them).
// A client that fetched a big value without reading it and closed, again and again, had one full
// collection each time, about 2-4x the work of making the replies; so the server spends at most
// about a tenth of its time collecting for departed clients, and an idle one still gets it all back.
//
// V8's gc() is a global only under --expose-gc, which the keystonelight command's shebang passes
// (build.mjs); elsewhere (a library host, `node dist/keystonelight.js`) V8 keeps its own schedule.

import { performance } from 'node:perf_hooks';
import type { Logger } from './log.js';
import { setImmediate, setTimeout } from '../timers.js';

/** V8's gc() (--expose-gc): a full collection, or a young-generation one with `{ type: 'minor' }`. */
type Collect = (options?: { type: 'minor' | 'major' }) => void;

/** When the buffers freed after a collection are counted as freed (recount). */
const COUNT_AFTER_MS = 1000;

/** Buffers dropped below this are left to V8's own schedule. */
export const DROPPED_MIN = 64 * 1024 * 1024;

/** The least time between the end of one collection and the start of the next. */
export const MIN_GAP_MS = 1000;

/** The gap after a collection, in multiples of its pause (when that is longer than MIN_GAP_MS). */
export const GAP_FACTOR = 10;

export class DroppedMemory {
  private scheduled = false;
  /** What the clients the collection is for dropped (for the log). */
  private bytes = 0;
  /** When the next collection may start (performance.now()). */
  private notBefore = 0;

  /** `live`: the bytes the heap keeps alive (the used memory's startup figure and dataset). */
  constructor(
    private readonly log: Logger,
    private readonly live: () => number,
    private readonly gc: Collect | null = (globalThis as { gc?: Collect }).gc ?? null,
  ) {}

  /**
   * A client closed with `bytes` in its buffers: what it counted in the used memory (its unsent
   * replies, its held input), called once its socket has closed, when nothing holds them any more.
   */
  dropped(bytes: number): void {
    if (this.gc === null || bytes < DROPPED_MIN || bytes < this.live()) return;
    this.bytes += bytes;
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule();
  }

  /** Runs the collection at the end of this turn, or at notBefore when that is still to come. */
  private schedule(): void {
    const wait = this.notBefore - performance.now();
    // Unref'd: a library host whose loop has nothing else to do may exit before it runs.
    if (wait > 0) setTimeout(DroppedMemory.collect, wait, this).unref();
    else setImmediate(DroppedMemory.collect, this);
  }

  /** Static, given the instance by setImmediate (as the read gate's endYield). */
  private static collect(d: DroppedMemory): void {
    // Node's timers count from libuv's loop time, whole milliseconds taken when the loop turn began:
    // one can fire a millisecond or so before performance.now() reaches its deadline (a CI run saw
    // the gap short). The gap is a promise: wait out the rest.
    if (performance.now() < d.notBefore) return d.schedule();
    const start = performance.now();
    d.gc!();
    const end = performance.now();
    d.log.verbose(`Collected the garbage of clients closed with ${Math.round(d.bytes / 1048576)} MB in their buffers (${Math.round(end - start)} ms)`);
    d.notBefore = end + Math.max(MIN_GAP_MS, GAP_FACTOR * (end - start));
    d.scheduled = false;
    d.bytes = 0;
    // V8 frees the dead buffers on a background thread after a full collection, and counts them as
    // freed (process.memoryUsage().external, INFO's allocator figures) only at its next collection.
    // A young-generation one (about 1 ms) a moment later does that; at once, it made the main thread
    // wait for the frees (1.7 GB: 214 ms where the collection took 11).
    setTimeout(DroppedMemory.recount, COUNT_AFTER_MS, d).unref();
  }

  private static recount(d: DroppedMemory): void {
    d.gc!({ type: 'minor' });
  }
}
