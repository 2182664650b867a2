// AOF rewrite (compaction) without fork and without stopping the server.
//
// At the start (time T0, between two commands) every database's dictionaries get a snapshot hook:
// before a key of the T0 dictionaries changes for the first time, the hook saves the commands that
// recreate its T0 state (serialized at once, so a value later modified in place cannot leak into
// the snapshot). A writer then walks the live T0 dictionaries in small time slices, skipping keys
// the hook saved, and finally writes the saved T0 states: the result is exactly the dataset at T0.
// Effects after T0 are recorded by the AofWriter in a rewrite tail and appended at the end, so
// nothing is lost and nothing is applied twice (INCR and APPEND are not idempotent).
//
// Crash safety: the new file is written beside the old one (temp-rewriteaof-<pid>-<n>.aof),
// fsynced, renamed over the old one, and the directory fsynced. Until the rename the old file is
// complete (it keeps receiving every write); after it, the new one is.

import { join } from 'node:path';
import { ReplyBuffer } from '../protocol/encoder.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { SnapshotView } from '../keyspace/dict.js';
import { stringOf, type TypedValue, type Value } from '../keyspace/values.js';
import { encode, latencyEnd, latencyStart, type AofWriter, type RewriteTail } from './aof.js';
import type { FileIO } from './fileio.js';
import { faultPoint } from './faults.js';

/** Time a writer slice may hold the event loop, in ms. */
const SLICE_MS = 4;
/** Bytes gathered before a write is issued. */
const WRITE_CHUNK = 1024 * 1024;
/** The tail is drained into the new file until it is smaller than this; the rest is written at the switch. */
const TAIL_DRAIN = 256 * 1024;

let rewriteCounter = 0;

export const TEMP_FILE = /^temp-rewriteaof-\d+(-\d+)?\.aof$/;

/** Commands that recreate one key (Redis's rewriteAppendOnlyFileRio, for the types we have). */
export function keyCommands(key: string, value: Value, expire: number | undefined): string[][] {
  const s = stringOf(value);
  const out: string[][] = [];
  if (s !== undefined) out.push(['SET', key, s]);
  else {
    // Collection types provide rewrite(key): the commands that rebuild them.
    const v = value as TypedValue & { rewrite?: (k: string) => string[][] };
    if (!v.rewrite) throw new Error(`no rewrite for values of type ${v.type}`);
    out.push(...v.rewrite(key));
  }
  if (expire !== undefined) out.push(['PEXPIREAT', key, String(expire)]);
  return out;
}

/** Saves T0 states of keys before their first change (see the module comment). */
class SnapshotRecorder {
  /** key -> [commands recreating the T0 state (null: the key did not exist), T0 deadline]. */
  readonly saved = new Map<string, [string[][] | null, number | undefined]>();
  values!: SnapshotView<Value>;
  expires!: SnapshotView<number>;

  readonly before = (key: string): void => {
    if (this.saved.has(key)) return;
    const value = this.values.get(key);
    const expire = this.expires.get(key);
    this.saved.set(key, [value === undefined ? null : keyCommands(key, value, expire), expire]);
  };

  end(): void {
    this.values?.end();
    this.expires?.end();
  }
}

export interface RewriteResult {
  ok: boolean;
  error?: string;
  seconds: number;
}

/** Writes the dataset as commands into `out`, one database at a time (synchronous). */
export function dumpKeyspace(keyspace: Keyspace, out: ReplyBuffer, now: number): void {
  for (const db of keyspace.dbs) {
    let selected = false;
    for (const [key, value] of db.dict.entries()) {
      const expire = db.expires.get(key);
      if (expire !== undefined && expire <= now) continue;
      if (!selected) {
        encode(out, ['SELECT', String(db.id)]);
        selected = true;
      }
      for (const cmd of keyCommands(key, value, expire)) encode(out, cmd);
    }
  }
}

export class Rewrite {
  readonly startedAt = Date.now();
  readonly tempPath: string;
  private fd = -1;
  private written = 0;
  private aborted = false;
  private detached = false;
  private cleaned = false;
  private tail: RewriteTail | null = null;
  /** Keyspace time at T0. */
  private t0 = 0;
  private readonly recorders: SnapshotRecorder[] = [];

  constructor(
    private readonly keyspace: Keyspace,
    private readonly aof: AofWriter,
    private readonly io: FileIO,
    dir: string,
  ) {
    this.tempPath = join(dir, `temp-rewriteaof-${process.pid}-${++rewriteCounter}.aof`);
  }

  /** Runs the whole rewrite; resolves when the new file is in place (or the rewrite failed). */
  async run(): Promise<RewriteResult> {
    const seconds = (): number => (Date.now() - this.startedAt) / 1000;
    try {
      this.begin();
      faultPoint('rewrite-begin');
      await this.writeSnapshot();
      faultPoint('rewrite-snapshot');
      await this.drainTail();
      await this.fsyncTemp();
      faultPoint('rewrite-fsync');
      this.finish();
      faultPoint('rewrite-done');
      return { ok: true, seconds: seconds() };
    } catch (e) {
      this.cleanup();
      return { ok: false, error: e instanceof Error ? e.message : String(e), seconds: seconds() };
    }
  }

  /**
   * Stops the rewrite: the snapshot hooks and the tail recording end now (so a new rewrite may
   * start at once); the temp file is closed and deleted when `run` notices, as an asynchronous
   * write may still be using its descriptor. `run` then resolves as failed.
   */
  abort(): void {
    this.aborted = true;
    this.detach();
  }

  /** Ends the snapshot hooks and the tail recording (idempotent). */
  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    for (const rec of this.recorders) rec.end();
    if (this.tail !== null) this.aof.stopRewriteTail(this.tail);
  }

  private checkAborted(): void {
    if (this.aborted) throw new Error('rewrite aborted');
  }

  /** T0: attach recorders, start recording effects, open the temp file. Synchronous. */
  private begin(): void {
    this.t0 = this.keyspace.clock.now();
    this.fd = this.io.openWrite(this.tempPath);
    for (const db of this.keyspace.dbs) {
      const rec = new SnapshotRecorder();
      rec.values = db.dict.beginSnapshot(rec.before);
      rec.expires = db.expires.beginSnapshot(rec.before);
      this.recorders.push(rec);
    }
    this.tail = this.aof.startRewriteTail();
  }

  private async writeSnapshot(): Promise<void> {
    const out = new ReplyBuffer();
    for (let i = 0; i < this.recorders.length; i++) {
      const rec = this.recorders[i];
      let selected = false;
      const emit = (cmds: string[][], expire: number | undefined): void => {
        // Expired at T0: not part of the T0 data (every later command saw it as missing). A key
        // expiring after T0 is kept with its deadline: commands in the tail may have touched it
        // while it was alive, and replaying them must find it.
        if (expire !== undefined && expire <= this.t0) return;
        if (!selected) {
          encode(out, ['SELECT', String(i)]);
          selected = true;
        }
        for (const cmd of cmds) encode(out, cmd);
      };
      const it = rec.values.entries();
      let done = false;
      while (!done) {
        const sliceEnd = performance.now() + SLICE_MS;
        while (!done && performance.now() < sliceEnd && out.len < WRITE_CHUNK) {
          for (let n = 0; n < 256; n++) {
            const r = it.next();
            if (r.done) {
              done = true;
              break;
            }
            const [key, value] = r.value;
            if (rec.saved.has(key)) continue;
            const expire = rec.expires.get(key);
            emit(keyCommands(key, value, expire), expire);
          }
        }
        this.checkAborted();
        if (out.len >= WRITE_CHUNK) {
          await this.writeOut(out);
          faultPoint('rewrite-partial');
        } else if (!done) await new Promise((r) => setImmediate(r));
        this.checkAborted();
      }
      // T0 states of keys changed during the walk; no more recording needed for this db (its later
      // changes are all in the tail).
      this.checkAborted();
      rec.end();
      for (const [cmds, expire] of rec.saved.values()) if (cmds !== null) emit(cmds, expire);
      rec.saved.clear();
      await this.writeOut(out);
      this.checkAborted();
    }
  }

  /** Moves the tail recorded so far into the new file, off the event loop, while it is large. */
  private async drainTail(): Promise<void> {
    while (this.tail !== null && this.tail.buf.len >= TAIL_DRAIN) {
      await this.writeOut(this.tail.buf);
      this.checkAborted();
    }
  }

  private writeOut(out: ReplyBuffer): Promise<void> {
    if (out.len === 0) return Promise.resolve();
    const bytes = out.take();
    return new Promise((resolve, reject) => {
      this.io.writeAsync(this.fd, bytes, (err) => {
        if (err) return reject(err);
        this.written += bytes.length;
        resolve();
      });
    });
  }

  private fsyncTemp(): Promise<void> {
    return new Promise((resolve, reject) => this.io.fsyncAsync(this.fd, (e) => (e ? reject(e) : resolve())));
  }

  /**
   * The switch, in one synchronous step: this turn's pending effects go to the old file first (the
   * tail also has them, and the new file gets them only from there), then the rest of the tail is
   * appended to the new file, fsynced, and the file renamed over the old one. From the rename on,
   * the new file is the live one whatever happens next.
   */
  private finish(): void {
    this.checkAborted();
    if (!this.aof.flush()) throw new Error(`can't flush the AOF before switching: ${this.aof.lastWriteError}`);
    const rest = this.tail!.buf.take();
    const t0 = latencyStart(this.aof.latency);
    this.io.write(this.fd, rest);
    this.io.fsync(this.fd);
    latencyEnd(this.aof.latency, t0, 'aof-rewrite-diff-write');
    faultPoint('rewrite-rename');
    const t1 = latencyStart(this.aof.latency);
    this.io.rename(this.tempPath, this.aof.path);
    latencyEnd(this.aof.latency, t1, 'aof-rename');
    this.detach();
    this.aof.switchTo(this.fd, this.written + rest.length);
    this.fd = -1;
    this.cleaned = true;
    try {
      this.io.fsyncDir(this.aof.path);
    } catch (e) {
      // The rename is done for every process; only a power loss could still undo it.
      this.aof.log.warning(`Could not fsync the directory of ${this.aof.path} after the rewrite: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Removes every trace of an unfinished rewrite (idempotent). */
  private cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    this.detach();
    if (this.fd >= 0) {
      try {
        this.io.close(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
    try {
      this.io.unlink(this.tempPath);
    } catch {
      // never created
    }
  }
}
