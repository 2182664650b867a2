// Redis 7.0's options for features Keystonelight does not have (replication, RDB files, TLS, ACL
// files, active defrag, Lua, jemalloc, THP...). They are listed so that a stock
// redis.conf (Debian's /etc/redis/redis.conf, Redis's own) starts Keystonelight and so that
// CONFIG GET / SET / REWRITE answer as Redis 7.0.15's do: each has Redis's type, default, bounds,
// enum values, alias and error texts (config.c), and whether CONFIG SET may change it.
//
// Two kinds (redis-compat.md, "Configuration options"):
// - inert: any valid value is accepted and kept, and changes nothing here (what it tunes does not
//   exist: an RDB file's compression, a replica's behaviour, the allocator's background thread);
// - `unsupported`: the default (what a stock redis.conf sets) is accepted, any other valid value
//   asks for a feature we lack and is refused, rather than silently ignored (replicaof, TLS,
//   keyspace notifications, an ACL file, ...).
// Redis's hidden options (HIDDEN_CONFIG: its debugging and test knobs) are here too: CONFIG GET
// answers them by exact name only (config-spec.ts `hidden`), as Redis 7.0.15's.

import { bool, ConfigError, int, INT_MAX, INT_MIN, LLONG_MAX, mem, opt, UINT_MAX, ULLONG_MAX, type OptionSpec } from './config-spec.js';
import { memtoull, string2ll, strtoll } from './config-values.js';

/** Redis's LONG_MAX on its 64-bit builds. */
const LONG_MAX = LLONG_MAX;

const PROTECTED_ACTION = ['no', 'yes', 'local'];
const REPLICATION = 'replication';
const TLS = 'TLS';

/** An option Keystonelight refuses at any value but its default, naming what it would ask for. */
const only = (spec: OptionSpec, unsupported: string): OptionSpec => ({ ...spec, unsupported });

/** Redis's isValidDBfilename: a name inside `dir`, not a path (empty is allowed). */
function parseDbFilename(raw: string): string {
  if (raw.includes('/') || raw.includes('\\')) throw new ConfigError("dbfilename can't be a path, just a filename");
  return raw;
}

/** Redis's isValidAnnouncedHostname: fewer than 256 bytes of letters, digits, '-' and '.'. */
function parseHostname(raw: string): string {
  if (raw.length >= 256) throw new ConfigError('Hostnames must be less than 256 characters');
  if (!/^[A-Za-z0-9.-]*$/.test(raw)) throw new ConfigError('Hostnames may only contain alphanumeric characters, hyphens or dots');
  return raw;
}

/** Redis's keyspaceEventsStringToFlags: only its class characters ("" is none). */
function parseKeyspaceEvents(raw: string): string {
  if (!/^[Ag$lshzxeKEtmdn]*$/.test(raw)) throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  return raw;
}

/** `replicaof <host> <port>` or `replicaof no one` (none, shown as ""), as Redis's setConfigReplicaOfOption. */
function parseReplicaOf(words: readonly string[]): string {
  if (words.length === 0) return ''; // the canonical form read back (a config line needs 2 words: config-file.ts)
  if (words.length !== 2) throw new ConfigError('wrong number of arguments');
  if (words[0].toLowerCase() === 'no' && words[1].toLowerCase() === 'one') return '';
  const port = strtoll(words[1]);
  if (port === null || port < 0n || port > 65535n) throw new ConfigError('Invalid master port');
  return `${words[0]} ${port}`;
}

/** Three strtoll values in [-2000, 2000], as Redis's setConfigOOMScoreAdjValuesOption. */
function parseOomValues(words: readonly string[]): string {
  if (words.length !== 3) throw new ConfigError('wrong number of arguments');
  const values = words.map(strtoll);
  if (values.some((v) => v === null || v < -2000n || v > 2000n)) {
    throw new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
  }
  return values.join(' ');
}

/**
 * maxmemory-clients: a memory value (signed: a saturated one reads as negative), or a percentage
 * `N%` kept as -N, as Redis's numericParseString with MEMORY_CONFIG | PERCENT_CONFIG; shown as Redis's.
 */
function parseMemoryOrPercent(raw: string): string {
  // memtoull reads a C string (up to a NUL), the percent branch the whole value (sdslen): `binary`.
  const nul = raw.indexOf('\0');
  let v = memtoull(nul < 0 ? raw : raw.slice(0, nul));
  if (v !== null) v = BigInt.asIntN(64, v);
  else if (raw.length > 1 && raw.endsWith('%')) {
    const p = string2ll(raw.slice(0, -1));
    if (p !== null && p >= 0n) v = -p;
  }
  if (v === null) throw new ConfigError('argument must be a memory or percent value');
  if (v < 0n && v < -100n) throw new ConfigError('percentage argument must be less or equal to 100');
  return v < 0n ? `${-v}%` : String(v);
}

/** A value CONFIG REWRITE writes as it is shown (no quotes, no byte units). */
const plainLine = (name: string) => (v: string): string[] => [`${name} ${v}`];

export const REDIS_ONLY_OPTIONS: readonly OptionSpec[] = [
  // RDB files: there are none (persistence is the AOF alone).
  bool('rdbchecksum', 'yes', false),
  bool('rdbcompression', 'yes'), // not inert: DUMP compresses with it (dump-payload.ts)
  bool('rdb-del-sync-files', 'no'),
  bool('rdb-save-incremental-fsync', 'yes'),
  bool('stop-writes-on-bgsave-error', 'yes'), // not inert: a failed BGSAVE with save points stops writes (request-checks.ts)
  opt('dbfilename', 'string', 'dump.rdb', true, { protected: true, parse: parseDbFilename }),
  // AOF: no-appendfsync-on-rewrite acts as Redis's (persistence/aof.ts: no fsync while a rewrite
  // runs); replaced files are deleted after each rewrite, always.
  bool('no-appendfsync-on-rewrite', 'no'),
  only(bool('aof-disable-auto-gc', 'no'), 'keeping AOF history files (aof-disable-auto-gc)'),
  // Replication: Keystonelight is a master without replicas; what tunes replicas, or a master's
  // backlog and diskless transfers, has nothing to act on. Being a replica is refused.
  only(opt('replicaof', 'string', '', false, { alias: 'slaveof', multi: true, parseWords: parseReplicaOf, lines: (v) => (v === '' ? [] : [`replicaof ${v}`]) }), REPLICATION),
  only(int('min-replicas-to-write', '0', 0n, INT_MAX, { alias: 'min-slaves-to-write' }), `${REPLICATION} (min-replicas-to-write)`),
  int('min-replicas-max-lag', '10', 0n, INT_MAX, { alias: 'min-slaves-max-lag' }),
  opt('masterauth', 'string', '', true, { sensitive: true, emptyIsNull: true, binary: true }),
  opt('masteruser', 'string', '', true, { sensitive: true, emptyIsNull: true }),
  bool('replica-serve-stale-data', 'yes', true, { alias: 'slave-serve-stale-data' }),
  bool('replica-read-only', 'yes', true, { alias: 'slave-read-only' }),
  bool('replica-lazy-flush', 'no', true, { alias: 'slave-lazy-flush' }),
  bool('replica-ignore-maxmemory', 'yes', true, { alias: 'slave-ignore-maxmemory' }),
  bool('replica-announced', 'yes'),
  bool('replica-ignore-disk-write-errors', 'no'),
  int('replica-priority', '100', 0n, INT_MAX, { alias: 'slave-priority' }),
  opt('replica-announce-ip', 'string', '', true, { alias: 'slave-announce-ip', emptyIsNull: true }),
  int('replica-announce-port', '0', 0n, 65535n, { alias: 'slave-announce-port' }),
  bool('repl-diskless-sync', 'yes'),
  int('repl-diskless-sync-delay', '5', 0n, INT_MAX),
  int('repl-diskless-sync-max-replicas', '0', 0n, INT_MAX),
  opt('repl-diskless-load', 'enum', 'disabled', true, { values: ['disabled', 'on-empty-db', 'swapdb'] }),
  bool('repl-disable-tcp-nodelay', 'no'),
  int('repl-timeout', '60', 1n, INT_MAX),
  int('repl-ping-replica-period', '10', 1n, INT_MAX, { alias: 'repl-ping-slave-period' }),
  // INFO's repl_backlog_size; CONFIG SET raises it to Redis's 16 KB floor (resizeReplicationBacklog), a start does not.
  mem('repl-backlog-size', '1048576', 1n, LLONG_MAX, { adjustSet: (v) => (BigInt(v) < 16384n ? '16384' : v) }),
  int('repl-backlog-ttl', '3600', 0n, LONG_MAX),
  opt('bind-source-addr', 'string', '', true, { emptyIsNull: true }),
  opt('propagation-error-behavior', 'enum', 'ignore', true, { values: ['ignore', 'panic', 'panic-on-replicas'] }),
  // Cluster: the layout is a static file read at start (src/cluster/layout.ts); there is no bus,
  // no failover, no migration. What would change replies (hostnames, serving a partly covered
  // cluster or reads while it is down) is refused.
  int('cluster-announce-tls-port', '0', 0n, 65535n),
  only(opt('cluster-announce-hostname', 'string', '', true, { parse: parseHostname, emptyIsNull: true }), 'announcing a hostname (cluster-announce-hostname)'),
  only(opt('cluster-preferred-endpoint-type', 'enum', 'ip', true, { values: ['ip', 'hostname', 'unknown-endpoint'] }), 'an endpoint other than the ip (cluster-preferred-endpoint-type)'),
  only(bool('cluster-require-full-coverage', 'yes'), 'serving a cluster whose slots are not all assigned (cluster-require-full-coverage no)'),
  only(bool('cluster-allow-reads-when-down', 'no'), 'serving reads while the cluster is down (cluster-allow-reads-when-down yes)'),
  bool('cluster-allow-pubsubshard-when-down', 'yes'),
  bool('cluster-allow-replica-migration', 'yes'),
  bool('cluster-replica-no-failover', 'no', true, { alias: 'cluster-slave-no-failover' }),
  int('cluster-replica-validity-factor', '10', 0n, INT_MAX, { alias: 'cluster-slave-validity-factor' }),
  int('cluster-migration-barrier', '1', 0n, INT_MAX),
  int('cluster-node-timeout', '15000', 0n, LLONG_MAX),
  mem('cluster-link-sendbuf-limit', '0', 0n, ULLONG_MAX),
  // TLS: only plain TCP. The certificate options only matter once TLS is on, which is refused.
  only(int('tls-port', '0', 0n, 65535n), TLS),
  only(bool('tls-replication', 'no'), TLS),
  only(bool('tls-cluster', 'no'), TLS),
  opt('tls-auth-clients', 'enum', 'yes', true, { values: ['no', 'yes', 'optional'] }),
  bool('tls-prefer-server-ciphers', 'no'),
  bool('tls-session-caching', 'yes'),
  int('tls-session-cache-size', '20480', 0n, INT_MAX),
  int('tls-session-cache-timeout', '300', 0n, INT_MAX),
  ...['tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-client-cert-file', 'tls-client-key-file', 'tls-client-key-file-pass',
    'tls-dh-params-file', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-protocols', 'tls-ciphers', 'tls-ciphersuites'].map((n) => opt(n, 'string', '', true, { emptyIsNull: true })),
  // Connections: no marks on sockets.
  only(int('socket-mark-id', '0', 0n, UINT_MAX, { mutable: false }), 'marking sockets (socket-mark-id)'),
  // ACL: only the default user (requirepass); no ACL file. Not inert: the ACL LOG of failed AUTHs
  // keeps acllog-max-len entries (commands/acl-log.ts).
  only(opt('aclfile', 'string', '', false), 'an ACL file (aclfile)'),
  int('acllog-max-len', '128', 0n, LONG_MAX),
  opt('acl-pubsub-default', 'enum', 'resetchannels', true, { values: ['allchannels', 'resetchannels'] }),
  // Keyspace notifications need pub/sub, which Keystonelight does not have.
  only(opt('notify-keyspace-events', 'string', '', true, { parse: parseKeyspaceEvents }), 'keyspace notifications (notify-keyspace-events)'),
  // Client eviction and client tracking do not exist.
  only(opt('maxmemory-clients', 'string', '0', true, { parse: parseMemoryOrPercent, binary: true, lines: plainLine('maxmemory-clients') }), 'client eviction (maxmemory-clients)'),
  int('tracking-table-max-keys', '1000000', 0n, LONG_MAX),
  // Process and operating system: the logo, THP, CPU affinity, the OOM killer's score, syslog, supervision.
  bool('always-show-logo', 'no', false), // acts: the start's banner of plain lines (server/service.ts logMode)
  bool('disable-thp', 'yes', false),
  ...['server_cpulist', 'bio_cpulist', 'aof_rewrite_cpulist', 'bgsave_cpulist'].map((n) => opt(n, 'string', '', false, { emptyIsNull: true })),
  // Acts (server/oom-score.ts). `relative` is `yes`'s value: shown as `yes`, as Redis shows an enum value by its first name.
  opt('oom-score-adj', 'enum', 'no', true, { values: ['no', 'yes', 'relative', 'absolute'], adjust: (v) => (v === 'relative' ? 'yes' : v) }),
  opt('oom-score-adj-values', 'string', '0 200 800', true, { multi: true, parseWords: parseOomValues }),
  only(bool('syslog-enabled', 'no', false), 'logging to syslog (syslog-enabled)'),
  opt('syslog-ident', 'string', 'redis', false),
  opt('syslog-facility', 'enum', 'local0', false, { values: ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'] }),
  only(opt('supervised', 'enum', 'no', false, { values: ['upstart', 'systemd', 'auto', 'no'] }), 'supervision by upstart or systemd (supervised)'),
  bool('crash-log-enabled', 'yes'),
  bool('crash-memcheck-enabled', 'yes'),
  opt('ignore-warnings', 'string', '', true),
  // Allocator, hash tables, defragmentation: V8 and Keystonelight's own tables do these their way.
  bool('jemalloc-bg-thread', 'yes'),
  bool('activerehashing', 'yes'),
  // Refused as Debian's redis-server (built without Redis's own jemalloc) refuses it, with our reason.
  only(bool('activedefrag', 'no'), 'active defragmentation (activedefrag)'),
  int('active-defrag-cycle-min', '1', 1n, 99n),
  int('active-defrag-cycle-max', '25', 1n, 99n),
  int('active-defrag-threshold-lower', '10', 0n, 1000n),
  int('active-defrag-threshold-upper', '100', 0n, 1000n),
  mem('active-defrag-ignore-bytes', '104857600', 1n, LLONG_MAX),
  int('active-defrag-max-scan-fields', '1000', 1n, LONG_MAX),
  bool('io-threads-do-reads', 'no', false),
  // Scripts, modules, DUMP payloads: none here.
  int('busy-reply-threshold', '5000', 0n, LONG_MAX, { alias: 'lua-time-limit' }),
  // Not quite inert: as in Redis, it decides whether MODULE LOAD / LOADEX / UNLOAD get as far as
  // their "Error loading the extension" (request-checks.ts; nothing is ever loaded here).
  opt('enable-module-command', 'enum', 'no', false, { values: PROTECTED_ACTION }),
  opt('sanitize-dump-payload', 'enum', 'no', true, { values: ['no', 'yes', 'clients'] }),
  // Lets CONFIG SET change dbfilename (inert); `dir` stays refused: the data directory is fixed at start.
  opt('enable-protected-configs', 'enum', 'no', false, { values: PROTECTED_ACTION }),
  // Hidden (Redis 7.0.15's HIDDEN_CONFIG options, all of them). Inert: exiting rather than aborting
  // on a panic (a Node.js process has no core dump to keep), and how often an RDB load serves
  // clients (the AOF load yields by commands, persistence/loader.ts). Refused but at their default:
  // the watchdog (a stack trace logged when the event loop stalls longer) and the delays Redis's
  // tests use to keep a load or a save running long enough to watch it, which here would silently
  // not delay anything.
  bool('use-exit-on-panic', 'no', true, { hidden: true }),
  int('loading-process-events-interval-bytes', '2097152', 1024n, INT_MAX, { hidden: true }),
  only(int('watchdog-period', '0', 0n, INT_MAX, { hidden: true }), 'the software watchdog (watchdog-period)'),
  only(int('key-load-delay', '0', INT_MIN, INT_MAX, { hidden: true }), 'delaying each key loaded (key-load-delay)'),
  only(int('rdb-key-save-delay', '0', INT_MIN, INT_MAX, { hidden: true }), 'delaying each key saved (rdb-key-save-delay)'),
  // Debian's redis-server 7.0.15 (7.0.15-1~deb12u6, its backport of Redis's October 2025 Lua
  // security fixes) has one more, fixed at start: whether scripts may use Lua's deprecated
  // functions (getfenv, setfenv, newproxy). No scripting here: inert.
  bool('lua-enable-deprecated-api', 'no', false, { hidden: true }),
];
