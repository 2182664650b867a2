// One client connection: socket -> decoder -> dispatcher -> reply buffer -> socket.
//
// Every complete command in a read runs in order; the replies of the whole read are written with
// one socket write, after the server has flushed the AOF for the same event-loop turn (a write
// reaches the file before its reply leaves). A client whose unread output passes a bound stops
// being read until its socket drains, so a fast writer that never reads cannot grow our memory.

import type { Socket } from 'node:net';
import { ProtocolError, RequestDecoder } from '../protocol/decoder.js';
import { ReplyBuffer } from '../protocol/encoder.js';
import { ErrorReply, type Reply } from '../protocol/reply.js';
import type { ClientApi } from '../commands/context.js';
import type { Ctx } from '../commands/types.js';
import type { Database } from '../keyspace/database.js';
import type { Server } from './server.js';

/** Stop reading a client whose pending output is above this many bytes. */
const OUTPUT_PAUSE = 8 * 1024 * 1024;

export class Connection implements ClientApi, Ctx {
  readonly decoder: RequestDecoder;
  readonly out = new ReplyBuffer();
  dbIndex = 0;
  proto = 2;
  name = '';
  libName = '';
  libVer = '';
  private authed: boolean;
  readonly addr: string;
  readonly laddr: string;
  readonly createdAt = Date.now();
  lastInteraction = this.createdAt;
  lastCommand = 'NULL';
  private closing = false;
  private closed = false;
  private paused = false;
  /** Set while the connection waits in the server's flush list. */
  flushQueued = false;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    readonly server: Server,
  ) {
    this.authed = server.config.get('requirepass') === '';
    this.addr = peer(socket.remoteAddress, socket.remotePort);
    this.laddr = peer(socket.localAddress, socket.localPort);
    this.decoder = new RequestDecoder((args) => this.run(args), { maxBulkLen: server.config.int('proto-max-bulk-len') });
    this.decoder.authenticated = this.authed;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => server.log.verbose(`Client id=${id} addr=${this.addr} error: ${e.message}`));
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.onDrain());
  }

  // --- Ctx -----------------------------------------------------------------------------------

  get client(): ClientApi {
    return this;
  }

  get keyspace() {
    return this.server.keyspace;
  }

  get db(): Database {
    return this.server.keyspace.dbs[this.dbIndex];
  }

  get now(): number {
    return this.server.keyspace.time.now;
  }

  propagate(args: string[], dbIndex = this.dbIndex): void {
    this.server.propagate(dbIndex, args);
  }

  // --- ClientApi -----------------------------------------------------------------------------

  get fd(): number {
    return (this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
  }

  get queryBufferLength(): number {
    return this.decoder.buffered;
  }

  get outputBufferLength(): number {
    return this.out.len + this.socket.writableLength;
  }

  get authenticated(): boolean {
    return this.authed;
  }

  /** Unauthenticated clients may only send small requests; the decoder enforces that. */
  set authenticated(v: boolean) {
    this.authed = v;
    this.decoder.authenticated = v;
  }

  closeAfterReply(): void {
    this.closing = true;
  }

  kill(): void {
    this.socket.destroy();
  }

  // --- I/O -----------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.server.stats.netInputBytes += chunk.length;
    this.lastInteraction = Date.now();
    try {
      this.decoder.push(chunk);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.server.log.verbose(`Protocol error (${e.message}) from client: id=${this.id} addr=${this.addr}`);
      this.reply(new ErrorReply(e.message));
      this.closing = true;
    }
    this.server.queueFlush(this);
  }

  private run(args: string[]): void {
    if (this.closing) return;
    this.reply(this.server.execute(this, args));
  }

  reply(r: Reply): void {
    this.out.write(r, this.proto);
  }

  /** Called by the server once per event-loop turn, after the AOF was written. */
  flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    if (this.out.len > 0) {
      const bytes = this.out.take();
      this.server.stats.netOutputBytes += bytes.length;
      this.socket.write(bytes);
    }
    if (this.closing) {
      this.socket.end();
      this.closed = true;
      return;
    }
    if (!this.paused && this.socket.writableLength > OUTPUT_PAUSE) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private onDrain(): void {
    if (this.paused && !this.closed) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private onClose(): void {
    this.closed = true;
    this.server.removeClient(this);
  }
}

function peer(address: string | undefined, port: number | undefined): string {
  if (address === undefined) return '?:0';
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return `${a}:${port ?? 0}`;
}
