// The AOF loader on hand-built files: complete files, a tail truncated at every byte offset of the
// last command (cut off, or refused with aof-load-truncated no), garbage in the middle (refused,
// file untouched), empty files, SELECT only, annotations, MULTI/EXEC blocks, RDB preambles, and
// Redis 7 manifests.

import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AofFormatError, loadFilesSync, UNKNOWN_COMMAND, type LoadSink } from '../../src/persistence/loader.js';
import { Manifest } from '../../src/persistence/manifest.js';
import { aofBytes } from '../helpers/aof.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ks-loader-'));
}

interface Recorded {
  sink: LoadSink;
  cmds: string[][];
  warnings: string[];
}

function recorder(truncate = true): Recorded {
  const cmds: string[][] = [];
  const warnings: string[] = [];
  const sink: LoadSink = {
    replay: (args) => {
      cmds.push(args);
      return null;
    },
    notice: () => {},
    warning: (m) => warnings.push(m),
    truncate,
  };
  return { sink, cmds, warnings };
}

const progress = () => ({ totalBytes: 0, loadedBytes: 0, startedAt: Date.now() });

function load(path: string | string[], truncate = true): Recorded {
  const r = recorder(truncate);
  loadFilesSync(Array.isArray(path) ? path : [path], r.sink, progress());
  return r;
}

const CMDS = [['SELECT', '0'], ['SET', 'a', '1'], ['INCR', 'a'], ['SET', 'bin', 'x\r\n\x00\xff'], ['APPEND', 'bin', 'yz']];

test('a complete file replays every command in order, binary-safe', (t) => {
  const f = join(tmp(), 'a.aof');
  writeFileSync(f, aofBytes(...CMDS));
  const r = load(f);
  t.deepEqual(r.cmds, CMDS);
  t.deepEqual(r.warnings, []);
});

test('values longer than a read (8 MB) load whole, and a file cut inside one drops that command alone', (t) => {
  // The loader reads the rest of a long bulk at once (it was 8 MB at a time, each concatenated).
  const big = (c: string, n: number): string => c.repeat(n);
  const cmds = [['SELECT', '0'], ['SET', 'a', big('a', 20_000_000)], ['SET', 'b', '1'], ['MSET', 'c', big('c', 9_000_000), 'd', big('d', 17_000_000)], ['SET', 'e', '2']];
  const bytes = aofBytes(...cmds);
  const f = join(tmp(), 'big.aof');
  writeFileSync(f, bytes);
  const r = load(f);
  t.is(r.cmds.length, cmds.length);
  t.true(r.cmds.every((c, i) => c.length === cmds[i].length && c.every((a, j) => a === cmds[i][j])), 'every argument as written');
  // Cut inside the MSET: at its first value, inside it, inside its second value, one byte short.
  const at = bytes.indexOf('*5\r\n$4\r\nMSET');
  for (const cut of [at + 30, at + 5_000_000, at + 9_000_100, bytes.indexOf('*3\r\n$3\r\nSET\r\n$1\r\ne') - 1]) {
    writeFileSync(f, bytes.subarray(0, cut));
    const cutLoad = load(f);
    t.deepEqual(cutLoad.cmds.map((c) => c[1]), ['0', 'a', 'b'], `cut at ${cut}`);
    t.is(readFileSync(f).length, at, 'the file cut back to the last whole command');
  }
});

test('an empty file and a file with only SELECT load as empty datasets', (t) => {
  const d = tmp();
  writeFileSync(join(d, 'empty.aof'), '');
  t.deepEqual(load(join(d, 'empty.aof')).cmds, []);
  writeFileSync(join(d, 'select.aof'), aofBytes(['SELECT', '5']));
  t.deepEqual(load(join(d, 'select.aof')).cmds, [['SELECT', '5']]);
});

test('a last command truncated at every byte offset is cut off with a warning naming the offset', (t) => {
  const whole = aofBytes(...CMDS);
  const lastStart = aofBytes(...CMDS.slice(0, -1)).length;
  const d = tmp();
  for (let cut = lastStart + 1; cut < whole.length; cut++) {
    const f = join(d, `t${cut}.aof`);
    writeFileSync(f, whole.subarray(0, cut));
    const r = load(f);
    t.deepEqual(r.cmds, CMDS.slice(0, -1), `cut at ${cut}`);
    t.true(r.warnings.includes(`!!! Truncating the AOF t${cut}.aof at offset ${lastStart} !!!`), r.warnings.join(`\n`));
    t.true(r.warnings.includes(`Dropped the last ${cut - lastStart} bytes of ${f}: an incomplete last command`), r.warnings.join(`\n`));
    // redis-server 7.0.15's three lines in a row, as it logs them, then ours.
    t.deepEqual(r.warnings.slice(-4), [
      `!!! Warning: short read while loading the AOF file t${cut}.aof!!!`,
      `!!! Truncating the AOF t${cut}.aof at offset ${lastStart} !!!`,
      `AOF t${cut}.aof loaded anyway because aof-load-truncated is enabled`,
      `Dropped the last ${cut - lastStart} bytes of ${f}: an incomplete last command`,
    ]);
    t.is(readFileSync(f).length, lastStart, 'the file is truncated to its last complete command');
  }
});

test('with aof-load-truncated no a truncated file is refused and left untouched', (t) => {
  const whole = aofBytes(...CMDS);
  const f = join(tmp(), 'a.aof');
  const cut = whole.subarray(0, whole.length - 3);
  writeFileSync(f, cut);
  const e = t.throws(() => load(f, false), { instanceOf: AofFormatError });
  t.regex(e!.message, /Unexpected end of file .* at offset \d+ .*aof-load-truncated/);
  t.deepEqual(readFileSync(f), cut);
});

test('garbage in the middle refuses the load, names the offset and redis-check-aof, and leaves the file alone', (t) => {
  const good = aofBytes(['SET', 'a', '1']);
  const cases: [string, Buffer][] = [
    ['not a command', Buffer.from('hello world\r\n')],
    ['bad multibulk length', Buffer.from('*x\r\n$3\r\nSET\r\n')],
    ['bad bulk length', Buffer.from('*1\r\n$-3\r\nSET\r\n')],
    ['bulk not followed by CRLF', Buffer.from('*1\r\n$3\r\nSETXX*1\r\n')],
    ['missing $', Buffer.from('*2\r\n$3\r\nSET\r\n:1\r\n')],
    ['zero arguments', Buffer.from('*0\r\n')],
    ['a huge declared count', Buffer.from('*99999999999\r\n$3\r\nSET\r\n:1\r\n')],
    ['stray CRLF', Buffer.from('\r\n')],
  ];
  for (const [name, junk] of cases) {
    const f = join(tmp(), 'a.aof');
    const bytes = Buffer.concat([good, junk, good]);
    writeFileSync(f, bytes);
    const e = t.throws(() => load(f), { instanceOf: AofFormatError }, name);
    const at = Number(/at offset (\d+)/.exec(e!.message)?.[1]);
    t.true(at >= good.length && at < good.length + junk.length, `${name}: ${e!.message}`);
    t.true(e!.message.includes('redis-check-aof --fix'), name);
    t.deepEqual(readFileSync(f), bytes, `${name}: file unchanged`);
  }
});

test('the offset named for garbage is where the bad byte is', (t) => {
  const good = aofBytes(['SET', 'a', '1'], ['SET', 'b', '2']);
  const f = join(tmp(), 'a.aof');
  writeFileSync(f, Buffer.concat([good, Buffer.from('GARBAGE'), good]));
  const e = t.throws(() => load(f), { instanceOf: AofFormatError });
  t.true(e!.message.includes(`at offset ${good.length} `), e!.message);
});

test('annotations (#TS:...) are skipped', (t) => {
  const f = join(tmp(), 'a.aof');
  writeFileSync(f, Buffer.concat([Buffer.from('#TS:1700000000\r\n'), aofBytes(['SET', 'a', '1'])]));
  t.deepEqual(load(f).cmds, [['SET', 'a', '1']]);
  // The last line without its newline is a whole annotation (Redis's fgets): nothing truncated.
  const g = join(tmp(), 'b.aof');
  writeFileSync(g, Buffer.concat([aofBytes(['SET', 'a', '1']), Buffer.from('#TS:1700000001')]));
  const before = readFileSync(g).length;
  const r = load(g, false);
  t.deepEqual(r.cmds, [['SET', 'a', '1']]);
  t.deepEqual(r.warnings, []);
  t.is(readFileSync(g).length, before);
});

test('EXEC without MULTI: logged as Redis logs the error its AOF client gets, and loading goes on', (t) => {
  const f = join(tmp(), 'a.aof');
  writeFileSync(f, aofBytes(['SET', 'a', '1'], ['EXEC'], ['SET', 'b', '2']));
  const r = load(f);
  t.deepEqual(r.cmds, [['SET', 'a', '1'], ['SET', 'b', '2']]);
  t.deepEqual(r.warnings, ["== CRITICAL == This server is sending an error to its AOF-loading-client: 'EXEC without MULTI' after processing the command 'exec'"]);
});

test('a MULTI inside a block (Redis 7.0 leaves one when it cuts off a torn block): logged as Redis logs it, and the block is replayed at its EXEC', (t) => {
  const f = join(tmp(), 'a.aof');
  // What Redis 7.0 writes after cutting a torn block at its MULTI's end: the MULTI stays, later effects follow.
  writeFileSync(f, aofBytes(['SET', 'a', '1'], ['MULTI'], ['SET', 'x', '1'], ['MULTI'], ['DEL', 'a'], ['SET', 'b', '2'], ['EXEC'], ['SET', 'c', '3']));
  const r = load(f);
  t.deepEqual(r.cmds, [['SET', 'a', '1'], ['SET', 'x', '1'], ['DEL', 'a'], ['SET', 'b', '2'], ['SET', 'c', '3']]);
  t.deepEqual(r.warnings, ["== CRITICAL == This server is sending an error to its AOF-loading-client: 'MULTI calls can not be nested' after processing the command 'exec'"]);
  // Without its EXEC, the whole block is cut off from the outer MULTI.
  const before = aofBytes(['SET', 'a', '1']).length;
  writeFileSync(f, aofBytes(['SET', 'a', '1'], ['MULTI'], ['SET', 'x', '1'], ['MULTI'], ['SET', 'b', '2']));
  t.deepEqual(load(f).cmds, [['SET', 'a', '1']]);
  t.is(readFileSync(f).length, before);
});

test('MULTI/EXEC blocks are replayed at EXEC; a block cut off by the end of the file is dropped whole', (t) => {
  const d = tmp();
  const block = [['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['EXEC']];
  const f = join(d, 'a.aof');
  writeFileSync(f, aofBytes(['SET', 'x', 'y'], ...block));
  t.deepEqual(load(f).cmds, [['SET', 'x', 'y'], ['SET', 'a', '1'], ['INCR', 'a']]);
  const before = aofBytes(['SET', 'x', 'y']).length;
  writeFileSync(f, aofBytes(['SET', 'x', 'y'], ...block.slice(0, 3)));
  const r = load(f);
  t.deepEqual(r.cmds, [['SET', 'x', 'y']]);
  t.true(r.warnings.includes('Revert incomplete MULTI/EXEC transaction in AOF file a.aof'), r.warnings.join('\n'));
  // Whole commands, not an incomplete one: our own line says so.
  const dropped = aofBytes(...block.slice(0, 3)).length;
  t.true(r.warnings.includes(`Dropped the last ${dropped} bytes of ${f}: a MULTI block without its EXEC`), r.warnings.join('\n'));
  t.is(readFileSync(f).length, before);
});

test('an RDB preamble is refused with a clear message', (t) => {
  const f = join(tmp(), 'a.aof');
  writeFileSync(f, Buffer.concat([Buffer.from('REDIS0010\xfa\x09redis-ver', 'latin1'), aofBytes(['SET', 'a', '1'])]));
  const e = t.throws(() => load(f), { instanceOf: AofFormatError });
  t.regex(e!.message, /RDB preamble, which is not supported.*aof-use-rdb-preamble no/);
});

test('a Redis 7 manifest: base first, then incr files in order; history skipped; keys in any case, names quoted or not', (t) => {
  const d = tmp();
  const dir = join(d, 'appendonlydir');
  mkdirSync(dir);
  writeFileSync(join(dir, 'appendonly.aof.3.base.aof'), aofBytes(['SET', 'a', '1']));
  writeFileSync(join(dir, 'appendonly.aof.3.incr.aof'), aofBytes(['INCR', 'a']));
  writeFileSync(join(dir, 'appendonly.aof.4.incr.aof'), aofBytes(['INCR', 'a']));
  writeFileSync(join(dir, 'appendonly.aof.manifest'), [
    'file appendonly.aof.2.base.aof seq 2 type h',
    'file appendonly.aof.3.incr.aof seq 3 type i',
    'file appendonly.aof.3.base.aof seq 3 type b',
    '# a comment line',
    'FILE "appendonly.aof.4.incr.aof" SEQ 4 TYPE i',
    '',
  ].join('\n'));
  const files = Manifest.read(dir, 'appendonly.aof').dataFiles();
  t.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['appendonly.aof.3.base.aof', 'appendonly.aof.3.incr.aof', 'appendonly.aof.4.incr.aof']);
  t.deepEqual(load(files).cmds, [['SET', 'a', '1'], ['INCR', 'a'], ['INCR', 'a']]);
});

test('a manifest with an RDB base, a missing file or a bad line is refused clearly', (t) => {
  const dir = tmp();
  const read = (text: string) => {
    writeFileSync(join(dir, 'm.manifest'), text);
    return Manifest.read(dir, 'm').dataFiles();
  };
  writeFileSync(join(dir, 'appendonly.aof.1.base.rdb'), 'REDIS0010');
  t.throws(() => read('file appendonly.aof.1.base.rdb seq 1 type b\n'), { message: /is an RDB file, which is not supported/ });
  t.throws(() => read('file nothere.aof seq 1 type b\n'), { message: 'Unable to obtain the AOF file nothere.aof length. stat: No such file or directory' });
  t.throws(() => read('hello\n'), { message: /Invalid AOF manifest/ });
  t.throws(() => read('file a seq 1 type b\nfile b seq 2 type b\n'), { message: /duplicate base file/ });
});

test('a manifest Redis refuses is refused, with its texts: nothing is replayed twice or read outside the directory', (t) => {
  const dir = tmp();
  const read = (text: string) => {
    writeFileSync(join(dir, 'm.manifest'), text);
    return Manifest.read(dir, 'm');
  };
  const refused: [string, RegExp][] = [
    ['', /Found an empty AOF manifest/],
    ['\n', /Invalid AOF manifest file format/],
    ['file a seq 1 type b', /contains too long line/],
    [`file ${'a'.repeat(1100)} seq 1 type b\n`, /contains too long line/],
    ['file ../victim.txt seq 1 type h\n', /File can't be a path, just a filename/],
    ['file sub/a seq 1 type b\n', /File can't be a path/],
    ['file a seq 1 type b\nfile i seq 1 type i\nfile i seq 1 type i\n', /Found a non-monotonic sequence number/],
    ['file i seq 2 type i\nfile j seq 1 type i\n', /non-monotonic/],
    ['file a seq 0 type b\n', /Invalid AOF manifest file format/],
    ['file a seq 1 type b foo\n', /Invalid AOF manifest file format/],
    ['file a seq 1\n', /Invalid AOF manifest file format/],
    ['file "a seq 1 type b\n', /Invalid AOF manifest file format/],
    ['file a seq 1 type x\n', /Unknown AOF file type/],
  ];
  for (const [text, why] of refused) t.throws(() => read(text), { instanceOf: AofFormatError, message: why }, JSON.stringify(text));
  // Accepted as Redis does: extra pairs (forward compatibility), a type read by its first letter.
  t.is(read('file a seq 1 type base extra 1\n').base?.file, 'a');
  t.deepEqual(read('# only a comment\n').incrs, []);
});

test('a file name with spaces or quotes is written quoted, as Redis, and read back', (t) => {
  const dir = tmp();
  const it = new Manifest(dir, "it's.aof");
  it.setBase(it.nextBase());
  t.is(it.text(), 'file "it\'s.aof.1.base.aof" seq 1 type b\n', "a single quote too: sdssplitargs would start a quoted word at it");
  writeFileSync(it.path, it.text());
  t.is(Manifest.read(dir, "it's.aof").base?.file, "it's.aof.1.base.aof");
  const m = new Manifest(dir, 'my "odd" file.aof');
  m.setBase(m.nextBase());
  m.addIncr();
  t.is(m.text(), 'file "my \\"odd\\" file.aof.1.base.aof" seq 1 type b\nfile "my \\"odd\\" file.aof.1.incr.aof" seq 1 type i\n');
  writeFileSync(m.path, m.text());
  const back = Manifest.read(dir, 'my "odd" file.aof');
  t.is(back.base?.file, 'my "odd" file.aof.1.base.aof');
  t.is(back.lastIncr?.file, 'my "odd" file.aof.1.incr.aof');
});

test('a truncated file that is not the last one is refused, left whole, with the fix that works: redis-check-aof --fix on that file', (t) => {
  const d = tmp();
  const cut = aofBytes(['SET', 'a', '1']).subarray(0, 10);
  writeFileSync(join(d, 'a'), cut);
  writeFileSync(join(d, 'b'), aofBytes(['SET', 'b', '1']));
  const e = t.throws(() => load([join(d, 'a'), join(d, 'b')]), { message: /not the last AOF file/ });
  // On the manifest redis-check-aof refuses ("Failed to truncate AOF ... because it is not the last file").
  t.true(e!.message.includes(`redis-check-aof --fix ${join(d, 'a')} (on that file`), e!.message);
  t.deepEqual(readFileSync(join(d, 'a')), cut, 'not truncated');
});

test("an unknown command stops the load with Redis 7.0's line, naming the file as Redis does (its bare name)", (t) => {
  const f = join(tmp(), 'appendonly.aof.1.incr.aof');
  writeFileSync(f, aofBytes(['SET', 'a', '1'], ['bla\x00hidden', 'k']));
  const r = recorder();
  r.sink.replay = (args) => (args[0] === 'SET' ? null : UNKNOWN_COMMAND);
  // The name as C's %s prints it: up to a NUL.
  t.throws(() => loadFilesSync([f], r.sink, progress()), { message: "Unknown command 'bla' reading the append only file appendonly.aof.1.incr.aof" });
});

test('a replay error other than an unknown command (a wrong number of arguments) stops the load naming the offset', (t) => {
  const f = join(tmp(), 'a.aof');
  writeFileSync(f, aofBytes(['SET', 'a', '1'], ['GET']));
  const r = recorder();
  r.sink.replay = (args) => (args.length === 1 ? "ERR wrong number of arguments for 'get' command" : null);
  t.throws(() => loadFilesSync([f], r.sink, progress()), { message: new RegExp(`wrong number of arguments for 'get' command at offset ${aofBytes(['SET', 'a', '1']).length}`) });
});

test('large files load across slices and chunks with exact progress', (t) => {
  const f = join(tmp(), 'a.aof');
  const cmds: string[][] = [];
  for (let i = 0; i < 50000; i++) cmds.push(['SET', `k${i}`, 'v'.repeat(i % 300)]);
  const bytes = aofBytes(...cmds);
  writeFileSync(f, bytes);
  const r = recorder();
  const p = progress();
  const n = loadFilesSync([f], r.sink, p);
  t.is(n, 50000);
  t.is(r.cmds.length, 50000);
  t.deepEqual(r.cmds[49999], cmds[49999]);
  t.is(p.totalBytes, bytes.length);
  t.is(p.loadedBytes, bytes.length);
});

test('every argument comes back byte for byte: all lengths and byte values, names of any case, multi/exec in lower case', (t) => {
  const f = join(tmp(), 'a.aof');
  const cmds: string[][] = [];
  for (let len = 0; len <= 40; len++) {
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode((len * 31 + i * 7) % 256);
    cmds.push(['SET', s, s.split('').reverse().join('')]);
    cmds.push([`x${s}`.slice(0, Math.max(1, len)), s]); // names of every length, repeated or not
  }
  const block = [['multi'], ['Set', 'a', '1'], ['iNcR', 'a'], ['exec']];
  const notBlock = [['MULTI', 'x'], ['EXEC', 'y']]; // with arguments they are plain commands
  writeFileSync(f, aofBytes(...cmds, ...block, ...notBlock));
  t.deepEqual(load(f).cmds, [...cmds, ['Set', 'a', '1'], ['iNcR', 'a'], ...notBlock]);
});
