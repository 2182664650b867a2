// Every Redis error text Keystonelight sends, defined once. Texts are Redis 7.0's, word for word,
// without the leading '-' and trailing CRLF (the encoder adds those). Handlers return these through
// `err()` / the shared constants so that the same failure always reads the same way.

import { trimChars } from './trim.js';
import { LongText } from './protocol/long-text.js';
import type { ErrorReply } from './protocol/reply.js';

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const SYNTAX = 'ERR syntax error';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
/** getTimeoutFromObjectOrReply's, for a timeout in milliseconds (WAIT, CLIENT PAUSE). */
export const TIMEOUT_NOT_INTEGER = 'ERR timeout is not an integer or out of range';
export const TIMEOUT_NEGATIVE = 'ERR timeout is negative';
/** What a client blocked in WAIT gets from CLIENT UNBLOCK <id> ERROR (its own prefix, not ERR). */
export const UNBLOCKED = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';
export const OVERFLOW = 'ERR increment or decrement would overflow';
export const INCR_NAN = 'ERR increment would produce NaN or Infinity';
export const DECR_OVERFLOW = 'ERR decrement would overflow';
export const LCS_NOT_STRINGS = 'ERR The specified keys must contain string values';
export const LCS_IDX_AND_LEN = 'ERR If you want both the length and indexes, please just use IDX.';
export const LCS_TABLE_TOO_BIG = 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len';
export const LCS_ALLOC_FAILED = 'ERR Insufficient memory, failed allocating transient memory for LCS';
export const NO_SUCH_KEY = 'ERR no such key';
export const DB_INDEX_RANGE = 'ERR DB index is out of range';
export const SWAPDB_FIRST = 'ERR invalid first DB index';
export const SWAPDB_SECOND = 'ERR invalid second DB index';
export const UNKNOWN_TYPE_OBJECT = 'ERR unknown type object';
export const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
export const LFU_SELECTED =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
export const INVALID_EXPIRE = (cmd: string): string => `ERR invalid expire time in '${cmd}' command`;
export const OFFSET_RANGE = 'ERR offset is out of range';
export const STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
export const SAME_OBJECT = 'ERR source and destination objects are the same';
// DUMP / RESTORE (cluster.c's restoreCommand).
export const BUSYKEY = 'BUSYKEY Target key name already exists.';
export const INVALID_TTL = 'ERR Invalid TTL value, must be >= 0';
export const INVALID_IDLETIME = 'ERR Invalid IDLETIME value, must be >= 0';
export const INVALID_FREQ = 'ERR Invalid FREQ value, must be >= 0 and <= 255';
export const DUMP_PAYLOAD = 'ERR DUMP payload version or checksum are wrong';
export const BAD_DATA_FORMAT = 'ERR Bad data format';
// MIGRATE (cluster.c's migrateCommand and migrateGetSocket; "the client" is Redis's own wording).
export const MIGRATE_KEYS_EMPTY = 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string';
export const MIGRATE_CONNECT = 'IOERR error or timeout connecting to the client';
export const MIGRATE_IO = (writing: boolean): string => `IOERR error or timeout ${writing ? 'writing' : 'reading'} to target instance`;
/** The target's reply line as Redis prints it (%s, then addReplyErrorFormat's trim: a cut line may end in CR). */
export const MIGRATE_TARGET = (error: string): string => formatted(`ERR Target instance replied with error: ${cstr(error)}`);
/** Ours: a well-formed payload of a type Keystonelight does not store (it stores strings only). */
export const RESTORE_UNSUPPORTED_TYPE = (type: string): string =>
  `ERR DUMP payload of a ${type} value: type not supported by Keystonelight (strings only)`;
// Bitmaps (bitops.c).
export const BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
export const BIT_VALUE = 'ERR bit is not an integer or out of range';
export const BITPOS_BIT = 'ERR The bit argument must be 1 or 0.';
export const BITOP_NOT = 'ERR BITOP NOT must be called with a single source key.';
export const BITFIELD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
export const BITFIELD_OVERFLOW = 'ERR Invalid OVERFLOW type specified';
export const BITFIELD_RO = 'ERR BITFIELD_RO only supports the GET subcommand';
export const CURSOR_INVALID = 'ERR invalid cursor';
export const LOADING = 'LOADING Redis is loading the dataset in memory';
export const NOPROTO = 'NOPROTO unsupported protocol version';
export const NOAUTH = 'NOAUTH Authentication required.';
export const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
export const AUTH_NO_PASSWORD =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
export const NX_XX_GT_LT =
  'ERR NX and XX, GT or LT options at the same time are not compatible';
export const GT_LT_NX = 'ERR GT and LT options at the same time are not compatible';
export const MISCONF_AOF = 'MISCONF Errors writing to the AOF file: ';
/** Redis's shared.bgsaveerr: a BGSAVE failed with save points set and stop-writes-on-bgsave-error yes. */
export const MISCONF_BGSAVE =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
// Keystonelight's own texts: with appendonly no there is no file to save or rewrite (no RDB).
/** CONFIG SET appendonly yes when the file cannot be started (Redis's updateAppendonly). */
export const AOF_ENABLE_FAILED = 'Unable to turn on AOF. Check server logs.';
/** CONFIG SET appendonly no under `always` when the bytes already appended cannot be made durable (Redis exits there). */
export const AOF_DISABLE_FAILED = 'Unable to turn off AOF: the writes already answered could not be made durable. Check server logs.';
/**
 * CONFIG SET appendonly no run by an EXEC whose effects were written early (past 256 MB) when they
 * cannot be cut off the file again (ftruncate failed): the file stays on, the transaction whole.
 */
export const AOF_DISABLE_CUT_FAILED = 'Unable to turn off AOF: the running transaction, written to it in part, could not be cut off it. Check server logs.';
export const NO_RDB_SAVE = 'ERR Keystonelight saves only to the append only file, which is disabled (appendonly no); RDB snapshots are not supported';
/** DEBUG LOADAOF when no manifest names files to load (Redis exits there, its load finding no file). */
export const NO_AOF_TO_LOAD = 'ERR DEBUG LOADAOF found no append-only file to load (no manifest, no old-style file)';
export const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
/** BGREWRITEAOF when the rewrite cannot start (its new incr file cannot be created). */
export const REWRITE_START_FAILED = "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";
export const REWRITE_RUNNING = 'ERR Background append only file rewriting already in progress';
/** BGSAVE, or SAVE, while a BGSAVE runs. */
export const BGSAVE_RUNNING = 'ERR Background save already in progress';
/** BGSAVE (without SCHEDULE) while a rewrite runs: Redis's text behind another child process. */
export const BGSAVE_BEHIND_CHILD =
  "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";

/**
 * What Redis 7.0 logs (aof.c) when a file operation on the append-only files fails, each followed
 * by `: <strerror>` (see fileError in persistence/fileio.ts). Start-up failures print these.
 */
export const AOF_IO = {
  readManifest: (path: string): string => `Fatal error: can't open the AOF manifest file ${path} for reading`,
  readFile: (path: string): string => `Fatal error: can't open the append log file ${path} for reading`,
  readError: (path: string): string => `Unrecoverable error reading the append only file ${path}`,
  truncate: (path: string): string => `Error truncating the AOF file ${path}`,
  openAppend: (name: string): string => `Can't open the append-only file ${name}`,
  /** Redis: "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile()"; here with its path. */
  openTemp: (path: string): string => `Opening the temp file ${path} for the AOF rewrite`,
  createDir: (dir: string): string => `Can't open or create append-only dir ${dir}`,
  openManifest: (name: string): string => `Can't open the AOF manifest file ${name}`,
  writeManifest: (name: string): string => `Error trying to write the temporary AOF manifest file ${name}`,
  fsyncManifest: (name: string): string => `Fail to fsync the temp AOF file ${name}`,
  renameManifest: (from: string, to: string): string => `Error trying to rename the temporary AOF manifest file ${from} into ${to}`,
} as const;

/**
 * Redis 7.0's loadSingleAppendOnlyFile on a command its lookupCommand does not find (an unknown
 * subcommand included): the name up to a NUL (%s) and the file's bare name, then the server exits.
 */
export const aofUnknownCommand = (name: string, file: string): string => `Unknown command '${cstr(name)}' reading the append only file ${file}`;

export const wrongArity = (name: string): string => `ERR wrong number of arguments for '${name}' command`;

/** An argument as C's "%s" prints it: Redis formats these texts with printf, which stops at a NUL. */
export const cstr = (s: string): string => {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
};

/**
 * An error text as Redis's addReplyErrorFormat sends it: CR and LF trimmed off both ends (sdstrim),
 * then the others made spaces. (The encoder makes every error one line; for most texts Redis
 * only maps them, so only the sites that use addReplyErrorFormat with user input at the end trim.)
 */
export const formatted = (s: string): string => trimChars(s, '\r\n');

/** Redis's functionsVerifyName: a library name is letters, digits and underscores, at least one. */
export const LIBRARY_NAME = 'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

/** Redis quotes at most 128 bytes of each argument, joined as `'a' 'b' `. */
export function unknownCommand(name: string, args: readonly string[]): string {
  let list = '';
  for (let i = 0; i < args.length && list.length < 128; i++) {
    const remaining = 128 - list.length;
    list += `'${cstr(args[i]).slice(0, remaining)}' `;
  }
  return `ERR unknown command '${cstr(name).slice(0, 128)}', with args beginning with: ${list}`;
}

/** Redis's log line when its AOF-loading client gets an error reply (afterErrorReply). */
export const aofClientErrorLine = (message: string, command: string): string =>
  `== CRITICAL == This server is sending an error to its AOF-loading-client: '${message}' after processing the command '${command}'`;

/** What stops an AOF load after that line under propagation-error-behavior panic (Redis panics). */
export const aofClientPanic = (command: string): string =>
  `This server panicked sending an error to its AOF-loading-client after processing the command '${command}' (propagation-error-behavior panic)`;

/** Redis's sdstoupper (C's toupper): ASCII letters only, every other byte as it is. */
export const upperAscii = (s: string): string => s.replace(/[a-z]+/g, (m) => m.toUpperCase());

export const unknownSubcommand = (sub: string, cmd: string): string =>
  `ERR unknown subcommand '${cstr(sub).slice(0, 128)}'. Try ${upperAscii(cmd)} HELP.`;

/** Redis's addReplySubcommandSyntaxError: a subcommand given with arguments it does not take. */
export const subcommandSyntax = (sub: string, cmd: string): string =>
  `ERR unknown subcommand or wrong number of arguments for '${cstr(sub).slice(0, 128)}'. Try ${upperAscii(cmd)} HELP.`;

/**
 * An error reply whose text quotes arguments, each as C's "%s" prints it (cstr), as Redis's
 * addReplyErrorFormat: `quoting\`ERR Unknown client type '${type}'\``. Redis quotes such an argument
 * whole, and an argument may be as long as a JS string can be (536,870,888 bytes), so the text may
 * be longer than one string: then it is sent from its parts (LongText.error), where building it
 * answered an internal error (or, past V8's limit, threw).
 */
export const quoting = (strings: TemplateStringsArray, ...args: string[]): ErrorReply => quotingText(strings, args, false);

/**
 * As `quoting`, with CR and LF then trimmed off both ends of the whole text, as `formatted`: for the
 * texts Redis's addReplyErrorFormat trims that end with an argument.
 */
export const formattedQuoting = (strings: TemplateStringsArray, ...args: string[]): ErrorReply => quotingText(strings, args, true);

function quotingText(strings: TemplateStringsArray, args: readonly string[], trim: boolean): ErrorReply {
  const parts: string[] = [strings[0]];
  for (let i = 0; i < args.length; i++) parts.push(cstr(args[i]), strings[i + 1]);
  if (trim) trimParts(parts, '\r\n');
  const text = new LongText();
  for (const p of parts) text.add(p);
  return text.error();
}

/** Trims `chars` off both ends of the text `parts` make, across parts (trimChars of their join). */
function trimParts(parts: string[], chars: string): void {
  for (let i = 0; i < parts.length && (parts[i] = trimChars(parts[i], chars, true)) === ''; i++);
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i];
    let to = p.length;
    while (to > 0 && chars.includes(p[to - 1])) to--;
    parts[i] = p.slice(0, to);
    if (to > 0) break;
  }
}

// Texts that quote an argument whole (see `quoting`).
export const unknownConfigOption = (name: string): ErrorReply => quoting`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
/** CLIENT LIST TYPE and CLIENT KILL TYPE. */
export const unknownClientType = (type: string): ErrorReply => quoting`ERR Unknown client type '${type}'`;
/** CLIENT KILL USER. */
export const noSuchUser = (user: string): ErrorReply => quoting`ERR No such user '${user}'`;
/** CLIENT SETINFO (Redis 7.2's). */
export const unrecognizedOption = (opt: string): ErrorReply => quoting`ERR Unrecognized option '${opt}'`;
/** ACL DRYRUN. */
export const userNotFound = (user: string): ErrorReply => quoting`ERR User '${user}' not found`;
export const commandNotFound = (name: string): ErrorReply => quoting`ERR Command '${name}' not found`;
export const helloOption = (opt: string): ErrorReply => quoting`ERR Syntax error in HELLO option '${opt}'`;
/** LATENCY GRAPH of an event with no samples. */
export const noSamples = (event: string): ErrorReply => quoting`ERR No samples available for event '${event}'`;
// FUNCTION LIST and LOAD (Redis trims only LOAD's option text).
export const unknownArgument = (arg: string): ErrorReply => quoting`ERR Unknown argument ${arg}`;
export const unknownOptionGiven = (opt: string): ErrorReply => formattedQuoting`ERR Unknown option given: ${opt}`;
export const invalidMetadataValue = (value: string): ErrorReply => quoting`ERR Invalid metadata value given: ${value}`;
export const engineNotFound = (engine: string): ErrorReply => quoting`ERR Engine '${engine}' not found`;

/** EXPIRE's text for an unknown option word (printed with %s, so up to a NUL; trimmed). */
export const unsupportedOption = (opt: string): ErrorReply => formattedQuoting`ERR Unsupported option ${opt}`;

/** getRangeLongFromObjectOrReply's text: a valid integer outside the range the command accepts. */
export const VALUE_RANGE = (min: number | bigint, max: number | bigint): string =>
  `ERR value is out of range, value must between ${min} and ${max}`;

const EXPECTED_DOLLAR = "ERR Protocol error: expected '$', got '";
export const PROTOCOL = {
  INVALID_MULTIBULK: 'ERR Protocol error: invalid multibulk length',
  INVALID_BULK: 'ERR Protocol error: invalid bulk length',
  expectedDollar: (c: string): string => `${EXPECTED_DOLLAR}${c}'`,
  UNBALANCED_QUOTES: 'ERR Protocol error: unbalanced quotes in request',
  TOO_BIG_INLINE: 'ERR Protocol error: too big inline request',
  TOO_BIG_MBULK: 'ERR Protocol error: too big mbulk count string',
  TOO_BIG_BULK: 'ERR Protocol error: too big bulk count string',
  UNAUTH_MBULK: 'ERR Protocol error: unauthenticated multibulk length',
  UNAUTH_BULK: 'ERR Protocol error: unauthenticated bulk length',
} as const;

/** Redis's setProtocolError reason for each protocol error: what its verbose log line names. */
const PROTOCOL_REASONS: Record<string, string> = {
  [PROTOCOL.INVALID_MULTIBULK]: 'invalid mbulk count',
  [PROTOCOL.INVALID_BULK]: 'invalid bulk length',
  [PROTOCOL.UNBALANCED_QUOTES]: 'unbalanced quotes in inline request',
  [PROTOCOL.TOO_BIG_INLINE]: 'too big inline request',
  [PROTOCOL.TOO_BIG_MBULK]: 'too big mbulk count string',
  [PROTOCOL.TOO_BIG_BULK]: 'too big bulk count string',
  [PROTOCOL.UNAUTH_MBULK]: 'unauth mbulk count',
  [PROTOCOL.UNAUTH_BULK]: 'unauth bulk length',
};

export function protocolErrorReason(reply: string): string {
  return reply.startsWith(EXPECTED_DOLLAR) ? 'expected $ but got something else' : (PROTOCOL_REASONS[reply] ?? reply);
}

// Cluster mode (cluster.c's clusterRedirectClient and the commands that refuse to run in it).
export const CLUSTER_DISABLED = 'ERR This instance has cluster support disabled';
export const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
export const CLUSTERDOWN_UNBOUND = 'CLUSTERDOWN Hash slot not served';
export const CLUSTERDOWN_STATE = 'CLUSTERDOWN The cluster is down';
export const MOVED = (slot: number, host: string, port: number): string => `MOVED ${slot} ${host}:${port}`;
export const INVALID_SLOT = 'ERR Invalid slot';
/** CONFIG SET cluster-announce-ip's reason (after Redis's `CONFIG SET failed ... - `) with a layout file, whose lines are the addresses shown. */
export const ANNOUNCE_IP_FIXED = 'changing it at run time is not supported by Keystonelight with a cluster layout file';
export const INVALID_SLOT_OR_KEYS = 'ERR Invalid slot or number of keys';
export const UNKNOWN_NODE = (id: string): ErrorReply => quoting`ERR Unknown node ${id}`;
export const SELECT_IN_CLUSTER = 'ERR SELECT is not allowed in cluster mode';
export const SWAPDB_IN_CLUSTER = 'ERR SWAPDB is not allowed in cluster mode';
export const MOVE_IN_CLUSTER = 'ERR MOVE is not allowed in cluster mode';
export const COPY_DB_IN_CLUSTER = 'ERR Copying to another database is not allowed in cluster mode';
/** DEBUG refused by enable-debug-command (Redis 7.0's CMD_PROTECTED check, before NOAUTH). */
export const DEBUG_NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';
/** MODULE LOAD / LOADEX / UNLOAD refused by enable-module-command (the same CMD_PROTECTED check). */
export const MODULE_NOT_ALLOWED =
  'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';
/** A connection accepted over maxclients (Redis's acceptCommonHandler). */
export const MAX_CLIENTS = 'ERR max number of clients reached';

/** Sent (then the connection closes) to a non-loopback client in protected mode without a password. */
export const DENIED_PROTECTED_MODE =
  "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.";

/** strerror() texts for the errors file operations meet, as Redis prints them (errno code -> text). */
const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EDQUOT: 'Disk quota exceeded',
  EFBIG: 'File too large',
  EBADF: 'Bad file descriptor',
  EROFS: 'Read-only file system',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EINVAL: 'Invalid argument',
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  // Binding a listening socket.
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  // Accepting a connection.
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  ENOBUFS: 'No buffer space available',
  ENOMEM: 'Cannot allocate memory',
};

/** gai_strerror() texts (glibc), by the code Node gives a failed getaddrinfo (EAI_NONAME: ENOTFOUND). */
const GAI_STRERROR: Record<string, string> = {
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
  EAI_FAMILY: 'ai_family not supported',
  EAI_MEMORY: 'Memory allocation failure',
};

/**
 * Redis 7.0's line (listenToPort, with anet.c's reason) when an address of `bind` cannot be
 * listened on, e.g. "Could not create server TCP listening socket 127.0.0.1:6379: bind: Address
 * already in use", or "... no.such.host:6379: Name or service not known" for a name that does not
 * resolve. (Redis logs it after "Warning: ", then failedListening's line.)
 */
export function listenFailure(host: string, port: number, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? '';
  let reason: string;
  if (err.syscall === 'getaddrinfo') reason = GAI_STRERROR[code] ?? code;
  // anet.c when no socket of the address's family can be made (IPv6 disabled: EAFNOSUPPORT, 97).
  else if (socketUnsupported(err) && code !== 'ENOPROTOOPT') reason = `unable to bind socket, errno: ${Math.abs(err.errno!)}`;
  // anet.c's anetV6Only/anetSetReuseAddr (libuv sets the same options before bind()).
  else if (code === 'ENOPROTOOPT') reason = 'setsockopt: Protocol not available';
  else if (code !== '' && STRERROR[code] !== undefined) reason = `bind: ${STRERROR[code]}`;
  else reason = errorText(e);
  return `Could not create server TCP listening socket ${host}:${port}: ${reason}`;
}

/** Redis 7.0's line when accept() fails (acceptTcpHandler; anetGenericAccept's "accept: <strerror>"). */
export const acceptFailure = (e: unknown): string => `Accepting client connection: accept: ${errnoText(e)}`;

/**
 * The errors Redis 7.0's listenToPort skips for any address (no support for the address's protocol:
 * IPv6 disabled at boot). Node (libuv) has no name for Linux's EPFNOSUPPORT (96): code 'UNKNOWN'.
 */
const UNSUPPORTED_CODES = new Set(['EAFNOSUPPORT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'ENOPROTOOPT']);
export function socketUnsupported(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.errno !== 'number' || err.syscall === 'getaddrinfo') return false;
  return UNSUPPORTED_CODES.has(err.code ?? '') || (err.code === 'UNKNOWN' && process.platform === 'linux' && err.errno === -96);
}

/** Redis 7.0's last line when an address of `bind` cannot be listened on (initServer, after listenToPort's). */
export const failedListening = (port: number): string => `Failed listening on port ${port} (TCP), aborting.`;

/** Redis 7.0's line when no address could be listened on (`bind ""`, every optional one unavailable). */
export const NOT_LISTENING = 'Configured to not listen anywhere, exiting.';

/** anet.c's reason when a `unixsocket` path does not fit in sun_path (`size` bytes with its NUL). */
export const unixPathTooLong = (bytes: number, size: number): string => `unix socket path too long (${bytes}), must be under ${size}`;

/** Redis 7.0's line when the Unix socket cannot be listened on (initServer): the start fails with it. */
export const unixFailure = (reason: string): string => `Failed opening Unix socket: ${reason}`;

/** CONFIG SET port's reason (after `CONFIG SET failed ... - `) when the new port cannot be listened on: Redis 7.0's applyPort. */
export const PORT_APPLY_FAILED = 'Unable to listen on this port. Check server logs.';

/** CONFIG SET bind's: applyBind's reason, and the line changeBindAddr logs before it. */
export const BIND_APPLY_FAILED = 'Failed to bind to specified addresses.';
export const BIND_FAILED_LINE = 'Failed to bind';

/** setConfigBindOption's (CONFIG_BINDADDR_MAX: 16 addresses), at start and at CONFIG SET. */
export const TOO_MANY_BIND = 'Too many bind addresses specified.';
/** Ours (Redis splits any number of words): a value of more words than a request may have arguments. */
export const TOO_MANY_WORDS = (max: number): string => `more than ${max} words (Keystonelight's limit)`;

/** CONFIG SET port / bind's reason on a Node.js whose listeners cannot be opened synchronously (server/listen-socket.ts). */
export const NO_SYNC_LISTEN = 'changing it at run time is not supported by Keystonelight on a Node.js without net._createServerHandle';

export const strerror = (code: string): string => STRERROR[code] ?? code;

/** The strerror() text of a thrown file-system error (its message when it has no errno code). */
export const errnoText = (e: unknown): string => strerror((e as NodeJS.ErrnoException).code ?? String(e));

// Transactions (MULTI, EXEC, DISCARD, WATCH).
export const MULTI_NESTED = 'ERR MULTI calls can not be nested';
export const WATCH_IN_MULTI = 'ERR WATCH inside MULTI is not allowed';
export const NOT_IN_MULTI = 'ERR Command not allowed inside a transaction';
export const EXEC_ABORT = 'EXECABORT Transaction discarded because of previous errors.';
export const EXEC_WITHOUT_MULTI = 'ERR EXEC without MULTI';
export const MONITOR_IN_MULTI = "ERR MONITOR isn't allowed for DENY BLOCKING client";
export const DISCARD_WITHOUT_MULTI = 'ERR DISCARD without MULTI';
/** EXEC refused by the server's checks (-OOM, -MISCONF...): Redis's execCommandAbort. */
export const execAbortedBecause = (error: string): string => `EXECABORT Transaction discarded because of: ${error}`;

/** An exception's message (a thrown non-Error as a string). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
