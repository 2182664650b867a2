// The append-only file while `appendonly` is no, as Redis 7.0 treats it: its files stay as they
// were, named by their manifest, and two commands still use them. BGREWRITEAOF writes the dataset
// in memory as the next base file, alone in the manifest (Redis's rewrite runs whatever aof_state
// says, its incr files becoming history), in the background (off-rewrite.ts), as Redis's child:
// INFO shows it, a second one is refused, CONFIG SET appendonly yes and a shutdown stop it. DEBUG
// LOADAOF loads the files the manifest names. SAVE and BGSAVE, which Redis answers with an RDB
// file, are refused (no RDB here), and DEBUG RELOAD has nothing to do (what it would load back is
// what is in memory).

import type { Server } from '../server/server.js';
import type { PersistenceApi } from '../commands/context.js';
import type { SaveInfo } from '../server/persistence-port.js';
import { AofPersistence } from './index.js';
import { realFileIO, type FileIO } from './fileio.js';
import { reloadFromManifest } from './load-into.js';
import { recordRewriteEnd, recordRewriteStart, REWRITE_SCHEDULED, REWRITE_STARTED } from './jobs.js';
import { NoWriter, OffRewrite } from './off-rewrite.js';
import type { RewriteResult } from './rewrite.js';
import { errorText, NO_RDB_SAVE, REWRITE_RUNNING, REWRITE_START_FAILED } from '../errors.js';
import { wallNow } from '../timers.js';
import { recordJobStart, usecNow } from '../server/stats.js';

export class AofOff implements PersistenceApi {
  /**
   * The last incr file number the file has used since start: Redis keeps its manifest in memory,
   * so numbering goes on across appendonly no / yes, whatever the manifest on disk still lists
   * (AofPersistence.manifestOf, close).
   */
  incrSeqFloor = 0;
  /** A BGREWRITEAOF run by the current EXEC (Redis's aof_rewrite_scheduled: one, however many). */
  private scheduled = false;
  /** The running BGREWRITEAOF (Redis's rewrite child while its AOF is off), and its end. */
  private job: OffRewrite | null = null;
  private settled: Promise<void> = Promise.resolve();
  /** The closes of persistences CONFIG SET appendonly no turned off, still finishing (retire). */
  private closing: Promise<void> = Promise.resolve();

  constructor(
    protected readonly server: Server,
    private readonly io: FileIO = realFileIO,
    /** Takes the data directory's PID file first (the library's, as for CONFIG SET appendonly yes). */
    private readonly claimDir?: () => void,
  ) {}

  /** As Redis's bgrewriteaofCommand: refused while one runs; run by EXEC (server.in_exec), scheduled for its end. */
  rewrite(inExec = false): { ok: boolean; message: string } {
    if (this.job !== null) return { ok: false, message: REWRITE_RUNNING };
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

  /** Whether a BGREWRITEAOF runs (INFO aof_rewrite_in_progress; SHUTDOWN stops it). */
  get rewriting(): boolean {
    return this.job !== null;
  }

  /** Its seconds so far, or -1 (INFO aof_current_rewrite_time_sec). */
  get currentSeconds(): number {
    return this.job === null ? -1 : Math.floor((wallNow() - this.job.startedAt) / 1000);
  }

  /** Its keys, as Redis's current_save_* of any child; null when none runs. */
  saveKeys(): Pick<SaveInfo, 'keysTotal' | 'keysProcessed'> | null {
    return this.job === null ? null : { keysTotal: this.job.keysTotal, keysProcessed: this.job.keysProcessed };
  }

  /**
   * Stops the running BGREWRITEAOF, as Redis's killAppendOnlyChild (CONFIG SET appendonly yes, a
   * shutdown): neither a success nor a failure. Resolves when it has settled (its temp file removed).
   */
  abort(): Promise<void> {
    const job = this.job;
    if (job !== null) {
      this.job = null;
      job.abort(); // its temp file deleted at once (Rewrite.abort)
    }
    return this.settled;
  }

  /**
   * CONFIG SET appendonly no: the close of the file it turned off runs on (its aborted rewrite
   * settling, its pending bytes written and fsynced). The server's close waits for it (drained):
   * the library's close() gives the directory back, and a server started on it must not find that
   * close still writing, fsyncing and deleting there.
   */
  retire(closing: Promise<void>): void {
    this.closing = Promise.all([this.closing, closing]).then(() => undefined);
  }

  /** Resolves once every retired file is closed. */
  drained(): Promise<void> {
    return this.closing;
  }

  /** Starts the base file written from memory; false (logged, status err) when it could not start. */
  private run(): boolean {
    if (this.server.persistence !== null || this.job !== null) return true;
    const t0 = usecNow();
    let job: OffRewrite;
    try {
      this.claimDir?.();
      const { loc, store } = AofPersistence.manifestOf(this.server, this.io);
      job = new OffRewrite(this.server.keyspace, new NoWriter(this.server), this.io, loc.dir, store, () => this.server.flushNow());
      job.open();
    } catch (e) {
      this.server.log.warning(`Background append only file rewriting failed: ${errorText(e)}`);
      this.server.aofLastRewriteOk = false;
      return false;
    }
    this.job = job;
    recordRewriteStart(this.server);
    this.settled = job.run().then((r) => this.ended(job, r));
    recordJobStart(this.server.stats, t0);
    return true;
  }

  /** As Redis's backgroundRewriteDoneHandler (AOF off): INFO's figures and the log. */
  private ended(job: OffRewrite, r: RewriteResult): void {
    const aborted = this.job !== job;
    if (!aborted) this.job = null;
    this.incrSeqFloor = Math.max(this.incrSeqFloor, job.lastIncrSeq);
    recordRewriteEnd(this.server, r, aborted, `the append only file staying off, ${job.trace.summary()}`);
  }

  save(): string | null {
    return NO_RDB_SAVE;
  }

  bgsave(): string | null {
    return NO_RDB_SAVE;
  }

  /** No BGSAVE runs with the file off: nothing to kill. */
  killSave(): void {}

  loadAof(): string | null {
    return reloadFromManifest(this.server);
  }

  reload(): string | null {
    return null;
  }
}
