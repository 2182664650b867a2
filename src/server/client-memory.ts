// The clients' buffers in the used memory, as Redis 7.0 counts them: its query and output buffers
// are malloc'd, so INFO used_memory includes them, and so does the maxmemory check
// (performEvictions): a client with a big unfinished request, or with big replies it does not
// read, makes Redis evict keys, or refuse writes with -OOM under noeviction (checked on a real
// 7.0.15). Redis leaves out only replicas' output and the AOF buffer
// (freeMemoryGetNotCountedMemory); Keystonelight has neither in its used memory.
//
// The check runs before every command, so it cannot walk the clients. Each connection keeps an
// account of what it added to one running total (Keyspace.outside, read by usedMemory) and
// re-counts itself, in O(1), where its buffers change: after each reply, after each read or run of
// held input, after the turn's socket write and when a write completes (Node then has handed those
// bytes to the kernel), and on close, which takes its share out. The total is then exact whenever a
// command runs, and no figure is ever recomputed by summing.
//
// What a client holds counts beyond the buffers every Redis client has anyway, whose memory does
// not depend on the traffic: a 16 KB static reply buffer (PROTO_REPLY_CHUNK_BYTES, which Redis's
// output figures leave out too) and a query buffer of the 16 KB it reads at a time
// (PROTO_IOBUF_LEN). So replies and requests of ordinary size leave the used memory (and thus
// MEMORY USAGE-exact eviction) alone, while a buffer of megabytes counts, as in Redis.
//
// Counted: the query buffer's memory (RequestDecoder.held: a partial request, a big bulk as it
// arrives, input read ahead while the client is held, read-gate.ts, and the arguments of a request
// received in part, which Redis holds in c->argv), and the output not yet taken by the kernel (the
// replies of this turn, and what Node's socket still queues).
// Redis counts a big bulk's declared length as soon as its `$<len>` header arrives (it allocates
// that much at once); Keystonelight allocates it only once a sixteenth has arrived (big-bulk.ts),
// in pages the kernel provides as they are written, so it counts the bytes as they arrive.

/** Redis's PROTO_IOBUF_LEN: the query buffer a Redis client reads into. */
export const QUERY_ALLOWANCE = 16 * 1024;
/** Redis's PROTO_REPLY_CHUNK_BYTES: the static reply buffer every Redis client has. */
export const REPLY_ALLOWANCE = 16 * 1024;

/** One client's share of the running total: what it added last. */
export class BufferAccount {
  private counted = 0;
  private released = false;

  /** `total`: the running total of every client (Keyspace.outside). */
  constructor(private readonly total: { bytes: number }) {}

  /** Re-counts this client from its buffers' sizes now: `query` held, `output` pending. */
  update(query: number, output: number): void {
    if (this.released) return;
    const n = (query > QUERY_ALLOWANCE ? query - QUERY_ALLOWANCE : 0) + (output > REPLY_ALLOWANCE ? output - REPLY_ALLOWANCE : 0);
    if (n === this.counted) return;
    this.total.bytes += n - this.counted;
    this.counted = n;
  }

  /**
   * The client is gone: its share leaves the total, and later updates (a write's late callback) are
   * ignored. Returns that share (dropped-memory.ts).
   */
  release(): number {
    const counted = this.counted;
    this.total.bytes -= counted;
    this.counted = 0;
    this.released = true;
    return counted;
  }
}
