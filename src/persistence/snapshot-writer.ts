// The AOF rewrite's temp file and the walk that fills it (step 3 of rewrite.ts): every database's
// keys as they were at T0, the unchanged ones read from the live dictionaries in slices, then the
// T0 states the snapshot hooks saved (snapshot-recorder.ts) for the keys changed meanwhile.
//
// Latency (profiled with 1,000,000 keys under a SET load; KS_REWRITE_TRACE, rewrite-trace.ts):
// every slice (rewrite-slices.ts) is bounded by time, not by keys (0.5-2 ms: about as long as clients used the loop
// since the last one), and starts by sending the replies already computed;
// the walk reads the T0 table's slots in order (slot-dict.ts: key and value side by side, no
// lookup and nothing allocated per key) and encodes a string key without allocating (keydump.ts)
// into one output buffer reused for every chunk, so it adds few garbage-collection pauses; every
// write, fsync and close runs on the thread pool.

import { performance } from 'node:perf_hooks';
import { ReplyBuffer } from '../protocol/encoder.js';
import { encode, timestampLine } from './aof-format.js';
import { fileError, type FileIO } from './fileio.js';
import { AOF_IO } from '../errors.js';
import { writeKey } from './keydump.js';
import type { SnapshotRecorder } from './snapshot-recorder.js';
import { deadlineOrUndefined } from '../keyspace/deadline-column.js';
import { cb } from './manifest.js';
import type { RewriteTrace } from './rewrite-trace.js';
import { sliced, WRITE_CHUNK, type SliceHost } from './rewrite-slices.js';
import { wallNow } from '../timers.js';

/** Slots walked between two looks at the clock. */
const KEYS_PER_CHECK = 64;
/** The walk's output buffer: a write's worth (WRITE_CHUNK) and room for the key that crosses it. */
const OUT_SIZE = WRITE_CHUNK + 64 * 1024;
/** The most of it kept between writes: a bigger value's copy is let go once written (ReplyBuffer.rewind). */
const OUT_KEEP = 8 * 1024 * 1024;

/** Writes the dataset at T0 to the temp file; also what the walk's slices use (SliceHost). */
export class SnapshotWriter implements SliceHost {
  /** The temp file's descriptor; -1 when it is not open. */
  fd = -1;
  /** Bytes written to it. */
  written = 0;
  /** The walk's output: one storage, filled and written again and again. */
  readonly out = new ReplyBuffer();

  /** `beforeSlice`: sends the replies already computed; `checkAborted`: throws once the rewrite is stopped. */
  constructor(
    private readonly io: FileIO,
    readonly trace: RewriteTrace,
    readonly beforeSlice: () => void,
    readonly checkAborted: () => void,
  ) {}

  /** Opens the temp file at `path` (throws a FileOpError), its output starting with a timestamp line if asked. */
  open(path: string, timestamps: boolean): void {
    try {
      this.fd = this.io.openWrite(path);
    } catch (e) {
      throw fileError(AOF_IO.openTemp(path), e);
    }
    this.out.buf = Buffer.allocUnsafe(OUT_SIZE);
    if (timestamps) this.out.writeAscii(timestampLine(wallNow()));
  }

  /** Database i at T0: its unchanged keys walked in slices, then the saved T0 states of the others. */
  async writeDb(i: number, rec: SnapshotRecorder): Promise<void> {
    const out = this.out;
    const values = rec.values;
    const limit = values.limit;
    let selected = false;
    let slot = values.next(-1);
    // One step: up to KEYS_PER_CHECK slots; true when the walk is complete.
    await sliced(this, () => {
      // Not past a write's worth of output: 64 keys of 500 MB in one step grew the buffer past
      // Node's largest (4 GB), and the rewrite failed (and failed again on every retry).
      for (let n = 0; n < KEYS_PER_CHECK && slot < limit && out.len < WRITE_CHUNK; n++, slot = values.next(slot)) {
        if (rec.changed(slot)) continue;
        const key = values.keyAt(slot);
        if (key === undefined) continue;
        rec.done(slot);
        // Every key stored at T0 is written with its deadline, even one passed already (not
        // reclaimed yet), as Redis 7.0's rewriteAppendOnlyFileRio: the load keeps it (no deadline
        // passes while loading), then it expires, and its DEL goes to the incr file.
        if (!selected) encode(out, ['SELECT', String(i)]);
        selected = true;
        writeKey(out, key, values.value(slot), deadlineOrUndefined(values.deadline(slot)));
      }
      return slot >= limit;
    });
    // T0 states of keys changed during the walk; no more recording needed for this db (its later
    // changes are all in the new incr file). They are bytes already: written as they are.
    this.checkAborted();
    rec.end();
    const saved = rec.takeSaved();
    if (saved.length > 0 && !selected) encode(out, ['SELECT', String(i)]);
    await this.writeOut();
    for (const chunk of saved) await this.writeBuffer(chunk);
  }

  /** Writes the walk's output buffer and empties it (keeping its storage unless a big value grew it). */
  async writeOut(): Promise<void> {
    await this.writeBuffer(this.out.peek());
    this.out.rewind(OUT_KEEP, OUT_SIZE);
  }

  /** Writes `bytes` to the temp file on the thread pool; the caller keeps them unchanged until then. */
  private writeBuffer(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return Promise.resolve();
    const t = performance.now();
    return new Promise((resolve, reject) => {
      this.io.writeAsync(this.fd, bytes, (err) => {
        this.trace.waited('write', t);
        if (err) return reject(err);
        this.written += bytes.length;
        try {
          this.checkAborted();
        } catch (e) {
          return reject(e);
        }
        resolve();
      });
    });
  }

  /** Makes the temp file durable, on the thread pool. */
  async fsync(): Promise<void> {
    const t = this.trace.start();
    await cb((done) => this.io.fsyncAsync(this.fd, done));
    this.trace.waited('fsync', t);
  }

  /** Closes the temp file (written and fsynced) before its rename, on the thread pool. */
  close(): void {
    this.io.closeAsync(this.fd, () => {});
    this.fd = -1;
  }

  /** Closes the temp file at once if it is open (an unfinished rewrite's cleanup). */
  closeNow(): void {
    closeQuietly(this.io, this.fd);
    this.fd = -1;
  }
}

/** Closes `fd` if it is one (>= 0), ignoring an error (already closed). */
export function closeQuietly(io: FileIO, fd: number): void {
  try {
    if (fd >= 0) io.close(fd);
  } catch {
    // already closed
  }
}
