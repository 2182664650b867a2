// What the server asks of persistence (the AOF writer, implemented in persistence/): append each
// effect, write before replying, periodic work, state for MISCONF and INFO.

import type { PersistenceApi } from '../commands/context.js';

/** What INFO persistence says of BGSAVE (persistence/bgsave.ts), and the keys of a rewrite (Redis: of its child). */
export interface SaveInfo {
  inProgress: boolean;
  /** Keys in the dataset when the running BGSAVE started (Redis: at fork), else 0. */
  keysTotal: number;
  /** Of those, the keys it has saved so far. */
  keysProcessed: number;
  /** Seconds the running BGSAVE has taken so far, or -1. */
  currentSeconds: number;
  /** Seconds the last finished BGSAVE took, or -1. */
  lastSeconds: number;
  lastOk: boolean;
}

/**
 * The last BGSAVE's outcome, as Redis's lastbgsave_try, lastbgsave_status and rdb_save_time_last:
 * the server's (Server.bgsaveRecord), so that INFO still shows them after `appendonly no` and once
 * CONFIG SET appendonly yes has made a new persistence object, as Redis's survive.
 */
export interface BgsaveRecord {
  /** Unix time (s) of the last start, failed ones included. */
  lastTry: number;
  lastOk: boolean;
  /** Seconds the last finished BGSAVE took, or -1 before any. */
  lastSeconds: number;
}

/** Persistence as the server sees it (implemented by persistence/). */
export interface Persistence extends PersistenceApi {
  /**
   * Records an effect in database `db`. `raw[start, end)`, when given (start >= 0), are these
   * arguments already encoded as the AOF holds them (the request's own bytes).
   */
  append(db: number, args: string[], raw?: Buffer, start?: number, end?: number): void;
  /**
   * A big argument `arg` of `owner`'s request being parsed and its own bytes as received
   * (RequestSink.bigArg): an effect holding it is then written from these (AofWriter.holdBig),
   * until dropHeld(owner) once that request has run.
   */
  holdBig(owner: object, arg: string, bytes: Buffer): void;
  dropHeld(owner: object): void;
  /**
   * A command starts, and ends: what it appended in between, if more than one effect, is logged
   * as one MULTI/EXEC block (Redis 7.0's execution unit).
   */
  beginUnit(): void;
  endUnit(): void;
  /**
   * The file is being turned off in the middle of a command: what that command appended is never
   * written. The error text when that could not be done (the file must then stay on), or null.
   */
  dropUnit(): string | null;
  /**
   * The file is about to be turned off: under `always`, writes and fsyncs what was appended before
   * the running command's block (whose replies wait for it). The error text, or null.
   */
  syncBeforeOff(): string | null;
  /** Records an effect outside the running command's block (an eviction's DEL). */
  appendAlone(db: number, args: string[]): void;
  /**
   * Writes (and, for appendfsync always, fsyncs) what was appended this turn, before any reply of
   * the turn leaves. False when that failed (the bytes stay pending and are retried).
   */
  flush(): boolean;
  /** The fsync policy in force. */
  readonly policy: string;
  /** Periodic work: background fsync, retries, rewrites. */
  cron(): void;
  /** Writes and fsyncs everything now (shutdown); throws when that is impossible. */
  syncNow(): void;
  /** True while a background rewrite runs. */
  readonly rewriting: boolean;
  /** True until the first base of a file started at run time is written (Redis's AOF_WAIT_REWRITE). */
  readonly starting: boolean;
  /** A rewrite, the first base, or a BGSAVE is running (their slices hold the event loop). */
  readonly busy: boolean;
  /** Whether writes must be refused (MISCONF), with the reason. */
  writeError(): string | null;
  /** The aof_* fields of INFO persistence (persistence/info.ts builds the whole section). */
  info(): [string, string | number][];
  /** The state of BGSAVE (or a rewrite's progress) that INFO persistence shows: its rdb_* and current_save_* fields. */
  saveInfo(): SaveInfo;
  /**
   * The server is shutting down: no scheduled or automatic rewrite or BGSAVE starts any more (Redis
   * exits inside SHUTDOWN). close() follows.
   */
  stopStarting(): void;
  close(): Promise<void>;
}
