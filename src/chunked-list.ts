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

/**
 * A list whose length is known before it is filled (a reply of one element per argument): arrays of
 * exactly their final size, made at once, so nothing is regrown and copied as it fills (5M keys of
 * COMMAND GETKEYS pushed into growing arrays: 0.4 s of the command's 0.5). Fill it with exactly
 * `length` push() calls.
 */
export class SizedList<T> {
  readonly chunks: T[][] = [];
  private tail: T[];
  private next = 1;
  private at = 0;

  constructor(
    readonly length: number,
    chunk = CHUNK,
  ) {
    for (let left = length; left > 0; left -= chunk) this.chunks.push(new Array<T>(Math.min(left, chunk)));
    this.tail = this.chunks[0] ?? [];
  }

  push(x: T): void {
    if (this.at === this.tail.length) {
      this.tail = this.chunks[this.next++];
      this.at = 0;
    }
    this.tail[this.at++] = x;
  }
}
