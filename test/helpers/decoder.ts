// Feeding a request decoder in pieces, as reads would deliver them (unit tests and the fuzzer).

import type { RequestDecoder } from '../../src/protocol/decoder.js';
import { ProtocolError } from '../../src/protocol/request-sink.js';

/** One read buffer for every piece, as the server's (server/shared-read.ts). */
let scratch = Buffer.alloc(64 * 1024);

/**
 * Pushes `input` in pieces ending at `cuts`; the ProtocolError that stopped it, or null. Any other
 * exception propagates (a bug). Each piece is given as a view into one reused buffer that is
 * overwritten after the push, as the server's shared read buffer is by the next read: a decoder
 * that kept a chunk instead of copying what it needs decodes garbage.
 */
export function pushAll(d: RequestDecoder, input: Buffer, cuts: number[]): ProtocolError | null {
  let from = 0;
  try {
    for (const to of [...cuts, input.length]) {
      if (scratch.length < to - from) scratch = Buffer.alloc(to - from);
      const piece = scratch.subarray(0, input.copy(scratch, 0, from, to));
      try {
        d.push(piece);
      } finally {
        piece.fill(42 /* '*' */);
      }
      from = to;
    }
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e;
  }
  return null;
}
