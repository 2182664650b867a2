// A client's transaction state, as Redis 7.0's multiState and its CLIENT_MULTI / CLIENT_DIRTY_EXEC /
// CLIENT_DIRTY_CAS flags: the commands queued since MULTI (null outside MULTI), whether one was
// refused while queuing (EXEC then answers -EXECABORT), and the keys it WATCHes (watch.ts).
// The commands (MULTI, EXEC, ...) are in commands/transactions.ts; the server's checks of a
// request in MULTI (queue or refuse) in server/server.ts.

import { ChunkedList } from '../chunked-list.js';
import type { CommandSpec } from '../commands/types.js';
import { NOTHING_WATCHED, type WatchedKey, type Watcher, type WatchRegistry } from './watch.js';

export interface Queued {
  readonly spec: CommandSpec;
  readonly args: string[];
}

/** sizeof(robj*): Redis counts a pointer per queued argument in multi-mem. */
const POINTER_BYTES = 8;

/** Commands run at once in MULTI, never queued (Redis's processCommand exceptions). */
const RUN_IN_MULTI = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** Commands never refused with -OOM in MULTI for being queued (EXEC: for what it holds). */
const NOT_OOM_IN_MULTI = new Set(['exec', 'discard', 'quit', 'reset']);

/**
 * The server's side of a running EXEC (Redis's server.in_exec): set while its commands run, and what
 * must wait for the last of them (a CONFIG SET appendonly yes among them starts the file after).
 */
export class ExecScope {
  running = false;
  private readonly waiting: (() => void)[] = [];

  /** Runs `fn` once the running EXEC's commands have all run, at once outside EXEC. */
  after(fn: () => void): void {
    if (this.running) this.waiting.push(fn);
    else fn();
  }

  /** EXEC's commands have run: what waited for them runs now. */
  end(): void {
    this.running = false;
    for (const fn of this.waiting.splice(0)) fn();
  }
}

export class TxState implements Watcher {
  /** The queued commands; null outside MULTI. Chunked: Redis queues as many as memory lets it. */
  queue: ChunkedList<Queued> | null = null;
  /**
   * CLIENT LIST multi-mem: what the queued commands hold, as Redis's mstate.argv_len_sums (each
   * command's argument bytes plus a pointer per argument); it was always 0, where a client
   * queuing a big MULTI showed its size in Redis.
   */
  queuedBytes = 0;
  /** A command was refused while queuing (Redis's CLIENT_DIRTY_EXEC). */
  dirtyExec = false;
  dirtyCas = false;
  watched: readonly WatchedKey[] = NOTHING_WATCHED;

  /** Whether `spec`, in MULTI, is queued rather than run. */
  static queues(spec: CommandSpec): boolean {
    return !RUN_IN_MULTI.has(spec.name);
  }

  /** MULTI: an empty queue. */
  begin(): void {
    this.queue = new ChunkedList();
    this.queuedBytes = 0;
  }

  /** Redis's queueMultiCommand: `args` kept for EXEC, counted in multi-mem. */
  enqueue(spec: CommandSpec, args: string[]): void {
    this.queue!.push({ spec, args });
    let bytes = POINTER_BYTES * args.length;
    for (const a of args) bytes += a.length;
    this.queuedBytes += bytes;
  }

  /** Redis's discardTransaction: out of MULTI, not dirty, nothing watched. */
  discard(watches: WatchRegistry): void {
    this.queue = null;
    this.queuedBytes = 0;
    this.dirtyExec = false;
    this.dirtyCas = false;
    if (this.watched.length > 0) watches.unwatchAll(this);
  }

  /** Redis's flagTransaction: a request refused in MULTI aborts the transaction. */
  flag(): void {
    if (this.queue !== null) this.dirtyExec = true;
  }

  /**
   * The flags the server's checks see for `spec` in MULTI, as Redis's processCommand: EXEC counts
   * as write, denyoom, may-replicate... when a queued command is; any other command but DISCARD,
   * QUIT and RESET is refused when out of memory (queuing takes memory).
   */
  gateSpec(spec: CommandSpec): CommandSpec {
    if (spec.name !== 'exec') {
      return NOT_OOM_IN_MULTI.has(spec.name) || spec.flags.includes('denyoom') ? spec : { ...spec, flags: [...spec.flags, 'denyoom'] };
    }
    const flags = new Set(spec.flags);
    let okLoading = spec.okLoading;
    let isWrite = false;
    this.queue!.forEach((q) => {
      for (const f of q.spec.flags) flags.add(f);
      isWrite ||= q.spec.isWrite;
      okLoading &&= q.spec.okLoading;
    });
    return { ...spec, flags: [...flags], isWrite, okLoading };
  }
}
