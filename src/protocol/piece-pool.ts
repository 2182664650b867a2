// Buffers for big bulk strings: replies (ReplyBuffer.piece()), given back once a socket has taken
// their bytes, and requests' arguments (big-bulk.ts), given back once made into strings; and the
// storage of closed connections' reply buffers (ReplyBuffer.release(): 1 KB, or 16 KB once grown),
// so that a client connecting per request (redis-benchmark -k 0) costs no allocation nor garbage
// for it.
//
// A fresh buffer per big value was written into memory no cache had seen (and allocated, and later
// swept by the GC): copying a 100 KB value into a new buffer cost several times a copy into one
// used a moment ago. Redis's allocator hands a freed block back at once; this does the same for
// ours (GET of 100 KB values -P 16: server CPU per request x0.79 with the pool, 3 alternating
// rounds). Sizes are powers of two from 1 KB (a 100 KB value takes a 128 KB buffer); the pool
// keeps at most MAX_POOLED bytes, the most recently freed first.

const MIN_SHIFT = 10; // 1 KB: a new connection's reply buffer (server/reply-buffers.ts)
/** Buffers longer than this are never pooled (MAX_CLASS_SHIFT). */
const MAX_CLASS_SHIFT = 23; // 8 MB
/** The longest buffer the pool keeps: a longer one given back is left to the collector, never reused. */
export const LARGEST_POOLED = 1 << MAX_CLASS_SHIFT;
const MAX_POOLED = 16 * 1024 * 1024;
/**
 * Of which at most this much in buffers under 16 KB (new clients' 1 KB reply buffers): thousands of
 * idle clients closing at once would otherwise fill the pool with them (a review: 3,000 clients,
 * 3 MB), where the big values' buffers it is there for then find no room.
 */
const MAX_POOLED_SMALL = 1024 * 1024;
const SMALL = 16 * 1024;

/** Free buffers by size class (index: log2(size) - MIN_SHIFT). */
const free: Buffer[][] = Array.from({ length: MAX_CLASS_SHIFT - MIN_SHIFT + 1 }, () => []);
let pooled = 0;
let pooledSmall = 0;

/** The size class of a buffer for `n` bytes, or -1 when it is too big to pool. */
function classOf(n: number): number {
  const shift = Math.max(MIN_SHIFT, 32 - Math.clz32(n - 1));
  return shift > MAX_CLASS_SHIFT ? -1 : shift - MIN_SHIFT;
}

/** A buffer of at least `n` bytes (its own storage, its length a power of two unless too big). */
export function takePiece(n: number): Buffer {
  const c = classOf(n);
  if (c < 0) return Buffer.allocUnsafeSlow(n);
  const b = free[c].pop();
  if (b === undefined) return Buffer.allocUnsafeSlow(1 << (c + MIN_SHIFT));
  pooled -= b.length;
  if (b.length < SMALL) pooledSmall -= b.length;
  return b;
}

/** Gives back a buffer from takePiece() that nothing reads any more. */
export function givePiece(b: Buffer): void {
  const c = classOf(b.length);
  if (c < 0 || b.length !== 1 << (c + MIN_SHIFT) || pooled + b.length > MAX_POOLED) return;
  if (b.length < SMALL) {
    if (pooledSmall + b.length > MAX_POOLED_SMALL) return;
    pooledSmall += b.length;
  }
  free[c].push(b);
  pooled += b.length;
}

/** Bytes held by the pool (for tests). */
export function pooledBytes(): number {
  return pooled;
}

/** Free buffers the pool holds for takePiece(n) (for tests). */
export function pooledFor(n: number): number {
  const c = classOf(n);
  return c < 0 ? 0 : free[c].length;
}
