// What a client's request decoder holds of its input between reads: the unparsed bytes (a
// request cut by the end of a read, or a pipeline held back), in the caller's chunk while it is
// parsed in place and in a buffer of our own once the call returns, and a big bulk being gathered.
// What the query buffer's accounting reads (client-query-buffer-limit, CLIENT LIST qbuf, the used
// memory) is answered here, and line ends are found here as Redis's strchr finds them (scan). The
// parsing is decoder.ts's, a subclass: the hot path reads these fields directly.

import type { BigBulk } from './big-bulk.js';

export const EMPTY = Buffer.alloc(0);
const CR = 13;
/** A read at least this big that ends mid-request is taken for a streamed pipeline (keepRest). */
const STREAM_READ = 16 * 1024;
/** A pending partial request at least this big gets a buffer with room to grow (no quadratic copies). */
const GROW_FROM = 4 * 1024;

export abstract class QueryBuffer {
  /** Unconsumed bytes are buf[pos, end). `owned`: buf is our own storage (may be appended to). */
  protected buf: Buffer = EMPTY;
  protected pos = 0;
  protected end = 0;
  protected owned = false;
  /** Bytes after pos already searched for a line end, so a line arriving byte by byte is scanned once. */
  protected scanned = 0;
  /**
   * Where the requests being parsed now began (-1 between parses): Redis trims the requests it ran
   * off its query buffer only once it has run all it holds, so while one of them runs (CLIENT
   * LIST / INFO of the client itself) its qbuf counts them all, the running one included.
   */
  protected parsedFrom = -1;
  /**
   * The bytes of the arguments of a request received in part, 0 between requests (kept by the
   * decoder as it parses them: a request of a million arguments is not summed per read).
   */
  protected argBytes = 0;
  /**
   * The big bulk string being received, if any (big.need >= 0). Made at the first big bulk and
   * kept: most clients never send one, and it cost every connection 72 B.
   */
  protected big: BigBulk | null = null;

  /** Bytes received but not yet consumed (for client-query-buffer accounting). */
  get buffered(): number {
    return this.end - this.pos + (this.big === null ? 0 : this.big.have);
  }

  /**
   * Redis's `strchr(p, target)` from pos: the index of the first `target` byte (CR for multibulk
   * headers, LF for inline requests), or -1 when there is none yet or a NUL byte comes first (the
   * NUL ends the C string, so Redis does not see the line end either).
   */
  protected scan(target: number): number {
    const buf = this.buf;
    const end = this.end;
    let i = this.pos + this.scanned;
    for (; i < end; i++) {
      const c = buf[i];
      if (c === target) {
        this.scanned = i - this.pos;
        return i;
      }
      if (c === 0) break;
    }
    this.scanned = i - this.pos;
    return -1;
  }

  /** The CR ending the header line at pos, once the byte after it has arrived too; else -1. */
  protected headerEnd(): number {
    const cr = this.scan(CR);
    return cr >= 0 && cr + 1 < this.end ? cr : -1;
  }

  /**
   * Bytes of memory the query buffer holds (what the used memory counts for it): our own buffer,
   * with its room to grow, and a big bulk's chunks. A chunk being parsed in place is the caller's
   * (connections share one read buffer), not ours: 0 while nothing is left over between reads.
   * And the arguments of a request received in part: Redis holds them in c->argv, allocated as
   * they are parsed, so its used memory counts them (30 clients that each sent 249 of a request's
   * 250 arguments of 1000 bytes: 8.35 MB of mem_clients_normal, and keys evicted under maxmemory,
   * in redis-server 7.0.15). Here, not in an override of the decoder's: connections read it after
   * every reply, and the override cost GET about 12 ns a command in process (V8 inlined less).
   */
  get held(): number {
    const big = this.big;
    return (this.owned ? this.buf.length : 0) + (big === null || big.discard ? 0 : big.have) + this.argBytes;
  }

  /**
   * The query buffer length Redis would count once `n` more bytes are received: the bytes not yet
   * parsed, except that for a big bulk Redis keeps only its data and reads no further than its
   * end. Connections compare this with client-query-buffer-limit before pushing the bytes. Read
   * while a request of this buffer runs: from where the parse began (parsedFrom).
   */
  queryBufferAfter(n: number): number {
    const big = this.big;
    if (this.parsedFrom >= 0 && this.parsedFrom <= this.end) return this.end - this.parsedFrom + n;
    if (big === null || big.need < 0) return this.end - this.pos - this.headerRead() + n;
    return Math.min(big.have + n, big.need) - big.header;
  }

  /**
   * The bytes at the start of the unparsed ones that Redis has already taken out of its query
   * buffer (the decoder's: a bulk's whole header line, whose data has not all arrived).
   */
  protected headerRead(): number {
    return 0;
  }

  /**
   * The first `n` bytes of the query buffer as Redis's holds them (a big bulk's data, without its
   * header), for the log line of a client closed over client-query-buffer-limit.
   */
  head(n: number, incoming?: Buffer): Buffer {
    const big = this.big;
    const from = this.pos + this.headerRead();
    if (big === null || big.need < 0) return Buffer.concat([this.buf.subarray(from, Math.min(this.end, from + n)), incoming ?? EMPTY]).subarray(0, n);
    return big.head(n, incoming ?? EMPTY);
  }

  /**
   * The bytes not parsed yet, from the start of the line being parsed (Redis's querybuf from
   * qb_pos), for a protocol error's log line; none while a big bulk is gathered.
   */
  get unparsed(): Buffer {
    return this.big === null || this.big.need < 0 ? this.buf.subarray(this.pos, this.end) : EMPTY;
  }

  /**
   * Copies the unparsed bytes out of a chunk the caller will reuse (a partial request, or a pause).
   * After a big read (a streamed pipeline, whose every read ends mid-request) the copy gets room
   * for two more reads that size: append() then fills it in place, moving each leftover (less
   * than a request) to its start, so a streaming client reuses one buffer instead of getting a
   * new one per read. A small leftover gets an exact copy, so idle clients holding half a request
   * keep only their bytes.
   */
  protected keepRest(read: number): void {
    const rest = Buffer.allocUnsafe(this.end - this.pos + (read >= STREAM_READ ? 2 * read : 0));
    this.buf.copy(rest, 0, this.pos, this.end);
    this.buf = rest;
    this.end -= this.pos;
    this.pos = 0;
    this.owned = true;
  }

  /** Adds a chunk after the unparsed bytes, into our own buffer (grown or compacted as needed). */
  protected append(chunk: Buffer): void {
    if (this.owned && this.end + chunk.length <= this.buf.length) {
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    const pending = this.end - this.pos;
    const need = pending + chunk.length;
    if (this.owned && need <= this.buf.length) {
      // Our buffer has the room once its parsed part is dropped: move the rest to its start.
      this.buf.copyWithin(0, this.pos, this.end);
      chunk.copy(this.buf, pending);
      this.pos = 0;
      this.end = need;
      return;
    }
    const next = Buffer.allocUnsafe(pending >= GROW_FROM ? need * 2 : need);
    this.buf.copy(next, 0, this.pos, this.end);
    chunk.copy(next, pending);
    this.buf = next;
    this.pos = 0;
    this.end = need;
    this.owned = true;
  }
}
