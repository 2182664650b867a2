// The AOF directory at start-up and for the synchronous rewrites, as Redis 7 does it:
// - a manifest exists: its base and incr files are the data (history files it still names are
//   deleted once the data is loaded);
// - only an old-style single file `<dir>/<appendfilename>` exists (an earlier Keystonelight, or
//   Redis 6): it is moved into the directory as the base file, under its own name (Redis's
//   "migrated an old-style AOF file"), the manifest written first;
// - nothing: an empty base file is created, as Redis creates one on a fresh start.
// Writes then go to the manifest's last incr file (one is created if it names none).

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplyBuffer } from '../protocol/encoder.js';
import { timestampLine, type AofLog } from './aof.js';
import { unlinkQuietly, type FileIO } from './fileio.js';
import { AofFormatError, Manifest, ManifestStore } from './manifest.js';

export interface AofLocation {
  /** The data directory (`dir`): temp files of rewrites go there, as Redis's. */
  dir: string;
  /** appendfilename, the prefix of every file name. */
  filename: string;
  /** appenddirname, inside `dir`. */
  dirname: string;
}

export const aofDirOf = (loc: AofLocation): string => join(loc.dir, loc.dirname);

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
    if (m.base?.file === loc.filename && existsSync(single) && !existsSync(join(aofDir, loc.filename))) {
      // A migration stopped between its manifest and its rename (see below): finish it.
      io.rename(single, join(aofDir, loc.filename));
      io.fsyncDir(single);
      io.fsyncDir(join(aofDir, loc.filename));
      log.notice(`Finished migrating the old-style AOF file (${loc.filename}) into the AOF directory (${loc.dirname}).`);
    }
    if (existsSync(single) && statSync(single).size > 0) {
      throw new AofFormatError(`Both ${single} and the AOF directory ${aofDir} exist: refusing to guess which holds the data. Move one of them out of ${loc.dir}.`);
    }
    return { store: ManifestStore.of(m, io), files: m.dataFiles() };
  }
  io.mkdir(aofDir);
  const store = ManifestStore.of(fresh, io);
  const m = fresh.copy();
  if (existsSync(single)) {
    // Manifest first, then the rename (Redis's order): a crash in between leaves a manifest
    // naming a base still at its old place, which the next start moves (above). The other order
    // would leave the file in the directory with no manifest: a fresh, empty dataset.
    m.setBase({ file: loc.filename, seq: 1, type: 'b' });
    store.save(m);
    io.rename(single, join(aofDir, loc.filename));
    io.fsyncDir(single);
    io.fsyncDir(join(aofDir, loc.filename));
    log.notice(`Successfully migrated an old-style AOF file (${loc.filename}) into the AOF directory (${loc.dirname}).`);
  } else {
    const base = m.nextBase();
    const fd = io.openWrite(join(aofDir, base.file));
    try {
      if (timestamp) io.write(fd, Buffer.from(timestampLine(Date.now()), 'latin1'));
    } finally {
      io.close(fd);
    }
    m.setBase(base);
    store.save(m);
    log.notice(`Creating AOF base file ${base.file} on server start`);
  }
  return { store, files: m.dataFiles() };
}

export interface OpenIncr {
  fd: number;
  path: string;
  /** Bytes of the other files (base and earlier incr files). */
  otherBytes: number;
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
    fd = io.openWrite(join(m.dir, last.file));
    store.save(m);
    log.notice(`Creating AOF incr file ${last.file} on server start`);
  } else {
    fd = io.openAppend(join(m.dir, last.file));
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
 * A whole rewrite in one synchronous step (CONFIG SET appendonly yes, DEBUG RELOAD): `dump` (the
 * dataset) becomes the next base file, a new empty incr file follows it, the manifest names both,
 * the files they replace are deleted. The caller has flushed its writes; it appends to the
 * returned incr file from now on.
 */
export function rewriteSync(loc: AofLocation, store: ManifestStore, io: FileIO, log: AofLog, dump: ReplyBuffer): OpenIncr {
  const next = store.current.copy();
  const base = next.nextBase();
  const temp = join(loc.dir, `temp-rewriteaof-${process.pid}.aof`);
  const tfd = io.openWrite(temp);
  try {
    io.write(tfd, dump.buf.subarray(0, dump.len));
    io.fsync(tfd);
    io.rename(temp, join(next.dir, base.file));
  } catch (e) {
    unlinkQuietly(io, temp);
    throw e;
  } finally {
    io.close(tfd);
  }
  const incr = next.addIncr();
  const path = join(next.dir, incr.file);
  const fd = io.openWrite(path);
  try {
    next.replaceBase(base, incr.seq);
    store.save(next);
  } catch (e) {
    io.close(fd);
    throw e;
  }
  removeHistorySync(store, io, log);
  return { fd, path, otherBytes: dump.len };
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
  store.save(next);
}
