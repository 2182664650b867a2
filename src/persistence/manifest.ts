// Redis 7's multi-part AOF layout: `<dir>/<appenddirname>/` holds one base file (the dataset as
// of the last rewrite), incr files (every write since, in sequence order) and a manifest naming
// them, one line each: `file appendonly.aof.2.base.aof seq 2 type b`, `... type i` for incr files
// and `type h` for history (files a rewrite replaced, deleted in the background). The data is the
// base replayed, then the incr files in order. The manifest is replaced atomically (a temp file,
// fsync, rename, directory fsync), so at every instant it names a complete dataset.
//
// Why this layout (besides being Redis 7's, so redis-server and redis-check-aof read it as is): a
// rewrite starts a new incr file and never copies the writes made during it. With one file, every
// write during a rewrite went to the old file and again to the new one at its end, which doubled
// the disk traffic of write-heavy loads and made rewrites outlast themselves (profile: bench MSET
// -P 16 -d 100, rewrites of 1.4-3.2 s back to back, 0.71x Redis).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError, unlinkQuietly, type FileIO } from './fileio.js';
import { splitArgs } from '../protocol/splitargs.js';
import { byteString, fsPath, repr } from '../config-values.js';
import { AOF_IO } from '../errors.js';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  file: string;
  seq: number;
  type: AofFileType;
}

export class AofFormatError extends Error {}

/** Redis's MANIFEST_MAX_LINE: fgets reads a line of up to 1024 bytes, its newline included. */
const MANIFEST_MAX_LINE = 1024;
/**
 * Redis's sdsneedsrepr (a backslash, a double quote, whitespace or a byte that is not printable
 * ASCII), plus the single quote: sdssplitargs starts a quoted word at one, so a name holding one
 * must be quoted to be read back (Redis 7.0 writes it bare, and then cannot restart).
 */
const NEEDS_REPR = /[\\"'\s\x00-\x1f\x7f-\xff]/;

/** C's atoll: optional spaces and sign, then the leading digits; 0 when there are none. */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(m[1]);
}

export const PREAMBLE_HINT = "Keystonelight reads only AOF-format data: in Redis, set 'aof-use-rdb-preamble no', run BGREWRITEAOF, then load the new files";

export class Manifest {
  base: AofFileInfo | null = null;
  incrs: AofFileInfo[] = [];
  history: AofFileInfo[] = [];
  /** Highest sequence numbers seen (as Redis's curr_base_file_seq / curr_incr_file_seq). */
  private baseSeq = 0;
  private incrSeq = 0;

  /** `dir`: the AOF directory; `filename`: appendfilename, the prefix of every name. */
  constructor(readonly dir: string, readonly filename: string) {}

  get path(): string {
    return join(this.dir, `${this.filename}.manifest`);
  }

  /**
   * Reads `<dir>/<filename>.manifest` with the checks of Redis's aofLoadManifestFromFile, and its
   * error texts: an empty file, a line without its newline (or over 1024 bytes), a blank line, a
   * line that is not `key value` pairs (quoted as sdssplitargs reads them, keys in any case) with
   * a file name, a sequence number and a type, a file name with a path, two bases, incr files
   * whose sequence numbers do not increase, an unknown type. Anything it accepts can be trusted
   * not to name files outside the directory. One file named twice (as the base and as an incr
   * file, or as two incr files) is replayed twice, as by Redis, which checks no more than this.
   */
  static read(dir: string, filename: string): Manifest {
    const m = new Manifest(dir, filename);
    let text: string;
    try {
      text = readFileSync(m.path, 'latin1');
    } catch (e) {
      throw fileError(AOF_IO.readManifest(m.path), e);
    }
    if (text.length === 0) throw m.formatError('Found an empty AOF manifest');
    const lines = text.split('\n');
    const last = lines.pop()!; // after the final newline: '' in a well-formed file
    if (last !== '' && !last.startsWith('#')) throw m.formatError('The AOF manifest file contains too long line', lines.length + 1, last);
    lines.forEach((raw, i) => {
      if (raw.startsWith('#')) return;
      const fail = (why: string): AofFormatError => m.formatError(why, i + 1, raw);
      if (raw.length >= MANIFEST_MAX_LINE) throw fail('The AOF manifest file contains too long line');
      const words = splitArgs(raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, ''));
      if (words === null || words.length < 6 || words.length % 2 !== 0) throw fail('Invalid AOF manifest file format');
      let file = '';
      let seq = 0;
      let type = '';
      for (let w = 0; w < words.length; w += 2) {
        const key = words[w].toLowerCase();
        if (key === 'file') {
          file = fsPath(words[w + 1]); // the name's bytes, as Node names files: UTF-8
          if (file.includes('/') || file.includes('\\')) throw fail("File can't be a path, just a filename");
        } else if (key === 'seq') {
          seq = atoll(words[w + 1]);
        } else if (key === 'type') {
          type = words[w + 1].charAt(0);
        }
      }
      if (file === '' || seq === 0 || type === '') throw fail('Invalid AOF manifest file format');
      if (type !== 'b' && type !== 'i' && type !== 'h') throw fail('Unknown AOF file type');
      m.add({ file, seq, type }, fail);
    });
    return m;
  }

  /** Redis's "*** FATAL AOF MANIFEST FILE ERROR ***": what is wrong, where. */
  private formatError(why: string, line?: number, text?: string): AofFormatError {
    const at = line === undefined ? '' : `, at line ${line}: '${text}'`;
    return new AofFormatError(`Fatal AOF manifest file error in ${this.path}${at}: ${why}`);
  }

  private add(f: AofFileInfo, fail: (why: string) => AofFormatError): void {
    if (f.type === 'b') {
      if (this.base !== null) throw fail('Found duplicate base file information');
      this.base = f;
      this.baseSeq = f.seq;
    } else if (f.type === 'i') {
      if (f.seq <= this.incrSeq) throw fail('Found a non-monotonic sequence number');
      this.incrs.push(f);
      this.incrSeq = f.seq;
    } else {
      this.history.push(f);
    }
  }

  /** Whether `file` is one of the files this manifest lists (history included). */
  names(file: string): boolean {
    return this.base?.file === file || this.incrs.some((f) => f.file === file) || this.history.some((f) => f.file === file);
  }

  /** The files to replay, in order, as paths; refuses an RDB base and a missing file. */
  dataFiles(): string[] {
    const files = this.base === null ? [] : [this.base.file];
    for (const f of this.incrs) files.push(f.file);
    for (const f of files) {
      const p = join(this.dir, f);
      if (f.endsWith('.rdb')) throw new AofFormatError(`The AOF base file ${p} is an RDB file, which is not supported: ${PREAMBLE_HINT}.`);
      // Redis's getAppendOnlyFileSize line (the file as the manifest names it).
      if (!existsSync(p)) throw new AofFormatError(`Unable to obtain the AOF file ${f} length. stat: No such file or directory`);
    }
    return files.map((f) => join(this.dir, f));
  }

  /** A new base file (the next sequence number); the caller sets it with `replaceBase`. */
  nextBase(): AofFileInfo {
    return { file: `${this.filename}.${this.baseSeq + 1}.base.aof`, seq: this.baseSeq + 1, type: 'b' };
  }

  /** The sequence number of the last incr file made (0: none yet). */
  get lastIncrSeq(): number {
    return this.incrSeq;
  }

  /** Goes on numbering incr files after `n` (Redis's in-memory manifest outlives appendonly no). */
  raiseIncrSeq(n: number): void {
    this.incrSeq = Math.max(this.incrSeq, n);
  }

  /** Adds a new incr file (the next sequence number) and returns it. */
  addIncr(): AofFileInfo {
    const f: AofFileInfo = { file: `${this.filename}.${++this.incrSeq}.incr.aof`, seq: this.incrSeq, type: 'i' };
    this.incrs.push(f);
    return f;
  }

  /** Sets the base (start-up upgrade, fresh start). */
  setBase(f: AofFileInfo): void {
    this.base = f;
    this.baseSeq = Math.max(this.baseSeq, f.seq);
  }

  /**
   * After a rewrite: `base` replaces the old base, the incr files before `firstKept` (the one
   * opened when the rewrite started) become history.
   */
  replaceBase(base: AofFileInfo, firstKept: number): void {
    // Incr files first, then the base: the order Redis lists (and deletes) them in.
    for (const f of this.incrs) if (f.seq < firstKept) this.history.push({ ...f, type: 'h' });
    if (this.base !== null) this.history.push({ ...this.base, type: 'h' });
    this.incrs = this.incrs.filter((f) => f.seq >= firstKept);
    this.setBase(base);
  }

  /** The current incr file (where writes are appended), or null. */
  get lastIncr(): AofFileInfo | null {
    return this.incrs.length === 0 ? null : this.incrs[this.incrs.length - 1];
  }

  /** Redis's order: base, history, incr; a name with spaces, quotes or controls quoted as Redis's aofInfoFormat. */
  text(): string {
    const all = [...(this.base ? [this.base] : []), ...this.history, ...this.incrs];
    return all.map((f) => {
      const name = byteString(f.file); // written as bytes (latin1), quoted by its bytes as Redis
      return `file ${NEEDS_REPR.test(name) ? repr(name) : name} seq ${f.seq} type ${f.type}\n`;
    }).join('');
  }

  copy(): Manifest {
    const m = new Manifest(this.dir, this.filename);
    m.base = this.base;
    m.incrs = [...this.incrs];
    m.history = [...this.history];
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    return m;
  }
}

/**
 * The manifest on disk and the state it holds (`current`). A change is made on a copy and becomes
 * current once it is durable, so a failed write never leaves memory and disk disagreeing about
 * which files hold the data (history files are deleted only once a durable manifest dropped them).
 */
export class ManifestStore {
  /** Counts synchronous writes: an asynchronous one asked for before the last of them gives up. */
  private syncSaves = 0;
  private saving: Promise<void> = Promise.resolve();

  constructor(public current: Manifest, private readonly io: FileIO) {}

  /** One store per manifest file in the process, whatever persistence object uses it. */
  private static readonly byPath = new Map<string, ManifestStore>();

  /**
   * The store of `m`'s file, with `m` as its state. CONFIG SET appendonly no then yes makes a new
   * persistence object while the old one may still be finishing an asynchronous save: sharing the
   * store keeps their writes in one queue, and the new one's synchronous saves drop the old one's.
   */
  static of(m: Manifest, io: FileIO): ManifestStore {
    let store = ManifestStore.byPath.get(m.path);
    if (store === undefined || store.io !== io) {
      store = new ManifestStore(m, io);
      ManifestStore.byPath.set(m.path, store);
    }
    store.current = m;
    return store;
  }

  /** Writes `m` atomically and durably, synchronously (start-up, synchronous rewrites). */
  save(m: Manifest): void {
    this.syncSaves++;
    const io = this.io;
    const name = `temp-${m.filename}.manifest`;
    const temp = join(m.dir, name);
    let fd: number;
    try {
      fd = io.openWrite(temp);
    } catch (e) {
      throw fileError(AOF_IO.openManifest(name), e);
    }
    try {
      try {
        io.write(fd, Buffer.from(m.text(), 'latin1'));
      } catch (e) {
        throw fileError(AOF_IO.writeManifest(name), e);
      }
      try {
        io.fsync(fd);
      } catch (e) {
        throw fileError(AOF_IO.fsyncManifest(name), e);
      }
    } finally {
      io.close(fd);
    }
    try {
      io.rename(temp, m.path);
    } catch (e) {
      throw fileError(AOF_IO.renameManifest(name, `${m.filename}.manifest`), e);
    }
    // On disk from the rename on, whatever the directory fsync says: a caller that took its failure
    // for "not saved" went on with the files the replaced manifest named (writes to an incr file no
    // manifest names any more). It tells the two apart by `current` (see rewriteSync).
    this.current = m;
    io.fsyncDir(m.path);
  }

  /**
   * Deletes `file`, an empty file of the directory no manifest names (a rewrite's incr file, the
   * rewrite stopped before naming it). Kept when named meanwhile, in memory or on disk (a
   * persistence with another FileIO keeps a store of its own), or when it holds data.
   */
  removeUnnamed(file: string): void {
    const m = this.current;
    const path = join(m.dir, file);
    if (m.names(file) || this.io.size(path) !== 0) return;
    try {
      if (Manifest.read(m.dir, m.filename).names(file)) return;
    } catch {
      return; // unreadable: keep the file
    }
    unlinkQuietly(this.io, path);
  }

  /**
   * After a rewrite: deletes the history files the current manifest names (on the thread pool, as
   * Redis's bg_unlink), then saves it without them, unless it was replaced meanwhile. Best effort:
   * a file left is deleted by a later rewrite or start.
   */
  async dropHistory(log: { notice(msg: string): void }): Promise<void> {
    const m = this.current;
    if (m.history.length === 0) return;
    for (const f of m.history) {
      log.notice(`Removing the history file ${f.file} in the background`);
      await cb((done) => this.io.unlinkAsync(join(m.dir, f.file), done)).catch(() => {});
    }
    if (this.current !== m) return;
    const next = m.copy();
    next.history = [];
    await this.saveAsync(next).catch(() => {});
  }

  /**
   * The same with the fsyncs on the thread pool, so the event loop never waits for them. Writes
   * are queued (never two at once on the temp file) and land in the order asked. The rename is
   * synchronous (a small file's metadata): a `save` made after this call wins, and this write is
   * dropped (rejected).
   *
   * `at.rename`, when given, performs the rename itself (it is handed the rename to call), so the
   * caller can act in the same synchronous step; throwing before calling it leaves the manifest as
   * it was. When `at.syncDir()` is true at the rename, the directory is fsynced in that step too,
   * not on the thread pool.
   */
  saveAsync(m: Manifest, at: RenameStep = {}): Promise<void> {
    const asked = this.syncSaves;
    const p = this.saving.then(() => this.writeAsync(m, asked, at));
    this.saving = p.catch(() => {});
    return p;
  }

  private async writeAsync(m: Manifest, asked: number, at: RenameStep): Promise<void> {
    const io = this.io;
    const temp = join(m.dir, `temp-${m.filename}.async.manifest`);
    const bytes = Buffer.from(m.text(), 'latin1');
    const fd = io.openWrite(temp);
    let ok = false;
    try {
      await cb((done) => io.writeAsync(fd, bytes, done));
      await cb((done) => io.fsyncAsync(fd, done));
      ok = asked === this.syncSaves;
    } finally {
      await cb((done) => io.closeAsync(fd, done)).catch(() => {});
      // Asked again after the close, which yields too: a synchronous save made meanwhile (DEBUG
      // RELOAD's, which deletes the files an older manifest names) must not be renamed over.
      // From here to the rename nothing yields.
      ok &&= asked === this.syncSaves;
      if (!ok) unlinkQuietly(io, temp);
    }
    if (!ok) throw new Error('the AOF manifest was replaced meanwhile');
    // Asked at the rename, not when the save was asked: the fsync policy may have changed since.
    let syncDir = false;
    const rename = (): void => {
      syncDir = at.syncDir?.() === true;
      io.rename(temp, m.path);
      this.current = m;
      if (!syncDir) return;
      try {
        io.fsyncDir(m.path);
      } catch (e) {
        if (at.dirFailed === undefined) throw e;
        at.dirFailed(e);
      }
    };
    try {
      if (at.rename) at.rename(rename);
      else rename();
    } catch (e) {
      if (this.current !== m) unlinkQuietly(io, temp);
      throw e;
    }
    if (!syncDir) await cb((done) => io.fsyncDirAsync(m.path, done));
  }
}

/** What a caller of ManifestStore.saveAsync does at the rename (see there). */
export interface RenameStep {
  rename?: (rename: () => void) => void;
  syncDir?: () => boolean;
  /** That fsync failed (the rename may not be durable yet): the caller takes it over, the save stands. */
  dirFailed?: (err: unknown) => void;
}

/** A FileIO callback as a promise. */
export function cb(start: (done: (err: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => start((err) => (err ? reject(err) : resolve())));
}
