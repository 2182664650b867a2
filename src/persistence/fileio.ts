// File operations used by persistence, behind one small interface so that tests can inject faults
// (disk full, I/O errors) without a real broken disk. The default implementation is Node's
// synchronous fs calls, except the fsync of the everysec policy and the bulk writes, fsyncs and
// closes of a rewrite, which run on the thread pool (off the event loop).
//
// Every file we write is opened with O_APPEND: after a failed partial write is cut off with
// ftruncate, the next write lands at the new end of the file instead of leaving a hole.

import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { errorText, strerror } from '../errors.js';

export interface FileIO {
  /** Opens for appending (created if missing); returns a descriptor. */
  openAppend(path: string): number;
  /** Opens a new, empty file for appending (truncated if it exists). */
  openWrite(path: string): number;
  /** Writes all of `buf` or throws; a short write is reported as a ShortWriteError. */
  write(fd: number, buf: Buffer): void;
  /** Writes all of `buf` on the thread pool; calls back with the error, if any. */
  writeAsync(fd: number, buf: Buffer, cb: (err: Error | null) => void): void;
  /** Makes the file's data durable (fdatasync in the real one, as Redis on Linux). */
  fsync(fd: number): void;
  /** fsync on the thread pool; calls back with the error, if any. */
  fsyncAsync(fd: number, cb: (err: Error | null) => void): void;
  ftruncate(fd: number, size: number): void;
  close(fd: number): void;
  /**
   * close on the thread pool. Closing the last descriptor of a file that was renamed over frees
   * all its blocks inside close(): tens of ms for a large AOF, which must not stop the event loop.
   */
  closeAsync(fd: number, cb: (err: Error | null) => void): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** unlink on the thread pool (deleting a large file frees its blocks: tens of ms). */
  unlinkAsync(path: string, cb: (err: Error | null) => void): void;
  /** Creates a directory (and its parents) if missing. */
  mkdir(path: string): void;
  /** fsyncs the directory holding `path`, so a rename or create in it is durable. */
  fsyncDir(path: string): void;
  /** fsyncDir on the thread pool; calls back with the error, if any. */
  fsyncDirAsync(path: string, cb: (err: Error | null) => void): void;
  /** Size of the file, 0 if it does not exist. */
  size(path: string): number;
}

/** An error carrying how many bytes a failed write managed to write. */
export class ShortWriteError extends Error {
  constructor(readonly written: number, readonly code: string) {
    super(`short write (${written} bytes written): ${code}`);
  }
}

const APPEND_NEW = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_APPEND;

/**
 * The most one write call is given. Node refuses a length over 2^31 - 1 (ERR_OUT_OF_RANGE: an AOF
 * turn of 2 GB was never written, and DEBUG RELOAD of a 2 GB dataset failed), and Linux writes at
 * most 0x7ffff000 bytes per call anyway.
 */
const MAX_WRITE = 1 << 30;

export const realFileIO: FileIO = {
  openAppend: (path) => fs.openSync(path, 'a'),
  openWrite: (path) => fs.openSync(path, APPEND_NEW, 0o644),
  write(fd, buf) {
    let off = 0;
    while (off < buf.length) {
      let n: number;
      try {
        n = fs.writeSync(fd, buf, off, Math.min(buf.length - off, MAX_WRITE));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        if (code === 'EAGAIN' || code === 'EINTR') continue;
        throw new ShortWriteError(off, code);
      }
      off += n;
    }
  },
  writeAsync(fd, buf, cb) {
    const go = (off: number): void => {
      fs.write(fd, buf, off, Math.min(buf.length - off, MAX_WRITE), null, (err, n) => {
        if (err) return cb(err);
        if (off + n < buf.length) return go(off + n);
        cb(null);
      });
    };
    if (buf.length === 0) cb(null);
    else go(0);
  },
  // fdatasync, as Redis's redis_fsync on Linux: the data and what reading it back needs (the file
  // size), not the timestamps. Measured here (ext4, 64-byte appends): 3-8% less time per call.
  fsync: (fd) => fs.fdatasyncSync(fd),
  fsyncAsync: (fd, cb) => fs.fdatasync(fd, (e) => cb(e)),
  ftruncate: (fd, size) => fs.ftruncateSync(fd, size),
  close: (fd) => fs.closeSync(fd),
  closeAsync: (fd, cb) => fs.close(fd, (e) => cb(e)),
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (path) => fs.unlinkSync(path),
  unlinkAsync: (path, cb) => fs.unlink(path, (e) => cb(e)),
  mkdir: (path) => void fs.mkdirSync(path, { recursive: true }),
  fsyncDir(path) {
    const fd = fs.openSync(dirname(path), 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  fsyncDirAsync(path, cb) {
    fs.open(dirname(path), 'r', (err, fd) => {
      if (err) return cb(err);
      fs.fsync(fd, (e) => fs.close(fd, () => cb(e)));
    });
  },
  size(path) {
    try {
      return fs.statSync(path).size;
    } catch {
      return 0;
    }
  },
};

/** A failed file operation named as Redis logs it (`<what>: <strerror>`), keeping its errno code. */
export class FileOpError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/** `e` (thrown by a file operation) as a FileOpError saying `what` failed; `what` from AOF_IO. */
export function fileError(what: string, e: unknown): FileOpError {
  if (e instanceof FileOpError) return e;
  const code = e instanceof ShortWriteError ? e.code : (e as NodeJS.ErrnoException | null)?.code;
  return new FileOpError(`${what}: ${code === undefined ? errorText(e) : strerror(code)}`, code ?? 'EIO');
}

/** The errno code of an error thrown by a FileIO call. */
export function errorCode(e: unknown): string {
  if (e instanceof ShortWriteError) return e.code;
  return (e as NodeJS.ErrnoException | null)?.code ?? 'EIO';
}

/** Deletes `path` if it is there (a temp file that may never have been created, a file already gone). */
export function unlinkQuietly(io: FileIO, path: string): void {
  try {
    io.unlink(path);
  } catch {
    // not there
  }
}
