// Differential cases for the admin tools: SLOWLOG, LATENCY, MONITOR, CLIENT PAUSE / UNPAUSE and INFO
// commandstats / errorstats / latencystats. Timings, ids, ports and timestamps are masked; what is
// compared is the shape of every reply and every error text. Cases set back what they change
// (slowlog-log-slower-than, latency-tracking-info-percentiles) and start from CONFIG RESETSTAT or
// SLOWLOG RESET where the server's history would show.

import type { DiffCase, DiffMask } from './types.js';

const c = (name: string, cmds: string[][], extra: Partial<DiffCase> = {}): DiffCase => ({ name, cmds, ...extra });

/** The same mask on every reply of a case. */
const everywhere = (n: number, pattern: RegExp, w: string): DiffMask[] => Array.from({ length: n }, (_, cmd) => ({ cmd, pattern, with: w }));

const SLOW_OFF = ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'];
const SLOW_DEFAULT = ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'];
const many = (n: number): string[] => Array.from({ length: n }, (_, i) => `k${i}`);

const slowlog: DiffCase[] = [
  c('SLOWLOG with the log off (threshold -1)', [SLOW_OFF, ['SLOWLOG', 'RESET'], ['SET', 'a', 'b'], ['SLOWLOG', 'GET'], ['SLOWLOG', 'LEN'], ['SLOWLOG', 'GET', '-1'], SLOW_DEFAULT]),
  c('SLOWLOG errors and HELP', [
    ['SLOWLOG', 'GET', 'abc'], ['SLOWLOG', 'GET', '-2'], ['SLOWLOG', 'GET', '1', '2'], ['SLOWLOG', 'GET', '1.5'],
    ['SLOWLOG', 'HELP'], ['SLOWLOG', 'nope'], ['SLOWLOG', 'LEN', 'x'], ['SLOWLOG', 'RESET', 'x'], ['SLOWLOG'], ['slowlog', 'help', 'x'],
  ]),
  c('SLOWLOG entries: shape, argument and byte trimming, client name, newest first', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET'], ['CLIENT', 'SETNAME', 'nm'],
    ['SET', 'k', 'x'.repeat(200)], ['MSET', ...many(40)], ['GET', 'k'], ['SLOWLOG', 'GET', '0'], SLOW_OFF,
    ['SLOWLOG', 'GET', '-1'], ['SLOWLOG', 'GET', '2'], ['SLOWLOG', 'LEN'], SLOW_DEFAULT,
  ], {
    // ids, times and durations (integers), and the client's port.
    mask: [...everywhere(12, /:\d+\r\n/, ':N\r\n'), ...everywhere(12, /\$\d+\r\n127\.0\.0\.1:\d+\r\n/, '<addr>\r\n')],
  }),
  c('SLOWLOG hides the values CONFIG SET gives sensitive options (requirepass), even when it fails', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET'],
    ['CONFIG', 'SET', 'requirepass', 's3cret', 'hz', '10'], ['CONFIG', 'SET', 'REQUIREPASS', ''],
    ['CONFIG', 'SET', 'hz', '10', 'requirepass', 'x', 'nosuch', 'y'], ['CONFIG', 'SET', 'requirepass', 'x', 'hz'],
    ['AUTH', 'pw'], SLOW_OFF, ['SLOWLOG', 'GET'], SLOW_DEFAULT,
  ], { mask: [...everywhere(10, /:\d+\r\n/, ':N\r\n'), ...everywhere(10, /\$\d+\r\n127\.0\.0\.1:\d+\r\n/, '<addr>\r\n')] }),
  // Keystonelight refuses SETUSER (Redis: rules that fail, so its one user stays as it was): the
  // replies differ, the slow log's entries do not.
  c('SLOWLOG hides every argument of ACL SETUSER', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET'],
    ['ACL', 'SETUSER', 'default', '>s3cret', 'nosuchrule'], ['ACL', 'SETUSER', 'a\0b', 'x'], SLOW_OFF, ['SLOWLOG', 'GET'], SLOW_DEFAULT,
  ], {
    mask: [
      { cmd: 2, pattern: /^-ERR .*\r\n$/, with: '<refused>' }, { cmd: 3, pattern: /^-ERR .*\r\n$/, with: '<refused>' },
      ...everywhere(7, /:\d+\r\n/, ':N\r\n'), ...everywhere(7, /\$\d+\r\n127\.0\.0\.1:\d+\r\n/, '<addr>\r\n'),
    ],
  }),
  c('slowlog-max-len keeps the newest entries', [
    ['CONFIG', 'SET', 'slowlog-max-len', '2'], ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET'],
    ['ECHO', 'a'], ['ECHO', 'b'], ['ECHO', 'c'], SLOW_OFF, ['SLOWLOG', 'GET'], ['CONFIG', 'SET', 'slowlog-max-len', '128'], SLOW_DEFAULT,
  ], { mask: [...everywhere(10, /:\d+\r\n/, ':N\r\n'), ...everywhere(10, /\$\d+\r\n127\.0\.0\.1:\d+\r\n/, '<addr>\r\n')] }),
  // Redis trims the log after every command while it is on (slowlogPushEntryIfNeeded), slow or not:
  // a lower slowlog-max-len (0 too) takes effect at once, and a log switched off (-1) is trimmed
  // when it comes back on.
  c('a lower slowlog-max-len trims the log at once, slow command or not', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET'], ['ECHO', 'a'], ['ECHO', 'b'], ['ECHO', 'c'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '1000000'], ['CONFIG', 'SET', 'slowlog-max-len', '2'], ['SLOWLOG', 'LEN'],
    ['CONFIG', 'SET', 'slowlog-max-len', '0'], ['SLOWLOG', 'LEN'], ['SLOWLOG', 'GET'],
    ['CONFIG', 'SET', 'slowlog-max-len', '128'], ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['ECHO', 'd'], ['ECHO', 'e'],
    SLOW_OFF, ['CONFIG', 'SET', 'slowlog-max-len', '1'], ['SLOWLOG', 'LEN'], SLOW_DEFAULT, ['SLOWLOG', 'LEN'],
    ['CONFIG', 'SET', 'slowlog-max-len', '128'],
  ]),
  c('slowlog-max-len in a CONFIG SET of several options: trimmed only if the log is on once it ends, and not when it fails', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET'], ['ECHO', 'a'], ['ECHO', 'b'], ['ECHO', 'c'],
    ['CONFIG', 'SET', 'slowlog-max-len', '1', 'maxmemory-policy', 'bogus'], SLOW_OFF, ['SLOWLOG', 'LEN'],
    ['CONFIG', 'SET', 'slowlog-max-len', '2', 'slowlog-log-slower-than', '-1'], ['SLOWLOG', 'LEN'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '3'], ['SLOWLOG', 'LEN'],
    ['CONFIG', 'SET', 'slowlog-max-len', '128'],
  ]),
];

const latency: DiffCase[] = [
  c('LATENCY with nothing recorded (monitoring off)', [
    ['LATENCY', 'RESET'], ['LATENCY', 'LATEST'], ['LATENCY', 'HISTORY', 'command'], ['LATENCY', 'DOCTOR'],
    ['LATENCY', 'GRAPH', 'command'], ['LATENCY', 'RESET', 'command', 'fast-command'], ['LATENCY', 'HISTOGRAM', 'nosuchcommand'],
  ]),
  c('LATENCY errors and HELP', [
    ['LATENCY', 'HELP'], ['LATENCY', 'nope'], ['LATENCY', 'GRAPH'], ['LATENCY', 'HISTORY'], ['LATENCY', 'LATEST', 'x'],
    ['LATENCY', 'DOCTOR', 'x'], ['LATENCY'], ['LATENCY', 'GRAPH', 'a', 'b'],
    // The event as %s prints it: up to a NUL byte.
    ['LATENCY', 'GRAPH', 'no\0such'],
  ]),
  c('LATENCY HISTOGRAM of commands not run since CONFIG RESETSTAT', [['CONFIG', 'RESETSTAT'], ['LATENCY', 'HISTOGRAM', 'get', 'set', 'client']]),
  c('LATENCY HISTOGRAM shape', [['CONFIG', 'RESETSTAT'], ['SET', 'a', 'b'], ['LATENCY', 'HISTOGRAM', 'set']], {
    mask: [{ cmd: 2, pattern: /(?<=histogram_usec\r\n)[%*]\d+\r\n(:\d+\r\n)+/, with: '<buckets>' }],
  }),
];

/**
 * INFO text: the length prefix and the timings vary, and Redis lists commands in its hash table's
 * order: the masks keep one command's line (`keep`) and drop the others.
 */
function infoMask(cmd: number, section: 'cmdstat' | 'latency_percentiles_usec', keep: string): DiffMask[] {
  const others = new RegExp(`${section}_(?!${keep.replace('|', '\\|')}:)[^\\r]*\\r\\n`);
  return [/^[$=]\d+\r\n(txt:)?/, /usec=\d+/, /usec_per_call=\d+\.\d\d/, /=\d+\.\d{3}/, others].map((pattern) => ({ cmd, pattern, with: '' }));
}

const statsOf = (what: string, cmd: string[]): DiffCase =>
  c(`INFO commandstats of ${what}`, [['CONFIG', 'RESETSTAT'], cmd, ['INFO', 'commandstats']], { mask: infoMask(2, 'cmdstat', cmd[0].toLowerCase() + (cmd[0] === 'CONFIG' ? '|get' : '')) });

const info: DiffCase[] = [
  c('INFO errorstats by error code', [
    ['CONFIG', 'RESETSTAT'], ['NOSUCH'], ['GET'], ['CONFIG', 'NOPE'], ['SET', 'k', 'v'], ['INCR', 'k'], ['AUTH', 'a', 'b'],
    ['INFO', 'errorstats'], ['SELECT', '99'], ['INFO', 'ERRORSTATS'],
  ]),
  // Redis writes DEBUG ERROR's line with addReplySds: not an error reply to its statistics.
  c('DEBUG ERROR is not counted as an error reply', [
    ['CONFIG', 'RESETSTAT'], ['DEBUG', 'ERROR', 'foo'], ['DEBUG', 'ERROR', 'ERR x'], ['DEBUG', 'ERROR', ''], ['INFO', 'errorstats'],
    ['GET'], ['INFO', 'errorstats'], ['INFO', 'commandstats'], ['INFO', 'stats'],
  ], {
    mask: [...infoMask(7, 'cmdstat', 'debug'), { cmd: 8, pattern: /^[\s\S]*(total_error_replies:\d+)[\s\S]*$/, with: '$1' }],
  }),
  statsOf('an arity error (rejected)', ['GET']),
  statsOf('a subcommand arity error (rejected)', ['CONFIG', 'GET']),
  statsOf('a successful call', ['SET', 'k', 'v']),
  c('INFO commandstats of a failed call', [['SET', 'k', 'v'], ['CONFIG', 'RESETSTAT'], ['INCR', 'k'], ['INFO', 'commandstats']], {
    mask: infoMask(3, 'cmdstat', 'incr'),
  }),
  c('INFO stats error and command totals', [['CONFIG', 'RESETSTAT'], ['NOSUCH'], ['GET'], ['PING'], ['INFO', 'stats']], {
    mask: [{ cmd: 4, pattern: /^[\s\S]*(total_commands_processed:\d+)[\s\S]*(total_error_replies:\d+)[\s\S]*$/, with: '$1 $2' }],
  }),
  c('INFO latencystats fields and percentiles setting', [
    ['CONFIG', 'RESETSTAT'], ['INFO', 'latencystats'], ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '99.9 50 0'],
    ['CONFIG', 'GET', 'latency-tracking-info-percentiles'], ['INFO', 'latencystats'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', ''], ['INFO', 'latencystats'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 abc'], ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '101'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50.0 99 99.90'], ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
  ], { mask: [...infoMask(1, 'latency_percentiles_usec', 'config|resetstat'), ...infoMask(4, 'latency_percentiles_usec', 'config|set'), ...infoMask(6, 'latency_percentiles_usec', 'config|set')] }),
  c('latency-tracking-info-percentiles: split at each space, words read by strtod, "%f" trimmed', [
    ...['0x10', '-0', '1e1', '0x1p3', '.5 5.', '+7', ' ', '5 ', ' 5', '1  2', 'inf', 'nan', '1e-400', '1e400', '1,2', '0x', '50 99.9']
      .flatMap((v) => [['CONFIG', 'SET', 'latency-tracking-info-percentiles', v], ['CONFIG', 'GET', 'latency-tracking-info-percentiles']]),
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9'],
  ]),
  c('CONFIG GET and SET of the observability options', [
    ['CONFIG', 'GET', 'slowlog-*'], ['CONFIG', 'GET', 'latency-*'], ['CONFIG', 'SET', 'slowlog-log-slower-than', '-2'],
    ['CONFIG', 'SET', 'slowlog-max-len', '-1'], ['CONFIG', 'SET', 'latency-monitor-threshold', '-1'], ['CONFIG', 'SET', 'latency-tracking', 'maybe'],
  ], { unordered: [0, 1] }),
];

const monitor: DiffCase[] = [
  c('MONITOR: keyspace commands refused, RESET leaves monitor mode', [
    ['SET', 'k', 'v'], ['MONITOR'], ['GET', 'k'], ['SET', 'k', 'w'], ['DBSIZE'], ['RESET'], ['GET', 'k'],
  ]),
];

const pause: DiffCase[] = [
  c('CLIENT PAUSE errors', [
    ['CLIENT', 'PAUSE', 'abc'], ['CLIENT', 'PAUSE', '-1'], ['CLIENT', 'PAUSE', '10', 'foo'], ['CLIENT', 'PAUSE', '10', 'WRITE', 'x'],
    ['CLIENT', 'UNPAUSE', 'x'], ['CLIENT', 'PAUSE'], ['CLIENT', 'PAUSE', '1.5'], ['CLIENT', 'PAUSE', '99999999999999999999'],
  ]),
  c('CLIENT PAUSE WRITE then UNPAUSE from the same client', [
    ['CLIENT', 'PAUSE', '100000', 'write'], ['GET', 'k'], ['PING'], ['CLIENT', 'UNPAUSE'], ['SET', 'k', 'v'], ['GET', 'k'],
  ]),
  c('a short CLIENT PAUSE ALL ends by itself', [['CLIENT', 'PAUSE', '20', 'ALL'], ['PING'], ['SET', 'k', 'v']]),
  c('CLIENT PAUSE checks its mode before its timeout', [['CLIENT', 'PAUSE', 'abc', 'FOO'], ['CLIENT', 'PAUSE', '-1', 'x'], ['CLIENT', 'PAUSE', 'abc', 'write']]),
  // Redis compares these words with strcasecmp: an argument ends at its first NUL byte.
  c('CLIENT PAUSE and KILL words end at a NUL', [
    ['CLIENT', 'PAUSE', '0', 'WRITE\0x'], ['CLIENT', 'PAUSE', '0', 'all\0'], ['CLIENT', 'KILL', 'ID\0x', '999'],
    ['CLIENT', 'KILL', 'ID', '999', 'SKIPME', 'yes\0x'], ['CLIENT', 'KILL', 'TYPE', 'pubsub\0x'],
  ]),
  c('CLIENT KILL errors', [
    ['CLIENT', 'KILL', 'MAXAGE', '10'], ['CLIENT', 'KILL', 'USER', 'nobody'], ['CLIENT', 'KILL', 'ID', 'x'],
    ['CLIENT', 'KILL', 'SKIPME', 'maybe'], ['CLIENT', 'KILL', 'ADDR'], ['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME'],
  ]),
];

export const cases: DiffCase[] = [...slowlog, ...latency, ...info, ...monitor, ...pause];
