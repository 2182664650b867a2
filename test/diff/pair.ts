// Shared machinery of the differential tests: a Keystonelight (in-process) and a real redis-server
// side by side, a connection to each that sends the same command to both and returns both raw
// replies, and the reply normalisations the comparisons need (masks, order-insensitive arrays,
// escaping for failure messages).

import { startServer, type LogSink, type RunningServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { encodeArgs, replyEnd } from '../helpers/resp.js';
import { startRealRedis, type RealRedis } from '../helpers/redis.js';
import type { DiffMask } from './cases/types.js';

/** Placeholders that stand for a reply when there was none; never valid RESP, so never equal to one. */
export const CLOSED = '<connection closed>';
export const TIMEOUT = '<timeout>';
export const BROKEN = '<not sent: connection broken earlier>';

/** The two servers of one differential run. */
export class ServerPair {
  private constructor(
    readonly ks: RunningServer,
    readonly redis: RealRedis,
    private readonly password: string,
  ) {}

  /**
   * Starts both servers; with `requirepass`, both ask clients for that password. `ksConfig` adds
   * options to Keystonelight's start (e.g. a temporary `dir`), `log` receives its log lines.
   */
  static async start(opts: { requirepass?: string; ksConfig?: Record<string, string>; config?: Record<string, string>; log?: LogSink } = {}): Promise<ServerPair> {
    const pw = opts.requirepass ?? '';
    // Options both servers start with (`config`, e.g. enable-module-command yes).
    const both = opts.config ?? {};
    // DEBUG is refused by default in Redis 7.0 (and here); the corpus compares DEBUG DIGEST & co.
    const [ks, redis] = await Promise.all([
      startServer({ port: 0, config: { 'enable-debug-command': 'yes', ...(pw ? { requirepass: pw } : {}), ...both, ...opts.ksConfig }, ...(opts.log ? { log: opts.log } : {}) }),
      startRealRedis(['--enable-debug-command', 'yes', ...(pw ? ['--requirepass', pw] : []), ...Object.entries(both).flatMap(([k, v]) => [`--${k}`, v])]),
    ]);
    return new ServerPair(ks, redis, pw);
  }

  /**
   * Empties both keyspaces. Keystonelight's is emptied in-process so that a missing or broken
   * FLUSHALL cannot leak state between cases; redis gets a FLUSHALL on a throw-away connection.
   */
  async flush(): Promise<void> {
    this.ks.server.keyspace.flushAll();
    const c = await RawClient.connect(this.redis.port);
    try {
      if (this.password) await c.call('AUTH', this.password);
      const r = await c.call('FLUSHALL');
      if (r !== '+OK\r\n') throw new Error(`redis FLUSHALL answered ${escape(r)}`);
    } finally {
      c.close();
    }
  }

  async connect(timeoutMs?: number): Promise<Twin> {
    const [r, k] = await Promise.all([RawClient.connect(this.redis.port), RawClient.connect(this.ks.port)]);
    return new Twin(new Side(r, timeoutMs), new Side(k, timeoutMs));
  }

  async stop(): Promise<void> {
    await Promise.all([this.ks.close(), this.redis.stop()]);
  }
}

/** One connection; after a timeout or an unreadable reply it stops being used (its stream is lost). */
export class Side {
  private broken = false;

  constructor(
    readonly client: RawClient,
    private readonly timeoutMs = 5000,
  ) {}

  send(args: readonly string[]): void {
    if (!this.broken && !this.client.closed) this.client.write(encodeArgs(args));
  }

  /** The next raw reply, or one of the placeholders above. */
  async read(): Promise<string> {
    if (this.broken) return BROKEN;
    try {
      return await this.client.read(this.timeoutMs);
    } catch (e) {
      if (this.client.closed && this.client.pending() === '') return CLOSED;
      this.broken = true;
      const msg = e instanceof Error ? e.message : String(e);
      return msg.startsWith('timed out') ? TIMEOUT : `<unreadable reply: ${msg}>`;
    }
  }

  close(): void {
    this.client.close();
  }
}

/** A connection to each server of a pair. */
export class Twin {
  constructor(
    readonly redis: Side,
    readonly ks: Side,
  ) {}

  /** Sends `args` to both; resolves to [redis reply, keystonelight reply]. */
  async call(args: readonly string[]): Promise<[string, string]> {
    this.redis.send(args);
    this.ks.send(args);
    return Promise.all([this.redis.read(), this.ks.read()]);
  }

  /** Pipelines a batch to both servers; resolves to the replies of each, in order. */
  async pipeline(batch: readonly (readonly string[])[]): Promise<[string, string][]> {
    const read = async (side: Side): Promise<string[]> => {
      for (const args of batch) side.send(args);
      const out: string[] = [];
      for (let i = 0; i < batch.length; i++) out.push(await side.read());
      return out;
    };
    const [r, k] = await Promise.all([read(this.redis), read(this.ks)]);
    return r.map((x, i) => [x, k[i]]);
  }

  close(): void {
    this.redis.close();
    this.ks.close();
  }
}

// --- reply normalisation -----------------------------------------------------------------------

export function applyMasks(raw: string, masks: readonly DiffMask[]): string {
  for (const m of masks) {
    const re = m.pattern.flags.includes('g') ? m.pattern : new RegExp(m.pattern.source, m.pattern.flags + 'g');
    raw = raw.replace(re, m.with ?? '<masked>');
  }
  return raw;
}

/** A top-level aggregate reply split into its header line and its elements' raw bytes. */
export interface Split {
  header: string;
  type: string;
  items: string[];
}

/** Splits an array / set / map / push reply; null for anything else (or a placeholder). */
export function splitTop(raw: string): Split | null {
  const type = raw[0];
  if (!'*~%>'.includes(type) || raw.length < 4) return null;
  const buf = Buffer.from(raw, 'latin1');
  const lineEnd = buf.indexOf('\r\n');
  const n = Number(raw.slice(1, lineEnd));
  if (!(n >= 0)) return null;
  const items: string[] = [];
  let p = lineEnd + 2;
  for (let i = 0; i < (type === '%' ? 2 * n : n); i++) {
    const end = replyEnd(buf, p);
    if (end < 0) return null;
    items.push(raw.slice(p, end));
    p = end;
  }
  return { header: raw.slice(0, lineEnd + 2), type, items };
}

const byBytes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The reply with its top-level elements (map entries: key/value pairs) in byte order. */
export function sortTop(raw: string): string {
  const s = splitTop(raw);
  if (s === null) return raw;
  if (s.type !== '%') return s.header + [...s.items].sort(byBytes).join('');
  const pairs: string[] = [];
  for (let i = 0; i < s.items.length; i += 2) pairs.push(s.items[i] + s.items[i + 1]);
  return s.header + pairs.sort(byBytes).join('');
}

/** Replaces element `index` of a top-level aggregate with `f(element)`. */
export function mapItem(raw: string, index: number, f: (item: string) => string): string {
  const s = splitTop(raw);
  if (s === null || index >= s.items.length) return raw;
  s.items[index] = f(s.items[index]);
  return s.header + s.items.join('');
}

export const isError = (raw: string): boolean => raw.startsWith('-') || raw.startsWith('!');

/** Printable form of raw bytes (JSON escapes), shortened to `max` characters. */
export function escape(raw: string, max = 400): string {
  const e = JSON.stringify(raw).slice(1, -1);
  return e.length <= max ? e : `${e.slice(0, max)}... (${raw.length} bytes)`;
}

/** A command as a reader would type it: arguments quoted only when needed, long ones shortened. */
export function showCommand(args: readonly string[]): string {
  return args
    .map((a) => {
      const short = a.length > 80 ? `${a.slice(0, 60)}...(${a.length} bytes)` : a;
      return /^[\x21-\x7e]+$/.test(short) && !short.includes('"') ? short : JSON.stringify(short);
    })
    .join(' ');
}
