// Reading the configuration as redis-server does at start: `keystonelight [config-file] [--name
// value ...]`. The file (redis.conf syntax, with `include`) comes first, then the command line,
// each option in the order it applies; values are byte strings (see byteString). Applying them
// (validation, Config.set) is the caller's.

import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { splitArgs } from './protocol/splitargs.js';
import { globMatch } from './commands/glob.js';
import { ConfigError, findOption, normalize, normalizeWords, type OptionLine, type OptionSpec } from './config.js';
import { byteString, fsPath, printable, repr } from './config-values.js';
import { strerror } from './errors.js';
import { CONFIG_SPACE, trimChars } from './trim.js';

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
  /** Checks a `rename-command` line as it is read (null: fine); see parseArgs. */
  checkRename?: RenameCheck;
}

/**
 * Applies one `rename-command` to a command table of the caller's (commands/index.ts): null, or
 * Redis's reason it is refused. config-file.ts knows no commands; the caller's table does.
 */
export type RenameCheck = (from: string, to: string) => string | null;

/**
 * Parses redis-server style arguments: `[config-file] [--name value ...] [-]`, as redis-server
 * 7.0 does: it turns the options into more lines of configuration (argvText) read after the file
 * (and standard input with `-`), so they mean what those lines mean. Returns the options in the
 * order they apply.
 */
export function parseArgs(argv: readonly string[], read: (path: string) => string = readConfig, checkRename?: RenameCheck): { file?: string; options: OptionLine[]; stdin?: string } {
  // As redis-server: a first argument not starting with '-' (even "") is the config file.
  const file = argv.length > 0 && !argv[0].startsWith('-') ? mainFilePath(argv[0]) : undefined;
  const { text, stdin } = argvText(argv, file === undefined ? 0 : 1);
  const state: ReadState = { base: process.cwd(), reading: [], read, checkRename };
  const options = file === undefined ? [] : readFile(file, state, '');
  // Kept for a daemonized start: the background server reads it again, from the parent.
  const stdinText = stdin ? read(STDIN) : undefined;
  if (stdinText !== undefined) options.push(...parseConfigFile(stdinText, state, '(stdin)'));
  options.push(...parseLines(text, state, argvWhere, false));
  return { file, options: mergeSaveLines(options), stdin: stdinText };
}

/**
 * The configuration text redis-server 7.0 makes of its arguments (main() in server.c), and whether
 * `-` (first or last) asks for standard input. Each `--name` starts a line with the argument as
 * written (so a newline in it starts another line, a bare `--` adds a blank one); each other
 * argument is added to the line quoted (repr), so a newline in a value stays in the value. An
 * option given no value yet takes the next argument even if it starts with `--`
 * (`--requirepass --secret`); one argument holding an option and its value (`"--hz 10"`, as a
 * systemd unit may quote it) takes no more. `from`: the first argument after the config file.
 */
function argvText(argv: readonly string[], from: number): { text: string; stdin: boolean } {
  let text = '';
  let stdin = false;
  let hasValue = true; // Redis's handled_last_config_arg
  for (let i = from; i < argv.length; i++) {
    const a = byteString(argv[i]);
    const last = i === argv.length - 1;
    if (a === '-' && (i === 0 || last)) {
      stdin = true;
    } else if (hasValue && a.startsWith('--')) {
      text += `${text === '' ? '' : '\n'}${a.slice(2)} `;
      // Redis splits the whole argument: one word ("--port", "--") is a name waiting for its
      // value; unbalanced quotes count as none (the line then fails as such).
      hasValue = splitArgs(a)?.length !== 1;
      if (!hasValue && a.toLowerCase() === '--save' && (last || argv[i + 1].startsWith('--'))) {
        // redis-server 7.0.1+ (for command lines generated from an empty list): a bare `--save`
        // last or before another `--option` is `--save ""`, not a save taking that option as value.
        text += '""';
        hasValue = true;
      }
    } else {
      text += `${repr(a)} `;
      hasValue = true;
    }
  }
  return { text, stdin };
}

/**
 * Where a line made of the command line is reported: `command line: '<line>'`, the line as Redis
 * shows it (`'port "6379" "6380"'`: the option's name, then each value quoted as argvText made it),
 * control bytes escaped so the message is one line.
 */
function argvWhere(_n: number, line: string): string {
  return `command line: '${fsPath(printable(line))}'`;
}

/** redis.conf syntax: `name value...` per line, `#` comments, quoted values as in the protocol. */
export function parseConfigFile(text: string, state: ReadState = { base: process.cwd(), reading: [], read: readConfig }, file?: string): OptionLine[] {
  const where = (n: number, line: string): string => `${file === undefined ? '' : `${file}, `}line ${n}: '${fsPath(line)}'`;
  return parseLines(text, state, where, true);
}

/**
 * Redis's loadServerConfigFromString: each line trimmed of spaces, tabs, CR and LF only (a
 * trailing \xa0, the last byte of "à" in UTF-8, stays in the value), `#` lines and blank ones
 * skipped, the rest split as sdssplitargs does. `where` names line `n` in errors.
 */
function parseLines(text: string, state: ReadState, where: (n: number, line: string, words: readonly string[] | null) => string, inFile: boolean): OptionLine[] {
  const out: OptionLine[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = trimChars(lines[n], CONFIG_SPACE);
    if (line === '' || line.startsWith('#')) continue;
    const words = splitArgs(line);
    const at = where(n + 1, line, words);
    if (words === null) throw new ConfigError(`${at}: ${UNBALANCED}`);
    if (words.length === 0) continue;
    checkArgCount(words[0], words.slice(1), at);
    out.push(...apply(words[0], words.slice(1), state, at, inFile));
  }
  return out;
}

/** Options Redis 7.0 no longer has, whose lines (with one value) it still reads and ignores. */
const DEPRECATED = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);

/**
 * Redis's directives that are not options, with the argument counts it takes them at (other counts
 * are a bad directive there too): each asks for a feature Keystonelight lacks, so it is refused
 * with that reason rather than as an unknown directive.
 */
const NOT_OPTIONS: readonly [name: string, minArgs: number, maxArgs: number, what: string][] = [
  ['user', 1, Infinity, 'ACL users (user) are'],
  ['loadmodule', 1, Infinity, 'modules (loadmodule) are'],
  ['sentinel', 0, Infinity, 'Sentinel (sentinel) is'],
];

/**
 * A `user default` line as Redis 7.0's CONFIG REWRITE writes it with no ACL file (rewriteConfigUserOption):
 * `on`, then `nopass` or `#<SHA-256 of the password>`, then `~* &* +@all`: the default user that
 * requirepass makes. Redis's flags come before its passwords, and a default user loaded from a
 * `user` line has `sanitize-payload` too (ACLSetUser's "reset"), so a file redis-server rewrote
 * twice has `on nopass sanitize-payload ...` or `on sanitize-payload #<hash> ...`. Returns that
 * password word, or null for any other line (ACL users are refused).
 */
function userLinePassword(lower: string, values: readonly string[]): string | null {
  if (lower !== 'user' || values[0] !== 'default' || values[1] !== 'on') return null;
  const n = values.length;
  if (n < 6 || n > 7 || values[n - 3] !== '~*' || values[n - 2] !== '&*' || values[n - 1] !== '+@all') return null;
  const words = values.slice(2, n - 3);
  if (words.length === 1) return words[0] === 'nopass' || /^#[0-9a-f]{64}$/.test(words[0]) ? words[0] : null;
  if (words[0] === 'nopass' && words[1] === 'sanitize-payload') return 'nopass';
  return words[0] === 'sanitize-payload' && /^#[0-9a-f]{64}$/.test(words[1]) ? words[1] : null;
}

/** Why a directive that is not an option is refused ("... is"), or undefined. A dotted name is a module's option, as in Redis. */
function refusedDirective(lower: string, args: number): string | undefined {
  const d = NOT_OPTIONS.find(([n, min, max]) => n === lower && args >= min && args <= max);
  if (d !== undefined) return d[3];
  return lower.includes('.') && args >= 1 ? `module options (${lower}) are` : undefined;
}

/** One option as read: an include expands to its files' options; a dir moves the include base. */
function apply(name: string, values: string[], state: ReadState, where: string, inFile: boolean): OptionLine[] {
  const lower = name.toLowerCase();
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
    return [line(name, byteString(state.base), where)];
  }
  if (DEPRECATED.has(lower) && values.length === 1) return []; // as Redis: accepted, ignored
  // A bare `sentinel` line, as Redis's: ignored (only `--sentinel` on the command line, refused
  // below as on a line with arguments, asks for Sentinel mode).
  if (lower === 'sentinel' && values.length === 0 && inFile) return [];
  // The line Redis's CONFIG REWRITE always writes (and ours): checked against requirepass once all is read (applyOptions).
  const password = userLinePassword(lower, values);
  if (password !== null) return [line(lower, password, where)];
  // Applied to the command table when the server builds it (commands/index.ts): its two names quoted, as one value.
  if (lower === 'rename-command') {
    if (values.length !== 2) throw new ConfigError(`${where}: Bad directive or wrong number of arguments`);
    // Checked as it is read, as Redis renames at the line (the first bad line is the one named).
    const refusal = state.checkRename?.(values[0], values[1]) ?? null;
    if (refusal !== null) throw new ConfigError(`${where}: ${refusal}`);
    return [line(lower, values.map(repr).join(' '), where)];
  }
  const refused = refusedDirective(lower, values.length);
  if (refused !== undefined) throw new ConfigError(`${where}: ${refused} not supported by Keystonelight`);
  const spec = findOption(name);
  // Checked here, where the words are known; stored as it is (save's changes wrap as a C int, and
  // "5 -2147483648" would not read again as a save value).
  if (spec?.multi) return [line(name, multiValue(spec, values, where), where, true)];
  // Redis sets each line as it reads it, so the first bad line of a file is the one named, whether
  // its value or its directive is bad: the value is checked here too (applyOptions sets it).
  if (spec === undefined) throw new ConfigError(`${where}: Bad directive or wrong number of arguments`);
  atLine(where, () => normalize(spec, values[0]));
  return [line(name, values[0], where)];
}

/** `read()`, its ConfigError named by the line it was read from. */
function atLine<T>(where: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw e instanceof ConfigError ? new ConfigError(`${where}: ${e.message}`) : e;
  }
}

/**
 * An option of several words as Redis's loadServerConfigFromString gives them to its set function:
 * one non-empty argument is split again as a config line (`--save "900 1 300 10"`, `save "900  1"`;
 * unbalanced quotes there give no words), else each argument is a word (`--save "900 1" "300 10"`
 * is two words, both invalid). Checked here, where the words are known: the canonical value results.
 */
function multiValue(spec: OptionSpec, values: readonly string[], where: string): string {
  const words = values.length === 1 && values[0] !== '' ? (splitArgs(values[0]) ?? []) : values;
  return atLine(where, () => normalizeWords(spec, words));
}

/** `canonical`: the value is already validated and in canonical form (applyOptions stores it as it is). */
function line(name: string, value: string, where: string | undefined, canonical = false): OptionLine {
  return canonical ? [name, value, where, true] : where === undefined ? [name, value] : [name, value, where];
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
 * `save ""` empties what came before. Each line was checked alone as it was read (apply), as Redis
 * checks it. One `save` entry results, where the last one was. (Redis 7.0 stops adding them up after an
 * `include`, so later lines replace the list there: not copied, see redis-compat.md.)
 */
function mergeSaveLines(options: OptionLine[]): OptionLine[] {
  const saves = options.filter(([name]) => name.toLowerCase() === 'save');
  if (saves.length < 2) return options;
  let merged = '';
  for (const [, v] of saves) merged = v === '' ? '' : merged === '' ? v : `${merged} ${v}`;
  const last = saves[saves.length - 1];
  return options.filter((o) => o[0].toLowerCase() !== 'save' || o === last).map((o) => (o === last ? line(o[0], merged, o[2], true) : o));
}

/** What `read` is given for standard input. */
const STDIN = '-';

/** A config file's text. A directory reads as empty: Redis's fopen() of one succeeds, its reads give nothing. */
function readConfig(path: string): string {
  try {
    return readFileSync(path === STDIN ? 0 : path, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    if (code === 'EISDIR') return '';
    throw new ConfigError(`Fatal error, can't open config file '${path}': ${strerror(code)}`);
  }
}

/**
 * The config file argument as Redis's getAbsolutePath makes it: trimmed of spaces, tabs, CR and
 * LF, and absolute (as its errors name it). "" is the working directory, which reads as empty.
 */
function mainFilePath(arg: string): string {
  return resolve(trimChars(arg, CONFIG_SPACE));
}

/** As Redis's loadServerConfigFromString: an option of one value given none or several is an error. */
function checkArgCount(name: string, values: readonly string[], where: string): void {
  const spec = findOption(name);
  // replicaof's canonical "" (no master) reads back as no words, which a config line may not give.
  if (spec !== undefined && (spec.multi ? spec.name === 'replicaof' && values.length === 0 : values.length !== 1)) throw new ConfigError(`${where}: wrong number of arguments`);
}
