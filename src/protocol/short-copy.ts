// Short copies between Buffers (a request's bytes into the AOF: ReplyBuffer.writeRange), four bytes
// at a time through DataViews. Up to 64 bytes a JS loop beats Buffer.copy (a binding call, about
// 60 ns whatever the length), and 32-bit DataView reads and writes, which TurboFan inlines, take
// about half the byte loop's time: 37 bytes (an INCR request) 35 -> 18 ns in a micro-benchmark;
// in the in-process harness (bench/hotpath.ts, incr --aof) the byte loop was 11% of an INCR.
//
// A DataView costs more to make than one copy saves, so each is made for a Buffer seen twice in a
// row and kept while it comes back: the read buffer's views are made once per length and reused
// (server/shared-read.ts), and the AOF's storage changes only when it grows. A Buffer seen once is
// copied byte by byte.

const NONE = Buffer.alloc(0);
/**
 * Sources longer than this are not kept (a big request's own buffer would stay alive until the
 * next copy); the destination, the AOF's storage, is kept whatever its size.
 */
const KEEP_SOURCE_UP_TO = 64 * 1024;

/** The Buffer last used on one side of the copies, and its DataView once it came back. */
class Side {
  buf: Buffer = NONE;
  view: DataView | null = null;

  constructor(private readonly keepUpTo: number) {}

  /** The DataView of `b`, or null when `b` is new (remembered, so that its next use makes one). */
  of(b: Buffer): DataView | null {
    if (b === this.buf) return (this.view ??= new DataView(b.buffer, b.byteOffset, b.length));
    this.buf = b.length <= this.keepUpTo ? b : NONE;
    this.view = null;
    return null;
  }
}

export class ShortCopy {
  private readonly src = new Side(KEEP_SOURCE_UP_TO);
  private readonly dst = new Side(Infinity);

  /** Copies src[from, from + n) to dst[at, at + n); n is small (at most 64 bytes, say). */
  copy(src: Buffer, from: number, dst: Buffer, at: number, n: number): void {
    const s = this.src.of(src);
    const d = this.dst.of(dst);
    let i = 0;
    if (s !== null && d !== null) for (; i + 4 <= n; i += 4) d.setUint32(at + i, s.getUint32(from + i));
    for (; i < n; i++) dst[at + i] = src[from + i];
  }
}
