// Differential cases for Redis's options Keystonelight accepts for redis.conf compatibility
// (src/config-redis-only.ts): for each one, CONFIG GET of its default (and of its alias), CONFIG SET
// of a valid value then CONFIG GET and back (when CONFIG SET may change it), invalid values (error
// texts compared byte for byte) and CONFIG SET of an immutable or protected one. The values are
// made from each option's kind and bounds, plus hand-picked ones for the options with their own
// syntax. An option refused unless at its default (`unsupported`) is only set to its default here:
// the refusal of other values is Keystonelight's (test/wire/config-redis-only.test.ts). Options
// that once were accepted only and now act (moved to src/config.ts) keep these cases: ACTING.

import { REDIS_ONLY_OPTIONS } from '../../../src/config-redis-only.js';
import { findOption, type OptionSpec } from '../../../src/config.js';
import type { DiffCase } from './types.js';

/** Redis's options that act here, with Redis's defaults, bounds and errors (src/config.ts). */
const ACTING = ['dynamic-hz', 'set-proc-title', 'proc-title-template', 'active-expire-effort', 'cluster-port', 'cluster-announce-port', 'cluster-announce-bus-port', 'unixsocket', 'unixsocketperm'];

/** Every option whose CONFIG GET / SET must be redis-server's, default included. */
export const AS_REDIS: OptionSpec[] = [...REDIS_ONLY_OPTIONS, ...ACTING.map((n) => findOption(n)!)];

const c = (name: string, cmds: string[][], extra: Partial<DiffCase> = {}): DiffCase => ({ name, cmds, ...extra });

/** Valid non-default values of string options, by name (others get a plain word). */
const VALID: Record<string, string> = {
  'proc-title-template': '{{x} {title} {port} {config-file}',
  'oom-score-adj-values': ' -5 +7 2000',
  'bind-source-addr': '127.0.0.1',
};

/** Invalid values of options with their own syntax, by name. */
const INVALID: Record<string, string[]> = {
  'proc-title-template': ['{title', '{nope} x', '{title}', ' {server-mode} ', '', 'x {', 'x {{'],
  'oom-score-adj-values': ['1 2', '1 2 3 4', '1 2 2001', 'a 1 2', '1 2 3x', ''],
  'notify-keyspace-events': ['Q', 'KEA!'],
  'maxmemory-clients': ['x', '101%', '-1%', '%', '1.5%', '1.5gb'],
  'cluster-announce-hostname': ['a_b', 'x'.repeat(256)],
  'dbfilename': ['a/b'],
};

function validValue(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'bool':
      return spec.default === 'yes' ? 'NO' : 'Yes';
    case 'enum':
      return spec.values!.find((v) => v !== spec.default)!.toUpperCase();
    case 'int': {
      const d = BigInt(spec.default);
      return String(d + 1n <= spec.max! ? d + 1n : d - 1n);
    }
    case 'memory':
      return `${BigInt(spec.default) / 1024n + 1n}kb`;
    default:
      return VALID[spec.name] ?? 'some-value';
  }
}

function invalidValues(spec: OptionSpec): string[] {
  switch (spec.kind) {
    case 'bool':
      return ['maybe', ''];
    case 'enum':
      return ['bogus'];
    case 'int':
      return ['x', '01', String(spec.max! + 1n), String(spec.min! - 1n)];
    case 'memory':
      return ['1.5mb', spec.min! > 0n ? '0' : '-1'];
    default:
      return INVALID[spec.name] ?? [];
  }
}

const get = (name: string): string[] => ['CONFIG', 'GET', name];
const set = (name: string, value: string): string[] => ['CONFIG', 'SET', name, value];

function casesOf(spec: OptionSpec): DiffCase[] {
  const n = spec.name;
  const out = [c(`CONFIG GET ${n}`, [get(n), ...(spec.alias ? [get(spec.alias)] : [])])];
  if (!spec.mutable || spec.protected) {
    out.push(c(`CONFIG SET immutable ${n}`, [set(n, spec.default), set(n, validValue(spec)), get(n)]));
    return out;
  }
  if (spec.unsupported === undefined) {
    const v = validValue(spec);
    out.push(c(`CONFIG SET ${n} ${v} and back`, [set(n, v), get(n), set(n, spec.default), get(n)]));
    if (spec.alias) out.push(c(`CONFIG SET ${spec.alias} ${v} and back`, [set(spec.alias, v), get(spec.alias), get(n), set(spec.alias, spec.default)]));
  } else {
    out.push(c(`CONFIG SET ${n} to its default`, [set(n, spec.default), get(n)]));
  }
  const bad = invalidValues(spec);
  if (bad.length > 0) out.push(c(`CONFIG SET ${n} invalid values`, [...bad.map((v) => set(n, v)), ...(spec.alias ? [set(spec.alias, bad[0])] : []), get(n)]));
  return out;
}

export const cases: DiffCase[] = [
  ...AS_REDIS.flatMap(casesOf),
  c('CONFIG GET patterns over the accepted options', [
    get('repl-*'), get('slave-*'), get('replica-*'), get('tls-*'), get('active-defrag-*'), get('*_cpulist'), get('rdb*'), get('cluster-allow-*'),
  ], { unordered: [0, 1, 2, 3, 4, 5, 6, 7] }),
  // Redis shows an enum value by its first name: relative is yes's value.
  c('CONFIG SET oom-score-adj: every value, relative shown as yes', [
    set('oom-score-adj', 'RELATIVE'), get('oom-score-adj'), set('oom-score-adj', 'absolute'), get('oom-score-adj'), set('oom-score-adj', 'yes'), get('oom-score-adj'), set('oom-score-adj', 'no'), get('oom-score-adj'),
  ]),
  c('CONFIG SET several accepted options at once, one bad', [
    ['CONFIG', 'SET', 'rdbcompression', 'no', 'repl-timeout', '0'], get('rdbcompression'),
    ['CONFIG', 'SET', 'rdbcompression', 'no', 'activerehashing', 'no'], get('rdbcompression'), get('activerehashing'),
    ['CONFIG', 'SET', 'rdbcompression', 'yes', 'activerehashing', 'yes'],
  ]),
  c('CONFIG SET an immutable accepted option before an unknown one', [['CONFIG', 'SET', 'rdbchecksum', 'yes', 'bogus', '1']]),
  // Found by config-fuzz.test.ts: values are read as Redis's set functions read them.
  c('CONFIG SET reads a value up to its first NUL byte, but masterauth and integers whole', [
    set('tls-cert-file', 'a\x00b'), get('tls-cert-file'), set('tls-key-file-pass', '\x00\xff'), get('tls-key-file-pass'),
    set('rdbcompression', 'no\x00junk'), get('rdbcompression'), set('repl-diskless-load', 'SWAPDB\x00x'), get('repl-diskless-load'),
    set('repl-backlog-size', '2mb\x00x'), get('repl-backlog-size'), set('repl-timeout', '5\x00'),
    set('oom-score-adj-values', '1\x00x 2 3'), get('oom-score-adj-values'),
    set('masterauth', 'a\x00b'), get('masterauth'),
    ['CONFIG', 'SET', 'tls-cert-file', '', 'tls-key-file-pass', '', 'rdbcompression', 'yes', 'repl-diskless-load', 'disabled', 'repl-backlog-size', '1mb', 'oom-score-adj-values', '0 200 800', 'masterauth', ''],
  ]),
  c('CONFIG SET checks every value before refusing an unsupported one', [
    ['CONFIG', 'SET', 'min-replicas-to-write', '1', 'repl-timeout', '0'], get('min-replicas-to-write'),
    ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA', 'rdbcompression', 'maybe'], get('notify-keyspace-events'),
  ]),
  c('CONFIG SET latency-tracking-info-percentiles: the first bad word names the error', [
    set('latency-tracking-info-percentiles', 'inf x'), set('latency-tracking-info-percentiles', 'x inf'),
    set('latency-tracking-info-percentiles', '101 50 -'), get('latency-tracking-info-percentiles'),
  ]),
  // (A failed CONFIG SET after such a value is not compared: Redis then fails to put the wrapped
  // value back and keeps the new one; config-fuzz.test.ts accepts that difference.)
  c('CONFIG SET save with changes past a C int (kept as Redis, wrapped)', [
    set('save', '5 2147483648'), get('save'), set('save', '5 4294967295 6 1'), get('save'), set('save', ''), get('save'),
  ]),
  // Review of b1babdd: maxmemory-clients is read as Redis's numericParseString reads it, memtoull on
  // the C string but the percent branch on the whole value ("10%\0" is invalid, not 10%).
  c('CONFIG SET maxmemory-clients with a NUL byte: memory read as a C string, a percentage whole', [
    set('maxmemory-clients', '10%\x00'), set('maxmemory-clients', '10%\x00x'), set('maxmemory-clients', '0\x00%'), get('maxmemory-clients'),
  ]),
  c('CONFIG SET replicaof and slaveof are immutable', [set('replicaof', 'no one'), set('slaveof', '127.0.0.1 1'), set('replicaof', 'x')]),
];
