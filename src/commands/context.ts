// What command handlers may see of the server and of the calling client. The server layer
// implements these interfaces; commands depend only on them (not on sockets or files).

import type { Config } from '../config.js';
import type { CommandSpec } from './types.js';
import type { Reply } from '../protocol/reply.js';
import type { ClusterApi } from '../cluster/cluster.js';
import type { SlowLog } from './slowlog.js';
import type { LatencyMonitor } from './latency.js';
import type { Monitors } from './monitor.js';
import type { CommandStats } from '../server/stats.js';
import type { ServerMetrics } from '../server/metrics.js';
import type { ClientPause } from '../server/pause.js';
import type { ReplyBufferCron } from '../server/reply-buffers.js';
import type { SyncLinks } from '../server/sync-links.js';
import type { ExecScope, TxState } from '../server/transaction-state.js';
import type { WatchRegistry } from '../server/watch.js';
import type { Ctx } from './types.js';

export interface ClientApi {
  readonly id: number;
  /**
   * Redis's mustObeyClient: the AOF's replay client, whose commands are run whatever the limits
   * on what a client may ask (proto-max-bulk-len on string sizes): they were accepted once.
   */
  readonly mustObey: boolean;
  /** Selected database index. */
  dbIndex: number;
  /** RESP protocol version of replies: 2 or 3. */
  proto: number;
  name: string;
  libName: string;
  libVer: string;
  authenticated: boolean;
  /** "ip:port" of the peer and of our side; "<path>:0" for both through the Unix socket. */
  readonly addr: string;
  readonly laddr: string;
  /**
   * The path (as configured) of the Unix socket the client came through, '' for TCP: CLIENT LIST
   * flag U, MONITOR's `unix:<path>`, a local client for enable-debug-command local.
   */
  readonly unixSocket: string;
  readonly fd: number;
  /** ms timestamps. */
  readonly createdAt: number;
  lastInteraction: number;
  /** Name of the last command run (CLIENT LIST cmd=). */
  lastCommand: string;
  /** Bytes waiting in the query buffer / output buffer (CLIENT LIST qbuf= / omem=). */
  readonly queryBufferLength: number;
  readonly outputBufferLength: number;
  /** The reply buffer's storage and the most a batch left in it lately (CLIENT LIST rbs= / rbp=). */
  readonly replyBufferSize: number;
  readonly replyBufferPeak: number;
  /** Close the connection once the current reply has been written (QUIT, protocol errors). */
  closeAfterReply(): void;
  /** Close immediately (CLIENT KILL). */
  kill(): void;
  /**
   * CLIENT REPLY: 'off' drops every reply from now on (this command's too), 'skip' drops the next
   * command's reply, 'on' sends replies again (this command's included).
   */
  setReplyMode(mode: 'on' | 'off' | 'skip' | 'reset'): void;
  /** Whether a reply written now would be sent under CLIENT REPLY (EXEC asks before each of its replies). */
  readonly replying: boolean;
  /** EXEC's reply holds only what Redis would have written as its commands ran: sent whatever the mode at its end. */
  replyFiltered(): void;
  /** A command of this client waits: for CLIENT PAUSE to end, or in WAIT (CLIENT LIST flag b). */
  readonly blocked: boolean;
  /** That wait ended and the client's pipeline resumes after the current command (CLIENT LIST flag u). */
  readonly unblocked: boolean;
  /** Blocked in WAIT with a timeout (INFO clients_in_timeout_table, as Redis's timeout table). */
  readonly blockedWithTimeout: boolean;
  /**
   * WAIT blocks the client (Redis's blockForReplication) until `deadline` (ms on the wall clock; 0:
   * none) or CLIENT UNBLOCK: the reply for `spec`'s handler to return, which the connection holds;
   * null where a client cannot block (the AOF's loading client), which then answers at once.
   */
  block(deadline: number, spec: CommandSpec): Reply | null;
  /** CLIENT UNBLOCK: a WAIT's block ends, answered 0 or (`error`) -UNBLOCKED; false when not in WAIT. */
  unblock(error: boolean): boolean;
  /** That command's arguments (CLIENT LIST argv-mem counts them, as Redis's c->argv), or null. */
  readonly heldArgs: readonly string[] | null;
  /** The bytes of the arguments of a request received in part (argv-mem counts them too). */
  readonly partialArgBytes: number;
  /**
   * Replies wait for the socket to take them (CLIENT LIST events=rw, as Redis's write handler,
   * installed only when a write was left unfinished).
   */
  readonly writeWaiting?: boolean;
  /** The connection closes once its replies are sent (QUIT, a protocol error): CLIENT LIST flag c. */
  readonly closingAfterReply?: boolean;
  /** In MONITOR mode (see monitor.ts). */
  monitor: boolean;
  /**
   * READONLY in cluster mode, until READWRITE or RESET: Redis's CLIENT_READONLY, CLIENT LIST flag r.
   * Nothing else reads it: it lets a client read from a replica, and there are none here.
   */
  clusterReadonly: boolean;
  /** MULTI's queue and WATCH's keys (server/transaction-state.ts). */
  readonly tx: TxState;
  /** Sends a MONITOR line now, or (`own`: the line of this client's own command) after its reply. */
  sendMonitorLine(line: Reply, own: boolean): void;
}

/** SHUTDOWN's flags (NOSAVE/SAVE, NOW, FORCE), as the command and the signals give them. */
export interface ShutdownOpts {
  save?: boolean;
  now?: boolean;
  force?: boolean;
}

export interface ServerStats {
  totalConnections: number;
  totalCommands: number;
  rejectedConnections: number;
  netInputBytes: number;
  netOutputBytes: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  expiredKeys: number;
  evictedKeys: number;
  /**
   * Time spent over maxmemory in the stretches that ended, µs; with the current one, INFO
   * total_eviction_exceeded_time (Redis's stat_total_eviction_exceeded_time).
   */
  evictionExceededUs: number;
  /**
   * usecNow() when the current stretch over maxmemory began (an eviction run that did not bring
   * the used memory under the limit), 0 outside one (Redis's stat_last_eviction_exceeded_time).
   */
  evictionExceededSince: number;
  errorReplies: number;
  /** AOF rewrites started, failed ones and CONFIG SET appendonly yes included (INFO aof_rewrites). */
  aofRewrites: number;
  /**
   * Rewrites that failed in a row (INFO aof_rewrites_consecutive_failures, Redis's
   * stat_aofrw_consecutive_failures): the server's, zeroed by CONFIG RESETSTAT, by a success, and
   * by a BGREWRITEAOF that is scheduled (persistence/jobs.ts).
   */
  aofrwConsecutiveFailures: number;
  /** SAVEs and BGSAVEs started, failed ones included (INFO rdb_saves, Redis's stat_rdb_saves). */
  rdbSaves: number;
  /**
   * Background jobs started (rewrites, BGSAVEs): INFO total_forks, Redis's count of the child
   * processes it forked for the same jobs (recordJobStart).
   */
  totalForks: number;
  /** INFO latest_fork_usec: how long the last job's start held the event loop (Redis: its fork()). */
  latestForkUsec: number;
  /** Socket reads of client input, the peer's end of input included (INFO total_reads_processed). */
  readsProcessed: number;
  /** Writes of a turn's replies to a client's socket (INFO total_writes_processed). */
  writesProcessed: number;
  /**
   * Keys of the databases FLUSHDB / FLUSHALL emptied asynchronously (ASYNC, or lazyfree-lazy-user-flush
   * without SYNC): INFO lazyfreed_objects, Redis's counter of what its lazyfree thread freed. Only
   * flushes count: Redis frees a string value (its free effort 1) at once whatever the lazyfree options.
   */
  lazyfreedObjects: number;
}

export interface ServerApi {
  readonly config: Config;
  readonly stats: ServerStats;
  /** INFO's instantaneous_* rates and used_memory_peak, sampled by the cron. */
  readonly metrics: ServerMetrics;
  readonly version: string;
  /** The cron's rate now (INFO hz; configured_hz is the option): server/cron-timer.ts. */
  readonly hz: number;
  readonly pid: number;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** ms timestamp of start. */
  readonly startedAt: number;
  readonly runId: string;
  readonly executable: string;
  readonly configFile: string;
  /** The command table, for COMMAND and the dispatcher. */
  readonly commands: ReadonlyMap<string, CommandSpec>;
  clients(): Iterable<ClientApi>;
  /** Resets INFO counters (CONFIG RESETSTAT). */
  resetStats(): void;
  /** Longest event-loop stall since start or CONFIG RESETSTAT, in ms (INFO eventloop_max_stall_ms). */
  eventLoopMaxStallMs(): number;
  /** Extra INFO sections supplied by other layers (persistence, ...): section name -> fields. */
  infoSections(): Map<string, [string, string | number][]>;
  /** Asks the server to shut down after this command (SHUTDOWN). */
  shutdown(opts: ShutdownOpts): string | null;
  /** Persistence hooks; null when the layer is absent. */
  readonly persistence: PersistenceApi | null;
  /** Last time the dataset was saved (LASTSAVE), seconds. */
  lastSave: number;
  /**
   * Changes to the dataset since the last successful save (Redis's server.dirty, INFO
   * rdb_changes_since_last_save): each command adds what it changed (ctx.propagate), as do the
   * commands replayed from the AOF at start; SAVE, a BGSAVE that succeeds, DEBUG LOADAOF and
   * DEBUG RELOAD take it back.
   */
  dirty: number;
  /** True while the dataset is being loaded (INFO persistence loading:1). */
  readonly loading: boolean;
  /** Whether the periodic active expiry runs (DEBUG SET-ACTIVE-EXPIRE). */
  activeExpire: boolean;
  /** Microseconds slept before each AOF write (DEBUG AOF-FLUSH-SLEEP; 0: none). */
  aofFlushSleepUs: number;
  /** Idle clients' reply buffers shrinking (DEBUG REPLYBUFFER, INFO reply_buffer_shrinks). */
  readonly replyBuffers: ReplyBufferCron;
  /** MIGRATE's cached connections to other servers, used synchronously (server/sync-links.ts). */
  readonly migrateLinks: SyncLinks;
  /** The server log (DEBUG LOG). */
  readonly log: { warning(msg: string): void; notice(msg: string): void };
  /** The cluster this node belongs to with cluster-enabled yes; null otherwise (src/cluster/). */
  readonly cluster: ClusterApi | null;
  /** SLOWLOG's entries, LATENCY's events, MONITOR's clients, INFO commandstats' counters, CLIENT PAUSE. */
  readonly slowlog: SlowLog;
  readonly latency: LatencyMonitor;
  readonly monitors: Monitors;
  readonly commandStats: CommandStats;
  readonly pause: ClientPause;
  /** WATCH's keys and watchers (server/watch.ts). */
  readonly watches: WatchRegistry;
  /** Redis's call(): runs a command EXEC holds, without the request checks; counted and timed. */
  call(ctx: Ctx, spec: CommandSpec, args: string[]): Reply;
  /** Set by EXEC while its commands run (Redis's server.in_exec), with what waits for their end. */
  readonly exec: ExecScope;
  /**
   * CONFIG SET appendonly yes run by the running EXEC, the file to start when it ends (Redis's
   * AOF_WAIT_REWRITE): what BGREWRITEAOF, BGSAVE and DEBUG LOADAOF use meanwhile; else null.
   */
  readonly aofStart: PersistenceApi | null;
  /** The file while appendonly is no (persistence/aof-off.ts): BGREWRITEAOF and DEBUG LOADAOF still use it. */
  readonly aofOff: PersistenceApi;
}

export interface PersistenceApi {
  /**
   * BGREWRITEAOF: starts a background rewrite (only schedules it when `inExec`, as Redis); the
   * reply text, or an error message starting with ERR.
   */
  rewrite(inExec?: boolean): { ok: boolean; message: string };
  /**
   * SAVE: writes and fsyncs the append-only file; null, or the error reply text. `command`: SAVE's
   * own, counted in INFO rdb_saves as Redis's saveCommand counts it (FLUSHALL's is Redis's rdbSave
   * alone, not counted, and leaves the running command's effects in their block).
   */
  save(command?: boolean): string | null;
  /**
   * BGSAVE: the same with the fsync in the background; null (started), 'scheduled' (`inExec`: run
   * after the transaction, as Redis; `schedule`: BGSAVE SCHEDULE behind a running rewrite), or the
   * error reply text.
   */
  bgsave(inExec?: boolean, schedule?: boolean): string | null;
  /**
   * FLUSHALL: a running BGSAVE is killed, as Redis's flushAllDataAndResetRDB kills its child: its
   * end moves neither LASTSAVE nor the changes since, and a failure is not recorded.
   */
  killSave(): void;
  /** DEBUG LOADAOF: fsync, empty the dataset, load it back from the file; null or the error text. */
  loadAof(): string | null;
  /** DEBUG RELOAD: rewrite the file from memory, then as DEBUG LOADAOF; null or the error text. */
  reload(): string | null;
}
