// Runs fuzz cases against a live server and checks the invariants after each one:
//   - every request gets exactly one reply within the deadline (no hang), well-formed RESP (in the
//     protocol version the connection is in), and no 'ERR internal error' (a handler threw);
//   - the server logs no crash and its thread stays alive;
//   - the connection stays usable: a PING sent after each case answers +PONG — unless the case was
//     a protocol error, which must be answered with Redis's text and close the connection, or a
//     command that ends the connection by design (QUIT, CLIENT KILL of itself);
//   - at the end of an epoch, the data survives a round trip through the AOF: DEBUG DIGEST is the
//     same before and after DEBUG LOADAOF, so every command logged exactly its effect.
// Command cases are pipelined in batches (each followed by its PING) for speed; cases that
// suppress replies or close the connection run alone.

import { encodeArgs } from '../helpers/resp.js';
import { mulberry32, pick } from '../helpers/rng.js';
import { errorsIn, MalformedReply, show, type RespValue } from './resp-check.js';
import { Closed, FuzzConn, Timeout } from './wire.js';
import { checkDecoder } from './decoder-check.js';
import type { ServerHost } from './host.js';

/** A case: a command, or a byte stream (with the seed of its split points, so it replays exactly). */
export type Item = { index: number; kind: 'cmd'; args: string[]; spec: string } | { index: number; kind: 'bytes'; bytes: Buffer; seed: number };

export interface Finding {
  /** hang, malformed, internal-error, crash, closed, ping, protocol-error, decoder, aof-roundtrip, quit, client-reply */
  kind: string;
  /** The case it was seen at (for a batch: the case whose reply was being read). */
  index: number;
  detail: string;
}

const PING = encodeArgs(['PING']);
/** Heap + buffers above this while a small incomplete request is pending: sized from a declared length. */
const HELD_LIMIT = 256 * 1024 * 1024;
/** How long memory over HELD_LIMIT may take to go (a write in flight) before it counts as held. */
const HELD_WAIT_MS = 3000;
/** Decoded byte-stream commands that the wire half does not send (see EXCLUSIONS). */
const BYTES_BLOCK = new Set(['quit', 'shutdown', 'client', 'hello', 'reset', 'debug', 'config', 'monitor', 'multi']);

const lower = (s: string | undefined): string => (s ?? '').toLowerCase();
const isReplyOff = (a: string[]): boolean => lower(a[0]) === 'client' && lower(a[1]) === 'reply' && a.length === 3 && ['off', 'skip'].includes(lower(a[2]));
const isQuit = (a: string[]): boolean => lower(a[0]) === 'quit';
const isKill = (a: string[]): boolean => lower(a[0]) === 'client' && lower(a[1]) === 'kill';
/** A case that has to run alone: it suppresses replies or may end the connection. */
export const runsAlone = (it: Item): boolean => it.kind === 'bytes' || isReplyOff(it.args) || isQuit(it.args) || isKill(it.args);

export const describe = (it: Item): string =>
  it.kind === 'cmd' ? JSON.stringify(it.args).slice(0, 400) : `bytes ${JSON.stringify(it.bytes.toString('latin1')).slice(0, 400)}`;

export class Session {
  private conn: FuzzConn | null = null;
  /** Byte-stream cases whose decoded commands were not sent over the wire (BYTES_BLOCK). */
  bytesNotSent = 0;

  constructor(
    private readonly host: ServerHost,
    readonly port: number,
    private readonly timeoutMs: number,
    private readonly trace?: (line: string) => void,
  ) {}

  close(): void {
    this.conn?.close();
    this.conn = null;
  }

  private async connection(): Promise<FuzzConn> {
    if (this.conn === null || this.conn.closed) this.conn = await FuzzConn.open(this.port);
    return this.conn;
  }

  /** Runs cases in order; returns the first finding, or null. */
  async run(items: readonly Item[], batch: number): Promise<Finding | null> {
    let i = 0;
    while (i < items.length) {
      let group: Item[];
      if (runsAlone(items[i])) {
        group = [items[i++]];
      } else {
        group = [];
        while (i < items.length && group.length < batch && !runsAlone(items[i])) group.push(items[i++]);
      }
      const f = await this.runGroup(group);
      if (f !== null) return f;
    }
    return null;
  }

  private async runGroup(group: Item[]): Promise<Finding | null> {
    let f: Finding | null;
    const it = group[0];
    try {
      if (it.kind === 'bytes') f = await this.runBytes(it);
      else if (isReplyOff(it.args)) f = await this.runReplyOff(it.index, it.args);
      else if (isQuit(it.args)) f = await this.runQuit(it.index, it.args);
      else if (isKill(it.args)) f = await this.runKill(it.index, it.args);
      else f = await this.runBatch(group as Extract<Item, { kind: 'cmd' }>[]);
    } catch (e) {
      f = { kind: 'harness', index: it.index, detail: e instanceof Error ? e.stack ?? e.message : String(e) };
    }
    // Whatever the replies said, the server's own account comes next (a dying server thread's
    // last words can arrive just after the connection it broke).
    if (f?.kind === 'closed') await new Promise((r) => setTimeout(r, 100));
    const logs = this.host.take();
    if (this.host.died !== null) return { kind: 'crash', index: group[group.length - 1].index, detail: this.host.died };
    if (logs.bugs.length > 0) {
      if (f === null) f = { kind: 'internal-error', index: it.index, detail: logs.bugs.join('\n') };
      else f.detail += `\nserver log: ${logs.bugs.join('\n')}`;
    }
    return f;
  }

  /** Reads one reply and checks it; a Finding for a hang, a closed connection, a malformed reply. */
  private async read(c: FuzzConn, index: number, deadline: number, what: string): Promise<RespValue | Finding> {
    try {
      return await c.read(deadline);
    } catch (e) {
      const kind = e instanceof Timeout ? 'hang' : e instanceof Closed ? 'closed' : e instanceof MalformedReply ? 'malformed' : 'harness';
      return { kind, index, detail: `${what}: ${(e as Error).message}` };
    }
  }

  private checkReply(index: number, args: string[], v: RespValue): Finding | null {
    if (lower(args[0]) === 'debug' && lower(args[1]) === 'error') return null; // answers its argument
    const internal = errorsIn(v).find((m) => m.startsWith('ERR internal error'));
    return internal === undefined ? null : { kind: 'internal-error', index, detail: internal };
  }

  private async runBatch(items: Extract<Item, { kind: 'cmd' }>[]): Promise<Finding | null> {
    const c = await this.connection();
    c.write(Buffer.concat(items.flatMap((it) => [encodeArgs(it.args), PING])));
    const deadline = Date.now() + this.timeoutMs;
    for (const it of items) {
      // HELLO and RESET answer in the protocol they switch to (unless they fail).
      const old = c.proto;
      c.proto = protocolAfter(it.args) ?? old;
      const v = await this.read(c, it.index, deadline, `reply to ${describe(it)}`);
      if (!('type' in v)) return v;
      if (v.type === '-') c.proto = old;
      this.trace?.(`#${it.index} ${describe(it)} -> ${show(v)}`);
      const f = this.checkReply(it.index, it.args, v);
      if (f !== null) return f;
      const p = await this.read(c, it.index, deadline, `PING after ${describe(it)}`);
      if (!('type' in p)) return p;
      if (p.type !== '+' || p.text !== 'PONG') return { kind: 'ping', index: it.index, detail: `PING after ${describe(it)} answered ${show(p)}` };
    }
    return null;
  }

  /** CLIENT REPLY OFF / SKIP: no reply to it; CLIENT REPLY ON right after must answer +OK. */
  private async runReplyOff(index: number, args: string[]): Promise<Finding | null> {
    const c = await this.connection();
    c.write(Buffer.concat([encodeArgs(args), encodeArgs(['CLIENT', 'REPLY', 'ON']), PING]));
    const deadline = Date.now() + this.timeoutMs;
    const v = await this.read(c, index, deadline, `reply after ${JSON.stringify(args)}`);
    if (!('type' in v)) return v;
    this.trace?.(`#${index} ${JSON.stringify(args)} + CLIENT REPLY ON -> ${show(v)}`);
    if (v.type !== '+' || v.text !== 'OK') return { kind: 'client-reply', index, detail: `${JSON.stringify(args)} then CLIENT REPLY ON answered ${show(v)}` };
    const p = await this.read(c, index, deadline, 'PING');
    if (!('type' in p)) return p;
    return p.type === '+' && p.text === 'PONG' ? null : { kind: 'ping', index, detail: `PING answered ${show(p)}` };
  }

  /**
   * Sends `args` and a PING on the shared connection and reads the command's reply (QUIT and
   * CLIENT KILL then check what became of the connection); a Finding if no reply came.
   */
  private async sendWithPing(index: number, args: string[]): Promise<{ c: FuzzConn; deadline: number; v: RespValue } | Finding> {
    const c = await this.connection();
    c.write(Buffer.concat([encodeArgs(args), PING]));
    const deadline = Date.now() + this.timeoutMs;
    const v = await this.read(c, index, deadline, `reply to ${JSON.stringify(args)}`);
    if (!('type' in v)) return v;
    this.trace?.(`#${index} ${JSON.stringify(args)} -> ${show(v)}`);
    return { c, deadline, v };
  }

  /** QUIT: +OK, then the connection closes. */
  private async runQuit(index: number, args: string[]): Promise<Finding | null> {
    const sent = await this.sendWithPing(index, args);
    if (!('c' in sent)) return sent;
    const { c, deadline, v } = sent;
    if (v.type !== '+' || v.text !== 'OK') return { kind: 'quit', index, detail: `QUIT answered ${show(v)}` };
    if (!(await c.waitClosed(deadline))) return { kind: 'quit', index, detail: 'the connection stayed open after QUIT' };
    if (c.pending() !== '') return { kind: 'quit', index, detail: `a reply after QUIT: ${JSON.stringify(c.pending())}` };
    return null;
  }

  /** CLIENT KILL: one reply; the connection then goes on, or closes if it killed itself. */
  private async runKill(index: number, args: string[]): Promise<Finding | null> {
    const sent = await this.sendWithPing(index, args);
    if (!('c' in sent)) return sent;
    const { c, deadline, v } = sent;
    const f = this.checkReply(index, args, v);
    if (f !== null) return f;
    const p = await this.read(c, index, deadline, 'PING after CLIENT KILL');
    if ('type' in p) return p.type === '+' && p.text === 'PONG' ? null : { kind: 'ping', index, detail: `PING answered ${show(p)}` };
    if (p.kind === 'closed' && v.type !== '-') return null; // it killed its own connection
    return p;
  }

  /**
   * A byte-stream case: the decoder check, then the same bytes on a new connection. The server
   * must answer each decoded command once; then the protocol error and close, or (the stream
   * ended between requests) a PING; an incomplete request is left pending.
   */
  private async runBytes(it: Extract<Item, { kind: 'bytes' }>): Promise<Finding | null> {
    const rng = mulberry32(it.seed);
    const r = checkDecoder(rng, it.bytes);
    if ('problem' in r) return { kind: 'decoder', index: it.index, detail: `${r.problem}\ninput: ${describe(it)}` };
    const d = r.decoded;
    this.trace?.(`#${it.index} ${it.bytes.length} bytes: ${d.cmds.length} commands, then ${d.error !== null ? `-${d.error}` : d.clean ? 'the end' : 'an incomplete request'}`);
    if (d.byDelivery === true || d.cmds.some((a) => BYTES_BLOCK.has(lower(a[0])))) {
      this.bytesNotSent++;
      return null;
    }
    const c = await FuzzConn.open(this.port);
    try {
      // Sent in two writes at a random point: the server must not care how bytes arrive.
      const cut = pick(rng, it.bytes.length + 1);
      c.write(it.bytes.subarray(0, cut));
      c.write(it.bytes.subarray(cut));
      const deadline = Date.now() + this.timeoutMs;
      for (const args of d.cmds) {
        const v = await this.read(c, it.index, deadline, `reply to decoded ${JSON.stringify(args).slice(0, 200)}`);
        if (!('type' in v)) return { ...v, detail: `${v.detail}\ninput: ${describe(it)}` };
        const f = this.checkReply(it.index, args, v);
        if (f !== null) return f;
      }
      if (d.error !== null) return await this.expectProtocolError(c, it, d.error, deadline);
      if (!d.clean) return await this.checkHeld(it); // mid-request: nothing more to expect here
      c.write(PING);
      const p = await this.read(c, it.index, deadline, 'PING after the stream');
      if (!('type' in p)) return p;
      return p.type === '+' && p.text === 'PONG' ? null : { kind: 'ping', index: it.index, detail: `PING answered ${show(p)}\ninput: ${describe(it)}` };
    } finally {
      c.close();
    }
  }

  /**
   * While a request is incomplete (e.g. `$536870912` and a few bytes), what the server holds must
   * be what it received, not what was declared.
   */
  private async checkHeld(it: Item): Promise<Finding | null> {
    await new Promise((r) => setTimeout(r, 1)); // let the server read everything sent
    let m = await this.host.memory();
    if (m === null || m.buffers + m.heapUsed < HELD_LIMIT) return null;
    // Over: what the dataset holds (a SETBIT at bit 2147483647 makes a 256 MB value, as in Redis),
    // garbage not yet collected (such a value deleted) and what goes once written (a rewrite's copy
    // of such a value in its output buffer while the file takes it: seed 1306939447, 272 MB) are
    // not held input, which stays as long as the request is incomplete.
    for (const deadline = Date.now() + HELD_WAIT_MS; ; await new Promise((r) => setTimeout(r, 100))) {
      m = await this.host.memory(true);
      if (m === null || m.buffers + m.heapUsed - m.dataset < HELD_LIMIT) return null;
      if (Date.now() > deadline) break;
    }
    return { kind: 'memory', index: it.index, detail: `holding an incomplete request of ${describe(it).length} bytes, the server's heap is ${m.heapUsed} bytes and the process's buffers ${m.buffers}\ninput: ${describe(it)}` };
  }

  private async expectProtocolError(c: FuzzConn, it: Item, error: string, deadline: number): Promise<Finding | null> {
    const v = await this.read(c, it.index, deadline, 'the protocol error');
    if (!('type' in v)) return { ...v, detail: `${v.detail}\ninput: ${describe(it)}` };
    // As Redis's addReplyErrorFormat: CR and LF in an error text are sent as spaces.
    if (v.type !== '-' || v.text !== error.replace(/[\r\n]/g, ' ')) {
      return { kind: 'protocol-error', index: it.index, detail: `expected -${error}, got ${show(v)}\ninput: ${describe(it)}` };
    }
    if (!(await c.waitClosed(deadline))) return { kind: 'protocol-error', index: it.index, detail: `the connection stayed open after -${error}\ninput: ${describe(it)}` };
    if (c.pending() !== '') return { kind: 'protocol-error', index: it.index, detail: `bytes after the protocol error: ${JSON.stringify(c.pending())}` };
    return null;
  }

  /**
   * The AOF round trip: TTLs are removed first (PERSIST on every key, which is logged too), so
   * nothing can expire between the two digests; then DEBUG DIGEST, DEBUG LOADAOF, DEBUG DIGEST.
   */
  async checkAofRoundTrip(index: number): Promise<Finding | null> {
    const c = await FuzzConn.open(this.port);
    const deadline = Date.now() + this.timeoutMs * 3;
    const call = async (...args: string[]): Promise<RespValue> => {
      c.write(encodeArgs(args));
      const v = await this.read(c, index, deadline, `epoch check ${JSON.stringify(args)}`);
      if (!('type' in v)) throw Object.assign(new Error(v.detail), { finding: v });
      return v;
    };
    try {
      for (let db = 0; db < 16; db++) {
        await call('SELECT', String(db));
        let cursor = '0';
        do {
          const r = await call('SCAN', cursor, 'COUNT', '1000');
          cursor = r.items![0].text;
          for (const k of r.items![1].items!) await call('PERSIST', k.text);
        } while (cursor !== '0');
      }
      const before = await call('DEBUG', 'DIGEST');
      const load = await call('DEBUG', 'LOADAOF');
      const after = await call('DEBUG', 'DIGEST');
      this.trace?.(`epoch check: DEBUG DIGEST ${before.text}, after DEBUG LOADAOF ${after.text}`);
      if (load.type === '-') return { kind: 'aof-roundtrip', index, detail: `DEBUG LOADAOF failed: ${load.text}` };
      if (before.text !== after.text) return { kind: 'aof-roundtrip', index, detail: `DEBUG DIGEST ${before.text} before DEBUG LOADAOF, ${after.text} after` };
      return null;
    } catch (e) {
      const f = (e as { finding?: Finding }).finding;
      return f ?? { kind: 'harness', index, detail: String(e) };
    } finally {
      c.close();
    }
  }
}

/** The protocol a successful HELLO with a version, or RESET, switches to; null for others. */
function protocolAfter(args: string[]): number | null {
  const name = lower(args[0]);
  if (name === 'hello' && (args[1] === '2' || args[1] === '3')) return Number(args[1]);
  if (name === 'reset' && args.length === 1) return 2;
  return null;
}
