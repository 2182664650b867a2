// CLIENT PAUSE / UNPAUSE as Redis 7.0: until the pause ends, the commands it covers are not run
// and not answered; the client's pipeline waits behind them (Redis's BLOCKED_POSTPONE), and they
// run, in the order they arrived, when it ends. ALL covers every command; WRITE covers commands
// flagged write or may_replicate (PUBLISH, SPUBLISH, EVAL, EVALSHA, FCALL, PFCOUNT). Refusals (unknown command, arity, NOAUTH...) are still answered
// at once, as Redis checks them before the pause.
//
// While any pause lasts, keys are not deleted by expiry: the active cycle does not run, and a key
// whose deadline passed reads as missing but stays in the keyspace (DBSIZE still counts it) until
// a command after the pause touches it, as Redis keeps the dataset constant during a pause.
// Eviction (maxmemory) must likewise not run while `active` is true: ServerApi.pause is the hook.

import { RawReply, type Reply } from '../protocol/reply.js';
import type { CommandSpec } from '../commands/types.js';
import { clearTimeout, setTimeout, wallNow } from '../timers.js';
import type { Unblockable, UnblockedQueue } from './unblocked.js';

export type PauseMode = 'off' | 'write' | 'all';

/** What Server.execute answers for a command that must wait: the connection holds it. */
export const POSTPONED: Reply = new RawReply(Buffer.alloc(0));

/** Redis's text for a replica (and so a MONITOR client) sending a command that uses keys. */
export const REPLICA_KEYSPACE = "ERR Replica can't interact with the keyspace";

/**
 * Redis 7.0's CMD_MAY_REPLICATE commands: COMMAND INFO does not show the flag, so it is missing from
 * the metadata; a WRITE pause holds them (checked one by one against redis-server 7.0.15).
 */
const MAY_REPLICATE = new Set(['publish', 'spublish', 'eval', 'evalsha', 'fcall', 'pfcount']);

/** Redis's is_may_replicate_command. */
export const mayReplicate = (spec: CommandSpec): boolean => spec.flags.includes('may_replicate') || MAY_REPLICATE.has(spec.name);

/** Redis's is_read / is_write / is_may_replicate command test. */
export const touchesKeyspace = (spec: CommandSpec): boolean =>
  spec.flags.includes('readonly') || spec.flags.includes('write') || mayReplicate(spec);

/** A connection whose command waits for the pause to end. */
export interface Postponed extends Unblockable {
  /** The pause ended: its command runs from the unblocked queue (unblocked.ts). */
  released(): void;
}

export class ClientPause {
  mode: PauseMode = 'off';
  /** ms timestamp when the pause ends. */
  private until = 0;
  private timer: NodeJS.Timeout | null = null;
  /**
   * The connections whose command waits, in the order they came. A set, so that one that closes
   * leaves it at once (drop), as Redis's freeClient takes a client off its postponed list: kept
   * until the pause ended, every client that came, was held and went during a long pause stayed
   * in memory with all it held (a reconnecting client left one behind each time).
   */
  private waiting = new Set<Postponed>();
  /**
   * Runs when a pause ends by its timeout, before the held commands (the server's active expiry):
   * Redis notices that end in its active expiry cycle, which then deletes the keys that expired
   * during the pause before the held clients run. CLIENT UNPAUSE runs them first, in both.
   */
  onTimedEnd: (() => void) | null = null;
  /**
   * Runs when the pause's timer fires, before it ends the pause: the server's cron if it is overdue
   * (Server.beforeTimeouts), which may end the pause itself (endIfDue).
   */
  beforeTimeout: (() => void) | null = null;

  /** `unblocked`: where the held connections go when the pause ends. */
  constructor(private readonly unblocked: UnblockedQueue) {}

  /** CLIENT PAUSE: a longer pause extends the current one, ALL overrides WRITE, never the reverse. */
  pause(nowMs: number, timeoutMs: number, mode: 'write' | 'all'): void {
    if (mode === 'all' || this.mode === 'off') this.mode = mode;
    const end = nowMs + timeoutMs;
    if (end > this.until || this.timer === null) {
      this.until = Math.max(this.until, end);
      if (this.timer !== null) clearTimeout(this.timer);
      // setTimeout's limit is 2^31-1 ms; a longer pause is re-armed when that fires.
      this.timer = setTimeout(() => this.expire(), Math.min(this.until - nowMs, 0x7fffffff));
      this.timer.unref();
    }
  }

  /** Whether `spec` must wait (called only while a pause is on). */
  covers(spec: CommandSpec): boolean {
    return this.mode === 'all' || (this.mode === 'write' && (spec.isWrite || mayReplicate(spec)));
  }

  get active(): boolean {
    return this.mode !== 'off';
  }

  wait(c: Postponed): void {
    this.waiting.add(c);
  }

  /** A waiting connection closed: its command will never run. */
  drop(c: Postponed): void {
    this.waiting.delete(c);
  }

  /** How many connections wait (for tests). */
  get held(): number {
    return this.waiting.size;
  }

  private expire(): void {
    this.timer = null;
    this.beforeTimeout?.();
    // The cron ended it (and may have run a held CLIENT PAUSE: a new pause, with its own timer).
    if (this.timer !== null || !this.active) return;
    if (wallNow() < this.until) this.pause(wallNow(), this.until - wallNow(), this.mode === 'all' ? 'all' : 'write');
    else this.endTimedOut();
  }

  /**
   * The cron's check (Redis's checkClientPauseTimeoutAndReturnIfPaused, at the start of its active
   * expiry cycle): a pause whose time is up ends, whether or not its timer has fired yet. True if
   * it ended here; its held commands are then queued, to run at the cron's end.
   */
  endIfDue(nowMs: number): boolean {
    if (!this.active || nowMs < this.until) return false;
    this.unpause(true);
    return true;
  }

  /** The pause ended by its timeout, outside any command: the held commands run now. */
  private endTimedOut(): void {
    this.unpause(true);
    this.unblocked.run();
  }

  /** Server shutdown: no timer left behind; the waiting connections are being closed anyway. */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.waiting = new Set();
  }

  /**
   * Ends the pause (CLIENT UNPAUSE, or its timeout: endTimedOut, endIfDue) and queues the waiting
   * commands, in order: CLIENT UNPAUSE's run at the end of the turn, a timeout's where it ended.
   */
  unpause(timedOut = false): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.mode = 'off';
    this.until = 0;
    const waiting = this.waiting;
    this.waiting = new Set();
    // As Redis, which moves them to its unblocked clients, run from beforeSleep: after the command
    // that ended the pause (its reply first; run by EXEC, after the whole transaction), not inside
    // it. A pause that timed out ends outside any command (its timer, the cron): its caller runs
    // them there, before the event loop reads the other clients (unblocked.ts).
    for (const c of waiting) {
      c.released();
      this.unblocked.add(c);
    }
    if (timedOut) this.onTimedEnd?.();
    else this.unblocked.runSoon();
  }
}
