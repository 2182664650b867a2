// BGREWRITEAOF with appendonly no, in the background, as Redis 7.0's rewrite while its AOF is off
// (rewriteAppendOnlyFileBackground runs whatever aof_state says): the dataset of the command's
// instant becomes the next base file, alone in the manifest (every incr file and the old base
// become history, deleted), written by the same sliced, hooked walk as any rewrite (rewrite.ts,
// initial-rewrite.ts's end) while the server goes on. Nothing is appended meanwhile: the file is
// off, so writes after the command are in no file, as Redis's. AofOff (aof-off.ts) runs it.

import type { Server } from '../server/server.js';
import type { FsyncPolicy } from './aof.js';
import type { RewriteWriter } from './rewrite.js';
import { InitialRewrite } from './initial-rewrite.js';

/** The writer of a file that is off: a rewrite's log, latency and timestamps, and nothing to write. */
export class NoWriter implements RewriteWriter {
  readonly log: RewriteWriter['log'];
  readonly latency: RewriteWriter['latency'];
  readonly timestamps: boolean;
  rewriting = false;
  readonly size = 0;
  readonly policy: FsyncPolicy = 'no';
  path = '';
  readonly lastWriteError = null;

  constructor(server: Server) {
    this.log = server.log;
    this.latency = server.latency;
    this.timestamps = server.config.bool('aof-timestamp-enabled');
  }

  flush(): boolean {
    return true;
  }

  switchFile(): void {
    throw new Error('no append only file to switch (appendonly no)');
  }

  rebase(): void {}

  dirNotDurable(): void {}
}

export class OffRewrite extends InitialRewrite {
  protected override withIncr = false;

  /** The last incr file number of its manifest (AofOff.incrSeqFloor: numbering goes on after it). */
  get lastIncrSeq(): number {
    return this.manifests.current.lastIncrSeq;
  }

  /** T0, in the command: the snapshot hooks attached, the temp file opened (throws a FileOpError). */
  override open(): void {
    const t = this.trace.start();
    this.snapshotNow();
    this.trace.step('begin', t);
  }
}
