// Request decoder: turns the bytes a client sends into argument vectors, exactly as Redis 7.0's
// processMultibulkBuffer / processInlineBuffer do, including their protocol-error texts.
//
// Arguments are "binary strings": each byte becomes one UTF-16 code unit (latin1), so any byte
// sequence round-trips and V8 stores them as compact one-byte strings.
//
// Why not redis-parser here: it is a *reply* parser for clients. It cannot produce Redis's server
// protocol errors (`expected '$', got 'X'`, `invalid bulk length`, ...), does not handle inline
// commands, and decodes strings as UTF-8 (not binary safe) unless it returns Buffers, which then
// need a second conversion. This module is the only place that deals with request framing.

import { PROTOCOL } from '../errors.js';
import { splitArgs } from './splitargs.js';

export const INLINE_MAX = 64 * 1024;
const CR = 13;
const LF = 10;
/** Bulk strings at least this big are collected as chunks and joined once, not re-copied per read. */
const BIG_ARG = 32 * 1024;

export interface DecoderLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
}

export class ProtocolError extends Error {}

/**
 * Incremental decoder. Feed it chunks with `push`; it calls `onCommand` for each complete request,
 * in order. On a protocol error it throws ProtocolError after delivering every command before it;
 * the connection then answers the error and closes, as Redis does.
 */
export class RequestDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Multibulk state: arguments still expected (0 = between requests) and those read so far. */
  private remaining = 0;
  private args: string[] = [];
  /** Pending big bulk string: declared length, and the chunks collected for it. */
  private bigLen = -1;
  private bigChunks: Buffer[] = [];
  private bigHave = 0;
  /** Whether the client may send large requests (false before AUTH when a password is set). */
  authenticated = true;

  constructor(
    private readonly onCommand: (args: string[]) => void,
    public limits: DecoderLimits = { maxBulkLen: 512 * 1024 * 1024 },
  ) {}

  /** Bytes received but not yet consumed (for client-query-buffer accounting). */
  get buffered(): number {
    return this.buf.length - this.pos + this.bigHave;
  }

  push(chunk: Buffer): void {
    if (this.bigLen >= 0) {
      if (!this.collectBig(chunk)) return;
    } else if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
    this.parse();
  }

  /** Adds a chunk to a pending big argument; true once the whole argument (+CRLF) is buffered. */
  private collectBig(chunk: Buffer): boolean {
    this.bigChunks.push(chunk);
    this.bigHave += chunk.length;
    if (this.bigHave < this.bigLen + 2) return false;
    this.buf = Buffer.concat(this.bigChunks, this.bigHave);
    this.pos = 0;
    this.bigChunks = [];
    this.bigHave = 0;
    this.bigLen = -1;
    return true;
  }

  private parse(): void {
    while (this.pos < this.buf.length) {
      if (this.remaining === 0) {
        if (this.buf[this.pos] === 42 /* '*' */) {
          if (!this.readMultibulkCount()) return;
        } else {
          if (!this.readInline()) return;
          continue;
        }
        if (this.remaining === 0) continue; // "*0" or negative: nothing to run
      }
      if (!this.readBulks()) return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
    }
  }

  /** Finds CR from `from`; -1 if the line (CR and LF) is not complete yet. */
  private lineEnd(from: number): number {
    const cr = this.buf.indexOf(CR, from);
    if (cr < 0 || cr + 1 >= this.buf.length) return -1;
    return cr;
  }

  private readMultibulkCount(): boolean {
    const cr = this.lineEnd(this.pos);
    if (cr < 0) {
      if (this.buf.length - this.pos > INLINE_MAX) throw new ProtocolError(PROTOCOL.TOO_BIG_MBULK);
      this.compact();
      return false;
    }
    const n = parseLong(this.buf, this.pos + 1, cr);
    if (n === null || n > 2147483647) throw new ProtocolError(PROTOCOL.INVALID_MULTIBULK);
    if (n > 10 && !this.authenticated) throw new ProtocolError(PROTOCOL.UNAUTH_MBULK);
    this.pos = cr + 2;
    if (n > 0) {
      this.remaining = n;
      this.args = [];
    }
    return true;
  }

  private readBulks(): boolean {
    const buf = this.buf;
    while (this.remaining > 0) {
      const start = this.pos;
      const cr = this.lineEnd(start);
      if (cr < 0) {
        if (buf.length - start > INLINE_MAX) throw new ProtocolError(PROTOCOL.TOO_BIG_BULK);
        this.compact();
        return false;
      }
      if (buf[start] !== 36 /* '$' */) {
        throw new ProtocolError(PROTOCOL.expectedDollar(String.fromCharCode(buf[start])));
      }
      const len = parseLong(buf, start + 1, cr);
      if (len === null || len < 0 || len > this.limits.maxBulkLen) throw new ProtocolError(PROTOCOL.INVALID_BULK);
      if (len > 16384 && !this.authenticated) throw new ProtocolError(PROTOCOL.UNAUTH_BULK);
      const dataStart = cr + 2;
      if (buf.length - dataStart < len + 2) {
        if (len >= BIG_ARG) {
          this.bigChunks = [buf.subarray(start)];
          this.bigHave = buf.length - start;
          this.bigLen = len + (dataStart - start); // header bytes count towards what we wait for
          this.buf = EMPTY;
          this.pos = 0;
        } else {
          this.compact();
        }
        return false;
      }
      this.args.push(buf.latin1Slice(dataStart, dataStart + len));
      this.pos = dataStart + len + 2;
      this.remaining--;
    }
    const args = this.args;
    this.args = [];
    this.onCommand(args);
    return true;
  }

  private readInline(): boolean {
    const nl = this.buf.indexOf(LF, this.pos);
    if (nl < 0) {
      if (this.buf.length - this.pos > INLINE_MAX) throw new ProtocolError(PROTOCOL.TOO_BIG_INLINE);
      this.compact();
      return false;
    }
    let end = nl;
    if (end > this.pos && this.buf[end - 1] === CR) end--;
    const line = this.buf.latin1Slice(this.pos, end);
    this.pos = nl + 1;
    const args = splitArgs(line);
    if (args === null) throw new ProtocolError(PROTOCOL.UNBALANCED_QUOTES);
    if (args.length > 0) this.onCommand(args);
    return true;
  }

  /** Drops consumed bytes so a partial request does not pin an old large buffer. */
  private compact(): void {
    if (this.pos > 0) {
      this.buf = this.buf.subarray(this.pos);
      this.pos = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Redis's string2ll over buf[from, to): optional '-', no leading zeros (except "0"), no '+',
 * no spaces, fits in a signed 64-bit integer. Returns null when invalid. Lengths beyond 2^53 are
 * rejected by the callers' range checks anyway, so a JS number is precise enough here.
 */
export function parseLong(buf: Buffer, from: number, to: number): number | null {
  const len = to - from;
  if (len <= 0 || len > 20) return null;
  let i = from;
  let neg = false;
  if (buf[i] === 45 /* '-' */) {
    neg = true;
    i++;
    if (i === to) return null;
  }
  if (buf[i] === 48 /* '0' */) return len === 1 ? 0 : null;
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  if (n > 9.223372036854776e18) return null;
  return neg ? -n : n;
}
