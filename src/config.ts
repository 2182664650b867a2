// Configuration: one table of options with Redis's names, value syntax and defaults. The same
// table serves the command line (`--port 7380`), the config file (redis.conf syntax), CONFIG GET
// and CONFIG SET, so an option added here works everywhere at once.

import { readFileSync } from 'node:fs';
import { splitArgs } from './protocol/splitargs.js';

export type OptionKind = 'int' | 'bool' | 'enum' | 'string' | 'memory';

export interface OptionSpec {
  readonly name: string;
  readonly kind: OptionKind;
  readonly default: string;
  /** Can CONFIG SET change it at run time? */
  readonly mutable: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  /** Takes several words (e.g. `bind 127.0.0.1 -::1`). */
  readonly multi?: boolean;
  readonly alias?: string;
}

const opt = (name: string, kind: OptionKind, def: string, mutable: boolean, extra: Partial<OptionSpec> = {}): OptionSpec =>
  ({ name, kind, default: def, mutable, ...extra });

export const OPTIONS: readonly OptionSpec[] = [
  opt('port', 'int', '7379', false, { min: 0, max: 65535 }),
  opt('bind', 'string', '127.0.0.1 -::1', false, { multi: true }),
  opt('dir', 'string', './data', true),
  opt('loglevel', 'enum', 'notice', true, { values: ['debug', 'verbose', 'notice', 'warning', 'nothing'] }),
  opt('logfile', 'string', '', false),
  opt('databases', 'int', '16', false, { min: 1, max: 2147483647 }),
  opt('proto-max-bulk-len', 'memory', '536870912', true, { min: 1048576, max: 9007199254740991 }),
  opt('client-query-buffer-limit', 'memory', '1073741824', true, { min: 1048576, max: 9007199254740991 }),
  opt('hz', 'int', '10', true, { min: 0, max: 2147483647 }),
  opt('maxclients', 'int', '10000', true, { min: 1, max: 2147483647 }),
  opt('timeout', 'int', '0', true, { min: 0, max: 2147483647 }),
  opt('tcp-backlog', 'int', '511', false, { min: 0, max: 2147483647 }),
  opt('tcp-keepalive', 'int', '300', true, { min: 0, max: 2147483647 }),
  opt('protected-mode', 'bool', 'yes', true),
  opt('requirepass', 'string', '', true),
  opt('save', 'string', '', true),
  opt('appendonly', 'bool', 'no', true),
  opt('appendfsync', 'enum', 'everysec', true, { values: ['always', 'everysec', 'no'] }),
  opt('appendfilename', 'string', 'appendonly.aof', false),
  opt('appenddirname', 'string', 'appendonlydir', false),
  opt('pidfile', 'string', '', false),
  opt('daemonize', 'bool', 'no', false),
  opt('maxmemory', 'memory', '0', true, { min: 0, max: 9007199254740991 }),
  opt('maxmemory-policy', 'enum', 'noeviction', true, {
    values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
  }),
  opt('maxmemory-samples', 'int', '5', true, { min: 1, max: 64 }),
  opt('lazyfree-lazy-user-flush', 'bool', 'no', true),
];

const BY_NAME = new Map<string, OptionSpec>(OPTIONS.map((o) => [o.name, o]));

export class ConfigError extends Error {}

/** Redis's memtoll: "1gb", "64mb", "100k", plain bytes. Returns null when not a size. */
export function parseMemory(text: string): number | null {
  const m = /^(-?\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(text);
  if (!m) return null;
  const mul: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1048576, g: 1e9, gb: 1073741824 };
  return Number(m[1]) * mul[(m[2] ?? '').toLowerCase()];
}

export function findOption(name: string): OptionSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Validates and normalizes a value for `spec`; throws ConfigError with Redis's reason. */
export function normalize(spec: OptionSpec, raw: string): string {
  switch (spec.kind) {
    case 'bool': {
      const v = raw.toLowerCase();
      if (v !== 'yes' && v !== 'no') throw new ConfigError('argument must be \'yes\' or \'no\'');
      return v;
    }
    case 'enum': {
      const v = raw.toLowerCase();
      if (!spec.values!.includes(v)) throw new ConfigError('argument(s) must be one of the following: ' + spec.values!.join(', '));
      return v;
    }
    case 'int':
    case 'memory': {
      const n = spec.kind === 'memory' ? parseMemory(raw) : /^-?\d+$/.test(raw) ? Number(raw) : null;
      if (n === null || !Number.isSafeInteger(n)) {
        throw new ConfigError(spec.kind === 'memory' ? 'argument must be a memory value' : 'argument couldn\'t be parsed into an integer');
      }
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        throw new ConfigError(`argument must be between ${spec.min} and ${spec.max} inclusive`);
      }
      return String(n);
    }
    default:
      return raw;
  }
}

/** The live configuration: values by name, with change listeners for options that act at run time. */
export class Config {
  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, ((value: string) => void)[]>();

  constructor(overrides: Record<string, string> = {}) {
    for (const o of OPTIONS) this.values.set(o.name, o.default);
    for (const [k, v] of Object.entries(overrides)) this.set(k, v);
  }

  get(name: string): string {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`no such option ${name}`);
    return v;
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /** Sets an option after validating it; throws ConfigError. Listeners run after the change. */
  set(name: string, raw: string): void {
    const spec = findOption(name);
    if (!spec) throw new ConfigError(`Bad directive or wrong number of arguments`);
    const value = normalize(spec, raw);
    this.values.set(spec.name, value);
    for (const fn of this.listeners.get(spec.name) ?? []) fn(value);
  }

  onChange(name: string, fn: (value: string) => void): void {
    const list = this.listeners.get(name) ?? [];
    list.push(fn);
    this.listeners.set(name, list);
  }

  entries(): [string, string][] {
    return [...this.values.entries()];
  }
}

/**
 * Parses redis-server style arguments: `[config-file] [--name value ...]`. Values of several words
 * (`--bind 127.0.0.1 ::1`, `--save 900 1`) take every word up to the next `--option`. Returns the
 * options in the order they apply (file first, then command line).
 */
export function parseArgs(argv: readonly string[]): { file?: string; options: [string, string][] } {
  const options: [string, string][] = [];
  let i = 0;
  let file: string | undefined;
  if (argv.length > 0 && !argv[0].startsWith('--')) {
    file = argv[0];
    i = 1;
  }
  while (i < argv.length) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new ConfigError(`Invalid argument '${a}': options must start with '--'`);
    const name = a.slice(2);
    const words: string[] = [];
    i++;
    while (i < argv.length && !argv[i].startsWith('--')) words.push(argv[i++]);
    options.push([name, words.join(' ')]);
  }
  if (file !== undefined) options.unshift(...parseConfigFile(readConfig(file)));
  return { file, options };
}

function readConfig(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (e) {
    throw new ConfigError(`Fatal error, can't open config file '${path}': ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

/** redis.conf syntax: `name value...` per line, `#` comments, quoted values as in the protocol. */
export function parseConfigFile(text: string): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = splitArgs(line);
    if (words === null) throw new ConfigError(`line ${n + 1}: unbalanced quotes in configuration line`);
    if (words.length === 0) continue;
    out.push([words[0], words.slice(1).join(' ')]);
  }
  return out;
}
