// The append-only file between a CONFIG SET appendonly yes run by EXEC and the end of that EXEC,
// when it starts (server/service.ts): Redis 7.0's AOF_WAIT_REWRITE, its rewrite scheduled
// (startAppendOnly under server.in_exec). What the transaction's later commands do with it, as
// Redis does them in that state: BGREWRITEAOF and BGSAVE are scheduled (the BGSAVE runs once the
// file has started, as serverCron starts Redis's once the rewrite's child has ended), and DEBUG
// LOADAOF reloads the files the manifest names: Redis's server.aof_manifest is still the one of
// the files it last wrote, which stay as they were when the file was turned off.

import type { Server } from '../server/server.js';
import type { PersistenceApi } from '../commands/context.js';
import { reloadFromManifest } from './load-into.js';
import { REWRITE_SCHEDULED } from './jobs.js';
import { NO_RDB_SAVE } from '../errors.js';

export class PendingAofStart implements PersistenceApi {
  /** A BGSAVE run by the transaction: started once the file has (Redis's rdb_bgsave_scheduled). */
  bgsaveScheduled = false;

  constructor(private readonly server: Server) {}

  /**
   * As Redis's bgrewriteaofCommand under server.in_exec (the rewrite that starts the file is
   * scheduled already), which also clears the failures that would hold it back.
   */
  rewrite(): { ok: boolean; message: string } {
    this.server.stats.aofrwConsecutiveFailures = 0;
    return { ok: true, message: REWRITE_SCHEDULED };
  }

  /** Never reached: SAVE is refused in MULTI, and this lasts only while EXEC runs. */
  save(): string | null {
    return NO_RDB_SAVE;
  }

  /** As Redis's bgsaveCommand under server.in_exec: scheduled. */
  bgsave(): string | null {
    this.bgsaveScheduled = true;
    return 'scheduled';
  }

  /** As Redis 7.0's DEBUG LOADAOF in AOF_WAIT_REWRITE: nothing to write first (load-into.ts). */
  loadAof(): string | null {
    return reloadFromManifest(this.server);
  }

  /** As DEBUG RELOAD without a file (debug.ts): what it would load back is what is in memory. */
  reload(): string | null {
    return null;
  }
}
