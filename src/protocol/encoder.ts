// RESP2/RESP3 encoder. A ReplyBuffer collects the replies of one batch of pipelined commands into
// one growing Buffer so a batch leaves in one socket write.

import {
  BoolReply, DoubleReply, ErrorReply, MapReply, NullArray, PushReply, RawReply, SetReply,
  SimpleString, VerbatimReply, type Reply,
} from './reply.js';

const INITIAL = 16 * 1024;

// Small integers are frequent (":1\r\n", "$3\r\n" headers): cache their encodings.
const SMALL = 1024;
const intLines: Buffer[] = [];
const bulkHeaders: Buffer[] = [];
const arrayHeaders: Buffer[] = [];
for (let i = 0; i < SMALL; i++) {
  intLines.push(Buffer.from(`:${i}\r\n`));
  bulkHeaders.push(Buffer.from(`$${i}\r\n`));
  arrayHeaders.push(Buffer.from(`*${i}\r\n`));
}

/** Errors must be one line: Redis replaces CR and LF in error texts with spaces. */
function oneLine(s: string): string {
  return s.indexOf('\r') < 0 && s.indexOf('\n') < 0 ? s : s.replace(/[\r\n]/g, ' ');
}

export class ReplyBuffer {
  buf: Buffer = Buffer.allocUnsafe(INITIAL);
  len = 0;

  /** Takes the bytes collected so far and starts a new buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(this.buf.length > INITIAL * 4 ? INITIAL : this.buf.length);
    this.len = 0;
    return out;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  writeBytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  /** Writes an ASCII/binary string (one byte per char). */
  writeAscii(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.latin1Write(s, this.len);
  }

  private header(prefix: string, n: number, cache: Buffer[]): void {
    if (n >= 0 && n < SMALL) this.writeBytes(cache[n]);
    else this.writeAscii(`${prefix}${n}\r\n`);
  }

  bulk(s: string): void {
    this.header('$', s.length, bulkHeaders);
    this.ensure(s.length + 2);
    this.len += this.buf.latin1Write(s, this.len);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  integer(n: number | bigint): void {
    if (typeof n === 'number' && n >= 0 && n < SMALL && Number.isInteger(n)) this.writeBytes(intLines[n]);
    else this.writeAscii(`:${n}\r\n`);
  }

  arrayHeader(n: number): void {
    this.header('*', n, arrayHeaders);
  }

  /** Encodes one reply value for protocol `proto` (2 or 3). */
  write(r: Reply, proto: number): void {
    if (typeof r === 'string') return this.bulk(r);
    if (r === null) return this.writeAscii(proto === 3 ? '_\r\n' : '$-1\r\n');
    if (typeof r === 'number' || typeof r === 'bigint') return this.integer(r);
    if (Array.isArray(r)) {
      this.arrayHeader(r.length);
      for (let i = 0; i < r.length; i++) this.write(r[i], proto);
      return;
    }
    if (r instanceof RawReply) return this.writeBytes(r.bytes);
    if (r instanceof SimpleString) return this.writeAscii(`+${oneLine(r.value)}\r\n`);
    if (r instanceof ErrorReply) return this.writeAscii(`-${oneLine(r.message)}\r\n`);
    this.writeComposite(r, proto);
  }

  private writeComposite(r: Reply, proto: number): void {
    if (r instanceof MapReply) {
      if (proto === 3) this.writeAscii(`%${r.entries.length / 2}\r\n`);
      else this.arrayHeader(r.entries.length);
      for (const e of r.entries) this.write(e, proto);
    } else if (r instanceof SetReply || r instanceof PushReply) {
      if (proto === 3) this.writeAscii(`${r instanceof SetReply ? '~' : '>'}${r.items.length}\r\n`);
      else this.arrayHeader(r.items.length);
      for (const e of r.items) this.write(e, proto);
    } else if (r instanceof DoubleReply) {
      if (proto === 3) this.writeAscii(`,${r.text}\r\n`);
      else this.bulk(r.text);
    } else if (r instanceof BoolReply) {
      if (proto === 3) this.writeAscii(r.value ? '#t\r\n' : '#f\r\n');
      else this.writeBytes(intLines[r.value ? 1 : 0]);
    } else if (r instanceof VerbatimReply) {
      if (proto === 3) {
        this.writeAscii(`=${r.text.length + 4}\r\n${r.format}:`);
        this.writeAscii(r.text);
        this.writeAscii('\r\n');
      } else {
        this.bulk(r.text);
      }
    } else if (r instanceof NullArray) {
      this.writeAscii(proto === 3 ? '_\r\n' : '*-1\r\n');
    }
  }
}

/** Encodes a single reply into a fresh Buffer (for tests and one-off writes). */
export function encodeReply(r: Reply, proto = 2): Buffer {
  const b = new ReplyBuffer();
  b.write(r, proto);
  return Buffer.from(b.take());
}

/** Encodes an argument vector as a RESP multibulk request (also the AOF record format). */
export function encodeCommand(args: readonly string[]): Buffer {
  const b = new ReplyBuffer();
  b.arrayHeader(args.length);
  for (const a of args) b.bulk(a);
  return Buffer.from(b.take());
}
