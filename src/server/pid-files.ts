// The PID files one server holds (PidFiles): the data directory's `<dir>/keystonelight.pid`, taken
// as a lock (pidfile.ts), and `pidfile` when it names another path, written as Redis's createPidFile
// writes it: replacing what is there, never refusing the start over it; but never another running
// server's data directory file, which guards its data (otherLock). A data directory nobody may
// write in goes without its lock, unless something in it can still be written (writableData).

import { accessSync, closeSync, constants, openSync, readdirSync, realpathSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { errnoText } from '../errors.js';
import { acquirePidFile, heldKey, liveOwner, PidFileError, readPid, releasePidFile, sameInode, unlinkQuietly } from './pidfile.js';

/**
 * The PID of the running server whose data directory's lock `pidfile` may be (holding a live
 * server's PID, and named as `dirLock` is where it really is, or one more name of a file: a symlink
 * such as /run/ks.pid -> /data/a/keystonelight.pid, or a hard link), else null. Written over, it
 * named us; removed at our shutdown, it left that server's data unguarded, and a second server
 * started on it (a config copied with `pidfile /data/a/keystonelight.pid` and only `dir` changed).
 * Redis's test suite's shared `pidfile /var/run/redis.pid` is still written over.
 */
function otherLock(pidfile: string, dirLock: string, exempt: number | undefined): number | null {
  let real: string;
  let links: number;
  try {
    real = realpathSync(pidfile);
    links = statSync(real).nlink;
  } catch {
    return null; // nothing there (or a dangling symlink): no lock to guard
  }
  if (basename(real) !== basename(dirLock) && links < 2) return null;
  const owner = readPid(real);
  return owner !== null && liveOwner(real, owner, exempt) ? owner : null;
}

/** Codes of a directory nobody may create a file in: the server cannot write data there either. */
const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/** Whether this process may write in the directory at `path` (false when it is not there). */
function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `dir` when this process may write in it, else a file in it that it may write (an AOF file of a
 * directory made read-only, which a server appends to all the same), else undefined.
 */
function writableData(dir: string): string | undefined {
  if (writable(dir)) return dir;
  try {
    return readdirSync(dir).map((f) => join(dir, f)).find(writable);
  } catch {
    return undefined; // not there, or not readable: nothing in it to write
  }
}

/**
 * Writes `pidfile` outside the data directory as Redis's createPidFile does: whatever is there is
 * replaced, a live server's file included, for it guards nothing (`<dir>/keystonelight.pid` keeps
 * a second server off the data). Redis's test suite gives every server it starts the same
 * `pidfile /var/run/redis.pid`: refused, its second server never started. One that cannot be
 * written is a warning (Redis runs on without it, and says nothing): Debian's redis.conf names
 * /run/redis/redis-server.pid, which a user's server cannot write.
 */
function writePidFile(path: string): void {
  let fd = -1;
  try {
    fd = openSync(path, 'w');
    writeSync(fd, `${process.pid}\n`);
  } catch (e) {
    throw new PidFileError(`Could not create the PID file ${path}: ${errnoText(e)}`, (e as NodeJS.ErrnoException).code ?? '');
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * The PID files one server holds: the data directory's (`<dir>/keystonelight.pid`), taken as a
 * lock, then `pidfile` when it names another path, written (writePidFile). Given back together.
 */
export class PidFiles {
  private constructor(
    private readonly lock: string | null,
    private readonly written: string | null,
  ) {}

  /** The files this server holds: the lock, then the written one. */
  get paths(): readonly string[] {
    return [this.lock, this.written].filter((p): p is string => p !== null);
  }

  /**
   * Takes `dirLock` and writes `pidfile` (the same path, or another); throws PidFileError, holding
   * none. `warnings`: stale files taken over, and a data directory nobody can write in, whose lock
   * is then not taken when a `pidfile` elsewhere was given (a server cannot write data there
   * either: with appendonly no, a read-only `dir` keeps working, as before this lock). Unless one of
   * `dataDirs` in it (the AOF directory), or a file in one (its incr file), is writable: two servers would append to one AOF, and
   * `pidfile`, written over, keeps none off, so the start is refused.
   */
  static take(dirLock: string, pidfile: string, exempt?: number, dataDirs: readonly string[] = []): { files: PidFiles; warnings: string[] } {
    const warnings: string[] = [];
    const elsewhere = heldKey(pidfile) !== heldKey(dirLock);
    let lock: string | null = dirLock;
    try {
      const stale = acquirePidFile(dirLock, exempt);
      if (stale !== null) warnings.push(stale);
    } catch (e) {
      if (!elsewhere || !(e instanceof PidFileError) || !UNWRITABLE.has(e.code)) throw e;
      const open = dataDirs.map(writableData).find((w) => w !== undefined);
      if (open !== undefined) throw new PidFileError(`${e.message}, and ${open} in it is writable: its data would have no lock against a second server`, e.code);
      warnings.push(`No PID file in the data directory (${e.message}): it is not writable, so this server cannot write data there either`);
      lock = null;
    }
    // A pidfile that is our own lock by another name (a symlink to it) holds our PID already:
    // written over, the lock was empty for a moment, which a server starting then takes for stale.
    let written: string | null = elsewhere && (lock === null || !sameInode(pidfile, lock)) ? pidfile : null;
    const guard = written === null ? null : otherLock(written, dirLock, exempt);
    if (guard !== null) {
      warnings.push(`Not writing the PID file ${pidfile}: it is the data directory's PID file of a running server (PID ${guard}); going on without it`);
      written = null;
    }
    try {
      if (written !== null) writePidFile(written);
    } catch (e) {
      warnings.push(`${(e as Error).message}; going on without it, as Redis (the data directory's PID file is the one that guards the data)`);
      written = null;
    }
    return { files: new PidFiles(lock, written), warnings };
  }

  /** Gives the lock back; the written file is removed while it holds our PID (not another server's since). */
  release(): void {
    if (this.lock !== null) releasePidFile(this.lock);
    if (this.written !== null && readPid(this.written) === process.pid) unlinkQuietly(this.written);
  }
}
