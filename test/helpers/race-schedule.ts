// The schedules of the randomized persistence checker (race-check.ts): from a seed, a list of steps,
// each a pipeline of commands sent in one write (so that some land in one event-loop turn, as the
// toggle-race tests' pipelines) and a pause after it (so that a rewrite's thread-pool steps land
// between steps). Writes go to a few keys in three databases: string keys for SET/APPEND, counters
// for INCR, so that every reply can be checked against the model.

import { Rng } from '../diff/generators.js';

export interface Step {
  cmds: string[][];
  pause: number;
  /** Close the server (library close()) and start a new one on the directory. */
  restart?: boolean;
}

export interface Setup {
  appendonly: 'yes' | 'no';
  appendfsync: 'always' | 'everysec';
  autoMin: string;
  autoPerc: string;
  hz: string;
  timestamps: 'yes' | 'no';
  /** Failure chance per file operation while armed (0: no failures in this schedule). */
  failP: number;
  delayP: number;
  maxDelayMs: number;
}

const DBS = 3;
const STRINGS = ['s0', 's1', 's2', 's3', 's4'];
const COUNTERS = ['c0', 'c1', 'c2'];

function write(r: Rng): string[] {
  const x = r.next();
  if (x < 0.3) return ['SET', r.pick(STRINGS), `v${r.int(0, 999)}`];
  if (x < 0.55) return ['INCR', r.pick(COUNTERS)];
  if (x < 0.75) return ['APPEND', r.pick(STRINGS), `+${r.int(0, 99)}`];
  if (x < 0.87) return ['DEL', r.pick([...STRINGS, ...COUNTERS])];
  return ['EXPIRE', r.pick([...STRINGS, ...COUNTERS]), r.chance(0.15) ? '0' : String(r.int(100_000, 200_000))];
}

/** Writes, each with a SELECT first when it goes to another database than the last. */
function writes(r: Rng, n: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    if (r.chance(0.3)) out.push(['SELECT', String(r.int(0, DBS - 1))]);
    out.push(write(r));
  }
  return out;
}

function multi(r: Rng): string[][] {
  return [['MULTI'], ...writes(r, r.int(2, 4)), ['EXEC']];
}

/** One admin command; DEBUG ones only end a pipeline (the checker looks at the dataset after them). */
function admin(r: Rng, last: boolean): string[] {
  const x = r.next();
  if (x < 0.25) return ['BGREWRITEAOF'];
  if (x < 0.55) return ['CONFIG', 'SET', 'appendonly', r.chance(0.5) ? 'no' : 'yes'];
  if (x < 0.65) return ['BGSAVE'];
  if (x < 0.72) return ['SAVE'];
  if (x < 0.76) return ['FLUSHALL'];
  if (last && x < 0.9) return ['DEBUG', 'LOADAOF'];
  if (last) return ['DEBUG', 'RELOAD'];
  return ['BGREWRITEAOF'];
}

function step(r: Rng): Step {
  const pause = r.chance(0.3) ? 0 : r.int(0, r.chance(0.2) ? 80 : 15);
  const x = r.next();
  if (x < 0.4) return { cmds: writes(r, r.int(1, 6)), pause };
  if (x < 0.5) return { cmds: multi(r), pause };
  if (x < 0.53) return { cmds: [], pause, restart: true };
  // A burst: admin commands and writes in one pipeline, a DEBUG one last.
  const cmds: string[][] = [];
  const n = r.int(1, 3);
  for (let i = 0; i < n; i++) {
    if (r.chance(0.4)) cmds.push(...writes(r, r.int(1, 2)));
    cmds.push(admin(r, false));
  }
  if (r.chance(0.5)) cmds.push(...writes(r, r.int(1, 3)));
  if (r.chance(0.2)) cmds.push(admin(r, true));
  return { cmds, pause };
}

export function setupOf(seed: number): Setup {
  const r = new Rng(seed ^ 0x2545f491);
  return {
    appendonly: r.chance(0.8) ? 'yes' : 'no',
    appendfsync: r.chance(0.5) ? 'always' : 'everysec',
    autoMin: r.chance(0.6) ? String(r.int(300, 3000)) : '67108864',
    autoPerc: r.pick(['10', '50', '100']),
    hz: r.pick(['10', '50', '100']),
    timestamps: r.chance(0.15) ? 'yes' : 'no',
    failP: r.chance(0.5) ? r.pick([0.005, 0.02, 0.05]) : 0,
    delayP: r.pick([0, 0.2, 0.5, 0.9]),
    maxDelayMs: r.pick([3, 15, 40]),
  };
}

export function scheduleOf(seed: number, steps: number): Step[] {
  const r = new Rng(seed);
  const out: Step[] = [];
  for (let i = 0; i < steps; i++) out.push(step(r));
  return out;
}
