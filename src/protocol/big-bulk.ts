// A big bulk string of a request (`$N` with N >= 32 KB) while its bytes arrive, for the request
// decoder. As Redis reads a big argument into an sds of its size, its bytes (header line, data,
// CRLF) are copied once, read by read, into one buffer that holds them all; the decoder then
// parses the bulk from it like any other. Collecting the reads as chunks and joining them at the
// end (as before) copied every byte twice and made a garbage Buffer per read: with `SET` of 100 KB
// values the young generation's ArrayBuffer bytes then forced a scavenge every ~80 requests.
//
// The buffer comes from piece-pool.ts and goes back to it once the decoder has made the bulk into
// an argument (a copy: a string): the next big bulk or big reply is then written into memory
// used a moment ago, not into a new allocation no cache has seen (SET of 100 KB values: x0.89 of
// the server's CPU per request at -P 1, x0.88 at -P 16, 8 alternating rounds).
//
// Reading the socket straight into the buffer (Node's onread buffer function), as Redis reads the
// rest of a big argument, was tried: server CPU per request did not change measurably (SET of
// 100 KB values, 8 alternating rounds each: x1.008 at -P 1, x0.987 at -P 16). The kernel then
// writes the bytes into memory no cache holds, which costs what the copy from the (hot) shared
// read buffer saved: user time fell ~10%, system time rose as much.
//
// A header alone does not allocate its size: up to PRESIZE is trusted (a 100 KB value gets its
// whole buffer at once), beyond that the buffer doubles as bytes actually arrive, so a client
// declaring 512 MB and sending nothing costs us PRESIZE; once a sixteenth has arrived, the whole
// size (grow()).

import { givePiece, LARGEST_POOLED, takePiece } from './piece-pool.js';
import type { RequestSink } from './request-sink.js';

const EMPTY = Buffer.alloc(0);
/** The most allocated from a header before the bytes arrive. */
const PRESIZE = 256 * 1024;
/** Once 1/TRUST_AFTER of a bulk has arrived, its buffer is given its whole size (grow()). */
const TRUST_AFTER = 16;

export class BigBulk {
  /** Bytes the pending bulk takes (header + data + CRLF); -1 while none is pending. */
  need = -1;
  /** Bytes received so far, in buf[0, have) unless discarding. */
  have = 0;
  /** Length of its header line ($N CRLF), which `have` and `need` include. */
  header = 0;
  /** Too long to keep (longer than a string can be): its bytes are counted, not stored. */
  discard = false;
  /** From piece-pool.ts: its length is a power of two, at least `need` once the bulk is complete. */
  private buf: Buffer = EMPTY;
  /** The last finished bulk's buffer, until the decoder is done with it (recycle()). */
  private done: Buffer = EMPTY;

  /** Starts a bulk of `len` data bytes whose first bytes (from its header on) are src[from, to). */
  start(src: Buffer, from: number, to: number, header: number, len: number, discard: boolean): void {
    this.need = header + len + 2;
    this.have = to - from;
    this.header = header;
    this.discard = discard;
    if (discard) return;
    this.buf = takePiece(Math.min(this.need, Math.max(PRESIZE, this.have)));
    src.copy(this.buf, 0, from, to);
  }

  /**
   * Takes the start of `chunk`, up to the bulk's end (what follows is the next request's), and
   * returns how many bytes it took. The bulk is complete when `have` reaches `need`.
   */
  collect(chunk: Buffer): number {
    const take = Math.min(chunk.length, this.need - this.have);
    if (!this.discard) {
      if (this.have + take > this.buf.length) this.grow(this.have + take);
      chunk.copy(this.buf, this.have, 0, take);
    }
    this.have += take;
    return take;
  }

  /** The complete bulk's bytes (a view of its buffer); none is pending afterwards. */
  finish(): Buffer {
    const b = this.buf.subarray(0, this.need);
    this.done = this.buf;
    this.buf = EMPTY;
    this.clear();
    return b;
  }

  /**
   * The decoder is done with the last finished bulk: `parsed`, its bytes were all made into
   * arguments (copies), so that its buffer goes back to the pool for the next big bulk or reply; if
   * not (held while paused), it is left to the garbage collector.
   */
  recycle(parsed: boolean): void {
    if (parsed) givePiece(this.done);
    this.done = EMPTY;
  }

  /** give() gave the sink arguments of the request being parsed, which has not run yet (ran()). */
  gave = false;

  /**
   * Gives the sink `arg` with its bytes as received, `$<len>\r\n<data>\r\n` (canonical: the decoder
   * checked), when they are in the last finished bulk's buffer and it is too long for the pool,
   * which would hand it out again: nothing writes into them any more (RequestSink.bigArg).
   */
  give(sink: RequestSink, arg: string, bytes: Buffer): void {
    if (this.done.length <= LARGEST_POOLED || bytes.buffer !== this.done.buffer) return;
    this.gave = true;
    sink.bigArg?.(arg, bytes);
  }

  /** The request whose arguments give() gave has run, or never will (RequestSink.bigArgsDone). */
  ran(sink: RequestSink): void {
    this.gave = false;
    sink.bigArgsDone?.();
  }

  /** Forgets the pending bulk (its buffer was read by no one but us: back to the pool). */
  clear(): void {
    if (this.buf !== EMPTY) givePiece(this.buf);
    this.buf = EMPTY;
    this.have = 0;
    this.need = -1;
  }

  /** Bytes of its buffer (for tests). */
  get capacity(): number {
    return this.buf.length;
  }

  /** The first `n` data bytes received (and of `incoming`, the read not pushed yet). */
  head(n: number, incoming: Buffer): Buffer {
    return Buffer.concat([this.buf.subarray(0, this.have), incoming]).subarray(this.header, this.header + n);
  }

  /**
   * Room for `min` bytes: the buffer doubles, up to what the bulk needs; once 1/TRUST_AFTER of it has
   * arrived, straight to that. Each doubling left the buffer before it to the garbage collector
   * (past the pool's 8 MB), which freed it only later: a 400 MB SET peaked at 2.7 times the value
   * (buffers of 256 and 512 MB, and the value's string), where Redis reads it into one sds.
   */
  private grow(min: number): void {
    const whole = this.have * TRUST_AFTER >= this.need;
    const next = takePiece(whole ? this.need : Math.min(this.need, Math.max(min, 2 * this.buf.length)));
    this.buf.copy(next, 0, 0, this.have);
    givePiece(this.buf);
    this.buf = next;
  }
}
