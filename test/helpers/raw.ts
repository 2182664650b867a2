// A raw-socket client for tests: sends bytes, reads back whole replies as raw bytes.

import { connect, createServer, type Socket } from 'node:net';
import { encodeArgs, replyEnd } from './resp.js';

/** How long read() and waitClosed() wait by default before calling it a hang. */
const HANG_MS = 30_000;

export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** `localAddress`: the client's own address (e.g. 127.0.0.2, to look like a non-local peer). */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, localAddress }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Connects to a Unix socket at `path`. */
  static connectPath(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ path }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for a reply; have ${JSON.stringify(this.buf.toString('latin1'))}`)), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  write(data: Buffer | string): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /**
   * Reads one complete reply (raw bytes, latin1 string). The default time limit only tells a hang
   * from a slow reply: on a loaded machine, with other tests' servers in the same process, a few
   * seconds without a byte happen (5 s was not enough: seen under load).
   */
  async read(timeoutMs = HANG_MS): Promise<string> {
    while (true) {
      const end = replyEnd(this.buf);
      if (end >= 0) {
        const out = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(end);
        return out;
      }
      if (this.closed) throw new Error(`connection closed; have ${JSON.stringify(this.buf.toString('latin1'))}`);
      await this.wait(timeoutMs);
    }
  }

  /** Sends a command and returns its raw reply. */
  async call(...args: string[]): Promise<string> {
    this.write(encodeArgs(args));
    return this.read();
  }

  /** Sends several commands in one write and reads their replies, in order. */
  async pipeline(cmds: readonly string[][]): Promise<string[]> {
    this.write(Buffer.concat(cmds.map((c) => encodeArgs(c))));
    const out: string[] = [];
    for (let i = 0; i < cmds.length; i++) out.push(await this.read());
    return out;
  }

  /** Resolves once the server has closed the connection. */
  async waitClosed(timeoutMs = HANG_MS): Promise<void> {
    while (!this.closed) await this.wait(timeoutMs);
  }

  /** Everything received and not yet read. */
  pending(): string {
    return this.buf.toString('latin1');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Whether this machine has an IPv6 loopback to bind (a container may have none). */
export function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}
