// Redis's unblocked clients (server.unblocked_clients, run by processUnblockedClients in
// beforeSleep): a client whose block ended (the CLIENT PAUSE that held its command, or its WAIT, by
// a timeout, CLIENT UNPAUSE or CLIENT UNBLOCK) runs the rest of its pipeline from this queue, in
// the order the blocks ended, each client's pipeline (a turn's share of a long one: read-gate.ts)
// before the next client's, and before the server reads any other request.
//
// A block that a command ended (CLIENT UNPAUSE, CLIENT UNBLOCK) runs at the end of the turn
// (setImmediate), after that command and the other requests read in the same turn (EXEC's whole
// transaction), as Redis runs them in its next beforeSleep. A block that timed out ends in a timer,
// outside any command: the queue runs there, before Node's poll phase reads new requests. Clients
// that join while the queue runs (a held pipeline's CLIENT UNPAUSE releasing others) run in the
// same pass, as Redis's loop takes them too: deferred to setImmediate, a request another client had
// sent meanwhile ran before them (test/diff/busy-order.test.ts).

import { setImmediate } from '../timers.js';

/** A client that runs the rest of its pipeline once its block ended. */
export interface Unblockable {
  resumeUnblocked(): void;
}

export class UnblockedQueue {
  private queue: Unblockable[] = [];
  private running = false;
  private scheduled = false;

  /** `c`'s block ended: it runs at the queue's next pass (run, or runSoon's). */
  add(c: Unblockable): void {
    this.queue.push(c);
  }

  /** A command ended `c`'s block (CLIENT UNBLOCK): the queue runs at the turn's end. */
  resume(c: Unblockable): void {
    this.add(c);
    this.runSoon();
  }

  /** Runs the queue at the end of this turn, unless a pass is running (it takes the new clients). */
  runSoon(): void {
    if (this.running || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(UnblockedQueue.scheduledRun, this);
  }

  /** Runs the queue now, the clients that join meanwhile included (not when a pass is running). */
  run(): void {
    if (this.running) return;
    this.running = true;
    let i = 0;
    try {
      // Indexed, not shift(): thousands of clients released at once are a linear pass.
      for (; i < this.queue.length; i++) this.queue[i].resumeUnblocked();
    } finally {
      // A client that threw (a bug) is not run again; the ones after it run in the next turn.
      this.queue = i >= this.queue.length ? [] : this.queue.slice(i + 1);
      this.running = false;
      this.runSoon();
    }
  }

  /** Static, given the queue by setImmediate (no closure each time). */
  private static scheduledRun(q: UnblockedQueue): void {
    q.scheduled = false;
    q.run();
  }
}
