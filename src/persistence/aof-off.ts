// The append-only file while `appendonly` is no, as Redis 7.0 treats it: its files stay as they
// were, named by their manifest, and two commands still use them. BGREWRITEAOF writes the dataset
// in memory as the next base file, alone in the manifest (Redis's rewrite runs whatever aof_state
// says, its incr files becoming history); DEBUG LOADAOF loads the files the manifest names. SAVE and
// BGSAVE, which Redis answers with an RDB file, are refused (no RDB here), and DEBUG RELOAD has
// nothing to do (what it would load back is what is in memory).

import type { Server } from '../server/server.js';
import type { PersistenceApi } from '../commands/context.js';
import { AofPersistence } from './index.js';
import { realFileIO, type FileIO } from './fileio.js';
import { reloadFromManifest } from './load-into.js';
import { REWRITE_SCHEDULED, REWRITE_STARTED } from './jobs.js';
import { NO_RDB_SAVE, REWRITE_START_FAILED } from '../errors.js';

export class AofOff implements PersistenceApi {
  constructor(
    private readonly server: Server,
    private readonly io: FileIO = realFileIO,
    /** Takes the data directory's PID file first (the library's, as for CONFIG SET appendonly yes). */
    private readonly claimDir?: () => void,
  ) {}

  /** As Redis's bgrewriteaofCommand: run by EXEC (server.in_exec), scheduled for its end. */
  rewrite(inExec = false): { ok: boolean; message: string } {
    if (inExec) {
      this.server.exec.after(() => void this.run());
      return { ok: true, message: REWRITE_SCHEDULED };
    }
    return this.run() ? { ok: true, message: REWRITE_STARTED } : { ok: false, message: REWRITE_START_FAILED };
  }

  /** The base file written from memory; false (logged, status err) when it could not be. */
  private run(): boolean {
    // A CONFIG SET appendonly yes later in the same EXEC started the file from memory already.
    if (this.server.persistence !== null) return true;
    try {
      this.claimDir?.();
      AofPersistence.snapshot(this.server, this.io);
      return true;
    } catch (e) {
      this.server.log.warning(`Background append only file rewriting failed: ${e instanceof Error ? e.message : String(e)}`);
      this.server.aofLastRewriteOk = false;
      return false;
    }
  }

  save(): string | null {
    return NO_RDB_SAVE;
  }

  bgsave(): string | null {
    return NO_RDB_SAVE;
  }

  loadAof(): string | null {
    return reloadFromManifest(this.server);
  }

  reload(): string | null {
    return null;
  }
}
