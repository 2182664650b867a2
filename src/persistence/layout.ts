// The AOF directory at start-up and for the synchronous rewrites, as Redis 7 does it:
// - a manifest exists: its base and incr files are the data (history files it still names are
//   deleted once the data is loaded); an old-style `<dir>/<appendfilename>` next to it is left
//   alone, unless the manifest names no data yet (see upgradeWanted);
// - only an old-style single file `<dir>/<appendfilename>` exists (an earlier Keystonelight, or
//   Redis 6): it is moved into the directory as the base file, under its own name (Redis's
//   "migrated an old-style AOF file"), the manifest written first;
// - nothing: an empty base file is created, as Redis creates one on a fresh start.
// Writes then go to the manifest's last incr file (one is created if it names none).

import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { fsPath } from '../config-values.js';
import type { AofLog } from './aof.js';
import { timestampLine } from './aof-format.js';
import { fileError, FileOpError, unlinkQuietly, type FileIO } from './fileio.js';
import { AOF_IO, errorText, strerror } from '../errors.js';
import { AofFormatError, Manifest, ManifestStore } from './manifest.js';
import { faultPoint } from './faults.js';
import { TEMP_FILE } from './rewrite.js';
import { wallNow } from '../timers.js';

export interface AofLocation {
  /** The data directory (`dir`): temp files of rewrites go there, as Redis's. */
  dir: string;
  /** appendfilename, the prefix of every file name. */
  filename: string;
  /** appenddirname, inside `dir`. */
  dirname: string;
}

export const aofDirOf = (loc: AofLocation): string => join(loc.dir, loc.dirname);

/** Where the configuration puts the AOF files. */
export function locationOf(cfg: Config): AofLocation {
  return { dir: fsPath(cfg.get('dir')), filename: fsPath(cfg.get('appendfilename')), dirname: fsPath(cfg.get('appenddirname')) };
}

/**
 * Finds (or upgrades, or creates) the AOF directory; returns its manifest and the files to load.
 * `timestamp` (aof-timestamp-enabled): a fresh base holds Redis's `#TS` line, as Redis's does.
 */
export function prepareLayout(loc: AofLocation, io: FileIO, log: AofLog, timestamp = false): { store: ManifestStore; files: string[] } {
  const aofDir = aofDirOf(loc);
  const fresh = new Manifest(aofDir, loc.filename);
  const single = join(loc.dir, loc.filename);
  if (existsSync(fresh.path)) {
    const m = Manifest.read(aofDir, loc.filename);
    const store = ManifestStore.of(m, io);
    if (existsSync(single)) {
      if (upgradeWanted(m, loc)) migrateOldFile(loc, store, m.copy(), io, log);
      else log.warning(OLD_FILE_IGNORED(single, m.path));
    }
    return { store, files: store.current.dataFiles() };
  }
  makeAofDir(loc, io);
  refuseUnlisted(loc);
  const store = ManifestStore.of(fresh, io);
  const m = fresh.copy();
  if (existsSync(single)) {
    migrateOldFile(loc, store, m, io, log);
  } else {
    const base = m.nextBase();
    const fd = io.openWrite(join(aofDir, base.file));
    try {
      if (timestamp) io.write(fd, Buffer.from(timestampLine(wallNow()), 'latin1'));
    } finally {
      io.close(fd);
    }
    m.setBase(base);
    store.save(m);
    log.notice(`Creating AOF base file ${base.file} on server start`);
  }
  return { store, files: store.current.dataFiles() };
}

/** Our own line (Redis logs nothing): the old-style file a manifest made stale stays where it is. */
const OLD_FILE_IGNORED = (single: string, manifest: string): string =>
  `${single} (an old-style AOF) is ignored: the data is in the files ${manifest} names. It is left where it is.`;

/**
 * Whether an old-style `<dir>/<appendfilename>` next to a manifest is still to be moved in, as Redis
 * 7.0's loadAppendOnlyFiles decides ("If the 'server.aof_filename' file exists in dir, we may be
 * starting from an old redis version"): the manifest names no base and no incr file, or only the
 * base `<appendfilename>` (a migration stopped between its manifest and its rename) while that
 * file is not in the directory. Otherwise the manifest is followed and the old file ignored: after
 * a CONFIG SET appendonly yes, or when a copy of it already is the directory's base (both Redis
 * and we leave the old file in `dir`).
 */
function upgradeWanted(m: Manifest, loc: AofLocation): boolean {
  if (m.incrs.length > 0) return false;
  return m.base === null || (m.base.file === loc.filename && !existsSync(join(aofDirOf(loc), loc.filename)));
}

/**
 * Redis's aofUpgradePrepare: `m` (the manifest read, or a fresh one) gets `<appendfilename>` as its
 * base, then the file moves into the directory. Manifest first, then the rename (Redis's order): a
 * crash in between leaves a manifest naming a base still at its old place, which the next start
 * moves (upgradeWanted). The other order would leave the file in the directory with no manifest:
 * a fresh, empty dataset.
 */
function migrateOldFile(loc: AofLocation, store: ManifestStore, m: Manifest, io: FileIO, log: AofLog): void {
  const single = join(loc.dir, loc.filename);
  const target = join(aofDirOf(loc), loc.filename);
  // Redis asserts here (a manifest naming nothing, and a file of that name already inside): the
  // rename would replace that file, which may hold data.
  if (m.base?.file !== loc.filename && existsSync(target)) {
    throw new AofFormatError(`Both ${single} and ${target} exist and ${m.path} names neither: refusing to replace one with the other. Move one of them out.`);
  }
  m.setBase({ file: loc.filename, seq: 1, type: 'b' });
  store.save(m);
  io.rename(single, target);
  io.fsyncDir(single);
  io.fsyncDir(target);
  log.notice(`Successfully migrated an old-style AOF file (${loc.filename}) into the AOF directory (${loc.dirname}).`);
}

/**
 * DEBUG LOADAOF without a running file (appendonly no): the files to load, as Redis's
 * loadAppendOnlyFiles on the manifest read from disk, which moves an old-style
 * `<dir>/<appendfilename>` in first by the rule of a start (upgradeWanted), so a Redis 6 file next
 * to no directory is loaded. Null when there is no manifest and no old-style file to move in.
 */
export function filesToLoad(loc: AofLocation, io: FileIO, log: AofLog): string[] | null {
  const aofDir = aofDirOf(loc);
  const fresh = new Manifest(aofDir, loc.filename);
  const m = existsSync(fresh.path) ? Manifest.read(aofDir, loc.filename) : null;
  if (existsSync(join(loc.dir, loc.filename)) && upgradeWanted(m ?? fresh, loc)) {
    makeAofDir(loc, io);
    const store = ManifestStore.of(m ?? fresh, io);
    migrateOldFile(loc, store, store.current.copy(), io, log);
    return store.current.dataFiles();
  }
  return m === null ? null : m.dataFiles();
}

/** Creates `<dir>/<appenddirname>` if missing, with Redis's text when it cannot be. */
export function makeAofDir(loc: AofLocation, io: FileIO): void {
  const aofDir = aofDirOf(loc);
  try {
    io.mkdir(aofDir);
  } catch (e) {
    // mkdir over a file fails with EEXIST; Redis's dirCreateIfMissing reports it as ENOTDIR.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new FileOpError(`${AOF_IO.createDir(loc.dirname)}: ${strerror('ENOTDIR')}`, 'ENOTDIR');
    throw fileError(AOF_IO.createDir(loc.dirname), e);
  }
}

/**
 * Throws when the AOF directory has no manifest but holds AOF files with data: starting afresh
 * would overwrite them (the first base and incr files have their names) or leave them unread.
 * Data without a manifest (one deleted by hand, a directory copied without it) needs an operator.
 */
export function refuseUnlisted(loc: AofLocation): void {
  const aofDir = aofDirOf(loc);
  const found = filesWithData(aofDir, loc.filename);
  if (found.length === 0) return;
  throw new AofFormatError(`The AOF directory ${aofDir} holds AOF files with data (${found.join(', ')}) but no manifest (${loc.filename}.manifest): refusing to start afresh over them. Restore the manifest, or move those files out of ${aofDir}.`);
}

/** Names of AOF files (`<filename>.<seq>.base.aof|rdb`, `.incr.aof`) in `aofDir` that hold more than annotations. */
function filesWithData(aofDir: string, filename: string): string[] {
  const prefix = `${filename}.`;
  return readdirSync(aofDir).filter((f) => f.startsWith(prefix) && /^\d+\.(base\.(aof|rdb)|incr\.aof)$/.test(f.slice(prefix.length)) && holdsData(join(aofDir, f)));
}

/** Whether the file holds anything but `#` annotation lines (the #TS line of a fresh base file). */
function holdsData(path: string): boolean {
  const size = statSync(path).size;
  if (size === 0) return false;
  if (size > 4096) return true;
  return readFileSync(path, 'latin1').split('\n').some((line) => line !== '' && !line.startsWith('#'));
}

export interface OpenIncr {
  fd: number;
  path: string;
  /** Bytes of the other files (base and earlier incr files). */
  otherBytes: number;
  /**
   * rewriteSync: the directory fsync after its manifest's rename failed. The new files are the
   * data all the same (the rename is done); that rename may not survive a power loss.
   */
  dirError?: unknown;
}

/** After loading: deletes history files and opens the last incr file (created if none). */
export function openForAppend(store: ManifestStore, io: FileIO, log: AofLog): OpenIncr {
  removeHistorySync(store, io, log);
  let m = store.current;
  let last = m.lastIncr;
  let fd: number;
  if (last === null) {
    m = m.copy();
    last = m.addIncr();
    const p = join(m.dir, last.file);
    // A file of that name the manifest does not list would be emptied: refuse, as at a fresh start.
    if (existsSync(p) && holdsData(p)) throw new AofFormatError(`The AOF file ${p} holds data but is not named in ${m.path}: refusing to overwrite it. Add it to the manifest, or move it out of ${m.dir}.`);
    try {
      fd = io.openWrite(p);
    } catch (e) {
      throw fileError(AOF_IO.openAppend(last.file), e);
    }
    store.save(m);
    log.notice(`Creating AOF incr file ${last.file} on server start`);
  } else {
    try {
      fd = io.openAppend(join(m.dir, last.file));
    } catch (e) {
      throw fileError(AOF_IO.openAppend(last.file), e);
    }
  }
  const path = join(m.dir, last.file);
  return { fd, path, otherBytes: filesSize(m) - io.size(path) };
}

/** Bytes of the base and incr files. */
export function filesSize(m: Manifest): number {
  let n = 0;
  for (const f of m.base ? [m.base, ...m.incrs] : m.incrs) {
    try {
      n += statSync(join(m.dir, f.file)).size;
    } catch {
      // missing: counted as empty
    }
  }
  return n;
}

/**
 * A whole rewrite in one synchronous step (DEBUG RELOAD; SAVE or DEBUG RELOAD while CONFIG SET
 * appendonly yes writes the first base in the background, initial-rewrite.ts): what `dump` writes
 * to the descriptor it is given (the dataset; it returns how many bytes) becomes the next base file, a new empty incr file follows it, the manifest names both,
 * the files they replace are deleted. The caller has flushed its writes; it appends to the
 * returned incr file from now on.
 */
export function rewriteSync(loc: AofLocation, store: ManifestStore, io: FileIO, log: AofLog, dump: (fd: number) => number): OpenIncr {
  const next = store.current.copy();
  const base = next.nextBase();
  const basePath = join(next.dir, base.file);
  // No manifest yet (the first file): the dataset must not sit in a base file that no manifest
  // names, as a crash before the manifest is saved would leave it (every later
  // start and CONFIG SET appendonly yes would refuse, refuseUnlisted). The manifest names an empty
  // base first, which the dataset then replaces by a rename: a crash in between leaves an empty
  // dataset named, as the command never answered.
  const first = !existsSync(next.path);
  const temp = join(loc.dir, `temp-rewriteaof-${process.pid}.aof`);
  // Files only `next` names: deleted when it cannot be saved (dropUnnamed).
  const created: string[] = [];
  let fd = -1;
  let dirError: unknown = null;
  let baseBytes = 0;
  const incr = next.addIncr();
  const path = join(next.dir, incr.file);
  try {
    const tfd = io.openWrite(temp);
    try {
      baseBytes = dump(tfd);
      io.fsync(tfd);
    } finally {
      io.close(tfd);
    }
    if (first) io.close(io.openWrite(basePath));
    else io.rename(temp, basePath);
    created.push(base.file);
    fd = io.openWrite(path);
    created.push(incr.file);
    next.replaceBase(base, incr.seq);
    faultPoint('rewrite-sync-manifest');
    dirError = saveNamed(store, next);
    created.length = 0;
    if (first) {
      io.rename(temp, basePath);
      dirError = fsyncDirError(io, basePath) ?? dirError;
    }
  } catch (e) {
    if (fd >= 0) io.close(fd);
    unlinkQuietly(io, temp);
    if (created.length > 0) dropUnnamed(next, created, io);
    throw e;
  }
  removeHistorySync(store, io, log);
  return { fd, path, otherBytes: baseBytes, dirError };
}

/** Saves `next`; the error of the directory fsync after its rename (then saved all the same), or null. */
function saveNamed(store: ManifestStore, next: Manifest): unknown {
  try {
    store.save(next);
  } catch (e) {
    if (store.current !== next) throw e; // not renamed: the old manifest is still the data
    return e;
  }
  return null;
}

function fsyncDirError(io: FileIO, path: string): unknown {
  try {
    io.fsyncDir(path);
  } catch (e) {
    return e;
  }
  return null;
}

/**
 * A synchronous rewrite failed before its manifest named its new files: they are deleted, unless
 * the manifest on disk names them after all (the save failed after its rename) or cannot be read.
 * Left behind, a new base holding the dataset would be "AOF files with data but no manifest" when
 * there was none before (the first file): every later start or CONFIG SET appendonly yes would
 * refuse (refuseUnlisted).
 */
function dropUnnamed(next: Manifest, files: string[], io: FileIO): void {
  let named: string[];
  try {
    const onDisk = existsSync(next.path) ? Manifest.read(next.dir, next.filename) : null;
    named = onDisk === null ? [] : [...(onDisk.base ? [onDisk.base] : []), ...onDisk.incrs, ...onDisk.history].map((f) => f.file);
  } catch {
    return; // cannot tell: kept
  }
  for (const f of files) if (!named.includes(f)) unlinkQuietly(io, join(next.dir, f));
}

/** Deletes the history files the manifest names, then writes it without them. */
function removeHistorySync(store: ManifestStore, io: FileIO, log: AofLog): void {
  const m = store.current;
  if (m.history.length === 0) return;
  for (const f of m.history) {
    log.notice(`Removing the history file ${f.file}`);
    unlinkQuietly(io, join(m.dir, f.file));
  }
  const next = m.copy();
  next.history = [];
  try {
    store.save(next);
  } catch (e) {
    // Housekeeping only: the manifest on disk still names the data (and these files as history,
    // whether or not they are gone), so the server goes on, as Redis does; the next start retries.
    log.warning(`${errorText(e)} (the history files stay listed in the manifest until it is next written)`);
  }
}

/** A crash during a rewrite leaves temp-rewriteaof-*.aof behind; they are never the live data. */
export function removeStaleTempFiles(dir: string, log: AofLog): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    if (TEMP_FILE.test(f)) {
      unlinkSync(join(dir, f));
      log.notice(`Removed ${join(dir, f)}, left by an interrupted AOF rewrite`);
    }
  }
}
