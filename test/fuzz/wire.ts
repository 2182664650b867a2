// The fuzzer's client connection: writes raw bytes, reads replies through the strict parser
// (resp-check.ts) with a deadline, and knows when the server closed the connection. Replies are
// parsed with the protocol version the connection is in, which the caller tracks (HELLO, RESET).

import { connect, type Socket } from 'node:net';
import { need, parseReply, type RespValue } from './resp-check.js';

export class Timeout extends Error {}
export class Closed extends Error {}

export class FuzzConn {
  private buf: Buffer = Buffer.alloc(0);
  /** Received chunks not yet joined to buf (a big reply is joined once, not once per chunk). */
  private chunks: Buffer[] = [];
  private chunked = 0;
  /** Bytes buf must reach before the reply being read can be complete. */
  private needed = 0;
  private waiter: (() => void) | null = null;
  closed = false;
  proto = 2;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.chunked += d.length;
      if (this.buf.length + this.chunked >= this.needed) this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<FuzzConn> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.removeListener('error', reject);
        resolve(new FuzzConn(s));
      });
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  write(data: Buffer): void {
    if (!this.closed) this.socket.write(data);
  }

  /**
   * The next reply, checked for well-formedness (throws MalformedReply); Timeout when none is
   * complete by the deadline, Closed when the server closed the connection first.
   */
  async read(deadline: number): Promise<RespValue> {
    while (true) {
      this.join();
      const r = parseReply(this.buf, 0, this.proto);
      if (r !== null) {
        this.buf = this.buf.subarray(r.end);
        this.needed = 0;
        return r.value;
      }
      this.needed = need;
      if (this.closed) throw new Closed(`connection closed; unread: ${JSON.stringify(this.pending().slice(0, 200))}`);
      const ms = deadline - Date.now();
      if (ms <= 0) throw new Timeout(`no reply in time; unread: ${JSON.stringify(this.pending().slice(0, 200))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, ms);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Waits until the server closes the connection; false if it is still open at the deadline. */
  async waitClosed(deadline: number): Promise<boolean> {
    while (!this.closed) {
      const ms = deadline - Date.now();
      if (ms <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return true;
  }

  private join(): void {
    if (this.chunks.length === 0) return;
    this.buf = Buffer.concat([this.buf, ...this.chunks]);
    this.chunks = [];
    this.chunked = 0;
  }

  /** Bytes received and not yet read as replies. */
  pending(): string {
    this.join();
    return this.buf.toString('latin1');
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
