// One client connection: socket -> decoder -> dispatcher -> reply buffer -> socket.
//
// Every complete command in a read runs in order; the replies of the whole read are written with
// one socket write, after the server has flushed the AOF for the same event-loop turn (a write
// reaches the file before its reply leaves). The input side, reading and holding input back while
// the output waits (flow control), is connection-input.ts, the base class; what CLIENT commands
// and CLIENT LIST read and set of a connection is in client-state.ts, its base. A client over
// client-output-buffer-limit's normal class is closed, as Redis, after any reply (limits.ts).
//
// Memory: an idle connection costs what its objects hold, so nothing is made per connection that
// can be shared or made when first needed. The socket's reads and events, the decoder's requests
// and the read gate's calls reach the connection through one function each for all connections
// (called on the socket, which keeps its connection: CONNECTION), or through the connection
// itself, passed as an object: the closures made per connection before (ten, with six contexts)
// cost every connection ~0.8 KB of heap. Heap snapshots of 2,000 and 6,000 idle connections:
// 5.3 KB of live objects a connection before this and the objects now made at first use (the
// big-bulk collector, reply pieces, deferred-reply marks, the WATCH list), 3.8 KB after.

import type { Socket } from 'node:net';
import { droppedReply, PushedReply, type Reply } from '../protocol/reply.js';
import type { ClientApi } from '../commands/context.js';
import type { Ctx } from '../commands/types.js';
import type { Server } from './server.js';
import { ConnectionInput } from './connection-input.js';
import { POSTPONED } from './pause.js';
import { endAfterReplies, peerOf, waitingOutput, writeBatch } from './client-socket.js';
import { addsReplyBlock, REPLY_BUFFER } from './reply-list.js';
import { wallNow } from '../timers.js';

/** The connection a client socket belongs to, kept on the socket (see the header). */
const CONNECTION = Symbol('connection');

interface ClientSocket extends Socket {
  [CONNECTION]: Connection;
}

function connectionOf(socket: Socket): Connection {
  return (socket as ClientSocket)[CONNECTION];
}

export class Connection extends ConnectionInput implements ClientApi, Ctx {
  /** The output the socket had waiting at the `timeout` cron's last look (outputMoved). */
  private lastWaiting = 0;
  /** Set while the connection waits in the server's flush list. */
  flushQueued = false;
  /** Set when a command of this turn wrote to the AOF: its reply must wait for the write. */
  awaitingDurability = false;
  /** In MONITOR mode: the line of this client's own command, sent after its reply. */
  private ownMonitorLine: Reply | null = null;
  /** Its lines before that one when there are several (an EXEC's commands): see sendOwnLines. */
  private moreOwnLines: Reply[] | null = null;
  /** When (unix seconds) the output was first seen over the soft limit; 0: it is not (limits.ts). */
  obufSoftSince = 0;

  /**
   * `addr`: the peer's address; the accepting server already read it (one getpeername per client).
   * `unixSocket`: the Unix socket's path (as configured) for a client that came through it.
   */
  constructor(id: number, socket: Socket, server: Server, addr = peerOf(socket), unixSocket = '') {
    super(id, socket, server, addr, unixSocket);
    (socket as ClientSocket)[CONNECTION] = this;
    socket.setNoDelay(true);
    const keepAlive = server.config.int('tcp-keepalive');
    if (keepAlive > 0) socket.setKeepAlive(true, keepAlive * 1000);
    socket.on('error', Connection.onSocketError);
    socket.on('close', Connection.onSocketClose);
    // Input held (output bound, CLIENT PAUSE) is still read, so a peer's FIN can come before its
    // last commands ran: Node's default would end our side then, and they would never run.
    socket.allowHalfOpen = true;
    socket.on('end', Connection.onSocketEnd);
    socket.on('drain', Connection.onSocketDrain);
  }

  // --- The socket's reads and events: called on the socket (`this`), shared by all connections ---

  /** One read's bytes (server/shared-read.ts's sink). */
  static receiveOn(this: Socket, chunk: Buffer): void {
    connectionOf(this).receive(chunk);
  }

  private static onSocketError(this: Socket, e: Error): void {
    const c = connectionOf(this);
    c.server.log.verbose(`Client id=${c.id} addr=${c.addr} error: ${e.message}`);
  }

  private static onSocketClose(this: Socket): void {
    connectionOf(this).onClose();
  }

  private static onSocketEnd(this: Socket): void {
    connectionOf(this).onEnd();
  }

  private static onSocketDrain(this: Socket): void {
    connectionOf(this).onDrain();
  }

  // --- Ctx -----------------------------------------------------------------------------------

  /** Never for a network client (the AOF's replay client's is true): on the prototype, not in each connection. */
  get mustObey(): boolean {
    return false;
  }

  get client(): ClientApi {
    return this;
  }

  /** The AOF copies a request's own bytes (RequestSink.wantsRaw): only while it is on. */
  get wantsRaw(): boolean {
    return this.server.persistence !== null;
  }

  propagate(args: string[], changes = 1): void {
    this.server.dirty += changes;
    this.awaitingDurability = true;
    const dbIndex = this.dbIndex;
    // The request itself, as received: the AOF copies its bytes (see RequestDecoder.rawBuf).
    const d = this.decoder;
    if (args === d.rawArgs && d.rawStart >= 0) this.server.propagate(dbIndex, args, d.rawBuf, d.rawStart, d.rawEnd);
    else this.server.propagate(dbIndex, args);
  }

  /** A big argument's own bytes, for the AOF while its request is parsed and run (RequestSink.bigArg). */
  bigArg(arg: string, bytes: Buffer): void {
    this.server.persistence?.holdBig(this, arg, bytes);
  }

  bigArgsDone(): void {
    this.server.persistence?.dropHeld(this);
  }

  // --- ClientApi (the rest: client-state.ts, connection-input.ts) ------------------------------

  kill(): void {
    this.closing = true;
    this.dropHeld();
    this.decoder.stop();
    this.socket.destroy();
    // As Redis's freeClient: gone from CLIENT LIST, INFO's connected_clients and the next CLIENT
    // KILL at once, not when the socket's 'close' comes (the end of the event-loop turn, after the
    // rest of a pipeline and other clients' reads). Listed until then, it showed laddr=?:0 (read
    // lazily, from a socket already closed) and a second CLIENT KILL ID counted it again.
    this.server.registry.remove(this);
  }

  // --- Requests and replies --------------------------------------------------------------------

  /** As Redis's resetClient() after an empty request: a CLIENT REPLY SKIP sent before it is used up. */
  onEmptyRequest(): void {
    if (this.closing) return;
    this.replies.begin();
    this.replies.end();
  }

  /** Runs one request (RequestSink: the decoder calls it for each). */
  onRequest(args: string[]): void {
    if (this.closing) return;
    const before = this.out.size + this.queued;
    this.replies.begin();
    const r = this.server.execute(this, args);
    if (r === POSTPONED) {
      // WAIT ran and blocked: a monitor's line of it goes now, as Redis's call() feeds it before
      // any reply (held for the next reply, it came after other clients' lines, or never).
      if (this.ownMonitorLine !== null) {
        this.sendOwnLines();
        this.outputAdded(before);
      }
      return this.postpone(args);
    }
    if (this.replies.sending) this.reply(r);
    else if (r instanceof PushedReply) this.reply(droppedReply(r));
    this.replies.end();
    if (this.ownMonitorLine !== null) this.sendOwnLines();
    this.outputAdded(before);
    this.endReplayShare();
  }

  protected answerHeld(r: Reply): void {
    this.queued = this.socket.writableLength;
    const before = this.out.size + this.queued;
    // Under the CLIENT REPLY mode the command began with (a SKIP before WAIT drops its reply).
    if (this.replies.sending) this.reply(r);
    this.replies.end();
    this.outputAdded(before);
  }

  /**
   * Output was added (`before`: the pending bytes before it): counted in the used memory at once,
   * so that the next command's maxmemory check sees it (as Redis's), and checked against the
   * output limits, as Redis's addReply checks them at every reply.
   */
  private outputAdded(before: number): void {
    const pending = this.out.size + this.queued;
    this.account.update(this.decoder.held, pending);
    // Past the reply buffer, a client that must still AUTH is closed (limits.ts, CVE-2025-21605).
    if (pending + this.limitSlack() >= this.server.limits.outputCheck || this.obufSoftSince !== 0 || (pending > REPLY_BUFFER && this.authRequired && addsReplyBlock(before, pending))) this.outputGrew(pending);
  }

  /** Closes the client over its output buffer limits (as Redis), or pauses it over the bound. */
  private outputGrew(pending: number): void {
    // Already closed (kill()): once is enough, as Redis's CLIENT_CLOSE_ASAP check. A monitor's line
    // can close it while it runs a command of its own (CLIENT UNPAUSE runs the postponed ones).
    if (this.socket.destroyed) return;
    if (this.server.limits.checkOutput(this, this.listUsage(pending), wallNow())) return;
    if (this.holdsOutput(pending)) this.pauseInput();
  }

  /**
   * A MONITOR client's own lines, after its command's reply: one, or an EXEC's commands' lines then
   * its own. (Redis writes the commands' lines as they run, in the middle of EXEC's reply array,
   * where a client reads them as array elements: here the reply stays whole.)
   */
  private sendOwnLines(): void {
    const more = this.moreOwnLines;
    if (more === null) this.reply(this.ownMonitorLine!);
    else for (const l of more) this.reply(l);
    this.ownMonitorLine = null;
    this.moreOwnLines = null;
  }

  get writeWaiting(): boolean {
    return this.socket.writableLength > 0;
  }

  sendMonitorLine(line: Reply, own: boolean): void {
    // As Redis: nothing more is written to a client that is closing (a monitor that sent QUIT).
    if (this.closed || this.closing) return;
    if (own) {
      if (this.ownMonitorLine !== null) (this.moreOwnLines ??= [this.ownMonitorLine]).push(line);
      this.ownMonitorLine = line;
      return;
    }
    const before = this.out.size + this.queued;
    this.reply(line);
    // A monitor that does not read is closed over client-output-buffer-limit as soon as it is
    // over, as Redis's (it was left to the cron, a second's worth of lines later).
    this.outputAdded(before);
    this.server.queueFlush(this);
  }

  // --- Output --------------------------------------------------------------------------------

  /** Called by the server once per event-loop turn, after the AOF was written. */
  flush(): void {
    this.flushQueued = false;
    this.gate.newTurn();
    this.awaitingDurability = false;
    if (this.closed || this.socket.destroyed) return;
    const size = this.out.size;
    if (size > 0) {
      // The batch's trimmed blocks stay counted while its bytes wait in the socket (reply-list.ts).
      const extra = this.replyList.batchExtra(size + this.queued, this.queued, this.out, this.socket.writableLength);
      this.server.stats.netOutputBytes += size;
      this.server.stats.writesProcessed++; // INFO total_writes_processed: Redis counts each writeToClient
      this.queued = writeBatch(this.socket, this.out, this.written);
      this.replyList.written(extra, this.queued);
    } else {
      this.replyList.idle();
    }
    this.countBuffers();
    if (this.closing) {
      endAfterReplies(this.socket, this.peerEnded);
      this.closed = true;
      // Written through: as Redis frees the client once its reply is written. Output still waiting
      // keeps it listed (flag c) and under the output limits until written (onWritten).
      if (this.socket.writableLength === 0) this.server.registry.end(this);
      return;
    }
    if (this.holdsOutput(this.socket.writableLength)) this.pauseInput();
    else if (this.paused && !this.socket.writableNeedDrain) this.resumeInput(); // no 'drain' will come
  }

  /** Whether the socket took some of the waiting output since the cron's last look (`timeout`). */
  outputMoved(): boolean {
    const waiting = waitingOutput(this.socket);
    const moved = waiting < this.lastWaiting;
    this.lastWaiting = waiting;
    return moved;
  }

  /**
   * writeBatch's callback: a write completed. Node calls it with no `this`, so each connection has
   * its own; bound (48 B) rather than an arrow field (a closure and its context, 96 B).
   */
  private readonly written = this.onWritten.bind(this);

  /**
   * A write completed: Node no longer holds those bytes (the kernel took them). One that failed
   * leaves the count as it was: the bytes are held until the socket has closed (a write in
   * progress, often all of them in one writev, is cancelled only then), and onClose gives the
   * count to the collection that frees them (dropped-memory.ts). Failed means `e`, or a socket
   * destroyed meanwhile: Node calls back a write it cancelled with no error then (a reset by a
   * peer that never read its 64 MB reply counted 0, and no collection ran).
   */
  private onWritten(e?: Error | null): void {
    if (e != null || this.socket.destroyed) return;
    this.queued = this.socket.writableLength;
    this.countBuffers();
    // A closing client's last replies are written: it leaves the client table now (see flush).
    if (this.closed && this.queued === 0) this.server.registry.end(this);
  }

  private onDrain(): void {
    // As Redis, output written counts as interaction for `timeout`.
    this.lastInteraction = wallNow();
    if (this.paused && !this.closed && !this.closing) this.resumeInput();
  }

  private onClose(): void {
    this.closed = true;
    this.dropHeld();
    this.decoder.stop();
    // Ours alone: flush() gave the socket its own storage (detach) whenever it kept a view.
    this.out.release();
    this.server.droppedMemory.dropped(this.account.release());
    this.server.observer.forgetClients();
    if (this.monitor) this.server.monitors.remove(this);
    this.tx.discard(this.server.watches);
    this.server.registry.remove(this);
  }
}
