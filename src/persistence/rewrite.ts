// AOF rewrite (compaction) without fork and without stopping the server, in Redis 7's multi-part
// layout (manifest.ts).
//
// 1. A new incr file is created and a manifest naming it after the current files is written and
//    fsynced (on the thread pool). 2. T0, one synchronous step between two commands: this turn's
//    writes go to the old incr file, the manifest is renamed into place, every later write goes to
//    the new incr file; every database's dictionaries get a snapshot
//    hook: before a key of the T0 dictionaries changes for the first time, the hook writes the
//    commands that recreate its T0 state into a side buffer (serialized at once, so a value later
//    modified in place cannot leak into the snapshot). 3. A writer walks the live T0 dictionaries in
//    slices, skipping keys the hook saved (and marking the ones it writes, so that the hook does
//    not save them again), then writes the saved T0 states (snapshot-writer.ts): the temp file holds
//    exactly the dataset at T0, the new incr file everything after it. Nothing is written twice, so
//    a rewrite under a heavy write load costs no extra disk traffic and ends when the walk ends.
//    4. The temp file is fsynced and renamed to the next base file, and a manifest naming the new
//    base and the incr files from T0 on is made durable; the old base and incr files are then
//    deleted (as history, the way Redis does it).
//
// Latency: the walk's, in snapshot-writer.ts; every write, fsync, close and unlink runs on the
// thread pool.
//
// CONFIG SET appendonly yes uses the same walk with another start and end (initial-rewrite.ts).
//
// Crash safety: at every instant the manifest on disk names a complete dataset: the old files
// (plus the new incr file) until the final manifest's rename, the new base and incr after it; and
// only the last file it names is ever being written (a torn command is only ever at the end). A
// crash leaves at most a temp-rewriteaof-bg-*.aof (removed at the next start) and unreferenced
// files.

import { basename, join } from 'node:path';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { AofWriter } from './aof.js';
import { latencyEnd, latencyStart } from './latency-sink.js';
import { fileError, unlinkQuietly, type FileIO } from './fileio.js';
import { AOF_IO, errorText } from '../errors.js';
import { faultPoint } from './faults.js';
import { SnapshotRecorder } from './snapshot-recorder.js';
import { closeQuietly, SnapshotWriter } from './snapshot-writer.js';
import type { AofFileInfo, Manifest, ManifestStore } from './manifest.js';
import { RewriteTrace } from './rewrite-trace.js';
import { wallNow } from '../timers.js';

let rewriteCounter = 0;

export const TEMP_FILE = /^temp-rewriteaof-(bg-)?\d+(-\d+)?\.aof$/;

/** What a rewrite uses of the file's writer: an AofWriter, or none (off-rewrite.ts, appendonly no). */
export type RewriteWriter = Pick<AofWriter, 'log' | 'latency' | 'timestamps' | 'rewriting' | 'size' | 'policy' | 'path' | 'lastWriteError' | 'flush' | 'switchFile' | 'rebase' | 'dirNotDurable'>;

export interface RewriteResult { ok: boolean; error?: string; seconds: number }

export class Rewrite {
  readonly startedAt = wallNow();
  readonly tempPath: string;
  readonly trace = new RewriteTrace();
  /** The temp file, and the walk that writes the dataset at T0 into it. */
  protected readonly writer: SnapshotWriter;
  /** The incr file opened for the writes from T0 on, and its descriptor until T0 takes it. */
  private incr: AofFileInfo | null = null;
  private incrFd = -1;
  /** The manifest naming that incr file, saved by openIncr. */
  private next: Manifest | null = null;
  /** Keys in the dataset at the start, then at T0 (Redis: at fork; INFO current_save_keys_total). */
  keysTotal = 0;
  protected aborted = false;
  private detached = false;
  protected cleaned = false;
  /** The files installBase() made (renamed into) that no manifest may name yet: see dropMade. */
  protected readonly made: string[] = [];
  /** A manifest naming the new base is not renamed once stopped (its base deleted: dropMade). */
  protected readonly unlessAborted = { rename: (rename: () => void): void => (this.checkAborted(), rename()) };
  private readonly recorders: SnapshotRecorder[] = [];

  /** `beforeSlice`: sends the replies already computed, so that a slice does not delay them. */
  constructor(
    private readonly keyspace: Keyspace,
    protected readonly aof: RewriteWriter,
    protected readonly io: FileIO,
    dir: string,
    protected readonly manifests: ManifestStore,
    beforeSlice: () => void = () => {},
  ) {
    this.tempPath = join(dir, `temp-rewriteaof-bg-${process.pid}-${++rewriteCounter}.aof`);
    this.writer = new SnapshotWriter(io, this.trace, beforeSlice, () => this.checkAborted());
  }

  /** Runs the whole rewrite; resolves when the new base is in place (or the rewrite failed). */
  async run(): Promise<RewriteResult> {
    const seconds = (): number => (wallNow() - this.startedAt) / 1000;
    try {
      await this.openIncr();
      faultPoint('rewrite-begin');
      for (let i = 0; i < this.recorders.length; i++) await this.writer.writeDb(i, this.recorders[i]);
      faultPoint('rewrite-snapshot');
      await this.writer.fsync();
      this.checkAborted();
      faultPoint('rewrite-fsync');
      const current = await this.installBase();
      faultPoint('rewrite-done');
      // The replaced files, deleted on the thread pool (ManifestStore.dropHistory).
      if (current && !this.aborted) await this.manifests.dropHistory(this.aof.log);
      this.trace.end({ ok: true, seconds: seconds(), bytes: this.aof.size });
      return { ok: true, seconds: seconds() };
    } catch (e) {
      this.cleanup();
      this.trace.end({ ok: false, seconds: seconds() });
      return { ok: false, error: errorText(e), seconds: seconds() };
    }
  }

  /**
   * Stops the rewrite: the snapshot hooks end now, the temp file is deleted (as Redis's
   * killAppendOnlyChild; closed when `run` notices, as an asynchronous write may still be using
   * its descriptor). Deleted now: CONFIG SET appendonly yes, right after, clears the directory of
   * stale temp files and logged this live one as left by a crash. `run` then resolves as failed; a
   * new rewrite waits for that (AofPersistence.unsettled), as the aborted one may still be saving
   * a manifest.
   */
  abort(): void {
    this.aborted = true;
    this.detach();
    unlinkQuietly(this.io, this.tempPath);
    this.dropUnnamedIncr();
    this.dropMade();
  }

  /**
   * The files installBase() made that no manifest names, deleted at the stop (not when run()
   * notices) or after a failed manifest save (Redis's bg_unlink of the new files). The rewrite
   * started next, at once (Redis's waits for its killed child), numbers its files from the same
   * manifest: deleted later by name, they would be its files. The stopped one names them no more
   * (unlessAborted); those a manifest in place names stay.
   */
  protected dropMade(): void {
    const onDisk = this.manifests.current;
    for (const f of this.made.splice(0)) if (!onDisk.names(f)) unlinkQuietly(this.io, join(onDisk.dir, f));
  }

  /**
   * Its incr file while no manifest names it (stopped or failed before T0): an empty file, deleted
   * once. At the stop already: a rewrite started right after (CONFIG SET appendonly no then yes,
   * BGREWRITEAOF with the file off) numbers its incr file from the same manifest, so deleting by
   * name later, when run() notices, could delete that rewrite's file.
   */
  private dropUnnamedIncr(): void {
    if (this.incrFd < 0 || this.incr === null) return;
    const file = this.incr.file;
    this.incr = null; // no longer adopted (adoptIncr): the T0 rename checks for the stop first
    this.manifests.removeUnnamed(file);
  }

  /** T0 keys written (or saved by the hooks) so far, as Redis's child reports its progress. */
  get keysProcessed(): number {
    let n = 0;
    for (const rec of this.recorders) n += rec.doneCount;
    return n;
  }

  /** Ends the snapshot hooks (idempotent). */
  protected detach(): void {
    if (this.detached) return;
    this.detached = true;
    for (const rec of this.recorders) rec.end();
    this.aof.rewriting = false;
  }

  protected checkAborted(): void {
    if (this.aborted) throw new Error('rewrite aborted');
  }

  /**
   * Creates the next incr file, synchronously, as Redis does before its fork: when that fails,
   * BGREWRITEAOF answers an error instead of "started". Throws a FileOpError (Redis's text).
   * `run` calls it if the caller did not.
   */
  open(): void {
    const next = this.manifests.current.copy();
    const incr = next.addIncr();
    try {
      this.incrFd = this.io.openWrite(join(next.dir, incr.file));
    } catch (e) {
      throw fileError(AOF_IO.openAppend(incr.file), e);
    }
    this.incr = incr;
    this.next = next;
    this.keysTotal = this.keyspace.keyCount;
    this.aof.log.notice(`Creating AOF incr file ${incr.file} on background rewrite`);
  }

  /**
   * Creates the next incr file (open) and a manifest naming it (written and fsynced off the event loop);
   * T0 (begin) is the step that renames that manifest into place.
   */
  protected async openIncr(): Promise<void> {
    if (this.next === null) this.open();
    const next = this.next!;
    // Under `always` a reply means durable: the rename must be too before the writes it moves
    // reach the new file, so the directory is fsynced in that step (as Redis does, in full).
    await this.manifests.saveAsync(next, {
      rename: (rename) => this.begin(rename),
      syncDir: () => this.aof.policy === 'always',
      // The writer refuses writes (MISCONF) and retries it: no reply until the rename is durable.
      dirFailed: (e) => this.aof.dirNotDurable(next.path, e),
    });
  }

  /**
   * T0, synchronous, at the manifest's rename: this turn's writes go to the old incr file while it
   * is still the last one named, the manifest names the new one, and every later write goes there.
   * Nothing may reach the old file after the rename: a kill -9 in the middle of that write would
   * leave a torn command in a file that is no longer the last, which neither we nor redis-server
   * (nor redis-check-aof --fix) will load. Then the snapshot hooks are attached, the temp file opened.
   */
  private begin(rename: () => void): void {
    const t = this.trace.start();
    this.checkAborted();
    if (!this.aof.flush()) throw new Error(`can't flush the AOF before the rewrite: ${this.aof.lastWriteError}`);
    rename();
    if (!this.adoptIncr()) throw new Error('the AOF manifest was replaced meanwhile');
    this.snapshotNow();
    this.trace.step('begin', t);
  }

  /** T0's own part: the snapshot hooks attached, the temp file opened (throws a FileOpError). */
  protected snapshotNow(): void {
    this.aof.rewriting = true;
    this.keysTotal = this.keyspace.keyCount;
    this.writer.open(this.tempPath, this.aof.timestamps);
    for (const db of this.keyspace.dbs) this.recorders.push(new SnapshotRecorder(db));
  }

  /**
   * Moves the writer to the incr file this rewrite created, if the manifest on disk names it as
   * its last one (else someone replaced the manifest meanwhile: DEBUG RELOAD, appendonly no/yes).
   * Also done when the rewrite fails or is aborted after that manifest was saved: otherwise the
   * writer would go on appending to the previous incr file, which is then no longer the last one,
   * and a torn last command there (a power loss) would make the directory unloadable.
   */
  private adoptIncr(): boolean {
    // The same entry, not the same name: a synchronous rewrite made before our rename (DEBUG
    // RELOAD, appendonly no then yes) numbers its incr file from the same manifest, so it reuses
    // our file's name (and truncates it); adopting it then would put this writer (or a closed
    // persistence's, with its stale buffered bytes) on a file another writer owns, with a size of 0.
    if (this.incr === null || this.incrFd < 0 || this.manifests.current.lastIncr !== this.incr) return false;
    this.aof.switchFile(this.incrFd, join(this.manifests.current.dir, this.incr.file));
    this.incrFd = -1;
    return true;
  }

  /**
   * The temp file (fsynced) becomes the next base file, and the manifest names it and the incr
   * files from T0 on. From that manifest's rename on, the new files are the data.
   */
  protected async installBase(): Promise<boolean> {
    this.detach();
    const next = this.manifests.current.copy();
    const base = next.nextBase();
    const t = this.trace.start();
    this.writer.close();
    this.made.push(base.file);
    this.renameBase(next.dir, base.file);
    this.trace.step('rename', t);
    next.replaceBase(base, this.incr!.seq);
    // Not renamed once stopped: the rewrite started next may have renamed its own base onto that
    // name (it numbers from the manifest on disk), and deleted it when stopped in turn.
    await this.manifests.saveAsync(next, this.unlessAborted);
    this.cleaned = true;
    // A synchronous rewrite (DEBUG RELOAD, appendonly yes) may have replaced it since: then the
    // sizes and the history are that rewrite's business. True when it is still the current one.
    if (this.manifests.current !== next) return false;
    this.aof.rebase(this.writer.written);
    return true;
  }

  /** The temp file becomes base file `file` of `dir`: renamed, logged as Redis logs it. */
  protected renameBase(dir: string, file: string): void {
    faultPoint('rewrite-rename');
    this.renamed(this.tempPath, join(dir, file));
    this.aof.log.notice(`Successfully renamed the temporary AOF base file ${basename(this.tempPath)} into ${file}`);
  }

  /** A rename, timed for LATENCY as Redis's (its `aof-rename` event). */
  protected renamed(from: string, to: string): void {
    const t = latencyStart(this.aof.latency);
    this.io.rename(from, to);
    latencyEnd(this.aof.latency, t, 'aof-rename');
  }

  /** Removes every trace of an unfinished rewrite (idempotent). */
  protected cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    this.detach();
    // The manifest naming the new incr file was saved: the writer moves to it (adoptIncr), so that
    // it stays the last one. Otherwise (stopped or failed before T0) no manifest names it and
    // nothing was written to it: deleted (dropUnnamedIncr, at the stop already) and closed, unless a synchronous rewrite since
    // (DEBUG RELOAD, appendonly no then yes), numbering its incr file from the same manifest, took
    // the name. Redis names its new incr file before it forks, so it never leaves an unnamed one
    // (a killed rewrite leaves it named, and empty: redis-server 7.0.15, seen); ours would stay
    // behind, its name taken again by the next rewrite.
    this.adoptIncr();
    this.dropUnnamedIncr();
    this.writer.closeNow();
    closeQuietly(this.io, this.incrFd);
    this.incrFd = -1;
    unlinkQuietly(this.io, this.tempPath);
    this.dropMade();
  }
}
