// BGSAVE without RDB and without fork: the append-only file is the saved dataset, so a BGSAVE
// writes this turn's pending bytes and fsyncs the file on the thread pool. That fsync is the job
// "in progress" (Redis: its BGSAVE child), which INFO persistence reports as Redis reports a child
// (rdb_bgsave_in_progress, current_save_keys_total ...), and which the other jobs wait for
// (jobs.ts), as Redis's wait for a child. Its outcome is recorded in the server's bgsaveRecord,
// which outlives this object (CONFIG SET appendonly no, then yes, makes a new one), as Redis's.

import type { Server } from '../server/server.js';
import type { SaveInfo } from '../server/persistence-port.js';
import type { AofWriter } from './aof.js';
import { errorCode } from './fileio.js';
import { strerror } from '../errors.js';
import { wallNow } from '../timers.js';
import { recordJobStart, usecNow } from '../server/stats.js';

/** Redis's CONFIG_BGSAVE_RETRY_DELAY: a scheduled BGSAVE waits this long after a failed one, in s. */
export const BGSAVE_RETRY_DELAY = 5;

export class BgSave {
  running = false;
  /** BGSAVE SCHEDULE behind a rewrite, or BGSAVE run by EXEC (Redis's rdb_bgsave_scheduled). */
  scheduled = false;
  private startedAt = 0;
  private keysTotal = 0;
  /** The running one was killed (FLUSHALL): its end records nothing but its time. */
  private killed = false;
  private killedAt = 0;

  constructor(
    private readonly server: Server,
    private readonly writer: AofWriter,
  ) {}

  /**
   * Starts one: null, or an error text when this turn's bytes could not be written (nothing runs
   * then; a failure, as Redis's failed fork). `ended` runs once the fsync has ended.
   */
  start(ended: () => void): string | null {
    const t0 = usecNow();
    const now = wallNow();
    // As Redis's rdbSaveBackground: counted (INFO rdb_saves) and tried before its fork, whatever follows.
    this.server.stats.rdbSaves++;
    const record = this.server.bgsaveRecord;
    record.lastTry = Math.floor(now / 1000);
    if (!this.writer.flush()) {
      record.lastOk = false;
      // Redis 7.0's rdbSaveBackground logs its failed fork with this line (a warning), whether
      // BGSAVE or serverCron's scheduled BGSAVE called it: ours is the same failure to start, so
      // it says the same, with the reason the write failed.
      this.server.log.warning(`Can't save in background: fork: ${this.writer.lastWriteError}`);
      return `ERR ${this.writer.lastWriteError}`;
    }
    this.running = true;
    this.startedAt = now;
    // Redis logs "Background saving started by pid <child>": there is no child here.
    this.server.log.notice('Background saving started (append only file fsync)');
    const dirtyBefore = this.server.dirty; // Redis's dirty_before_bgsave
    this.keysTotal = this.server.keyspace.keyCount;
    this.writer.fsyncForSave((err) => {
      this.running = false;
      this.keysTotal = 0;
      // As Redis's rdb_save_time_last: whole seconds of the clock, not of the duration.
      // Killed, it ended at the kill for Redis (its child reaped by the next cron), not at our fsync's end.
      record.lastSeconds = Math.floor((this.killed ? this.killedAt : wallNow()) / 1000) - Math.floor(this.startedAt / 1000);
      if (this.killed) {
        this.killed = false;
        // As Redis's backgroundSaveDoneHandler for a child killed with SIGUSR1 (killRDBChild):
        // neither a success (LASTSAVE, the changes) nor a failure (the status, -MISCONF).
        this.server.log.warning('Background saving terminated by signal 10');
        ended();
        return;
      }
      record.lastOk = err === null;
      if (err) this.server.log.warning(`Background saving error: ${strerror(errorCode(err))}`);
      else {
        this.server.lastSave = Math.floor(wallNow() / 1000);
        this.server.dirty = Math.max(0, this.server.dirty - dirtyBefore);
        this.server.log.notice('Background saving terminated with success (append only file fsynced)');
      }
      ended();
    });
    recordJobStart(this.server.stats, t0);
    return null;
  }

  /**
   * FLUSHALL: the running BGSAVE (if any) is killed, as Redis's flushAllDataAndResetRDB kills its
   * BGSAVE child, whose dump would hold the data just flushed. The fsync goes on (it cannot be
   * stopped; INFO says in progress until it ends, as Redis until its child is reaped), and its
   * outcome is dropped; its time (rdb_last_bgsave_time_sec) is counted to the kill.
   */
  kill(): void {
    if (!this.running || this.killed) return;
    this.killed = true;
    this.killedAt = wallNow();
  }

  /**
   * A save made in the foreground succeeded (SAVE, DEBUG RELOAD's rewrite): as Redis 7.0's rdbSave
   * (lastbgsave_status = C_OK), INFO says ok again and a scheduled BGSAVE no longer waits.
   */
  saved(): void {
    this.server.bgsaveRecord.lastOk = true;
  }

  /**
   * Whether a scheduled BGSAVE may start now: as Redis's serverCron, at once after a success, and
   * CONFIG_BGSAVE_RETRY_DELAY seconds after the start of a failed one.
   */
  mayRetry(now: number): boolean {
    const record = this.server.bgsaveRecord;
    return record.lastOk || Math.floor(now / 1000) - record.lastTry > BGSAVE_RETRY_DELAY;
  }

  /**
   * Redis's serverCron with save points (`save seconds changes ...`): the first point whose changes
   * and seconds have both passed since the last save starts a BGSAVE (here an fsync of the file),
   * at once after a success and CONFIG_BGSAVE_RETRY_DELAY seconds after a failed one's start, so
   * LASTSAVE moves as Redis's and a failure that stops writes (stop-writes-on-bgsave-error) is
   * retried until it clears. Logs Redis's line for it.
   */
  savePointDue(now: number): boolean {
    const points = this.server.config.get('save');
    if (points === '' || !this.mayRetry(now)) return false;
    const words = points.split(' ');
    const elapsed = Math.floor(now / 1000) - this.server.lastSave;
    for (let i = 0; i < words.length; i += 2) {
      // `changes` may be negative (a C int that wrapped, as Redis keeps it): always reached.
      const seconds = Number(words[i]);
      const changes = Number(words[i + 1]);
      if (this.server.dirty >= changes && elapsed > seconds) {
        this.server.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        return true;
      }
    }
    return false;
  }

  info(): SaveInfo {
    return {
      inProgress: this.running,
      keysTotal: this.keysTotal,
      // No key-by-key phase (an fsync): 0, as Redis's child right after its fork.
      keysProcessed: 0,
      currentSeconds: this.running ? Math.floor(wallNow() / 1000) - Math.floor(this.startedAt / 1000) : -1,
      lastSeconds: this.server.bgsaveRecord.lastSeconds,
      lastOk: this.server.bgsaveRecord.lastOk,
    };
  }
}
