// What a server appended to its AOF between two moments, and how two such slices are compared
// (aof-effects.test.ts). A slice is read from the manifest's last incr file, from the size it had
// at the mark; a manifest that changed in between (a rewrite, the file turned off and on) is
// reported as such, not read. Two slices are equal when they hold the same commands, except that an
// absolute deadline (SET ... PXAT t, PEXPIREAT key t, RESTORE key t ... ABSTTL) may differ by at
// most the time the two servers took to run the case: each computed it from its own clock.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAof } from '../helpers/aof.js';
import { Manifest } from '../../src/persistence/manifest.js';
import { showCommand } from './pair.js';

const AOF_DIR = 'appendonlydir';
const AOF_NAME = 'appendonly.aof';

/** Where a server's AOF ended at some moment. */
export interface AofMark {
  manifest: string;
  file: string;
  size: number;
}

const manifestText = (dir: string): string => {
  const path = join(dir, AOF_DIR, `${AOF_NAME}.manifest`);
  return existsSync(path) ? readFileSync(path, 'latin1') : '<no manifest>';
};

/** The end of the AOF of data directory `dir` now. */
export function markAof(dir: string): AofMark {
  const files = Manifest.read(join(dir, AOF_DIR), AOF_NAME).dataFiles();
  const file = files[files.length - 1];
  return { manifest: manifestText(dir), file, size: statSync(file).size };
}

/** The commands appended since `mark`, or null when the manifest changed since (a rewrite). */
export function appendedSince(dir: string, mark: AofMark): string[][] | null {
  if (manifestText(dir) !== mark.manifest) return null;
  return parseAof(readFileSync(mark.file).subarray(mark.size));
}

/** Indexes of `cmd`'s arguments that are absolute times (Unix ms or s), as Redis logs them. */
function timeArgs(cmd: readonly string[]): number[] {
  const name = cmd[0]?.toUpperCase();
  if (name === 'PEXPIREAT' || name === 'EXPIREAT') return [2];
  if (name === 'RESTORE') return cmd.slice(4).some((a) => a.toUpperCase() === 'ABSTTL') ? [2] : [];
  if (name !== 'SET' && name !== 'GETEX') return [];
  const out: number[] = [];
  cmd.forEach((a, i) => {
    if (i >= 3 && /^(PXAT|EXAT)$/i.test(a)) out.push(i + 1);
  });
  return out;
}

/** Whether two logged commands are the same, deadlines within `slackMs` of each other. */
function sameCommand(a: readonly string[], b: readonly string[], slackMs: number): boolean {
  if (a.length !== b.length) return false;
  const times = timeArgs(a);
  return a.every((x, i) => {
    if (x === b[i]) return true;
    if (!times.includes(i) || !/^\d+$/.test(x) || !/^\d+$/.test(b[i])) return false;
    return Math.abs(Number(x) - Number(b[i])) <= slackMs;
  });
}

const byText = (a: readonly string[], b: readonly string[]): number => {
  const [x, y] = [a.join('\0'), b.join('\0')];
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Index of the first command where the slices differ (the shorter one's length when one is a
 * prefix of the other), or -1 when they are the same. `unordered`: compared as multisets (the
 * order is the servers' random choice).
 */
export function firstDifference(redis: string[][], ks: string[][], slackMs: number, unordered = false): number {
  const [r, k] = unordered ? [[...redis].sort(byText), [...ks].sort(byText)] : [redis, ks];
  const n = Math.min(r.length, k.length);
  for (let i = 0; i < n; i++) if (!sameCommand(r[i], k[i], slackMs)) return i;
  return r.length === k.length ? -1 : n;
}

/** A slice as indented lines, the command at `mark` flagged. */
export function showSlice(cmds: string[][] | null, mark: number): string[] {
  if (cmds === null) return ['    <the manifest changed: the AOF was rewritten or turned off>'];
  if (cmds.length === 0) return ['    <nothing>'];
  return cmds.map((c, i) => `  ${i === mark ? '>' : ' '} ${showCommand(c)}`);
}
