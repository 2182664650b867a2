// When the server cron starts a rewrite by itself, as Redis 7.0's serverCron: the file has grown by
// auto-aof-rewrite-percentage over its base and is past auto-aof-rewrite-min-size, unless rewrites
// have failed repeatedly (aofRewriteLimited: then automatic ones wait 1, 2, 4 ... 60 minutes).

import type { Config } from '../config.js';
import type { ServerStats } from '../commands/context.js';
import type { AofLog } from './aof.js';

/** After this many failures in a row, automatic rewrites back off. */
const LIMIT_THRESHOLD = 3;
const LIMIT_MAX_MINUTES = 60;

/** Redis's growth figure: an empty base counts as 1 byte, integer division. */
function growthPercent(size: number, baseSize: number): number {
  const base = baseSize === 0 ? 1 : baseSize;
  return Math.floor((size * 100) / base) - 100;
}

export class AutoRewrite {
  private limitDelayMinutes = 0;
  private limitUntil = 0;

  constructor(
    private readonly config: Config,
    private readonly log: AofLog,
    /** The server's statistics (CONFIG RESETSTAT replaces the object: read each time). */
    private readonly stats: () => ServerStats,
  ) {}

  /** Rewrites that failed in a row: the server's figure (ServerStats.aofrwConsecutiveFailures). */
  get failures(): number {
    return this.stats().aofrwConsecutiveFailures;
  }

  set failures(n: number) {
    this.stats().aofrwConsecutiveFailures = n;
  }

  /**
   * Whether a rewrite should start now for a file of `size` bytes whose base is `baseSize`; logs
   * Redis's line when it should.
   */
  due(size: number, baseSize: number, now: number): boolean {
    const perc = this.config.int('auto-aof-rewrite-percentage');
    if (perc === 0 || size <= this.config.int('auto-aof-rewrite-min-size')) return false;
    const growth = growthPercent(size, baseSize);
    if (growth < perc || this.limited(now)) return false;
    this.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
    return true;
  }

  /** After repeated failures, automatic and scheduled rewrites wait 1, 2, 4 ... 60 minutes (as Redis's aofRewriteLimited). */
  limited(now: number): boolean {
    if (this.failures < LIMIT_THRESHOLD) {
      this.limitDelayMinutes = 0;
      this.limitUntil = 0;
      return false;
    }
    if (this.limitUntil !== 0) {
      if (now < this.limitUntil) return true;
      this.limitUntil = 0;
      return false;
    }
    this.limitDelayMinutes = Math.min(LIMIT_MAX_MINUTES, this.limitDelayMinutes === 0 ? 1 : this.limitDelayMinutes * 2);
    this.limitUntil = now + this.limitDelayMinutes * 60_000;
    this.log.warning(`Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.limitDelayMinutes} minutes`);
    return true;
  }
}
