// An old-style `<dir>/appendonly.aof` next to an AOF directory with a manifest, decided as Redis
// 7.0's loadAppendOnlyFiles decides it (src/aof.c, "If the 'server.aof_filename' file exists in
// dir"): moved in only when the manifest names no base and no incr file, or only the base
// `appendonly.aof` while no file of that name is in the directory; otherwise the manifest is
// followed and the old file left alone (a warning names it). Each layout was started on
// redis-server 7.0.15 for its outcome.

import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareLayout } from '../../src/persistence/layout.js';
import { realFileIO } from '../../src/persistence/fileio.js';
import { aofBytes } from '../helpers/aof.js';

const OLD = aofBytes(['SET', 'k1', 'v1']);
const INSIDE = aofBytes(['SET', 'k4', 'v4']);

/** `dir` with the old-style file, and an appendonlydir holding `manifest` and `files`. */
function layout(manifest: string, files: Record<string, Buffer>): { dir: string; aofDir: string; start: () => { files: string[]; warnings: string[]; notices: string[] } } {
  const dir = mkdtempSync(join(tmpdir(), 'ks-upgrade-'));
  const aofDir = join(dir, 'appendonlydir');
  mkdirSync(aofDir);
  writeFileSync(join(dir, 'appendonly.aof'), OLD);
  writeFileSync(join(aofDir, 'appendonly.aof.manifest'), manifest);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(aofDir, name), bytes);
  const start = () => {
    const warnings: string[] = [];
    const notices: string[] = [];
    const log = { notice: (m: string) => notices.push(m), warning: (m: string) => warnings.push(m) };
    const r = prepareLayout({ dir, filename: 'appendonly.aof', dirname: 'appendonlydir' }, realFileIO, log);
    return { files: r.files, warnings, notices };
  };
  return { dir, aofDir, start };
}

const manifestOf = (aofDir: string): string => readFileSync(join(aofDir, 'appendonly.aof.manifest'), 'latin1');

test('a manifest naming a base and an incr file is followed: the old-style file is ignored (a warning names it) and left as it was', (t) => {
  const manifest = 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n';
  const l = layout(manifest, { 'appendonly.aof.1.base.aof': INSIDE, 'appendonly.aof.1.incr.aof': Buffer.alloc(0) });
  const r = l.start();
  t.deepEqual(r.files, [join(l.aofDir, 'appendonly.aof.1.base.aof'), join(l.aofDir, 'appendonly.aof.1.incr.aof')]);
  t.deepEqual(readFileSync(join(l.dir, 'appendonly.aof')), OLD, 'left alone');
  t.is(manifestOf(l.aofDir), manifest, 'the manifest is not rewritten');
  t.is(r.warnings.length, 1);
  t.true(r.warnings[0].startsWith(`${join(l.dir, 'appendonly.aof')} (an old-style AOF) is ignored`), r.warnings[0]);
  t.notRegex(r.notices.join('\n'), /migrated/);
});

test("a manifest whose only base is appendonly.aof, with a copy of it in the directory: the directory's copy is loaded (Redis's aof-multi-part test 19)", (t) => {
  const manifest = 'file appendonly.aof seq 1 type b\n';
  const l = layout(manifest, { 'appendonly.aof': INSIDE });
  const r = l.start();
  t.deepEqual(r.files, [join(l.aofDir, 'appendonly.aof')]);
  t.deepEqual(readFileSync(join(l.aofDir, 'appendonly.aof')), INSIDE, "the directory's copy, not replaced");
  t.deepEqual(readFileSync(join(l.dir, 'appendonly.aof')), OLD, 'left alone');
  t.is(manifestOf(l.aofDir), manifest);
  t.is(r.warnings.length, 1);
});

test('a manifest naming no base and no incr file (history only): the old-style file is moved in as its base', (t) => {
  const l = layout('file appendonly.aof.1.base.aof seq 1 type h\n', {});
  const r = l.start();
  t.deepEqual(r.files, [join(l.aofDir, 'appendonly.aof')]);
  t.false(existsSync(join(l.dir, 'appendonly.aof')), 'moved');
  t.deepEqual(readFileSync(join(l.aofDir, 'appendonly.aof')), OLD);
  // As Redis's aofUpgradePrepare, the manifest's other entries stay (history is dropped once loaded).
  t.is(manifestOf(l.aofDir), 'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.base.aof seq 1 type h\n');
  t.deepEqual(r.warnings, []);
  t.regex(r.notices.join('\n'), /Successfully migrated an old-style AOF file \(appendonly\.aof\) into the AOF directory \(appendonlydir\)\./);
});

test('a migration stopped after its manifest (base appendonly.aof, no incr, not in the directory) is finished', (t) => {
  const l = layout('file appendonly.aof seq 1 type b\n', {});
  t.deepEqual(l.start().files, [join(l.aofDir, 'appendonly.aof')]);
  t.false(existsSync(join(l.dir, 'appendonly.aof')));
  t.deepEqual(readFileSync(join(l.aofDir, 'appendonly.aof')), OLD);
});

test('a manifest naming the base appendonly.aof and an incr file, the base only in dir: followed, so the missing base refuses the start (redis-server: "Unable to obtain the AOF file appendonly.aof length")', (t) => {
  const l = layout('file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n', { 'appendonly.aof.1.incr.aof': Buffer.alloc(0) });
  t.throws(() => l.start(), { message: 'Unable to obtain the AOF file appendonly.aof length. stat: No such file or directory' });
  t.deepEqual(readFileSync(join(l.dir, 'appendonly.aof')), OLD, 'not moved');
});

test('an upgrade that would replace a file of the same name in the directory is refused (Redis asserts)', (t) => {
  const l = layout('file appendonly.aof.1.base.aof seq 1 type h\n', { 'appendonly.aof': INSIDE });
  t.throws(() => l.start(), { message: /refusing to replace one with the other/ });
  t.deepEqual(readFileSync(join(l.aofDir, 'appendonly.aof')), INSIDE);
  t.deepEqual(readFileSync(join(l.dir, 'appendonly.aof')), OLD);
});
