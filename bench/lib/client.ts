// A small RESP2 client for the benchmark: ordinary calls (INFO, DBSIZE, SCAN, ...), and raw
// pipelines where only the number of replies matters (bulk loading a million keys). Written here
// rather than using a client library so that loading costs the benchmark process as little CPU as
// possible: on a 2-core machine the loader competes with the server it measures.

import { connect, type Socket } from 'node:net';

export class ReplyError extends Error {}

export type Reply = string | number | null | ReplyError | Reply[];

interface Waiter {
  /** Replies still expected by this waiter. */
  left: number;
  /** Count-only waiters skip building values. */
  countOnly: boolean;
  errors: number;
  firstError: string | null;
  value: Reply;
  resolve(r: Reply | BatchResult): void;
  reject(e: Error): void;
}

export interface BatchResult {
  errors: number;
  firstError: string | null;
}

/** RESP multibulk encoding (latin1: one char per byte). */
export function encode(args: readonly string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

const INCOMPLETE = Symbol('incomplete');

/** Parses one reply at `pos`; returns [value, end] or INCOMPLETE. */
function parse(buf: Buffer, pos: number): [Reply, number] | typeof INCOMPLETE {
  const eol = buf.indexOf(13, pos);
  if (eol < 0 || eol + 1 >= buf.length) return INCOMPLETE;
  const type = buf[pos];
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case 43: // +
      return [line, next];
    case 45: // -
      return [new ReplyError(line), next];
    case 58: // :
      return [Number(line), next];
    case 36: { // $
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return INCOMPLETE;
      return [buf.toString('latin1', next, next + n), next + n + 2];
    }
    case 42: { // *
      const n = Number(line);
      if (n < 0) return [null, next];
      const items: Reply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (r === INCOMPLETE) return INCOMPLETE;
        items.push(r[0]);
        p = r[1];
      }
      return [items, p];
    }
    default:
      throw new Error(`unexpected reply byte ${type} at ${pos}`);
  }
}

export class Client {
  private buf: Buffer = Buffer.alloc(0);
  private readonly waiters: Waiter[] = [];
  private closedError: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => {
        s.off('error', reject);
        resolve(new Client(s));
      });
      s.once('error', reject);
    });
  }

  /** Sends one command; resolves with its reply (an error reply resolves as a ReplyError). */
  call(...args: string[]): Promise<Reply> {
    return this.send(encode(args), 1, false) as Promise<Reply>;
  }

  /** Like call(), but rejects on an error reply. */
  async ok(...args: string[]): Promise<Reply> {
    const r = await this.call(...args);
    if (r instanceof ReplyError) throw new Error(`${args[0]}: ${r.message}`);
    return r;
  }

  /** Sends pre-encoded commands and counts `replies` replies without keeping them. */
  batch(data: string | Buffer, replies: number): Promise<BatchResult> {
    return this.send(data, replies, true) as Promise<BatchResult>;
  }

  close(): void {
    this.socket.destroy();
  }

  private send(data: string | Buffer, replies: number, countOnly: boolean): Promise<Reply | BatchResult> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waiters.push({ left: replies, countOnly, errors: 0, firstError: null, value: null, resolve, reject });
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let pos = 0;
    while (pos < this.buf.length && this.waiters.length > 0) {
      const w = this.waiters[0];
      const end = w.countOnly ? this.skipSimple(pos) : -1;
      if (end >= 0) {
        pos = end;
      } else {
        const r = parse(this.buf, pos);
        if (r === INCOMPLETE) break;
        pos = r[1];
        if (r[0] instanceof ReplyError) {
          w.errors++;
          w.firstError ??= r[0].message;
        }
        w.value = r[0];
      }
      if (--w.left === 0) {
        this.waiters.shift();
        w.resolve(w.countOnly ? { errors: w.errors, firstError: w.firstError } : w.value);
      }
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }

  /** Fast path for count-only batches: a one-line "+..." reply is skipped without a string. */
  private skipSimple(pos: number): number {
    if (this.buf[pos] !== 43) return -1;
    const eol = this.buf.indexOf(10, pos);
    return eol < 0 ? -1 : eol + 1;
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }
}

/** A field of an INFO reply, or undefined. */
export function infoField(info: Reply, name: string): string | undefined {
  if (typeof info !== 'string') return undefined;
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return m ? m[1].trim() : undefined;
}
