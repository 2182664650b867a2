// Reading the configuration as redis-server does at start: `keystonelight [config-file] [--name
// value ...]`. The file (redis.conf syntax, with `include`) comes first, then the command line,
// each option in the order it applies; values are byte strings (see byteString). Applying them
// (validation, Config.set) is the caller's.

import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { splitArgs } from './protocol/splitargs.js';
import { globMatch } from './commands/glob.js';
import { badOption, byteString, ConfigError, findOption, fsPath, normalize, type OptionLine } from './config.js';

/** redis-server's error for a line whose quotes do not close. */
const UNBALANCED = 'Unbalanced quotes in configuration line';

/** Files an `include` may nest. */
const MAX_INCLUDE_DEPTH = 16;

/**
 * What reading the configuration carries from line to line, as Redis's process state does: the
 * directory relative includes are read from (Redis chdirs at each `dir` line, so an include after
 * `dir /data` reads /data/x.conf), and the files being read (an include loop is an error).
 */
interface ReadState {
  base: string;
  reading: string[];
  read: (path: string) => string;
}

/**
 * Parses redis-server style arguments: `[config-file] [--name value ...] [-]`, as redis-server
 * does. Values of several words (`--bind 127.0.0.1 ::1`, `--save 900 1`) take every word up to the
 * next `--option`; an option given no value yet takes the next word even if it starts with `--`
 * (`--requirepass --secret`); one argument holding an option and its value (`"--hz 10"`, as a
 * systemd unit may quote it) is split as a config line. Returns the options in the order they
 * apply (file first, then standard input with `-`, then command line).
 */
export function parseArgs(argv: readonly string[], read: (path: string) => string = readConfig): { file?: string; options: OptionLine[]; stdin?: string } {
  let i = 0;
  let file: string | undefined;
  if (argv.length > 0 && !argv[0].startsWith('-')) {
    file = argv[0];
    i = 1;
  }
  const fromArgv: { name: string; words: string[] }[] = [];
  let stdin = false;
  let hasValue = true; // Redis's handled_last_config_arg
  for (; i < argv.length; i++) {
    const a = argv[i];
    // As redis-server: `-` as the first or the last argument reads more configuration from stdin.
    if (a === '-' && (i === 0 || i === argv.length - 1)) {
      stdin = true;
    } else if (hasValue && a.startsWith('--')) {
      const parts = splitArgs(byteString(a.slice(2)));
      if (parts === null) throw new ConfigError(`'${a}': ${UNBALANCED}`);
      if (parts.length === 0) throw new ConfigError(`Invalid argument '${a}': an option name must follow '--'`);
      fromArgv.push({ name: parts[0], words: parts.slice(1) });
      hasValue = parts.length > 1;
      // redis-server 7.0.1+ (for command lines generated from an empty list): a bare `--save`
      // last or before another `--option` is `--save ""`, not a save taking that option as value.
      const next = argv[i + 1];
      if (!hasValue && a.toLowerCase() === '--save' && (next === undefined || next.startsWith('--'))) {
        fromArgv[fromArgv.length - 1].words.push('');
        hasValue = true;
      }
    } else if (fromArgv.length === 0) {
      throw new ConfigError(`Invalid argument '${a}': options must start with '--'`);
    } else {
      fromArgv[fromArgv.length - 1].words.push(byteString(a));
      hasValue = true;
    }
  }
  for (const { name, words } of fromArgv) checkArgCount(name, words, `'--${name} ${fsPath(words.join(' '))}'`);
  const state: ReadState = { base: process.cwd(), reading: [], read };
  const options = file === undefined ? [] : readFile(file, state, '');
  // Kept for a daemonized start: the background server reads it again, from the parent.
  const stdinText = stdin ? read(STDIN) : undefined;
  if (stdinText !== undefined) options.push(...parseConfigFile(stdinText, state, '(stdin)'));
  // The command line as more lines of the file (as Redis appends it): --include and --dir too.
  for (const { name, words } of fromArgv) {
    const value = words.join(' ');
    options.push(...apply(name, [value], state, `'--${name} ${fsPath(value)}'`, false));
  }
  return { file, options: mergeSaveLines(options), stdin: stdinText };
}

/** redis.conf syntax: `name value...` per line, `#` comments, quoted values as in the protocol. */
export function parseConfigFile(text: string, state: ReadState = { base: process.cwd(), reading: [], read: readConfig }, file?: string): OptionLine[] {
  const out: OptionLine[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = splitArgs(line);
    if (words === null) throw new ConfigError(`line ${n + 1}: ${UNBALANCED}`);
    if (words.length === 0) continue;
    // The bytes as the terminal shows them; a bad value is reported with it too (applyOptions).
    const where = `${file === undefined ? '' : `${file}, `}line ${n + 1}: '${fsPath(line)}'`;
    checkArgCount(words[0], words.slice(1), where);
    out.push(...apply(words[0], words.slice(1), state, where, true));
  }
  return out;
}

/** One option as read: an include expands to its files' options; a dir moves the include base. */
function apply(name: string, values: string[], state: ReadState, where: string, inFile: boolean): OptionLine[] {
  const lower = name.toLowerCase();
  const at = inFile ? where : undefined;
  if (lower === 'include' && values.length === 1) {
    const out: OptionLine[] = [];
    for (const f of includedFiles(resolve(state.base, fsPath(values[0])))) out.push(...readFile(f, state, where));
    return out;
  }
  if (lower === 'dir' && values.length === 1) {
    if (values[0] === '') throw new ConfigError(`${where}: No such file or directory`); // Redis's chdir("")
    // As Redis, which chdirs at each dir line: a relative one is from the one before (the data
    // directory and later includes alike), and the value kept is where that led.
    state.base = resolve(state.base, fsPath(values[0]));
    return [line(name, byteString(state.base), at)];
  }
  return [line(name, values.join(' '), at)];
}

function line(name: string, value: string, where: string | undefined): OptionLine {
  return where === undefined ? [name, value] : [name, value, where];
}

/** Reads one configuration file (the main one, or an included one) in the current state. */
function readFile(path: string, state: ReadState, where: string): OptionLine[] {
  if (state.reading.length >= MAX_INCLUDE_DEPTH) throw new ConfigError(`${where}: includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // read() reports it
  }
  if (state.reading.includes(real)) throw new ConfigError(`${where}: ${path} includes itself`);
  const text = state.read(path);
  state.reading.push(real);
  try {
    return parseConfigFile(text, state, path);
  } finally {
    state.reading.pop();
  }
}

/**
 * The files an include names: the path itself, or, for a pattern (`*`, `?`, `[`) in its last part
 * (in a directory part it is taken literally; Redis's glob expands those too),
 * the regular files that match in name order, none when nothing matches (an empty conf.d/), and
 * no hidden ones unless the pattern starts with a dot: as glob(3), which Redis uses.
 */
function includedFiles(path: string): string[] {
  const name = basename(path);
  if (!/[*?[]/.test(name)) return [path];
  const dir = dirname(path);
  // glob(3) negates a bracket with '!', Redis's stringmatch (globMatch) with '^'.
  const pattern = name.replace(/\[!/g, '[^');
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((e) => (name.startsWith('.') || !e.startsWith('.')) && globMatch(pattern, e, false))
    .sort()
    .map((e) => join(dir, e))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
}

/**
 * As Redis reading its configuration (the file, then the command line): `save` lines add up
 * (`save 900 1` and `save 300 10` keep both points; the first one drops the defaults), and
 * `save ""` empties what came before. Each line is checked alone first, as Redis checks it. One
 * `save` entry results, where the last one was. (Redis 7.0 stops adding them up after an
 * `include`, so later lines replace the list there: not copied, see redis-compat.md.)
 */
function mergeSaveLines(options: OptionLine[]): OptionLine[] {
  const saves = options.filter(([name]) => name.toLowerCase() === 'save');
  if (saves.length < 2) return options;
  const spec = findOption('save')!;
  let merged = '';
  for (const [name, v, where] of saves) {
    try {
      normalize(spec, v);
    } catch (e) {
      throw e instanceof ConfigError ? badOption(name, v, e, where) : e;
    }
    merged = v === '' ? '' : merged === '' ? v : `${merged} ${v}`;
  }
  const last = saves[saves.length - 1];
  return options.filter((o) => o[0].toLowerCase() !== 'save' || o === last).map((o) => (o === last ? line(o[0], merged, o[2]) : o));
}

/** What `read` is given for standard input. */
const STDIN = '-';

function readConfig(path: string): string {
  try {
    return readFileSync(path === STDIN ? 0 : path, 'latin1');
  } catch (e) {
    throw new ConfigError(`Fatal error, can't open config file '${path}': ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

/** As Redis's loadServerConfigFromString: an option of one value given none or several is an error. */
function checkArgCount(name: string, values: readonly string[], where: string): void {
  const spec = findOption(name);
  if (spec !== undefined && !spec.multi && values.length !== 1) throw new ConfigError(`${where}: wrong number of arguments`);
}
