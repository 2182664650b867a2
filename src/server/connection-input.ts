// A client connection's input side (connection.ts is the subclass that runs the requests and
// writes their replies): its socket's reads into the decoder, and holding input back.
//
// A client whose unsent output passes a bound stops being served, even in the middle of a
// pipelined read, until its socket drains: its replies cannot grow our memory, and other clients
// keep being served. Its socket is still read, into its query buffer, up to a bound
// (read-gate.ts); released, the held input runs a turn's share at a time (replay). (Redis has no
// bound on the output of normal clients by default; this is a deliberate limit, which gives way
// when the held input reaches its own bound: overflow.) A command covered by CLIENT PAUSE waits
// here too (postpone), with the rest of its pipeline behind it, and so does a client blocked in
// WAIT until its timeout or CLIENT UNBLOCK (the wait block). A peer that ends its side (FIN) has
// what it sent before run first; then ours ends (endIfDone).

import type { Socket } from 'node:net';
import { RequestDecoder } from '../protocol/decoder.js';
import { ProtocolError, type RequestSink } from '../protocol/request-sink.js';
import { ErrorReply, type Reply } from '../protocol/reply.js';
import type { Server } from './server.js';
import { ClientState } from './client-state.js';
import { protocolErrorLine, queryLimitLine, readLimitsOf, type ReadLimits } from './read-limits.js';
import { clientLogLine } from '../commands/client.js';
import { clientBytes } from './log.js';
import { logClientClosed } from './verbose-log.js';
import { ReadGate, TURN_BYTES, type GateOwner } from './read-gate.js';
import { BufferAccount } from './client-memory.js';
import { POSTPONED, type Postponed } from './pause.js';
import type { Flushable } from './turn-flush.js';
import type { ClientApi } from '../commands/context.js';
import { clearTimeout, setImmediate, setTimeout, wallNow } from '../timers.js';
import type { TimedWait } from './wait-timeouts.js';
import type { CommandSpec } from '../commands/types.js';
import { UNBLOCKED } from '../errors.js';

/** setTimeout's longest delay: a later deadline is waited for in steps. */
const MAX_DELAY = 0x7fffffff;

/**
 * A client blocked in WAIT (Redis's BLOCKED_WAIT): the command, once its handler has returned;
 * its deadline (ms on the wall clock; 0: none; Infinity: past LLONG_MAX, never reached) and timer.
 */
interface WaitBlock {
  args: string[] | null;
  /** How long the call took (Redis's c->duration, for CLIENT UNBLOCK's statistics). */
  callUsec: number;
  readonly spec: CommandSpec;
  readonly deadline: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export abstract class ConnectionInput extends ClientState implements ClientApi, Flushable, Postponed, RequestSink, GateOwner, TimedWait {
  readonly decoder: RequestDecoder;
  protected readonly limits: ReadLimits;
  /** This client's buffers in the used memory (client-memory.ts). */
  protected readonly account: BufferAccount;
  /** When the socket is read (fairness between clients, held input): read-gate.ts. */
  protected readonly gate: ReadGate;
  protected closing = false;
  /** Set by closeAfterReply (Redis's CLIENT_CLOSE_AFTER_REPLY), not by kill(): CLIENT LIST flag c. */
  closingAfterReply = false;
  /**
   * Its block ended (WAIT's, or the pause that held its command) and the rest of its pipeline runs
   * after the current command, as Redis's CLIENT_UNBLOCKED until processUnblockedClients: CLIENT LIST
   * flag u (a CLIENT LIST after CLIENT UNBLOCK or UNPAUSE in the same EXEC or read shows it).
   */
  unblocked = false;
  protected closed = false;
  /** Input paused because of pending output (pauseInput). */
  protected paused = false;
  /** A command held by CLIENT PAUSE (the rest of the pipeline waits behind it). */
  private postponed: string[] | null = null;
  /** Blocked in WAIT (the rest of the pipeline waits behind it too). */
  private waiting: WaitBlock | null = null;
  /** The peer closed its side (FIN): once the held input has run, we close ours. */
  protected peerEnded = false;
  /** While held input is replayed: the decoder's buffered bytes at which this turn's share ends. */
  private replayUntil = -1;
  /** The replay stopped for this turn (TURN_BYTES) and goes on in the next one. */
  private replayYielded = false;

  constructor(id: number, socket: Socket, server: Server, addr: string, unixSocket: string) {
    super(id, socket, server, addr, unixSocket);
    this.limits = readLimitsOf(server.config);
    this.decoder = new RequestDecoder(this, this.limits);
    this.gate = new ReadGate(socket, this.decoder, this.limits, this);
    this.account = new BufferAccount(server.keyspace.outside);
    this.decoder.authenticated = this.authed;
  }

  // connection.ts's: running requests, writing replies, closing.
  abstract onRequest(args: string[]): void;
  abstract onEmptyRequest(): void;
  abstract kill(): void;
  abstract flushQueued: boolean;
  abstract readonly awaitingDurability: boolean;
  abstract flush(): void;
  abstract readonly mustObey: boolean;
  abstract readonly wantsRaw: boolean;
  abstract sendMonitorLine(line: Reply, own: boolean): void;
  /** The reply of the command that was held (WAIT's, as its block ends), as onRequest writes one. */
  protected abstract answerHeld(r: Reply): void;

  /** Redis stops reading the client's pipeline at this point: later requests are never run. */
  closeAfterReply(): void {
    this.closing = true;
    this.closingAfterReply = true;
    this.decoder.stop();
  }

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
    this.server.log.warning(clientBytes(queryLimitLine(this.decoder, chunk, clientLogLine(wallNow(), this))));
    this.kill();
  }

  /**
   * The decoder threw (push or resume). A protocol error is answered and closes the connection
   * after the replies of the commands before it. Any other exception is a bug in Keystonelight:
   * it is logged and closes this connection only, instead of bringing the server down.
   */
  private decodeFailed(e: unknown): void {
    if (e instanceof ProtocolError) {
      this.server.observer.error(e.message);
      // As Redis: CLIENT REPLY OFF, or SKIP for the next command, silences this error too. The
      // connection still closes (Redis 7.0 leaves it open, reading nothing more, forever).
      if (this.replies.sendingNext) this.reply(new ErrorReply(e.message));
      // Logged after the reply is added, as Redis's setProtocolError (its CLIENT LIST line's obl).
      this.server.log.verbose(clientBytes(protocolErrorLine(e.message, clientLogLine(wallNow(), this), this.decoder.unparsed)));
    } else {
      this.server.log.warning(`Closing client id=${this.id} addr=${this.addr} after an internal error: ${e instanceof Error ? e.stack : String(e)}`);
    }
    this.closeAfterReply();
  }

  reply(r: Reply): void {
    this.out.write(r, this.proto);
  }

  /** Re-counts this client's buffers in the used memory (after they changed outside run()). */
  protected countBuffers(): void {
    this.account.update(this.decoder.held, this.out.size + this.queued);
  }

  /** After a request: while held input is replayed, the turn's share is used up here. */
  protected endReplayShare(): void {
    if (this.replayUntil >= 0 && this.decoder.buffered <= this.replayUntil && !this.decoder.halted) {
      // Held input can be tens of MB (read-gate.ts): a turn's share runs, as the read side yields.
      this.replayYielded = true;
      this.decoder.pause();
      setImmediate(ConnectionInput.endReplayYield, this);
    }
  }

  /** The held input's replay goes on in the next turn (static, given the connection: no closure each). */
  private static endReplayYield(c: ConnectionInput): void {
    c.replayYielded = false;
    if (!c.paused && !c.holding && c.reading) c.replay();
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
    if (this.holding) return this.kill();
    if (this.decoder.halted || this.replayYielded) return;
    this.closing = true;
    this.decoder.stop();
    this.server.queueFlush(this);
  }

  /** Whether the socket is still read at all (GateOwner). */
  get reading(): boolean {
    return !this.closing && !this.closed;
  }

  /** True while the client's input is paused because of its pending output. */
  get inputPaused(): boolean {
    return this.paused;
  }

  /**
   * CLIENT PAUSE covers this command: hold it and the rest of the pipeline until the pause ends. Or
   * the command was WAIT, which blocked: the same, until the block ends.
   */
  protected postpone(args: string[]): void {
    if (this.waiting !== null && this.waiting.args === null) return this.startWait(args);
    this.replies.hold();
    this.postponed = args;
    this.decoder.pause();
    this.server.pause.wait(this);
  }

  /** Its block ended (Unblockable): the held command and the rest of the pipeline run. */
  resumeUnblocked(): void {
    return this.postponed !== null ? this.retryPostponed() : this.afterWait();
  }

  /** The pause ended: run the held command, then the rest of the pipeline (unless held again). */
  private retryPostponed(): void {
    const args = this.postponed;
    this.postponed = null;
    this.unblocked = false;
    if (args === null || this.closed || this.closing) return;
    this.queued = this.socket.writableLength;
    // Its reply counts as interaction for `timeout` (Redis's writeToClient sets lastinteraction):
    // a client idle all through the pause is not closed as soon as it is answered.
    this.lastInteraction = this.server.markBatch();
    this.onRequest(args);
    if (!this.holding && !this.paused) this.replay();
    this.server.queueFlush(this);
  }

  /** A command of this client waits, for a CLIENT PAUSE to end (or to be run, once it ended) or in WAIT. */
  protected get holding(): boolean {
    return this.postponed !== null || this.waiting !== null;
  }

  /**
   * Still waiting, for a CLIENT PAUSE or in WAIT (Redis's CLIENT_BLOCKED): CLIENT LIST flag b, INFO
   * blocked_clients. Not once the pause ended, though the held command has not run yet (unblocked).
   */
  get blocked(): boolean {
    return this.waiting !== null || (this.postponed !== null && !this.unblocked);
  }

  /** The pause that held this client's command ended: the command runs once the current command is done. */
  released(): void {
    this.unblocked = true;
  }

  get blockedWithTimeout(): boolean {
    return this.waiting !== null && this.waiting.deadline !== 0;
  }

  get heldArgs(): readonly string[] | null {
    return this.postponed ?? this.waiting?.args ?? null;
  }

  // --- WAIT's block ------------------------------------------------------------------------------

  /** ClientApi.block: WAIT's handler blocks this client; onRequest holds it (postpone, startWait). */
  block(deadline: number, spec: CommandSpec): Reply {
    this.waiting = { args: null, callUsec: 0, spec, deadline, timer: null };
    return POSTPONED;
  }

  private startWait(args: string[]): void {
    const w = this.waiting!;
    w.args = args;
    w.callUsec = this.server.observer.blockedUsec;
    this.decoder.pause();
    if (w.deadline !== 0) this.armWait(w);
  }

  private armWait(w: WaitBlock): void {
    if (w.deadline === Infinity) return;
    this.server.waitTimeouts.add(this);
    w.timer = setTimeout(ConnectionInput.waitTimedOut, Math.min(Math.max(0, w.deadline - wallNow()), MAX_DELAY), this);
    w.timer.unref(); // the listening socket keeps the process alive, not a client's timeout
  }

  /** Redis's replyToBlockedClientTimedOut for WAIT: the replicas that acknowledged, none. */
  private static waitTimedOut(c: ConnectionInput): void {
    const w = c.waiting;
    if (w === null) return;
    w.timer = null;
    if (wallNow() < w.deadline) return c.armWait(w);
    c.server.beforeTimeouts(); // an overdue cron first, whose held commands may end this block
    c.server.waitTimeouts.fire(wallNow());
  }

  /** TimedWait: the deadline of this client's WAIT, and its timing out (wait-timeouts.ts). */
  get waitDeadline(): number {
    return this.waiting?.deadline ?? Infinity;
  }

  timeOutWait(): void {
    this.endWait(0, true);
  }

  /** CLIENT UNBLOCK of this client (and its statistics: Observer.unblocked). */
  unblock(error: boolean): boolean {
    const w = this.waiting;
    if (w === null || w.args === null) return false;
    if (error) this.server.observer.error(UNBLOCKED);
    this.server.observer.unblocked(this, w.spec, w.callUsec);
    this.endWait(error ? new ErrorReply(UNBLOCKED) : 0);
    return true;
  }

  /**
   * The block ends with `r`; the rest of the pipeline runs from the unblocked queue (unblocked.ts):
   * after the command that ended it (CLIENT UNBLOCK), or when the timeouts due are all answered.
   */
  private endWait(r: Reply, timedOut = false): void {
    this.dropWait();
    // Server.close() destroys the socket without marking the client: its 'close' comes in a later
    // phase of the event loop, after a timeout due in the same turn (and its pipeline) would run.
    if (this.closed || this.closing || this.socket.destroyed) return;
    this.lastInteraction = wallNow();
    this.answerHeld(r);
    this.unblocked = true;
    if (timedOut) this.server.unblockedClients.add(this);
    else this.server.unblockedClients.resume(this);
    this.server.queueFlush(this);
  }

  /** The rest of the pipeline after WAIT's block, run from the unblocked queue. */
  private afterWait(): void {
    this.unblocked = false;
    if (this.holding || this.paused || !this.reading) return;
    this.queued = this.socket.writableLength;
    this.server.markBatch();
    this.replay();
  }

  /** No block left behind (the block ended, or the client is closing). */
  protected dropWait(): void {
    if (this.waiting?.timer != null) clearTimeout(this.waiting.timer);
    if (this.waiting !== null) this.server.waitTimeouts.delete(this);
    this.waiting = null;
  }

  /** The client is closing: nothing holds it any more, neither WAIT's block nor CLIENT PAUSE's list. */
  protected dropHeld(): void {
    this.dropWait();
    if (this.postponed === null) return;
    this.postponed = null;
    this.server.pause.drop(this);
  }

  /**
   * Holds back the rest of the client's pipeline. Its socket is still read: what it sends waits in
   * its query buffer (up to read-gate.ts's bound). A client that writes its
   * whole pipeline before reading any reply (redis-benchmark -P 200000, a blocking client's big
   * pipeline) would otherwise wait for its write while we wait for its read, forever.
   */
  protected pauseInput(): void {
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

  /**
   * Over the output bound, input waits: unless held input has reached its own (overflow), or the
   * output is a MONITOR's, whose lines come whatever it sends: holding its QUIT or RESET back kept
   * the lines coming (Redis runs them at once, and adds no line after QUIT).
   */
  protected holdsOutput(pending: number): boolean {
    return !this.paused && pending > this.server.limits.pauseAt && !this.gate.capped && !this.monitor;
  }

  protected resumeInput(): void {
    this.paused = false;
    this.queued = this.socket.writableLength;
    this.server.markBatch();
    if (!this.holding) this.replay();
    this.server.queueFlush(this);
  }

  /** The peer ended its side (FIN). */
  protected onEnd(): void {
    this.peerEnded = true;
    // As Redis, whose read of 0 bytes logs it: not for a client the server is closing itself
    // (QUIT, a protocol error, CLIENT KILL of itself), which Redis frees without reading the EOF.
    if (!this.closing) {
      this.server.stats.readsProcessed++; // that read counts in INFO total_reads_processed
      logClientClosed(this.server.log, this);
    }
    this.endIfDone();
  }
}
