// The keyspace's notion of time, injectable so that tests can move it by hand.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * True when reading costs nothing (a test clock): the keyspace then reads it for every command,
   * so that access times follow it exactly, where the system clock is read once per cron tick.
   */
  readonly cheap?: boolean;
}

export const systemClock: Clock = { now: () => Date.now() };

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
