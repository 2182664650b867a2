// Feeding a request decoder in pieces, as reads would deliver them (unit tests and the fuzzer).

import { ProtocolError, type RequestDecoder } from '../../src/protocol/decoder.js';

/** Pushes `input` in pieces ending at `cuts`; the ProtocolError that stopped it, or null. Any other exception propagates (a bug). */
export function pushAll(d: RequestDecoder, input: Buffer, cuts: number[]): ProtocolError | null {
  let from = 0;
  try {
    for (const to of [...cuts, input.length]) {
      d.push(input.subarray(from, to));
      from = to;
    }
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e;
  }
  return null;
}
