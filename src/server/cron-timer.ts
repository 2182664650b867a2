// The cron's clock, as Redis's serverCron timer: the cron runs hz times a second, and the rate is
// worked out again at the start of every run, so that CONFIG SET hz takes effect from the next run
// (INFO hz shows the new value at once, as Redis's updateHZ sets server.hz), and with dynamic-hz
// (the default) the rate doubles while there are more than MAX_CLIENTS_PER_CLOCK_TICK clients a
// run, up to MAX_HZ: the cron's share of the clients each run (reply buffers, idle timeouts) then
// stays small, and each client is still looked at about once a second. INFO hz is the rate of the
// last run, configured_hz the option.

import type { Config } from '../config.js';
import { clearTimeout, setTimeout, wallNow } from '../timers.js';

/** Redis's MAX_CLIENTS_PER_CLOCK_TICK. */
const MAX_CLIENTS_PER_CLOCK_TICK = 200;
/** Redis's CONFIG_MAX_HZ. */
const MAX_HZ = 500;

/** Redis's serverCron: `configured` doubled while clients / hz (an integer division) is over 200, at most 500. */
export function dynamicHz(configured: number, clients: number): number {
  let hz = configured;
  while (Math.floor(clients / hz) > MAX_CLIENTS_PER_CLOCK_TICK) {
    hz *= 2;
    if (hz > MAX_HZ) return MAX_HZ;
  }
  return hz;
}

/** What the rate depends on, read at each run. */
export interface CronSettings {
  /** The hz option (1-500). */
  configured(): number;
  /** The dynamic-hz option. */
  dynamic(): boolean;
  /** Connected clients. */
  clients(): number;
}

export class CronTimer {
  /** Runs a second: INFO hz. */
  hz: number;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** When the next run is due (wall clock, ms). */
  private dueAt = 0;
  /** A run is in progress (runIfOverdue from inside it does nothing). */
  private inRun = false;

  constructor(
    private readonly settings: CronSettings,
    private readonly run: () => void,
  ) {
    this.hz = settings.configured();
  }

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Runs now if the next run's time has passed, its period then starting afresh: for a timeout
   * that fires after a busy period (Server.beforeTimeouts), where Node's timers phase would run
   * the due timers in the order of their due times, Redis its cron first.
   */
  runIfOverdue(nowMs: number): void {
    if (this.timer === null || this.inRun || nowMs < this.dueAt) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.tick();
  }

  /** Created once: a closure per run would be garbage. */
  private readonly tick = (): void => {
    const s = this.settings;
    this.hz = s.dynamic() ? dynamicHz(s.configured(), s.clients()) : s.configured();
    this.inRun = true;
    try {
      this.run();
    } finally {
      this.inRun = false;
      if (this.running) this.schedule();
    }
  };

  private schedule(): void {
    const period = Math.floor(1000 / this.hz);
    this.dueAt = wallNow() + period;
    this.timer = setTimeout(this.tick, period);
    this.timer.unref();
  }
}

/**
 * The server's cron timer: the hz and dynamic-hz options, and the clients connected (`clients`, a
 * live collection). CONFIG SET hz shows in INFO at once (Redis's updateHZ); the timer takes it at
 * its next run.
 */
export function serverCronTimer(config: Config, clients: { readonly size: number }, run: () => void): CronTimer {
  const timer = new CronTimer({
    configured: () => Math.max(1, config.int('hz')),
    dynamic: () => config.bool('dynamic-hz'),
    clients: () => clients.size,
  }, run);
  config.onChange('hz', (v) => (timer.hz = Math.max(1, Number(v))));
  return timer;
}
