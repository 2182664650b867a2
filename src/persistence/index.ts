// Persistence as the server sees it: load the append-only files at start (Redis 7's multi-part
// layout, layout.ts), append every effect, flush once per event-loop turn, fsync by policy,
// rewrite on demand / on signal / on growth, and report all of it in INFO persistence (info.ts).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ReplyBuffer } from '../protocol/encoder.js';
import type { Server } from '../server/server.js';
import type { Persistence } from '../server/persistence-port.js';
import { AofWriter, type FsyncPolicy } from './aof.js';
import { errorCode, realFileIO, type FileIO } from './fileio.js';
import { fsPath } from '../config-values.js';
import { loadInto, loadSync } from './load-into.js';
import {
  aofDirOf, makeAofDir, openForAppend, prepareLayout, refuseUnlisted, removeStaleTempFiles, rewriteSync, setAsideOldFile,
  type AofLocation, type OpenIncr,
} from './layout.js';
import { Manifest, ManifestStore } from './manifest.js';
import { Rewrite } from './rewrite.js';
import { AutoRewrite } from './auto-rewrite.js';
import { dumpKeyspace } from './keydump.js';
import { REWRITE_START_FAILED, strerror } from '../errors.js';
import { setImmediate } from '../timers.js';

export { AofFormatError } from './loader.js';
export type { FileIO } from './fileio.js';

const REWRITE_RUNNING = 'ERR Background append only file rewriting already in progress';
const REWRITE_STARTED = 'Background append only file rewriting started';
const REWRITE_SCHEDULED = 'Background append only file rewriting scheduled';
const BGSAVE_BEHIND_CHILD =
  "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";

export class AofPersistence implements Persistence {
  private rewriteJob: Rewrite | null = null;
  /**
   * A job whose run() has not settled, aborted ones included: a new rewrite waits for it (it may
   * still be saving a manifest or deleting files), as Redis schedules a rewrite behind a child.
   */
  private unsettled: Rewrite | null = null;
  private rewriteScheduled = false;
  private rewriteDone: Promise<boolean> = Promise.resolve(true);
  private readonly auto: AutoRewrite;
  private bgsaveRunning = false;
  /** BGSAVE SCHEDULE behind a rewrite, or BGSAVE run by EXEC (Redis's rdb_bgsave_scheduled). */
  private bgsaveScheduled = false;
  private closed = false;
  /** Shutting down (stopStarting), or closed: nothing new starts. */
  private ending = false;
  private readonly unlisten: (() => void)[];

  private constructor(
    private readonly server: Server,
    readonly writer: AofWriter,
    private readonly io: FileIO,
    private readonly loc: AofLocation,
    private readonly manifests: ManifestStore,
  ) {
    writer.timestamps = server.config.bool('aof-timestamp-enabled');
    this.auto = new AutoRewrite(server.config, server.log);
    // Dropped at close: CONFIG SET appendonly no/yes makes a new persistence each time.
    this.unlisten = [
      server.config.onChange('appendfsync', (v) => (this.writer.policy = v as FsyncPolicy)),
      server.config.onChange('aof-timestamp-enabled', (v) => (this.writer.timestamps = v === 'yes')),
    ];
    writer.latency = server.latency;
  }

  /**
   * Loads the dataset from `dir` into the server (answering -LOADING meanwhile), then opens the
   * current incr file for appending.
   */
  static async open(server: Server, io: FileIO = realFileIO): Promise<AofPersistence> {
    const loc = location(server);
    removeStaleTempFiles(loc.dir, server.log);
    if (existsSync(join(loc.dir, 'dump.rdb'))) {
      server.log.warning(`${join(loc.dir, 'dump.rdb')} is ignored: Keystonelight reads only append-only files (RDB is not supported)`);
    }
    // Loading (-LOADING for clients) lasts until the file is open for appending: a write accepted
    // before that would not be logged.
    server.loading = true;
    try {
      const { store, files } = prepareLayout(loc, io, server.log, server.config.bool('aof-timestamp-enabled'));
      if (files.length > 0) await loadInto(server, files);
      return AofPersistence.start(server, io, loc, store, openForAppend(store, io, server.log));
    } finally {
      server.loading = false;
    }
  }

  private static start(server: Server, io: FileIO, loc: AofLocation, store: ManifestStore, incr: OpenIncr): AofPersistence {
    const writer = new AofWriter(incr.fd, incr.path, server.config.get('appendfsync') as FsyncPolicy, io, server.log);
    writer.rebase(incr.otherBytes);
    return new AofPersistence(server, writer, io, loc, store);
  }

  /**
   * CONFIG SET appendonly yes at run time: as Redis, the AOF is started afresh from the dataset in
   * memory (a new base file and an empty incr file), synchronously.
   */
  static enable(server: Server, io: FileIO = realFileIO): AofPersistence {
    const loc = location(server);
    removeStaleTempFiles(loc.dir, server.log);
    const aofDir = aofDirOf(loc);
    makeAofDir(loc, io);
    const hasManifest = existsSync(new Manifest(aofDir, loc.filename).path);
    if (!hasManifest) refuseUnlisted(loc);
    const m = hasManifest ? Manifest.read(aofDir, loc.filename) : new Manifest(aofDir, loc.filename);
    const store = ManifestStore.of(m, io);
    const t0 = performance.now();
    const out = new ReplyBuffer();
    dumpKeyspace(server.keyspace, out, server.keyspace.clock.now(), server.config.bool('aof-timestamp-enabled'));
    const p = AofPersistence.start(server, io, loc, store, rewriteSync(loc, store, io, server.log, out));
    // Redis starts the AOF with a rewrite, which INFO counts as one.
    server.stats.aofRewrites++;
    server.aofLastRewriteSeconds = Math.round((performance.now() - t0) / 1000);
    server.aofLastRewriteOk = true;
    server.log.notice(`Append only file enabled: ${store.current.base?.file} in ${aofDir} written from memory (${out.len} bytes)`);
    setAsideOldFile(loc, io, server.log);
    return p;
  }

  append(db: number, args: string[], raw?: Buffer, start = -1, end = 0): void {
    this.writer.append(db, args, raw, start, end);
  }

  beginUnit(): void {
    this.writer.beginUnit();
  }

  appendAlone(db: number, args: string[]): void {
    this.writer.appendAlone(db, args);
  }

  endUnit(): void {
    this.writer.endUnit();
  }

  flush(): boolean {
    return this.writer.flush();
  }

  writeError(): string | null {
    return this.writer.writeError();
  }

  get policy(): FsyncPolicy {
    return this.writer.policy;
  }

  /** Called by the server cron: everysec fsync and automatic rewrites. (Write retries: TurnFlush.all, server/turn-flush.ts.) */
  cron(): void {
    const now = Date.now();
    this.writer.backgroundFsync(now);
    if (this.unsettled !== null || this.bgsaveRunning || this.ending) return;
    // As Redis's serverCron: a scheduled rewrite whose start failed (its incr file could not be
    // created) stays scheduled and is retried, within aofRewriteLimited's back-off.
    if (this.rewriteScheduled) {
      if (!this.auto.limited(now)) this.startRewrite();
    } else if (this.auto.due(this.writer.size, this.writer.baseSize, now)) this.startRewrite();
  }

  /**
   * BGREWRITEAOF, SIGHUP, SIGUSR1. `inExec`: run by EXEC, where Redis 7.0 (server.in_exec) only
   * schedules it, so that the transaction's effects stay one block in one file.
   */
  rewrite(inExec = false): { ok: boolean; message: string } {
    if (this.rewriteJob !== null) return { ok: false, message: REWRITE_RUNNING };
    // As Redis's bgrewriteaofCommand behind another child (an aborted rewrite still finishing, a
    // BGSAVE's fsync): scheduled (again, if already so).
    if (this.unsettled !== null || this.bgsaveRunning) {
      this.rewriteScheduled = true;
      return { ok: true, message: REWRITE_SCHEDULED };
    }
    // In EXEC: started once the transaction has ended (Redis: by the next cron).
    if (inExec) {
      if (!this.rewriteScheduled) {
        this.rewriteScheduled = true;
        this.startScheduledSoon();
      }
      return { ok: true, message: REWRITE_SCHEDULED };
    }
    if (!this.startRewrite()) return { ok: false, message: REWRITE_START_FAILED };
    return { ok: true, message: REWRITE_STARTED };
  }

  /**
   * Starts the scheduled rewrite in a later turn: after the EXEC that asked for it, or the rewrite
   * that ran meanwhile. Still scheduled then if another one has started since (its end starts it).
   */
  private startScheduledSoon(): void {
    setImmediate(() => {
      if (this.ending || !this.rewriteScheduled || this.unsettled !== null || this.bgsaveRunning) return;
      // As serverCron, the only place Redis starts a scheduled rewrite: not while failures back off.
      // startRewrite clears the schedule once started; one not started is left to the cron, and a
      // BGSAVE scheduled behind it runs meanwhile.
      if ((this.auto.limited(Date.now()) || !this.startRewrite()) && this.bgsaveScheduled) this.startScheduledBgsaveSoon();
    });
  }

  /** False when the rewrite could not start (its incr file could not be created: logged). */
  private startRewrite(): boolean {
    const job = new Rewrite(this.server.keyspace, this.writer, this.io, this.loc.dir, this.manifests, () => this.server.flushNow());
    try {
      job.open();
    } catch (e) {
      // As Redis's rewriteAppendOnlyFileBackground before its fork: logged, status err, not counted
      // in aof_rewrites. Counted as a failure, so automatic rewrites back off (Redis retries each cron).
      this.server.log.warning(e instanceof Error ? e.message : String(e));
      this.server.aofLastRewriteOk = false;
      this.auto.failures++;
      return false;
    }
    this.rewriteJob = job;
    this.unsettled = job;
    // As Redis's rewriteAppendOnlyFileBackground (aof_rewrite_scheduled = 0 at fork): whatever
    // started it (BGREWRITEAOF, the cron, a signal), a scheduled rewrite is this one.
    this.rewriteScheduled = false;
    // As Redis (at fork): a rewrite counts in INFO aof_rewrites when it starts, whatever its end.
    this.server.stats.aofRewrites++;
    this.server.log.notice(REWRITE_STARTED);
    this.rewriteDone = job.run().then((r) => {
      const steps = job.trace.summary();
      // Aborted (DEBUG LOADAOF/RELOAD, CONFIG SET appendonly no, shutdown): as Redis's
      // killAppendOnlyChild, neither a success nor a failure: INFO's status, time and failure
      // count stay as the last rewrite that ended left them.
      const aborted = this.rewriteJob !== job;
      if (!aborted) this.rewriteJob = null;
      this.unsettled = null;
      if (this.rewriteScheduled) this.startScheduledSoon();
      else if (this.bgsaveScheduled) this.startScheduledBgsaveSoon();
      if (aborted && !r.ok) {
        this.server.log.notice(`Background AOF rewrite aborted (${r.seconds.toFixed(3)} seconds)`);
        return false;
      }
      this.server.aofLastRewriteSeconds = Math.round(r.seconds);
      this.server.aofLastRewriteOk = r.ok;
      if (r.ok) {
        this.auto.failures = 0;
        this.server.log.notice(`Background AOF rewrite finished successfully (${r.seconds.toFixed(3)} seconds, ${this.writer.size} bytes, ${steps})`);
      } else {
        this.auto.failures++;
        this.server.log.warning(`Background AOF rewrite failed: ${r.error}`);
      }
      return r.ok;
    });
    return true;
  }

  /** Stops a running rewrite at once (its temp file is removed when it notices). */
  private abortRewrite(): void {
    const job = this.rewriteJob;
    if (job === null) return;
    this.rewriteJob = null;
    job.abort();
  }

  /** Resolves when the running rewrite (if any) ends; true if it succeeded or none ran. */
  waitRewrite(): Promise<boolean> {
    return this.rewriteJob === null ? Promise.resolve(true) : this.rewriteDone;
  }

  get rewriting(): boolean {
    return this.rewriteJob !== null;
  }

  /** Writes and fsyncs everything (shutdown). Throws if the data could not be made durable. */
  syncNow(): void {
    this.writer.syncNow();
  }

  /** SAVE: the append-only file is the saved dataset; make it durable now. Null or an error text. */
  save(): string | null {
    // As Redis 7.0's saveCommand behind its BGSAVE child (a rewrite does not stop SAVE there).
    if (this.bgsaveRunning) return 'ERR Background save already in progress';
    try {
      this.writer.syncNow();
    } catch (e) {
      this.server.log.warning(`SAVE: ${e instanceof Error ? e.message : String(e)}`);
      return 'ERR';
    }
    this.server.lastSave = Math.floor(Date.now() / 1000);
    return null;
  }

  /**
   * BGSAVE: write this turn, fsync on the thread pool. Null (started), 'scheduled', or an error
   * text. Run by EXEC (`inExec`) it is scheduled, as Redis 7.0's bgsaveCommand (server.in_exec):
   * writing the file in the middle of a transaction would split its MULTI ... EXEC block.
   */
  bgsave(inExec = false, schedule = false): string | null {
    if (this.bgsaveRunning) return 'ERR Background save already in progress';
    // A rewrite (or an aborted one still finishing) stands for Redis's other child process:
    // refused, or with SCHEDULE done when it has ended, as Redis 7.0's bgsaveCommand.
    if (this.unsettled !== null || inExec) {
      if (!schedule && !inExec) return BGSAVE_BEHIND_CHILD;
      if (!this.bgsaveScheduled) {
        this.bgsaveScheduled = true;
        if (this.unsettled === null) this.startScheduledBgsaveSoon();
      }
      return 'scheduled';
    }
    this.bgsaveScheduled = false;
    if (!this.writer.flush()) return `ERR ${this.writer.lastWriteError}`;
    this.bgsaveRunning = true;
    this.writer.fsyncAsync((err) => {
      this.bgsaveRunning = false;
      if (this.rewriteScheduled) this.startScheduledSoon();
      if (err) this.server.log.warning(`Background saving error: ${strerror(errorCode(err))}`);
      else {
        this.server.lastSave = Math.floor(Date.now() / 1000);
        this.server.log.notice('Background saving terminated with success (append only file fsynced)');
      }
    });
    return null;
  }

  /**
   * Runs the scheduled BGSAVE in a later turn: after the EXEC that asked for it, or the rewrite it
   * waited for. Still scheduled if a rewrite has started since (its end runs it).
   */
  private startScheduledBgsaveSoon(): void {
    setImmediate(() => {
      if (this.ending || !this.bgsaveScheduled || this.unsettled !== null || this.bgsaveRunning) return;
      this.bgsave();
    });
  }

  /**
   * DEBUG LOADAOF: write and fsync the file, empty the dataset, load it back from the file.
   * Returns null, or the error that stopped loading (the dataset then holds what loaded before it).
   */
  loadAof(): string | null {
    try {
      this.abortRewrite();
      this.writer.syncNow();
      this.server.keyspace.flushAll();
      loadSync(this.server, this.manifests.current.dataFiles());
    } catch (e) {
      return `ERR ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      // A truncated last command was cut off the current file.
      this.writer.fileSize = this.io.size(this.writer.path);
    }
    this.server.log.warning('Append Only File loaded by DEBUG LOADAOF');
    return null;
  }

  /** DEBUG RELOAD: rewrite the file from memory (synchronously), then DEBUG LOADAOF. */
  reload(): string | null {
    try {
      this.rewriteSync();
    } catch (e) {
      return `ERR Error trying to rewrite the AOF: ${e instanceof Error ? e.message : String(e)}`;
    }
    // The dataset is saved (Redis's rdbSave there): LASTSAVE moves, as in Redis.
    this.server.lastSave = Math.floor(Date.now() / 1000);
    const r = this.loadAof();
    if (r === null) this.server.log.warning('DB reloaded by DEBUG RELOAD');
    return r;
  }

  /** A whole rewrite inside one command: no snapshot hooks needed. */
  private rewriteSync(): void {
    this.abortRewrite();
    this.writer.syncNow();
    const out = new ReplyBuffer();
    dumpKeyspace(this.server.keyspace, out, this.server.keyspace.clock.now(), this.writer.timestamps);
    const incr = rewriteSync(this.loc, this.manifests, this.io, this.server.log, out);
    this.writer.switchFile(incr.fd, incr.path);
    this.writer.rebase(incr.otherBytes);
  }

  /** The aof_* fields of INFO persistence (info.ts adds the rest). */
  info(): [string, string | number][] {
    const w = this.writer;
    const job = this.rewriteJob;
    return [
      ['aof_enabled', 1],
      ['aof_rewrite_in_progress', job ? 1 : 0],
      ['aof_rewrite_scheduled', this.rewriteScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.server.aofLastRewriteSeconds],
      ['aof_current_rewrite_time_sec', job ? Math.floor((Date.now() - job.startedAt) / 1000) : -1],
      ['aof_last_bgrewrite_status', this.server.aofLastRewriteOk ? 'ok' : 'err'],
      ['aof_rewrites', this.server.stats.aofRewrites],
      ['aof_rewrites_consecutive_failures', this.auto.failures],
      ['aof_last_write_status', w.writeError() === null ? 'ok' : 'err'],
      ['aof_last_cow_size', 0],
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
      ['aof_current_size', w.size],
      ['aof_base_size', w.baseSize],
      ['aof_pending_rewrite', 0],
      ['aof_buffer_length', w.pendingBytes],
      ['aof_pending_bio_fsync', w.fsyncPending ? 1 : 0],
      ['aof_delayed_fsync', 0],
    ];
  }

  stopStarting(): void {
    this.ending = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = this.ending = true;
    for (const stop of this.unlisten) stop();
    const done = this.rewriteDone;
    this.abortRewrite();
    await done;
    try {
      this.writer.syncNow();
    } finally {
      this.writer.close();
    }
  }
}

function location(server: Server): AofLocation {
  const cfg = server.config;
  return { dir: fsPath(cfg.get('dir')), filename: fsPath(cfg.get('appendfilename')), dirname: fsPath(cfg.get('appenddirname')) };
}
