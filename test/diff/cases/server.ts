// Differential cases for the server family: CONFIG, COMMAND, INFO, CLIENT, DEBUG, FUNCTION, TIME,
// LASTSAVE, ROLE and SHUTDOWN's errors. Server-wide settings a case changes are set back by the case.
// The pair runs both servers with enable-debug-command yes (Redis 7.0 refuses DEBUG by default).
//
// INFO is compared by the fields present and their order (values masked), minus the lines only
// Keystonelight adds (server_name, keystonelight_version, eventloop_max_stall_ms); sections whose
// content depends on the server's whole history (errorstats, commandstats, latencystats) are left out.

import type { DiffCase, DiffMask } from './types.js';

const c = (name: string, cmds: string[][], extra: Partial<DiffCase> = {}): DiffCase => ({ name, cmds, ...extra });

/** Masks for every command of a case whose replies differ in values only. */
const maskAll = (cmds: string[][], pattern: RegExp, withText?: string): DiffMask[] =>
  cmds.map((_, i) => ({ cmd: i, pattern, ...(withText !== undefined ? { with: withText } : {}) }));

// --- CONFIG -----------------------------------------------------------------------------------

const getOne = (names: string[]): DiffCase[] =>
  names.map((n) => c(`CONFIG GET ${n}`, [['CONFIG', 'GET', n]]));

const configGet: DiffCase[] = [
  ...getOne([
    'maxmemory', 'maxmemory-policy', 'maxmemory-samples', 'hz', 'timeout', 'tcp-keepalive', 'databases', 'maxclients',
    'proto-max-bulk-len', 'client-query-buffer-limit', 'appendfsync', 'appendonly', 'save', 'requirepass',
    'protected-mode', 'tcp-backlog', 'daemonize', 'appendfilename', 'appenddirname', 'auto-aof-rewrite-percentage',
    'auto-aof-rewrite-min-size', 'aof-load-truncated', 'aof-timestamp-enabled', 'lazyfree-lazy-user-flush',
    'set-max-intset-entries', 'list-compress-depth', 'hll-sparse-max-bytes', 'enable-debug-command', 'loglevel',
    'io-threads', 'aof-rewrite-incremental-fsync', 'shutdown-on-sigint', 'shutdown-on-sigterm', 'shutdown-timeout',
  ]),
  c('CONFIG GET of an alias answers under the alias', [['CONFIG', 'GET', 'hash-max-ziplist-entries'], ['CONFIG', 'GET', 'list-max-ziplist-size']]),
  c('CONFIG GET an exact name answers under the name as typed', [['CONFIG', 'GET', 'MAXMEMORY'], ['CONFIG', 'GET', 'Hz']]),
  c('CONFIG GET unknown options is an empty map', [['CONFIG', 'GET', 'no-such-option'], ['CONFIG', 'GET', 'nosuch*']]),
  c('CONFIG GET several names', [['CONFIG', 'GET', 'hz', 'timeout']], { unordered: [0] }),
  c('CONFIG GET a name twice answers it once', [['CONFIG', 'GET', 'hz', 'HZ', 'h?']]),
  c('CONFIG GET patterns with aliases', [
    ['CONFIG', 'GET', 'hash-max-*'], ['CONFIG', 'GET', 'zset-max-*'], ['CONFIG', 'GET', 'list-*'], ['CONFIG', 'GET', 'stream-node-*'],
  ], { unordered: [0, 1, 2, 3] }),
  c('CONFIG GET patterns', [['CONFIG', 'GET', 'lazyfree-*'], ['CONFIG', 'GET', 'appendf*'], ['CONFIG', 'GET', 'maxmemory-p*']], { unordered: [0, 1] }),
  c('CONFIG GET a pattern ignores case', [['CONFIG', 'GET', 'MAXMEMORY-POL*']]),
];

const setAndBack = (name: string, value: string, back: string): DiffCase =>
  c(`CONFIG SET ${name} ${value} and back`, [['CONFIG', 'SET', name, value], ['CONFIG', 'GET', name], ['CONFIG', 'SET', name, back], ['CONFIG', 'GET', name]]);

const configSet: DiffCase[] = [
  setAndBack('maxmemory', '1mb', '0'),
  setAndBack('maxmemory', '100K', '0'),
  setAndBack('maxmemory', '1GB', '0'),
  setAndBack('maxmemory', '007', '0'),
  setAndBack('maxmemory', '', '0'),
  setAndBack('maxmemory', '99999999999999999999', '0'),
  setAndBack('maxmemory', '17179869185gb', '0'), // the unit's product wraps modulo 2^64, as memtoull's
  setAndBack('maxmemory', '99999999999999999999kb', '0'),
  setAndBack('auto-aof-rewrite-min-size', '17179869184GB', '64mb'),
  setAndBack('maxmemory-policy', 'ALLKEYS-LRU', 'noeviction'),
  setAndBack('hz', '0', '10'),
  setAndBack('hz', '1000', '10'),
  setAndBack('timeout', '300', '0'),
  setAndBack('appendfsync', 'No', 'everysec'),
  setAndBack('lazyfree-lazy-user-flush', 'YES', 'no'),
  setAndBack('aof-rewrite-incremental-fsync', 'no', 'yes'), // before: Unknown option
  // Before: Unknown option. Flags as Redis's enum: any order and case, shown in its order.
  setAndBack('shutdown-on-sigterm', 'FORCE Now', 'default'),
  setAndBack('shutdown-on-sigterm', 'force now nosave force', 'default'),
  setAndBack('shutdown-on-sigint', 'now default', 'default'),
  setAndBack('shutdown-on-sigint', 'save', 'default'),
  setAndBack('shutdown-timeout', '0', '10'),
  c('CONFIG SET shutdown-on-sig* refused values', [
    ['CONFIG', 'SET', 'shutdown-on-sigterm', 'save nosave'], ['CONFIG', 'SET', 'shutdown-on-sigterm', 'bogus'],
    ['CONFIG', 'SET', 'shutdown-on-sigint', ''], ['CONFIG', 'SET', 'shutdown-timeout', '-1'], ['CONFIG', 'GET', 'shutdown-on-sigterm'],
  ]),
  setAndBack('list-max-listpack-size', '-5', '-2'),
  setAndBack('proto-max-bulk-len', '2gb', '536870912'),
  setAndBack('save', '01 1', ''),
  setAndBack('save', '100 10 200 20', ''),
  c('CONFIG SET several options at once', [
    ['CONFIG', 'SET', 'maxmemory', '2mb', 'maxmemory-samples', '7'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'maxmemory-samples'],
    ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-samples', '5'],
  ]),
  c('CONFIG SET an option and its alias: the last wins', [
    ['CONFIG', 'SET', 'hash-max-ziplist-entries', '100', 'hash-max-listpack-entries', '200'], ['CONFIG', 'GET', 'hash-max-listpack-entries'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
  ]),
  c('CONFIG SET is all or nothing', [
    ['CONFIG', 'SET', 'maxmemory', '1', 'maxmemory-policy', 'bogus'], ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'timeout', '5', 'hz', 'x'], ['CONFIG', 'GET', 'timeout'],
  ]),
];

const setErr = (name: string, args: string[]): DiffCase => c(`CONFIG SET error: ${name}`, [['CONFIG', 'SET', ...args]]);

const configSetErrors: DiffCase[] = [
  setErr('unknown option', ['no-such-option', '1']),
  // The name as %s prints it: up to a NUL byte; CR and LF inside made spaces, the text not trimmed.
  setErr('unknown option with a NUL byte', ['no-such\0option', '1']),
  setErr('unknown option with CR and LF', ['\r\nno-such\n', '1']),
  // A memory value's unit is what follows its digits: names Object's prototype has are no units.
  setErr('a memory unit named as a prototype property', ['maxmemory', '1constructor']),
  setErr('a memory value named as a prototype property', ['maxmemory', '__proto__']),
  setErr('a buffer limit unit named as a prototype property', ['client-output-buffer-limit', 'normal 1constructor 0 0']),
  setErr('unknown option after a good one', ['hz', '10', 'bogus', '2']),
  setErr('immutable databases', ['databases', '4']),
  setErr('immutable options', ['tcp-backlog', '100']),
  setErr('immutable daemonize', ['daemonize', 'no']),
  setErr('immutable io-threads', ['io-threads', '2']),
  setErr('immutable appendfilename', ['appendfilename', 'x.aof']),
  setErr('immutable enable-debug-command', ['enable-debug-command', 'yes']),
  setErr('immutable first wins over unknown', ['databases', '3', 'bogus', '1']),
  setErr('protected dir', ['dir', '/tmp']),
  setErr('duplicate parameter', ['hz', '10', 'HZ', '11']),
  setErr('duplicate maxmemory', ['maxmemory', '1', 'maxmemory', '1']),
  setErr('odd argument count', ['hz', '10', 'hz']),
  setErr('bad bool', ['appendonly', 'maybe']),
  setErr('bad enum', ['maxmemory-policy', 'bogus']),
  setErr('bad appendfsync lists the values in Redis order', ['appendfsync', 'x']),
  setErr('bad value through an alias names the alias', ['HASH-MAX-ZIPLIST-ENTRIES', 'x']),
  setErr('bad value through an alias after its option', ['zset-max-listpack-value', '1', 'zset-max-ziplist-value', 'y']),
  setErr('bad value through the option in mixed case', ['Hash-Max-Listpack-Entries', 'x']),
  setErr('bad loglevel', ['loglevel', 'bogus']),
  setErr('bad integer', ['hz', 'abc']),
  setErr('integer with leading zero', ['hz', '01']),
  setErr('integer below range', ['hz', '-1']),
  setErr('integer above range', ['timeout', '2147483648']),
  setErr('integer too big to parse', ['tcp-keepalive', '99999999999999999999']),
  setErr('maxclients range', ['maxclients', '0']),
  setErr('maxmemory-samples range', ['maxmemory-samples', '0']),
  setErr('memory value not a number', ['maxmemory', 'abc']),
  setErr('negative memory value', ['maxmemory', '-1']),
  setErr('fractional memory value', ['maxmemory', '1.5gb']),
  setErr('memory value below range', ['proto-max-bulk-len', '10']),
  setErr('memory value wrapping to 0 is below range', ['proto-max-bulk-len', '17179869184gb']),
  setErr('saturated memory value for a signed option', ['client-query-buffer-limit', '99999999999999999999']),
  setErr('list size out of int range', ['list-max-listpack-size', '2147483648']),
  setErr('size_t option negative', ['set-max-intset-entries', '-1']),
  setErr('save with an odd count', ['save', '1 2 3']),
  setErr('save with words', ['save', 'a b']),
  setErr('save with zero seconds', ['save', '0 0']),
  setErr('save with double spaces', ['save', '3600  1']),
  // Checked before any listener moves (test/wire/listen-config.test.ts moves them, side by side).
  setErr('bind with more than 16 addresses', ['bind', '1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17']),
  setErr('port not a number', ['port', 'x']),
  setErr('port out of range', ['port', '65536']),
  setErr('port before an unknown option', ['port', '1', 'bogus', '1']),
];

const configMisc: DiffCase[] = [
  c('CONFIG arity errors', [['CONFIG'], ['CONFIG', 'GET'], ['CONFIG', 'SET', 'hz'], ['CONFIG', 'SET'], ['CONFIG', 'HELP', 'x'], ['CONFIG', 'RESETSTAT', 'x']]),
  c('CONFIG unknown subcommand', [['CONFIG', 'bogus'], ['CONFIG', 'bogus', 'x', 'y']]),
  c('CONFIG HELP', [['CONFIG', 'HELP'], ['config', 'help']]),
  c('CONFIG REWRITE without a config file', [['CONFIG', 'REWRITE']]),
];

// --- COMMAND ----------------------------------------------------------------------------------

const commandCases: DiffCase[] = [
  c('COMMAND INFO of string and server commands', [['COMMAND', 'INFO', 'get'], ['COMMAND', 'INFO', 'SET'], ['COMMAND', 'INFO', 'config|get']]),
  c('COMMAND INFO of several names, one unknown', [['COMMAND', 'INFO', 'get', 'nosuch', 'CONFIG|SET']]),
  c('COMMAND INFO of a name with too many parts', [['COMMAND', 'INFO', 'config|get|x']]),
  c('COMMAND DOCS', [['COMMAND', 'DOCS', 'get'], ['COMMAND', 'DOCS', 'nosuch'], ['COMMAND', 'DOCS', 'config|set', 'getex']]),
  c('COMMAND GETKEYS', [
    ['COMMAND', 'GETKEYS', 'set', 'a', 'b'], ['COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2'], ['COMMAND', 'GETKEYS', 'del', 'x', 'y', 'z'],
    ['COMMAND', 'GETKEYS', 'GET', 'k'],
  ]),
  // 200,000 keys: their spread into one push() passed V8's argument limit (an internal error).
  c('COMMAND GETKEYS of 200,000 keys', [['COMMAND', 'GETKEYS', 'del', ...Array.from({ length: 200_000 }, (_, i) => `k${i}`)]]),
  c('COMMAND GETKEYS errors', [
    ['COMMAND', 'GETKEYS', 'get'], ['COMMAND', 'GETKEYS', 'get', 'a', 'b'], ['COMMAND', 'GETKEYS', 'nosuch', 'a'],
    ['COMMAND', 'GETKEYS', 'ping', 'x'], ['COMMAND', 'GETKEYS', 'config', 'get', 'x'], ['COMMAND', 'GETKEYS', 'config', 'bogus', 'x'],
  ]),
  c('COMMAND GETKEYSANDFLAGS', [
    ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b'], ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b', 'GET'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'getex', 'a'], ['COMMAND', 'GETKEYSANDFLAGS', 'mget', 'a', 'b'],
  ]),
  c('COMMAND LIST syntax errors', [
    ['COMMAND', 'LIST', 'bogus'], ['COMMAND', 'LIST', 'FILTERBY'], ['COMMAND', 'LIST', 'FILTERBY', 'bogus', 'x'],
    ['COMMAND', 'LIST', 'FILTERBY', 'pattern', 'x', 'y'],
  ]),
  c('COMMAND LIST FILTERBY with nothing matching', [
    ['COMMAND', 'LIST', 'FILTERBY', 'aclcat', 'bogus'], ['COMMAND', 'LIST', 'FILTERBY', 'module', 'x'], ['COMMAND', 'LIST', 'FILTERBY', 'pattern', 'zzz*'],
  ]),
  c('COMMAND LIST FILTERBY pattern', [['COMMAND', 'LIST', 'FILTERBY', 'pattern', 'conf*'], ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'CONFIG|?ET']], { unordered: [0, 1] }),
  // Redis compares the words and the category with strcasecmp (up to a NUL byte), the pattern by its whole length.
  c('COMMAND LIST FILTERBY words end at a NUL', [
    ['COMMAND', 'LIST', 'FILTERBY\0x', 'PATTERN\0x', 'config|*'], ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT\0y', 'bitmap\0x'],
    ['COMMAND', 'LIST', 'FILTERBY', 'MODULE\0x', 'm'], ['COMMAND', 'LIST', 'FILTERBY', 'pattern', 'get\0x'],
  ], { unordered: [0, 1] }),
  c('COMMAND HELP and arity errors', [['COMMAND', 'HELP'], ['COMMAND', 'COUNT', 'x'], ['COMMAND', 'HELP', 'x'], ['COMMAND', 'INFO']], { ignore: [3] }),
  c('COMMAND unknown subcommand', [['COMMAND', 'bogus']]),
];

// --- INFO ---------------------------------------------------------------------------------------

/** Keep field names, drop values; drop Keystonelight's own lines; ignore the length prefix. */
const INFO_MASKS = (n: number): DiffMask[] => [
  ...maskAll(Array(n).fill([]), /(server_name|keystonelight_version|eventloop_max_stall_ms):[^\r\n]*\r\n/, ''),
  ...maskAll(Array(n).fill([]), /(?<=\r\n|txt:)([a-z0-9_]+):[^\r\n]*/, '$1'),
  ...maskAll(Array(n).fill([]), /^[$=]\d+\r\n/, ''),
];

const info = (name: string, cmds: string[][]): DiffCase => c(name, cmds, { mask: INFO_MASKS(cmds.length) });

const infoCases: DiffCase[] = [
  info('INFO server fields', [['INFO', 'server']]),
  info('INFO clients fields', [['INFO', 'clients']]),
  info('INFO memory fields', [['INFO', 'memory']]),
  info('INFO persistence fields', [['INFO', 'persistence']]),
  info('INFO stats fields', [['INFO', 'stats']]),
  info('INFO replication fields', [['INFO', 'replication']]),
  info('INFO cpu fields', [['INFO', 'CPU']]),
  c('INFO cluster and modules', [['INFO', 'cluster'], ['INFO', 'modules'], ['INFO', 'modules', 'cluster']]),
  c('INFO of unknown sections is empty', [['INFO', 'bogus'], ['INFO', 'bogus', 'nosuch']]),
  info('INFO sections come in Redis order, once', [['INFO', 'cpu', 'server', 'SERVER', 'bogus']]),
  // Redis reads the names as C strings (strcasecmp, sdsnew): each ends at its first NUL byte.
  info('INFO section names end at a NUL', [['INFO', 'server\0junk'], ['INFO', 'CPU\0x', 'keyspace\0', 'bogus\0server'], ['INFO', 'cluster\0x', 'modules']]),
  c('INFO keyspace', [['INFO', 'keyspace'], ['SET', 'a', '1'], ['SET', 'b', '2'], ['INFO', 'keyspace'], ['SELECT', '3'], ['SET', 'c', '3'], ['INFO', 'keyspace']]),
  c('INFO keyspace with expires', [['SET', 'a', '1', 'EX', '1000'], ['SET', 'b', '2'], ['INFO', 'keyspace']], { mask: [{ cmd: 2, pattern: /avg_ttl=\d+/ }, { cmd: 2, pattern: /^[$=]\d+\r\n/, with: '' }] }),
];

// --- CLIENT ---------------------------------------------------------------------------------------

/** CLIENT INFO/LIST values that depend on the connection or the moment; kept: name, flags, db, sub counts, multi, cmd, user, redir, resp. */
const CLIENT_LINE = /\b(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem|tot-mem|events)=[^ \n]*/;

const clientCases: DiffCase[] = [
  c('CLIENT ID', [['CLIENT', 'ID']], { mask: [{ cmd: 0, pattern: /\d+/ }] }),
  c('CLIENT SETNAME and GETNAME', [['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'worker-1'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', ''], ['CLIENT', 'GETNAME']]),
  c('CLIENT SETNAME rejects spaces and control bytes', [['CLIENT', 'SETNAME', 'a b'], ['CLIENT', 'SETNAME', 'a\nb'], ['CLIENT', 'SETNAME', '\x7f']]),
  c('CLIENT INFO', [['CLIENT', 'SETNAME', 'me'], ['SELECT', '2'], ['CLIENT', 'INFO']], {
    mask: [{ cmd: 2, pattern: CLIENT_LINE, with: '$1=*' }, { cmd: 2, pattern: /^[$=]\d+\r\n(txt:)?/, with: '' }],
  }),
  c('CLIENT LIST ID of the caller', [['CLIENT', 'SETNAME', 'me'], ['CLIENT', 'ID']], { mask: [{ cmd: 1, pattern: /\d+/ }] }),
  c('CLIENT LIST errors', [
    ['CLIENT', 'LIST', 'TYPE', 'bogus'], ['CLIENT', 'LIST', 'ID', '1', 'abc'], ['CLIENT', 'LIST', 'bogus'], ['CLIENT', 'LIST', 'ID'],
    ['CLIENT', 'LIST', 'TYPE'],
  ]),
  c('CLIENT LIST with no match', [['CLIENT', 'LIST', 'TYPE', 'master'], ['CLIENT', 'LIST', 'TYPE', 'replica'], ['CLIENT', 'LIST', 'ID', '987654321']]),
  c('CLIENT KILL old form with no such client', [['CLIENT', 'KILL', '1.2.3.4:5'], ['CLIENT', 'KILL', 'id']]),
  c('CLIENT KILL filters matching nothing', [
    ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5'], ['CLIENT', 'KILL', 'LADDR', '1.2.3.4:5'], ['CLIENT', 'KILL', 'ID', '987654321'],
    ['CLIENT', 'KILL', 'TYPE', 'master'], ['CLIENT', 'KILL', 'TYPE', 'pubsub', 'SKIPME', 'yes'],
  ]),
  c('CLIENT KILL errors', [
    ['CLIENT', 'KILL', 'ID', 'abc'], ['CLIENT', 'KILL', 'ID', '0'], ['CLIENT', 'KILL', 'bogus', 'x'], ['CLIENT', 'KILL', 'TYPE', 'bogus'],
    ['CLIENT', 'KILL', 'SKIPME', 'maybe'], ['CLIENT', 'KILL', 'USER', 'bogus'], ['CLIENT', 'KILL', 'ID', '5', 'TYPE'],
  ]),
  c('CLIENT NO-EVICT', [['CLIENT', 'NO-EVICT', 'on'], ['CLIENT', 'NO-EVICT', 'OFF'], ['CLIENT', 'NO-EVICT', 'maybe']]),
  c('CLIENT REPLY ON and errors', [['CLIENT', 'REPLY', 'ON'], ['CLIENT', 'REPLY', 'maybe']]),
  // Redis compares these words with strcasecmp: an argument ends at its first NUL byte.
  c('CLIENT words end at a NUL', [
    ['CLIENT', 'NO-EVICT', 'on\0x'], ['CLIENT', 'NO-EVICT', 'off\0'], ['CLIENT', 'REPLY', 'on\0x'],
    ['CLIENT', 'LIST', 'ID\0x', '999'], ['CLIENT', 'LIST', 'TYPE', 'pubsub\0x'],
  ]),
  c('CLIENT tracking queries without tracking', [['CLIENT', 'GETREDIR'], ['CLIENT', 'TRACKINGINFO']]),
  c('CLIENT HELP', [['CLIENT', 'HELP']]),
  c('CLIENT arity and unknown subcommands', [['CLIENT'], ['CLIENT', 'bogus'], ['CLIENT', 'ID', 'x'], ['CLIENT', 'SETNAME'], ['CLIENT', 'KILL']]),
];

// --- DEBUG ------------------------------------------------------------------------------------------

/**
 * A case whose DEBUG OBJECT lines differ in the value's address and its access clock (whole seconds,
 * which the servers may read differently; and a shared integer's is its last access by any key
 * holding that number, in Redis): the rest of the line is compared.
 */
function debugObject(name: string, cmds: string[][]): DiffCase {
  const mask = cmds.flatMap((a, cmd) => (a[0] === 'DEBUG' && a[1] === 'OBJECT' ? [{ cmd, pattern: /^\+Value at:0x[0-9a-f]+ (.*) lru:\d+ lru_seconds_idle:\d+/, with: '+Value at:X $1 lru:L lru_seconds_idle:I' }] : []));
  return c(name, cmds, { mask });
}

const debugCases: DiffCase[] = [
  c('DEBUG DIGEST of an empty dataset', [['DEBUG', 'DIGEST']]),
  // Each type's sample reply (an attribute and a push ahead of a real reply in RESP3), the name
  // compared as strcasecmp, an unknown one's error, wrong arity.
  c('DEBUG PROTOCOL of every type', [
    ...['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false'].map((t) => ['DEBUG', 'PROTOCOL', t]),
    ['DEBUG', 'PROTOCOL', 'ATTRIB'], ['DEBUG', 'PROTOCOL', 'map\0x'], ['DEBUG', 'PROTOCOL', 'nosuch'], ['DEBUG', 'PROTOCOL'], ['DEBUG', 'PROTOCOL', 'map', 'x'], ['PING'],
  ]),
  c('DEBUG DIGEST of string keys', [['SET', 'a', '1'], ['DEBUG', 'DIGEST'], ['SET', 'b', 'hello'], ['DEBUG', 'DIGEST'], ['SET', 'a', '2'], ['DEBUG', 'DIGEST']]),
  c('DEBUG DIGEST counts a TTL but not its value', [['SET', 'a', 'x', 'EX', '1000'], ['DEBUG', 'DIGEST'], ['EXPIRE', 'a', '2000'], ['DEBUG', 'DIGEST'], ['PERSIST', 'a'], ['DEBUG', 'DIGEST']]),
  c('DEBUG DIGEST depends on the database', [['SELECT', '5'], ['SET', 'a', '1'], ['DEBUG', 'DIGEST'], ['SELECT', '0'], ['SET', 'a', '1'], ['DEBUG', 'DIGEST']]),
  c('DEBUG DIGEST of binary and long values', [['SET', '\x00\xff', '\x01\x02\r\n'], ['SET', 'long', 'x'.repeat(5000)], ['APPEND', 'long', 'y'], ['SET', 'n', '-12345'], ['DEBUG', 'DIGEST']]),
  c('DEBUG DIGEST-VALUE', [['SET', 'a', '1'], ['SET', 'b', 'v', 'PX', '100000'], ['DEBUG', 'DIGEST-VALUE', 'a', 'b', 'nosuch'], ['DEBUG', 'DIGEST-VALUE']]),
  c('DEBUG POPULATE: names, values, padding and cutting, existing keys kept, errors', [
    ['DEBUG', 'POPULATE', '3'], ['MGET', 'key:0', 'key:1', 'key:2', 'key:3'], ['DEBUG', 'POPULATE', '12', 'p', '10'],
    ['MGET', 'p:0', 'p:11'], ['SET', 's:1', 'kept'], ['DEBUG', 'POPULATE', '12', 's', '3'], ['MGET', 's:0', 's:1', 's:11'],
    ['DEBUG', 'POPULATE', '2', ''], ['GET', ':1'], ['DEBUG', 'POPULATE', '1', 'z'.repeat(200), '2'], ['KEYS', 'zzz*'],
    ['DEBUG', 'POPULATE', '2', 'a\x00b', '0'], ['EXISTS', 'a:0', 'a:1', 'a\x00b:0'], ['DBSIZE'], ['DEBUG', 'POPULATE', '2', 'q', '20'], ['STRLEN', 'q:1'],
    ['DEBUG', 'POPULATE', '0'], ['DEBUG', 'POPULATE', '-1'], ['DEBUG', 'POPULATE', 'x'], ['DEBUG', 'POPULATE', '9223372036854775808'],
    ['DEBUG', 'POPULATE', '2', 'q', '-1'], ['DEBUG', 'POPULATE', '2', 'q', 'abc'], ['DEBUG', 'POPULATE', '1', 'a', 'b', 'c'], ['DEBUG', 'POPULATE'],
    ['DBSIZE'], ['TYPE', 'key:0'], ['OBJECT', 'ENCODING', 'key:0'], ['OBJECT', 'ENCODING', 'p:0'],
    ['DEBUG', 'POPULATE', '0', 'big', '9223372036854775807'], ['DBSIZE'],
  ]),
  c('DEBUG SLEEP and SET-ACTIVE-EXPIRE', [['DEBUG', 'SLEEP', '0'], ['DEBUG', 'SLEEP', 'abc'], ['DEBUG', 'SLEEP', '0.01'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1']]),
  // strtod: hex floats, white space, junk after the number (or none: 0); negative, NaN and times
  // out of a long long's microseconds are not slept (nanosleep refuses them).
  c('DEBUG SLEEP reads its time as strtod', [
    ['DEBUG', 'SLEEP', '0x0'], ['DEBUG', 'SLEEP', '0x1p-20'], ['DEBUG', 'SLEEP', ' \t1e-4xyz'], ['DEBUG', 'SLEEP', '0\x005'],
    ['DEBUG', 'SLEEP', '-1'], ['DEBUG', 'SLEEP', 'inf'], ['DEBUG', 'SLEEP', 'nan'], ['DEBUG', 'SLEEP', '-1e300'],
  ]),
  // Redis compares DEBUG's words with strcasecmp: up to a NUL byte. REPLYBUFFER's time is read whole.
  c('DEBUG words end at a NUL', [
    ['DEBUG', 'SLEEP\0x', '0'], ['DEBUG', 'DIGEST\0'], ['DEBUG', 'set-active-expire\0x', '1'], ['DEBUG', 'help\0x'], ['DEBUG', 'nope\0x'],
    ['DEBUG', 'RELOAD', 'NOSAVEx'], ['DEBUG', 'REPLYBUFFER\0', 'PEAK-RESET-TIME\0x', 'never\0x'], ['DEBUG', 'replybuffer', 'peak-reset-time', 'reset\0x'],
    ['DEBUG', 'replybuffer', 'resizing\0x', '1\0x'], ['DEBUG', 'replybuffer', 'peak-reset-time', '100\0'], ['DEBUG', 'replybuffer', 'peak-reset-time', 'reset'],
  ]),
  // Names an object has from its prototype are no subcommands (they reached a handler that was not one).
  c('DEBUG of Object.prototype names', [['DEBUG', 'constructor'], ['DEBUG', '__proto__'], ['DEBUG', 'toString', 'x']]),
  c('DEBUG ERROR', [['DEBUG', 'ERROR', 'foo'], ['DEBUG', 'ERROR', '-WRONG bar'], ['DEBUG', 'ERROR', 'a\r\nb']]),
  c('DEBUG wrong subcommands and argument counts', [
    ['DEBUG', 'JMAP'], ['DEBUG', 'DIGEST', 'x'], ['DEBUG', 'SLEEP'], ['DEBUG', 'SLEEP', '0', '1'], ['DEBUG', 'LOG'], ['debug', 'Bogus'], ['DEBUG'],
  ]),
  // addReplySubcommandSyntaxError quotes at most 128 bytes of the subcommand (%.128s).
  c('DEBUG unknown subcommand of 200 bytes', [['DEBUG', 'x'.repeat(200)], ['DEBUG', 'REPLYBUFFER', 'y'.repeat(200), '1']]),
  c('DEBUG HELP', [['DEBUG', 'HELP']]),
  debugObject('DEBUG OBJECT of strings: encoding, shared integers, serialized length with and without compression', [
    ['SET', 'a', '123'], ['SET', 'b', 'hello'], ['SET', 'c', 'x'.repeat(100)], ['SET', 'd', '12345'], ['SETRANGE', 'e', '0', 'abc'], ['SET', 'f', '-5'],
    ['SET', 'g', 'y'.repeat(30000)], ['SET', 'h', '\x00\xff'.repeat(50)], ['SET', 'i', '4294967296'], ['SET', 'j', '12345678901'], ['SET', 'k', '-128'],
    ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'].map((k) => ['DEBUG', 'OBJECT', k]),
    ['CONFIG', 'SET', 'rdbcompression', 'no'], ['DEBUG', 'OBJECT', 'c'], ['DEBUG', 'OBJECT', 'g'], ['CONFIG', 'SET', 'rdbcompression', 'yes'],
    ['DEBUG', 'OBJECT', 'nosuch'], ['DEBUG', 'OBJECT'], ['DEBUG', 'OBJECT', 'a', 'b'],
  ]),
  // As Redis's dictFind: a key past its deadline but not yet deleted is shown, not deleted, not counted.
  debugObject('DEBUG OBJECT of a key past its deadline, and under maxmemory with an LRU policy', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'gone', '1', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], ['DEBUG', 'OBJECT', 'gone'], ['DBSIZE'],
    ['CONFIG', 'SET', 'maxmemory', '1gb'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], ['SET', 'n', '7'], ['DEBUG', 'OBJECT', 'n'],
    // Expired here, not by a cron cycle that may or may not run before the counters are read.
    ['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'], ['DEL', 'gone'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ]),
];

// --- FUNCTION, TIME, LASTSAVE, ROLE, SHUTDOWN -----------------------------------------------------------

const EMPTY_DUMP = '\x0a\x00\x5d\x9b\x5c\x40\x0f\x7f\xa2\xda';

const functionCases: DiffCase[] = [
  c('FUNCTION LIST with no libraries', [['FUNCTION', 'LIST'], ['FUNCTION', 'LIST', 'WITHCODE'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x', 'WITHCODE']]),
  c('FUNCTION LIST errors', [['FUNCTION', 'LIST', 'bogus'], ['FUNCTION', 'LIST', 'LIBRARYNAME'], ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'LIBRARYNAME', 'b']]),
  c('FUNCTION FLUSH', [['FUNCTION', 'FLUSH'], ['FUNCTION', 'FLUSH', 'SYNC'], ['FUNCTION', 'FLUSH', 'async'], ['FUNCTION', 'FLUSH', 'bogus'], ['FUNCTION', 'FLUSH', 'async', 'x']]),
  c('FUNCTION DELETE, KILL', [['FUNCTION', 'DELETE', 'x'], ['FUNCTION', 'KILL']]),
  c('FUNCTION DUMP and RESTORE of no libraries', [['FUNCTION', 'DUMP'], ['FUNCTION', 'RESTORE', EMPTY_DUMP], ['FUNCTION', 'RESTORE', EMPTY_DUMP, 'REPLACE']]),
  c('FUNCTION RESTORE errors', [['FUNCTION', 'RESTORE', 'abc'], ['FUNCTION', 'RESTORE', 'abc', 'bogus'], ['FUNCTION', 'RESTORE', 'a', 'b', 'c']]),
  c('FUNCTION LOAD metadata errors', [
    ['FUNCTION', 'LOAD', 'return 1'], ['FUNCTION', 'LOAD', '#!lua'], ['FUNCTION', 'LOAD', '#!lua name=x foo=bar\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua\nreturn 1'], ['FUNCTION', 'LOAD', '#!lua name=x name=y\nreturn 1'], ['FUNCTION', 'LOAD', '#!js name=x\nreturn 1'],
  ]),
  c('FUNCTION LOAD option errors', [['FUNCTION', 'LOAD', 'bogus', 'x'], ['FUNCTION', 'LOAD', 'REPLACE']]),
  // addReplyErrorFormat trims CR/LF off the text's ends and maps the others to spaces.
  c('FUNCTION LOAD option errors with CR/LF in the option', [
    ['FUNCTION', 'LOAD', 'x\n', 'y'], ['FUNCTION', 'LOAD', 'x\r', 'y'], ['FUNCTION', 'LOAD', '\rx', 'y'],
    ['FUNCTION', 'LOAD', '\r\nx\n\r', 'y'], ['FUNCTION', 'LOAD', 'a\nb', 'y'], ['FUNCTION', 'LOAD', '\n', 'y'],
  ]),
  // functionsVerifyName runs before the engine is looked up (any engine, known or not).
  c('FUNCTION LOAD library names', [
    ['FUNCTION', 'LOAD', '#!lua name=\n'], ['FUNCTION', 'LOAD', '#!nope name=\n'], ['FUNCTION', 'LOAD', '#!lua name=a-b\n'],
    ['FUNCTION', 'LOAD', '#!nope name=a-b\nreturn 1'], ['FUNCTION', 'LOAD', '#!lua name=\xc3\xa9\n'], ['FUNCTION', 'LOAD', '#!lua "name=a b"\n'],
    ['FUNCTION', 'LOAD', '#!nope name=abc\n'], ['FUNCTION', 'LOAD', '#!nope name=_A9z\n'],
  ]),
  c('FUNCTION HELP, arity and unknown subcommands', [['FUNCTION', 'HELP'], ['FUNCTION'], ['FUNCTION', 'bogus'], ['FUNCTION', 'DUMP', 'x']]),
  c('TIME', [['TIME']], { mask: [{ cmd: 0, pattern: /\$\d+\r\n\d+\r\n/ }] }),
  c('LASTSAVE', [['LASTSAVE']], { mask: [{ cmd: 0, pattern: /\d+/ }] }),
  c('TIME and LASTSAVE arity', [['TIME', 'x'], ['LASTSAVE', 'x']]),
  c('ROLE: a master without replicas, also in MULTI; arity', [['ROLE'], ['ROLE', 'x'], ['MULTI'], ['ROLE'], ['EXEC']]),
  c('SHUTDOWN and FUNCTION words end at a NUL', [
    ['SHUTDOWN', 'ABORT\0x'], ['FUNCTION', 'FLUSH', 'SYNC\0x'], ['FUNCTION', 'LIST', 'WITHCODE\0'], ['FUNCTION', 'RESTORE', EMPTY_DUMP, 'REPLACE\0x'],
  ]),
  c('SHUTDOWN errors', [['SHUTDOWN', 'bogus'], ['SHUTDOWN', 'ABORT'], ['SHUTDOWN', 'SAVE', 'NOSAVE'], ['SHUTDOWN', 'ABORT', 'NOW'], ['SHUTDOWN', 'NOW', 'x']]),
];

// --- MEMORY and maxmemory --------------------------------------------------------------------
// Sizes are Keystonelight's own estimate (redis-compat.md): only shapes, errors and the OOM
// behaviour are compared. A limit of 1 byte is below either server's startup memory.

const memoryCases: DiffCase[] = [
  c('MEMORY HELP and arity', [['MEMORY', 'HELP'], ['MEMORY'], ['MEMORY', 'HELP', 'x'], ['MEMORY', 'USAGE'], ['MEMORY', 'PURGE', 'x'], ['MEMORY', 'NOPE']]),
  c('MEMORY PURGE', [['MEMORY', 'PURGE'], ['memory', 'purge']]),
  c('MEMORY USAGE errors and missing keys', [
    ['SET', 'k', 'v'], ['MEMORY', 'USAGE', 'nokey'], ['MEMORY', 'USAGE', 'k', 'SAMPLES', '-1'], ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES'], ['MEMORY', 'USAGE', 'k', 'foo'], ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', '-5'], ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', '0'],
  ]),
  c('MEMORY USAGE of a key is an integer', [['SET', 'k', 'v'], ['MEMORY', 'USAGE', 'k'], ['MEMORY', 'USAGE', 'k', 'SAMPLES', '0']], { mask: [1, 2].map((cmd) => ({ cmd, pattern: /\d+/ })) }),
  ...getOne(['lfu-log-factor', 'lfu-decay-time', 'maxmemory-eviction-tenacity']),
  setAndBack('maxmemory-eviction-tenacity', '100', '10'),
  setAndBack('lfu-log-factor', '0', '10'),
  setErr('maxmemory-eviction-tenacity out of range', ['maxmemory-eviction-tenacity', '101']),
  setErr('lfu-decay-time negative', ['lfu-decay-time', '-1']),
  c('noeviction over maxmemory: denyoom commands get -OOM, others run', [
    ['SET', 'k', 'v'], ['CONFIG', 'SET', 'maxmemory', '1'], ['SET', 'a', 'b'], ['APPEND', 'k', 'x'], ['MSET', 'a', '1', 'b', '2'],
    ['GET', 'k'], ['EXPIRE', 'k', '100'], ['DEL', 'k'], ['SET', 'k', 'v'], ['CONFIG', 'SET', 'maxmemory', '0'], ['SET', 'a', 'b'],
  ]),
  // processCommand checks -OOM before a replica (a MONITOR client) is refused the keyspace.
  c('noeviction over maxmemory: a MONITOR client gets -OOM for a denyoom command, the replica error for others', [
    ['SET', 'k', 'v'], ['CONFIG', 'SET', 'maxmemory', '1'], ['MONITOR'], ['SET', 'a', 'b'], ['APPEND', 'k', 'x'], ['GET', 'k'],
    ['DEL', 'k'], ['RESET'], ['CONFIG', 'SET', 'maxmemory', '0'], ['SET', 'a', 'b'],
  ]),
  c('allkeys-lru over maxmemory: every key evicted, then -OOM', [
    ['SET', 'k', 'v'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], ['CONFIG', 'SET', 'maxmemory', '1'], ['DBSIZE'],
    ['SET', 'a', 'b'], ['GET', 'k'], ['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'], ['SET', 'a', 'b'],
  ]),
];

// WAIT on a master without replicas (the blocking cases: test/wire/wait.test.ts) and CLIENT UNBLOCK's checks.
const waitCases: DiffCase[] = [
  c('WAIT answers at once when no replica is asked for, or the count\'s low 32 bits are not positive; its errors', [
    ['WAIT', '0', '0'], ['WAIT', '-1', '100'], ['WAIT', '2147483648', '100'], ['WAIT', '4294967296', '0'], ['WAIT', '-9223372036854775808', '0'],
    ['WAIT', 'x', '0'], ['WAIT', '1', 'x'], ['WAIT', '1', '-1'], ['WAIT', '0', '-1'], ['WAIT', '1', '1.5'], ['WAIT', '01', '0'], ['WAIT', '1', ' 5'],
    ['WAIT', '9223372036854775808', '0'], ['WAIT', '1'], ['WAIT', '1', '2', '3'], ['wait', '0', '0'],
  ]),
  c('WAIT run by EXEC answers at once', [['MULTI'], ['WAIT', '1', '0'], ['WAIT', 'x', '0'], ['WAIT', '1', '-1'], ['EXEC']]),
  c('WAIT 1 1 blocks a millisecond, then answers 0', [['WAIT', '1', '1'], ['PING']]),
  c('CLIENT UNBLOCK: the reason checked before the id; a client that is not blocked', [
    ['CLIENT', 'UNBLOCK', 'x', 'FOO'], ['CLIENT', 'UNBLOCK', 'x'], ['CLIENT', 'UNBLOCK', '1', 'TIMEOUT', 'x'], ['CLIENT', 'UNBLOCK', '99999'],
    ['CLIENT', 'UNBLOCK', '99999', 'ERROR'], ['CLIENT', 'UNBLOCK', '99999', 'error\0x'], ['CLIENT', 'UNBLOCK', '99999', 'timeout'], ['CLIENT', 'UNBLOCK'],
    ['CLIENT', 'UNBLOCK', '-1'], ['CLIENT', 'UNBLOCK', '99999', ''],
  ]),
];

export const cases: DiffCase[] = [
  ...configGet, ...configSet, ...configSetErrors, ...configMisc, ...commandCases, ...infoCases, ...clientCases,
  ...debugCases, ...functionCases, ...memoryCases, ...waitCases,
];
