// The big bulk replies of a ReplyBuffer (encoder.ts) that are not copied into its storage: each is
// encoded into a buffer of its own from the piece pool (piece-pool.ts) and sent in its place among
// the storage's bytes, as Redis gives a big reply its own reply-list node (see ReplyBuffer.piece).

import { takePiece } from './piece-pool.js';

export class ReplyPieces {
  /** The encoded replies, each sent before the storage's byte at the same index of `marks`. */
  private readonly pieces: Buffer[] = [];
  private readonly marks: number[] = [];
  /** The pool buffers the pieces are views of, given back once written through (ReplyBuffer.clear). */
  readonly stores: Buffer[] = [];

  /**
   * Encodes the bulk reply of `s` (`bulk` false: its bytes alone, a long error's part) as a piece
   * sent before the storage's byte `mark`; returns its size.
   */
  add(s: string, mark: number, bulk = true): number {
    const head = bulk ? `$${s.length}\r\n` : '';
    const n = head.length + s.length + (bulk ? 2 : 0);
    const store = takePiece(n);
    let at = store.latin1Write(head, 0);
    at += store.latin1Write(s, at);
    if (bulk) {
      store[at] = 13;
      store[at + 1] = 10;
    }
    this.pieces.push(store.subarray(0, n));
    this.stores.push(store);
    this.marks.push(mark);
    return n;
  }

  /**
   * Makes every byte so far, the storage's buf[0, len) and the pieces among them, pieces sent
   * before the next storage's first byte; returns the bytes added to the pieces (len). The storage
   * is not given back to the pool with the pieces' stores: it is larger than any the pool keeps.
   */
  seal(buf: Buffer, len: number): number {
    const all = this.chunks(buf, len);
    this.pieces.length = this.marks.length = 0;
    for (const c of all) {
      this.pieces.push(c);
      this.marks.push(0);
    }
    return len;
  }

  /** The storage's bytes buf[0, len) with the pieces between them, in order, without copying. */
  chunks(buf: Buffer, len: number): Buffer[] {
    const out: Buffer[] = [];
    let from = 0;
    for (let i = 0; i < this.pieces.length; i++) {
      const to = this.marks[i];
      if (to > from) out.push(buf.subarray(from, to));
      out.push(this.pieces[i]);
      from = to;
    }
    if (len > from) out.push(buf.subarray(from, len));
    return out;
  }

  /** Forgets every piece. */
  clear(): void {
    this.pieces.length = 0;
    this.stores.length = 0;
    this.marks.length = 0;
  }
}
