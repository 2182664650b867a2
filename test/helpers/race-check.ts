// The randomized persistence checker: an in-process server on a ChaosIO (race-io.ts) runs a seeded
// schedule (race-schedule.ts) of writes, MULTI/EXEC, rewrites, appendonly toggles, DEBUG
// LOADAOF/RELOAD, SAVE/BGSAVE, FLUSHALL and restarts, and every reply is checked against a model
// (race-model.ts). Checked: the manifest on disk names only files that exist at every rename,
// delete and directory fsync; every load (DEBUG LOADAOF, a restart) gives what the files may hold;
// at the end (race-final.ts) the idle directory has no stray files and loads, in a new
// Keystonelight and in redis-server, to the acknowledged dataset.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/index.js';
import { dumpServer } from './aof.js';
import { RawClient } from './raw.js';
import { ChaosIO } from './race-io.js';
import { diff, fromDump, Model, type Data } from './race-model.js';
import { scheduleOf, setupOf, type Setup, type Step } from './race-schedule.js';
import { crashImages, finalChecks, type CrashImage } from './race-final.js';

export interface RaceResult {
  seed: number;
  problems: string[];
  trace: string[];
}

/** Client state while replies are applied: the database, and the writes queued in MULTI. */
interface Session {
  db: number;
  queue: string[][] | null;
}

const key = (db: number, k: string): string => `${db}:${k}`;

export class RaceRun {
  readonly model = new Model();
  readonly problems: string[] = [];
  readonly trace: string[] = [];
  readonly log: string[] = [];
  readonly images: CrashImage[] = [];
  /** Directories made (copies), removed with the data directory when all went well. */
  readonly made: string[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'ks-race-'));
  readonly io: ChaosIO;
  s!: RunningServer;
  c!: RawClient;
  private readonly session: Session = { db: 0, queue: null };

  constructor(readonly seed: number, readonly setup: Setup) {
    this.io = new ChaosIO(seed, this.dir);
    this.io.failP = setup.failP;
    this.io.delayP = setup.delayP;
    this.io.maxDelayMs = setup.maxDelayMs;
    this.io.onSync = (what) => this.maybeImage(what);
  }

  private maybeImage(what: string): void {
    if (this.images.length >= 2 || !this.io.armed || Math.random() > 0.05) return;
    this.images.push({ dir: this.io.copyDir(), what, counterMax: new Map(this.model.counterMax) });
  }

  async open(appendonly: string): Promise<void> {
    const st = this.setup;
    this.s = await startServer({
      port: 0,
      fileIO: this.io,
      config: {
        dir: this.dir, appendonly, appendfsync: st.appendfsync, 'auto-aof-rewrite-min-size': st.autoMin,
        'auto-aof-rewrite-percentage': st.autoPerc, hz: st.hz, 'aof-timestamp-enabled': st.timestamps, loglevel: 'notice',
        'enable-debug-command': 'yes',
      },
      log: (_l, m) => void this.log.push(m),
    });
    this.c = await RawClient.connect(this.s.port);
    this.session.db = 0;
  }

  problem(p: string): void {
    this.problems.push(p);
    this.trace.push(`!! ${p}`);
  }

  /** The counters' bound for crash images, raised for the INCRs of a pipeline about to be sent. */
  private raiseCounters(cmds: string[][]): void {
    let db = this.session.db;
    const extra = new Map<string, number>();
    for (const c of cmds) {
      if (c[0] === 'SELECT') db = Number(c[1]);
      if (c[0] !== 'INCR') continue;
      const k = key(db, c[1]);
      extra.set(k, (extra.get(k) ?? 0) + 1);
      const v = Number(this.model.mem.get(k)?.v ?? 0) + (extra.get(k) ?? 0);
      this.model.counterMax.set(k, Math.max(this.model.counterMax.get(k) ?? 0, v));
    }
  }

  /** Applies one acknowledged write to memory (and checks its reply); false if the reply disagrees. */
  private applyWrite(db: number, cmd: string[], reply: string): void {
    const mem = this.model.mem;
    const k = key(db, cmd[1]);
    const prev = mem.get(k);
    const expect = (want: string): void => {
      if (reply !== want) this.problem(`${cmd.join(' ')} (db ${db}) answered ${JSON.stringify(reply)}, the model says ${JSON.stringify(want)}`);
    };
    switch (cmd[0]) {
      case 'SET':
        mem.set(k, { v: cmd[2], exp: -1 });
        return;
      case 'INCR': {
        const v = String(Number(prev?.v ?? 0) + 1);
        expect(`:${v}\r\n`);
        mem.set(k, { v, exp: prev?.exp ?? -1 });
        return;
      }
      case 'APPEND': {
        const v = (prev?.v ?? '') + cmd[2];
        expect(`:${v.length}\r\n`);
        mem.set(k, { v, exp: prev?.exp ?? -1 });
        return;
      }
      case 'DEL':
        expect(prev ? ':1\r\n' : ':0\r\n');
        mem.delete(k);
        return;
      case 'EXPIRE':
        expect(prev ? ':1\r\n' : ':0\r\n');
        if (prev === undefined) return;
        if (Number(cmd[2]) <= 0) mem.delete(k);
        else mem.set(k, { v: prev.v, exp: Date.now() + Number(cmd[2]) * 1000 });
    }
  }

  /** EXEC's reply: every queued write applied (an array) or none (an error). */
  private applyExec(queue: string[][], reply: string): void {
    if (!reply.startsWith('*')) return;
    const items = reply.split('\r\n').slice(1, -1).map((l) => `${l}\r\n`);
    let db = this.session.db;
    let i = 0;
    for (const cmd of queue) {
      if (cmd[0] === 'SELECT') db = Number(cmd[1]);
      else this.applyWrite(db, cmd, items[i]);
      i++;
    }
    this.session.db = db;
  }

  private applyAdmin(cmd: string[], reply: string): void {
    const m = this.model;
    const ok = reply.startsWith('+');
    const name = cmd.join(' ').toUpperCase();
    if (name === 'CONFIG SET APPENDONLY NO' && ok && m.on) m.freeze();
    else if (name === 'CONFIG SET APPENDONLY YES' && ok && !m.on) {
      m.addCandidate('mem');
      m.on = true;
    } else if (name === 'BGREWRITEAOF' && ok && !m.on) {
      if (!reply.includes('started')) this.problem(`BGREWRITEAOF with the file off answered ${reply.trim()}`);
      m.offRewrite = m.snapshot();
      m.addCandidate(m.offRewrite);
    } else if (name === 'FLUSHALL' && ok) m.mem.clear();
    else if (name === 'DEBUG LOADAOF' || name === 'DEBUG RELOAD') this.afterLoad(name, ok, reply);
  }

  /** After DEBUG LOADAOF/RELOAD: memory must be one of what the files may hold (or unchanged). */
  private afterLoad(name: string, ok: boolean, reply: string): void {
    const m = this.model;
    const got = dumpServer(this.s.server);
    if (name === 'DEBUG RELOAD' || !ok) {
      if (diff(m.mem, got) === '') return;
      if (name === 'DEBUG RELOAD' && ok) return this.problem(`DEBUG RELOAD changed memory: ${diff(m.mem, got)}`);
    }
    const hit = m.match(got);
    if (hit === null) return this.problem(`${name} (${reply.trim()}) loaded none of what the files may hold:\n${m.describe(got)}`);
    this.adopt(hit);
  }

  /** Memory is now `d`, just loaded from the files. */
  adopt(d: Data): void {
    const m = this.model;
    m.mem = new Map(d);
    const starting = this.s.server.persistence?.starting === true;
    m.candidates = m.on && !starting ? ['mem'] : m.on ? [m.snapshot(), 'mem'] : [m.snapshot()];
    if (!m.on && this.s.server.aofOff.rewriting && m.offRewrite !== null) m.candidates.push(m.offRewrite);
  }

  /** Applies the replies of one pipeline, in order. */
  private apply(cmds: string[][], replies: string[]): void {
    const s = this.session;
    cmds.forEach((cmd, i) => {
      const reply = replies[i];
      if (s.queue !== null && cmd[0] !== 'EXEC') {
        if (reply.startsWith('+QUEUED')) s.queue.push(cmd);
        return;
      }
      if (cmd[0] === 'MULTI') s.queue = [];
      else if (cmd[0] === 'EXEC') {
        this.applyExec(s.queue ?? [], reply);
        s.queue = null;
      } else if (cmd[0] === 'SELECT') {
        if (reply === '+OK\r\n') s.db = Number(cmd[1]);
      } else if (reply.startsWith('-') && !/^(CONFIG|BGREWRITEAOF|BGSAVE|SAVE|DEBUG)/.test(cmd[0])) return;
      else if (['SET', 'INCR', 'APPEND', 'DEL', 'EXPIRE'].includes(cmd[0])) this.applyWrite(s.db, cmd, reply);
      else this.applyAdmin(cmd, reply);
      if (cmd[0] !== 'MULTI' && cmd[0] !== 'SELECT') this.model.noteWrite(this.model.on && this.s.server.persistence?.starting === true);
    });
  }

  /** The file is on and its first base written: the files follow memory again. */
  private settle(): void {
    const p = this.s.server.persistence;
    if ((p !== null) !== this.model.on) this.problem(`appendonly is ${p !== null ? 'on' : 'off'}, the model says ${this.model.on ? 'on' : 'off'}`);
    if (p !== null && !p.starting && this.model.on) this.model.settled();
  }

  async restart(): Promise<void> {
    this.c.close();
    this.io.armed = false;
    await this.s.close();
    const after = `after close (step ${this.trace.length})`;
    this.io.check(after);
    await this.open('yes');
    this.model.on = true;
    const got = dumpServer(this.s.server);
    const hit = this.model.match(got);
    if (hit === null) this.problem(`a restart loaded none of what the files may hold:\n${this.model.describe(got)}`);
    else this.adopt(hit);
    this.io.armed = true;
  }

  /** The start of the last step: the turn whose write failed is in it or in this one. */
  private lastStart: Data | null = null;

  /** Under everysec, where a write failed the dataset before it may be missing from the file for a while (Model.unwritten). */
  private noteFailedWrite(replies: string[], before: Data): void {
    const m = this.model;
    if (replies.some((r) => r.startsWith('-MISCONF'))) {
      if (this.setup.appendfsync !== 'always') m.unwritten ??= [...(this.lastStart === null ? [] : [this.lastStart]), before];
    } else if (replies.some((r) => !r.startsWith('-'))) m.unwritten = null;
  }

  async runStep(st: Step, i: number): Promise<void> {
    if (st.restart) {
      this.trace.push(`${i}: restart`);
      await this.restart();
      return;
    }
    this.raiseCounters(st.cmds);
    const before = this.model.snapshot();
    const replies = await this.c.pipeline(st.cmds);
    this.noteFailedWrite(replies, before);
    this.trace.push(`${i}: ${st.cmds.map((c, j) => `${c.join(' ')} -> ${replies[j].trim().slice(0, 60).replace(/\r\n/g, ' ')}`).join(' | ')}`);
    this.apply(st.cmds, replies);
    this.settle();
    this.lastStart = before;
    if (st.pause > 0) await new Promise((r) => setTimeout(r, st.pause));
  }
}

/** Runs the schedule of `seed` (`steps` steps) and every check; the problems found, with a trace. */
/** `redis`: also check the final directory with redis-check-aof and redis-server. */
export async function runRace(seed: number, steps = 40, schedule?: Step[], opts = { redis: true }): Promise<RaceResult> {
  const setup = setupOf(seed);
  const run = new RaceRun(seed, setup);
  run.trace.push(`setup ${JSON.stringify(setup)}`);
  const sched = schedule ?? scheduleOf(seed, steps);
  try {
    await run.open(setup.appendonly);
    run.model.on = setup.appendonly === 'yes';
    run.model.candidates = run.model.on ? ['mem'] : [new Map()];
    run.io.armed = true;
    for (let i = 0; i < sched.length && run.problems.length === 0 && run.io.violations.length === 0; i++) await run.runStep(sched[i], i);
    run.io.armed = false;
    if (run.problems.length === 0) await finalChecks(run, opts.redis);
    if (run.problems.length === 0) await crashImages(run);
  } catch (e) {
    run.problem(`exception: ${(e as Error).stack ?? String(e)}`);
  } finally {
    run.c?.close();
    await run.s?.close().catch((e: unknown) => run.problem(`close: ${String(e)}`));
  }
  for (const v of run.io.violations) run.problem(`directory check ${v}`);
  if (run.problems.length === 0) {
    for (const d of [run.dir, ...run.made, ...run.images.map((i) => i.dir)]) rmSync(d, { recursive: true, force: true });
  }
  if (run.problems.length > 0) run.trace.push(`injected: ${run.io.injected.join(', ')}`, '--- log ---', ...run.log.slice(-60));
  return { seed, problems: run.problems, trace: run.trace };
}

export { fromDump };
