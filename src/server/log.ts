// Logging in Redis's line format:  PID:M 26 Nov 2026 06:42:32.123 * message
// Levels map to Redis's: debug '.', verbose '-', notice '*', warning '#'.
// Standard output goes through winston; a log file is opened for each line, as Redis's (fileLogger).

import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import winston from 'winston';
import { clearTimeout, setTimeout, wallNow } from '../timers.js';

const LEVELS = { warning: 0, notice: 1, verbose: 2, debug: 3 } as const;
const MARK: Record<string, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export type LogLevel = keyof typeof LEVELS;

/** Receives each line the level lets through: its level and its text (no PID/time prefix). */
export type LogSink = (level: LogLevel, message: string) => void;

export interface Logger {
  debug(msg: string): void;
  verbose(msg: string): void;
  notice(msg: string): void;
  warning(msg: string): void;
  setLevel(level: string): void;
  /** Whether lines of `level` are written: callers skip building a costly line that is not. */
  enabled(level: LogLevel): boolean;
  close(): Promise<void>;
}

function stamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Redis's line for a message: its PID, the time and the level's mark before it. */
const redisText = (level: string, message: string): string => `${process.pid}:M ${stamp(new Date(wallNow()))} ${MARK[level] ?? '*'} ${message}`;
const redisLine = winston.format.printf((info) => redisText(info.level, String(info.message)));

/** Redis's LOG_MAX_LEN: serverLog formats a message into this many bytes, its NUL included. */
export const LOG_MAX_LEN = 1024;

/**
 * A message holding bytes a client sent (one char per byte, as the protocol reads them), as Redis's
 * serverLog writes it: cut at LOG_MAX_LEN - 1 bytes, and those bytes written as they came where they
 * are UTF-8 (a byte that is not: U+FFFD, where Redis writes it as it is). The loggers write text as
 * UTF-8: "DEBUG LOG café" typed in redis-cli came out as "cafÃ©", and 3000 bytes whole (Redis: 1023).
 */
export function clientBytes(message: string): string {
  return Buffer.from(message.slice(0, LOG_MAX_LEN - 1), 'latin1').toString('utf8');
}

/**
 * For the server process (the CLI; not the library, whose host owns its streams): a stdout or
 * stderr that stops taking writes (a pipe whose reader quit: EPIPE; a terminal that hung up: EIO)
 * emits 'error', which with no listener killed the server, losing the AOF's last second. As Redis,
 * which ignores SIGPIPE and failed log writes, the server goes on without those lines.
 */
export function guardStdio(): void {
  for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
}

/**
 * A logger for the library's `log` option (and under fileLogger): each line is handed to `sink`
 * (nothing to open or flush). A sink that throws (a test framework's log called after its test
 * ended, a log file that cannot take the line) loses that line; the server goes on.
 */
export function sinkLogger(level: string, sink: LogSink): Logger {
  let threshold: number = LEVELS.warning;
  let silent = false;
  const setLevel = (l: string): void => {
    silent = l === 'nothing';
    threshold = silent ? LEVELS.warning : LEVELS[l as LogLevel];
  };
  setLevel(level);
  let closed = false;
  const enabled = (l: LogLevel): boolean => !silent && LEVELS[l] <= threshold;
  const log = (l: LogLevel) => (msg: string): void => {
    if (closed || !enabled(l)) return;
    try {
      sink(l, msg);
    } catch {
      // the host's sink failed: this line is lost
    }
  };
  return {
    debug: log('debug'),
    verbose: log('verbose'),
    notice: log('notice'),
    warning: log('warning'),
    enabled,
    setLevel,
    close: () => ((closed = true), Promise.resolve()),
  };
}

/**
 * The library's logger without `log` or `logfile`: each line written to process.stderr (the host's
 * stdout may be its own output, a test runner's report). Not through winston's console transport,
 * which calls the host's console.error (taken when the server starts): a test setup that makes
 * console.error throw, to fail tests that log errors, had the server's start reject at loglevel
 * notice with the server left listening, and a line logged from a timer or a socket's callback end
 * the host's process as an uncaught exception. Jest's console printed each line with a stack.
 */
export function stderrLogger(level: string): Logger {
  return sinkLogger(level, (l, m) => void process.stderr.write(`${redisText(l, m)}\n`, lostLine));
}

/**
 * A line process.stderr could not take (a pipe whose reader quit: EPIPE) is lost, as Node's console
 * loses it (ignoreErrors, the same step): the stream then emits 'error', which with no listener of
 * the host's ended the host at the first line logged. Called before that 'error' is emitted.
 */
function lostLine(err: Error | null | undefined): void {
  if (err && process.stderr.listenerCount('error') === 0) process.stderr.once('error', () => {});
}

/**
 * A logger appending each line to `file`, as Redis's serverLogRaw: the file opened, the line
 * written and the file closed again, synchronously. So a file renamed by logrotate (Debian's
 * /etc/logrotate.d/redis-server has no copytruncate, no postrotate) is followed by a new one at
 * the next line, and a line the file cannot take (a full disk, the file size limit, a directory
 * removed) is dropped by sinkLogger and the next one tried again. Not winston's file transport:
 * once a write failed (ENOSPC, EFBIG) its stream was destroyed, and every later line stayed queued
 * in memory for good (nothing more reached the file once space was freed, not even the shutdown's
 * lines); and it kept the file open, so a rotated file went on receiving the lines.
 */
function fileLogger(level: string, file: string): Logger {
  // The file named at start: a relative name resolved at each line followed a library host's
  // process.chdir() (Redis's cwd changes only with its own dir, which the CLI's path includes).
  const path = resolve(file);
  return sinkLogger(level, (l, m) => appendFileSync(path, `${redisText(l, m)}\n`));
}

/**
 * A logger writing to `file`, or with `file` empty to stdout, as Redis (the CLI); `nothing`
 * silences it.
 */
export function createLogger(level: string, file: string): Logger {
  if (file !== '') return fileLogger(level, file);
  const transport = new winston.transports.Console({ forceConsole: true } as winston.transports.ConsoleTransportOptions);
  const w = winston.createLogger({
    levels: LEVELS,
    level: level === 'nothing' ? 'warning' : level,
    silent: level === 'nothing',
    format: redisLine,
    transports: [transport],
  });
  let closed: Promise<void> | undefined;
  // A line logged after close() (a signal arriving during shutdown) is dropped: winston would
  // emit 'write after end' as an uncaught error, and the process end with status 1.
  const log = (lvl: LogLevel) => (msg: string): void => {
    if (closed === undefined) w.log(lvl, msg);
  };
  return {
    debug: log('debug'),
    verbose: log('verbose'),
    notice: log('notice'),
    warning: log('warning'),
    enabled: (l: LogLevel) => !w.silent && LEVELS[l] <= LEVELS[w.level as LogLevel],
    setLevel(l: string) {
      w.silent = l === 'nothing';
      w.level = l === 'nothing' ? 'warning' : l;
    },
    // Once: a second call gets the first's promise (a second 'finish' never comes).
    close: () => (closed ??= ended(w, transport)),
  };
}

/**
 * Ends winston's logger `w`; resolves once every line logged so far is written: winston passes
 * lines to its transports through streams, so a line logged just before process.exit() (a failed
 * start) can still be queued, and was lost on a loaded machine. Bounded, in case a transport never
 * finishes. The bound's timer is cleared, not unref'd: an unref'd one let an embedding process
 * whose loop had nothing else to do exit with close() still pending.
 */
function ended(w: winston.Logger, transport: winston.transport): Promise<void> {
  return new Promise<void>((resolve) => {
    const bound = setTimeout(resolve, 2000);
    transport.once('finish', () => {
      clearTimeout(bound);
      resolve();
    });
    // winston's end() ends the transports at once (Logger._final), while lines logged before it
    // may still wait in the logger's readable buffer (a stdout under backpressure: a burst of
    // lines just before shutdown); piped after that, they are 'write after end', an
    // uncaught error (winstonjs/winston#2219). End once that buffer has drained.
    const drained = (): void => {
      if (w.readableLength > 0) return;
      w.off('data', drained);
      w.end();
    };
    if (w.readableLength > 0) w.on('data', drained);
    else w.end();
  });
}
