// Whether a PID read from a PID file (pidfile.ts) names a live process that may be a Keystonelight
// server, judged from Linux's /proc (see maybeServer). A file naming anything else is stale: its
// PID, after a crash and a reboot, is some other process's by then, which must not keep a server
// from starting.

import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/** Whether process `pid` exists (EPERM: it does, another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A node binary's name: node, nodejs, node20 (not node_exporter). */
const NODE_NAME = /^node(js)?[\d.]*$/;

/**
 * Whether process `pid` may be a Keystonelight server. After a crash and a reboot the PID in the
 * file may be init's, a daemon's, a kernel thread's: only a process that is clearly something
 * else does not hold the file. From Linux's /proc: its program (the exe link, readable for our
 * own user's processes; it survives a changed process.title) is a node binary, or else, from the
 * files every user may read (root's daemons too), its command line names keystonelight or its
 * argv[0] or `comm` is a node binary, or (its title may be anything: proc-title-template) it runs
 * as the user who owns the file (`fileUid`), neither root nor us (`selfUid`). An empty command
 * line is a kernel thread. Where /proc cannot tell (none, or hidden), it may. Not by start time
 * against the file's mtime: a clock stepped after the owner started (no hardware clock, a
 * restored VM, NFS) made a live owner look younger than its file.
 */
export function maybeServer(pid: number, proc = '/proc', fileUid?: number, selfUid = process.geteuid?.()): boolean {
  let exeRead = false;
  try {
    if (NODE_NAME.test(basename(readlinkSync(`${proc}/${pid}/exe`).replace(/ \(deleted\)$/, '')))) return true;
    exeRead = true;
  } catch {
    // another user's process, or a kernel thread: judged by what everyone may read
  }
  let cmdline: string;
  let comm: string;
  try {
    cmdline = readFileSync(`${proc}/${pid}/cmdline`, 'latin1');
    comm = readFileSync(`${proc}/${pid}/comm`, 'latin1').trim();
  } catch {
    return true;
  }
  if (cmdline === '') return false;
  // Another user's process (its program unreadable) of the user who wrote the file (a server
  // writes its own PID file): its title may say anything (proc-title-template "cache {port}"
  // renames both the command line and comm; a review saw a server started by another user take
  // over a live one's files that way).
  // Not for a file of our own user (our servers' program is readable: an unreadable one is a
  // non-dumpable process, such as ssh-agent), nor of root's (any daemon, after a reboot).
  if (!exeRead && fileUid !== undefined && fileUid !== 0 && fileUid !== selfUid && effectiveUid(pid, proc) === fileUid) return true;
  if (cmdline.includes('keystonelight')) return true;
  return NODE_NAME.test(basename(cmdline.split('\0')[0])) || NODE_NAME.test(comm);
}

/** A process's effective user ID (/proc/PID/status, which everyone may read), or null. */
function effectiveUid(pid: number, proc: string): number | null {
  try {
    const m = /^Uid:\s+\d+\s+(\d+)/m.exec(readFileSync(`${proc}/${pid}/status`, 'latin1'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}
