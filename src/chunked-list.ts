// A list whose length has no bound but memory's, held in JS arrays of at most 2^24 elements each.
// V8 ends the whole process (a fatal "invalid size error", not an exception) once one array grows
// past about 112.8M elements, where Redis's lists grow as long as memory lets them: a MULTI's
// queue (server/transaction-state.ts), EXEC's replies, KEYS's reply (protocol/reply.ts's
// ArrayCollector). Pushing is one length test more than a plain array's push.

/** Elements per array: far below V8's limit, and a whole number of them is still exact. */
const CHUNK = 1 << 24;

export class ChunkedList<T> {
  /** The arrays, in order; never empty (the last is the one pushed to, possibly empty). */
  readonly chunks: T[][];
  private tail: T[] = [];
  private count = 0;

  constructor(private readonly chunk = CHUNK) {
    this.chunks = [this.tail];
  }

  /** How many elements were pushed. */
  get length(): number {
    return this.count;
  }

  push(x: T): void {
    if (this.tail.length === this.chunk) this.cut();
    this.tail.push(x);
    this.count++;
  }

  /** Calls `fn` with each element, in order. */
  forEach(fn: (x: T) => void): void {
    for (const c of this.chunks) for (let i = 0; i < c.length; i++) fn(c[i]);
  }

  /** Later elements go into a new array (unless the last one is still empty). */
  protected cut(): void {
    if (this.tail.length === 0) return;
    this.tail = [];
    this.chunks.push(this.tail);
  }
}
