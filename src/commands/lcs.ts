// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest common subsequence of
// two strings, by the same dynamic programming table and the same backward walk as Redis 7.0, so
// that among several longest subsequences the same one (and the same ranges) is reported.
//
// Replies: the subsequence (bulk), LEN its length (integer), IDX a map {matches: [...], len: n}
// (a RESP3 map, a flat array in RESP2) whose matches are [[a_start, a_end], [b_start, b_end]]
// (plus the match length WITHMATCHLEN), last match first.

import { command, type CommandSpec, type Ctx } from './types.js';
import { cWord, toI64 } from './args.js';
import { Deferred, err, ErrorReply, MapReply, type Reply } from '../protocol/reply.js';
import { LCS_ALLOC_FAILED, LCS_IDX_AND_LEN, LCS_NOT_STRINGS, LCS_TABLE_TOO_BIG, NOT_INTEGER, SYNTAX } from '../errors.js';
import { stringOf } from '../keyspace/values.js';
import { lookupRead } from './keyaccess.js';

interface LcsOptions {
  idx: boolean;
  len: boolean;
  withMatchLen: boolean;
  minMatchLen: number;
}

function parseOptions(args: string[]): LcsOptions | ErrorReply {
  const o: LcsOptions = { idx: false, len: false, withMatchLen: false, minMatchLen: 0 };
  for (let j = 3; j < args.length; j++) {
    const opt = cWord(args[j]);
    if (opt === 'IDX') o.idx = true;
    else if (opt === 'LEN') o.len = true;
    else if (opt === 'WITHMATCHLEN') o.withMatchLen = true;
    else if (opt === 'MINMATCHLEN' && j + 1 < args.length) {
      const n = toI64(args[++j]);
      if (n === null) return err(NOT_INTEGER);
      o.minMatchLen = n < 0n ? 0 : Number(n);
    } else return err(SYNTAX);
  }
  if (o.idx && o.len) return err(LCS_IDX_AND_LEN);
  return o;
}

/** table[i * (blen + 1) + j] = length of the LCS of a[0..i) and b[0..j); null if out of memory. */
function buildTable(a: string, b: string): Uint32Array | null {
  const w = b.length + 1;
  let t: Uint32Array;
  try {
    t = new Uint32Array((a.length + 1) * w);
  } catch {
    return null;
  }
  const bc = Buffer.from(b, 'latin1');
  const blen = b.length;
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    // left = cell (i, j-1), diag = cell (i-1, j-1): carried in locals, one table read per cell.
    let left = 0;
    let diag = 0;
    for (let j = 1; j <= blen; j++) {
      const up = t[prev + j];
      const v = ca === bc[j - 1] ? diag + 1 : up > left ? up : left;
      t[row + j] = v;
      left = v;
      diag = up;
    }
  }
  return t;
}

/** Walks the table back from the end, collecting the subsequence and the matching ranges. */
function walk(a: string, b: string, t: Uint32Array, o: LcsOptions): { text: string; matches: Reply[] } {
  const w = b.length + 1;
  const total = t[a.length * w + b.length];
  const chars = new Uint8Array(total);
  const matches: Reply[] = [];
  let idx = total;
  // aStart === a.length means "no range open".
  let aStart = a.length;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = a.length;
  let j = b.length;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[--idx] = a.charCodeAt(i - 1);
      if (aStart === a.length) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (t[(i - 1) * w + j] > t[i * w + j - 1]) i--;
      else j--;
      if (aStart !== a.length) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (o.idx && (o.minMatchLen === 0 || matchLen >= o.minMatchLen)) {
        const m: Reply[] = [[aStart, aEnd], [bStart, bEnd]];
        if (o.withMatchLen) m.push(matchLen);
        matches.push(m);
      }
      aStart = a.length;
    }
  }
  return { text: Buffer.from(chars.buffer, 0, total).toString('latin1'), matches };
}

function lcs(ctx: Ctx, args: string[]): Reply {
  const va = lookupRead(ctx, args[1]);
  const vb = lookupRead(ctx, args[2]);
  const a = va === undefined ? '' : stringOf(va);
  const b = vb === undefined ? '' : stringOf(vb);
  if (a === undefined || b === undefined) return err(LCS_NOT_STRINGS);
  const o = parseOptions(args);
  if (o instanceof ErrorReply) return o;
  // Redis bounds the table (4 bytes a cell) by proto-max-bulk-len.
  if ((a.length + 1) * (b.length + 1) * 4 > ctx.server.config.int('proto-max-bulk-len')) return err(LCS_TABLE_TOO_BIG);
  const table = buildTable(a, b);
  if (table === null) return err(LCS_ALLOC_FAILED);
  if (o.len) return table[table.length - 1];
  const { text, matches } = walk(a, b, table, o);
  // The matches are an array of deferred length, as Redis's.
  if (o.idx) return new MapReply(['matches', new Deferred(matches), 'len', table[table.length - 1]]);
  return text;
}

export const lcsCommands: CommandSpec[] = [command('lcs', -3, ['readonly'], [1, 2, 1], lcs)];
