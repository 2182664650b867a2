// The keyspace's notion of time, injectable so that tests can move it by hand.

import { wallNow } from '../timers.js';

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * True when reading costs nothing (a test clock): the keyspace then reads it for every command,
   * so that access times follow it exactly, where the system clock is read once per cron tick.
   */
  readonly cheap?: boolean;
}

export const systemClock: Clock = { now: () => wallNow() };

/**
 * `clock` read in whole milliseconds, as Redis's mstime(): a test clock moved by fractions
 * (advance(0.1 * 3) gives 0.30000000000000004, a clock started from performance.timeOrigin + now())
 * made every deadline a fraction, which BigInt() refused (every expiry command was an internal
 * error). The system clock's readings are whole already.
 */
export function wholeMs(clock: Clock): Clock {
  if (clock === systemClock) return clock;
  return { now: () => Math.floor(clock.now()), cheap: clock.cheap };
}

/** A clock that only moves when told to (for unit tests of expiry). */
export class ManualClock implements Clock {
  readonly cheap = true;
  constructor(public ms = 1_700_000_000_000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
