// The command line: `keystonelight [/path/to/keystonelight.conf] [--option value ...]`, as
// redis-server. Problems with the configuration print one line on stderr and exit 1; a start that
// fails later exits 1 with its reason in the log, as Redis (see server/start-failure.ts).

import { applyOptions, Config, ConfigError, OPTIONS } from './config.js';
import { REDIS_ONLY_OPTIONS } from './config-redis-only.js';
import { parseArgs } from './config-file.js';
import { commandTableFor, renameChecker } from './commands/index.js';
import { REDIS_VERSION, VERSION } from './version.js';
import { makeDataDir, runService } from './server/service.js';
import { LoggedStartFailure } from './server/start-failure.js';
import { isDaemonChild, notifyFailure, notifyReady, spawnDaemon } from './server/daemon.js';
import { guardStdio } from './server/log.js';
import { errorText } from './errors.js';

/** As a server, durable by default: an append-only file in `dir` (the library stays in memory). */
const SERVER_DEFAULTS: Record<string, string> = { appendonly: 'yes' };

/** An option's default as the server runs with it (--help). */
function shownDefault(name: string, value: string): string {
  if (name === 'pidfile') return '"" (<dir>/keystonelight.pid is always written)';
  const v = SERVER_DEFAULTS[name] ?? value;
  return v === '' ? '""' : v;
}

const HELP = `Usage: keystonelight [/path/to/keystonelight.conf] [options] [-]
       keystonelight - (read config from stdin)
       keystonelight --version
       keystonelight --help

Options use redis.conf names and values; command-line options override the file
(and stdin, read after the file).
Examples:
       keystonelight --port 7380
       keystonelight /etc/keystonelight.conf --loglevel verbose
       keystonelight --dir /var/lib/keystonelight --appendfsync always
       echo 'maxmemory 100mb' | keystonelight /etc/keystonelight.conf -

Options (default):
${OPTIONS.filter((o) => !REDIS_ONLY_OPTIONS.includes(o)).map((o) => `  --${o.name.padEnd(28)} ${shownDefault(o.name, o.default)}`).join('\n')}

Redis 7.0's other options (replication, RDB, TLS, ...) are accepted so that a redis.conf
works: they change nothing, and those asking for a missing feature (replicaof, tls-port,
notify-keyspace-events ...) are refused unless at their default (redis-compat.md).
`;

function fail(message: string): never {
  notifyFailure(message); // in the background server: the waiting parent prints it
  process.stderr.write(`keystonelight: ${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  guardStdio();
  // As redis-server, only as the first argument: elsewhere they are values (`--requirepass -h`).
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`Keystonelight v=${VERSION} redis_version=${REDIS_VERSION} node=${process.version}\n`);
    return;
  }
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(HELP);
    return;
  }
  let config: Config;
  let file: string | undefined;
  let stdin: string | undefined;
  try {
    const parsed = parseArgs(argv, undefined, renameChecker());
    file = parsed.file;
    stdin = parsed.stdin;
    config = new Config(SERVER_DEFAULTS);
    applyOptions(config, parsed.options);
    commandTableFor(config); // as the server will build it (its rename-command lines were checked as read)
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  if (config.bool('daemonize') && !isDaemonChild()) {
    // The configuration is valid: start it again in the background and wait until it serves.
    const reason = await spawnDaemon(argv, stdin);
    if (reason !== null) fail(reason);
    process.exit(0);
  }
  try {
    makeDataDir(config);
  } catch (e) {
    fail(errorText(e));
  }
  try {
    await runService(config, file ?? '');
    notifyReady();
  } catch (e) {
    if (!(e instanceof LoggedStartFailure)) fail(errorText(e));
    notifyFailure(e.message); // in the background server: the waiting parent prints it
    process.exit(1);
  }
}

main(process.argv.slice(2)).catch((e) => fail(errorText(e)));
