// The AOF loader's reads: the bytes of a file read but not parsed yet, kept in one storage that
// every read of the file reuses. A storage is only replaced by a bigger one, for a command longer
// than it; the bytes of a command cut by the end of a read move to its start before the next read.
//
// Why reused: a fresh buffer's pages are faulted in by the read that fills it. With a new buffer
// for each long value, the read of a 400 MB value took 165 ms, into a storage already used 25 ms
// (the copy from the page cache alone); the string made from it is a copy of its own (latin1Slice),
// so the bytes are never needed once parsed. A storage grown for a long command is given back once
// the commands after it have been short for a while (RELEASE_AFTER): kept for the rest of the file,
// it stayed on top of the dataset those commands loaded.

import { readSync } from 'node:fs';
import { AOF_IO } from '../errors.js';
import { fileError } from './fileio.js';

/** Bytes read at least at once, when the command parsing stopped in does not say it needs more. */
const CHUNK = 8 * 1024 * 1024;
/** The most one read is given (Node refuses over 2^31 - 1 bytes). */
const MAX_READ = 1 << 30;
/**
 * Bytes read for short commands (none needing more than a chunk) after which a storage bigger than
 * two chunks is replaced by one of the size needed. Kept for the rest of the file, a 400 MB value's
 * storage stayed under the 2M short SETs loaded after it: peak RSS 1.20 GB, 0.94 GB with this (as
 * with a new buffer per read; redis-server 0.67 GB). Long values in a row (nine 500 MB SETs) are a
 * chunk apart and keep it; values further apart pay their page faults, as before the reuse.
 */
const RELEASE_AFTER = 16 * 1024 * 1024;

export class ReadWindow {
  private store = Buffer.alloc(0);
  /** The unparsed bytes: store[start, end). */
  private start = 0;
  private end = 0;
  /** File offset of the next read. */
  private readTo = 0;
  /** Bytes read since a command last needed more than a chunk (RELEASE_AFTER). */
  private shortBytes = 0;

  constructor(
    private readonly fd: number,
    private readonly path: string,
    /** Bytes of the file to read: never more (a file may hold bytes past them to leave out). */
    private readonly size: number,
  ) {}

  /** The bytes read and not consumed yet: a view, valid until the next fill. */
  get bytes(): Buffer {
    return this.store.subarray(this.start, this.end);
  }

  /** Whether the file's `size` bytes have all been read. */
  get done(): boolean {
    return this.readTo >= this.size;
  }

  /** Drops `n` bytes parsed from the front of `bytes`. */
  consume(n: number): void {
    this.start += n;
  }

  /**
   * Reads a chunk more, or all the unparsed command is known to need (`want` bytes from the
   * start of `bytes`, 0 if not known) when that is more: a 500 MB value read 8 MB at a time was
   * copied into a new buffer with each, a 4.5 GB file of nine such SETs loaded in 81 s (Redis:
   * 2.3 s). Never past `size`. False when nothing could be read (the file shrank under us).
   */
  fill(want: number): boolean {
    const kept = this.end - this.start;
    const total = kept + Math.min(Math.max(CHUNK, want - kept), this.size - this.readTo);
    if (total > this.store.length || this.unused(Math.max(want, kept), total - kept)) {
      const next = Buffer.allocUnsafeSlow(total);
      this.store.copy(next, 0, this.start, this.end);
      this.store = next;
    } else if (this.start > 0) {
      this.store.copy(this.store, 0, this.start, this.end); // (overlapping: a memmove)
    }
    this.start = 0;
    const n = readFully(this.fd, this.path, this.store.subarray(0, total), kept, this.readTo);
    this.readTo += n;
    this.end = kept + n;
    return n > 0;
  }

  /** Whether the storage, far bigger than the commands read lately, is to be given back (RELEASE_AFTER). */
  private unused(need: number, reading: number): boolean {
    if (need > CHUNK) {
      this.shortBytes = 0;
      return false;
    }
    this.shortBytes += reading;
    if (this.store.length <= 2 * CHUNK || this.shortBytes < RELEASE_AFTER) return false;
    this.shortBytes = 0;
    return true;
  }
}

/** Reads into `into` from offset `at` of the file open as `fd`; how many bytes it read. */
export function readAt(fd: number, path: string, into: Buffer, at: number, from = 0, length = into.length): number {
  try {
    return readSync(fd, into, from, length, at);
  } catch (e) {
    throw fileError(AOF_IO.readError(path), e);
  }
}

/** Fills `into` from `from` on with the file's bytes at `at`, until its end or the file's; how many. */
function readFully(fd: number, path: string, into: Buffer, from: number, at: number): number {
  let got = 0;
  while (from + got < into.length) {
    const n = readAt(fd, path, into, at + got, from + got, Math.min(into.length - from - got, MAX_READ));
    if (n === 0) break;
    got += n;
  }
  return got;
}
