// The append-only file between a CONFIG SET appendonly yes run by EXEC and the end of that EXEC,
// when it starts (server/service.ts): Redis 7.0's AOF_WAIT_REWRITE, its rewrite scheduled
// (startAppendOnly under server.in_exec). What the transaction's later commands do with it, as
// Redis does them in that state: BGREWRITEAOF and BGSAVE are scheduled (the BGSAVE runs once the
// rewrite that starts the file has ended, as serverCron starts Redis's once that child has), and DEBUG
// LOADAOF reloads the files the manifest names: Redis's server.aof_manifest is still the one of
// the files it last wrote, which stay as they were when the file was turned off.

import { AofOff } from './aof-off.js';
import { REWRITE_SCHEDULED } from './jobs.js';

/** What differs from the file turned off (aof-off.ts): SAVE, DEBUG LOADAOF and RELOAD are its. */
export class PendingAofStart extends AofOff {
  /** A BGSAVE run by the transaction: started once the file has (Redis's rdb_bgsave_scheduled). */
  bgsaveScheduled = false;

  /**
   * As Redis's bgrewriteaofCommand under server.in_exec (the rewrite that starts the file is
   * scheduled already), which also clears the failures that would hold it back.
   */
  override rewrite(): { ok: boolean; message: string } {
    this.server.stats.aofrwConsecutiveFailures = 0;
    return { ok: true, message: REWRITE_SCHEDULED };
  }

  /** As Redis's bgsaveCommand under server.in_exec: scheduled. */
  override bgsave(): string | null {
    this.bgsaveScheduled = true;
    return 'scheduled';
  }
}
