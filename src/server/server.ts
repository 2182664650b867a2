// The server: owns the keyspace, the command table, the clients and the listeners, and runs each
// command through the dispatcher. One instance per startServer() call; nothing is global, so a
// test process can run several.

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
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
import { VERSION } from '../version.js';

/** Persistence as the server sees it (implemented by persistence/). */
export interface Persistence extends PersistenceApi {
  /** Records an effect in database `db`. */
  append(db: number, args: string[]): void;
  /** Writes (and, for appendfsync always, fsyncs) what was appended this turn; before replies. */
  flush(): void;
  /** Whether writes must be refused (MISCONF), with the reason. */
  writeError(): string | null;
  info(): [string, string | number][];
  close(): Promise<void>;
}

export interface ServerOptions {
  config?: Config;
  clock?: Clock;
  logger?: Logger;
  configFile?: string;
}

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
  readonly extraInfo = new Map<string, () => [string, string | number][]>();

  private readonly listeners: NetServer[] = [];
  private readonly clientsById = new Map<number, Connection>();
  private nextClientId = 1;
  private flushList: Connection[] = [];
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
  }

  // --- command execution ---------------------------------------------------------------------

  /** Runs one request for `conn` and returns its reply. */
  execute(conn: Connection, args: string[]): Reply {
    const spec = resolve(this.commands, args);
    this.stats.totalCommands++;
    if (spec instanceof ErrorReply) return this.error(spec);
    if (!conn.authenticated && !spec.flags.includes('no_auth')) return this.error(new ErrorReply(NOAUTH));
    if (this.loading && !spec.flags.includes('loading')) return this.error(new ErrorReply(LOADING));
    if (spec.flags.includes('write') && this.persistence) {
      const reason = this.persistence.writeError();
      if (reason !== null) return this.error(new ErrorReply(reason));
    }
    conn.lastCommand = spec.name;
    this.keyspace.tick();
    const r = execute(spec, conn, args, (e, a) => this.log.warning(`Command '${a[0]}' crashed: ${e instanceof Error ? e.stack : String(e)}`));
    if (r instanceof ErrorReply) this.stats.errorReplies++;
    return r;
  }

  private error(r: ErrorReply): ErrorReply {
    this.stats.errorReplies++;
    return r;
  }

  propagate(db: number, args: string[]): void {
    this.persistence?.append(db, args);
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

  private flushAll(): void {
    this.flushScheduled = false;
    this.persistence?.flush();
    const list = this.flushList;
    this.flushList = [];
    for (const c of list) c.flush();
  }

  // --- clients ---------------------------------------------------------------------------------

  clients(): Iterable<Connection> {
    return this.clientsById.values();
  }

  private accept(socket: Socket): void {
    this.stats.totalConnections++;
    const conn = new Connection(this.nextClientId++, socket, this);
    this.clientsById.set(conn.id, conn);
  }

  removeClient(conn: Connection): void {
    this.clientsById.delete(conn.id);
  }

  resetStats(): void {
    this.stats = newStats();
  }

  infoSections(): Map<string, [string, string | number][]> {
    const out = new Map<string, [string, string | number][]>();
    if (this.persistence) out.set('persistence', this.persistence.info());
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
    this.keyspace.activeExpireCycle(2);
    if (this.flushList.length > 0 && !this.flushScheduled) this.flushAll();
    else this.persistence?.flush();
  }

  private async closeListeners(): Promise<void> {
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners.length = 0;
  }

  /** Stops accepting, flushes pending replies, closes every client. */
  async close(): Promise<void> {
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
