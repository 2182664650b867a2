// The background jobs of the append-only file, as Redis 7.0's child processes: a rewrite
// (rewrite.ts) or a BGSAVE (bgsave.ts: an fsync), one at a time. One asked for while another runs
// is scheduled, and runScheduled starts the scheduled ones in serverCron's order once none runs.
// AofPersistence (index.ts) owns the file; this owns when its jobs run and what they report.

import type { Server } from '../server/server.js';
import type { SaveInfo } from '../server/persistence-port.js';
import type { AofWriter } from './aof.js';
import type { FileIO } from './fileio.js';
import type { ManifestStore } from './manifest.js';
import { Rewrite, type RewriteResult } from './rewrite.js';
import { InitialRewrite } from './initial-rewrite.js';
import { AutoRewrite } from './auto-rewrite.js';
import { BgSave } from './bgsave.js';
import { BGSAVE_BEHIND_CHILD, BGSAVE_RUNNING, errorText, REWRITE_RUNNING, REWRITE_START_FAILED } from '../errors.js';
import { setImmediate, wallNow } from '../timers.js';
import { recordJobStart, usecNow } from '../server/stats.js';

export const REWRITE_STARTED = 'Background append only file rewriting started';
export const REWRITE_SCHEDULED = 'Background append only file rewriting scheduled';

/** The rewrite's figures in INFO persistence (the aof_* fields in index.ts). */
export interface RewriteInfo {
  inProgress: boolean;
  scheduled: boolean;
  currentSeconds: number;
  failures: number;
}

/** What the start of any rewrite records: as Redis at its fork, counted in INFO aof_rewrites whatever its end. */
export function recordRewriteStart(server: Server): void {
  server.stats.aofRewrites++;
  server.log.notice(REWRITE_STARTED);
}

/**
 * What the end of any rewrite records, as Redis's backgroundRewriteDoneHandler: INFO's status and
 * time, the failures in a row (which back automatic rewrites off), the log line (`figures` after
 * its seconds). An aborted rewrite that did not succeed is neither a success nor a failure (Redis's
 * killAppendOnlyChild): only logged, and the result is false.
 */
export function recordRewriteEnd(server: Server, r: RewriteResult, aborted: boolean, figures: string): boolean {
  if (aborted && !r.ok) {
    server.log.notice(`Background AOF rewrite aborted (${r.seconds.toFixed(3)} seconds)`);
    return false;
  }
  server.aofLastRewriteSeconds = Math.round(r.seconds);
  server.aofLastRewriteOk = r.ok;
  if (r.ok) {
    server.stats.aofrwConsecutiveFailures = 0;
    server.log.notice(`Background AOF rewrite finished successfully (${r.seconds.toFixed(3)} seconds, ${figures})`);
  } else {
    server.stats.aofrwConsecutiveFailures++;
    server.log.warning(`Background AOF rewrite failed: ${r.error}`);
  }
  return true;
}

export class Jobs {
  private rewriteJob: Rewrite | null = null;
  /**
   * A job whose run() has not settled, aborted ones included: a new rewrite waits for it (it may
   * still be saving a manifest or deleting files), as Redis schedules a rewrite behind a child.
   */
  private unsettled: Rewrite | null = null;
  private rewriteScheduled = false;
  private rewriteDone: Promise<boolean> = Promise.resolve(true);
  private readonly auto: AutoRewrite;
  private readonly saver: BgSave;
  /** Shutting down, or closed: nothing new starts. */
  private stopped = false;
  /**
   * The file is on but its first base is not written yet (Redis's AOF_WAIT_REWRITE, startFile):
   * every rewrite until one succeeds is an InitialRewrite, and one that fails or is aborted is
   * scheduled again, as Redis's backgroundRewriteDoneHandler does in that state.
   */
  starting = false;

  constructor(
    private readonly server: Server,
    private readonly writer: AofWriter,
    private readonly io: FileIO,
    private readonly dir: string,
    private readonly manifests: ManifestStore,
  ) {
    this.auto = new AutoRewrite(server.config, server.log, () => server.stats);
    this.saver = new BgSave(server, writer);
  }

  /** No job runs (Redis: !hasActiveChildProcess()): no rewrite, aborted one still settling, or BGSAVE. */
  private get idle(): boolean {
    return this.unsettled === null && !this.saver.running;
  }

  /**
   * What Redis 7.0's serverCron starts while no child runs, in its order: a scheduled rewrite
   * (unless failures back off, aofRewriteLimited; one whose start fails stays scheduled and is
   * tried again), a BGSAVE for a save point reached, an automatic rewrite on growth, then a scheduled BGSAVE (only
   * CONFIG_BGSAVE_RETRY_DELAY after a failed one; it stays scheduled until one starts). Each
   * started job makes the later ones wait for its end. The cron calls it, and so does runSoon.
   */
  runScheduled(now: number): void {
    if (this.stopped) return;
    if (this.idle && this.rewriteScheduled && !this.auto.limited(now)) this.startRewrite();
    if (this.idle && !this.starting && this.saver.savePointDue(now)) this.saver.start(() => this.runSoon());
    if (this.idle && !this.starting && this.auto.due(this.writer.size, this.writer.baseSize, now)) this.startRewrite();
    if (this.idle && this.saver.scheduled && this.saver.mayRetry(now) && this.saver.start(() => this.runSoon()) === null) {
      this.saver.scheduled = false;
    }
  }

  /**
   * runScheduled in a later turn: after the EXEC that scheduled a job (its effects stay one block
   * in one file), or a job's end, so that what waited starts without waiting for the cron's tick.
   */
  private runSoon(): void {
    setImmediate(() => this.runScheduled(wallNow()));
  }

  /**
   * BGREWRITEAOF, SIGHUP, SIGUSR1. `inExec`: run by EXEC, where Redis 7.0 (server.in_exec) only
   * schedules it, so that the transaction's effects stay one block in one file.
   */
  rewrite(inExec: boolean): { ok: boolean; message: string } {
    if (this.rewriteJob !== null) return { ok: false, message: REWRITE_RUNNING };
    // As Redis's bgrewriteaofCommand behind another child (an aborted rewrite still finishing, a
    // BGSAVE's fsync): scheduled (again, if already so).
    if (!this.idle || inExec) {
      // In EXEC: started once the transaction has ended (Redis: by the next cron).
      this.rewriteScheduled = true;
      if (inExec) this.runSoon();
      // As Redis 7.0's bgrewriteaofCommand: asked for by hand, the failures no longer hold it back
      // (aofRewriteLimited), so it runs at the next cron (seen on redis-server 7.0.15).
      this.auto.failures = 0;
      return { ok: true, message: REWRITE_SCHEDULED };
    }
    if (!this.startRewrite()) return { ok: false, message: REWRITE_START_FAILED };
    return { ok: true, message: REWRITE_STARTED };
  }

  /**
   * CONFIG SET appendonly yes: the first base written in the background, the writes from now on
   * going to a temp incr file (initial-rewrite.ts). False when it could not start (logged), as
   * Redis's startAppendOnly when rewriteAppendOnlyFileBackground fails.
   */
  startFile(): boolean {
    this.starting = true;
    return this.startRewrite();
  }

  /**
   * The same, run by EXEC: as Redis's startAppendOnly under server.in_exec, the rewrite is only
   * scheduled (started in a later turn, or by a BGREWRITEAOF right after the EXEC).
   */
  scheduleStart(): void {
    this.starting = true;
    this.rewriteScheduled = true;
    this.runSoon();
  }

  /** A synchronous rewrite (DEBUG RELOAD, SAVE) wrote the dataset: the file has started. */
  started(): void {
    if (this.starting) this.rewriteScheduled = false;
    this.starting = false;
  }

  /** False when the rewrite could not start (its incr file could not be created: logged). */
  private startRewrite(): boolean {
    const t0 = usecNow();
    const job = new (this.starting ? InitialRewrite : Rewrite)(this.server.keyspace, this.writer, this.io, this.dir, this.manifests, () => this.server.flushNow());
    try {
      job.open();
    } catch (e) {
      // As Redis 7.0's rewriteAppendOnlyFileBackground when openNewIncrAofForAppend fails (before
      // its fork): logged, status err, and counted neither in aof_rewrites nor as a consecutive
      // failure (only backgroundRewriteDoneHandler counts those), so it never starts the back-off:
      // a scheduled or automatic rewrite is tried again at every cron, as Redis's.
      this.server.log.warning(errorText(e));
      this.server.aofLastRewriteOk = false;
      return false;
    }
    this.rewriteJob = job;
    this.unsettled = job;
    // As Redis's rewriteAppendOnlyFileBackground (aof_rewrite_scheduled = 0 at fork): whatever
    // started it (BGREWRITEAOF, the cron, a signal), a scheduled rewrite is this one.
    this.rewriteScheduled = false;
    recordRewriteStart(this.server);
    this.rewriteDone = job.run().then((r) => this.rewriteEnded(job, r));
    recordJobStart(this.server.stats, t0);
    return true;
  }

  /** A rewrite's run() has settled: INFO's figures and the log, then what waited for it. */
  private rewriteEnded(job: Rewrite, r: RewriteResult): boolean {
    const steps = job.trace.summary();
    // Aborted (DEBUG LOADAOF/RELOAD, CONFIG SET appendonly no, shutdown): as Redis's
    // killAppendOnlyChild, neither a success nor a failure: INFO's status, time and failure
    // count stay as the last rewrite that ended left them.
    const aborted = this.rewriteJob !== job;
    if (!aborted) this.rewriteJob = null;
    this.unsettled = null;
    // What waited starts in the next turn; after a failure, at the next cron, as Redis's serverCron
    // (1000/hz ms): a failed first base retried at once failed three times in a few ms, reaching
    // the back-off (aofRewriteLimited) before the disk had any time to recover.
    if (r.ok || aborted) this.runSoon();
    if (!recordRewriteEnd(this.server, r, aborted, `${this.writer.size} bytes, ${steps}`)) return false;
    if (r.ok) {
      // The file has started (even if aborted after its manifest was in place): nothing to retry.
      if (this.starting) this.rewriteScheduled = false;
      this.starting = false;
    } else if (this.starting) {
      this.rewriteScheduled = true;
    }
    return r.ok;
  }

  /**
   * Stops a running rewrite at once (its temp file is removed when it notices). Resolves when the
   * last rewrite's run() has settled.
   */
  abortRewrite(): Promise<boolean> {
    const job = this.rewriteJob;
    if (job !== null) {
      this.rewriteJob = null;
      job.abort();
      // Still to write the first base: tried again (the cron, once the aborted one has settled).
      if (this.starting) this.rewriteScheduled = true;
    }
    return this.rewriteDone;
  }

  /** Resolves when the running rewrite (if any) ends; true if it succeeded or none ran. */
  waitRewrite(): Promise<boolean> {
    return this.rewriteJob === null ? Promise.resolve(true) : this.rewriteDone;
  }

  get rewriting(): boolean {
    return this.rewriteJob !== null;
  }

  /** Whether a BGSAVE runs (SAVE is refused meanwhile, as Redis's behind its BGSAVE child). */
  get saving(): boolean {
    return this.saver.running;
  }

  /**
   * BGSAVE (bgsave.ts): null (started), 'scheduled', or an error text, as Redis 7.0's bgsaveCommand.
   * Run by EXEC (`inExec`) it is scheduled (server.in_exec): writing the file in the middle of a
   * transaction would split its MULTI ... EXEC block.
   */
  bgsave(inExec: boolean, schedule: boolean): string | null {
    if (this.saver.running) return BGSAVE_RUNNING;
    // A rewrite (or an aborted one still finishing) stands for Redis's other child process:
    // refused, or with SCHEDULE done when it has ended.
    if (this.unsettled !== null || inExec) {
      if (!schedule && !inExec) return BGSAVE_BEHIND_CHILD;
      this.saver.scheduled = true;
      if (this.unsettled === null) this.runSoon();
      return 'scheduled';
    }
    return this.saver.start(() => this.runSoon());
  }

  /** FLUSHALL: the running BGSAVE's outcome is dropped (BgSave.kill). */
  killSave(): void {
    this.saver.kill();
  }

  /** SAVE (or DEBUG RELOAD's rewrite) succeeded: rdb_last_bgsave_status is ok again (BgSave.saved). */
  saved(): void {
    this.saver.saved();
  }

  /** The BGSAVE's figures; while a rewrite runs, its keys, as Redis's current_save_* of any child. */
  saveInfo(): SaveInfo {
    const info = this.saver.info();
    const job = this.rewriteJob;
    return job === null ? info : { ...info, keysTotal: job.keysTotal, keysProcessed: job.keysProcessed };
  }

  rewriteInfo(): RewriteInfo {
    const job = this.rewriteJob;
    return {
      inProgress: job !== null,
      scheduled: this.rewriteScheduled,
      currentSeconds: job ? Math.floor((wallNow() - job.startedAt) / 1000) : -1,
      failures: this.auto.failures,
    };
  }

  /** Shutting down: nothing scheduled or automatic starts any more (Redis exits inside SHUTDOWN). */
  stop(): void {
    this.stopped = true;
  }
}
