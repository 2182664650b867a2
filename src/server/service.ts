// Running as a service: PID file, start-up banner, loading the AOF and turning it on or off at run
// time; signals and clean shutdown are shutdown.ts's. (The library entry shares `openPersistence`
// but owns its own process: no signals, no exit.)

import { closeSync, mkdirSync, openSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ApplyError, ConfigError, type Config } from '../config.js';
import { fsPath } from '../config-values.js';
import { REDIS_VERSION, VERSION } from '../version.js';
import { AofPersistence, warnIgnoredRdb, type FileIO } from '../persistence/index.js';
import { PendingAofStart } from '../persistence/pending-start.js';
import { AofOff } from '../persistence/aof-off.js';
import { createLogger, type Logger } from './log.js';
import { Server } from './server.js';
import { PidFiles } from './pid-files.js';
import { isDaemonChild } from './daemon.js';
import { adjustOpenFilesLimit, tcpBacklogWarning } from './limits.js';
import { heapLimitWarning } from './heap.js';
import { AOF_DISABLE_CUT_FAILED, AOF_DISABLE_FAILED, AOF_ENABLE_FAILED, errnoText, errorText, strerror } from '../errors.js';
import { ListenError } from './listener.js';
import { LoggedStartFailure, refuseBeforeLog } from './start-failure.js';
import { manageOomScore } from './oom-score.js';
import { manageProcTitle } from './proc-title.js';
import { Service } from './shutdown.js';

/**
 * Loads the AOF (if appendonly is on) and attaches persistence to the server; CONFIG SET appendonly
 * then turns it on (a fresh file from memory, written in the background as Redis's
 * AOF_WAIT_REWRITE: persistence/initial-rewrite.ts) or off (written, fsynced and closed).
 * `claimDir` runs before the file is started at run time (the library takes the PID file then).
 */
export async function openPersistence(server: Server, io?: FileIO, claimDir?: () => void): Promise<void> {
  server.aofOff = new AofOff(server, io, claimDir);
  warnIgnoredRdb(server);
  if (server.config.bool('appendonly')) server.persistence = await AofPersistence.open(server, io);
  server.config.onChange('appendonly', (v) => {
    if (v === 'no') {
      if (server.persistence !== null || server.aofStart !== null) server.aofOff.cancel();
      server.aofStart = null;
    }
    if (v === 'yes' && server.exec.running && server.persistence === null) return enableAfterExec(server, io, claimDir);
    // As Redis: CONFIG SET fails, and the previous value is restored.
    const failed = toggleAof(server, v === 'yes', io, claimDir);
    if (failed !== null) throw new ApplyError(failed);
  });
  // CONFIG is allowed while the file loads (as in Redis): a CONFIG SET appendonly made then changed
  // only the config. Applied now that there is something to turn on or off.
  const on = server.config.bool('appendonly');
  if (on !== (server.persistence !== null) && toggleAof(server, on, io, claimDir) !== null) server.config.set('appendonly', on ? 'no' : 'yes');
}

/**
 * CONFIG SET appendonly yes run by EXEC: as Redis 7.0's startAppendOnly (server.in_exec), the file
 * is on once the transaction has ended, its rewrite scheduled (started in a later turn, or by a
 * BGREWRITEAOF right after), from the dataset of that moment; nothing of the transaction is
 * appended meanwhile (it is in the new base file). Were the file started in the middle, the
 * commands after the CONFIG SET would be appended without their MULTI ... EXEC. Not when the
 * transaction turned it off again.
 */
function enableAfterExec(server: Server, io?: FileIO, claimDir?: () => void): void {
  server.log.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
  const pending = new PendingAofStart(server);
  server.aofStart = pending;
  server.exec.after(() => {
    server.aofStart = null;
    const running = server.persistence;
    if (!server.config.bool('appendonly') || running !== null) return;
    // Too late to fail the CONFIG SET, which answered +OK: the option goes back to no, said in the log.
    if (toggleAof(server, true, io, claimDir, true) !== null) {
      server.config.set('appendonly', 'no');
      return;
    }
    // A BGSAVE the transaction ran meanwhile: Redis's serverCron starts it once the rewrite that
    // starts the file has ended. Scheduled behind it here too (Jobs.runScheduled's order).
    if (pending.bgsaveScheduled) server.persistence?.bgsave(true, false);
  });
}

/**
 * Turns the append only file on or off: null when it is now as asked, else CONFIG SET's error text.
 * `scheduled`: its rewrite starts in a later turn (EXEC).
 */
function toggleAof(server: Server, on: boolean, io?: FileIO, claimDir?: () => void, scheduled = false): string | null {
  const p = server.persistence;
  if (on && p === null) {
    if (server.aofOff.rewriting) {
      // As Redis's startAppendOnly: the running rewrite does not log the writes from now on.
      server.log.warning('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
      void server.aofOff.abort();
    }
    try {
      claimDir?.();
      server.persistence = AofPersistence.enable(server, io, scheduled);
    } catch (e) {
      server.log.warning(`Could not enable the append only file: ${errorText(e)}`);
      server.aofLastRewriteOk = false; // as Redis, whose rewrite to start the file could not start
      return AOF_ENABLE_FAILED;
    }
  } else if (!on && p !== null) {
    // Under `always` the replies of this turn's writes wait for their bytes to be durable: sent once
    // the file is off, they would not be (Redis exits when it cannot write them; its stopAppendOnly
    // writes them first). The file stays on, the replies held until a retry gets them through.
    const failed = p.syncBeforeOff();
    if (failed !== null) {
      server.log.warning(`Could not disable the append only file: ${failed}`);
      return AOF_DISABLE_FAILED;
    }
    // Run by EXEC: the transaction's effects so far are never written (Redis propagates them at its
    // end, AOF off by then). Those written early that cannot be cut off again keep the file on.
    const kept = p.dropUnit();
    if (kept !== null) {
      server.log.warning(`Could not disable the append only file: ${kept}`);
      return AOF_DISABLE_CUT_FAILED;
    }
    server.persistence = null;
    server.log.notice('Append only file disabled: written, fsynced and closed');
    server.aofOff.retire(p.close().catch((e) => server.log.warning(`Error closing the append only file: ${errorText(e)}`)));
  }
  return null;
}

/** A path of the configuration: a relative one is inside `dir`, as for Redis, which chdirs there. */
function inDir(config: Config, p: string): string {
  const path = fsPath(p);
  return isAbsolute(path) ? path : join(fsPath(config.get('dir')), path);
}

/** The data directory's PID file, always held (see pidfile.ts). */
const DIR_LOCK = 'keystonelight.pid';

/**
 * Makes the data directory (missing parents too), as the CLI does before its PID file; fails with
 * the CLI's line, whose reason for a file in the way is ENOTDIR's text (mkdir says EEXIST), as a
 * ConfigError (startServer rejects with one, as for a log file that cannot be opened).
 */
export function makeDataDir(config: Config): void {
  const dir = fsPath(config.get('dir'));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`can't create the data directory '${dir}': ${code === 'EEXIST' ? strerror('ENOTDIR') : errnoText(e)}`, { cause: e });
  }
}

/** Takes the server's PID files: the data directory's, and `pidfile` if it is elsewhere (pidfile.ts). */
export function takePidFiles(config: Config, exempt?: number): { files: PidFiles; warnings: string[] } {
  const p = config.get('pidfile');
  return PidFiles.take(inDir(config, DIR_LOCK), inDir(config, p === '' ? DIR_LOCK : p), exempt, [inDir(config, config.get('appenddirname'))]);
}

/**
 * Opens the log file once to check it can be: Redis refuses to start otherwise (winston's file
 * transport would make its missing directories, and drop the lines of a file it cannot open).
 */
export function checkLogFile(path: string): void {
  try {
    closeSync(openSync(path, 'a'));
  } catch (e) {
    throw new ConfigError(`Can't open the log file ${path}: ${strerror((e as NodeJS.ErrnoException).code ?? '')}`);
  }
}

/** The log file (empty: stdout), checked (checkLogFile). */
function logFileOf(config: Config): string {
  const f = config.get('logfile');
  if (f === '') return '';
  const path = inDir(config, f);
  checkLogFile(path);
  return path;
}

/** Said at start with appendonly no: a Redis user's file may count on save points and dump.rdb. */
const NOT_PERSISTED = 'WARNING appendonly is no: the dataset is kept in memory only and is lost when the server stops. Keystonelight writes no RDB snapshots (save points and dbfilename change nothing): set appendonly yes to keep it.';

/** The first lines of a start, as warnings as Redis's main() logs them: a start is in the log at loglevel warning too. */
function logStarting(log: Logger, config: Config, configFile: string, pidWarnings: string[]): void {
  log.warning('oO0OoO0OoO0Oo Keystonelight is starting oO0OoO0OoO0Oo');
  log.warning(`Keystonelight version=${VERSION}, redis_version=${REDIS_VERSION}, node=${process.version}, pid=${process.pid}, just started`);
  for (const w of pidWarnings) log.warning(w);
  const heapWarning = heapLimitWarning();
  if (heapWarning !== null) log.warning(heapWarning);
  if (configFile === '') log.warning('Warning: no config file specified, using the default config. In order to specify a config file use keystonelight /path/to/keystonelight.conf');
  else log.warning('Configuration loaded');
  // A redis.conf with appendonly no (Debian's) persists by RDB snapshots, which do not exist here.
  if (!config.bool('appendonly')) log.warning(NOT_PERSISTED);
}

/**
 * As Redis's redisAsciiArt: the mode, port and PID, as a banner when always-show-logo is yes or the
 * log is a terminal, else as one line. Tools find a server's start by them (Redis's own test suite
 * waits for " PID: <pid>" in the banner); ours are plain lines, not Redis's logo.
 */
function logMode(log: Logger, config: Config): void {
  const mode = config.bool('cluster-enabled') ? 'cluster' : 'standalone';
  const port = config.int('port');
  const tty = config.get('logfile') === '' && process.stdout.isTTY === true;
  if (!config.bool('always-show-logo') && !tty) return log.notice(`Running mode=${mode}, port=${port}.`);
  for (const line of [`Keystonelight ${VERSION} (redis_version ${REDIS_VERSION}) 64 bit`, `Running in ${mode} mode`, `Port: ${port}`, `PID: ${process.pid}`]) log.notice(line);
}

/**
 * The PID files, then the log. Taken before anything touches the data directory (even the log
 * file): a live owner means we must not start (see refuseBeforeLog for where the reason goes).
 * A daemonized server's parent (the command that started it and waits) is not an owner, even
 * when the file names its PID (reused after a reboot).
 */
async function claimDirAndLog(config: Config): Promise<{ pidFiles: PidFiles; pidWarnings: string[]; log: Logger }> {
  let taken: ReturnType<typeof takePidFiles>;
  try {
    taken = takePidFiles(config, isDaemonChild() ? process.ppid : undefined);
  } catch (e) {
    return refuseBeforeLog(config, e);
  }
  const { files: pidFiles, warnings: pidWarnings } = taken;
  let logfile: string;
  try {
    logfile = logFileOf(config);
  } catch (e) {
    pidFiles.release();
    throw e;
  }
  return { pidFiles, pidWarnings, log: createLogger(config.get('loglevel'), logfile) };
}

export async function runService(config: Config, configFile: string): Promise<Server> {
  const { pidFiles, pidWarnings, log } = await claimDirAndLog(config);
  // As Redis, the reason is logged (start-failure.ts); `lines` are the log's when they say more.
  const fail = async (reason: string, lines = [reason]): Promise<never> => {
    for (const line of lines) log.warning(line);
    pidFiles.release();
    await log.close();
    throw new LoggedStartFailure(reason);
  };
  logStarting(log, config, configFile, pidWarnings);
  // As Redis's initServer: maxclients must fit in the descriptors the process may open.
  const fdProblem = adjustOpenFilesLimit(config, log);
  if (fdProblem !== null) return fail(fdProblem);
  const backlogWarning = tcpBacklogWarning(config.int('tcp-backlog'));
  if (backlogWarning !== null) log.warning(backlogWarning);
  let server: Server;
  try {
    // Throws for a cluster layout file that cannot be used (cluster-enabled yes).
    server = new Server({ config, logger: log, configFile: configFile === '' ? '' : resolve(configFile), redisPortZero: true });
  } catch (e) {
    return fail(errorText(e));
  }
  try {
    await server.listen();
  } catch (e) {
    // Redis's lines for what failed (listener.ts): for an address, listenToPort's then initServer's.
    return fail(errorText(e), e instanceof ListenError ? e.lines : [errorText(e)]);
  }
  // As Redis's main(), once the port is known: ps shows the server's address.
  const unixsocket = fsPath(config.get('unixsocket'));
  manageProcTitle(config, () => ({ executable: process.argv[1] ?? 'keystonelight', port: server.port, unixsocket, cluster: server.cluster !== null, configFile: server.configFile }));
  manageOomScore(config, log);
  logMode(log, config);
  log.warning(`Server initialized, data directory ${resolve(fsPath(config.get('dir')))}`);
  const service = new Service(server, log, pidFiles);
  try {
    await openPersistence(server);
  } catch (e) {
    await server.close().catch(() => {});
    return fail(errorText(e));
  }
  service.running = true;
  for (const line of readyLines(server)) log.notice(line);
  const maxmemory = config.int('maxmemory');
  if (maxmemory > 0 && maxmemory < 1024 * 1024) log.warning(smallMaxmemory(maxmemory));
  return server;
}

/** Redis's main() warns once it serves: a maxmemory under 1 MB is most likely a unit left out. */
export const smallMaxmemory = (bytes: number): string =>
  `WARNING: You specified a maxmemory value that is less than 1MB (current value is ${bytes} bytes). Are you sure this is what you really want?`;

/** Redis's line once the server serves (the library logs it too: with port 0 it names the port). */
export const readyLine = (port: number): string => `Ready to accept connections tcp on port ${port}`;

/** The lines once the server serves: TCP's (when it listens on TCP), then Redis 7.0's for the Unix socket. */
export function readyLines(server: Server): string[] {
  const lines = server.listeners.tcpOpen ? [readyLine(server.port)] : [];
  const unix = server.config.get('unixsocket');
  if (unix !== '') lines.push(`The server is now ready to accept connections at ${fsPath(unix)}`);
  return lines;
}
