// The decoder half of a byte-stream case: the bytes are fed to RequestDecoder whole, then cut at
// random points and again one byte at a time (short inputs), and every feeding must give the same
// commands and the same outcome; the only exception allowed is a ProtocolError with one of Redis's
// texts; what it holds for an incomplete request is never more than it was given (nothing is sized
// from a declared length). The outcome then tells the wire half what the server must answer.

import { RequestDecoder } from '../../src/protocol/decoder.js';
import { PROTOCOL } from '../../src/errors.js';
import { pick, type Rng } from '../helpers/rng.js';
import { pushAll } from '../helpers/decoder.js';

export interface Decoded {
  cmds: string[][];
  /** The protocol error text, or null. */
  error: string | null;
  /** Bytes held for an incomplete last request. */
  buffered: number;
  /** No error, and the stream ended between two requests (a PING sent next is a PING). */
  clean?: boolean;
  /**
   * The outcome depends on how the bytes arrive: an inline line longer than 64 KB is Redis's "too
   * big inline request" if its first 64 KB arrive without its newline, and a command if they come
   * together (redis-server alike). The wire half cannot know which the server saw.
   */
  byDelivery?: boolean;
}

const PING = Buffer.from('*1\r\n$4\r\nPING\r\n');
const TEXTS = new Set<unknown>(Object.values(PROTOCOL).filter((v) => typeof v === 'string'));
/** One of Redis's protocol-error texts (what a connection must answer before closing). */
export const isProtocolErrorText = (m: string): boolean => TEXTS.has(m) || /^ERR Protocol error: expected '\$', got '[\s\S]'$/.test(m);

/** Feeds `input` in pieces ending at `cuts`; a non-protocol exception propagates (a bug). */
function feed(input: Buffer, cuts: number[]): Decoded {
  const cmds: string[][] = [];
  const d = new RequestDecoder((a) => cmds.push(a));
  const e = pushAll(d, input, cuts);
  return e !== null ? { cmds, error: e.message, buffered: 0 } : { cmds, error: null, buffered: d.buffered };
}

function randomCuts(rng: Rng, len: number): number[] {
  return Array.from({ length: 1 + pick(rng, 6) }, () => pick(rng, len + 1)).sort((a, b) => a - b);
}

/**
 * Decodes `input` several ways. Returns the outcome, or a problem description (a bug in the
 * decoder): an exception other than ProtocolError, an unknown error text, feedings that disagree,
 * more bytes held than received.
 */
export function checkDecoder(rng: Rng, input: Buffer): { decoded: Decoded } | { problem: string } {
  let whole: Decoded;
  try {
    whole = feed(input, []);
    if (whole.error !== null && !isProtocolErrorText(whole.error)) return { problem: `unexpected error text ${JSON.stringify(whole.error)}` };
    if (whole.buffered > input.length) return { problem: `holds ${whole.buffered} bytes after receiving ${input.length}` };
    // In 1 KB pieces, as reads may come: a long inline line then meets the 64 KB rule.
    const small = feed(input, Array.from({ length: Math.floor(input.length / 1024) }, (_, i) => (i + 1) * 1024));
    const alike = (d: Decoded): boolean => JSON.stringify(d) === JSON.stringify(whole) || JSON.stringify(d) === JSON.stringify(small);
    const byDelivery = JSON.stringify(small) !== JSON.stringify(whole);
    if (byDelivery && !/too big inline request/.test(small.error ?? '')) {
      return { problem: `fed in 1 KB pieces it decodes differently: ${JSON.stringify(small).slice(0, 300)} vs ${JSON.stringify(whole).slice(0, 300)}` };
    }
    const ways = [randomCuts(rng, input.length)];
    if (input.length <= 300) ways.push(Array.from({ length: Math.max(0, input.length - 1) }, (_, i) => i + 1));
    for (const cuts of ways) {
      const split = feed(input, cuts);
      if (!alike(split)) {
        return { problem: `fed in pieces (cuts ${cuts.length > 10 ? 'every byte' : cuts.join(',')}) it decodes differently: ${JSON.stringify(split).slice(0, 300)} vs ${JSON.stringify(whole).slice(0, 300)}` };
      }
    }
    if (byDelivery) whole.byDelivery = true;
    // Mid-request the decoder may hold no bytes (all of a request's arguments but the last were
    // consumed): whether the stream ended between requests shows by what a PING after it becomes.
    if (whole.error === null) {
      const next = feed(Buffer.concat([input, PING]), []);
      whole.clean = next.error === null && JSON.stringify(next.cmds) === JSON.stringify([...whole.cmds, ['PING']]);
    }
  } catch (e) {
    return { problem: `threw ${e instanceof Error ? e.stack : String(e)}` };
  }
  return { decoded: whole };
}
