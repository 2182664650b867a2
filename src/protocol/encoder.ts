// RESP2/RESP3 encoder. A ReplyBuffer collects the replies of one batch of pipelined commands into
// one growing Buffer so a batch leaves in one socket write (a batch with big bulk replies in one
// writev: see ReplyBuffer.piece()). Encodings outside a batch are in encode-once.ts.

import {
  BoolReply, Deferred, DoubleReply, ErrorReply, LongArray, LongErrorReply, MapReply, NullArray, PushReply,
  RawReply, SetReply, SimpleString, VerbatimReply, type Reply,
} from './reply.js';
import { givePiece, takePiece } from './piece-pool.js';
import { oneLine, putString, putUint } from './put.js';
import { ShortCopy } from './short-copy.js';
import { ReplyPieces } from './reply-pieces.js';

const INITIAL = 16 * 1024;
const EMPTY = Buffer.alloc(0);
/**
 * Storage grown past SHRINK_ABOVE goes back to INITIAL once it has been mostly empty for
 * SHRINK_AFTER batches in a row (a steady large load, such as a busy AOF turn, keeps its size
 * instead of regrowing every batch); past KEEP_AT_MOST (the default of the constructor's
 * `keepAtMost`) it goes back at once, so that an idle connection never holds a large buffer.
 */
const SHRINK_ABOVE = INITIAL * 4;
const SHRINK_AFTER = 16;
const KEEP_AT_MOST = 256 * 1024;
/** Bulk replies at least this long may get a buffer of their own (ReplyBuffer.piece()). */
const PIECE_FROM = 32 * 1024;
/**
 * A connection's storage holding this much of a LongArray reply is sealed (ReplyBuffer.seal()):
 * 1 MB under the 64 MB its doubling reaches, so that the next elements fit without doubling again.
 */
const SEAL_AT = 63 * 1024 * 1024;
/** take() copies out at most this many bytes; a larger batch hands over the storage itself. */
const COPY_UP_TO = 64 * 1024;
/** `deferred` while no deferred-length reply was ever collected (shared: frozen). */
const NO_MARKS: readonly number[] = Object.freeze([]);

/**
 * A growing byte buffer the replies of one batch (or the AOF effects of one turn) are encoded
 * into. Its storage is reused from batch to batch: allocating a fresh one per batch made the
 * garbage collector one of the largest costs of a request.
 */
export class ReplyBuffer {
  /** From piece-pool.ts: a closed connection's storage (release()) serves the next one. */
  buf: Buffer;
  len = 0;
  /**
   * The most bytes a batch left in the storage since its owner last reset this (a connection's:
   * CLIENT LIST rbp, server/reply-buffers.ts; set by writeBatch). The storage's size at first, as
   * Redis's.
   */
  peak: number;
  /** Batches in a row that used under a quarter of a large storage (see SHRINK_AFTER). */
  private underused = 0;
  /** The last view peek() made, of `viewOf`: batches of the same size (common) reuse it. */
  private view: Buffer = EMPTY;
  private viewOf: Buffer = EMPTY;
  /** Big bulk replies may be pieces of their own (piece()); not in the AOF's buffer, nor take()'s. */
  private readonly split: boolean;
  /**
   * The pieces (reply-pieces.ts), made at the first: most connections never get a big reply, and
   * its three arrays cost every connection 96 B.
   */
  private parts: ReplyPieces | null = null;
  /** Bytes held in pieces. */
  pieceBytes = 0;
  /** `deferred`'s array, made at the first deferred-length reply (most clients never get one). */
  private deferredList: number[] | null = null;
  /**
   * deferred[0], or -1 when there is none: a plain field, which the hot path (every reply, every
   * command's limit check) tests instead of the array.
   */
  deferredAt = -1;
  /**
   * writeRange's copier of short ranges (made at its first use: only the AOF's buffer has one).
   * Dropped whenever the storage is replaced: it holds the last storage it copied into, which
   * would otherwise stay alive (up to hundreds of MB after a burst) until the next short copy.
   */
  private short: ShortCopy | null = null;

  /**
   * `keepAtMost`: the largest storage clear() keeps (see KEEP_AT_MOST). The AOF's one buffer keeps
   * more: a turn of big values (50 SETs of 100 KB) regrew it from 16 KB by doubling every turn.
   * `split`: big bulk replies may be pieces (a connection's replies, sent with chunks()).
   * `initial`: the first storage's size; the first write past it grows it to INITIAL at least.
   */
  constructor(
    private readonly keepAtMost = KEEP_AT_MOST,
    split = false,
    initial = INITIAL,
  ) {
    this.split = split;
    this.buf = takePiece(initial);
    this.peak = this.buf.length;
  }

  /**
   * Where each deferred-length reply (Deferred) collected since the last clear began, in bytes
   * from the start of the batch, in order. What Redis keeps in its static reply buffer ends at the
   * first, and each starts a new block of its reply list (client-output-buffer-limit,
   * server/limits.ts).
   */
  get deferred(): readonly number[] {
    return this.deferredList ?? NO_MARKS;
  }

  /** Bytes collected: in the storage and in pieces. */
  get size(): number {
    return this.len + this.pieceBytes;
  }

  /**
   * The bytes collected so far, as a view of the storage: valid until the next write or clear. (With
   * pieces, a copy of everything: chunks() gives them without copying.)
   */
  peek(): Buffer {
    if (this.pieceBytes !== 0) return Buffer.concat(this.chunks());
    // Compared by identity: reading .buffer or .byteOffset of a Buffer is a runtime call each.
    if (this.view.length === this.len && this.viewOf === this.buf) return this.view;
    this.viewOf = this.buf;
    return (this.view = this.buf.subarray(0, this.len));
  }

  /** The bytes collected so far, in order: views of the storage, with the pieces between them. */
  chunks(): Buffer[] {
    if (this.parts !== null) return this.parts.chunks(this.buf, this.len);
    return this.len > 0 ? [this.buf.subarray(0, this.len)] : [];
  }

  /**
   * Forgets the bytes collected, keeping the storage (unless it is large and no longer needed):
   * they were copied out or written through, so that pieces go back to the pool too.
   */
  clear(): void {
    if (this.pieceBytes !== 0) {
      // The loop stays here, though it belongs to the pieces: with it moved into ReplyPieces, this
      // smaller clear() made the batch's write path compile differently (V8's inlining), and a SET
      // took 18 ns more in process (bench/hotpath.ts, 4 processes each, --single-threaded).
      for (const b of this.parts!.stores) givePiece(b);
      this.dropPieces();
    }
    const size = this.buf.length;
    if (size > SHRINK_ABOVE) {
      this.underused = this.len * 4 < size ? this.underused + 1 : 0;
      if (size > this.keepAtMost || this.underused >= SHRINK_AFTER) this.resizeEmpty(INITIAL);
    }
    this.len = 0;
    this.forgetDeferred();
  }

  /**
   * Forgets the bytes collected and keeps the storage up to `keepAtMost` bytes: for a writer that
   * fills one large buffer again and again (the AOF rewrite), where clear() would give it up. A
   * storage grown past that by one big value (a 256 MB bitmap grew the rewrite's to 272 MB) is
   * replaced by one of `size` bytes, so that it is not held for the rest of the writer's work.
   */
  rewind(keepAtMost: number, size: number): void {
    if (this.pieceBytes !== 0) this.dropPieces();
    this.len = 0;
    this.forgetDeferred();
    if (this.buf.length > keepAtMost) this.resizeEmpty(size);
  }

  /** Forgets the bytes collected and gives the storage up: someone still holds a view of it. */
  detach(): void {
    if (this.pieceBytes !== 0) this.dropPieces();
    this.len = 0;
    this.forgetDeferred();
    this.resizeEmpty(INITIAL);
  }

  /**
   * Hands the storage to the next ReplyBuffer made: for an owner that is done with this one (a
   * closed connection) and keeps no view of it. Writing after this works, into new storage.
   */
  release(): void {
    if (this.pieceBytes !== 0) this.dropPieces(); // never written: the pool may go without them
    givePiece(this.buf);
    this.replaceStorage(EMPTY);
    this.len = 0;
    this.forgetDeferred();
    this.view = this.viewOf = EMPTY;
  }

  /**
   * New storage of `size` bytes for a buffer holding nothing: a large one given up (clear, rewind),
   * one a socket still views (detach), an idle client's shrunk buffer. The old storage is left to
   * whoever views it and then to the collector, never pooled: a thousand idle clients' 16 KB
   * buffers filled the pool (16 MB), which then refused the big replies' buffers it is there for.
   */
  resizeEmpty(size: number): void {
    this.replaceStorage(Buffer.allocUnsafeSlow(size));
    this.view = this.viewOf = EMPTY;
    this.underused = 0;
  }

  /**
   * Makes `b` the storage, holding `b.length` bytes collected (this holds none): bytes already
   * encoded, which become this buffer's (the AOF's big value: persistence/aof.ts), so nothing else
   * may use them any more.
   */
  adopt(b: Buffer): void {
    this.replaceStorage(b);
    this.len = b.length;
    this.view = this.viewOf = EMPTY;
  }

  /** Takes the bytes collected so far as a Buffer the caller owns, and starts over. */
  take(): Buffer {
    if (this.pieceBytes !== 0) {
      const all = this.peek(); // a copy, with pieces
      this.clear();
      return all;
    }
    if (this.len > COPY_UP_TO) {
      const out = this.peek();
      this.detach();
      return out;
    }
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.clear();
    return out;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const old = this.buf;
    let size = Math.max(old.length * 2, INITIAL); // at least INITIAL: released storage is empty
    while (size < this.len + n) size *= 2;
    // A client's first 1 KB storage grown to 16 KB trades places with the pool, as the 16 KB
    // storage release() gives back must be taken again (a review: closed clients' 16 KB buffers,
    // which new clients no longer take, filled the pool and shut the big values out of it). No
    // socket views a storage being grown: writeBatch detaches one it still views.
    const pooled = size === INITIAL && old.length < INITIAL && old.length > 0;
    const next = pooled ? takePiece(size) : Buffer.allocUnsafe(size);
    old.copy(next, 0, 0, this.len);
    this.replaceStorage(next);
    if (pooled) givePiece(old);
  }

  /**
   * Makes the storage's bytes a piece sent before every later byte and writes on in new storage:
   * for a LongArray reply (KEYS of 100M keys, MGET of 40M values) once it has filled SEAL_AT. A
   * storage that doubled on would stop at Node's largest Buffer (4 GB), where Redis's reply list
   * grows as long as the output limits let it. (Not a test in ensure(): it made GET 14-20 ns slower
   * in process, bench/hotpath.ts, though V8 inlined the same functions.)
   */
  private seal(): void {
    this.pieceBytes += (this.parts ??= new ReplyPieces()).seal(this.buf, this.len);
    this.len = 0;
    this.replaceStorage(Buffer.allocUnsafeSlow(SEAL_AT + 1024 * 1024));
    this.view = this.viewOf = EMPTY;
  }

  /** New storage; the short copier goes with the old (it would keep that alive: see `short`). */
  private replaceStorage(b: Buffer): void {
    this.buf = b;
    this.short = null;
  }

  writeBytes(b: Buffer): void {
    const n = b.length;
    this.ensure(n);
    const buf = this.buf;
    const at = this.len;
    if (n <= 16) for (let i = 0; i < n; i++) buf[at + i] = b[i];
    else buf.set(b, at);
    this.len = at + n;
  }

  /** Inserts `b` at offset `at` (<= len), moving the bytes from there on after it (never split). */
  insert(at: number, b: Buffer): void {
    this.ensure(b.length);
    this.buf.copyWithin(at + b.length, at, this.len);
    this.buf.set(b, at);
    this.len += b.length;
  }

  /** Writes b[start, end) (a request's own bytes, copied into the AOF unchanged). */
  writeRange(b: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const buf = this.buf;
    const at = this.len;
    if (n <= 64) (this.short ??= new ShortCopy()).copy(b, start, buf, at, n);
    else b.copy(buf, at, start, end);
    this.len = at + n;
  }

  /** Writes an ASCII/binary string (one byte per char). */
  writeAscii(s: string): void {
    this.ensure(s.length);
    this.len = putString(this.buf, this.len, s);
  }

  /** A `<prefix><n>\r\n` line (a count or a length). */
  private header(prefix: number, n: number): void {
    if (n < 0 || !Number.isSafeInteger(n)) {
      this.writeAscii(`${String.fromCharCode(prefix)}${n}\r\n`);
      return;
    }
    this.ensure(24);
    const buf = this.buf;
    let at = this.len;
    buf[at++] = prefix;
    at = putUint(buf, at, n);
    buf[at] = 13;
    buf[at + 1] = 10;
    this.len = at + 2;
  }

  bulk(s: string): void {
    if (s.length >= PIECE_FROM && this.split && this.len + s.length > this.keepAtMost) return this.piece(s);
    // Header ($ + up to 16 digits + CRLF), data, CRLF: one bounds check for the whole reply.
    this.ensure(s.length + 21);
    const buf = this.buf;
    let at = this.len;
    buf[at++] = 36; // '$'
    at = putUint(buf, at, s.length);
    buf[at++] = 13;
    buf[at++] = 10;
    at = putString(buf, at, s);
    buf[at] = 13;
    buf[at + 1] = 10;
    this.len = at + 2;
  }

  /**
   * A bulk reply that would grow the storage past what clear() keeps gets a buffer of its own
   * instead (from piece-pool.ts), sent in its place (chunks()), as Redis gives a big reply its own
   * reply-list node. Copied into the storage, a batch (GET of 100 KB values, -P 16: 1.6 MB) was
   * copied again at every doubling of a storage given up after each batch: a third of the
   * server's CPU time. Below keepAtMost the storage is the cheaper place (kept, and warm).
   */
  private piece(s: string, bulk = true): void {
    this.pieceBytes += (this.parts ??= new ReplyPieces()).add(s, this.len, bulk);
  }

  /**
   * An error too long for one string (LongErrorReply): `-`, its parts each made one line, CRLF. A
   * long part is a piece of its own, as a big bulk is (piece()): copied into the storage, it would
   * double it past 512 MB.
   */
  private longError(r: LongErrorReply): void {
    this.writeAscii('-');
    for (const p of r.parts) {
      const line = oneLine(p);
      if (line.length >= PIECE_FROM && this.split && this.len + line.length > this.keepAtMost) this.piece(line, false);
      else this.writeAscii(line);
    }
    this.writeAscii('\r\n');
  }

  private dropPieces(): void {
    this.parts!.clear(); // pieceBytes !== 0: there are pieces
    this.pieceBytes = 0;
  }

  integer(n: number | bigint): void {
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
      this.writeAscii(`:${n}\r\n`);
      return;
    }
    this.ensure(24);
    const buf = this.buf;
    let at = this.len;
    buf[at++] = 58; // ':'
    if (n < 0) {
      buf[at++] = 45; // '-'
      n = -n;
    }
    at = putUint(buf, at, n);
    buf[at] = 13;
    buf[at + 1] = 10;
    this.len = at + 2;
  }

  arrayHeader(n: number): void {
    this.header(42 /* '*' */, n);
  }

  /** Encodes one reply value for protocol `proto` (2 or 3). Tests ordered by how common the reply is. */
  write(r: Reply, proto: number): void {
    if (typeof r === 'string') return this.bulk(r);
    if (typeof r === 'number') return this.integer(r);
    if (r === null) return this.writeAscii(proto === 3 ? '_\r\n' : '$-1\r\n');
    if (r instanceof RawReply) {
      if (r.deferred !== null) for (let i = 0; i < r.deferred.length; i++) this.deferredFrom(r.deferred[i]);
      return this.writeBytes(r.bytes);
    }
    if (Array.isArray(r)) {
      this.arrayHeader(r.length);
      for (let i = 0; i < r.length; i++) this.write(r[i], proto);
      return;
    }
    if (typeof r === 'bigint') return this.integer(r);
    if (r instanceof SimpleString) return this.writeAscii(`+${oneLine(r.value)}\r\n`);
    if (r instanceof ErrorReply) return r instanceof LongErrorReply ? this.longError(r) : this.writeAscii(`-${oneLine(r.message)}\r\n`);
    this.writeComposite(r, proto);
  }

  /** A deferred-length reply begins `offset` bytes from here. */
  private deferredFrom(offset: number): void {
    const at = this.size + offset;
    if (this.deferredAt < 0) this.deferredAt = at;
    (this.deferredList ??= []).push(at);
  }

  private forgetDeferred(): void {
    if (this.deferredAt < 0) return;
    this.deferredAt = -1;
    this.deferredList!.length = 0; // deferredAt >= 0: there is one
  }

  private writeComposite(r: Reply, proto: number): void {
    if (r instanceof Deferred) {
      this.deferredFrom(0);
      this.write(r.reply, proto);
    } else if (r instanceof MapReply) {
      if (proto === 3) this.writeAscii(`%${r.entries.length / 2}\r\n`);
      else this.arrayHeader(r.entries.length);
      for (const e of r.entries) this.write(e, proto);
    } else if (r instanceof SetReply || r instanceof PushReply) {
      if (proto === 3) this.writeAscii(`${r instanceof SetReply ? '~' : '>'}${r.items.length}\r\n`);
      else this.arrayHeader(r.items.length);
      for (const e of r.items) this.write(e, proto);
    } else if (r instanceof DoubleReply) {
      if (proto === 3) this.writeAscii(`,${r.text}\r\n`);
      else this.bulk(r.text);
    } else if (r instanceof BoolReply) {
      if (proto === 3) this.writeAscii(r.value ? '#t\r\n' : '#f\r\n');
      else this.integer(r.value ? 1 : 0);
    } else if (r instanceof VerbatimReply) {
      if (proto === 3) {
        this.writeAscii(`=${r.text.length + 4}\r\n${r.format}:`);
        this.writeAscii(r.text);
        this.writeAscii('\r\n');
      } else {
        this.bulk(r.text);
      }
    } else if (r instanceof NullArray) {
      this.writeAscii(proto === 3 ? '_\r\n' : '*-1\r\n');
    } else if (r instanceof LongArray) {
      if (r.header) this.arrayHeader(r.length);
      for (let i = 0; i < r.chunks.length; i++) {
        const p = r.protos === null ? proto : r.protos[i];
        for (const e of r.chunks[i]) {
          if (this.len >= SEAL_AT && this.split) this.seal();
          this.write(e, p);
        }
      }
    }
  }
}
