// The append-only file as its writer (aof.ts, the subclass) holds it: the current file's
// descriptor, the bytes known to be in it and those of this turn still pending for it, and what
// is done when writing or fsyncing it fails: the errors -MISCONF reports, the retries, the cut of
// a partial write. A base class so that the writer's hot path reads these fields directly (one
// object, no indirection); nothing here runs per append.
//
// A failed write keeps the bytes and is retried; until it succeeds, write commands are refused
// with -MISCONF (Server asks `writeError()`), reads keep working, and the error is logged once.
// A write that failed half-way is cut off with ftruncate so the file never holds half a command
// followed by a retried whole one. What a failed early write (in the middle of a command) kept is
// moved out of the buffer appended to, in pieces (spill): as Redis's aof_buf, the bytes wait in
// memory however many, where one buffer would stop at Node's 4 GB.

import { ReplyBuffer } from '../protocol/encoder.js';
import { MISCONF_AOF, strerror } from '../errors.js';
import { errorCode, ShortWriteError, type FileIO } from './fileio.js';
import { latencyEnd, latencyStart, NO_LATENCY, type LatencySink } from './latency-sink.js';
import type { AofLog } from './aof.js';

/**
 * The pending buffer's storage kept from turn to turn (ReplyBuffer's keepAtMost), until it has been
 * mostly empty for a while. One writer per server: at most this much is held for it.
 */
const PENDING_KEEP = 16 * 1024 * 1024;

export abstract class AofFile {
  /** Bytes of this turn, not yet written (after the spilled ones, if any). */
  protected readonly pending = new ReplyBuffer(PENDING_KEEP);
  /**
   * Bytes kept by failed early writes (spill), in order, before `pending`: each piece about the
   * early write's size (AofWriter.earlyWriteAt). Empty but while writes fail.
   */
  private spilled: Buffer[] = [];
  protected spilledBytes = 0;
  /** Bytes known to be in the current file (what a failed partial write is truncated back to). */
  fileSize: number;
  /** Why the last write (or `always` fsync) failed; null when the last one succeeded. */
  lastWriteError: string | null = null;
  /** A file whose directory fsync failed under `always` (dirNotDurable), or null. */
  protected unsyncedDir: string | null = null;
  /** Why the last background (everysec) fsync failed; null when the last one succeeded. */
  lastFsyncError: string | null = null;
  /**
   * Failed background fsyncs so far. Only an fsync started after the last failure clears it: the
   * kernel reports a writeback error to one fsync, and another already running may return 0
   * though the bytes it was to make durable are lost.
   */
  protected fsyncFailures = 0;
  /** Counts the times pending bytes were written out or moved (a unit's start then changes). */
  protected epoch = 0;
  latency: LatencySink = NO_LATENCY;

  constructor(
    protected fd: number,
    protected readonly io: FileIO,
    readonly log: AofLog,
    fileSize: number,
  ) {
    this.fileSize = fileSize;
  }

  /** AofWriter.written: it also notes the database the file's bytes end in. */
  protected abstract written(n: number): void;

  protected fsyncFailed(err: Error): void {
    const reason = strerror(errorCode(err));
    if (this.lastFsyncError !== reason) this.log.warning(`Error fsyncing the AOF file: ${reason}`);
    this.lastFsyncError = reason;
    this.fsyncFailures++;
  }

  /**
   * `always`: the bytes just written are durable, or cut off again and kept pending, so that the
   * retry writes them anew. A failed fsync may have lost them, and Linux reports that once (the
   * pages are marked clean): a later fsync would succeed without them. Redis exits here; we keep
   * the replies held (MISCONF meanwhile) until the bytes are written and fsynced again.
   */
  protected fsyncAlways(n: number): boolean {
    const t1 = latencyStart(this.latency);
    try {
      this.io.fsync(this.fd);
    } catch (e) {
      try {
        this.io.ftruncate(this.fd, this.fileSize);
      } catch {
        // They stay in the file: only the fsync can be retried (retryFsync), and it may succeed
        // without them. Nothing better is left short of exiting, as Redis does.
        this.written(n);
      }
      this.writeFailed(e);
      return false;
    }
    latencyEnd(this.latency, t1, 'aof-fsync-always');
    return true;
  }

  /**
   * `always`: the fsync of the directory after the rename of a manifest naming the current file
   * failed, so that rename may not survive a power loss: writes are refused (MISCONF) and nothing is
   * acknowledged until an fsync of the directory succeeds (retried with each flush).
   */
  dirNotDurable(path: string, e: unknown): void {
    this.unsyncedDir = path;
    this.writeFailed(e);
  }

  protected retryDirFsync(): boolean {
    try {
      this.io.fsyncDir(this.unsyncedDir!);
    } catch (e) {
      this.writeFailed(e);
      return false;
    }
    this.unsyncedDir = null;
    return true;
  }

  /** Nothing pending but the last `always` fsync failed: the data is durable once one succeeds. */
  protected retryFsync(): boolean {
    try {
      this.io.fsync(this.fd);
    } catch (e) {
      this.writeFailed(e);
      return false;
    }
    this.recovered();
    return true;
  }

  protected recovered(): void {
    if (this.lastWriteError !== null) {
      this.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteError = null;
    }
  }

  protected writeFailed(e: unknown): void {
    if (e instanceof ShortWriteError && e.written > 0) this.cutPartialWrite(e.written);
    const reason = strerror(errorCode(e));
    if (this.lastWriteError !== reason) this.log.warning(`Error writing to the AOF file: ${reason}`);
    this.lastWriteError = reason;
  }

  /**
   * Never leave half a command in the file followed by a retried whole one: cut the partial write
   * off. If even that fails, the written part stays in the file and is dropped from the pending
   * bytes (the retry writes only the rest), as Redis does.
   */
  private cutPartialWrite(written: number): void {
    try {
      this.io.ftruncate(this.fd, this.fileSize);
    } catch {
      this.fileSize += written;
      this.dropWritten(written);
    }
  }

  // --- the bytes not written yet: the spilled pieces, then `pending` ---------------------------

  /** Bytes not written yet (INFO aof_buffer_length). */
  get pendingBytes(): number {
    return this.spilledBytes + this.pending.len;
  }

  /**
   * An early write failed: its bytes leave the buffer appended to, which starts anew (the next
   * early write comes another earlyWriteAt bytes on). Kept in it, they made every later append
   * retry the write with all of them, and the buffer grew until Node refused (4 GB): an internal
   * error in a command that had changed the dataset.
   */
  protected spill(): void {
    const n = this.pending.len;
    if (n === 0) return;
    const piece = Buffer.allocUnsafeSlow(n);
    this.pending.buf.copy(piece, 0, 0, n);
    this.spilled.push(piece);
    this.spilledBytes += n;
    this.pending.clear();
    this.epoch++;
  }

  /**
   * Writes the spilled pieces, then `tail` (the pending bytes). A failure is thrown as a
   * ShortWriteError counting every byte this call wrote, so that writeFailed cuts them all off.
   */
  protected writeSpilled(tail: Buffer): void {
    let done = 0;
    for (const b of [...this.spilled, tail]) {
      try {
        this.io.write(this.fd, b);
      } catch (e) {
        throw new ShortWriteError(done + (e instanceof ShortWriteError ? e.written : 0), errorCode(e));
      }
      done += b.length;
    }
  }

  /** Forgets every byte not written yet (written, or dropped). */
  protected clearUnwritten(): void {
    this.pending.clear();
    if (this.spilledBytes === 0) return;
    this.spilled = [];
    this.spilledBytes = 0;
  }

  /** Puts `b` before every byte not written yet (switchFile's SELECT). */
  protected prependUnwritten(b: Buffer): void {
    this.spilled.unshift(b);
    this.spilledBytes += b.length;
    this.epoch++;
  }

  /** Keeps the first `n` bytes not written yet, drops the rest (AofWriter.dropUnit). */
  protected keepUnwritten(n: number): void {
    let i = 0;
    while (i < this.spilled.length && n >= this.spilled[i].length) n -= this.spilled[i++].length;
    if (i === this.spilled.length) {
      this.pending.len = n;
      return;
    }
    const kept = this.spilled.slice(0, i);
    if (n > 0) kept.push(this.spilled[i].subarray(0, n));
    this.spilled = kept;
    this.spilledBytes = kept.reduce((sum, b) => sum + b.length, 0);
    this.pending.clear();
  }

  /** The first `n` bytes not written yet are in the file (a partial write that could not be cut off). */
  private dropWritten(n: number): void {
    while (n > 0 && this.spilled.length > 0) {
      const b = this.spilled[0];
      const k = Math.min(n, b.length);
      if (k === b.length) this.spilled.shift();
      else this.spilled[0] = b.subarray(k);
      this.spilledBytes -= k;
      n -= k;
    }
    if (n > 0) {
      const rest = Buffer.from(this.pending.buf.subarray(n, this.pending.len));
      this.pending.take();
      this.pending.writeBytes(rest);
    }
    this.epoch++;
  }

  /** -MISCONF text while writes (or background fsyncs) fail, else null. */
  writeError(): string | null {
    const reason = this.lastWriteError ?? this.lastFsyncError;
    return reason === null ? null : MISCONF_AOF + reason;
  }
}
