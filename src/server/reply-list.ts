// Redis 7.0's reply-list memory for a client (getClientOutputBufferMemoryUsage), which
// client-output-buffer-limit compares with its limits (limits.ts): output past the 16 KB static
// reply buffer, counted in whole blocks as jemalloc allocates them; around each deferred-length
// reply (protocol/reply.ts's Deferred) Redis trims the block before it and starts a new one, and
// those blocks stay counted until the socket has taken their bytes.

import type { ReplyBuffer } from '../protocol/encoder.js';

/** Redis's PROTO_REPLY_CHUNK_BYTES: the static reply buffer every client has. */
export const REPLY_BUFFER = 16 * 1024;

/**
 * What Redis 7.0 counts for each block of its reply list: a block asked for 16 KB (plus its 16-byte
 * header) is given jemalloc's 20480-byte size class, so it holds 20464 bytes of output; each also
 * costs its list node and header (sizeof(listNode) + sizeof(clientReplyBlock)).
 */
export const REPLY_BLOCK = 20480 - 16;
export const REPLY_NODE = 24 + 16;

/**
 * Whether output growing from `before` to `after` pending bytes adds a block to Redis's reply list:
 * only then does Redis check the limits as replies are added (_addReplyProtoToList), so a client
 * that must AUTH again (RESET) is not closed by a reply that fits in the last block.
 */
export function addsReplyBlock(before: number, after: number): boolean {
  return replyBlocks(after) > replyBlocks(before);
}

/** The blocks of Redis's reply list holding `pending` bytes of output: none while the static buffer holds it. */
export function replyBlocks(pending: number): number {
  return pending <= REPLY_BUFFER ? 0 : Math.ceil((pending - REPLY_BUFFER) / REPLY_BLOCK);
}

/** Memory Redis counts for `pending` bytes of output past its static buffer, in whole blocks. */
export function replyListBytes(pending: number): number {
  return replyBlocks(pending) * (REPLY_BLOCK + REPLY_NODE);
}

/** jemalloc's size class for `n` bytes: 16-byte steps up to 128, then four classes per doubling. */
function sizeClass(n: number): number {
  if (n <= 128) return Math.max(8, Math.ceil(n / 16) * 16);
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

/**
 * The memory of a run of `len` bytes of the reply list that a deferred-length reply ends: whole
 * blocks, the last one as Redis 7.0's trimReplyUnusedTailSpace leaves it (shrunk to what it holds
 * when more than a quarter of it is free and it holds under 16 KB).
 */
function closedRunBytes(len: number): number {
  const full = Math.floor(len / REPLY_BLOCK);
  const rest = len - full * REPLY_BLOCK;
  let tail = 0;
  if (rest > 0) tail = (REPLY_BLOCK - rest > REPLY_BLOCK / 4 && rest < REPLY_BUFFER ? sizeClass(rest + 16) - 16 : REPLY_BLOCK) + REPLY_NODE;
  return full * (REPLY_BLOCK + REPLY_NODE) + tail;
}

/**
 * Redis 7.0's reply-list memory (getClientOutputBufferMemoryUsage) for one batch of output in
 * which deferred-length replies begin (ReplyBuffer.deferred): the static buffer holds the output up
 * to the first of them (16 KB at most); each of them begins a new block of the list, after
 * addReplyDeferredLen trimmed the one before (trimReplyUnusedTailSpace). Kept as the batch grows
 * (a pipeline of many such replies is folded once), and reset when the batch is written.
 */
export class ReplyListTally {
  /** Marks folded into `closed`. */
  private seen = 0;
  /** Memory of the runs the folded marks ended. */
  private closed = 0;
  /** Where the open run begins (past the static buffer), in bytes of pending output. */
  private start = REPLY_BUFFER;
  /** The bytes before the batch (still queued in the socket) the marks were folded with. */
  private base = 0;

  reset(): void {
    this.seen = 0;
    this.closed = 0;
    this.start = REPLY_BUFFER;
    this.base = 0;
  }

  /** The memory for `pending` bytes, the last `pending - base` of them the batch whose marks are `marks`. */
  usage(pending: number, base: number, marks: readonly number[]): number {
    if (base !== this.base) {
      this.reset();
      this.base = base;
    }
    for (; this.seen < marks.length; this.seen++) {
      const at = base + marks[this.seen];
      if (this.seen === 0 && at <= REPLY_BUFFER) this.start = at;
      else if (at > this.start) {
        this.closed += closedRunBytes(at - this.start);
        this.start = at;
      }
    }
    return this.closed + replyListBytes(pending - this.start + REPLY_BUFFER);
  }
}

/**
 * One client's reply-list memory as Redis counts it: the batch being collected (ReplyListTally
 * when deferred-length replies are in it), plus what the trimmed blocks of batches already handed
 * to the socket still cost (Redis keeps them until they are written), shrinking as it drains.
 */
export class ReplyListMemory {
  /** Made at the first batch with a deferred-length reply: most clients never get one (56 B each). */
  private tally: ReplyListTally | null = null;
  /** The extra cost of the queued batches' trimmed blocks, and the queued bytes it was counted for. */
  private queuedExtra = 0;
  private queuedExtraOf = 0;

  /**
   * For `pending` bytes of output: `queued` of them handed to the socket (`left` of those still
   * unsent, as the socket says), the rest the batch in `out`.
   */
  usage(pending: number, queued: number, out: ReplyBuffer, left: number): number {
    const batch = out.deferredAt < 0 ? replyListBytes(pending) : (this.tally ??= new ReplyListTally()).usage(pending, queued, out.deferred);
    return Math.max(0, batch + this.extra(left));
  }

  /** queuedExtra for what is left of the bytes it was counted for (blocks written are freed). */
  private extra(left: number): number {
    if (this.queuedExtra === 0) return 0;
    if (left >= this.queuedExtraOf) return this.queuedExtra;
    return left === 0 ? 0 : Math.round((this.queuedExtra * left) / this.queuedExtraOf);
  }

  /** Before the batch in `out` is written: what its trimmed blocks cost beyond the plain count. */
  batchExtra(pending: number, queued: number, out: ReplyBuffer, left: number): number {
    if (out.deferredAt < 0 && this.queuedExtra === 0) return 0;
    return this.usage(pending, queued, out, left) - replyListBytes(pending);
  }

  /** The batch was written, `queued` bytes left in the socket, `extra` its cost beyond the plain count. */
  written(extra: number, queued: number): void {
    this.queuedExtra = queued === 0 ? 0 : extra;
    this.queuedExtraOf = queued;
    this.tally?.reset();
  }

  /** A turn with nothing to write: the next batch starts afresh. */
  idle(): void {
    this.tally?.reset();
  }
}
