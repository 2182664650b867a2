// When a connection's socket is read: the two reasons it waits.
//
// Fairness between clients: libuv reads a readable socket up to 32 times in a row (64 KB each),
// so a client sending a long pipeline (a bulk load) would have up to 2 MB of commands run before
// any other client is read: measured, a PING waited 100 ms behind a 1M-key load. Past TURN_BYTES
// in a turn the socket pauses (reading stops at once: see shared-read.ts) and resumes on the next
// turn, after the other clients' reads, as Redis reads each client once per event-loop iteration.
//
// Held input: a client over its output bound (or waiting for CLIENT PAUSE) is still read, so that
// one writing its whole pipeline before reading any reply does not wait forever; but only up to
// HELD_INPUT_MAX, after which the socket waits until most of it has run and TCP holds the sender.
// A client held for its output that reaches that bound has its held input run anyway (`capped`,
// the connection's overflow): one that writes more than HELD_INPUT_MAX before reading anything
// would otherwise wait for its write while we wait for its read, forever. Its output then grows
// as Redis's does for every client (bounded by client-output-buffer-limit, and counted in the used
// memory that maxmemory checks, client-memory.ts), until the held input is half gone.
// What is held counts in the used memory too.

import type { Socket } from 'node:net';
import type { RequestDecoder } from '../protocol/decoder.js';
import type { ReadLimits } from './read-limits.js';
import { setImmediate } from '../timers.js';

/** Bytes a client may deliver in one event-loop turn before it waits for the next. */
export const TURN_BYTES = 64 * 1024;
/**
 * Held input read ahead before the socket waits: enough for a client that writes a whole big
 * pipeline before reading (1M GETs are about 25 MB), bounded so that held clients cannot grow our
 * memory without end. Half of client-query-buffer-limit when that is lower (it closes the client).
 */
const HELD_INPUT_MAX = 64 * 1024 * 1024;

/** What the gate asks of its connection (an object, not callbacks: closures cost every connection). */
export interface GateOwner {
  /** Whether the connection still reads at all. */
  readonly reading: boolean;
  /** Held input reached its bound (reading waits): it is to run now, even over the output bound. */
  overflow(): void;
}

export class ReadGate {
  /** Bytes read this event-loop turn (reset by the turn's flush). */
  private turnBytes = 0;
  /** Paused until the next turn (TURN_BYTES). */
  private yielded = false;
  /** Paused until held input has run (HELD_INPUT_MAX). */
  private isCapped = false;

  constructor(
    private readonly socket: Socket,
    private readonly decoder: RequestDecoder,
    private readonly limits: ReadLimits,
    private readonly owner: GateOwner,
  ) {}

  /** Reading waits for held input to run: the connection runs it even over its output bound. */
  get capped(): boolean {
    return this.isCapped;
  }

  /** After a read of `n` bytes was pushed to the decoder. */
  afterRead(n: number): void {
    if ((this.turnBytes += n) >= TURN_BYTES && !this.yielded) {
      this.yielded = true;
      this.socket.pause();
      setImmediate(ReadGate.endYield, this);
    }
    if (this.decoder.halted && !this.isCapped && this.decoder.buffered >= this.heldMax()) {
      this.isCapped = true;
      this.socket.pause();
      this.owner.overflow();
    }
  }

  /** The turn's replies were sent: the next turn's reads start afresh. */
  newTurn(): void {
    this.turnBytes = 0;
  }

  /**
   * Held input ran: reading goes on once most of it has, or once the decoder holds nothing back
   * (what it still buffers is an unfinished request, which only more input completes: a request
   * bigger than half the bound, capped half-read, waited for ever).
   */
  drained(): void {
    if (!this.isCapped || (this.decoder.halted && this.decoder.buffered >= this.heldMax() / 2) || !this.owner.reading) return;
    this.isCapped = false;
    if (!this.yielded) this.socket.resume();
  }

  private heldMax(): number {
    return Math.min(HELD_INPUT_MAX, this.limits.queryBuffer / 2);
  }

  /**
   * The next turn has come: reading goes on. Static, given the gate by setImmediate: one function
   * for every gate, where an arrow field cost each connection a closure and its context.
   */
  private static endYield(gate: ReadGate): void {
    gate.yielded = false;
    gate.turnBytes = 0;
    if (!gate.isCapped && gate.owner.reading) gate.socket.resume();
  }
}
