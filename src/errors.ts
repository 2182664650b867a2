// Every Redis error text Keystonelight sends, defined once. Texts are Redis 7.0's, word for word,
// without the leading '-' and trailing CRLF (the encoder adds those). Handlers return these through
// `err()` / the shared constants so that the same failure always reads the same way.

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const SYNTAX = 'ERR syntax error';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
export const OVERFLOW = 'ERR increment or decrement would overflow';
export const INCR_NAN = 'ERR increment would produce NaN or Infinity';
export const NO_SUCH_KEY = 'ERR no such key';
export const DB_INDEX_RANGE = 'ERR DB index is out of range';
export const INVALID_EXPIRE = (cmd: string): string => `ERR invalid expire time in '${cmd}' command`;
export const OFFSET_RANGE = 'ERR offset is out of range';
export const STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
export const SAME_OBJECT = 'ERR source and destination objects are the same';
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
export const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

export const wrongArity = (name: string): string => `ERR wrong number of arguments for '${name}' command`;

/** Redis quotes at most 128 bytes of each argument, joined as `'a' 'b' `. */
export function unknownCommand(name: string, args: readonly string[]): string {
  let list = '';
  for (let i = 0; i < args.length && list.length < 128; i++) {
    const remaining = 128 - list.length;
    list += `'${args[i].slice(0, remaining)}' `;
  }
  return `ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${list}`;
}

export const unknownSubcommand = (sub: string, cmd: string): string =>
  `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${cmd.toUpperCase()} HELP.`;

export const PROTOCOL = {
  INVALID_MULTIBULK: 'ERR Protocol error: invalid multibulk length',
  INVALID_BULK: 'ERR Protocol error: invalid bulk length',
  expectedDollar: (c: string): string => `ERR Protocol error: expected '$', got '${c}'`,
  UNBALANCED_QUOTES: 'ERR Protocol error: unbalanced quotes in request',
  TOO_BIG_INLINE: 'ERR Protocol error: too big inline request',
  TOO_BIG_MBULK: 'ERR Protocol error: too big mbulk count string',
  TOO_BIG_BULK: 'ERR Protocol error: too big bulk count string',
  UNAUTH_MBULK: 'ERR Protocol error: unauthenticated multibulk length',
  UNAUTH_BULK: 'ERR Protocol error: unauthenticated bulk length',
} as const;
