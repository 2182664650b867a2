// A client connection as the CLIENT commands, CLIENT LIST and INFO see it (ClientApi): its ID,
// names, protocol and database, its authentication, CLIENT REPLY's mode, its addresses and the
// sizes of its buffers, with what the output limits count of them (reply-list.ts). Its
// subclasses are the connection at work: connection-input.ts reads and holds input back (flow
// control), connection.ts runs the commands and writes their replies.

import type { Socket } from 'node:net';
import type { RequestDecoder } from '../protocol/decoder.js';
import { ReplyBuffer } from '../protocol/encoder.js';
import type { Server } from './server.js';
import { CommandContext } from './command-context.js';
import { TxState } from './transaction-state.js';
import { ReplyMode, type ReplyModeChange } from './reply-mode.js';
import { localOf, socketFd } from './client-socket.js';
import { REPLY_BLOCK, REPLY_BUFFER, ReplyListMemory } from './reply-list.js';
import { MIN_BYTES } from './reply-buffers.js';
import { wallNow } from '../timers.js';

export abstract class ClientState extends CommandContext {
  abstract readonly decoder: RequestDecoder;
  /**
   * Its big bulk replies may be pieces of their own (ReplyBuffer.piece()): see Connection.flush().
   * 1 KB at first, grown to 16 KB by the first batch that needs more: a 16 KB buffer for every
   * client, shrunk by the cron a moment later, had glibc keep ~4 KB of RSS a connection after its
   * free (bench/README.md, "Memory per connection").
   */
  readonly out = new ReplyBuffer(undefined, true, MIN_BYTES);
  dbIndex = 0;
  proto = 2;
  name = '';
  libName = '';
  libVer = '';
  protected authed: boolean;
  /** CLIENT LIST's laddr, read from the socket when first asked (see the laddr getter). */
  private localAddr: string | null = null;
  readonly createdAt = wallNow();
  lastInteraction = this.createdAt;
  /**
   * When the reply buffer's peak was last reset (ms; server/reply-buffers.ts). At first the
   * creation time in seconds, as Redis 7.0's createClient seeds it (server.unixtime) while its cron
   * compares milliseconds: the first look resets the peak, so a fresh idle client's buffer shrinks
   * within a few hundred ms, not 5 s (redis-server 7.0.15, seen side by side).
   */
  peakResetAt = Math.floor(this.createdAt / 1000);
  lastCommand = 'NULL';
  protected readonly replies = new ReplyMode();
  /** In MONITOR mode. */
  monitor = false;
  clusterReadonly = false;
  readonly tx = new TxState();
  /** Bytes of a read refused over client-query-buffer-limit, counted in the log line's qbuf. */
  protected incoming = 0;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    readonly server: Server,
    readonly addr: string,
    /** The path (as configured) of the Unix socket the client came through, '' for TCP. */
    readonly unixSocket: string,
  ) {
    super();
    this.authed = !this.passwordSet;
  }

  /**
   * The local address, read when first asked (CLIENT LIST, CLIENT KILL LADDR, CLUSTER): a
   * getsockname for every connection cost a system call that a client connecting per request
   * (redis-benchmark -k 0) paid each time. As Redis's cached sockname; "?:0" once the socket is gone.
   * Through the Unix socket, the same as `addr` (Redis's path:0 for both).
   */
  get laddr(): string {
    return (this.localAddr ??= this.unixSocket === '' ? localOf(this.socket) : this.addr);
  }

  get fd(): number {
    return socketFd(this.socket);
  }

  get replyBufferSize(): number {
    return this.out.buf.length;
  }

  get replyBufferPeak(): number {
    return this.out.peak;
  }

  /** As Redis's qbuf: a big bulk's data without its header; with the bytes of a read being refused. */
  get queryBufferLength(): number {
    return this.decoder.queryBufferAfter(this.incoming);
  }

  get partialArgBytes(): number {
    return this.decoder.partialArgBytes;
  }

  get outputBufferLength(): number {
    return this.out.size + this.socket.writableLength;
  }

  get authenticated(): boolean {
    return this.authed;
  }

  /**
   * As Redis's authRequired(): the client must AUTH before running commands. A client that has not
   * authenticated is let through while no password is set (the default user is "nopass"), even
   * one that connected while a password was set; it is refused again once one is set. Its own
   * flag (`authenticated`, which HELLO checks, as Redis's) stays unset meanwhile.
   */
  get authRequired(): boolean {
    return !this.authed && this.passwordSet;
  }

  /** A password is set (requirepass): the default user is not "nopass". */
  get passwordSet(): boolean {
    return this.server.config.get('requirepass') !== '';
  }

  /** Unauthenticated clients may only send small requests; the decoder enforces that. */
  set authenticated(v: boolean) {
    this.authed = v;
    this.decoder.authenticated = v;
  }

  setReplyMode(mode: ReplyModeChange): void {
    this.replies.set(mode);
  }

  get replying(): boolean {
    return this.replies.replying;
  }

  replyFiltered(): void {
    this.replies.filtered();
  }

  /**
   * Of the output not yet handed to the socket, what Redis would keep in its 16 KB static reply
   * buffer, which client-output-buffer-limit does not count: all of the buffer, unless a
   * deferred-length reply (KEYS, a HELP: protocol/reply.ts's Deferred) began before its end
   * (Redis puts that reply and all that follows it in the reply list). The whole buffer again once
   * the output is written.
   */
  protected get staticBytes(): number {
    const at = this.out.deferredAt;
    return at < 0 || at > REPLY_BUFFER ? REPLY_BUFFER : at;
  }

  /**
   * socket.writableLength as last seen: as a read (or held input's run) begins, after the turn's
   * write (flush) and when a write completes (written; 'drain' comes before that callback, so
   * resumeInput reads it too). Nothing is written to the socket while commands run (replies go
   * out in the turn's flush), so run() need not ask the socket.
   */
  protected queued = 0;
  /** Redis's reply-list memory for this client's output, as the output limits count it. */
  protected readonly replyList = new ReplyListMemory();

  /**
   * What the output limits' cheap check (Connection.run) adds to the pending bytes: 0 unless a
   * deferred-length reply is in the batch. Then the static buffer holds less (staticBytes), and each
   * such reply may start a block of the reply list of its own (reply-list.ts).
   */
  protected limitSlack(): number {
    const out = this.out;
    return out.deferredAt < 0 ? 0 : REPLY_BUFFER - this.staticBytes + out.deferred.length * REPLY_BLOCK;
  }

  /** Redis's reply-list memory for `pending` bytes of output (queued ones included). */
  protected listUsage(pending: number): number {
    return this.replyList.usage(pending, this.queued, this.out, this.socket.writableLength);
  }

  /** The output limits' figure for the cron (ClientLimits.cron): the reply list as Redis counts it. */
  get outputListBytes(): number {
    return this.listUsage(this.out.size + this.socket.writableLength);
  }
}
