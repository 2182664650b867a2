// Raw byte exchanges for protocol tests: connect, send some writes (optionally apart in time),
// collect every byte the server answers until it closes the connection or stays quiet for a while.

import { connect } from 'node:net';

export interface Exchange {
  /** Everything received, as a binary (latin1) string. */
  data: string;
  /** Whether the server closed (or reset) the connection. */
  closed: boolean;
}

export interface ExchangeOptions {
  /** How long without news counts as "the server is waiting for more" (default 300 ms). */
  quietMs?: number;
  /** Pause between writes (default 20 ms). */
  gapMs?: number;
  /** Give up after this long in any case (default 10 s). */
  maxMs?: number;
  /**
   * How long to wait for the first byte when none has come at all (default 3 s): a loaded machine
   * (three test suites at once on two cores) left a server silent for more than the quiet period
   * before its first reply, and the exchange ended empty.
   */
  firstByteMs?: number;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function exchange(port: number, writes: (string | Buffer)[], opts: ExchangeOptions = {}): Promise<Exchange> {
  const quietMs = opts.quietMs ?? 300;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let closed = false;
    let last = Date.now();
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('data', (d) => {
      chunks.push(d);
      last = Date.now();
    });
    socket.on('error', () => {}); // a reset still counts as closed; its data was kept
    socket.on('close', () => {
      closed = true;
    });
    let connected = false;
    socket.once('connect', async () => {
      connected = true;
      try {
        for (let i = 0; i < writes.length; i++) {
          if (i > 0) await delay(opts.gapMs ?? 20);
          if (closed) break;
          const w = writes[i];
          socket.write(typeof w === 'string' ? Buffer.from(w, 'latin1') : w);
        }
        last = Date.now();
        const deadline = Date.now() + (opts.maxMs ?? 10_000);
        const firstByteMs = Math.max(quietMs, opts.firstByteMs ?? 3000);
        const quiet = (): number => (chunks.length === 0 ? firstByteMs : quietMs);
        while (!closed && Date.now() - last < quiet() && Date.now() < deadline) await delay(10);
        socket.destroy();
        resolve({ data: Buffer.concat(chunks).toString('latin1'), closed });
      } catch (e) {
        reject(e);
      }
    });
    socket.once('error', (e) => {
      if (!connected) reject(e);
    });
  });
}
