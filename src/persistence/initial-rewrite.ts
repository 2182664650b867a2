// The rewrite that starts the append-only file (CONFIG SET appendonly yes at run time): Redis
// 7.0's AOF_WAIT_REWRITE. The file is on from the command's reply on, but the manifest on disk is
// not touched until the dataset has been written: writes go to a temp incr file
// (`temp-<appendfilename>.incr` in the AOF directory, named in no manifest: Redis's
// openNewIncrAofForAppend in that state), and the dataset of that instant is written in the
// background, by the same sliced, hooked walk as any rewrite (rewrite.ts; T0 is the command
// itself: no manifest to rename first). At the end (Redis's backgroundRewriteDoneHandler) the temp
// files become the next base and incr files, the manifest names them and the old files become
// history, deleted.
//
// Crash safety: until the end, the manifest on disk names the old files (a complete, if stale,
// dataset: the one of the last time the file was on, or none), never a mix of them and the new
// writes. At the end, no manifest names a file with part of the new data: see install().

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileError, unlinkQuietly } from './fileio.js';
import { AOF_IO } from '../errors.js';
import { cb } from './manifest.js';
import { faultPoint } from './faults.js';
import { Rewrite } from './rewrite.js';

/** Redis's getTempIncrAofName: where writes go until the dataset is written. */
export const tempIncrName = (filename: string): string => `temp-${filename}.incr`;

export class InitialRewrite extends Rewrite {
  /** Whether writes go to a temp incr file meanwhile (not with appendonly no: OffRewrite). */
  protected withIncr = true;

  private get tempIncrPath(): string {
    const m = this.manifests.current;
    return join(m.dir, tempIncrName(m.filename));
  }

  /**
   * T0, in the command that starts the file (or the cron's retry after a failure): a new temp
   * incr file (truncated, as Redis's O_TRUNC) takes the writes from now on, the snapshot hooks are
   * attached. The writes of this turn so far are in the dataset written, not in the file: what a
   * failed attempt had appended goes with its file. Throws a FileOpError (Redis's text).
   */
  override open(): void {
    const t = this.trace.start();
    const name = tempIncrName(this.manifests.current.filename);
    // What was appended before T0 (this turn's writes; a failed attempt's; those made between
    // EXEC's end and a scheduled start) is in the dataset written: it goes to the old file, which
    // is dropped. Unlinked first, so that the new file is a new one: nothing written through the
    // old descriptor can land in it. Bytes the old file could not take (a disk error) must not
    // follow the writer into the new one, after T0: replayed on top of the base holding them,
    // they would be applied twice. Not started then (as Rewrite.openIncr): the cron tries again.
    if (!this.aof.flush()) throw new Error(`can't flush the AOF before the rewrite: ${this.aof.lastWriteError}`);
    unlinkQuietly(this.io, this.tempIncrPath);
    let fd: number;
    try {
      fd = this.io.openWrite(this.tempIncrPath);
    } catch (e) {
      throw fileError(AOF_IO.openAppend(name), e);
    }
    this.aof.log.notice(`Creating AOF incr file ${name} on background rewrite`);
    this.aof.switchFile(fd, this.tempIncrPath);
    // As Redis in AOF_WAIT_REWRITE: INFO aof_current_size is the temp incr file, aof_base_size 0.
    this.aof.rebase(0);
    this.snapshotNow();
    this.trace.step('begin', t);
  }

  /** T0 was open()'s: there is no manifest to rename first. */
  protected override async openIncr(): Promise<void> {}

  /**
   * The fsynced temp base and the temp incr file become the next base and incr files, named by
   * the manifest (the old files as history), in an order where a crash at any step leaves the
   * manifest naming a complete dataset: the old one, or the one of T0 (the new base and an empty
   * incr file), or the whole one. No file holding data is ever left unnamed in a directory
   * without a manifest (every later start would refuse it: layout.ts refuseUnlisted).
   */
  protected override async installBase(): Promise<boolean> {
    this.checkAborted();
    this.detach();
    // Stopped (CONFIG SET appendonly no, DEBUG LOADAOF/RELOAD, SAVE) while a manifest is being
    // saved: it is not put in place (ManifestStore.saveAsync's rename step), the new files go
    // (Rewrite.dropMade, at the stop).
    const store = this.manifests;
    const next = store.current.copy();
    const first = !existsSync(next.path);
    const base = next.nextBase();
    const incr = this.withIncr ? next.addIncr() : null;
    const basePath = join(next.dir, base.file);
    this.writer.close();
    // Without an incr file (appendonly no), every incr file becomes history, as Redis's
    // markRewrittenIncrAofAsHistory with no AOF descriptor.
    next.replaceBase(base, incr?.seq ?? Infinity);
    if (incr !== null) {
      // The empty incr file first: a manifest naming it is a dataset of T0 until the rename below.
      this.made.push(incr.file);
      this.io.close(this.io.openWrite(join(next.dir, incr.file)));
    }
    this.made.push(base.file);
    if (first) {
      // No manifest yet: one naming an empty base first (the dataset before: none), which the
      // rename then fills.
      this.io.close(this.io.openWrite(basePath));
      await store.saveAsync(next, this.unlessAborted);
      // Replaced while its directory fsync ran (SAVE, DEBUG RELOAD: a synchronous rewrite, which
      // deleted that empty base as history): the dataset must not come back under its name, in a
      // file no manifest names.
      if (store.current !== next) throw new Error('the AOF manifest was replaced meanwhile');
    }
    this.renameBase(next.dir, base.file);
    if (!first) await store.saveAsync(next, this.unlessAborted);
    this.cleaned = true;
    if (store.current !== next) return false;
    // Stopped while that manifest's directory fsync ran: it names the dataset of T0 (the new base,
    // an empty incr file), and the temp incr file is not renamed into it. After DEBUG LOADAOF, which
    // loaded that dataset, the temp file holds writes memory no longer has (they would be replayed
    // on a dataset that never held them), then writes to the reloaded one; after CONFIG SET
    // appendonly no then yes, it is the next start's file, of the same name.
    this.checkAborted();
    if (incr === null) return true;
    const incrPath = join(next.dir, incr.file);
    faultPoint('rewrite-incr-rename');
    // The writer's descriptor follows its file through the rename. Under `always` the rename is
    // made durable in this step, before any later reply (as Rewrite.openIncr's manifest rename).
    this.renamed(this.tempIncrPath, incrPath);
    this.aof.path = incrPath;
    if (this.aof.policy === 'always') this.syncDirOrRefuse(incrPath);
    else await cb((done) => this.io.fsyncDirAsync(incrPath, done));
    this.aof.log.notice(`Successfully renamed the temporary AOF incr file ${tempIncrName(next.filename)} into ${incr.file}`);
    this.aof.rebase(this.writer.written);
    return true;
  }

  /**
   * `always`: the directory fsync after the temp incr file's rename. Should it fail, the file has
   * still started (the manifest names it, the data is in it): as after Rewrite.openIncr's manifest
   * rename, the writer refuses writes (MISCONF) and retries the fsync, so no reply is sent before
   * the rename is durable. (Failing the whole start would send the writes to a new temp file, named
   * by no manifest, until a retry got through.)
   */
  private syncDirOrRefuse(path: string): void {
    try {
      this.io.fsyncDir(path);
    } catch (e) {
      this.aof.dirNotDurable(path, e);
    }
  }

  /**
   * A failed or stopped attempt: its temp base file is deleted; after a failure the temp incr file
   * too (Redis's aofDelTempIncrAofFile: the retry starts a new one), while CONFIG SET appendonly no
   * and a shutdown leave it, as Redis's stopAppendOnly and prepareForShutdown do.
   */
  protected override cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    this.detach();
    this.writer.closeNow();
    unlinkQuietly(this.io, this.tempPath);
    this.dropMade();
    if (!this.aborted && this.withIncr) {
      this.aof.log.notice(`Removing the temp incr aof file ${tempIncrName(this.manifests.current.filename)} in the background`);
      unlinkQuietly(this.io, this.tempIncrPath);
    }
  }
}
