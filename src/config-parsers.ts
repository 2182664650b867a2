// The parsers of options with a syntax of their own (save, latency-tracking-info-percentiles,
// shutdown-on-sig*, the AOF names, cluster-node-id, proc-title-template, bind, unixsocketperm): each validates as
// Redis's config.c does, with its error texts, and returns the canonical form CONFIG GET shows.
// Used by config.ts's table.

import { Float, formatFixed, parseDouble } from './commands/numbers.js';
import { ConfigError, LLONG_MAX } from './config-spec.js';
import { strtoll } from './config-values.js';
import { TOO_MANY_BIND } from './errors.js';
import { trimChars } from './trim.js';

/**
 * latency-tracking-info-percentiles: as Redis, each word read by string2d (strtod, hex and
 * exponents too, no leading space; an empty word is invalid) into [0, 100], shown as "%f" trimmed
 * ("-0" too). No words, or one empty word (`latency-tracking-info-percentiles ""`), is none.
 */
export function parsePercentiles(words: readonly string[]): string {
  if (words.length === 0 || (words.length === 1 && words[0] === '')) return '';
  // Word by word, as Redis: the first bad word's error ("inf x" is out of range, not invalid).
  const values = words.map((w) => {
    const v = parseDouble(w);
    if (v === null) throw new ConfigError('Invalid latency-tracking-info-percentiles parameters');
    if (v < 0 || v > 100) throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
    return v;
  });
  return values.map((v) => formatFixed(Float.fromNumber(v), 6).replace(/\.?0+$/, '')).join(' ');
}

/** Redis's isValidAOFfilename / isValidAOFdirname: a name inside `dir`, not empty, not a path. */
export function baseName(option: string, what: string): (raw: string) => string {
  return (raw) => {
    if (raw === '') throw new ConfigError(`${option} can't be empty`);
    if (raw.includes('/') || raw.includes('\\')) throw new ConfigError(`${option} can't be a path, just a ${what}`);
    return raw;
  };
}

/** A node id: empty (derived or random), or 40 hex digits, kept in lower case as Redis's. */
export function parseNodeId(raw: string): string {
  if (raw !== '' && !/^[0-9a-fA-F]{40}$/.test(raw)) throw new ConfigError('argument must be 40 hex digits');
  return raw.toLowerCase();
}

/** Redis's shutdown-on-sig* flags, in its order; `default` is none of them. */
export const SHUTDOWN_FLAGS = ['default', 'save', 'nosave', 'now', 'force'] as const;

/** As Redis's flags enum: any of SHUTDOWN_FLAGS, case-insensitive, shown in the table's order. */
export function parseShutdownFlags(words: readonly string[]): string {
  const given = words.map((w) => w.toLowerCase());
  if (given.length === 0 || given.some((w) => !(SHUTDOWN_FLAGS as readonly string[]).includes(w))) {
    throw new ConfigError(`argument(s) must be one of the following: ${SHUTDOWN_FLAGS.join(', ')}`);
  }
  if (given.includes('save') && given.includes('nosave')) throw new ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously");
  const set = SHUTDOWN_FLAGS.filter((f) => f !== 'default' && given.includes(f));
  return set.length === 0 ? 'default' : set.join(' ');
}

/**
 * `save <seconds> <changes> ...`: pairs of seconds >= 1 and changes >= 0, each word read by strtoll
 * (leading spaces skipped, nothing after the digits); the canonical form is "s c s c". No words, or
 * a single empty one (`save ""`), is no rules.
 */
export function parseSave(given: readonly string[]): string {
  const words = given.length === 1 && given[0] === '' ? [] : given;
  if (words.length % 2 === 1) throw new ConfigError('Invalid save parameters');
  const nums = words.map(strtoll);
  nums.forEach((v, j) => {
    if (v === null || v < (j % 2 === 0 ? 1n : 0n)) throw new ConfigError('Invalid save parameters');
  });
  // `changes` is a C int in Redis: it keeps the low 32 bits.
  return nums.map((v, j) => (j % 2 === 0 ? String(v) : String(BigInt.asIntN(32, v!)))).join(' ');
}

/**
 * proc-title-template's variables, as validation expands them: the ones that can expand to
 * nothing do (no title, not in a cluster, no unix socket). The title's own: server/proc-title.ts.
 */
const TITLE_VARS = new Map([['title', ''], ['listen-addr', '*'], ['server-mode', ''], ['config-file', '-'], ['port', '0'], ['tls-port', '0'], ['unixsocket', '']]);

/**
 * The most of an expanded title kept: more than the command line's memory, over which libuv writes
 * the title (cutting it there). A template of 512 MB of `x{title}` expanded to 1.1 GB, past V8's
 * longest string: CONFIG SET answered an internal error (Redis takes it, and cuts the title).
 */
const TITLE_MAX = 1024 * 1024;

/**
 * Redis's sdstemplate, then trimmed of spaces as its expandProcTitleTemplate: `{name}` is the value
 * of variable `name`, `{{` a literal brace; null for an unknown variable or an unclosed brace. Kept
 * up to TITLE_MAX from its first character that is not a space (the whole template is checked).
 */
export function expandProcTitle(template: string, vars: ReadonlyMap<string, string>): string | null {
  let out = '';
  const put = (s: string): void => {
    if (out.length === 0) s = trimChars(s, ' ', true);
    if (out.length < TITLE_MAX) out += s.length <= TITLE_MAX - out.length ? s : s.slice(0, TITLE_MAX - out.length);
  };
  for (let i = 0; i < template.length; ) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      put(template.slice(i));
      break;
    }
    put(template.slice(i, open));
    if (open + 1 >= template.length) return null;
    if (template[open + 1] === '{') {
      put('{');
      i = open + 2;
      continue;
    }
    const close = template.indexOf('}', open + 1);
    const value = close < 0 ? undefined : vars.get(template.slice(open + 1, close));
    if (value === undefined) return null;
    put(value);
    i = close + 1;
  }
  return trimChars(out, ' ');
}

/** Redis's validateProcTitleTemplate: it expands, and to something, with an empty title. */
export function parseProcTitle(raw: string): string {
  const title = expandProcTitle(raw, TITLE_VARS);
  if (title === null || title === '') throw new ConfigError('template format is invalid or contains unknown variables');
  return raw;
}

/** Redis's CONFIG_BINDADDR_MAX. */
const BINDADDR_MAX = 16;

/** bind: at most 16 addresses, as Redis's setConfigBindOption; one empty word is none (""). */
export function parseBind(words: readonly string[]): string {
  if (words.length > BINDADDR_MAX) throw new ConfigError(TOO_MANY_BIND);
  return words.length === 1 && words[0] === '' ? '' : words.join(' ');
}

/** unixsocketperm: strtoll in base 8 (C's: spaces and a sign first, "" is 0), in [0, 0777], shown in octal. */
export function parseOctalPerm(raw: string): string {
  const m = /^[\t\n\v\f\r ]*([+-]?)([0-7]+)$/.exec(raw);
  let v: bigint | null = raw === '' ? 0n : m === null ? null : BigInt(`0o${m[2]}`) * (m[1] === '-' ? -1n : 1n);
  if (v !== null && (v > LLONG_MAX || v < -LLONG_MAX - 1n)) v = null; // ERANGE
  if (v === null) throw new ConfigError("argument couldn't be parsed as an octal number");
  // An unsigned int in Redis: a negative value compares as a huge one.
  if (v < 0n || v > 0o777n) throw new ConfigError('argument must be between 0 and 777 inclusive');
  return v.toString(8);
}
