// One-off encodings, outside a connection's batch: replies EXEC encodes ahead (its dropped-reply and
// HELLO paths), and single replies and commands for tests. Each uses a ReplyBuffer of its own and
// gives its storage back to the pool.

import { ReplyBuffer } from './encoder.js';
import { RawReply, type Reply } from './reply.js';

/**
 * Encodes with a ReplyBuffer of its own: the bytes copied out, with where deferred-length replies
 * begin in them, and its storage given back to the pool (piece-pool.ts) for the next connection.
 */
function encodeWith(fill: (b: ReplyBuffer) => void): [Buffer, readonly number[] | null] {
  const b = new ReplyBuffer();
  fill(b);
  const deferred = b.deferredAt < 0 ? null : b.deferred.slice();
  const bytes = Buffer.from(b.take());
  b.release();
  return [bytes, deferred];
}

/** Encodes a single reply into a fresh Buffer (for tests and one-off writes). */
export function encodeReply(r: Reply, proto = 2): Buffer {
  return encodeWith((b) => b.write(r, proto))[0];
}

/** Encodes replies ahead of their batch (EXEC's), keeping where its deferred-length replies begin. */
export function encodeRaw(replies: readonly Reply[], proto: number, header: boolean): RawReply {
  const [bytes, deferred] = encodeWith((b) => {
    if (header) b.arrayHeader(replies.length);
    for (const r of replies) b.write(r, proto);
  });
  return new RawReply(bytes, deferred);
}

/** Encodes an argument vector as a RESP multibulk request (also the AOF record format). */
export function encodeCommand(args: readonly string[]): Buffer {
  return encodeWith((b) => {
    b.arrayHeader(args.length);
    for (const a of args) b.bulk(a);
  })[0];
}
