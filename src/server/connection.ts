// One client connection: socket -> decoder -> dispatcher -> reply buffer -> socket.
//
// Every complete command in a read runs in order; the replies of the whole read are written with
// one socket write, after the server has flushed the AOF for the same event-loop turn (a write
// reaches the file before its reply leaves). A client whose unsent output passes a bound stops
// being served, even in the middle of a pipelined read, until its socket drains: its replies
// cannot grow our memory, and other clients keep being served. Its socket is still read, into its
// query buffer, up to a bound (read-gate.ts); released, the held input runs a turn's share at a
// time (replay). (Redis has no bound on the output of normal clients by default; this is a
// deliberate limit, which gives way when the held input reaches its own bound: overflow.)
// client-output-buffer-limit's normal class closes such a client instead, as Redis (limits.ts).
// What CLIENT commands and CLIENT LIST read and set of a connection is in client-state.ts, its base.
//
// Memory: an idle connection costs what its objects hold, so nothing is made per connection that
// can be shared or made when first needed. The socket's reads and events, the decoder's requests
// and the read gate's calls reach the connection through one function each for all connections
// (called on the socket, which keeps its connection: CONNECTION), or through the connection
// itself, passed as an object: the closures made per connection before (ten, with six contexts)
// cost every connection ~0.8 KB of heap. Heap snapshots of 2,000 and 6,000 idle connections:
// 5.3 KB of live objects a connection before this and the lazily made objects below, 3.8 KB after.

import type { Socket } from 'node:net';
import { ProtocolError, RequestDecoder, type RequestSink } from '../protocol/decoder.js';
import { ErrorReply, type Reply } from '../protocol/reply.js';
import type { ClientApi } from '../commands/context.js';
import type { Ctx } from '../commands/types.js';
import type { Server } from './server.js';
import { ClientState } from './client-state.js';
import { queryLimitLine, readLimitsOf, type ReadLimits } from './read-limits.js';
import { clientLine } from '../commands/client.js';
import { logClientClosed } from './verbose-log.js';
import { ReadGate, TURN_BYTES, type GateOwner } from './read-gate.js';
import { BufferAccount } from './client-memory.js';
import { POSTPONED, type Postponed } from './pause.js';
import { setImmediate } from '../timers.js';
import { endAfterReplies, peerOf, waitingOutput, writeBatch } from './client-socket.js';
import { addsReplyBlock, REPLY_BUFFER } from './reply-list.js';

/** The connection a client socket belongs to, kept on the socket (see the header). */
const CONNECTION = Symbol('connection');

interface ClientSocket extends Socket {
  [CONNECTION]: Connection;
}

function connectionOf(socket: Socket): Connection {
  return (socket as ClientSocket)[CONNECTION];
}

export class Connection extends ClientState implements ClientApi, Ctx, Postponed, RequestSink, GateOwner {
  readonly decoder: RequestDecoder;
  /** The output the socket had waiting at the `timeout` cron's last look (outputMoved). */
  private lastWaiting = 0;
  private closing = false;
  /** Set by closeAfterReply (Redis's CLIENT_CLOSE_AFTER_REPLY), not by kill(): CLIENT LIST flag c. */
  closingAfterReply = false;
  private closed = false;
  private paused = false;
  /** Set while the connection waits in the server's flush list. */
  flushQueued = false;
  /** Set when a command of this turn wrote to the AOF: its reply must wait for the write. */
  awaitingDurability = false;
  /** In MONITOR mode: the line of this client's own command, sent after its reply. */
  private ownMonitorLine: Reply | null = null;
  /** A command held by CLIENT PAUSE (the rest of the pipeline waits behind it). */
  private postponed: string[] | null = null;
  private readonly limits: ReadLimits;
  /** When (unix seconds) the output was first seen over the soft limit; 0: it is not (limits.ts). */
  obufSoftSince = 0;
  /** This client's buffers in the used memory (client-memory.ts). */
  private readonly account: BufferAccount;
  /** When the socket is read (fairness between clients, held input): read-gate.ts. */
  private readonly gate: ReadGate;
  /** The peer closed its side (FIN): once the held input has run, we close ours. */
  private peerEnded = false;
  /** While held input is replayed: the decoder's buffered bytes at which this turn's share ends. */
  private replayUntil = -1;
  /** The replay stopped for this turn (TURN_BYTES) and goes on in the next one. */
  private replayYielded = false;

  /** `addr`: the peer's address; the accepting server already read it (one getpeername per client). */
  constructor(id: number, socket: Socket, server: Server, addr = peerOf(socket)) {
    super(id, socket, server, addr);
    this.limits = readLimitsOf(server.config);
    this.decoder = new RequestDecoder(this, this.limits);
    this.gate = new ReadGate(socket, this.decoder, this.limits, this);
    this.account = new BufferAccount(server.keyspace.outside);
    this.decoder.authenticated = this.authed;
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


  propagate(args: string[], changes = 1): void {
    this.server.dirty += changes;
    this.awaitingDurability = true;
    const dbIndex = this.dbIndex;
    // The request itself, as received: the AOF copies its bytes (see RequestDecoder.rawBuf).
    const d = this.decoder;
    if (args === d.rawArgs && d.rawStart >= 0) this.server.propagate(dbIndex, args, d.rawBuf, d.rawStart, d.rawEnd);
    else this.server.propagate(dbIndex, args);
  }

  // --- ClientApi (the rest: client-state.ts) ---------------------------------------------

  /** Redis stops reading the client's pipeline at this point: later requests are never run. */
  closeAfterReply(): void {
    this.closing = true;
    this.closingAfterReply = true;
    this.decoder.stop();
  }

  kill(): void {
    this.closing = true;
    this.decoder.stop();
    this.socket.destroy();
    // As Redis's freeClient: gone from CLIENT LIST, INFO's connected_clients and the next CLIENT
    // KILL at once, not when the socket's 'close' comes (the end of the event-loop turn, after the
    // rest of a pipeline and other clients' reads). Listed until then, it showed laddr=?:0 (read
    // lazily, from a socket already closed) and a second CLIENT KILL ID counted it again.
    this.server.removeClient(this);
  }

  // --- I/O -----------------------------------------------------------------------------------

  /** One read's bytes (server/shared-read.ts: only valid during the call). */
  receive(chunk: Buffer): void {
    if (this.closing) return;
    const stats = this.server.stats;
    stats.readsProcessed++; // INFO total_reads_processed: Redis counts each readQueryFromClient
    stats.netInputBytes += chunk.length;
    this.lastInteraction = this.server.markBatch();
    if (this.decoder.queryBufferAfter(chunk.length) > this.limits.queryBuffer) return this.refuseRead(chunk);
    this.queued = this.socket.writableLength;
    try {
      this.decoder.push(chunk);
    } catch (e) {
      this.decodeFailed(e);
    }
    this.countBuffers();
    this.server.queueFlush(this);
    this.gate.afterRead(chunk.length);
  }

  /** As Redis, checked before the new bytes are parsed: no reply, the connection just closes. */
  private refuseRead(chunk: Buffer): void {
    this.incoming = chunk.length; // counted in the log line's qbuf
    this.server.log.warning(queryLimitLine(this.decoder, chunk, clientLine(Date.now(), this, null)));
    this.kill();
  }

  /**
   * The decoder threw (push or resume). A protocol error is answered and closes the connection
   * after the replies of the commands before it. Any other exception is a bug in Keystonelight:
   * it is logged and closes this connection only, instead of bringing the server down.
   */
  private decodeFailed(e: unknown): void {
    if (e instanceof ProtocolError) {
      this.server.log.verbose(`Protocol error (${e.message}) from client: id=${this.id} addr=${this.addr}`);
      this.server.observer.error(e.message);
      // As Redis: CLIENT REPLY OFF, or SKIP for the next command, silences this error too. The
      // connection still closes (Redis 7.0 leaves it open, reading nothing more, forever).
      if (this.replies.sendingNext) this.reply(new ErrorReply(e.message));
    } else {
      this.server.log.warning(`Closing client id=${this.id} addr=${this.addr} after an internal error: ${e instanceof Error ? e.stack : String(e)}`);
    }
    this.closeAfterReply();
  }

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
    if (r === POSTPONED) return this.postpone(args);
    if (this.replies.sending) this.reply(r);
    this.replies.end();
    if (this.ownMonitorLine !== null) {
      this.reply(this.ownMonitorLine);
      this.ownMonitorLine = null;
    }
    const pending = this.out.size + this.queued;
    // Per reply, so that the next command's maxmemory check sees this one's output (as Redis's).
    this.account.update(this.decoder.held, pending);
    // Past the reply buffer, a client that must still AUTH is closed (limits.ts, CVE-2025-21605).
    if (pending + this.limitSlack() >= this.server.limits.outputCheck || this.obufSoftSince !== 0 || (pending > REPLY_BUFFER && this.authRequired && addsReplyBlock(before, pending))) this.outputGrew(pending);
    if (this.replayUntil >= 0 && this.decoder.buffered <= this.replayUntil && !this.decoder.halted) {
      // Held input can be tens of MB (read-gate.ts): a turn's share runs, as the read side yields.
      this.replayYielded = true;
      this.decoder.pause();
      setImmediate(Connection.endReplayYield, this);
    }
  }

  /** The held input's replay goes on in the next turn (static, given the connection: no closure each). */
  private static endReplayYield(c: Connection): void {
    c.replayYielded = false;
    if (!c.paused && c.postponed === null && c.reading) c.replay();
  }

  /** Runs held input, at most TURN_BYTES of it this turn; closes after it if the peer has ended. */
  private replay(): void {
    if (this.replayYielded) return; // endReplayYield goes on
    this.replayUntil = Math.max(0, this.decoder.buffered - TURN_BYTES);
    try {
      this.decoder.resume();
    } catch (e) {
      this.decodeFailed(e);
    } finally {
      this.replayUntil = -1;
    }
    this.countBuffers();
    this.gate.drained();
    this.endIfDone();
    this.server.queueFlush(this);
  }

  /**
   * The peer ended its side and nothing held is left to run: our side ends after the replies (the
   * commands Redis would have run as it read them). One waiting for a CLIENT PAUSE is closed now,
   * as Redis frees a client at EOF: its held command never runs.
   */
  private endIfDone(): void {
    if (!this.peerEnded || this.closing || this.closed) return;
    if (this.postponed !== null) return this.kill();
    if (this.decoder.halted || this.replayYielded) return;
    this.closing = true;
    this.decoder.stop();
    this.server.queueFlush(this);
  }

  /** Closes the client over its output buffer limits (as Redis), or pauses it over the bound. */
  private outputGrew(pending: number): void {
    if (this.server.limits.checkOutput(this, this.listUsage(pending), Date.now())) return;
    if (this.holdsOutput(pending)) this.pauseInput();
  }

  /** Whether the socket is still read at all (GateOwner). */
  get reading(): boolean {
    return !this.closing && !this.closed;
  }

  /** True while the client's input is paused because of its pending output. */
  get inputPaused(): boolean {
    return this.paused;
  }

  /** CLIENT PAUSE covers this command: hold it and the rest of the pipeline until the pause ends. */
  private postpone(args: string[]): void {
    this.replies.hold();
    this.postponed = args;
    this.decoder.pause();
    this.server.pause.wait(this);
  }

  /** The pause ended: run the held command, then the rest of the pipeline (unless held again). */
  retryPostponed(): void {
    const args = this.postponed;
    this.postponed = null;
    if (args === null || this.closed || this.closing) return;
    this.queued = this.socket.writableLength;
    // Its reply counts as interaction for `timeout` (Redis's writeToClient sets lastinteraction):
    // a client idle all through the pause is not closed as soon as it is answered.
    this.lastInteraction = this.server.markBatch();
    this.onRequest(args);
    if (this.postponed === null && !this.paused) this.replay();
    this.server.queueFlush(this);
  }

  get writeWaiting(): boolean {
    return this.socket.writableLength > 0;
  }

  /** Waiting for a CLIENT PAUSE to end (CLIENT LIST flag b). */
  get blocked(): boolean {
    return this.postponed !== null;
  }

  sendMonitorLine(line: Reply, own: boolean): void {
    // As Redis: nothing more is written to a client that is closing (a monitor that sent QUIT).
    if (this.closed || this.closing) return;
    if (own) {
      this.ownMonitorLine = line;
      return;
    }
    this.reply(line);
    this.countBuffers();
    this.server.queueFlush(this);
  }

  /**
   * Holds back the rest of the client's pipeline. Its socket is still read: what it sends waits in
   * its query buffer (up to read-gate.ts's bound). A client that writes its
   * whole pipeline before reading any reply (redis-benchmark -P 200000, a blocking client's big
   * pipeline) would otherwise wait for its write while we wait for its read, forever.
   */
  private pauseInput(): void {
    this.paused = true;
    this.decoder.pause();
  }

  /**
   * The held input reached its bound (read-gate.ts): it runs now, over the output bound, as Redis
   * serves every client (a client writing a pipeline of more than that before reading waited for
   * ever). Not for CLIENT PAUSE (postponed): its commands wait for the pause, as Redis's.
   */
  overflow(): void {
    if (this.paused) this.resumeInput();
  }

  /** Over the output bound, input waits: unless held input has reached its own (overflow). */
  private holdsOutput(pending: number): boolean {
    return !this.paused && pending > this.server.limits.pauseAt && !this.gate.capped;
  }

  private resumeInput(): void {
    this.paused = false;
    this.queued = this.socket.writableLength;
    this.server.markBatch();
    if (this.postponed === null) this.replay();
    this.server.queueFlush(this);
  }

  reply(r: Reply): void {
    this.out.write(r, this.proto);
  }

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

  /** A write completed: Node no longer holds those bytes (the kernel took them). */
  private onWritten(): void {
    this.queued = this.socket.writableLength;
    this.countBuffers();
  }

  /** Re-counts this client's buffers in the used memory (after they changed outside run()). */
  private countBuffers(): void {
    this.account.update(this.decoder.held, this.out.size + this.queued);
  }

  /** The peer ended its side (FIN). */
  private onEnd(): void {
    this.peerEnded = true;
    // As Redis, whose read of 0 bytes logs it: not for a client the server is closing itself
    // (QUIT, a protocol error, CLIENT KILL of itself), which Redis frees without reading the EOF.
    if (!this.closing) {
      this.server.stats.readsProcessed++; // that read counts in INFO total_reads_processed
      logClientClosed(this.server.log, this);
    }
    this.endIfDone();
  }

  private onDrain(): void {
    // As Redis, output written counts as interaction for `timeout`.
    this.lastInteraction = Date.now();
    if (this.paused && !this.closed && !this.closing) this.resumeInput();
  }

  private onClose(): void {
    this.closed = true;
    this.decoder.stop();
    // Ours alone: flush() gave the socket its own storage (detach) whenever it kept a view.
    this.out.release();
    this.account.release();
    if (this.monitor) this.server.monitors.remove(this);
    this.tx.discard(this.server.watches);
    this.server.removeClient(this);
  }
}
