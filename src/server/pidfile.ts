// The PID file: keeps a second server off the same data directory.
//
// A server always holds `<dir>/keystonelight.pid`, whatever `pidfile` says: a PID file kept
// elsewhere (a service manager's /run/...) cannot keep off a second server started on the same
// directory with another `pidfile`, and two servers appending to one AOF lose acknowledged writes.
// `pidfile`, when it names another path, is written as well, as Redis writes it (pid-files.ts,
// which holds the two together).
//
// A PID file naming a live process refuses the start before anything is written. Creation is
// atomic: the PID (and a newline) is written to a private temporary file which is then hard-linked
// to the PID file's name; link() fails if the name exists, so of two servers starting at the same
// moment exactly one wins. A PID file naming a process that no longer exists is stale and taken
// over (with a warning), and so is one naming a live process that is clearly not a server (see
// pid-probe.ts): after a crash and a reboot its PID often belongs to some other process by then
// (PID 1, a daemon), which must not keep the server from starting. A stale file is removed only
// by the holder of `<pidfile>.takeover` (created as the PID file is), and only if it still holds
// the stale PID: nothing else removes a file but its owner, so no server removes or moves a file
// another has just created in its place. The file is removed on shutdown only if it is still the
// one the server made. A file holding our own PID is held while a server of this process (any
// worker thread) holds it open (openFds), and is otherwise a previous life's: so it is open from
// before its name appears until after its name is gone, and the takeover lock likewise.

import { closeSync, fstatSync, type Stats, linkSync, openSync, readdirSync, readFileSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { basename, dirname, join, resolve } from 'node:path';
import { errnoText } from '../errors.js';
import { faultPoint } from '../persistence/faults.js';
import { alive, maybeServer } from './pid-probe.js';
import { blockFor } from '../timers.js';

export class PidFileError extends Error {
  /** The errno code when a file operation failed (creating the file), else ''. */
  constructor(message: string, readonly code = '') {
    super(message);
  }
}

/**
 * The PID in the file; null if it is missing; NaN if it holds anything else. `strict`: a file that
 * is there but cannot be read (a directory, no permission) throws, naming why, instead of reading
 * as missing (creating it would then fail with EEXIST, which says nothing).
 */
export function readPid(path: string, strict = false): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (strict && code !== 'ENOENT' && code !== 'ENOTDIR') throw new PidFileError(`Could not read the PID file ${path}: ${errnoText(e)}`);
    return null;
  }
  const n = Number(text.trim());
  return Number.isSafeInteger(n) && n > 0 ? n : NaN;
}

/** The user who owns the file at `path` (who wrote it), or undefined. */
function ownerOf(path: string): number | undefined {
  try {
    return statSync(path).uid;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid`, read from the file at `path`, holds it: a live process other than `exempt`, or
 * our own PID while a server of this process (any thread) holds the file open; a file holding our
 * PID that none holds is a leftover of a previous life.
 */
export function liveOwner(path: string, pid: number | null, exempt: number | undefined): boolean {
  if (pid === process.pid) return openInProcess(path);
  if (pid === null || Number.isNaN(pid) || pid === exempt || !alive(pid)) return false;
  return maybeServer(pid, '/proc', ownerOf(path));
}

function refuse(path: string, owner: number): never {
  throw new PidFileError(`Another server (PID ${owner}) is running on this data directory: its PID file ${path} exists. Refusing to start; stop that server first, or give this one another data directory (dir).`);
}

/**
 * Creates `path` holding our PID, unless it exists (null); errors name `shown` (the PID file for
 * its takeover lock). Returns a descriptor of the new file, open before its name appears (see
 * openInProcess): opened after the link, a server of another thread looking in between took the
 * file for a previous life's and replaced it, and both ran.
 */
function tryCreate(path: string, shown = path): number | null {
  // The thread's own temporary name: two worker threads writing one unlinked it under each other
  // (a start failed with a bare ENOENT).
  const tmp = `${path}.${process.pid}.${threadId}.tmp`;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, `${process.pid}\n`);
  } catch (e) {
    if (fd >= 0) {
      closeSync(fd);
      unlinkQuietly(tmp);
    }
    // Named by the PID file, not by the temporary name it is written under first.
    throw new PidFileError(`Could not create the PID file ${shown}: ${errnoText(e)}`, (e as NodeJS.ErrnoException).code ?? '');
  }
  try {
    linkSync(tmp, path);
    return fd;
  } catch (e) {
    closeSync(fd);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Creates the PID file or throws PidFileError when a live process owns it. Returns a warning
 * text when a stale file was taken over.
 */
export function acquirePidFile(path: string, exempt?: number): string | null {
  // Servers embedded in one process share its PID: a file naming it is theirs while one holds it.
  const key = heldKey(path);
  if (heldHere.has(key)) refuse(path, process.pid);
  const { fd, warning } = acquire(path, exempt);
  heldHere.add(key);
  openFds.set(key, fd);
  return warning;
}

/**
 * Each PID file this thread holds, kept open: heldHere is one thread's (a worker thread has its
 * own globals), and a server in another worker thread of this process, whose PID file holds our
 * own PID, would otherwise be taken for a previous life's (test runners such as AVA and Vitest run
 * test files in worker threads: two servers wrote one AOF). An open descriptor shows in
 * /proc/self/fd, which every thread of the process sees.
 */
const openFds = new Map<string, number>();

/**
 * Whether the file at `path` (naming our PID) is held open by this process (see openFds). False
 * only for a file no descriptor has open that is still there once looked for: a file missing or
 * replaced meanwhile was a server's a moment ago (its holder removes it before closing it, and a
 * new one is open before it appears), and the file there now may be another's, not to be removed.
 */
function openInProcess(path: string): boolean {
  const file = inode(path);
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return false; // no /proc: heldHere alone
  }
  if (file === null) return true;
  const open = fds.some((fd) => {
    try {
      return inode(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false; // closed meanwhile (readdir's own descriptor)
    }
  });
  return open || inode(path) !== file;
}

/**
 * The file at `path` as `dev:ino:ctime`, or null when there is none. With its ctime: an inode
 * number is reused at once (a server's removed file, then another's new one, looked the same).
 */
function inode(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.ctimeNs}`;
  } catch {
    return null;
  }
}

/**
 * The PID files servers of this process hold, by real path (a symlinked directory is the same
 * one), kept on globalThis so that two copies of this module (a test runner's module registry,
 * two installs) share it.
 */
const heldHere: Set<string> = ((globalThis as Record<symbol, unknown>)[Symbol.for('keystonelight.pidfiles')] ??= new Set<string>()) as Set<string>;

export function heldKey(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return resolve(path);
  }
}

/** Creates the PID file (see acquirePidFile): its descriptor, and the warning. */
function acquire(path: string, exempt: number | undefined): { fd: number; warning: string | null } {
  let stale: number | null = null;
  for (let attempt = 0; attempt < 10; attempt++) {
    const owner = readPid(path, true);
    if (liveOwner(path, owner, exempt)) refuse(path, owner!);
    if (owner === null) {
      const fd = tryCreate(path);
      if (fd !== null) return { fd: byName(path, fd), warning: stale === null ? null : `Removed the stale PID file ${path} (${staleWhy(stale)})` };
      continue; // another server created it in between: look at its PID
    }
    faultPoint('pidfile-stale-read');
    // Warned of only when this server removed it: a file whose holder removed it as it stopped was not stale.
    if (removeStale(path, owner)) stale = owner;
  }
  throw new PidFileError(`Could not create the PID file ${path}`);
}

/** Why a PID file is stale, for its messages. */
const staleWhy = (pid: number): string => (Number.isNaN(pid) ? 'it holds no PID' : `PID ${pid} is not running a server`);

const samePid = (a: number | null, b: number): boolean => a === b || (a !== null && Number.isNaN(a) && Number.isNaN(b));

/** Blocks for `ms`: a start waiting for another server's takeover, a few microseconds long. */
const pause = blockFor;

/**
 * Removes the stale PID file if it still holds `stalePid`, holding the takeover lock meanwhile
 * (see the header). Another server's takeover lasts a few microseconds: a lock still held by a
 * live process after 2 s refuses the start, naming it. True when it removed the file.
 */
function removeStale(path: string, stalePid: number): boolean {
  const lock = `${path}.takeover`;
  let fd: number | null;
  for (let waited = 0; (fd = tryCreate(lock, path)) === null; waited += 10) {
    const holder = readPid(lock);
    // A lock left by a server that died holding it. (Two servers finding it at once could both
    // remove it, the second the first's new lock: that takes such a death as well.) One we may
    // not remove (another user's, in a sticky directory such as /tmp) is waited for as a live
    // one: retried at once, it kept the start spinning for ever.
    if (holder !== null && !liveOwner(lock, holder, undefined) && unlinkQuietly(lock)) continue;
    if (waited >= 2000) {
      throw new PidFileError(`Could not take over the stale PID file ${path}: ${lock}${holder === null ? '' : ` (PID ${holder})`} is still there; remove it if no server is starting on this data directory.`);
    }
    pause(10);
  }
  try {
    // Our own PID: stale unless a server of another thread made the file meanwhile (open, then).
    if (samePid(readPid(path), stalePid) && !(stalePid === process.pid && openInProcess(path)) && unlinkStale(path, stalePid)) {
      faultPoint('pidfile-stale-taken');
      return true;
    }
    return false;
  } finally {
    unlinkQuietly(lock);
    closeSync(fd);
  }
}

/** Removes the stale file; one we may not remove (another user's in a sticky directory) refuses the start, naming it. */
function unlinkStale(path: string, stalePid: number): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new PidFileError(`Could not remove the stale PID file ${path} (${staleWhy(stalePid)}): ${errnoText(e)}`);
  }
}

/** Removes `path`; false when it is there still (no permission). */
export function unlinkQuietly(path: string): boolean {
  try {
    unlinkSync(path);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  return true;
}

/**
 * Removes the PID file if it is the one this thread holds (else if it holds our PID), then closes
 * it: closed first, a server of another thread looking in between took it for a previous life's.
 */
export function releasePidFile(path: string): void {
  const key = heldKey(path);
  heldHere.delete(key);
  const fd = openFds.get(key);
  openFds.delete(key);
  if (fd === undefined ? readPid(path) === process.pid : sameFile(path, fd)) unlinkQuietly(path);
  if (fd !== undefined) closeSync(fd);
}

/**
 * `fd` (opened by its temporary name) swapped for one opened by the PID file's name, the new one
 * open first: the temporary name shows as "(deleted)" in /proc/PID/fd and lsof +L1, as a leak.
 */
function byName(path: string, fd: number): number {
  try {
    const named = openSync(path, 'r');
    closeSync(fd);
    return named;
  } catch {
    return fd; // not readable (a umask of 0277): the first one holds it as well
  }
}

/** Whether the two files `stats` reads are one (false when either is gone). */
function oneFile(stats: () => [Stats, Stats]): boolean {
  try {
    const [a, b] = stats();
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

/** Whether `path` is the file open as `fd` (not one put in its place: another thread's holds our PID too). */
const sameFile = (path: string, fd: number): boolean => oneFile(() => [statSync(path), fstatSync(fd)]);

/** Whether `a` and `b` are one file (through symlinks or hard links). */
export const sameInode = (a: string, b: string): boolean => oneFile(() => [statSync(a), statSync(b)]);
