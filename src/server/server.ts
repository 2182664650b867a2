// The server: owns the keyspace, the command table, the clients and the listeners, and runs each
// command through the dispatcher. One instance per startServer() call; nothing is global, so a
// test process can run several.

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Config } from '../config.js';
import { Keyspace } from '../keyspace/keyspace.js';
import type { Database } from '../keyspace/database.js';
import { systemClock, type Clock } from '../keyspace/clock.js';
import { execute, resolve, type CommandTable } from '../commands/dispatch.js';
import { buildCommandTable } from '../commands/index.js';
import type { PersistenceApi, ServerApi, ServerStats } from '../commands/context.js';
import { ErrorReply, type Reply } from '../protocol/reply.js';
import { LOADING, NOAUTH } from '../errors.js';
import { createLogger, type Logger } from './log.js';
import { Connection } from './connection.js';
import { ReplayClient } from './replay.js';
import { VERSION } from '../version.js';
import { persistenceInfo } from '../persistence/info.js';
import { openCluster, type Cluster } from '../cluster/cluster.js';

/** Persistence as the server sees it (implemented by persistence/). */
export interface Persistence extends PersistenceApi {
  /** Records an effect in database `db`. */
  append(db: number, args: string[]): void;
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
  /** Whether writes must be refused (MISCONF), with the reason. */
  writeError(): string | null;
  /** The aof_* fields of INFO persistence (persistence/info.ts builds the whole section). */
  info(): [string, string | number][];
  close(): Promise<void>;
}

export interface ServerOptions {
  config?: Config;
  clock?: Clock;
  logger?: Logger;
  configFile?: string;
}

/** Sampling interval of the event-loop stall histogram (INFO eventloop_max_stall_ms). */
const LOOP_SAMPLE_MS = 10;

const newStats = (): ServerStats => ({
  totalConnections: 0, totalCommands: 0, rejectedConnections: 0, netInputBytes: 0, netOutputBytes: 0,
  keyspaceHits: 0, keyspaceMisses: 0, expiredKeys: 0, evictedKeys: 0, errorReplies: 0,
});

export class Server implements ServerApi {
  readonly config: Config;
  readonly keyspace: Keyspace;
  readonly commands: CommandTable;
  readonly log: Logger;
  stats = newStats();
  readonly version = VERSION;
  readonly pid = process.pid;
  readonly startedAt = Date.now();
  readonly runId = randomBytes(20).toString('hex');
  readonly executable = process.argv[1] ?? '';
  readonly configFile: string;
  port = 0;
  lastSave = Math.floor(Date.now() / 1000);
  persistence: Persistence | null = null;
  /** True while the dataset is being loaded: commands get -LOADING. */
  loading = false;
  /** Off with DEBUG SET-ACTIVE-EXPIRE 0: keys then expire only when touched. */
  activeExpire = true;
  loadProgress: { totalBytes: number; loadedBytes: number; startedAt: number } | null = null;
  readonly extraInfo = new Map<string, () => [string, string | number][]>();
  /** With cluster-enabled yes: the static cluster layout and the per-request slot check. */
  readonly cluster: Cluster | null;

  private readonly listeners: NetServer[] = [];
  private readonly clientsById = new Map<number, Connection>();
  private nextClientId = 1;
  private flushList: Connection[] = [];
  /** Connections whose replies wait for a failed `appendfsync always` write to succeed. */
  private held: Connection[] = [];
  private flushScheduled = false;
  private expireTimer: NodeJS.Timeout | null = null;
  private shutdownHandler: ((opts: { save?: boolean; now?: boolean; force?: boolean }) => string | null) | null = null;

  constructor(opts: ServerOptions = {}) {
    this.config = opts.config ?? new Config();
    this.configFile = opts.configFile ?? '';
    this.log = opts.logger ?? createLogger(this.config.get('loglevel'), this.config.get('logfile'));
    this.config.onChange('loglevel', (v) => this.log.setLevel(v));
    this.keyspace = new Keyspace(this.config.int('databases'), opts.clock ?? systemClock, {
      expired: (db, key) => this.onExpired(db, key),
    });
    this.commands = buildCommandTable();
    this.cluster = openCluster(this.config, this.log, () => this.port);
  }

  // --- command execution ---------------------------------------------------------------------

  /** Runs one request for `conn` and returns its reply. */
  execute(conn: Connection, args: string[]): Reply {
    const spec = resolve(this.commands, args);
    this.stats.totalCommands++;
    if (spec instanceof ErrorReply) return this.error(spec);
    if (!spec.noAuth && !conn.authenticated) return this.error(new ErrorReply(NOAUTH));
    // As Redis: a request whose keys this node does not serve gets -MOVED / -CROSSSLOT / -CLUSTERDOWN.
    if (this.cluster !== null) {
      const redirect = this.cluster.check(spec, args);
      if (redirect !== null) return this.error(redirect);
    }
    if (this.loading && !spec.okLoading) return this.error(new ErrorReply(LOADING));
    // As Redis 7.0 on a master: while the AOF can't be written, writes (and PING) get -MISCONF.
    if (this.persistence !== null && (spec.isWrite || spec.name === 'ping')) {
      const reason = this.persistence.writeError();
      if (reason !== null) return this.error(new ErrorReply(reason));
    }
    conn.lastCommand = spec.name;
    this.keyspace.beginCommand();
    const r = execute(spec, conn, args, this.onCrash);
    if (r instanceof ErrorReply) this.stats.errorReplies++;
    return r;
  }

  /** Created once: execute() runs per request and must not allocate a closure each time. */
  private readonly onCrash = (e: unknown, a: string[]): void =>
    this.log.warning(`Command '${a[0]}' crashed: ${e instanceof Error ? e.stack : String(e)}`);

  private error(r: ErrorReply): ErrorReply {
    this.stats.errorReplies++;
    return r;
  }

  propagate(db: number, args: string[]): void {
    this.persistence?.append(db, args);
  }

  /** A function that replays one command from the AOF; returns an error text to stop loading. */
  replayer(): (args: string[]) => string | null {
    const client = new ReplayClient(this);
    return (args) => {
      const spec = resolve(this.commands, args);
      if (spec instanceof ErrorReply) return `${spec.message} (reading the append only file)`;
      // As Redis while loading: no deadline counts as passed, so a key that expired since it was
      // written still takes the commands that followed it (INCR keeps the TTL, not a new key).
      // The AOF holds absolute times (PXAT, PEXPIREAT), so the command time itself is not needed.
      this.keyspace.time.now = 0;
      const r = execute(spec, client, args, (e) => this.log.warning(`Replaying '${args[0]}' crashed: ${String(e)}`));
      if (r instanceof ErrorReply && r.message.startsWith('ERR internal error')) return r.message;
      return null;
    };
  }

  private onExpired(db: Database, key: string): void {
    this.stats.expiredKeys++;
    this.propagate(db.id, ['DEL', key]);
  }

  /** Queues a connection's replies for this event-loop turn's flush (AOF first, then sockets). */
  queueFlush(conn: Connection): void {
    if (!conn.flushQueued) {
      conn.flushQueued = true;
      this.flushList.push(conn);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  /** Flushes now what this turn's flush would (the AOF rewrite, before each of its slices). */
  flushNow(): void {
    if (this.flushScheduled) this.flushAll();
  }

  /**
   * Writes the AOF for this turn, then the replies. If the write failed under `appendfsync always`,
   * the replies of clients that wrote something are held (their effects are not durable yet) and
   * released by a later successful retry; the others are sent.
   */
  private flushAll(): void {
    this.flushScheduled = false;
    const list = this.flushList;
    this.flushList = [];
    const p = this.persistence;
    if (p !== null && !p.flush() && p.policy === 'always') {
      for (const c of list) {
        if (c.awaitingDurability) this.held.push(c);
        else c.flush();
      }
      return;
    }
    if (this.held.length > 0) {
      const held = this.held;
      this.held = [];
      for (const c of held) c.flush();
    }
    for (const c of list) c.flush();
  }

  // --- clients ---------------------------------------------------------------------------------

  clients(): Iterable<Connection> {
    return this.clientsById.values();
  }

  private accept(socket: Socket): void {
    this.stats.totalConnections++;
    // As Redis: over maxclients, the new connection gets an error and is closed.
    if (this.clientsById.size >= this.config.int('maxclients')) {
      this.stats.rejectedConnections++;
      socket.on('error', () => {});
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const conn = new Connection(this.nextClientId++, socket, this);
    this.clientsById.set(conn.id, conn);
  }

  removeClient(conn: Connection): void {
    this.clientsById.delete(conn.id);
  }

  /**
   * Event-loop delay, sampled by a timer every LOOP_SAMPLE_MS from listen() to close(): its max is
   * the longest stall (a long command, a rewrite step, a GC pause) since start or CONFIG RESETSTAT.
   */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });

  /**
   * INFO stats eventloop_max_stall_ms. The histogram records whole intervals between the timer's
   * runs, so an idle loop shows LOOP_SAMPLE_MS: the stall is what comes on top of that.
   */
  eventLoopMaxStallMs(): number {
    return Math.max(0, this.loopDelay.max / 1e6 - LOOP_SAMPLE_MS);
  }

  resetStats(): void {
    this.stats = newStats();
    this.loopDelay.reset();
  }

  infoSections(): Map<string, [string, string | number][]> {
    const out = new Map<string, [string, string | number][]>();
    out.set('persistence', persistenceInfo(this));
    for (const [name, fn] of this.extraInfo) out.set(name, fn());
    return out;
  }

  setShutdownHandler(fn: (opts: { save?: boolean; now?: boolean; force?: boolean }) => string | null): void {
    this.shutdownHandler = fn;
  }

  shutdown(opts: { save?: boolean; now?: boolean; force?: boolean }): string | null {
    if (this.shutdownHandler) return this.shutdownHandler(opts);
    setImmediate(() => void this.close());
    return null;
  }

  // --- lifecycle -------------------------------------------------------------------------------

  /** Binds every address of `bind` (a leading '-' marks an address that may be unavailable). */
  async listen(): Promise<void> {
    const port = this.config.int('port');
    const addrs = this.config.get('bind').split(/\s+/).filter((a) => a !== '');
    for (const raw of addrs) {
      const optional = raw.startsWith('-');
      const host = optional ? raw.slice(1) : raw;
      try {
        const srv = await this.listenOne(host === '*' ? '0.0.0.0' : host, this.port || port);
        this.listeners.push(srv);
        const a = srv.address();
        if (a && typeof a === 'object') this.port = a.port;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
        await this.closeListeners();
        throw e;
      }
    }
    if (this.listeners.length === 0) throw new Error('Failed listening on any address');
    const hz = Math.max(1, this.config.int('hz'));
    this.expireTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.loopDelay.enable();
    this.expireTimer.unref();
  }

  private listenOne(host: string, port: number): Promise<NetServer> {
    return new Promise((resolvePromise, reject) => {
      const srv = createServer({ noDelay: true }, (s) => this.accept(s));
      srv.once('error', reject);
      srv.listen({ host, port, backlog: this.config.int('tcp-backlog'), ipv6Only: host.includes(':') }, () => {
        srv.removeListener('error', reject);
        resolvePromise(srv);
      });
    });
  }

  /** Periodic work (Redis's serverCron): active expiry, a small slice of time each tick. */
  private cron(): void {
    if (this.loading) return;
    if (this.activeExpire) this.keyspace.activeExpireCycle(2);
    this.persistence?.cron();
    // Deletions by active expiry were appended; write them (and release held replies on recovery).
    if (!this.flushScheduled) this.flushAll();
  }

  private async closeListeners(): Promise<void> {
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners.length = 0;
  }

  /** Stops accepting, flushes pending replies, closes every client. */
  async close(): Promise<void> {
    this.loopDelay.disable();
    if (this.expireTimer) clearInterval(this.expireTimer);
    this.expireTimer = null;
    const closing = this.closeListeners();
    this.flushAll();
    for (const c of this.clientsById.values()) c.socket.destroy();
    this.clientsById.clear();
    await closing;
    if (this.persistence) await this.persistence.close();
  }
}
