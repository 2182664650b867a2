// Persistence as the server sees it: load the append-only files at start (Redis 7's multi-part
// layout, layout.ts), append every effect, flush once per event-loop turn, fsync by policy,
// rewrite and BGSAVE in the background (when: jobs.ts), start the file at run time with its first
// base written in the background (CONFIG SET appendonly yes: initial-rewrite.ts), and report all of
// it in INFO persistence (info.ts).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ReplyBuffer } from '../protocol/encoder.js';
import type { Server } from '../server/server.js';
import type { Persistence, SaveInfo } from '../server/persistence-port.js';
import { AofWriter, type FsyncPolicy } from './aof.js';
import { realFileIO, type FileIO } from './fileio.js';
import { loadInto, reloadSync } from './load-into.js';
import {
  aofDirOf, locationOf, makeAofDir, openForAppend, prepareLayout, refuseUnlisted, removeStaleTempFiles, rewriteSync,
  type AofLocation, type OpenIncr,
} from './layout.js';
import { Manifest, ManifestStore } from './manifest.js';
import { Jobs } from './jobs.js';
import { tempIncrName } from './initial-rewrite.js';
import { fileError, unlinkQuietly } from './fileio.js';
import { AOF_IO, BGSAVE_RUNNING, errorText } from '../errors.js';
import { dumpKeyspace } from './keydump.js';
import { wallNow } from '../timers.js';

export { AofFormatError } from './loader.js';
export type { FileIO } from './fileio.js';

/**
 * Said once at start, with appendonly yes or no: the snapshot Redis would load from `dir`
 * (`dbfilename`, with appendonly no its only source of data) is never read here.
 */
export function warnIgnoredRdb(server: Server): void {
  const rdb = join(locationOf(server.config).dir, server.config.get('dbfilename'));
  if (existsSync(rdb)) server.log.warning(`${rdb} is ignored: Keystonelight reads only append-only files (RDB is not supported)`);
}

export class AofPersistence implements Persistence {
  /** Rewrites and BGSAVEs: when they run, what they report (jobs.ts). */
  private readonly jobs: Jobs;
  private closed = false;
  private readonly unlisten: (() => void)[];

  private constructor(
    private readonly server: Server,
    readonly writer: AofWriter,
    private readonly io: FileIO,
    private readonly loc: AofLocation,
    private readonly manifests: ManifestStore,
  ) {
    writer.timestamps = server.config.bool('aof-timestamp-enabled');
    writer.noFsyncOnRewrite = server.config.bool('no-appendfsync-on-rewrite');
    writer.flushSleepUs = () => server.aofFlushSleepUs;
    this.jobs = new Jobs(server, writer, io, loc.dir, manifests);
    // Dropped at close: CONFIG SET appendonly no/yes makes a new persistence each time.
    this.unlisten = [
      server.config.onChange('appendfsync', (v) => (this.writer.policy = v as FsyncPolicy)),
      server.config.onChange('aof-timestamp-enabled', (v) => (this.writer.timestamps = v === 'yes')),
      server.config.onChange('no-appendfsync-on-rewrite', (v) => (this.writer.noFsyncOnRewrite = v === 'yes')),
    ];
    writer.latency = server.latency;
  }

  /**
   * Loads the dataset from `dir` into the server (answering -LOADING meanwhile), then opens the
   * current incr file for appending.
   */
  static async open(server: Server, io: FileIO = realFileIO): Promise<AofPersistence> {
    const loc = locationOf(server.config);
    removeStaleTempFiles(loc.dir, server.log);
    // Loading (-LOADING for clients) lasts until the file is open for appending: a write accepted
    // before that would not be logged.
    server.setLoading(true);
    try {
      const { store, files } = prepareLayout(loc, io, server.log, server.config.bool('aof-timestamp-enabled'));
      if (files.length > 0) await loadInto(server, files);
      return AofPersistence.start(server, io, loc, store, openForAppend(store, io, server.log));
    } finally {
      server.setLoading(false);
    }
  }

  private static start(server: Server, io: FileIO, loc: AofLocation, store: ManifestStore, incr: OpenIncr): AofPersistence {
    const writer = new AofWriter(incr.fd, incr.path, server.config.get('appendfsync') as FsyncPolicy, io, server.log);
    writer.rebase(incr.otherBytes);
    // As Redis 7.0's loadAppendOnlyFiles: at start the growth of auto-rewrite (INFO aof_base_size)
    // counts from the base file alone, the incr files being growth since it (Redis does not keep
    // the size at the last rewrite's end across a restart).
    const base = store.current.base;
    writer.baseSize = base === null ? 0 : io.size(join(store.current.dir, base.file));
    return new AofPersistence(server, writer, io, loc, store);
  }

  /**
   * CONFIG SET appendonly yes at run time, as Redis 7.0's startAppendOnly (AOF_WAIT_REWRITE): the
   * file is on at once, its writes going to a temp incr file, and the dataset in memory is written
   * as its first base in the background (initial-rewrite.ts), the manifest on disk untouched until
   * then. Throws what stopped it from starting (the AOF directory, the temp incr file).
   * `scheduled` (the end of the EXEC that ran it): the rewrite starts in a later turn.
   */
  static enable(server: Server, io: FileIO = realFileIO, scheduled = false): AofPersistence {
    const { loc, store, aofDir } = AofPersistence.manifestOf(server, io);
    const path = join(aofDir, tempIncrName(loc.filename));
    let fd: number;
    try {
      fd = io.openWrite(path);
    } catch (e) {
      throw fileError(AOF_IO.openAppend(tempIncrName(loc.filename)), e);
    }
    const p = AofPersistence.start(server, io, loc, store, { fd, path, otherBytes: 0 });
    if (scheduled) {
      p.jobs.scheduleStart();
    } else if (!p.jobs.startFile()) {
      p.jobs.stop();
      p.writer.close();
      for (const stop of p.unlisten) stop();
      throw new Error("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
    }
    return p;
  }

  /**
   * The manifest of the AOF directory of the configuration (made if missing; refused when it holds
   * data no manifest names), numbering incr files on from the last one used since start.
   */
  static manifestOf(server: Server, io: FileIO): { loc: AofLocation; store: ManifestStore; aofDir: string } {
    const loc = locationOf(server.config);
    removeStaleTempFiles(loc.dir, server.log);
    const aofDir = aofDirOf(loc);
    makeAofDir(loc, io);
    const hasManifest = existsSync(new Manifest(aofDir, loc.filename).path);
    if (!hasManifest) refuseUnlisted(loc);
    const m = hasManifest ? Manifest.read(aofDir, loc.filename) : new Manifest(aofDir, loc.filename);
    m.raiseIncrSeq(server.aofOff.incrSeqFloor);
    return { loc, store: ManifestStore.of(m, io), aofDir };
  }

  append(db: number, args: string[], raw?: Buffer, start = -1, end = 0): void {
    this.writer.append(db, args, raw, start, end);
    this.writer.appended();
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

  syncBeforeOff(): string | null {
    if (this.writer.policy !== 'always') return null;
    try {
      this.writer.syncBeforeUnit();
    } catch (e) {
      return errorText(e);
    }
    return null;
  }

  dropUnit(): string | null {
    return this.writer.dropUnit();
  }

  flush(): boolean {
    return this.writer.flush();
  }

  holdBig(owner: object, arg: string, bytes: Buffer): void {
    this.writer.holdBig(owner, arg, bytes);
  }

  dropHeld(owner: object): void {
    this.writer.dropHeld(owner);
  }

  writeError(): string | null {
    return this.writer.writeError();
  }

  get policy(): FsyncPolicy {
    return this.writer.policy;
  }

  /** Called by the server cron: everysec fsync, then the jobs serverCron starts (jobs.ts). (Write retries: TurnFlush.all, server/turn-flush.ts.) */
  cron(): void {
    const now = wallNow();
    this.writer.backgroundFsync(now);
    this.jobs.runScheduled(now);
  }

  /** BGREWRITEAOF, SIGHUP, SIGUSR1; `inExec`: run by EXEC (scheduled, see Jobs.rewrite). */
  rewrite(inExec = false): { ok: boolean; message: string } {
    return this.jobs.rewrite(inExec);
  }

  /** Resolves when the running rewrite (if any) ends; true if it succeeded or none ran. */
  waitRewrite(): Promise<boolean> {
    return this.jobs.waitRewrite();
  }

  get rewriting(): boolean {
    return this.jobs.rewriting;
  }

  /** A rewrite, the first base, or a BGSAVE is running (their slices hold the event loop). */
  get busy(): boolean {
    return this.jobs.rewriting || this.jobs.starting || this.jobs.saving;
  }

  /** Its first base is still being written (Redis's AOF_WAIT_REWRITE): SHUTDOWN refuses meanwhile. */
  get starting(): boolean {
    return this.jobs.starting;
  }

  /** Writes and fsyncs everything (shutdown). Throws if the data could not be made durable. */
  syncNow(): void {
    this.writer.syncNow();
  }

  /**
   * SAVE: the append-only file is the saved dataset; make it durable now. Null or an error text.
   * `command` false: FLUSHALL's save (Redis's rdbSave in flushAllDataAndResetRDB), not counted in
   * rdb_saves, which writes what came before the running command and leaves its effects in their
   * block (a transaction's MULTI ... EXEC is written whole at its end, as DEBUG LOADAOF's), and is
   * not made while the first base is written (the files do not hold the dataset until then).
   */
  save(command = true): string | null {
    // As Redis 7.0's saveCommand behind its BGSAVE child (a rewrite does not stop SAVE there).
    // FLUSHALL's save is made whatever runs (rdbSave): it has killed the BGSAVE first (killSave).
    if (command && this.jobs.saving) return BGSAVE_RUNNING;
    if (!command && this.jobs.starting) return null;
    if (command) this.server.stats.rdbSaves++; // as Redis's SAVE (INFO rdb_saves), whatever its end
    try {
      // The first base not written yet: the files do not hold the dataset. Written now, in the
      // command, as Redis's SAVE writes its RDB (an extension: Redis's file is still waiting then).
      if (this.jobs.starting) this.rewriteSync();
      if (command) this.writer.syncNow();
      else this.writer.syncBeforeUnit();
    } catch (e) {
      this.server.log.warning(`SAVE: ${errorText(e)}`);
      return 'ERR';
    }
    this.server.lastSave = Math.floor(wallNow() / 1000);
    this.server.dirty = 0;
    this.jobs.saved();
    return null;
  }

  /** FLUSHALL: a running BGSAVE is killed (Jobs.killSave). */
  killSave(): void {
    this.jobs.killSave();
  }

  /** BGSAVE [SCHEDULE]: null (started), 'scheduled', or an error text (Jobs.bgsave). */
  bgsave(inExec = false, schedule = false): string | null {
    return this.jobs.bgsave(inExec, schedule);
  }

  /** The BGSAVE's INFO persistence fields (info.ts). */
  saveInfo(): SaveInfo {
    return this.jobs.saveInfo();
  }

  /**
   * DEBUG LOADAOF: write and fsync the file, empty the dataset, load it back from the file.
   * Returns null, or the error that stopped loading (the dataset then holds what loaded before it).
   */
  loadAof(): string | null {
    try {
      void this.jobs.abortRewrite();
      // Run by EXEC: the transaction's effects so far are not in what it reloads (AofWriter.syncBeforeUnit).
      const upTo = this.writer.syncBeforeUnit();
      reloadSync(this.server, this.manifests.current.dataFiles(), upTo);
    } catch (e) {
      return `ERR ${errorText(e)}`;
    } finally {
      // A truncated last command was cut off the current file.
      this.writer.fileSize = this.io.size(this.writer.path);
    }
    return null;
  }

  /**
   * DEBUG RELOAD: rewrite the file from memory (synchronously), then DEBUG LOADAOF. The keys whose
   * deadline has passed are left out, as Redis's RDB load drops them.
   */
  reload(): string | null {
    try {
      this.rewriteSync(true);
    } catch (e) {
      return `ERR Error trying to rewrite the AOF: ${errorText(e)}`;
    }
    // The dataset is saved (Redis's rdbSave there): LASTSAVE moves, as in Redis.
    this.server.lastSave = Math.floor(wallNow() / 1000);
    this.jobs.saved();
    const r = this.loadAof();
    if (r === null) this.server.log.warning('DB reloaded by DEBUG RELOAD');
    return r;
  }

  /** A whole rewrite inside one command: no snapshot hooks needed; `dropExpired`: see reload(). */
  private rewriteSync(dropExpired = false): void {
    void this.jobs.abortRewrite();
    // Run by EXEC (DEBUG RELOAD): the transaction's effects so far go into the new base. Their
    // bytes stay out of the old file meanwhile, and go back, still one block, if the rewrite
    // fails: written there bare, the transaction's rest came after them unwrapped.
    const held = this.writer.holdUnit();
    const ks = this.server.keyspace;
    let incr: OpenIncr;
    try {
      incr = rewriteSync(this.loc, this.manifests, this.io, this.server.log, (fd) => {
        let bytes = 0;
        const spill = (out: ReplyBuffer): void => {
          this.io.write(fd, out.peek());
          bytes += out.len;
          out.clear();
        };
        dumpKeyspace(ks, spill, this.writer.timestamps, dropExpired ? ks.clock.now() : undefined);
        return bytes;
      });
    } catch (e) {
      this.writer.putBackUnit(held);
      throw e;
    }
    const tempIncr = this.jobs.starting && this.writer.path === join(aofDirOf(this.loc), tempIncrName(this.loc.filename)) ? this.writer.path : null;
    this.writer.switchFile(incr.fd, incr.path);
    this.writer.rebase(incr.otherBytes);
    // The first base was still being written: the temp incr file it wrote to holds nothing the new
    // base lacks, and the aborted rewrite leaves it (as after CONFIG SET appendonly no). Deleted,
    // or it would stay in the directory for good.
    if (tempIncr !== null) unlinkQuietly(this.io, tempIncr);
    this.jobs.started();
    // The new files are the data, the rename perhaps not durable: under `always` nothing is
    // acknowledged until a retried directory fsync succeeds (as after a rewrite's manifest rename),
    // and the command fails, as Redis's rdbSave when its fsyncFileDir fails.
    if (incr.dirError === null || incr.dirError === undefined) return;
    if (this.writer.policy === 'always') this.writer.dirNotDurable(incr.path, incr.dirError);
    throw incr.dirError;
  }

  /** The aof_* fields of INFO persistence (info.ts adds the rest). */
  info(): [string, string | number][] {
    const w = this.writer;
    const job = this.jobs.rewriteInfo();
    return [
      ['aof_enabled', 1],
      ['aof_rewrite_in_progress', job.inProgress ? 1 : 0],
      ['aof_rewrite_scheduled', job.scheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.server.aofLastRewriteSeconds],
      ['aof_current_rewrite_time_sec', job.currentSeconds],
      ['aof_last_bgrewrite_status', this.server.aofLastRewriteOk ? 'ok' : 'err'],
      ['aof_rewrites', this.server.stats.aofRewrites],
      ['aof_rewrites_consecutive_failures', job.failures],
      ['aof_last_write_status', w.writeError() === null ? 'ok' : 'err'],
      ['aof_last_cow_size', 0],
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
      ['aof_current_size', w.size],
      ['aof_base_size', w.baseSize],
      // Redis 7.0 shows aof_rewrite_scheduled here too.
      ['aof_pending_rewrite', job.scheduled ? 1 : 0],
      ['aof_buffer_length', w.pendingBytes],
      ['aof_pending_bio_fsync', w.fsyncPending ? 1 : 0],
      ['aof_delayed_fsync', 0],
    ];
  }

  stopStarting(): void {
    this.jobs.stop();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.jobs.stop();
    for (const stop of this.unlisten) stop();
    this.server.aofOff.incrSeqFloor = Math.max(this.server.aofOff.incrSeqFloor, this.manifests.current.lastIncrSeq);
    // The pending bytes go to the file at once, as Redis's stopAppendOnly writes them first
    // (flushAppendOnlyFile): a DEBUG LOADAOF right after CONFIG SET appendonly no reads them. A
    // failure leaves them pending, for syncNow below to report.
    this.writer.flush();
    await this.jobs.abortRewrite();
    try {
      this.writer.syncNow();
    } finally {
      this.writer.close();
    }
  }
}
