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
import { errorText, NO_RDB_SAVE, REWRITE_START_FAILED } from '../errors.js';

export class AofOff implements PersistenceApi {
  /**
   * The last incr file number the file has used since start: Redis keeps its manifest in memory,
   * so numbering goes on across appendonly no / yes, whatever the manifest on disk still lists
   * (AofPersistence.fromMemory, close).
   */
  incrSeqFloor = 0;
  /** A BGREWRITEAOF run by the current EXEC (Redis's aof_rewrite_scheduled: one, however many). */
  private scheduled = false;

  constructor(
    protected readonly server: Server,
    private readonly io: FileIO = realFileIO,
    /** Takes the data directory's PID file first (the library's, as for CONFIG SET appendonly yes). */
    private readonly claimDir?: () => void,
  ) {}

  /** As Redis's bgrewriteaofCommand: run by EXEC (server.in_exec), scheduled for its end. */
  rewrite(inExec = false): { ok: boolean; message: string } {
    if (inExec) {
      if (!this.scheduled) {
        this.scheduled = true;
        this.server.exec.after(() => this.runScheduled());
      }
      return { ok: true, message: REWRITE_SCHEDULED };
    }
    return this.run() ? { ok: true, message: REWRITE_STARTED } : { ok: false, message: REWRITE_START_FAILED };
  }

  /**
   * At the end of the EXEC that scheduled it. Not when a CONFIG SET appendonly yes later in it is
   * to start the file from memory (its callback runs after this one): one rewrite, as Redis's.
   */
  private runScheduled(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    if (this.server.aofStart === null) this.run();
  }

  /** CONFIG SET appendonly no with the file on or pending: Redis's stopAppendOnly clears aof_rewrite_scheduled. */
  cancel(): void {
    this.scheduled = false;
  }

  /** The base file written from memory; false (logged, status err) when it could not be. */
  private run(): boolean {
    if (this.server.persistence !== null) return true;
    try {
      this.claimDir?.();
      AofPersistence.snapshot(this.server, this.io);
      return true;
    } catch (e) {
      this.server.log.warning(`Background append only file rewriting failed: ${errorText(e)}`);
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
