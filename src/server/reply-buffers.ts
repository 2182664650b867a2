// Idle clients give back their reply buffer, as Redis 7.0's clientsCronResizeOutputBuffer: each
// client's storage (16 KB once grown) shrinks to max(1 KB, its peak + 1, rounded up) once the most a
// batch left in it since the last peak reset (CLIENT LIST rbp) is under half of it; the peak is
// reset to what the buffer holds every 5 s (DEBUG REPLYBUFFER PEAK-RESET-TIME), so an idle
// client's buffer shrinks within a few seconds: CLIENT LIST's rbs and rbp are the buffer's, not
// constants. The storage an idle client gives up goes to the collector (not to the piece pool:
// idle clients would fill it). A new client's buffer is 1 KB already (ClientState.out; Redis's is
// 16 KB until its cron's first look), so only clients that needed more are shrunk. A batch that
// needs more regrows the storage at once (ReplyBuffer.ensure: 16 KB at least), where Redis's cron
// doubles it in steps up to 16 KB (its reply list takes the rest meanwhile): reply_buffer_expands
// stays 0 here. Memory per connection: bench/README.md.
//
// As Redis's clientsCron, each cron run looks at numclients/hz clients (at least 5), going round
// the clients, so that each is seen about once a second whatever their number (and whatever hz:
// dynamic-hz raises it with many clients); the idle timeout and output limits are checked in the
// same walk (limits.ts cronCheck), and INFO's recent buffer peaks are recorded (client-peaks.ts).
// A walk of every client every run cost 4 times the CPU at dynamic-hz's hz 40 (8,000 idle
// clients, timeout and requirepass set; a review).

import type { ReplyBuffer } from '../protocol/encoder.js';

/**
 * Redis's PROTO_REPLY_MIN_BYTES: the smallest reply buffer, and a new client's (ClientState.out),
 * where Redis's starts at 16 KB and its cron shrinks it to this within a second when idle.
 */
export const MIN_BYTES = 1024;
/** Redis's REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME (ms). */
export const DEFAULT_PEAK_RESET_MS = 5000;
/** Redis's CLIENTS_CRON_MIN_ITERATIONS. */
const MIN_ITERATIONS = 5;
/**
 * Room the encoder asks for past a reply's own bytes (a bulk's `$<len>\r\n` header and CRLF, at
 * most 21 bytes, ReplyBuffer.bulk): a buffer of exactly peak + 1 bytes made the next batch of the
 * same size regrow it to 16 KB, to be shrunk again at the next look, every second (a review:
 * GET -P 16 -d 100, 450 shrinks in 10 s for 50 clients; redis-server 50).
 */
const RESERVE = 32;

/**
 * `n` rounded up as jemalloc's size classes (four a doubling: 1024, 1280, 1536, 1792, 2048,
 * 2560 ...): what Redis's zmalloc_usable makes of its buffer, and so what its CLIENT LIST shows.
 */
function sizeClass(n: number): number {
  if (n <= MIN_BYTES) return MIN_BYTES;
  const step = 2 ** Math.floor(Math.log2(n - 1)) / 4;
  return Math.ceil(n / step) * step;
}

/** What the cron needs of a client. */
export interface ReplyBufferOwner {
  readonly out: ReplyBuffer;
  /** When its peak was last reset (ms). */
  peakResetAt: number;
}

export class ReplyBufferCron {
  /** DEBUG REPLYBUFFER PEAK-RESET-TIME: ms between peak resets; -1 (NEVER) keeps the peak. */
  peakResetMs = DEFAULT_PEAK_RESET_MS;
  /** DEBUG REPLYBUFFER RESIZING: 0 stops the shrinking (and the peak resets), as Redis. */
  resizing = true;
  /** INFO reply_buffer_shrinks. */
  shrinks = 0;
  private walk: Iterator<ReplyBufferOwner> | null = null;

  /**
   * One cron run: the next share of `clients` (a live Map's values: a walk survives changes). Each
   * client looked at is first given to `track` (INFO's recent peaks, client-peaks.ts), then to
   * `check` (the idle timeout and output limits, limits.ts), as Redis's clientsCron; one `check`
   * closed is not resized. (Redis tracks after its timeout check: an idle client's buffers are
   * empty, or were recorded on the cron's previous looks.)
   */
  cron<C extends ReplyBufferOwner>(clients: Map<number, C>, hz: number, nowMs: number, check: ((c: C) => boolean) | null = null, track: ((c: C) => void) | null = null): void {
    if (clients.size === 0) {
      // A walk holds the Map's old tables, and in them the clients that were there when it last
      // moved (V8 keeps a table an iterator may still read): 1,023 of a burst of 4,000 clients
      // that all left stayed in memory until a client came back. With none, it starts afresh.
      this.walk = null;
      return;
    }
    if (!this.resizing && check === null && track === null) return;
    let n = Math.min(clients.size, Math.max(MIN_ITERATIONS, Math.floor(clients.size / hz)));
    while (n-- > 0) {
      let next = (this.walk ??= clients.values()).next();
      if (next.done === true) next = (this.walk = clients.values()).next();
      if (next.done === true) return;
      const c = next.value as C;
      if (track !== null) track(c);
      if (check !== null && check(c)) continue;
      if (this.resizing) this.resize(c, nowMs);
    }
  }

  /** Redis's clientsCronResizeOutputBuffer, for a client between batches (its buffer empty). */
  private resize(c: ReplyBufferOwner, nowMs: number): void {
    const out = c.out;
    const half = out.buf.length / 2;
    if (out.len === 0 && out.pieceBytes === 0 && half >= MIN_BYTES && out.peak < half) {
      // Redis's max(PROTO_REPLY_MIN_BYTES, peak + 1), with the encoder's reserve, as jemalloc sizes it.
      out.resizeEmpty(sizeClass(out.peak + RESERVE));
      this.shrinks++;
    }
    if (this.peakResetMs >= 0 && nowMs - c.peakResetAt >= this.peakResetMs) {
      out.peak = out.len;
      c.peakResetAt = nowMs;
    }
  }
}
