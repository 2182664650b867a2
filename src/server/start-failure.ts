// Where the reason a start fails is written. As Redis, which logs it with serverLog() before
// exit(1) (aof.c's load errors, initServer's "Failed listening on port ...", ...): in the server
// log, in its line format — stdout with `logfile ""`, else only the log file — and nothing on
// stderr, so that a supervisor keeping stdout (systemd, docker) keeps the reason too.
// What stays on stderr, as `keystonelight: <reason>` (src/cli.ts): problems with the configuration
// itself (a bad option or file, a data directory or log file that cannot be used), which Redis
// prints from loadServerConfig with fprintf(stderr) as its "FATAL CONFIG FILE ERROR".

import type { Config } from '../config.js';
import { createLogger } from './log.js';
import { errorText } from '../errors.js';

/** A failed start whose reason is in the log already: the CLI only exits 1 (telling a waiting daemon parent why). */
export class LoggedStartFailure extends Error {}

/**
 * A start refused before the log file is opened (the PID file: the data directory, and so a
 * relative log file, may be another running server's, which must not be touched). With
 * `logfile ""` the log is stdout, opening nothing: the reason is a log line there, as every other
 * failed start's. With a log file the error is thrown as it is, for the CLI to print on stderr.
 */
export async function refuseBeforeLog(config: Config, e: unknown): Promise<never> {
  if (config.get('logfile') !== '') throw e;
  const log = createLogger(config.get('loglevel'), '');
  log.warning(errorText(e));
  await log.close();
  throw new LoggedStartFailure(errorText(e));
}
