// Configuration: one table of options with Redis 7.0's names, aliases, value syntax, bounds and
// defaults. The same table serves the command line (`--port 7380`), the config file (redis.conf
// syntax), CONFIG GET and CONFIG SET (CONFIG REWRITE is config-rewrite.ts), so an option added here
// works everywhere at once.
//
// The options Keystonelight honours are listed here (redis-compat.md, "Configuration options", says
// how each one acts); Redis's others, accepted so that a redis.conf starts us, are in
// config-redis-only.ts. Values are validated exactly as Redis's config.c does, with its error
// texts, so CONFIG SET fails the same way.

import { createHash } from 'node:crypto';
import { mergeObufLimits, obufDefault, obufLines, parseObufLimits } from './config-obuf.js';
import { fsPath, memtoull, printable, string2ll } from './config-values.js';
import { ApplyError, bool, ConfigError, int, INT_MAX, INT_MIN, LLONG_MAX, mem, opt, UINT_MAX, ULLONG_MAX, type OptionKind, type OptionSpec } from './config-spec.js';
import { REDIS_ONLY_OPTIONS } from './config-redis-only.js';
import { TOO_MANY_WORDS } from './errors.js';
import { baseName, parseBind, parseNodeId, parseOctalPerm, parsePercentiles, parseProcTitle, parseSave, parseShutdownFlags } from './config-parsers.js';

export { ApplyError, ConfigError, type OptionKind, type OptionSpec };

export const OPTIONS: readonly OptionSpec[] = [
  // Listening (server/listener.ts): CONFIG SET moves the TCP listeners, as Redis 7.0's; the Unix
  // socket is fixed at start, as in Redis.
  int('port', '7379', 0n, 65535n),
  opt('bind', 'string', '127.0.0.1 -::1', true, { multi: true, parseWords: parseBind, appliedUnchanged: true }),
  opt('unixsocket', 'string', '', false, { emptyIsNull: true }),
  opt('unixsocketperm', 'string', '0', false, { parse: parseOctalPerm, lines: (v) => [`unixsocketperm ${v}`] }),
  opt('dir', 'string', './data', false, { protected: true }),
  opt('loglevel', 'enum', 'notice', true, { values: ['debug', 'verbose', 'notice', 'warning'], laterValues: ['nothing'] }),
  opt('logfile', 'string', '', false),
  int('databases', '16', 1n, INT_MAX, { mutable: false }),
  mem('proto-max-bulk-len', '536870912', 1048576n, LLONG_MAX),
  mem('client-query-buffer-limit', '1073741824', 1048576n, LLONG_MAX),
  int('hz', '10', 0n, INT_MAX, { adjust: (v) => String(Math.min(500, Math.max(1, Number(v)))) }),
  bool('dynamic-hz', 'yes'), // server/cron-timer.ts
  int('active-expire-effort', '1', 1n, 10n), // the cron's active expiry, as Redis's activeExpireCycle
  bool('set-proc-title', 'yes', false), // server/proc-title.ts
  opt('proc-title-template', 'string', '{title} {listen-addr} {server-mode}', true, { parse: parseProcTitle }),
  int('maxclients', '10000', 1n, UINT_MAX),
  int('timeout', '0', 0n, INT_MAX),
  int('tcp-backlog', '511', 0n, INT_MAX, { mutable: false }),
  int('tcp-keepalive', '300', 0n, INT_MAX),
  // Accepted so redis.conf files and monitoring (CONFIG GET io-threads) work; all I/O stays on our one thread.
  int('io-threads', '1', 1n, 128n, { mutable: false }),
  bool('protected-mode', 'yes'),
  opt('client-output-buffer-limit', 'string', obufDefault(), true, {
    multi: true, parseWords: parseObufLimits, merge: mergeObufLimits, lines: obufLines,
  }),
  opt('requirepass', 'string', '', true, { sensitive: true, emptyIsNull: true, binary: true }),
  opt('save', 'string', '', true, { multi: true, parseWords: parseSave }),
  bool('appendonly', 'no'),
  opt('appendfsync', 'enum', 'everysec', true, { values: ['everysec', 'always', 'no'] }), // Redis's order, shown in errors
  opt('appendfilename', 'string', 'appendonly.aof', false, { parse: baseName('appendfilename', 'filename') }),
  opt('appenddirname', 'string', 'appendonlydir', false, { parse: baseName('appenddirname', 'dirname') }),
  int('auto-aof-rewrite-percentage', '100', 0n, INT_MAX),
  mem('auto-aof-rewrite-min-size', '67108864', 0n, LLONG_MAX),
  bool('aof-load-truncated', 'yes'),
  // Accepted so redis.conf files (Redis's own sets it) and CONFIG SET work; changes nothing: a rewrite's
  // writes run on the thread pool and its file is fsynced once, before its rename.
  bool('aof-rewrite-incremental-fsync', 'yes'),
  bool('aof-use-rdb-preamble', 'no'),
  bool('aof-timestamp-enabled', 'no'),
  opt('pidfile', 'string', '', false, { emptyIsNull: true }),
  // What SIGINT / SIGTERM do, as SHUTDOWN's flags (server/shutdown.ts). shutdown-timeout waits for
  // replicas in Redis; there are none here, so it is accepted and changes nothing.
  opt('shutdown-on-sigint', 'string', 'default', true, { multi: true, parseWords: parseShutdownFlags }),
  opt('shutdown-on-sigterm', 'string', 'default', true, { multi: true, parseWords: parseShutdownFlags }),
  int('shutdown-timeout', '10', 0n, INT_MAX),
  bool('daemonize', 'no', false),
  mem('maxmemory', '0', 0n, ULLONG_MAX),
  opt('maxmemory-policy', 'enum', 'noeviction', true, {
    values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
  }),
  int('maxmemory-samples', '5', 1n, INT_MAX),
  int('maxmemory-eviction-tenacity', '10', 0n, 100n),
  int('lfu-log-factor', '10', 0n, INT_MAX),
  int('lfu-decay-time', '1', 0n, INT_MAX),
  bool('lazyfree-lazy-eviction', 'no'),
  bool('lazyfree-lazy-expire', 'no'),
  bool('lazyfree-lazy-server-del', 'no'),
  bool('lazyfree-lazy-user-del', 'no'),
  bool('lazyfree-lazy-user-flush', 'no'),
  opt('enable-debug-command', 'enum', 'no', false, { values: ['no', 'yes', 'local'] }),
  // Encoding thresholds: they decide what OBJECT ENCODING reports, as in Redis.
  int('hash-max-listpack-entries', '512', 0n, LLONG_MAX, { alias: 'hash-max-ziplist-entries' }),
  mem('hash-max-listpack-value', '64', 0n, LLONG_MAX, { alias: 'hash-max-ziplist-value' }),
  int('set-max-intset-entries', '512', 0n, LLONG_MAX),
  int('zset-max-listpack-entries', '128', 0n, LLONG_MAX, { alias: 'zset-max-ziplist-entries' }),
  mem('zset-max-listpack-value', '64', 0n, LLONG_MAX, { alias: 'zset-max-ziplist-value' }),
  int('list-max-listpack-size', '-2', INT_MIN, INT_MAX, { alias: 'list-max-ziplist-size' }),
  int('list-compress-depth', '0', 0n, INT_MAX),
  mem('stream-node-max-bytes', '4096', 0n, LLONG_MAX),
  int('stream-node-max-entries', '100', 0n, LLONG_MAX),
  mem('hll-sparse-max-bytes', '3000', 0n, LLONG_MAX),
  // Observability (slowlog, latency monitor, per-command latency tracking): src/commands/slowlog.ts, latency.ts.
  int('slowlog-log-slower-than', '10000', -1n, LLONG_MAX),
  int('slowlog-max-len', '128', 0n, LLONG_MAX),
  int('latency-monitor-threshold', '0', 0n, LLONG_MAX),
  bool('latency-tracking', 'yes'),
  opt('latency-tracking-info-percentiles', 'string', '50 99 99.9', true, { multi: true, parseWords: parsePercentiles, binary: true }),
  // Cluster mode with a static layout read once at start (src/cluster/layout.ts; redis-compat.md, "Cluster mode").
  // cluster-node-id is Keystonelight's: which node of the layout file this server is.
  bool('cluster-enabled', 'no', false),
  opt('cluster-config-file', 'string', 'nodes.conf', false),
  opt('cluster-announce-ip', 'string', '', true, { emptyIsNull: true }), // CONFIG SET: the single node's address at once
  int('cluster-port', '0', 0n, 65535n, { mutable: false }),
  int('cluster-announce-port', '0', 0n, 65535n),
  int('cluster-announce-bus-port', '0', 0n, 65535n),
  opt('cluster-node-id', 'string', '', false, { parse: parseNodeId }),
  ...REDIS_ONLY_OPTIONS,
];

const BY_NAME = new Map<string, OptionSpec>();
for (const o of OPTIONS) {
  BY_NAME.set(o.name, o);
  if (o.alias) BY_NAME.set(o.alias, o);
}
/** The longest name: a longer one (CONFIG SET of a 512 MB word) is no option, without a lower-case copy of it. */
const LONGEST_NAME = Math.max(...[...BY_NAME.keys()].map((k) => k.length));

/** The option called `name` (its name or its alias, any case). */
export function findOption(name: string): OptionSpec | undefined {
  return name.length > LONGEST_NAME ? undefined : BY_NAME.get(name.toLowerCase());
}

/**
 * Every name CONFIG GET patterns are matched against, aliases included, with their options: not
 * the hidden ones (Redis's configGetCommand skips HIDDEN_CONFIG for a pattern).
 */
export function optionNames(): [string, OptionSpec][] {
  const out: [string, OptionSpec][] = [];
  for (const o of OPTIONS) {
    if (o.hidden === true) continue;
    out.push([o.name, o]);
    if (o.alias) out.push([o.alias, o]);
  }
  return out;
}

function parseNumber(spec: OptionSpec, raw: string): bigint {
  let n: bigint | null;
  if (spec.kind === 'memory') {
    n = memtoull(raw);
    if (n === null) throw new ConfigError('argument must be a memory value');
    // A signed C type reads a saturated value as negative (then fails the bounds check).
    if (spec.max! <= LLONG_MAX) n = BigInt.asIntN(64, n);
  } else {
    n = string2ll(raw);
    if (n === null) throw new ConfigError("argument couldn't be parsed into an integer");
  }
  if (n < spec.min! || n > spec.max!) throw new ConfigError(`argument must be between ${spec.min} and ${spec.max} inclusive`);
  return n;
}

/** Validates a value for `spec` and returns its canonical form; throws ConfigError with Redis's reason. */
export function normalize(spec: OptionSpec, raw: string): string {
  return checkSupported(spec, validValue(spec, raw));
}

/**
 * normalize without the check of `unsupported`: CONFIG SET checks every value first, as Redis
 * sets them all before its apply step, then refuses an unsupported one (checkSupported).
 */
export function validValue(spec: OptionSpec, raw: string): string {
  return spec.multi && spec.kind === 'string' ? wordsValue(spec, setWords(raw)) : canonical(spec, cString(spec, raw));
}

/** A value as Redis's set functions read it: up to its first NUL byte, unless read whole (`binary`, integers). */
function cString(spec: OptionSpec, raw: string): string {
  if (spec.binary || spec.kind === 'int') return raw;
  const nul = raw.indexOf('\0');
  return nul < 0 ? raw : raw.slice(0, nul);
}

/** A value as Redis reads it (valid or ConfigError), before the check of `unsupported`. */
function canonical(spec: OptionSpec, raw: string): string {
  switch (spec.kind) {
    case 'bool': {
      const v = raw.toLowerCase();
      if (v !== 'yes' && v !== 'no') throw new ConfigError("argument must be 'yes' or 'no'");
      return v;
    }
    case 'enum': {
      const v = raw.toLowerCase();
      if (!spec.values!.includes(v) && !spec.laterValues?.includes(v)) throw new ConfigError('argument(s) must be one of the following: ' + spec.values!.join(', '));
      return spec.adjust ? spec.adjust(v) : v;
    }
    case 'int':
    case 'memory': {
      const v = String(parseNumber(spec, raw));
      return spec.adjust ? spec.adjust(v) : v;
    }
    default:
      return spec.parse ? spec.parse(raw) : raw;
  }
}

/**
 * The value, unless it asks for a feature Keystonelight lacks (`unsupported`): any valid value
 * other than the default, which is refused after Redis's own checks.
 */
export function checkSupported(spec: OptionSpec, value: string): string {
  // Defaults are written in the table in their canonical form (a unit test checks it).
  if (spec.unsupported !== undefined && value !== spec.default) throw new ConfigError(`${spec.unsupported} is not supported by Keystonelight`);
  return value;
}

/**
 * The most words a value of several words may have: as many as a request's arguments. A 512 MB
 * value of 268M one-letter words (as Redis's CONFIG SET latency-tracking-info-percentiles or
 * client-output-buffer-limit take) was split into more elements than V8 lets one array have: a
 * fatal error, the end of the process.
 */
export const MAX_WORDS = 2 ** 26; // protocol/decoder.ts's MAX_ARGS

/**
 * The words of a value of several words set as a whole (CONFIG SET, the library's options, a
 * canonical value): split at each single space, as Redis's CONFIG SET (sdssplitlen); "" is none.
 * Refused past `max` words (counted before the split).
 */
export function setWords(raw: string, max = MAX_WORDS): string[] {
  if (raw === '') return [];
  for (let n = 1, at = raw.indexOf(' '); at >= 0; at = raw.indexOf(' ', at + 1)) {
    if (++n > max) throw new ConfigError(TOO_MANY_WORDS(max));
  }
  return raw.split(' ');
}

/** Validates the words of an option of several words; returns the canonical value (words joined by a space). */
export function normalizeWords(spec: OptionSpec, words: readonly string[]): string {
  return checkSupported(spec, wordsValue(spec, words));
}

/** normalizeWords without the check of `unsupported`. */
function wordsValue(spec: OptionSpec, given: readonly string[]): string {
  const words = given.map((w) => cString(spec, w));
  return spec.parseWords ? spec.parseWords(words) : words.join(' ');
}

/** The live configuration: values by name, with change listeners for options that act at run time. */
export class Config {
  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, ((value: string) => void)[]>();
  private readonly checks = new Map<string, ((value: string, prev: string) => string | null)[]>();
  /**
   * The `rename-command` lines of the config file and command line, in order (each value: the two
   * names, quoted): not an option (CONFIG GET knows none), applied to the command table as the
   * server builds it (commands/index.ts), which checks them.
   */
  readonly renames: OptionLine[] = [];
  /**
   * A `user default` line was read: Redis's default user then has `sanitize-payload` (its "reset"
   * sets it), which its CONFIG REWRITE writes (config-rewrite.ts writes it then too).
   */
  defaultUserLine = false;

  /** The process's own defaults where they are not Redis's (the CLI's appendonly yes), as set. */
  private readonly ownDefaults = new Map<string, string>();

  constructor(overrides: Record<string, string> = {}) {
    for (const o of OPTIONS) this.values.set(o.name, o.default);
    for (const [k, v] of Object.entries(overrides)) {
      this.set(k, v);
      const name = findOption(k)!.name; // k may be an alias
      this.ownDefaults.set(name, this.get(name));
    }
  }

  /**
   * What the option is when nothing sets it: the process's own default, else Redis's. CONFIG
   * REWRITE leaves out an option at this value, so that the server started from the file runs as
   * before (the CLI's appendonly is yes: a file without `appendonly no` turned the AOF on).
   */
  defaultOf(spec: OptionSpec): string {
    return this.ownDefaults.get(spec.name) ?? spec.default;
  }

  /** The value of an option, by its name (not its alias). */
  get(name: string): string {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`no such option ${name}`);
    return v;
  }

  /** A numeric option as a JS number (exact up to 2^53, which every count and size we use is). */
  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /**
   * Sets an option (by name or alias) after validating it; throws ConfigError. Listeners run after
   * the change. Mutability is CONFIG SET's business: at start-up every option can be set.
   */
  set(name: string, raw: string): void {
    const spec = findOption(name);
    if (!spec) throw new ConfigError(`Bad directive or wrong number of arguments`);
    this.setValid(spec.name, normalize(spec, raw));
  }

  /**
   * Sets an option to a value already validated and in canonical form (CONFIG SET's), without
   * reading it again: a canonical value need not be valid input (save's changes, a C int in Redis,
   * wrap: `save "5 2147483648"` shows "5 -2147483648", which `save` would refuse as input).
   */
  setValid(name: string, parsed: string): void {
    this.store(name, parsed);
    this.notify(name);
  }

  /** setValid without telling the option's listeners (CONFIG SET stores every value before applying any, as Redis). */
  store(name: string, parsed: string): void {
    const spec = findOption(name);
    if (!spec) throw new Error(`no such option ${name}`);
    this.values.set(spec.name, spec.merge ? spec.merge(this.get(spec.name), parsed) : parsed);
  }

  /** Tells the option's listeners its value (they throw ApplyError when it cannot take effect). */
  notify(name: string): void {
    const spec = findOption(name);
    if (!spec) throw new Error(`no such option ${name}`);
    const value = this.get(spec.name);
    for (const fn of this.listeners.get(spec.name) ?? []) fn(value);
  }

  /** A run-time condition CONFIG SET must also meet (maxclients within the descriptor limit); several may be added. */
  addCheck(name: string, fn: (value: string, prev: string) => string | null): void {
    this.checks.set(name, [...(this.checks.get(name) ?? []), fn]);
  }

  /** Why CONFIG SET of `name` to the canonical `value` must fail now (the first check's reason), or null. */
  check(name: string, value: string): string | null {
    const prev = this.get(name);
    for (const fn of this.checks.get(name) ?? []) {
      const why = fn(value, prev);
      if (why !== null) return why;
    }
    return null;
  }

  /** Calls `fn` with each new value of `name`; returns what stops it (for a listener that dies first). */
  onChange(name: string, fn: (value: string) => void): () => void {
    const list = this.listeners.get(name) ?? [];
    list.push(fn);
    this.listeners.set(name, list);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  entries(): [string, string][] {
    return [...this.values.entries()];
  }
}

// --- CONFIG REWRITE ---------------------------------------------------------------------------

/**
 * An option to apply, with where it was read: `file, line N: '...'` from a file, `command line:
 * '<line>'` from the command line; none from the library's options (`bad option ...` then).
 */
export type OptionLine = [name: string, value: string, where?: string, canonical?: boolean];

/**
 * A value's error: the line it was read from (a file's or the command line's, as Redis's "Reading
 * the configuration file, at line N" / `>>> '<line>'`), or for the library's options the option
 * and value named.
 */
export function badOption(name: string, value: string, e: ConfigError, where?: string): ConfigError {
  return new ConfigError(where === undefined ? `bad option '${name}' (value '${printable(fsPath(value))}'): ${e.message}` : `${where}: ${e.message}`);
}

/** Sets each option in order; the first bad one throws badOption's error. */
export function applyOptions(config: Config, options: Iterable<OptionLine>): void {
  const users: OptionLine[] = [];
  for (const [name, value, where, canonical] of options) {
    if (name === 'rename-command') {
      config.renames.push([name, value, where]);
      continue;
    }
    if (name === 'user') {
      users.push([name, value, where]);
      continue;
    }
    try {
      if (canonical === true) config.setValid(name, value);
      else config.set(name, value);
    } catch (e) {
      throw e instanceof ConfigError ? badOption(name, value, e, where) : e;
    }
  }
  if (users.length !== 0) config.defaultUserLine = true;
  for (const [name, value, where] of users) {
    if (value !== defaultUserPassword(config.get('requirepass'))) throw badOption(name, value, new ConfigError(USER_MISMATCH), where);
  }
}

const USER_MISMATCH = 'ACL users (user) are not supported by Keystonelight: a `user default` line is accepted as Redis\'s CONFIG REWRITE writes it, saying what requirepass says';

/**
 * The default user as Redis's ACLDescribeUser shows it (ACL LIST, CONFIG REWRITE's `user default`
 * line), after the name: flags in Redis's order (on, nopass, then sanitize-payload once a `user
 * default` line was read, which Redis's "reset" sets), the password hash, then the rules.
 */
export function defaultUserRules(config: Config): string {
  const password = defaultUserPassword(config.get('requirepass'));
  const words = !config.defaultUserLine ? password : password === 'nopass' ? 'nopass sanitize-payload' : `sanitize-payload ${password}`;
  return `on ${words} ~* &* +@all`;
}

/** The password word of the `user default` line that stands for requirepass (Redis's ACLDescribeUser): nopass, or #<its SHA-256>. */
export function defaultUserPassword(requirepass: string): string {
  return requirepass === '' ? 'nopass' : `#${createHash('sha256').update(Buffer.from(requirepass, 'latin1')).digest('hex')}`;
}
