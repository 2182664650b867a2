// The library entry: start a Keystonelight server inside the current process.
//
//   import { startServer } from 'keystonelight';
//   const server = await startServer({ port: 0 });   // port 0: any free port
//   ... connect any Redis client to 127.0.0.1:server.port ...
//   await server.close();
//
// With no persistence options the data lives in memory only; pass
// { config: { appendonly: 'yes', dir: '/some/dir' } } for an append-only file.

import { applyOptions, Config, ConfigError } from './config.js';
import { byteString, fsPath } from './config-values.js';
import { Server } from './server/server.js';
import { createLogger, sinkLogger, stderrLogger, type Logger, type LogSink } from './server/log.js';
import { checkLogFile, makeDataDir, openPersistence, readyLines, takePidFiles } from './server/service.js';
import { refuseWhileStarting } from './server/shutdown.js';
import type { PidFiles } from './server/pid-files.js';
import type { Clock } from './keyspace/clock.js';
import type { FileIO } from './persistence/fileio.js';

export { ManualClock, type Clock } from './keyspace/clock.js';
export { VERSION, REDIS_VERSION } from './version.js';
export { ConfigError } from './config.js';
export { PidFileError } from './server/pidfile.js';
export type { LogLevel, LogSink } from './server/log.js';

export interface StartOptions {
  /** TCP port; 0 (the library default) picks a free one. */
  port?: number;
  /** Addresses to listen on, as Redis's `bind` (default "127.0.0.1"). */
  bind?: string;
  /** Any other option by its redis.conf name, e.g. { databases: '4', loglevel: 'debug' }. */
  config?: Record<string, string | number | undefined>;
  /** A clock for expiry (tests can pass a ManualClock). */
  clock?: Clock;
  /**
   * Receives the server's log lines (those `loglevel` lets through, `warning` by default), e.g.
   * `(level, message) => t.log(message)`, instead of stderr or `logfile`.
   */
  log?: LogSink;
  /** Internal (tests): the file operations of the append-only file, e.g. to inject disk errors. */
  fileIO?: FileIO;
}

export interface RunningServer {
  /** The port actually bound. */
  readonly port: number;
  /** Stops listening, disconnects clients, flushes persistence. */
  close(): Promise<void>;
  /** The underlying server, for advanced use (tests). */
  readonly server: Server;
}

/** The options startServer takes; a Redis option goes in `config`. */
const START_OPTIONS = new Set<string>(['port', 'bind', 'config', 'clock', 'log', 'fileIO']);

/**
 * A clock is an object whose now() gives ms since the epoch. A sinon clock (its `now` a number) is
 * an easy slip: passed as it is, the start failed with a bare TypeError, and a now() that gives no
 * number made every expiry command an internal error.
 */
function checkClock(clock: unknown): void {
  if (clock === undefined) return;
  const now = (clock as { now?: unknown } | null)?.now;
  if (typeof now !== 'function') {
    throw new ConfigError(`bad option 'clock': an object with a now() method giving ms since the epoch (such as a ManualClock), not one whose now is ${typeof now}`);
  }
  const ms: unknown = now.call(clock);
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new ConfigError(`bad option 'clock': its now() gave ${String(ms)}, not a number of ms since the epoch`);
}

/** What a value is, for an error message. */
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/**
 * The options other than `config`'s values, checked: each of the wrong type rejects naming it. A
 * misspelt option (`{ prot: 0 }`, or a Redis option outside `config`) would otherwise be dropped
 * without a word, and the server start with a default the caller did not mean; a `bind` that is
 * not a string failed with a bare TypeError, and `config` a string was taken as options '0', '1'...
 */
function checkOptions(opts: StartOptions): void {
  if (typeof opts !== 'object' || opts === null) throw new ConfigError(`startServer takes an options object, e.g. { port: 0 }, not ${kindOf(opts)}`);
  for (const [k, v] of Object.entries(opts)) {
    if (v !== undefined && !START_OPTIONS.has(k)) throw new ConfigError(`unknown option '${k}': startServer takes port, bind, config, clock and log (a Redis option goes in config, e.g. { config: { databases: 4 } })`);
  }
  if (opts.log !== undefined && typeof opts.log !== 'function') throw new ConfigError(`bad option 'log': a function (level, message) => void, not ${typeof opts.log}`);
  if (opts.bind !== undefined && typeof opts.bind !== 'string') throw new ConfigError(`bad option 'bind': a string of addresses separated by spaces, e.g. '127.0.0.1 ::1', not ${kindOf(opts.bind)}`);
  const c: unknown = opts.config;
  if (c !== undefined && c !== null && (typeof c !== 'object' || Array.isArray(c))) throw new ConfigError(`bad option 'config': an object of Redis options by name, e.g. { databases: 4 }, not ${kindOf(c)}`);
  checkClock(opts.clock);
}

/**
 * A `config` value as the text redis.conf would have: a JS string's bytes as UTF-8, as values from
 * the command line (see byteString), or a number's digits. Anything else (null, true, an object)
 * became its String(), so `dir: null` was a directory named 'null': it rejects naming the option.
 */
function configText(name: string, v: unknown): string {
  if (typeof v === 'string') return byteString(v);
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new ConfigError(`bad option '${name}': a string or a number (yes or no for a yes/no option), not ${kindOf(v)}`);
}

/** The options as a Config; a bad one rejects naming it (ConfigError), an undefined one is skipped. */
function configOf(opts: StartOptions): Config {
  checkOptions(opts);
  const values: [string, string][] = [['port', '0'], ['bind', '127.0.0.1'], ['loglevel', 'warning']];
  for (const [k, v] of Object.entries(opts.config ?? {})) if (v !== undefined) values.push([k, configText(k, v)]);
  if (opts.port !== undefined) values.push(['port', configText('port', opts.port)]);
  if (opts.bind !== undefined) values.push(['bind', opts.bind]);
  const config = new Config();
  applyOptions(config, values);
  return config;
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const config = configOf(opts);
  const logfile = fsPath(config.get('logfile'));
  // As the CLI's and Redis's: a log file that cannot be opened refuses the start, before anything
  // is taken (a `log` function takes the lines instead).
  if (logfile !== '' && opts.log === undefined) checkLogFile(logfile);
  // With an append-only file, the same PID file as the CLI's keeps a second server (embedded or
  // not) off the data directory: two writers of one AOF lose data. The directory is made first,
  // as the CLI makes it (the AOF would create it, but the PID file comes before).
  // Taken at start with appendonly, or when CONFIG SET appendonly yes starts the file later.
  let pidFiles: PidFiles | null = null;
  const claimDir = (): void => {
    if (pidFiles !== null) return;
    makeDataDir(config);
    pidFiles = takePidFiles(config).files;
  };
  if (config.bool('appendonly')) claimDir();
  let logger: Logger | null = null;
  let server: Server | null = null;
  let closing: Promise<void> | null = null;
  // The AOF's loading (openPersistence): a SHUTDOWN during it closes the server before its
  // persistence is attached; the PID file is given back only once that file is closed too.
  let starting: Promise<void> | null = null;
  // Set by a client's SHUTDOWN at once (its close runs a turn later, maybe after the load ended).
  let shutdownAsked = false;
  // Once, whoever asks first (the host, or a client's SHUTDOWN): the PID file and the log file
  // are given back however the server stops.
  const close = (): Promise<void> => (closing ??= (async () => {
    try {
      await server?.close();
      await starting?.catch(() => undefined);
      await server?.persistence?.close();
    } finally {
      pidFiles?.release();
      // Its file's descriptor (stderr is the host's); a `log` function gets no line after close().
      if (logfile !== '' || opts.log !== undefined) await logger?.close();
    }
  })());
  try {
    // Not the host's stdout (it may be the host's own output, a test runner's report): stderr.
    const level = config.get('loglevel');
    logger = opts.log !== undefined ? sinkLogger(level, opts.log) : logfile !== '' ? createLogger(level, logfile) : stderrLogger(level);
    server = new Server({ config, clock: opts.clock, logger });
    const s = server;
    s.setShutdownHandler((o) => {
      // As the CLI's: refused while CONFIG SET appendonly yes writes the first base (no FORCE).
      const refused = refuseWhileStarting(s, o);
      if (refused !== null) return refused;
      shutdownAsked = true;
      s.closeSoon(close);
      return null;
    });
    await server.listen();
    await (starting = openPersistence(server, opts.fileIO, claimDir));
    // A client's SHUTDOWN while the file loaded (its close under way, or still to run): the host
    // learns the server is gone; close() below closes the file before giving back the PID file.
    if (shutdownAsked) {
      throw new Error('The server was shut down (SHUTDOWN) while it was loading its append only file');
    }
  } catch (e) {
    await close();
    throw e;
  }
  const running = server;
  // As the CLI's last start-up lines (at notice: the library's default level, warning, hides them).
  for (const line of readyLines(running)) logger.notice(line);
  return {
    get port() {
      return running.port;
    },
    close,
    server: running,
  };
}
