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
import { unlinkQuietly, type FileIO } from './fileio.js';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  file: string;
  seq: number;
  type: AofFileType;
}

export class AofFormatError extends Error {}

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

  /** Reads `<dir>/<filename>.manifest`. */
  static read(dir: string, filename: string): Manifest {
    const m = new Manifest(dir, filename);
    const path = m.path;
    for (const raw of readFileSync(path, 'latin1').split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const words = line.split(/\s+/);
      const info: Record<string, string> = {};
      for (let i = 0; i + 1 < words.length; i += 2) info[words[i]] = words[i + 1];
      const seq = Number(info.seq);
      const type = info.type;
      if (!info.file || !Number.isInteger(seq) || (type !== 'b' && type !== 'i' && type !== 'h')) {
        throw new AofFormatError(`Invalid AOF manifest file format in ${path}: '${raw}'`);
      }
      m.add({ file: info.file, seq, type });
    }
    return m;
  }

  private add(f: AofFileInfo): void {
    if (f.type === 'b') {
      if (this.base !== null) throw new AofFormatError(`Found duplicate base file information in ${this.path}`);
      this.base = f;
      this.baseSeq = Math.max(this.baseSeq, f.seq);
    } else if (f.type === 'i') {
      this.incrs.push(f);
      this.incrSeq = Math.max(this.incrSeq, f.seq);
    } else {
      this.history.push(f);
    }
  }

  /** The files to replay, in order, as paths; refuses an RDB base and a missing file. */
  dataFiles(): string[] {
    const files = this.base === null ? [] : [this.base.file];
    for (const f of [...this.incrs].sort((a, b) => a.seq - b.seq)) files.push(f.file);
    for (const f of files) {
      const p = join(this.dir, f);
      if (f.endsWith('.rdb')) throw new AofFormatError(`The AOF base file ${p} is an RDB file, which is not supported: ${PREAMBLE_HINT}.`);
      if (!existsSync(p)) throw new AofFormatError(`The AOF file ${p} named in ${this.path} doesn't exist`);
    }
    return files.map((f) => join(this.dir, f));
  }

  /** A new base file (the next sequence number); the caller sets it with `replaceBase`. */
  nextBase(): AofFileInfo {
    return { file: `${this.filename}.${this.baseSeq + 1}.base.aof`, seq: this.baseSeq + 1, type: 'b' };
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

  /** Redis's order: base, history, incr. */
  text(): string {
    const all = [...(this.base ? [this.base] : []), ...this.history, ...this.incrs];
    return all.map((f) => `file ${f.file} seq ${f.seq} type ${f.type}\n`).join('');
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
    const temp = join(m.dir, `temp-${m.filename}.manifest`);
    const fd = io.openWrite(temp);
    try {
      io.write(fd, Buffer.from(m.text(), 'latin1'));
      io.fsync(fd);
    } finally {
      io.close(fd);
    }
    io.rename(temp, m.path);
    io.fsyncDir(m.path);
    this.current = m;
  }

  /**
   * The same with the fsyncs on the thread pool, so the event loop never waits for them. Writes
   * are queued (never two at once on the temp file) and land in the order asked. The rename is
   * synchronous (a small file's metadata): a `save` made after this call wins, and this write is
   * dropped (rejected).
   */
  saveAsync(m: Manifest): Promise<void> {
    const asked = this.syncSaves;
    const p = this.saving.then(() => this.writeAsync(m, asked));
    this.saving = p.catch(() => {});
    return p;
  }

  private async writeAsync(m: Manifest, asked: number): Promise<void> {
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
    io.rename(temp, m.path);
    this.current = m;
    await cb((done) => io.fsyncDirAsync(m.path, done));
  }
}

/** A FileIO callback as a promise. */
export function cb(start: (done: (err: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => start((err) => (err ? reject(err) : resolve())));
}
