// The append-only file writer. Effects are encoded as RESP multibulk commands (Redis's own AOF
// format, with a SELECT whenever the database changes) into a buffer during the event-loop turn;
// `flush()` writes the whole turn with one write system call before any reply of that turn leaves
// (group commit). With `appendfsync always` the same flush also fsyncs; with `everysec` the cron
// fsyncs at most once a second on the thread pool; with `no` the OS decides.
//
// A request's big value (earlyWriteAt bytes and up) is written from the request's own bytes instead
// of being copied into that buffer (holdBig, held-args.ts).
//
// The file itself (its descriptor, its size, the pending bytes) and what is done when a write or
// an fsync of it fails (-MISCONF, the retries) are aof-file.ts's, the base class.

import type { FileIO } from './fileio.js';
import { encode, timestampLine } from './aof-format.js';
import { AofFile } from './aof-file.js';
import { AofUnit, type HeldUnit } from './aof-unit.js';
import { PoolFsyncs } from './pool-fsyncs.js';
import { latencyEnd, latencyStart } from './latency-sink.js';
import { blockFor, wallNow } from '../timers.js';
import { errorText } from '../errors.js';
import { ReplyBuffer } from '../protocol/encoder.js';
import { HeldArgs } from './held-args.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

/**
 * Pending bytes from this size on are written before the turn ends (writeEarly): one command can
 * append more than one Buffer holds (4 GB: an EXEC of nine 500 MB SETs), or than one write takes.
 */
const EARLY_WRITE_AT = 256 * 1024 * 1024;

export interface AofLog {
  notice(msg: string): void;
  warning(msg: string): void;
}

export class AofWriter extends AofFile {
  private selectedDb = -1;
  /** The database selected at the end of what the current file holds (see switchFile). */
  private fileDb = -1;
  /** Bytes of the AOF's other files (the base and earlier incr files). */
  otherBytes = 0;
  /** Size after the last rewrite (or at start): the base of auto-rewrite growth. */
  baseSize: number;
  /** A rewrite is running (the latency event of a write says so; no fsync meanwhile with noFsyncOnRewrite). */
  rewriting = false;
  /**
   * no-appendfsync-on-rewrite: while a rewrite runs, writes are not fsynced (`always` answers
   * after the write alone, `everysec` skips its fsyncs), as Redis while a child writes; the bytes
   * are fsynced once it ends (switchFile, or the next fsync of the file).
   */
  noFsyncOnRewrite = false;

  /** Whether fsyncs wait for the running rewrite's end (noFsyncOnRewrite). */
  private get fsyncHeld(): boolean {
    return this.rewriting && this.noFsyncOnRewrite;
  }
  /** Background fsyncs running on the thread pool, and the descriptors they may still use. */
  private readonly fsyncs: PoolFsyncs;
  private dirtySinceFsync = false;
  private lastFsyncAt = 0;
  /** The running command's effects (aof-unit.ts). */
  private readonly unit = new AofUnit(this.pending);
  /** Requests' big arguments with their own bytes (holdBig). */
  private readonly held = new HeldArgs();
  /** aof-timestamp-enabled: a `#TS:<unix seconds>` line before the first effect of each second. */
  timestamps = false;
  /** The second of the last `#TS` line (Redis's aof_cur_timestamp). */
  private lastTs = 0;

  constructor(
    fd: number,
    public path: string,
    public policy: FsyncPolicy,
    io: FileIO,
    log: AofLog,
  ) {
    super(fd, io, log, io.size(path));
    this.baseSize = this.fileSize;
    this.fsyncs = new PoolFsyncs(io);
  }

  /** The whole AOF's size: base and incr files (INFO aof_current_size, auto-rewrite growth). */
  get size(): number {
    return this.otherBytes + this.fileSize;
  }

  /**
   * Records one effect in database `db`: `raw[start, end)` when given (the request's own bytes,
   * canonical RESP: profile of INCR -P 16, encoding the arguments again was 10% of the server's
   * busy time), else `args` encoded. The caller then calls appended().
   */
  append(db: number, args: readonly string[], raw?: Buffer, start = -1, end = 0): void {
    // As Redis's feedAppendOnlyFile: the annotation first, then a SELECT, then the effect. Not
    // between the effects of one command: Redis reads the second once per command, so a block's
    // MULTI ... EXEC never holds one (redis-check-aof --truncate-to-timestamp would cut it open).
    const unit = this.unit;
    // A unit's bytes begin with its annotation: what take() removes (CONFIG SET appendonly no, DEBUG
    // LOADAOF run by EXEC) holds no stray #TS line of its own, as Redis writes it at EXEC's end.
    const head = this.pending.len;
    if (this.timestamps && unit.ops <= 0) this.annotate();
    const dbBefore = this.selectedDb;
    if (db !== dbBefore) {
      encode(this.pending, ['SELECT', String(db)]);
      this.selectedDb = db;
    }
    if (unit.ops >= 0) unit.effect(head, dbBefore, this.epoch);
    if (start >= 0) this.pending.writeRange(raw!, start, end);
    // Written through only inside a command's unit (not appendAlone's, whose early write must wait
    // for the unit to be back and open the command's block: appended()).
    else if (this.held.size === 0 || unit.ops <= 0) encode(this.pending, args);
    else this.encodeThrough(args);
  }

  /**
   * An argument `arg` of earlyWriteAt bytes or more of `owner`'s request (a connection's) being
   * parsed, and its bytes as received, `$<len>\r\n<data>\r\n`, in a buffer nothing else writes
   * into or reads any more (RequestSink.bigArg): an effect holding `arg` gets it written from
   * them (encodeThrough), until that request has run (dropHeld).
   */
  holdBig(owner: object, arg: string, bytes: Buffer): void {
    if (arg.length >= this.earlyWriteAt) this.held.hold(owner, arg, bytes);
  }

  dropHeld(owner: object): void {
    this.held.drop(owner);
  }

  /**
   * encode() of an effect while big arguments are held: one of them is written from its own bytes,
   * after what is pending (the early write its size would have made anyway: the same bytes in the
   * file), not copied into the pending buffer. That copy was a third of a 400 MB SET's peak RSS
   * with the AOF on (the request's bytes, the value's string, the pending copy).
   */
  private encodeThrough(args: readonly string[]): void {
    this.pending.arrayHeader(args.length);
    for (const a of args) {
      const bytes = a.length >= this.earlyWriteAt ? this.held.take(a) : null;
      if (bytes === null || !this.writeThrough(bytes)) this.pending.bulk(a);
    }
  }

  /**
   * Writes what is pending, then `bytes` from where they are (ReplyBuffer.adopt: the request's
   * buffer, which nothing uses once it ran); false when the first write failed (the caller then
   * copies them after the bytes it set aside, as any). Should the second fail, they are set aside
   * as a failed early write's are (spill: a copy, on that path only) and retried with the rest.
   */
  private writeThrough(bytes: Buffer): boolean {
    this.writeEarly();
    if (this.pendingBytes !== 0) return false;
    this.pending.adopt(bytes);
    if (!this.flush()) this.spill();
    this.pending.detach();
    return true;
  }

  /**
   * Called after each append() (AofPersistence.append): pending bytes past earlyWriteAt are
   * written now (writeEarly). Not inside append(): there it cost INCR and SET with the AOF 10-20 ns
   * a command in process (bench/hotpath.ts --aof), here nothing measurable (V8's inlining).
   */
  appended(): void {
    if (this.pending.len >= this.earlyWriteAt) this.writeEarly();
  }

  /** EARLY_WRITE_AT; a test sets its own. */
  earlyWriteAt = EARLY_WRITE_AT;

  /**
   * Writes the pending bytes in the middle of a turn: a turn's effects used to grow one buffer
   * until Node refused a larger one (4 GB), which threw inside the command after it had changed the
   * dataset, and the bytes were never written (a single write takes at most 2 GB). The running
   * command's block is opened first (AofUnit.open). Replies still wait for the turn's flush; a
   * failed write keeps the bytes, as a failed flush does, moved out of the buffer (spill).
   */
  private writeEarly(): void {
    this.unit.open(this.epoch, this.fileSize + this.spilledBytes);
    if (!this.flush()) this.spill();
  }

  /**
   * Microseconds to sleep before writing pending bytes (DEBUG AOF-FLUSH-SLEEP, the server's: it
   * outlives this writer), as Redis's flushAppendOnlyFile: Redis's test suite widens the moment
   * between a turn's commands and its AOF write with it, to check no reply leaves before the write.
   */
  flushSleepUs: () => number = () => 0;

  /** The wall clock the timestamp lines read (a test sets its own). */
  wallClock: () => number = wallNow;

  /** Redis's genAofTimestampAnnotationIfNeeded: a line when the wall clock's second moved on. */
  private annotate(): void {
    const now = this.wallClock();
    if (Math.floor(now / 1000) <= this.lastTs) return;
    this.lastTs = Math.floor(now / 1000);
    this.pending.writeAscii(timestampLine(now));
  }

  /**
   * A command starts (Redis's execution unit): what it appends until endUnit() is one block. Outside
   * a unit (active expiry, eviction: Redis propagates each of those DELs alone) nothing is wrapped.
   */
  beginUnit(): void {
    this.unit.ops = 0;
  }

  /** The command ended: its effects are one MULTI ... EXEC block if more than one (AofUnit.end). */
  endUnit(): void {
    this.unit.end(this.epoch);
  }

  /**
   * CONFIG SET appendonly no run by EXEC: the transaction's effects so far are never written
   * (aof-unit.ts). Returns why that could not be done (the unit then goes on as it was), or null.
   */
  dropUnit(): string | null {
    const at = this.unit.inFile(this.epoch);
    if (at >= 0) {
      const failed = this.cutUnit(at);
      if (failed !== null) return failed;
    } else if (this.unit.take(this.epoch) !== null) {
      this.selectedDb = this.unit.dbBefore;
    }
    this.unit.abandon();
    return null;
  }

  /**
   * dropUnit of a unit written early: its bytes, from file offset `at` on, are cut off the file,
   * the unwritten ones dropped (left, the block's MULTI had no EXEC: aof-load-truncated no refused
   * the file). When the cut fails, nothing changes and the reason is returned: the file stays on
   * (CONFIG SET fails), the block closed by EXEC at the transaction's end, not left open for good.
   */
  private cutUnit(at: number): string | null {
    if (at >= this.fileSize) {
      this.keepUnwritten(at - this.fileSize); // not written, or in part (a write cut short)
    } else {
      try {
        this.io.ftruncate(this.fd, at);
      } catch (e) {
        const reason = `could not cut the running transaction off the AOF file: ${errorText(e)}`;
        this.log.warning(reason);
        return reason;
      }
      this.clearUnwritten();
      this.fileSize = at;
      this.fileDb = this.unit.dbBefore;
      this.dirtySinceFsync = true;
    }
    this.selectedDb = this.unit.dbBefore;
    this.epoch++;
    return null;
  }

  /**
   * DEBUG LOADAOF run by EXEC: syncNow(), but the transaction's effects stay out of what is
   * reloaded (aof-unit.ts): held pending meanwhile, or, written early already, after the offset of
   * the current file returned (the load stops there), else -1.
   */
  syncBeforeUnit(): number {
    const at = this.unit.inFile(this.epoch);
    this.putBackUnit(this.holdUnit());
    return at;
  }

  /**
   * syncNow() of what came before the running command's block, whose bytes, if all pending, are
   * taken out meanwhile and returned for putBackUnit (else null). Throws (them put back) on failure.
   * A synchronous rewrite run by the command (DEBUG RELOAD) puts them back only if it fails: its
   * base holds those effects, the rest of the block goes to its new file (AofUnit.leftFile).
   */
  holdUnit(): HeldUnit | null {
    const bytes = this.unit.inFile(this.epoch) < 0 ? this.unit.take(this.epoch) : null;
    if (bytes === null) {
      this.syncNow();
      return null;
    }
    const held = { bytes, db: this.selectedDb };
    this.selectedDb = this.unit.dbBefore;
    try {
      this.syncNow();
    } catch (e) {
      this.putBackUnit(held);
      throw e;
    }
    return held;
  }

  /** Puts back what holdUnit() took: after what was pending before it, written meanwhile. */
  putBackUnit(held: HeldUnit | null): void {
    if (held === null) return;
    this.unit.putBack(held.bytes, this.epoch);
    this.selectedDb = held.db;
  }

  /**
   * An effect that is never part of the running command's block: the DEL of a key evicted while a
   * command runs (CONFIG SET maxmemory evicting at once), which Redis propagates alone.
   */
  appendAlone(db: number, args: readonly string[]): void {
    const ops = this.unit.ops;
    this.unit.ops = -1;
    this.append(db, args);
    this.unit.ops = ops;
    // Once the unit is back: an early write opens the command's block first (AofUnit.open).
    this.appended();
  }

  get fsyncPending(): boolean {
    return this.fsyncs.running;
  }

  /**
   * Writes the bytes of this turn (and fsyncs under `always`). Returns false when that failed: the
   * bytes stay pending and are retried on the next call.
   */
  flush(): boolean {
    if (this.unsyncedDir !== null && !this.retryDirFsync()) return false;
    const n = this.pending.len + this.spilledBytes;
    if (n === 0) return this.lastWriteError === null || this.retryFsync();
    const sleepUs = this.flushSleepUs();
    if (sleepUs > 0) blockFor(sleepUs / 1000);
    const bytes = this.pending.buf.subarray(0, this.pending.len);
    // As Redis's flushAppendOnlyFile: what the write competed with (a background fsync, a rewrite).
    const context = this.fsyncs.running ? 'aof-write-pending-fsync' : this.rewriting ? 'aof-write-active-child' : 'aof-write-alone';
    const t0 = latencyStart(this.latency);
    try {
      if (this.spilledBytes === 0) this.io.write(this.fd, bytes);
      else this.writeSpilled(bytes);
    } catch (e) {
      this.writeFailed(e);
      return false;
    }
    latencyEnd(this.latency, t0, context, 'aof-write');
    const skipFsync = this.fsyncHeld;
    if (this.policy === 'always' && !skipFsync) {
      if (!this.fsyncAlways(n)) return false;
      this.dirtySinceFsync = false; // the file's bytes before these (written during a rewrite) too
    }
    this.written(n);
    if (this.policy !== 'always' || skipFsync) this.dirtySinceFsync = true;
    this.recovered();
    return true;
  }

  /** The pending bytes are in the file: the next ones start after them. */
  protected override written(n: number): void {
    this.fileSize += n;
    this.clearUnwritten();
    this.epoch++;
    this.fileDb = this.selectedDb;
  }

  /**
   * The everysec policy, from the cron: an fsync on the thread pool at most once a second. Under
   * `always` too, for bytes a rewrite left unsynced (noFsyncOnRewrite) when no write came after it.
   */
  backgroundFsync(now: number): void {
    // After a failure, whether or not anything was written since (writes are refused meanwhile, and
    // a rewrite's switchFile() resets dirtySinceFsync): only a later fsync that succeeds clears it.
    if (this.policy === 'no' || !(this.dirtySinceFsync || this.lastFsyncError !== null) || this.fsyncs.running) return;
    if (this.fsyncHeld) return;
    if (now - this.lastFsyncAt < 1000) return;
    this.dirtySinceFsync = false;
    this.lastFsyncAt = now;
    const failuresBefore = this.fsyncFailures;
    this.fsyncAsync((err) => {
      if (err) {
        this.dirtySinceFsync = true;
        this.fsyncFailed(err);
      } else if (this.lastFsyncError !== null && this.fsyncFailures === failuresBefore) {
        this.log.warning('AOF fsync error looks solved, Redis can write again.');
        this.lastFsyncError = null;
      }
    });
  }

  /** fsyncs the current file on the thread pool (everysec, BGSAVE). */
  fsyncAsync(cb: (err: Error | null) => void): void {
    this.fsyncs.run(this.fd, cb);
  }

  /**
   * BGSAVE's fsync of the current file (bgsave.ts). Under `everysec` its failure is the AOF's, as
   * a background fsync's: the kernel reports a writeback error once per open file, so the next
   * fsync of this descriptor would succeed with those bytes lost; writes are refused (-MISCONF,
   * as Redis's aof_bio_fsync_status) until an fsync of the file succeeds again.
   */
  fsyncForSave(cb: (err: Error | null) => void): void {
    this.fsyncs.run(this.fd, (err) => {
      if (err && this.policy === 'everysec') {
        this.dirtySinceFsync = true;
        this.fsyncFailed(err);
      }
      cb(err);
    });
  }

  /**
   * Writes what is pending and fsyncs, synchronously (shutdown, SAVE). Throws on failure. Under
   * `always` too when bytes are unsynced: written during a rewrite (noFsyncOnRewrite), or before
   * a CONFIG SET from everysec.
   */
  syncNow(): void {
    if (!this.flush()) throw new Error(`Error writing to the AOF file: ${this.lastWriteError}`);
    if (this.policy !== 'always' || this.dirtySinceFsync) {
      this.io.fsync(this.fd);
      this.dirtySinceFsync = false;
      this.lastFsyncError = null;
    }
  }

  // --- rewrite support ------------------------------------------------------------------------

  /**
   * Appends to a new (incr) file from now on. The caller flushed this turn's bytes to the old one,
   * which is fsynced (unless `always` already did) and closed on the thread pool; an fsync error
   * there is reported as a background fsync error (-MISCONF until an fsync succeeds).
   */
  switchFile(fd: number, path: string): void {
    this.unit.leftFile();
    const old = this.fd;
    const dirty = this.dirtySinceFsync;
    this.fd = fd;
    this.path = path;
    this.otherBytes += this.fileSize;
    this.fileSize = 0;
    if (this.pendingBytes === 0) {
      this.selectedDb = -1;
    } else if (this.fileDb >= 0) {
      // Bytes appended for the old file and not written yet (a rewrite aborted while its first
      // manifest save was in flight) go to the new one, which redis-server replays from db 0: they
      // get the SELECT they relied on. selectedDb stays what it is at their end.
      const select = new ReplyBuffer();
      encode(select, ['SELECT', String(this.fileDb)]);
      this.prependUnwritten(select.take());
    }
    this.fileDb = -1;
    this.dirtySinceFsync = false;
    if (!dirty) return this.fsyncs.closeWhenIdle(old);
    this.fsyncs.run(old, (err) => {
      if (err) this.fsyncFailed(err);
      this.fsyncs.closeWhenIdle(old);
    });
  }

  /** After a rewrite: the AOF is `otherBytes` (the new base) plus the current file. */
  rebase(otherBytes: number): void {
    this.otherBytes = otherBytes;
    this.baseSize = this.size;
  }

  /** Closes the file (everything was written and fsynced by the caller), once no fsync uses it. */
  close(): void {
    this.fsyncs.close(this.fd);
  }
}
