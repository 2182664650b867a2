// The append-only file writer. Effects are encoded as RESP multibulk commands (Redis's own AOF
// format, with a SELECT whenever the database changes) into a buffer during the event-loop turn;
// `flush()` writes the whole turn with one write system call before any reply of that turn leaves
// (group commit). With `appendfsync always` the same flush also fsyncs; with `everysec` the cron
// fsyncs at most once a second on the thread pool; with `no` the OS decides.
//
// A failed write keeps the bytes and is retried; until it succeeds, write commands are refused
// with -MISCONF (Server asks `writeError()`), reads keep working, and the error is logged once.
// A write that failed half-way is cut off with ftruncate so the file never holds half a command
// followed by a retried whole one.

import { performance } from 'node:perf_hooks';
import { ReplyBuffer } from '../protocol/encoder.js';
import { MISCONF_AOF } from '../errors.js';
import { errorCode, ShortWriteError, type FileIO } from './fileio.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

/** strerror() texts for the errors a write can meet, as Redis prints them. */
const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EDQUOT: 'Disk quota exceeded',
  EFBIG: 'File too large',
  EBADF: 'Bad file descriptor',
  EROFS: 'Read-only file system',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EINVAL: 'Invalid argument',
};

export const strerror = (code: string): string => STRERROR[code] ?? code;

export interface AofLog {
  notice(msg: string): void;
  warning(msg: string): void;
}

/**
 * Where the AOF's latency events go (the server's LATENCY monitor), under Redis's names:
 * aof-write and one of aof-write-pending-fsync / aof-write-active-child / aof-write-alone per
 * write, aof-fsync-always, and the rewrite's aof-rewrite-diff-write and aof-rename. The clock is
 * read only while monitoring is on (threshold > 0).
 */
export interface LatencySink {
  readonly threshold: number;
  sample(event: string, ms: number): void;
}

const NO_LATENCY: LatencySink = { threshold: 0, sample: () => {} };

/** A start time for `LatencySink` samples: 0 (no clock read) while monitoring is off. */
export const latencyStart = (sink: LatencySink): number => (sink.threshold === 0 ? 0 : performance.now());

/** Samples the time since `t0` under each of `events` (nothing while monitoring is off). */
export function latencyEnd(sink: LatencySink, t0: number, ...events: string[]): void {
  if (sink.threshold === 0 || t0 === 0) return;
  const ms = performance.now() - t0;
  for (const e of events) sink.sample(e, ms);
}

/** Effects recorded while a rewrite runs, with their own SELECT state (see rewrite.ts). */
export class RewriteTail {
  readonly buf = new ReplyBuffer();
  db = -1;
}

export class AofWriter {
  /** Bytes of this turn, not yet written. */
  private pending = new ReplyBuffer();
  private selectedDb = -1;
  private tail: RewriteTail | null = null;
  /** Bytes known to be in the file (what a failed partial write is truncated back to). */
  size: number;
  /** Size after the last rewrite (or at start): the base of auto-rewrite growth. */
  baseSize: number;
  /** Why the last write (or `always` fsync) failed; null when the last one succeeded. */
  lastWriteError: string | null = null;
  /** Why the last background (everysec) fsync failed; null when the last one succeeded. */
  lastFsyncError: string | null = null;
  /** Background fsyncs running on the thread pool. */
  private fsyncsInFlight = 0;
  private dirtySinceFsync = false;
  private lastFsyncAt = 0;
  /** Descriptors replaced by a rewrite while a background fsync used them: closed after it. */
  private closeAfterFsync: number[] = [];
  latency: LatencySink = NO_LATENCY;

  constructor(
    private fd: number,
    public path: string,
    public policy: FsyncPolicy,
    private readonly io: FileIO,
    readonly log: AofLog,
  ) {
    this.size = io.size(path);
    this.baseSize = this.size;
  }

  /** Records one effect in database `db`. */
  append(db: number, args: readonly string[]): void {
    if (db !== this.selectedDb) {
      encode(this.pending, ['SELECT', String(db)]);
      this.selectedDb = db;
    }
    encode(this.pending, args);
    const t = this.tail;
    if (t !== null) {
      if (db !== t.db) {
        encode(t.buf, ['SELECT', String(db)]);
        t.db = db;
      }
      encode(t.buf, args);
    }
  }

  /** Bytes appended and not yet written (INFO aof_buffer_length). */
  get pendingBytes(): number {
    return this.pending.len;
  }

  get fsyncPending(): boolean {
    return this.fsyncsInFlight > 0;
  }

  /**
   * Writes the bytes of this turn (and fsyncs under `always`). Returns false when that failed: the
   * bytes stay pending and are retried on the next call.
   */
  flush(): boolean {
    if (this.pending.len === 0) return this.lastWriteError === null || this.retryFsync();
    const bytes = this.pending.buf.subarray(0, this.pending.len);
    // As Redis's flushAppendOnlyFile: what the write competed with (a background fsync, a rewrite).
    const context = this.fsyncsInFlight > 0 ? 'aof-write-pending-fsync' : this.tail !== null ? 'aof-write-active-child' : 'aof-write-alone';
    const t0 = latencyStart(this.latency);
    try {
      this.io.write(this.fd, bytes);
    } catch (e) {
      this.writeFailed(e);
      return false;
    }
    latencyEnd(this.latency, t0, context, 'aof-write');
    this.size += bytes.length;
    this.pending.clear();
    if (this.policy === 'always') {
      // The bytes are in the file; only durability is in doubt: retry the fsync, not the write.
      const t1 = latencyStart(this.latency);
      try {
        this.io.fsync(this.fd);
      } catch (e) {
        this.writeFailed(e);
        return false;
      }
      latencyEnd(this.latency, t1, 'aof-fsync-always');
    } else {
      this.dirtySinceFsync = true;
    }
    this.recovered();
    return true;
  }

  /** Nothing pending but the last `always` fsync failed: the data is durable once one succeeds. */
  private retryFsync(): boolean {
    try {
      this.io.fsync(this.fd);
    } catch (e) {
      this.writeFailed(e);
      return false;
    }
    this.recovered();
    return true;
  }

  private recovered(): void {
    if (this.lastWriteError !== null) {
      this.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteError = null;
    }
  }

  private writeFailed(e: unknown): void {
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
      this.io.ftruncate(this.fd, this.size);
    } catch {
      this.size += written;
      const rest = Buffer.from(this.pending.buf.subarray(written, this.pending.len));
      this.pending.take();
      this.pending.writeBytes(rest);
    }
  }

  /** -MISCONF text while writes (or background fsyncs) fail, else null. */
  writeError(): string | null {
    const reason = this.lastWriteError ?? this.lastFsyncError;
    return reason === null ? null : MISCONF_AOF + reason;
  }

  /** The everysec policy, from the cron: an fsync on the thread pool at most once a second. */
  backgroundFsync(now: number): void {
    if (this.policy !== 'everysec' || !this.dirtySinceFsync || this.fsyncsInFlight > 0) return;
    if (now - this.lastFsyncAt < 1000) return;
    this.dirtySinceFsync = false;
    this.lastFsyncAt = now;
    this.fsyncAsync((err) => {
      if (err) {
        this.dirtySinceFsync = true;
        const reason = strerror(errorCode(err));
        if (this.lastFsyncError !== reason) this.log.warning(`Error fsyncing the AOF file: ${reason}`);
        this.lastFsyncError = reason;
      } else if (this.lastFsyncError !== null) {
        this.log.warning('AOF fsync error looks solved, Redis can write again.');
        this.lastFsyncError = null;
      }
    });
  }

  /**
   * fsyncs the current file on the thread pool (everysec, BGSAVE). If a rewrite replaced the file
   * meanwhile (and fsynced the new one), the callback gets no error: everything is durable.
   */
  fsyncAsync(cb: (err: Error | null) => void): void {
    const fd = this.fd;
    this.fsyncsInFlight++;
    this.io.fsyncAsync(fd, (err) => {
      if (--this.fsyncsInFlight === 0) for (const old of this.closeAfterFsync.splice(0)) this.closeInBackground(old);
      cb(fd === this.fd ? err : null);
    });
  }

  /** Writes what is pending and fsyncs, synchronously (shutdown, SAVE). Throws on failure. */
  syncNow(): void {
    if (!this.flush()) throw new Error(`Error writing to the AOF file: ${this.lastWriteError}`);
    if (this.policy !== 'always') {
      this.io.fsync(this.fd);
      this.dirtySinceFsync = false;
      this.lastFsyncError = null;
    }
  }

  // --- rewrite support ------------------------------------------------------------------------

  /** From now on, effects are also recorded in the returned buffer (until switchTo or stop). */
  startRewriteTail(): RewriteTail {
    this.tail = new RewriteTail();
    return this.tail;
  }

  /** Stops recording into `tail` (if it is still the current one). */
  stopRewriteTail(tail: RewriteTail): void {
    if (this.tail === tail) this.tail = null;
  }

  /**
   * Switches to the rewritten file, which already holds everything up to now (the caller flushed
   * this turn's pending bytes to the old file and appended the rewrite tail to the new one).
   * `synced`: the new file was fsynced whole; else its last bytes wait for the next fsync.
   */
  switchTo(fd: number, size: number, synced: boolean): void {
    const old = this.fd;
    this.fd = fd;
    this.size = size;
    this.baseSize = size;
    this.selectedDb = -1;
    this.tail = null;
    // An fsync error of the old file no longer matters: what it held is in the new one.
    this.dirtySinceFsync = !synced;
    this.lastFsyncError = null;
    if (this.fsyncsInFlight > 0) this.closeAfterFsync.push(old);
    else this.closeInBackground(old);
  }

  /** The old file was renamed over: its last close frees its blocks, off the event loop. */
  private closeInBackground(fd: number): void {
    this.io.closeAsync(fd, () => {
      // nothing left to lose: the descriptor's data is in the new file
    });
  }

  private closeQuietly(fd: number): void {
    try {
      this.io.close(fd);
    } catch {
      // nothing left to lose: the descriptor's data was already written
    }
  }

  close(): void {
    this.closeQuietly(this.fd);
  }
}

export function encode(b: ReplyBuffer, args: readonly string[]): void {
  b.arrayHeader(args.length);
  for (let i = 0; i < args.length; i++) b.bulk(args[i]);
}
