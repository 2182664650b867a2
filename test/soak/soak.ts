// The soak test: the built server as a real process (appendfsync always), many concurrent ioredis
// clients doing mixed reads, writes and expiries — SET, GET, INCR, APPEND, DEL, EXPIRE, MSET, each
// client on its own keys so that a model of what was acknowledged (model.ts) is exact — while the
// AOF is rewritten under load (BGREWRITEAOF and SIGHUP, alternately) and the server is killed with
// SIGKILL and restarted at intervals. Every reply is checked against the model as it arrives (a
// GET after a restart must see every acknowledged write); at the end the server is killed once
// more under load, restarted, and every key is read back; then it is stopped cleanly (exit 0),
// started again and read back once more. Nothing acknowledged may be lost: `lost` must be 0.

import { Redis, ReplyError } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { mulberry32, pick, type Rng } from '../helpers/rng.js';
import { KeyModel, type Answer, type Op } from './model.js';
import { ping, SoakServer } from './server.js';

export interface SoakOptions {
  bundle: string;
  durationMs: number;
  clients?: number;
  keysPerClient?: number;
  /** SIGKILL and restart every this many ms. */
  killEveryMs?: number;
  /** A rewrite (BGREWRITEAOF or SIGHUP, alternately) every this many ms. */
  rewriteEveryMs?: number;
  seed?: number;
  /** More server options, after the soak's own (e.g. ['--appendfsync', 'everysec']). */
  serverArgs?: string[];
  log?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  durationMs: number;
  clients: number;
  keys: number;
  /** Commands whose reply arrived, by command. */
  acknowledged: number;
  byCommand: Record<string, number>;
  /** Error replies (by text): INCR of a non-integer is expected; others are reported. */
  errorReplies: Record<string, number>;
  /** Commands in flight when the server was killed (outcome unknown; the model allows both). */
  inFlightAtKill: number;
  kills: number;
  cleanRestarts: number;
  bgrewriteaofAccepted: number;
  sighups: number;
  /** Rewrites the server reports done (INFO aof_rewrites, summed over its lifetimes). */
  rewritesDone: number;
  /** Replies during the run that no state allowed (e.g. a GET missing an acknowledged write). */
  readViolations: string[];
  /** Keys whose final value is not one an acknowledged history allows: must be 0. */
  lost: number;
  lostDetails: string[];
  /** Keys present that no client ever wrote. */
  invented: string[];
  /** The server exiting by itself. */
  serverDeaths: string[];
}

/** Error replies the workload provokes on purpose (INCR of a value APPEND made non-numeric). */
const EXPECTED_ERRORS = new Set(['ERR value is not an integer or out of range', 'ERR increment or decrement would overflow']);

/** Error replies other than the expected ones (e.g. MISCONF, LOADING after a restart): by text. */
export function unexpectedErrors(r: SoakReport): string[] {
  return Object.keys(r.errorReplies).filter((e) => !EXPECTED_ERRORS.has(e));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const keyName = (c: number, i: number): string => `soak:${c}:${i}`;

/** One random operation on a client's keys: [the command, the model op per key]. */
function randomOp(rng: Rng, c: number, nkeys: number): { cmd: string[]; ops: [string, Op][] } {
  const k = keyName(c, pick(rng, nkeys));
  const num = (): string => String(pick(rng, 1000) - 100);
  const r = rng();
  if (r < 0.22) {
    const value = rng() < 0.8 ? num() : `v${pick(rng, 1e6)}`;
    return { cmd: ['SET', k, value], ops: [[k, { op: 'set', value }]] };
  }
  if (r < 0.47) return { cmd: ['GET', k], ops: [[k, { op: 'get' }]] };
  if (r < 0.62) return { cmd: ['INCR', k], ops: [[k, { op: 'incr' }]] };
  if (r < 0.72) {
    const value = String(pick(rng, 10));
    return { cmd: ['APPEND', k, value], ops: [[k, { op: 'append', value }]] };
  }
  if (r < 0.77) return { cmd: ['DEL', k], ops: [[k, { op: 'del' }]] };
  if (r < 0.88) {
    const seconds = [1, 1, 2, 3, 100][pick(rng, 5)];
    return { cmd: ['EXPIRE', k, String(seconds)], ops: [[k, { op: 'expire', seconds }]] };
  }
  const cmd = ['MSET'];
  const ops: [string, Op][] = [];
  const first = pick(rng, nkeys);
  for (let j = 0; j < 2 + pick(rng, 2) && j < nkeys; j++) {
    const key = keyName(c, (first + j) % nkeys);
    const value = num();
    cmd.push(key, value);
    ops.push([key, { op: 'set', value }]);
  }
  return { cmd, ops };
}

/** ioredis answers: GET string|null, INCR/APPEND/DEL/EXPIRE number, SET/MSET 'OK'. */
function answerOf(v: unknown): Answer {
  return { ok: v === null || typeof v === 'number' || typeof v === 'string' ? v : String(v) };
}

class Soak {
  readonly models = new Map<string, KeyModel>();
  readonly report: SoakReport;
  private stopped = false;
  private readonly server: SoakServer;
  /** Resolves when the server is up again (clients wait on it after losing their connection). */
  private up: Promise<void> = Promise.resolve();
  private readonly log: (l: string) => void;

  constructor(private readonly o: Required<SoakOptions>, port: number, dir: string) {
    this.log = o.log;
    this.server = new SoakServer(o.bundle, port, dir, o.serverArgs);
    this.report = {
      seed: o.seed, durationMs: o.durationMs, clients: o.clients, keys: o.clients * o.keysPerClient, acknowledged: 0, byCommand: {},
      errorReplies: {}, inFlightAtKill: 0, kills: 0, cleanRestarts: 0, bgrewriteaofAccepted: 0, sighups: 0, rewritesDone: 0,
      readViolations: [], lost: 0, lostDetails: [], invented: [], serverDeaths: [],
    };
    for (let c = 0; c < o.clients; c++) for (let i = 0; i < o.keysPerClient; i++) this.models.set(keyName(c, i), new KeyModel());
  }

  private newClient(c: number): Redis {
    // No reconnection, no retries, no resending: a command either gets its reply or fails, and a
    // failed one is handled by the model as "maybe"; the client loop then reconnects by itself.
    const r = new Redis({
      port: this.server.port, host: '127.0.0.1', protocol: c % 2 === 0 ? 3 : 2, retryStrategy: () => null,
      maxRetriesPerRequest: 0, enableOfflineQueue: true, autoResendUnfulfilledCommands: false, lazyConnect: true,
    });
    r.on('error', () => {});
    return r;
  }

  /** One client: its own keys, one command at a time, until stopped. */
  private async client(c: number): Promise<void> {
    const rng = mulberry32(this.o.seed * 1000 + c);
    while (!this.stopped) {
      await this.up;
      const r = this.newClient(c);
      try {
        await r.connect();
      } catch {
        r.disconnect();
        await sleep(50);
        continue;
      }
      while (!this.stopped) {
        const { cmd, ops } = randomOp(rng, c, this.o.keysPerClient);
        const from = Date.now();
        let answer: Answer;
        try {
          answer = answerOf(await r.call(cmd[0], ...cmd.slice(1)));
        } catch (e) {
          if (!(e instanceof ReplyError)) {
            // The connection went away with the command in flight: it may or may not have run.
            const to = Date.now();
            for (const [k, op] of ops) this.models.get(k)!.unknown(op, from, to);
            if (ops[0][1].op !== 'get') this.report.inFlightAtKill++;
            break;
          }
          answer = { error: (e as Error).message };
          this.report.errorReplies[answer.error] = (this.report.errorReplies[answer.error] ?? 0) + 1;
          if (answer.error.startsWith('LOADING')) continue; // not run
        }
        const to = Date.now();
        this.report.acknowledged++;
        this.report.byCommand[cmd[0]] = (this.report.byCommand[cmd[0]] ?? 0) + 1;
        for (const [k, op] of ops) {
          const m = this.models.get(k)!;
          const before = m.describe();
          if (!m.observe(op, answer, from, to) && this.report.readViolations.length < 50) {
            this.report.readViolations.push(`${cmd.join(' ')} answered ${JSON.stringify(answer)} at ${from}..${to}; ${k} could be: ${before}`);
          }
        }
      }
      r.disconnect();
    }
  }

  /** SIGKILL, then the same server started again on the same port and directory. */
  private async killAndRestart(): Promise<void> {
    this.report.rewritesDone += await this.rewritesSoFar();
    let release!: () => void;
    this.up = new Promise((r) => (release = r));
    await this.server.stop('SIGKILL');
    this.report.kills++;
    await this.server.start();
    release();
  }

  private async rewritesSoFar(): Promise<number> {
    const r = new Redis({ port: this.server.port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0, lazyConnect: true });
    r.on('error', () => {});
    try {
      await r.connect();
      const info = await r.info('persistence');
      return Number(/aof_rewrites:(\d+)/.exec(info)?.[1] ?? 0);
    } catch {
      return 0;
    } finally {
      r.disconnect();
    }
  }

  private async rewrite(n: number): Promise<void> {
    if (n % 2 === 1) {
      this.server.signal('SIGHUP');
      this.report.sighups++;
      return;
    }
    const r = new Redis({ port: this.server.port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0, lazyConnect: true });
    r.on('error', () => {});
    try {
      await r.connect();
      const reply = await r.bgrewriteaof();
      if (/started|scheduled/.test(reply)) this.report.bgrewriteaofAccepted++;
    } catch {
      // in progress already, or the server was being killed
    } finally {
      r.disconnect();
    }
  }

  /** Reads every key back and checks it against the model. */
  private async verify(stage: string): Promise<void> {
    const r = new Redis({ port: this.server.port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0, lazyConnect: true });
    r.on('error', () => {});
    await r.connect();
    try {
      const keys = [...this.models.keys()];
      for (let i = 0; i < keys.length; i += 500) {
        const chunk = keys.slice(i, i + 500);
        const from = Date.now();
        const values = await r.mget(...chunk);
        const to = Date.now();
        chunk.forEach((k, j) => {
          const m = this.models.get(k)!;
          const before = m.describe();
          if (!m.observe({ op: 'get' }, { ok: values[j] }, from, to)) {
            this.report.lost++;
            if (this.report.lostDetails.length < 50) this.report.lostDetails.push(`${stage}: ${k} is ${JSON.stringify(values[j])}; acknowledged history allows: ${before}`);
          }
        });
      }
      const all = new Set<string>();
      let cursor = '0';
      do {
        const [next, found] = await r.scan(cursor, 'COUNT', 1000);
        cursor = next;
        for (const k of found) all.add(k);
      } while (cursor !== '0');
      for (const k of all) if (!this.models.has(k) && this.report.invented.length < 50) this.report.invented.push(`${stage}: ${k}`);
    } finally {
      r.disconnect();
    }
  }

  async run(): Promise<SoakReport> {
    const o = this.o;
    await this.server.start();
    const started = Date.now();
    const clients = Array.from({ length: o.clients }, (_, c) => this.client(c));
    let nextKill = started + o.killEveryMs;
    let nextRewrite = started + o.rewriteEveryMs;
    let rewrites = 0;
    let lastLog = started;
    while (Date.now() - started < o.durationMs) {
      await sleep(50);
      if (Date.now() >= nextRewrite) {
        nextRewrite += o.rewriteEveryMs;
        await this.rewrite(rewrites++);
      }
      if (Date.now() >= nextKill && Date.now() - started < o.durationMs - 1000) {
        nextKill += o.killEveryMs;
        await this.killAndRestart();
        this.log(`kill -9 #${this.report.kills} and restart: ${this.report.acknowledged} acknowledged so far, ${this.report.readViolations.length} violations`);
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        this.log(`${Math.round((Date.now() - started) / 1000)} s: ${this.report.acknowledged} acknowledged (${Math.round(this.report.acknowledged / ((Date.now() - started) / 1000))}/s)`);
      }
    }
    // The last kill, under load; then the clients stop (their in-flight commands are "maybe").
    this.report.rewritesDone += await this.rewritesSoFar();
    await this.server.stop('SIGKILL');
    this.report.kills++;
    this.stopped = true;
    await Promise.all(clients);
    await this.server.start();
    await this.verify('after the last kill -9');
    // A clean stop must exit 0 and keep everything too.
    const code = await this.server.stop('SIGTERM');
    if (code !== 0) this.report.serverDeaths.push(`SIGTERM exit code ${code}: ${this.server.output().slice(-1000)}`);
    await this.server.start();
    this.report.cleanRestarts++;
    await this.verify('after a clean restart');
    await this.server.stop('SIGTERM');
    this.report.serverDeaths.push(...this.server.unexpectedExits);
    this.report.durationMs = Date.now() - started;
    return this.report;
  }

  async abort(): Promise<void> {
    this.stopped = true;
    await this.server.stop('SIGKILL');
  }
}

/** Runs a soak; the temporary directory is removed afterwards unless something was lost. */
export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const defaults: Required<SoakOptions> = {
    bundle: opts.bundle, durationMs: opts.durationMs, clients: 200, keysPerClient: 8, killEveryMs: 15_000, rewriteEveryMs: 3_000,
    seed: Math.floor(Math.random() * 2 ** 31), serverArgs: [], log: () => {},
  };
  // Options given as undefined keep their defaults.
  const o: Required<SoakOptions> = { ...defaults, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  const dir = mkdtempSync(join(tmpdir(), 'ks-soak-'));
  const port = await freePort();
  const soak = new Soak(o, port, dir);
  let report: SoakReport;
  try {
    report = await soak.run();
  } catch (e) {
    await soak.abort();
    throw e;
  }
  const bad = report.lost > 0 || report.readViolations.length > 0 || report.invented.length > 0;
  if (bad) o.log(`data directory kept for inspection: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  return report;
}

export { ping };
