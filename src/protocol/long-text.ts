// Text replies built from parts that together may be longer than one JS string can be (V8's
// 536,870,888 chars): CLIENT LIST and CLIENT INFO, and ACL LOG's client-info. A client name may
// be 512 MB (Redis refuses only spaces, newlines and special characters), so one client's line,
// or the list of two such clients, could not be made into one string: the command answered an
// internal error where Redis answers the text. Nearly always the parts are joined into one string
// as before; past the limit they are written as raw pieces (a header-less LongArray of RawReplies,
// which the encoder writes in order, as it writes EXEC's replies) under the text's own header.
//
// Error texts that quote an argument whole (errors.ts's `quoting`: CONFIG SET's unknown option,
// CLIENT LIST TYPE's unknown type, HELLO's option ...) are built the same way (error()): Redis
// quotes the argument, which may be as long as a string can be, so the text may not be one.

import { constants } from 'node:buffer';
import { ErrorReply, LongArray, LongErrorReply, RawReply, VerbatimReply, type Reply } from './reply.js';

/** Parts are copied into pieces of about this many bytes (a long part is a piece of its own). */
const PIECE = 16 * 1024 * 1024;
/** How much of a long error's text its `message` keeps: what a log line shows (Redis's LOG_MAX_LEN). */
const ERROR_START = 1024;

export class LongText {
  private readonly parts: string[] = [];
  /** The text's length in bytes (one char per byte). */
  length = 0;

  /** `longest`: the longest text made into one string (V8's limit; smaller in tests). */
  constructor(private readonly longest = constants.MAX_STRING_LENGTH) {}

  add(s: string): void {
    this.parts.push(s);
    this.length += s.length;
  }

  /** The whole text as one string, when it can be one; else null. */
  joined(): string | null {
    return this.length <= this.longest ? this.parts.join('') : null;
  }

  /**
   * The text as an error reply (the text is `<CODE> message`): an ErrorReply of the joined text when
   * the encoder can make `-<text>\r\n` one string, else a LongErrorReply of the parts.
   */
  error(): ErrorReply {
    if (this.length + 3 <= this.longest) return new ErrorReply(this.parts.join(''));
    let start = '';
    for (let i = 0; i < this.parts.length && start.length < ERROR_START; i++) start += this.parts[i].slice(0, ERROR_START - start.length);
    return new LongErrorReply(start, this.parts);
  }

  /**
   * The text as a bulk string (both protocols) or, `verbatim`, as CLIENT LIST's reply: a verbatim
   * string (`=<n>\r\ntxt:`) in RESP3, a bulk string in RESP2.
   */
  reply(proto: number, verbatim: boolean): Reply {
    const s = this.joined();
    if (s !== null) return verbatim ? new VerbatimReply(s) : s;
    const head = verbatim && proto === 3 ? `=${this.length + 4}\r\ntxt:` : `$${this.length}\r\n`;
    const pieces = [new RawReply(Buffer.from(head, 'latin1')), ...this.pieces(), new RawReply(Buffer.from('\r\n'))];
    return new LongArray([pieces], pieces.length, false);
  }

  /** The parts' bytes, short parts gathered (a CLIENT LIST has three parts a client). */
  private pieces(): RawReply[] {
    return gather(this.parts).map((b) => new RawReply(b));
  }
}

/**
 * `parts` as bytes, in order: short ones gathered into buffers of about PIECE bytes, a long one
 * copied into a buffer of its own, bytes as they are (not copied). Also CONFIG REWRITE's file, whose
 * line of a value near 512 MB may be bytes.
 */
export function gather(parts: readonly (string | Buffer)[]): Buffer[] {
  const out: Buffer[] = [];
  let run: string[] = [];
  let runBytes = 0;
  const flush = (): void => {
    if (runBytes > 0) out.push(Buffer.from(run.join(''), 'latin1'));
    run = [];
    runBytes = 0;
  };
  for (const p of parts) {
    if (runBytes + p.length > PIECE || typeof p !== 'string') flush();
    if (typeof p !== 'string') {
      out.push(p);
      continue;
    }
    run.push(p);
    runBytes += p.length;
  }
  flush();
  return out;
}
