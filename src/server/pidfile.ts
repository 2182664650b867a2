// The PID file: keeps a second server off the same data directory.
//
// A PID file naming a live process refuses the start before anything is written. Creation is
// atomic: the PID (and a newline) is written to a private temporary file which is then hard-linked
// to the PID file's name; link() fails if the name exists, so of two servers starting at the same
// moment exactly one wins. A PID file naming a process that no longer exists is stale and taken
// over (with a warning), and so is one naming a process that started after the file was written:
// after a crash and a reboot its PID often belongs to some other process by then (PID 1, a
// daemon), which must not keep the server from starting. The file is removed on shutdown only if
// it still holds our PID.

import { linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';

export class PidFileError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The PID in the file; null if it is missing; NaN if it holds anything else. */
function readPid(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return null;
  }
  const n = Number(text.trim());
  return Number.isInteger(n) && n > 0 ? n : NaN;
}

/**
 * When process `pid` started (ms since the epoch), from Linux's /proc: its start in clock ticks
 * since boot (USER_HZ, 100 on Linux) plus the boot time. Null where /proc cannot tell.
 */
export function processStartMs(pid: number, proc = '/proc'): number | null {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, 'latin1');
    // Field 22, counted after the command name, which is in parentheses and may hold spaces.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync(`${proc}/stat`, 'latin1'))?.[1]);
    return Number.isFinite(ticks) && btime > 0 ? btime * 1000 + ticks * 10 : null;
  } catch {
    return null;
  }
}

/** Slack for the boot time's whole seconds and the tick rounding. */
const START_SLACK_MS = 2000;

/**
 * The file's owner is alive: a live process other than us (a PID file holding our own PID is a
 * leftover of a previous life) that started before the file was written.
 */
function liveOwner(pid: number | null, path: string): boolean {
  if (pid === null || Number.isNaN(pid) || pid === process.pid || !alive(pid)) return false;
  const started = processStartMs(pid);
  if (started === null) return true;
  let written: number;
  try {
    written = statSync(path).mtimeMs;
  } catch {
    return true;
  }
  return started <= written + START_SLACK_MS;
}

function refuse(path: string, owner: number): never {
  throw new PidFileError(`Another server (PID ${owner}) is running on this data directory: its PID file ${path} exists. Refusing to start; stop that server first, or use another --dir.`);
}

function tryCreate(path: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Creates the PID file or throws PidFileError when a live process owns it. Returns a warning
 * text when a stale file was taken over.
 */
export function acquirePidFile(path: string): string | null {
  let stale: number | null = null;
  for (let attempt = 0; attempt < 10; attempt++) {
    const owner = readPid(path);
    if (liveOwner(owner, path)) refuse(path, owner!);
    if (owner === null) {
      if (tryCreate(path)) return stale === null ? null : `Removed the stale PID file ${path} (PID ${Number.isNaN(stale) ? 'unreadable' : stale} is not running, or started after the file was written)`;
      continue; // another server created it in between: look at its PID
    }
    stale = owner;
    takeAwayStale(path, owner);
  }
  throw new PidFileError(`Could not create the PID file ${path}`);
}

/**
 * Moves a stale PID file aside (rename is atomic), then checks what was moved: if another starting
 * server replaced the stale file in the meantime, its file is put back.
 */
function takeAwayStale(path: string, stalePid: number): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved or removed it first
  }
  const moved = readPid(aside);
  if (!(moved === stalePid || (Number.isNaN(moved) && Number.isNaN(stalePid)))) {
    try {
      linkSync(aside, path);
    } catch {
      // a third server got there; it owns the name now
    }
  }
  unlinkSync(aside);
}

/** Removes the PID file if it holds our PID. */
export function releasePidFile(path: string): void {
  if (readPid(path) === process.pid) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
