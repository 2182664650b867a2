// The options table and its value syntax (src/config.ts): Redis 7.0's parsing, bounds, aliases,
// canonical forms and error texts, and CONFIG REWRITE's file handling.

import { constants } from 'node:buffer';
import { createHash } from 'node:crypto';
import test from 'ava';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyOptions, Config, ConfigError, findOption, MAX_WORDS, normalize, OPTIONS, optionNames, setWords } from '../../src/config.js';
import { byteString, fsPath, memtoull } from '../../src/config-values.js';
import { parseArgs, parseConfigFile } from '../../src/config-file.js';
import { rewriteConfigFile } from '../../src/config-rewrite.js';

/** The options parseArgs gives, without where each was read. */
const pairs = (argv: string[]): [string, string][] => parseArgs(argv).options.map(([n, v]) => [n, v]);

const reason = (name: string, value: string): string => {
  try {
    normalize(findOption(name)!, value);
    return 'ok';
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.message;
  }
};

test('memtoull reads Redis memory values', (t) => {
  t.is(memtoull('0'), 0n);
  t.is(memtoull('1k'), 1000n);
  t.is(memtoull('1KB'), 1024n);
  t.is(memtoull('2mb'), 2097152n);
  t.is(memtoull('3G'), 3000000000n);
  t.is(memtoull('1gb'), 1073741824n);
  t.is(memtoull('007'), 7n);
  t.is(memtoull(''), 0n, "C's strtoull reads no digits as 0");
  t.is(memtoull('99999999999999999999'), 18446744073709551615n, 'saturates');
  // Redis multiplies by the unit unchecked: the product wraps modulo 2^64 (compared with redis-server 7.0.15).
  t.is(memtoull('99999999999999999999kb'), 18446744073709550592n, 'saturated, then wraps with a unit');
  t.is(memtoull('17179869184gb'), 0n, '2^64 wraps to 0');
  t.is(memtoull('17179869185GB'), 1073741824n);
  for (const bad of ['-1', '1.5gb', '+5', ' 5', '5 kb', '5tb', 'abc']) t.is(memtoull(bad), null, bad);
});

test('integer options use string2ll and Redis bounds', (t) => {
  t.is(reason('hz', 'abc'), "argument couldn't be parsed into an integer");
  t.is(reason('hz', '01'), "argument couldn't be parsed into an integer");
  t.is(reason('hz', '-0'), "argument couldn't be parsed into an integer");
  t.is(reason('hz', '+1'), "argument couldn't be parsed into an integer");
  t.is(reason('hz', '-1'), 'argument must be between 0 and 2147483647 inclusive');
  t.is(reason('maxclients', '0'), 'argument must be between 1 and 4294967295 inclusive');
  t.is(reason('set-max-intset-entries', '-1'), 'argument must be between 0 and 9223372036854775807 inclusive');
  t.is(reason('list-max-listpack-size', '-2147483649'), 'argument must be between -2147483648 and 2147483647 inclusive');
  t.is(reason('maxmemory-samples', '100'), 'ok');
});

test('memory options: units, saturation and signed types', (t) => {
  t.is(normalize(findOption('maxmemory')!, '1gb'), '1073741824');
  t.is(normalize(findOption('maxmemory')!, '99999999999999999999'), '18446744073709551615');
  t.is(reason('maxmemory', '-1'), 'argument must be a memory value');
  t.is(reason('proto-max-bulk-len', '1kb'), 'argument must be between 1048576 and 9223372036854775807 inclusive');
  // A saturated value read by a signed C type is negative, so out of bounds.
  t.is(reason('auto-aof-rewrite-min-size', '99999999999999999999'), 'argument must be between 0 and 9223372036854775807 inclusive');
});

test('booleans and enums ignore case and are stored in lower case', (t) => {
  t.is(normalize(findOption('appendonly')!, 'YES'), 'yes');
  t.is(reason('appendonly', 'maybe'), "argument must be 'yes' or 'no'");
  t.is(normalize(findOption('maxmemory-policy')!, 'AllKeys-LRU'), 'allkeys-lru');
  t.is(reason('loglevel', 'bogus'), 'argument(s) must be one of the following: debug, verbose, notice, warning');
  t.is(normalize(findOption('loglevel')!, 'NOTHING'), 'nothing', "Redis 7.2's silent level is accepted too");
  t.is(reason('enable-debug-command', 'sometimes'), 'argument(s) must be one of the following: no, yes, local');
});

test('a value is read up to its first NUL byte, as Redis reads a C string; requirepass, masterauth and integers whole', (t) => {
  const spec = (n: string) => findOption(n)!;
  t.is(normalize(spec('tls-cert-file'), 'a\x00b'), 'a');
  t.is(normalize(spec('tls-key-file-pass'), '\x00\xff'), '');
  t.is(normalize(spec('rdbcompression'), 'NO\x00junk'), 'no');
  t.is(normalize(spec('maxmemory'), '1kb\x00x'), '1024');
  t.is(normalize(spec('oom-score-adj-values'), '1\x00x 2 3'), '1 2 3');
  t.is(normalize(spec('requirepass'), 'a\x00b'), 'a\x00b');
  t.is(normalize(spec('masterauth'), 'a\x00b'), 'a\x00b');
  t.throws(() => normalize(spec('hz'), '5\x00'), { instanceOf: ConfigError, message: "argument couldn't be parsed into an integer" });
  t.throws(() => normalize(spec('latency-tracking-info-percentiles'), '5\x00'), { instanceOf: ConfigError });
});

test('save keeps changes past a C int wrapped, as Redis shows them, and setValid takes that canonical form back', (t) => {
  const c = new Config();
  t.is(normalize(findOption('save')!, '5 2147483648'), '5 -2147483648');
  c.setValid('save', '5 -2147483648');
  t.is(c.get('save'), '5 -2147483648');
  t.throws(() => c.set('save', '5 -2147483648'), { instanceOf: ConfigError, message: 'Invalid save parameters' });
});

test('latency-tracking-info-percentiles: the first bad word decides the error, as Redis reads them in order', (t) => {
  const spec = findOption('latency-tracking-info-percentiles')!;
  t.throws(() => normalize(spec, 'inf x'), { message: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' });
  t.throws(() => normalize(spec, 'x inf'), { message: 'Invalid latency-tracking-info-percentiles parameters' });
});

test('hz is kept within 1..500, as Redis applies it', (t) => {
  t.is(normalize(findOption('hz')!, '0'), '1');
  t.is(normalize(findOption('hz')!, '1000'), '500');
  t.is(normalize(findOption('hz')!, '100'), '100');
});

test('save: pairs of seconds >= 1 and changes >= 0, in canonical form', (t) => {
  const save = findOption('save')!;
  t.is(normalize(save, ''), '');
  t.is(normalize(save, '3600 1 300 100'), '3600 1 300 100');
  t.is(normalize(save, '01 1'), '1 1');
  t.is(normalize(save, '1 '), '1 0', "an empty word reads as 0 (C's strtoll)");
  for (const bad of ['1', '0 0', '-1 1', '1 -1', 'a b', '3600  1', ' ']) t.is(reason('save', bad), 'Invalid save parameters', bad);
});

test('aliases find their option; names are unique', (t) => {
  t.is(findOption('hash-max-ziplist-entries'), findOption('hash-max-listpack-entries'));
  t.is(findOption('LIST-MAX-ZIPLIST-SIZE')?.name, 'list-max-listpack-size');
  const names = optionNames().map(([n]) => n);
  t.is(new Set(names).size, names.length);
  const c = new Config({ 'zset-max-ziplist-value': '1kb' });
  t.is(c.get('zset-max-listpack-value'), '1024');
});

test('every default is valid and already canonical', (t) => {
  for (const o of OPTIONS) t.is(normalize(o, o.default), o.default, o.name);
});

test('Config rejects unknown names and bad values, and tells listeners', (t) => {
  const c = new Config();
  t.throws(() => c.set('no-such', '1'), { instanceOf: ConfigError });
  t.throws(() => c.set('hz', 'x'), { instanceOf: ConfigError });
  const seen: string[] = [];
  c.onChange('maxmemory', (v) => seen.push(v));
  c.set('maxmemory', '2mb');
  t.deepEqual(seen, ['2097152']);
  t.is(c.int('maxmemory'), 2097152);
});

test('CONFIG REWRITE keeps comments, rewrites set options in place and appends changed ones', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-config-'));
  const file = join(dir, 'ks.conf');
  // unknown-thing: a line added after the start (the start would have refused it).
  writeFileSync(file, '  # my server\nport 7000\n  hz 20\nhz 30\nunknown-thing 1\nsave 900 1\n');
  const c = new Config();
  for (const [k, v] of [['port', '7000'], ['hz', '20'], ['hz', '30'], ['save', '900 1']]) c.set(k, v);
  c.set('maxmemory', '1gb');
  c.set('requirepass', 'se"cret');
  c.set('save', '');
  c.set('dir', dir);
  t.is(rewriteConfigFile(file, c), null);
  const text = readFileSync(file, 'latin1');
  // As Redis 7.0.15 rewrote the same file: lines trimmed, the second hz line left blank, the blank
  // line of the final newline kept before the appended options; dir (absolute) and
  // latency-tracking-info-percentiles are written even at their defaults, as Redis does.
  // A directive Redis does not know is commented out, and the default user's line comes last (its
  // password as requirepass's SHA-256), as Redis's rewriteConfigReadOldFile and rewriteConfigUserOption.
  const hash = createHash('sha256').update('se"cret').digest('hex');
  t.is(text, `# my server\nport 7000\nhz 30\n\n# ??? unknown-thing 1\nsave ""\n\n# Generated by CONFIG REWRITE\ndir "${dir}"\nrequirepass "se\\"cret"\nmaxmemory 1gb\nlatency-tracking-info-percentiles 50 99 99.9\nuser default on #${hash} ~* &* +@all\n`);
  t.is(rewriteConfigFile(file, c), null);
  t.is(readFileSync(file, 'latin1'), `${text}\n`, 'a second rewrite keeps the final newline\'s blank line, as Redis');
  t.is(rewriteConfigFile(file, c), null);
  t.is(readFileSync(file, 'latin1'), `${text}\n`, 'and a third changes nothing');
  // The rewritten file reads back to the same values.
  const back = new Config();
  for (const [k, v] of parseConfigFile(text)) if (findOption(k)) back.set(k, v);
  for (const name of ['port', 'hz', 'maxmemory', 'requirepass', 'save', 'dir']) t.is(back.get(name), c.get(name), name);
});

test('CONFIG REWRITE always writes save, dir and latency-tracking-info-percentiles, an empty list as "" (as Redis 7.0.15)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-config-'));
  const file = join(dir, 'ks.conf');
  writeFileSync(file, 'port 7000\n');
  const c = new Config({ port: '7000' });
  c.set('dir', `${dir}/./sub/..`);
  t.is(rewriteConfigFile(file, c), null);
  // redis-server 7.0.15 with the same file appends these three at their defaults (its save being
  // its default points), then the default user's line.
  t.is(readFileSync(file, 'latin1'), `port 7000\n\n# Generated by CONFIG REWRITE\ndir "${dir}"\nsave ""\nlatency-tracking-info-percentiles 50 99 99.9\nuser default on nopass ~* &* +@all\n`);
  c.set('latency-tracking-info-percentiles', '');
  t.is(rewriteConfigFile(file, c), null);
  const text = readFileSync(file, 'latin1');
  t.regex(text, /^latency-tracking-info-percentiles ""$/m, 'not a line without a value');
  const back = new Config();
  for (const [k, v] of parseConfigFile(text)) if (findOption(k)) back.set(k, v);
  t.is(back.get('latency-tracking-info-percentiles'), '');
});

test('an option of one value given none or several, in a file or on the command line, is an error (as redis-server)', (t) => {
  // redis-server 7.0.15 on "hz 10 20": "wrong number of arguments"; options of several words take them.
  t.throws(() => parseConfigFile('port 7000\nhz 10 20\n'), { instanceOf: ConfigError, message: "line 2: 'hz 10 20': wrong number of arguments" });
  t.throws(() => parseArgs(['--hz', '10', '20']), { instanceOf: ConfigError, message: 'command line: \'hz "10" "20"\': wrong number of arguments' });
  t.throws(() => parseConfigFile('loglevel\n'), { instanceOf: ConfigError, message: "line 1: 'loglevel': wrong number of arguments" });
  t.throws(() => parseArgs(['--hz']), { instanceOf: ConfigError, message: "command line: 'hz': wrong number of arguments" });
  t.deepEqual(parseArgs(['--requirepass', '']).options, [['requirepass', '', 'command line: \'requirepass ""\'']]);
  t.deepEqual(parseConfigFile('save 900 1 300 10\nbind 127.0.0.1 ::1\nrequirepass "a b"\n'), [
    // Options of several words are checked as read: their canonical value is marked as such (true).
    ['save', '900 1 300 10', "line 1: 'save 900 1 300 10'", true], ['bind', '127.0.0.1 ::1', "line 2: 'bind 127.0.0.1 ::1'", true],
    ['requirepass', 'a b', 'line 3: \'requirepass "a b"\''],
  ]);
  t.throws(() => parseConfigFile('hz 10\nnosuchoption a b\n'), { instanceOf: ConfigError, message: "line 2: 'nosuchoption a b': Bad directive or wrong number of arguments" });
  t.deepEqual(parseArgs(['--latency-tracking-info-percentiles', '50', '99']).options, [['latency-tracking-info-percentiles', '50 99', 'command line: \'latency-tracking-info-percentiles "50" "99"\'', true]]);
});

test('appendfilename and appenddirname: a name inside dir, as Redis checks them (not empty, not a path)', (t) => {
  const c = new Config();
  for (const [option, what] of [['appendfilename', 'filename'], ['appenddirname', 'dirname']]) {
    t.throws(() => c.set(option, ''), { instanceOf: ConfigError, message: `${option} can't be empty` });
    t.throws(() => c.set(option, '../x'), { instanceOf: ConfigError, message: `${option} can't be a path, just a ${what}` });
    t.throws(() => c.set(option, 'a/b'), { instanceOf: ConfigError, message: `${option} can't be a path, just a ${what}` });
    c.set(option, 'my file'); // spaces are fine (the manifest quotes them)
    t.is(c.get(option), 'my file');
  }
});

test('onChange returns what stops the listener (a persistence dropped by CONFIG SET appendonly no is not kept alive)', (t) => {
  const c = new Config();
  const seen: string[] = [];
  const stop = c.onChange('hz', (v) => seen.push(v));
  c.set('hz', '20');
  stop();
  stop(); // twice is harmless
  c.set('hz', '30');
  t.deepEqual(seen, ['20']);
});

test('save lines add up across the file and the command line; save "" empties what came before (as Redis)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-save-'));
  const file = join(dir, 'ks.conf');
  writeFileSync(file, 'save 900 1\nhz 20\nsave 300 10\n');
  const save = (argv: string[]): string | undefined => parseArgs(argv).options.filter(([n]) => n === 'save').map(([, v]) => v).join('|') || undefined;
  t.is(save([file]), '900 1 300 10');
  t.is(save([file, '--save', '60', '10000']), '900 1 300 10 60 10000');
  t.is(save([file, '--save', '', '--save', '60 5']), '60 5');
  t.is(save(['--save', '60', '5']), '60 5');
  t.deepEqual(parseArgs([file]).options.map(([n]) => n), ['hz', 'save'], 'one save entry, where the last one was');
  writeFileSync(file, 'save abc 1\nsave ""\n');
  t.throws(() => parseArgs([file]), { instanceOf: ConfigError, message: /Invalid save parameters/ }, 'each line is checked, as Redis');
});

test('a non-ASCII path is the same bytes from a config file and from the command line, and fsPath names that file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-utf8-'));
  const path = join(dir, 'dä家');
  const conf = join(dir, 'ks.conf');
  writeFileSync(conf, Buffer.from(`dir "${path}"\n`, 'utf8'));
  const fromFile = parseArgs([conf]).options.find(([n]) => n === 'dir')![1];
  const fromArgv = parseArgs(['--dir', path]).options.find(([n]) => n === 'dir')![1];
  t.is(fromFile, fromArgv);
  t.is(fromFile, Buffer.from(path, 'utf8').toString('latin1'), 'a byte string, as values from the wire');
  t.is(fsPath(fromFile), path);
  t.is(byteString(path), fromFile);
});

test('include reads another file in place, patterns include every match in name order (none is fine), as Redis', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-include-'));
  mkdirSync(join(dir, 'conf.d'));
  mkdirSync(join(dir, 'empty.d'));
  writeFileSync(join(dir, 'conf.d', 'b.conf'), 'hz 30\n');
  writeFileSync(join(dir, 'conf.d', 'a.conf'), 'hz 20\ninclude "' + join(dir, 'deep.conf') + '"\n');
  writeFileSync(join(dir, 'deep.conf'), 'timeout 5\n');
  writeFileSync(join(dir, 'main.conf'), `port 7000\ninclude ${join(dir, 'conf.d', '*.conf')}\nINCLUDE ${join(dir, 'empty.d', '*.conf')}\nmaxmemory 1mb\n`);
  t.deepEqual(pairs([join(dir, 'main.conf'), '--hz', '40']), [
    ['port', '7000'], ['hz', '20'], ['timeout', '5'], ['hz', '30'], ['maxmemory', '1mb'], ['hz', '40'],
  ]);
  writeFileSync(join(dir, 'missing.conf'), `include ${join(dir, 'nope.conf')}\n`);
  t.throws(() => parseArgs([join(dir, 'missing.conf')]), { instanceOf: ConfigError, message: `Fatal error, can't open config file '${join(dir, 'nope.conf')}': No such file or directory` });
  writeFileSync(join(dir, 'loop.conf'), `include ${join(dir, 'loop.conf')}\ninclude ${join(dir, 'loop.conf')}\n`);
  t.throws(() => parseArgs([join(dir, 'loop.conf')]), { instanceOf: ConfigError, message: /loop\.conf includes itself/ });
  // As glob(3): hidden files and directories are not included.
  writeFileSync(join(dir, 'conf.d', '.hidden.conf'), 'hz 99\n');
  mkdirSync(join(dir, 'conf.d', 'sub.conf'));
  t.deepEqual(pairs([join(dir, 'main.conf')]).map(([, v]) => v), ['7000', '20', '5', '30', '1mb']);
});

test('a relative include is read from the last dir given (Redis chdirs there); --include on the command line too', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-include-rel-'));
  writeFileSync(join(dir, 'inc.conf'), 'hz 25\n');
  writeFileSync(join(dir, 'main.conf'), `dir ${dir}\ninclude inc.conf\n`);
  t.deepEqual(pairs([join(dir, 'main.conf')]), [['dir', dir], ['hz', '25']]);
  t.deepEqual(pairs(['--dir', dir, '--include', 'inc.conf', '--hz', '30']), [['dir', dir], ['hz', '25'], ['hz', '30']]);
  // Relative dirs are from the one before, for the data directory as for includes (Redis chdirs).
  mkdirSync(join(dir, 'a', 'b'), { recursive: true });
  writeFileSync(join(dir, 'a', 'b', 'inc.conf'), 'hz 26\n');
  writeFileSync(join(dir, 'rel.conf'), `dir ${dir}\ndir a\ndir b\ninclude inc.conf\n`);
  const opts = pairs([join(dir, 'rel.conf'), '--dir', '..']);
  t.deepEqual(opts.slice(-3), [['dir', join(dir, 'a', 'b')], ['hz', '26'], ['dir', join(dir, 'a')]]);
  // glob(3)'s [!...] negation.
  mkdirSync(join(dir, 'neg.d'));
  for (const f of ['a.conf', 'b.conf']) writeFileSync(join(dir, 'neg.d', f), `hz ${f === 'a.conf' ? 11 : 12}\n`);
  t.deepEqual(pairs(['--include', join(dir, 'neg.d', '[!a].conf')]), [['hz', '12']]);
  t.throws(() => parseArgs(['--dir', '']), { instanceOf: ConfigError, message: /No such file or directory/ }, "Redis's chdir(\"\") fails");
});

test('a bad value or directive read from a file names the file and line, as Redis ("at line N"); one from the command line names the line Redis makes of it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-conf-'));
  const main = join(dir, 'main.conf');
  const inc = join(dir, 'inc.conf');
  writeFileSync(inc, '# included\nhz 10\nmaxmemory lots\n');
  writeFileSync(main, `port 7000\ninclude ${inc}\n`);
  const apply = (argv: string[]): void => applyOptions(new Config(), parseArgs(argv).options);
  t.throws(() => apply([main]), { instanceOf: ConfigError, message: `${inc}, line 3: 'maxmemory lots': argument must be a memory value` });
  writeFileSync(main, 'port 7000\n\nfoo bar\n');
  t.throws(() => apply([main]), { instanceOf: ConfigError, message: `${main}, line 3: 'foo bar': Bad directive or wrong number of arguments` });
  writeFileSync(main, 'save 60 1\nsave 100 x\n');
  t.throws(() => apply([main]), { instanceOf: ConfigError, message: `${main}, line 2: 'save 100 x': Invalid save parameters` });
  t.throws(() => apply(['--port', 'abc']), { instanceOf: ConfigError, message: 'command line: \'port "abc"\': argument couldn\'t be parsed into an integer' });
});

test('of two bad lines the first is named, whatever is wrong with each, as redis-server sets each line as it reads it', (t) => {
  // redis-server 7.0.15 names line 1 (">>> 'port abc'") for each of these files.
  for (const second of ['hz 1 2', 'loadmodule x.so', 'include /nonexistent/x.conf', 'bla 1', 'save 1', 'hz "1']) {
    t.throws(() => parseConfigFile(`port abc\n${second}\n`), { instanceOf: ConfigError, message: "line 1: 'port abc': argument couldn't be parsed into an integer" }, second);
  }
  t.throws(() => parseArgs(['--port', 'abc', '--hz', '1', '2']), { instanceOf: ConfigError, message: 'command line: \'port "abc"\': argument couldn\'t be parsed into an integer' });
});

test('`-` as the first or last argument reads more configuration from stdin, after the file and before the options (as redis-server)', (t) => {
  // The config file is read by its absolute path, as Redis's getAbsolutePath makes it.
  const files: Record<string, string> = { [resolve('main.conf')]: 'hz 11\n', '-': 'hz 12\ntimeout 7\n' };
  const read = (path: string): string => files[path];
  const opts = (argv: string[]): [string, string][] => parseArgs(argv, read).options.map(([n, v]) => [n, v]);
  t.deepEqual(opts(['-']), [['hz', '12'], ['timeout', '7']]);
  t.deepEqual(opts(['main.conf', '--hz', '13', '-']), [['hz', '11'], ['hz', '12'], ['timeout', '7'], ['hz', '13']]);
  t.deepEqual(opts(['-', '--hz', '13']), [['hz', '12'], ['timeout', '7'], ['hz', '13']]);
  t.is(parseArgs(['-'], read).file, undefined, 'no config file: CONFIG REWRITE has none to write');
  files['-'] = 'port abc\n';
  t.throws(() => applyOptions(new Config(), parseArgs(['-'], read).options), { instanceOf: ConfigError, message: "(stdin), line 1: 'port abc': argument couldn't be parsed into an integer" });
  t.throws(() => parseArgs(['--hz', '-', '10'], read), { instanceOf: ConfigError, message: 'command line: \'hz "-" "10"\': wrong number of arguments' }, 'a - in the middle is a word');
});

test('command-line words as redis-server reads them: "--hz 10" in one argument, an option with no value yet takes a word starting with --', (t) => {
  // redis-server 7.0.15: "--port 23121" "--save ''" "--hz 33" starts with hz 33 and no save points;
  // --requirepass --secret sets the password "--secret".
  t.deepEqual(pairs(['--hz 33', "--save ''", '--requirepass', '--secret', '--bind', '127.0.0.1', '::1']), [
    ['hz', '33'], ['save', ''], ['requirepass', '--secret'], ['bind', '127.0.0.1 ::1'],
  ]);
  t.deepEqual(pairs(['--hz 33', '--port', '1']), [['hz', '33'], ['port', '1']], 'an option with its value in one word takes no more');
  t.deepEqual(pairs(['--requirepass "a b"']), [['requirepass', 'a b']], 'quotes as in a config line');
  t.throws(() => parseArgs(["--hz '3"]), { instanceOf: ConfigError, message: "command line: 'hz '3': Unbalanced quotes in configuration line" });
  // redis-server 7.0.15: with nothing to attach it to, a value is a line of its own ('"y"').
  t.throws(() => parseArgs(['--hz', '10', '--', 'y']), { instanceOf: ConfigError, message: 'command line: \'"y"\': Bad directive or wrong number of arguments' });
  // redis-server 7.0.15: a bare --save last or before another --option is --save "" (7.0.1's fix
  // for command lines generated from an empty list); any other bare option takes the next word.
  t.deepEqual(pairs(['--save', '--port', '7000']), [['save', ''], ['port', '7000']]);
  t.deepEqual(pairs(['--port', '7000', '--SAVE']), [['port', '7000'], ['SAVE', '']]);
  t.deepEqual(pairs(['--save', '60', '1', '--hz', '5']), [['save', '60 1'], ['hz', '5']]);
  t.deepEqual(pairs(['--requirepass', '--save']), [['requirepass', '--save']]);
});

// The literal texts below are redis-server 7.0.15's (test/process/argv.test.ts runs the same
// command lines against it and the bundle).
const applyArgs = (argv: string[]): void => applyOptions(new Config(), parseArgs(argv).options);

test('the command line is more lines of configuration, as redis-server makes it: a newline in an option starts another line, one in a value stays in it', (t) => {
  t.deepEqual(pairs(['--requirepass', 'a\nb']), [['requirepass', 'a\nb']]);
  t.deepEqual(pairs(['--port 7000\n']), [['port', '7000']]);
  t.deepEqual(pairs(['--hz 10\nport 7000']), [['hz', '10'], ['port', '7000']]);
  t.deepEqual(pairs(['--hz 10\n# a comment']), [['hz', '10']]);
  // Redis: ">>> 'hz'", "wrong number of arguments".
  t.throws(() => parseArgs(['--hz\n10']), { instanceOf: ConfigError, message: "command line: 'hz': wrong number of arguments" });
  // Redis: ">>> 'b'", "Bad directive or wrong number of arguments".
  t.throws(() => applyArgs(['--requirepass a\nb']), { instanceOf: ConfigError, message: "command line: 'b': Bad directive or wrong number of arguments" });
  // Redis: ">>> 'port \"7000\\n\"'"; the message stays one line.
  t.throws(() => applyArgs(['--port', '7000\n']), { instanceOf: ConfigError, message: 'command line: \'port "7000\\n"\': argument couldn\'t be parsed into an integer' });
  t.throws(() => parseArgs(['--hz', '1', '2\r']), { instanceOf: ConfigError, message: 'command line: \'hz "1" "2\\r"\': wrong number of arguments' });
});

test('a bare -- is a blank line, and what follows it a line of its own, as redis-server: last it changes nothing, before an option it refuses the start', (t) => {
  t.deepEqual(pairs(['--port', '7000', '--']), [['port', '7000']]);
  t.deepEqual(pairs(['--', 'hz', '10']), [['hz', '10']], 'the line \'"hz" "10"\'');
  t.deepEqual(pairs(['-- hz 10']), [['hz', '10']]);
  t.deepEqual(pairs(['--#hz 10']), [], 'a comment line');
  // Redis: ">>> '\"--hz\" \"20\"'", ">>> '\"\"'": "Bad directive or wrong number of arguments".
  t.throws(() => applyArgs(['--hz', '10', '--', '--hz', '20']), { instanceOf: ConfigError, message: 'command line: \'"--hz" "20"\': Bad directive or wrong number of arguments' });
  t.throws(() => applyArgs(['--port', '7000', '--', '']), { instanceOf: ConfigError, message: 'command line: \'""\': Bad directive or wrong number of arguments' });
  // An empty value is a word too. Redis: ">>> 'port \"7000\" \"\"'", "wrong number of arguments".
  t.throws(() => parseArgs(['--port', '7000', '']), { instanceOf: ConfigError, message: 'command line: \'port "7000" ""\': wrong number of arguments' });
});

test('an option of several words gets them as Redis\'s set function does: one argument is split again as a config line, several are the words', (t) => {
  // Redis: ">>> 'save \"900 1\" \"300 10\"'", "Invalid save parameters".
  t.throws(() => parseArgs(['--save', '900 1', '300 10']), { instanceOf: ConfigError, message: 'command line: \'save "900 1" "300 10"\': Invalid save parameters' });
  t.throws(() => parseArgs(['--save', '', '60 5']), { instanceOf: ConfigError, message: /Invalid save parameters/ });
  t.deepEqual(pairs(['--save', '900 1 300 10']), [['save', '900 1 300 10']]);
  t.deepEqual(pairs(['--save', '900  1']), [['save', '900 1']]);
  t.deepEqual(pairs(['--save', ' 900', '1']), [['save', '900 1']], 'strtoll skips leading spaces');
  t.deepEqual(pairs(['--save', "'900"]), [['save', '']], 'unbalanced quotes split into no words');
  t.throws(() => parseArgs(['--latency-tracking-info-percentiles', '50 99', '99.9']), { instanceOf: ConfigError, message: /Invalid latency-tracking-info-percentiles parameters$/ });
  t.deepEqual(pairs(['--latency-tracking-info-percentiles', '50  99']), [['latency-tracking-info-percentiles', '50 99']]);
  t.deepEqual(pairs(['--client-output-buffer-limit', 'normal', '0', '0', ' 5']), [['client-output-buffer-limit', 'normal 0 0 5']]);
  // Redis: ">>> 'client-output-buffer-limit \"\"'": one empty word (CONFIG SET's "" is none, and OK).
  t.throws(() => parseArgs(['--client-output-buffer-limit', '']), { instanceOf: ConfigError, message: 'command line: \'client-output-buffer-limit ""\': Wrong number of arguments in buffer limit configuration.' });
  t.throws(() => parseConfigFile('hz 10\nclient-output-buffer-limit ""\n'), { instanceOf: ConfigError, message: "line 2: 'client-output-buffer-limit \"\"': Wrong number of arguments in buffer limit configuration." });
  t.deepEqual(parseConfigFile('save "900  1"\n').map(([n, v]) => [n, v]), [['save', '900 1']]);
  t.is(reason('save', '900  1'), 'Invalid save parameters', 'CONFIG SET splits at each space');
  t.is(reason('client-output-buffer-limit', ''), 'ok');
});

test('a config line is trimmed of spaces, tabs, CR and LF only, as Redis: a value ending in byte \\xa0 ("à" in UTF-8) keeps it', (t) => {
  t.deepEqual(parseConfigFile('requirepass l\xc3\xa0\n').map(([n, v]) => [n, v]), [['requirepass', 'l\xc3\xa0']]);
  t.deepEqual(parseConfigFile('\thz 10 \r\n').map(([n, v]) => [n, v]), [['hz', '10']]);
  t.throws(() => parseConfigFile('hz "10\n'), { instanceOf: ConfigError, message: "line 1: 'hz \"10': Unbalanced quotes in configuration line" });
});

test('the config file argument as redis-server takes it: trimmed, absolute, and "" or a directory reads as empty (fopen() of a directory works)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-conf-arg-'));
  const file = join(dir, 'ks.conf');
  writeFileSync(file, 'hz 20\n');
  t.deepEqual(parseArgs(['', '--hz', '10']), { file: process.cwd(), options: [['hz', '10', 'command line: \'hz "10"\'']], stdin: undefined });
  t.deepEqual(pairs([dir]), []);
  t.deepEqual(parseArgs([`${file}\n`]), { file, options: [['hz', '20', `${file}, line 1: 'hz 20'`]], stdin: undefined });
  t.throws(() => parseArgs([join(dir, 'nope.conf')]), { instanceOf: ConfigError, message: `Fatal error, can't open config file '${join(dir, 'nope.conf')}': No such file or directory` });
});

test('CONFIG REWRITE keeps the file\'s mode (a private file holding requirepass stays private) and leaves no temp file; a failure is strerror text', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-rewrite-mode-'));
  const file = join(dir, 'ks.conf');
  writeFileSync(file, 'port 7000\n');
  chmodSync(file, 0o640);
  const c = new Config();
  c.set('requirepass', 'secret');
  t.is(rewriteConfigFile(file, c), null);
  t.is(statSync(file).mode & 0o777, 0o640);
  t.regex(readFileSync(file, 'latin1'), /requirepass "secret"/);
  t.deepEqual(readdirSync(dir), ['ks.conf']);
  // A directory where the file should be: rename fails, as Redis's reply says, and no temp is left.
  const bad = join(dir, 'sub.conf');
  mkdirSync(join(bad, 'x'), { recursive: true });
  t.is(rewriteConfigFile(bad, c), 'Is a directory');
  t.deepEqual(readdirSync(dir).sort(), ['ks.conf', 'sub.conf']);
});

test('a value of several words has at most MAX_WORDS (2^26) of them, counted before the split (268M words had ended the process)', (t) => {
  t.is(MAX_WORDS, 2 ** 26);
  t.deepEqual(setWords('a b  c', 4), ['a', 'b', '', 'c']);
  t.deepEqual(setWords('', 0), []);
  t.throws(() => setWords('a b  c', 3), { instanceOf: ConfigError, message: "more than 3 words (Keystonelight's limit)" });
});

// Needs about 2.5 GB: the value, its line, and the file read back by the second rewrite.
test('CONFIG REWRITE of a value as long as a string can be: the file written whole, as redis-server 7.0.15 writes it (an internal error before), and read back by the next rewrite', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-rewrite-long-'));
  const c = new Config();
  c.set('dir', dir);
  /** The file after a rewrite with masterauth `value`, then one with it unset. */
  const twice = (name: string, value: string): [Buffer, Buffer] => {
    const file = join(dir, name);
    writeFileSync(file, 'port 7000\n# a comment\n');
    c.set('masterauth', value);
    t.is(rewriteConfigFile(file, c), null);
    const first = readFileSync(file);
    c.set('masterauth', '');
    t.is(rewriteConfigFile(file, c), null);
    return [first, readFileSync(file)];
  };
  const [short, shortAfter] = twice('short.conf', 'x');
  const n = constants.MAX_STRING_LENGTH;
  const [long, longAfter] = twice('long.conf', 'a'.repeat(n));
  // The long file is the short one with n a's for the x: its line (n + 13 bytes) is longer than a string can be.
  const at = short.indexOf('masterauth "x"') + 'masterauth "'.length;
  t.is(long.length, short.length - 1 + n);
  t.true(long.subarray(0, at).equals(short.subarray(0, at)));
  t.true(long.subarray(at + n).equals(short.subarray(at + 1)));
  t.true(long[at] === 97 && long.subarray(at, at + n - 1).equals(long.subarray(at + 1, at + n)), 'all a');
  // Read back, the long line is the option's and left blank, as the short one.
  t.is(longAfter.toString('latin1'), shortAfter.toString('latin1'));
});
