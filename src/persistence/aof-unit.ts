// Redis 7.0's execution unit in the AOF writer's pending bytes (aof.ts): what one command appends
// (an EXEC: its whole transaction) is one MULTI ... EXEC block when it is more than one effect, and
// it stays out of the file until the command ends, as Redis holds it in server.also_propagate: a
// DEBUG LOADAOF among the commands reloads the file without it, CONFIG SET appendonly no drops it.

import type { ReplyBuffer } from '../protocol/encoder.js';

const MULTI = Buffer.from('*1\r\n$5\r\nMULTI\r\n');
const EXEC = Buffer.from('*1\r\n$4\r\nEXEC\r\n');

/** A block's bytes taken out of the pending ones (AofWriter.holdUnit), and the database selected at their end. */
export interface HeldUnit {
  bytes: Buffer;
  db: number;
}

export class AofUnit {
  /** Effects appended by the running command; -1: none runs (nothing is wrapped). */
  ops = -1;
  /** Where its first effect begins in the pending bytes: after the SELECT it needed, where MULTI goes. */
  private start = 0;
  /** Where its bytes begin (before that SELECT), and the database selected before them. */
  private head = 0;
  dbBefore = -1;
  /** The writer's epoch at its first effect: while it is the same, all its bytes are pending. */
  private epoch = 0;
  /** Its MULTI is written already (open()): its EXEC goes after its last effect, however many. */
  private opened = false;
  /** Opened: the file offset its bytes begin at, as of the last open() that found them all pending. */
  private fileAt = -1;

  constructor(private readonly pending: ReplyBuffer) {}

  /** An effect of the running command was appended: `head` and `dbBefore` as they were before its SELECT. */
  effect(head: number, dbBefore: number, epoch: number): void {
    if (this.ops++ !== 0) return;
    this.head = head;
    this.dbBefore = dbBefore;
    this.start = this.pending.len;
    this.epoch = epoch;
  }

  /**
   * The command ended: if it appended more than one effect (keys it expired on the way, then its
   * own), they become MULTI ... EXEC, as Redis 7.0's propagatePendingCommands writes them: MULTI
   * in the first one's database (after its SELECT, if it needed one), EXEC after the last. Not when
   * the pending bytes were written or moved in between (the block's start is no longer known).
   */
  end(epoch: number): void {
    if (this.opened) {
      this.pending.writeBytes(EXEC);
    } else if (this.ops > 1 && this.epoch === epoch) {
      this.pending.insert(this.start, MULTI);
      this.pending.writeBytes(EXEC);
    }
    this.ops = -1;
    this.opened = false;
  }

  /**
   * The pending bytes are about to be written before the command ends (AofWriter.writeEarly): its
   * block gets its MULTI now, even if it ends up with one effect (MULTI, it, EXEC: loaded the same).
   * A crash before its EXEC then leaves a block without one, which loading reverts, as Redis's.
   */
  open(epoch: number, fileSize: number): void {
    if (this.ops < 1 || this.epoch !== epoch) return;
    if (!this.opened) this.pending.insert(this.start, MULTI);
    this.opened = true;
    // Where the pending bytes go, `fileSize` on: kept for dropUnit and DEBUG LOADAOF (inFile).
    this.fileAt = fileSize + this.head;
  }

  /**
   * Where its bytes begin in the current file once some were written early (its MULTI among
   * them), else -1 (they are all pending: take() has them).
   */
  inFile(epoch: number): number {
    return this.opened && this.epoch !== epoch ? this.fileAt : -1;
  }

  /**
   * The writer moves to a new file in the middle of the command: only a synchronous rewrite it
   * runs does that (DEBUG RELOAD run by EXEC), whose new base holds the command's effects so far
   * (their bytes written to the old file, or dropped: AofWriter.holdUnit). The rest of them are a
   * block of their own in the new file, opened by their first effect: left unwrapped, they were
   * written early one part at a time, and a crash in between loaded half of them.
   */
  leftFile(): void {
    if (this.ops <= 0) return;
    this.ops = 0;
    this.opened = false;
    this.fileAt = -1;
  }

  /** The command's effects are dropped (CONFIG SET appendonly no run by EXEC): no EXEC to add. */
  abandon(): void {
    this.ops = -1;
    this.opened = false;
    this.fileAt = -1;
  }

  /** Takes the unit's bytes out of the pending ones, when they are all there (else null); the writer then selects dbBefore. */
  take(epoch: number): Buffer | null {
    if (this.ops <= 0 || this.epoch !== epoch) return null;
    const held = Buffer.from(this.pending.buf.subarray(this.head, this.pending.len));
    this.pending.len = this.head;
    return held;
  }

  /** Puts back what take() took, after what was pending before it (written meanwhile: `epoch` moved). */
  putBack(held: Buffer, epoch: number): void {
    const head = this.pending.len;
    this.pending.writeBytes(held);
    this.start += head - this.head;
    this.head = head;
    this.epoch = epoch;
  }
}
