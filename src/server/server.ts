// The server: owns the keyspace, the command table, the clients (client-registry.ts accepts them)
// and the listeners, and runs each command through the dispatcher. One instance per startServer()
// call; nothing is global, so a test process can run several.

import { randomBytes } from 'node:crypto';
import { Config } from '../config.js';
import { byteString, fsPath } from '../config-values.js';
import { Keyspace } from '../keyspace/keyspace.js';
import type { Database } from '../keyspace/database.js';
import { systemClock, type Clock } from '../keyspace/clock.js';
import { execute, lookup, resolve, type CommandTable } from '../commands/dispatch.js';
import { commandTableFor } from '../commands/index.js';
import { deletionEffect } from '../commands/expire.js';
import type { ServerApi, ShutdownOpts } from '../commands/context.js';
import { ErrorReply, type Reply } from '../protocol/reply.js';
import { errorText } from '../errors.js';
import type { CommandSpec, Ctx } from '../commands/types.js';
import { admits, execRefused, executeInMulti, refusal } from './request-checks.js';
import { WatchRegistry } from './watch.js';
import { ExecScope } from './transaction-state.js';
import { createLogger, type Logger } from './log.js';
import { Listeners } from './listener.js';
import type { Connection } from './connection.js';
import { ClientRegistry } from './client-registry.js';
import { PeriodicLog } from './verbose-log.js';
import { ClientLimits } from './limits.js';
import { replayer } from './replay.js';
import { VERSION } from '../version.js';
import { persistenceInfo } from '../persistence/info.js';
import type { PendingAofStart } from '../persistence/pending-start.js';
import { AofOff } from '../persistence/aof-off.js';
import type { LoadSink } from '../persistence/loader.js';
import { openCluster, type Cluster } from '../cluster/cluster.js';
import { Observer } from './observe.js';
import { newStats, usecNow } from './stats.js';
import { ClientPause, POSTPONED } from './pause.js';
import { UnblockedQueue } from './unblocked.js';
import { WaitTimeouts } from './wait-timeouts.js';
import { MemoryGuard } from './maxmemory.js';
import { StallMonitor } from './stalls.js';
import { ServerMetrics } from './metrics.js';
import type { BgsaveRecord, Persistence } from './persistence-port.js';
import { setImmediate, wallNow } from '../timers.js';
import { serverCronTimer, type CronTimer } from './cron-timer.js';
import { TurnFlush, type Flushable } from './turn-flush.js';
import { ReplyBufferCron } from './reply-buffers.js';
import { SyncLinks } from './sync-links.js';
import { DroppedMemory } from './dropped-memory.js';

export interface ServerOptions {
  config?: Config;
  clock?: Clock;
  logger?: Logger;
  configFile?: string;
  /** Port 0 beside a Unix socket means no TCP, as Redis (the CLI's); otherwise port 0 is a free port (the library's). */
  redisPortZero?: boolean;
}

/** Share of each cron period the active expiry cycle may take (Redis's slow cycle: 25%). */
const EXPIRE_CYCLE_SHARE = 0.25;
/** The longest run of fast commands EXEC times at once (see call()). */
const EXEC_RUN = 1 << 16;

export class Server implements ServerApi {
  readonly config: Config;
  readonly keyspace: Keyspace;
  readonly commands: CommandTable;
  readonly log: Logger;
  stats = newStats();
  /** INFO's instantaneous rates and memory peak, sampled by the cron. */
  readonly metrics = new ServerMetrics(wallNow());
  private readonly periodicLog = new PeriodicLog();
  readonly version = VERSION;
  readonly pid = process.pid;
  readonly startedAt = wallNow();
  readonly runId = randomBytes(20).toString('hex');
  /** As INFO shows it: a byte string, like every text the protocol sends. */
  readonly executable = byteString(process.argv[1] ?? '');
  readonly configFile: string;
  /** The TCP port listened on: the one given, or the one picked for port 0; 0 with no TCP (listener.ts). */
  get port(): number {
    return this.listeners.port;
  }
  /** The cron's rate now (INFO hz): the hz option, raised by dynamic-hz with many clients. */
  get hz(): number {
    return this.cronTimer.hz;
  }
  lastSave = Math.floor(wallNow() / 1000);
  dirty = 0;
  persistence: Persistence | null = null;
  /**
   * Seconds the last AOF rewrite took (INFO aof_last_rewrite_time_sec), -1 before any: the
   * server's, as Redis's, so that it outlives `appendonly no` and CONFIG RESETSTAT.
   */
  aofLastRewriteSeconds = -1;
  /** Whether the last AOF rewrite (or start of the file by CONFIG SET appendonly yes) worked: the server's too. */
  aofLastRewriteOk = true;
  /** The last BGSAVE's start and outcome (INFO rdb_last_bgsave_*): the server's too (persistence/bgsave.ts). */
  readonly bgsaveRecord: BgsaveRecord = { lastTry: 0, lastOk: true, lastSeconds: -1 };
  /** Whether EXEC's commands are running (Redis's server.in_exec), and what waits for their end. */
  readonly exec = new ExecScope();
  /**
   * CONFIG SET appendonly yes run by EXEC, the file to start when EXEC ends (service.ts): Redis's
   * AOF_WAIT_REWRITE with aof_rewrite_scheduled meanwhile (INFO aof_enabled:1, BGREWRITEAOF and
   * BGSAVE scheduled, DEBUG LOADAOF: persistence/pending-start.ts); null otherwise.
   */
  aofStart: PendingAofStart | null = null;
  /** The file while appendonly is no: BGREWRITEAOF and DEBUG LOADAOF (service.ts gives it its I/O). */
  aofOff = new AofOff(this);
  /**
   * True while the dataset is being loaded: commands get -LOADING, and no key expires. Set by
   * setLoading only. A plain field, not a getter of the keyspace's flag: read by every request's
   * checks, the getter cost a SET 10 ns in process.
   */
  readonly loading: boolean = false;

  /** A load starts or ends: with it, keys stop or start expiring (CommandTime.loading). */
  setLoading(on: boolean): void {
    (this as { loading: boolean }).loading = on;
    this.keyspace.time.loading = on;
  }

  /** Off with DEBUG SET-ACTIVE-EXPIRE 0: keys then expire only when touched. */
  activeExpire = true;
  /** DEBUG AOF-FLUSH-SLEEP: microseconds slept before each write of the AOF's pending bytes (0: none). */
  aofFlushSleepUs = 0;
  readonly replyBuffers = new ReplyBufferCron();
  readonly migrateLinks = new SyncLinks();
  loadProgress: { totalBytes: number; loadedBytes: number; startedAt: number } | null = null;
  readonly extraInfo = new Map<string, () => [string, string | number][]>();
  /** With cluster-enabled yes: the static cluster layout and the per-request slot check. */
  readonly cluster: Cluster | null;
  /** Stats, slow log, latency monitor and MONITOR feed of every command (observe.ts). */
  readonly observer: Observer;
  readonly slowlog: Observer['slowlog'];
  readonly latency: Observer['latency'];
  readonly monitors: Observer['monitors'];
  readonly commandStats: Observer['commandStats'];
  /** The clients whose block ended, to run the rest of their pipelines (unblocked.ts). */
  readonly unblockedClients = new UnblockedQueue();
  readonly pause = new ClientPause(this.unblockedClients);
  /** WAITs blocked with a deadline, timed out together (wait-timeouts.ts). */
  readonly waitTimeouts = new WaitTimeouts(this.unblockedClients);
  /** WATCH's keys and watchers (watch.ts). */
  readonly watches: WatchRegistry;
  /** Output buffer limits and idle timeout of the clients (limits.ts). */
  readonly limits: ClientLimits;

  /** The listening sockets, TCP and Unix (listener.ts). */
  readonly listeners: Listeners;
  /** The live clients, how a connection becomes one and how it stops being one (client-registry.ts). */
  readonly registry = new ClientRegistry(this);
  private readonly clientsById = this.registry.byId;
  /** The end of each turn: the AOF write, then the replies. */
  private readonly turnFlush = new TurnFlush(() => this.persistence);
  /** Runs the cron hz times a second (cron-timer.ts: CONFIG SET hz, dynamic-hz). */
  private readonly cronTimer: CronTimer;
  private shutdownHandler: ((opts: ShutdownOpts) => string | null) | null = null;
  /** maxmemory: eviction before commands, OOM for denyoom ones. */
  readonly memory: MemoryGuard;
  /** A collection after a client closed with big buffers (dropped-memory.ts). */
  readonly droppedMemory: DroppedMemory;

  constructor(opts: ServerOptions = {}) {
    this.config = opts.config ?? new Config();
    this.configFile = opts.configFile ?? '';
    this.log = opts.logger ?? createLogger(this.config.get('loglevel'), fsPath(this.config.get('logfile')));
    this.listeners = new Listeners({
      config: this.config, log: this.log, accept: (s, unix) => this.registry.accept(s, unix), lookup: (host) => this.migrateLinks.lookup(host),
    }, opts.redisPortZero === true);
    this.config.onChange('loglevel', (v) => this.log.setLevel(v));
    this.droppedMemory = new DroppedMemory(this.log, () => this.keyspace.baselineBytes + this.keyspace.usage.dataset);
    this.cronTimer = serverCronTimer(this.config, this.clientsById, () => this.cron());
    const pause = this.pause;
    // A pause that times out: the keys that expired during it go first, as Redis's cycle does it.
    // Not while the AOF loads (no cycle runs then: a key loaded with a passed deadline may get a
    // new one further on in the file).
    pause.onTimedEnd = () => {
      if (!this.loading && this.expireCycle()) this.turnFlush.unlessDue();
    };
    pause.beforeTimeout = () => this.beforeTimeouts();
    this.keyspace = new Keyspace(this.config.int('databases'), opts.clock ?? systemClock, {
      expired: (db, key) => this.onExpired(db, key),
      // CLIENT PAUSE keeps the dataset constant: expired keys read as missing but stay.
      get deletionsPaused() {
        return pause.active;
      },
      evicted: (db, key) => this.onEvicted(db, key),
    });
    this.watches = new WatchRegistry(this.keyspace.dbs);
    this.commands = commandTableFor(this.config);
    this.observer = new Observer(this.commands, this.config, () => this.stats);
    ({ slowlog: this.slowlog, latency: this.latency, monitors: this.monitors, commandStats: this.commandStats } = this.observer);
    this.monitors.silent = () => this.loading;
    this.memory = new MemoryGuard(this.config, this.keyspace, this.log, pause, this.latency, () => this.stats);
    this.limits = new ClientLimits(this.config, this.log);
    this.cluster = openCluster(this.config, this.log, () => this.port);
    if (this.cluster !== null) this.keyspace.dbs[0].keyIndex = this.cluster.keys;
  }

  // --- command execution ---------------------------------------------------------------------

  /** Runs one request for `conn` and returns its reply. */
  execute(conn: Connection, args: string[]): Reply {
    const spec = resolve(this.commands, args);
    const obs = this.observer;
    if (spec instanceof ErrorReply) {
      const named = lookup(this.commands, args); // wrong arity: counted against it; unknown: none, as Redis
      conn.lastCommand = named?.name ?? 'NULL';
      conn.tx.flag(); // as Redis's rejectCommand: an unknown command or wrong arity aborts a MULTI
      if (named?.name === 'exec') return execRefused(this, conn, named, args, spec.message.replace(/^ERR /, ''));
      return obs.refused(named, spec);
    }
    // As Redis's c->lastcmd: CLIENT LIST cmd= names a command even when it is refused or held.
    conn.lastCommand = spec.name;
    if (conn.tx.queue !== null) return executeInMulti(this, conn, spec, args);
    const refused = admits(this, conn, spec) ?? refusal(this, conn, spec, args);
    if (refused === null) return this.run(conn, spec, args);
    if (refused === POSTPONED) return POSTPONED;
    // As Redis's rejectCommand: EXEC refused (NOAUTH) answers EXECABORT, even outside MULTI.
    return spec.name === 'exec' ? execRefused(this, conn, spec, args, (refused as ErrorReply).message) : obs.refused(spec, refused as ErrorReply);
  }

  /** Runs a request that passed the checks: one execution unit, observed. */
  run(conn: Connection, spec: CommandSpec, args: string[]): Reply {
    const obs = this.observer;
    this.keyspace.beginCommand();
    if (!spec.isFast && obs.deferred !== 0) obs.endFastRun();
    // The same persistence after the command (CONFIG SET appendonly may replace it meanwhile).
    const p = this.persistence;
    if (p !== null && spec.atomicEffects) p.beginUnit();
    const r = execute(spec, conn, args, this.onCrash);
    if (p !== null) p.endUnit();
    obs.ran(conn, spec, args, r);
    obs.time(conn, spec, args, r);
    return r;
  }

  /**
   * Redis's call() for a command EXEC runs: no checks, no unit of its own (EXEC's unit holds the
   * whole transaction), the same clock as EXEC; counted, timed and shown to MONITOR.
   */
  call(ctx: Ctx, spec: CommandSpec, args: string[]): Reply {
    const obs = this.observer;
    // As run(): the fast commands before this one are timed (and logged) before it, in order. A
    // run also ends every EXEC_RUN commands: each holds a slot in the run's arrays until it ends
    // (Observer.deferTiming), and one EXEC may run more commands than a JS array may hold.
    if (obs.deferred !== 0 && (!spec.isFast || obs.deferred >= EXEC_RUN)) obs.endFastRun();
    const r = execute(spec, ctx, args, this.onCrash);
    obs.ran(ctx.client, spec, args, r);
    obs.time(ctx.client, spec, args, r);
    return r;
  }

  /**
   * A connection is about to run the commands of a read (or resume a held pipeline): the wall-clock
   * time in ms (Observer.markBatch).
   */
  markBatch(): number {
    this.stalls.wake();
    return this.observer.markBatch();
  }

  /** Created once: execute() runs per request and must not allocate a closure each time. */
  private readonly onCrash = (e: unknown, a: string[]): void =>
    this.log.warning(`Command '${a[0]}' crashed: ${e instanceof Error ? e.stack : String(e)}`);

  propagate(db: number, args: string[], raw?: Buffer, start?: number, end?: number): void {
    this.persistence?.append(db, args, raw, start, end);
  }

  /** An effect never part of the running command's MULTI/EXEC block (an eviction's DEL). */
  propagateAlone(db: number, args: string[]): void {
    this.persistence?.appendAlone(db, args);
  }

  /** A function that replays one command from the AOF; returns what stops loading (see LoadSink.replay), or null. */
  replayer(): LoadSink['replay'] {
    return replayer(this);
  }

  /**
   * Redis's propagateDeletion: a key the server removed by itself reaches the AOF as a DEL, or an
   * UNLINK under lazyfree-lazy-expire / lazyfree-lazy-eviction. One a command expired on its way is
   * part of that command's block (Persistence.beginUnit); an evicted one never is, even when a
   * command evicts (CONFIG SET maxmemory), as in Redis.
   */
  private onExpired(db: Database, key: string): void {
    this.stats.expiredKeys++;
    this.propagate(db.id, deletionEffect(key, this.config.bool('lazyfree-lazy-expire')));
  }

  private onEvicted(db: Database, key: string): void {
    this.stats.evictedKeys++;
    this.propagateAlone(db.id, deletionEffect(key, this.config.bool('lazyfree-lazy-eviction')));
  }

  /** Queues a connection's replies for this event-loop turn's flush (AOF first, then sockets). */
  queueFlush(conn: Flushable): void {
    // A connection's batch of requests ends here: so does its run of fast commands.
    if (this.observer.deferred !== 0) this.observer.endFastRun();
    this.turnFlush.queue(conn);
  }

  /** Flushes now what this turn's flush would (the AOF rewrite, before each of its slices). */
  flushNow(): void {
    this.turnFlush.now();
  }

  // --- clients ---------------------------------------------------------------------------------

  clients(): Iterable<Connection> {
    return this.clientsById.values();
  }

  /** INFO stats eventloop_max_stall_ms: the longest stall since start or CONFIG RESETSTAT. */
  private readonly stalls = new StallMonitor();

  eventLoopMaxStallMs(): number {
    return this.stalls.maxMs();
  }

  resetStats(): void {
    this.stats = newStats();
    this.metrics.reset(wallNow());
    this.keyspace.expiredStalePerc = 0;
    this.keyspace.expiredTimeCapReachedCount = 0;
    this.keyspace.expireCycleTimeUsedUs = 0;
    this.observer.reset();
    this.stalls.reset();
    this.replyBuffers.shrinks = 0;
  }

  infoSections(): Map<string, [string, string | number][]> {
    const out = new Map<string, [string, string | number][]>();
    out.set('persistence', persistenceInfo(this));
    for (const [name, fn] of this.extraInfo) out.set(name, fn());
    return out;
  }

  setShutdownHandler(fn: (opts: ShutdownOpts) => string | null): void {
    this.shutdownHandler = fn;
  }

  shutdown(opts: ShutdownOpts): string | null {
    if (this.shutdownHandler) {
      const refused = this.shutdownHandler(opts);
      if (refused !== null) return refused;
    } else {
      this.closeSoon();
    }
    // Nothing scheduled starts now (a BGREWRITEAOF or BGSAVE an EXEC queued for after itself).
    this.persistence?.stopStarting();
    // Redis exits inside SHUTDOWN: no later command of any client runs (the rest of this pipeline
    // ran, was written to the AOF and never answered). Replies computed before it still go out.
    for (const c of this.clientsById.values()) c.closeAfterReply();
    return null;
  }

  /**
   * SHUTDOWN of an embedded server (no service around it): `close` (the server's own by default)
   * after the reply is sent. The host learns of a failed close from the log, never from an
   * unhandled rejection, which Node turns into the end of the host's process.
   */
  closeSoon(close: () => Promise<void> = () => this.close()): void {
    setImmediate(() => void close().catch((e) => this.log.warning(`Error closing the server after SHUTDOWN: ${errorText(e)}`)));
  }

  // --- lifecycle -------------------------------------------------------------------------------

  /** Listens (TCP on every address of `bind`, the Unix socket) and starts the cron; throws ListenError. */
  async listen(): Promise<void> {
    await this.listeners.open();
    this.cronTimer.start();
    this.stalls.start();
  }

  /**
   * One active expiry cycle, unless DEBUG SET-ACTIVE-EXPIRE 0 turned them off (false then). Its
   * budget is Redis's slow cycle's: 25% of the tick's period (25 ms at hz 10).
   */
  private expireCycle(): boolean {
    if (!this.activeExpire) return false;
    const t0 = usecNow();
    const effort = this.config.int('active-expire-effort') - 1; // Redis's: 0-9, each step 2% more time
    this.keyspace.activeExpireCycle((EXPIRE_CYCLE_SHARE + effort / 50) * (1000 / this.hz), effort);
    this.latency.sample('expire-cycle', (usecNow() - t0) / 1000);
    return true;
  }

  /**
   * A timeout fired (a WAIT's, a CLIENT PAUSE's): an overdue cron runs first. After a busy period
   * (a long command), Redis runs its serverCron, which ends a pause whose time is up and expires
   * keys, before its beforeSleep times out blocked clients and runs the unblocked ones; Node runs the
   * due timers in the order of their due times, and a WAIT due before the cron ran its pipeline
   * before the cron's expiry (a DBSIZE counted expired keys) and before the commands of a pause
   * that ended meanwhile (test/diff/busy-order.test.ts).
   */
  beforeTimeouts(): void {
    this.cronTimer.runIfOverdue(wallNow());
  }

  /** Periodic work (Redis's serverCron): active expiry, a small slice of time each tick. */
  private cron(): void {
    this.observer.followWallClock();
    if (this.loading) return;
    const t0 = usecNow();
    this.cronTick();
    this.stalls.ran(usecNow() - t0);
    // A background job's slices run between ticks, with no request to wake the sampler.
    if (this.persistence?.busy === true || this.aofOff.rewriting) this.stalls.wake();
    // The commands of a pause that ended in the tick (endIfDue), after it as after Redis's cron.
    this.unblockedClients.run();
  }

  /** One tick of that work, timed by cron(). */
  private cronTick(): void {
    const now = wallNow();
    this.metrics.cron(now, this.hz, this.stats, this.keyspace.usedMemory);
    this.replyBuffers.cron(this.clientsById, this.hz, now, this.limits.cronCheck(now), (c) => this.metrics.clientPeaks.track(c));
    this.periodicLog.cron(now, this.log, this.keyspace, this.clientsById.size);
    // As Redis: no active expiry while clients are paused (the dataset stays as it is); a pause
    // whose time is up ends first, as Redis's cycle checks, and its end runs the cycle (onTimedEnd).
    // Access stamps read the time of the last tick, which the cycle takes too.
    const cycled = this.pause.endIfDue(now) ? this.activeExpire : !this.pause.active && this.expireCycle();
    if (!cycled) this.keyspace.tick();
    this.persistence?.cron();
    this.migrateLinks.closeIdle(Math.floor(now / 1000));
    // Deletions by active expiry were appended; write them (and release held replies on recovery).
    this.turnFlush.unlessDue();
  }

  /** Stops accepting, flushes pending replies, closes every client. */
  async close(): Promise<void> {
    this.persistence?.stopStarting(); // before the awaits below, when a scheduled job could start
    this.pause.stop();
    this.stalls.stop();
    this.cronTimer.stop();
    this.migrateLinks.stop();
    const closing = this.listeners.close();
    this.turnFlush.all();
    for (const c of this.clientsById.values()) c.socket.destroy();
    for (const c of this.registry.ending) c.socket.destroy();
    this.clientsById.clear();
    await closing;
    if (this.persistence) await this.persistence.close();
    // A BGREWRITEAOF with appendonly no: stopped, its temp file removed; files CONFIG SET appendonly no closed, closed.
    await this.aofOff.abort();
    await this.aofOff.drained();
  }
}
