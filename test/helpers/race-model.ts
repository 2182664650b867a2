// The dataset model of the randomized persistence checker (race-check.ts): what memory holds after
// the acknowledged writes, and what the files may hold. The files follow memory while the AOF is on
// and its first base is written; with `appendonly no` they keep what they had (frozen), and a
// background rewrite or a first base still running may or may not land: each possible outcome is a
// candidate, and a load (DEBUG LOADAOF, a restart, the final check) must give one of them.

import type { Dump } from './aof.js';

export interface Entry {
  v: string;
  /** Deadline (ms, approximate for EXPIRE) or -1. */
  exp: number;
}

export type Data = Map<string, Entry>;

/** 'mem': the files follow memory; a Data: the files hold exactly that. */
export type Candidate = 'mem' | Data;

/** Deadlines are read off two clocks (EXPIRE's relative seconds): this far apart counts as equal. */
const EXP_SLACK_MS = 10_000;

export function toDump(d: Data): Dump {
  const out: Dump = {};
  for (const [k, e] of d) out[k] = { type: 'string', value: e.v, pexpiretime: e.exp };
  return out;
}

export function fromDump(d: Dump): Data {
  const out: Data = new Map();
  for (const [k, e] of Object.entries(d)) out.set(k, { v: e.value, exp: e.pexpiretime });
  return out;
}

/** How `got` differs from `want` (first few differences), or '' when they match. */
export function diff(want: Data, got: Dump): string {
  const out: string[] = [];
  for (const [k, e] of want) {
    const g = got[k];
    if (g === undefined) out.push(`${k} missing (want ${JSON.stringify(e.v)})`);
    else if (g.type !== 'string' || g.value !== e.v) out.push(`${k}=${JSON.stringify(g.value)} want ${JSON.stringify(e.v)}`);
    else if ((g.pexpiretime < 0) !== (e.exp < 0) || Math.abs(g.pexpiretime - e.exp) > EXP_SLACK_MS) out.push(`${k} deadline ${g.pexpiretime} want ${e.exp}`);
  }
  for (const k of Object.keys(got)) if (!want.has(k)) out.push(`${k}=${JSON.stringify(got[k].value)} not wanted`);
  return out.slice(0, 6).join('; ') + (out.length > 6 ? ` (+${out.length - 6})` : '');
}

export class Model {
  mem: Data = new Map();
  /** What the files may hold. */
  candidates: Candidate[] = ['mem'];
  /** appendonly as last set. */
  on = true;
  /** The dataset a BGREWRITEAOF with the file off is writing (a DEBUG LOADAOF does not stop it, as Redis's child). */
  offRewrite: Data | null = null;
  /**
   * Under everysec, the dataset before the turn whose write() failed: that turn's replies are sent,
   * its bytes written by a later retry, so appendonly no meanwhile closes the file without them
   * until the closing file's retry (redis-compat.md, Durability). Null once writes succeed again.
   */
  unwritten: Data[] | null = null;
  /** Highest value each counter ever had or may have (a crash image may hold no more). */
  readonly counterMax = new Map<string, number>();

  snapshot(): Data {
    return new Map(this.mem);
  }

  /** CONFIG SET appendonly no: the files stop following memory. */
  freeze(): void {
    if (this.unwritten !== null && this.candidates.includes('mem')) this.candidates.push(...this.unwritten);
    this.candidates = this.candidates.map((c) => (c === 'mem' ? this.snapshot() : c));
    this.on = false;
  }

  /** A possible outcome: memory now (a BGREWRITEAOF with the file off), or 'mem' (a first base). */
  addCandidate(c: Candidate): void {
    this.candidates.push(c);
  }

  /**
   * A write while the first base is written: a first base whose manifest was renamed but whose
   * directory fsync failed is tried again (with the writes since in a new temp incr file), so a stop
   * then leaves the dataset of that moment; every state since the start is a possible outcome.
   */
  noteWrite(starting: boolean): void {
    if (starting && this.candidates.length < 400) this.candidates.push(this.snapshot());
  }

  /** The files are known to follow memory (the file is on and its first base written). */
  settled(): void {
    this.candidates = ['mem'];
  }

  /** The candidate `got` matches, or null. */
  match(got: Dump): Data | null {
    for (const c of this.candidates) {
      const d = c === 'mem' ? this.mem : c;
      if (diff(d, got) === '') return d;
    }
    return null;
  }

  describe(got: Dump): string {
    return this.candidates.map((c, i) => `  candidate ${i}${c === 'mem' ? ' (memory)' : ''}: ${diff(c === 'mem' ? this.mem : c, got)}`).join('\n');
  }
}
