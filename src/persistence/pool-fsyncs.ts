// The AOF writer's fsyncs on the thread pool (everysec's once a second, BGSAVE's, the old file's
// after a switch to a new incr file) and the descriptors they may still use. A file replaced or
// closed while one runs keeps its descriptor until none does: closed at once, its number could be
// reused by the next open and the running fsync would then reach another file.

import type { FileIO } from './fileio.js';

export class PoolFsyncs {
  private inFlight = 0;
  /** Descriptors to close once no fsync runs. */
  private closeAfter: number[] = [];

  constructor(private readonly io: FileIO) {}

  /** Whether an fsync is running (INFO aof_pending_bio_fsync; a write then competes with it). */
  get running(): boolean {
    return this.inFlight > 0;
  }

  /** fsyncs `fd` on the thread pool. */
  run(fd: number, cb: (err: Error | null) => void): void {
    this.inFlight++;
    this.io.fsyncAsync(fd, (err) => {
      if (--this.inFlight === 0) for (const old of this.closeAfter.splice(0)) this.io.closeAsync(old, () => {});
      cb(err);
    });
  }

  /** Closes `fd` on the thread pool, once no fsync may still be using it. */
  closeWhenIdle(fd: number): void {
    if (this.inFlight > 0) this.closeAfter.push(fd);
    else this.io.closeAsync(fd, () => {});
  }

  /** Closes `fd` now (its data is written), or once no fsync uses it. */
  close(fd: number): void {
    if (this.inFlight > 0) {
      this.closeAfter.push(fd);
      return;
    }
    try {
      this.io.close(fd);
    } catch {
      // nothing left to lose: the descriptor's data was already written
    }
  }
}
