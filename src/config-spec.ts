// The option table's vocabulary: what an entry says (OptionSpec), the helpers that write one, and
// the C type limits Redis's bounds are given in. Split from config.ts so that the table's modules
// (config.ts, config-redis-only.ts) can share them.

/**
 * int: Redis's string2ll syntax; memory: memtoull syntax (units b k kb m mb g gb); bool: yes/no;
 * enum: one of `values` (case-insensitive); string: anything, unless `parse` says otherwise.
 */
export type OptionKind = 'int' | 'bool' | 'enum' | 'string' | 'memory';

export interface OptionSpec {
  readonly name: string;
  readonly kind: OptionKind;
  readonly default: string;
  /** Can CONFIG SET change it at run time? (No: "can't set immutable config".) */
  readonly mutable: boolean;
  /** Redis's PROTECTED_CONFIG (with enable-protected-configs at its default, no): never settable. */
  readonly protected?: boolean;
  /** Inclusive bounds of numeric options (Redis's, including its C type limits). */
  readonly min?: bigint;
  readonly max?: bigint;
  readonly values?: readonly string[];
  /** Values accepted beyond Redis 7.0's (not listed in its error text), e.g. loglevel nothing (7.2). */
  readonly laterValues?: readonly string[];
  /** Takes several words (e.g. `bind 127.0.0.1 -::1`): Redis's MULTI_ARG_CONFIG. */
  readonly multi?: boolean;
  /** Redis's other name for the option (e.g. hash-max-ziplist-entries). */
  readonly alias?: string;
  /** Extra validation and canonical form of a string option; throws ConfigError. */
  readonly parse?: (raw: string) => string;
  /**
   * The same for an option of several words, given the words as Redis's set function gets them
   * (CONFIG SET's value split at each space, or a config line's arguments: see normalizeWords).
   */
  readonly parseWords?: (words: readonly string[]) => string;
  /** Redis's apply step adjusting a valid value (e.g. hz is kept within 1..500). */
  readonly adjust?: (value: string) => string;
  /** The same for CONFIG SET only (Redis's apply function, which a start does not run: repl-backlog-size's 16 KB floor). */
  readonly adjustSet?: (value: string) => string;
  /** Combines a new (canonical) value with the current one (client-output-buffer-limit: per class). */
  readonly merge?: (current: string, value: string) => string;
  /**
   * CONFIG SET applies it even when the value is as it was: Redis's set function for it answers
   * "changed" always (bind's), where the others' answer "unchanged" and their apply step is skipped.
   */
  readonly appliedUnchanged?: boolean;
  /** CONFIG REWRITE's lines for the value, when not `name value`. */
  readonly lines?: (value: string) => string[];
  /**
   * Redis reads the whole value, NUL bytes included (its SDS configs: requirepass, masterauth;
   * string2d's percentiles; maxmemory-clients's percent branch, its parse cuts the memory one). Other options read a value (each word, for several) as a C string,
   * up to its first NUL byte: `CONFIG SET tls-cert-file "a\0b"` keeps "a". Integers are read
   * whole in any case (string2ll with the length).
   */
  readonly binary?: boolean;
  /** Redis's SENSITIVE_CONFIG: the value of CONFIG SET shows as "(redacted)" in the slow log. */
  readonly sensitive?: boolean;
  /**
   * Redis's HIDDEN_CONFIG (its debugging and test knobs): CONFIG GET answers it by its exact name
   * only, never for a pattern (so CONFIG GET * leaves it out); CONFIG SET, a config file and
   * CONFIG REWRITE treat it as any other option.
   */
  readonly hidden?: boolean;
  /** Redis's EMPTY_STRING_IS_NULL: "" means unset, and CONFIG REWRITE writes no line for it (removing the file's). */
  readonly emptyIsNull?: boolean;
  /**
   * A Redis feature Keystonelight lacks, which a value other than the default asks for (e.g.
   * "replication"): such a value, valid as Redis checks it, is refused with "<this> is not
   * supported by Keystonelight" rather than silently ignored.
   */
  readonly unsupported?: string;
}

export class ConfigError extends Error {}

/**
 * Thrown by a change listener when the new value cannot take effect (Redis's apply functions
 * failing): CONFIG SET then restores the previous values and answers the message.
 */
export class ApplyError extends Error {}

export const INT_MAX = 2147483647n;
export const INT_MIN = -2147483648n;
export const UINT_MAX = 4294967295n;
export const LLONG_MAX = 9223372036854775807n;
export const ULLONG_MAX = 18446744073709551615n;

export const opt = (name: string, kind: OptionKind, def: string, mutable: boolean, extra: Partial<OptionSpec> = {}): OptionSpec =>
  ({ name, kind, default: def, mutable, ...extra });
export const int = (name: string, def: string, min: bigint, max: bigint, extra: Partial<OptionSpec> = {}): OptionSpec =>
  opt(name, 'int', def, extra.mutable ?? true, { min, max, ...extra });
export const mem = (name: string, def: string, min: bigint, max: bigint, extra: Partial<OptionSpec> = {}): OptionSpec =>
  opt(name, 'memory', def, extra.mutable ?? true, { min, max, ...extra });
export const bool = (name: string, def: string, mutable = true, extra: Partial<OptionSpec> = {}): OptionSpec => opt(name, 'bool', def, mutable, extra);
