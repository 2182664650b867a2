// Runs the fuzzed server in a worker thread (server-worker.ts) and watches it: its warnings, an
// exception that escaped it (the worker dies: a crash), running out of its memory limit. A server
// stuck in a loop is terminated, which V8 can do even in the middle of a synchronous loop.

import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Warnings that mean a bug: a handler threw, or a connection was closed after an exception. */
const BUG_LOG = [/^Command '[\s\S]*' crashed:/, /^Closing client id=\S+ addr=\S+ after an internal error/, /^Replaying '[\s\S]*' crashed:/];

/** The worker's heap limit: a case that makes the server hold more than this is a finding. */
const HEAP_LIMIT_MB = 3072;

/** What the worker answers: 'started' (port), 'stopped' (heapUsed); 'died' stands for no answer. */
interface Reply {
  op: string;
  port?: number;
  heapUsed?: number;
  buffers?: number;
  dataset?: number;
}

export class ServerHost {
  private worker: Worker | null = null;
  private dir = '';
  private waiting: ((m: Reply) => void) | null = null;
  /** Why the worker died, once it has (crash, out of memory). */
  died: string | null = null;
  /** Warnings that indicate bugs, since the last take(). */
  private bugs: string[] = [];
  /** Every warning since the last take() (for context in reports). */
  private warnings: string[] = [];

  /** `inject`: the server gets deliberate bugs (server-worker.ts FAULTS), for the self-test. */
  constructor(private readonly workerUrl: URL, private readonly inject = false) {}

  /** Starts a fresh server (a new worker if there is none or it died); resolves with its port. */
  async start(): Promise<number> {
    if (this.worker === null || this.died !== null) await this.spawn();
    this.dir = mkdtempSync(join(tmpdir(), 'ks-fuzz-'));
    const m = await this.request({ op: 'start', dir: this.dir, inject: this.inject });
    if (m.op !== 'started') throw new Error(`the server did not start: ${this.died}`);
    return m.port!;
  }

  /** Stops the server; resolves with the worker's heap after a full GC (null if it is dead). */
  async stop(): Promise<number | null> {
    const m = this.worker === null || this.died !== null ? null : await this.request({ op: 'stop' }, 30_000).catch(() => null);
    if (this.dir !== '') rmSync(this.dir, { recursive: true, force: true });
    return m?.heapUsed ?? null;
  }

  /**
   * What the server holds right now: its heap, the process's buffers, and its own estimate of the
   * dataset in them (a 256 MB bitmap a SETBIT made is data, not held input). No GC first unless `gc`.
   */
  async memory(gc = false): Promise<{ heapUsed: number; buffers: number; dataset: number } | null> {
    if (this.worker === null || this.died !== null) return null;
    const m = await this.request({ op: 'mem', gc });
    return m.op === 'mem' ? { heapUsed: m.heapUsed!, buffers: m.buffers!, dataset: m.dataset! } : null;
  }

  /** Terminates the worker (a hang, or the end of the run). */
  async kill(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
    if (this.dir !== '') rmSync(this.dir, { recursive: true, force: true });
  }

  /** Bug warnings and all warnings logged since the previous call. */
  take(): { bugs: string[]; warnings: string[] } {
    const r = { bugs: this.bugs, warnings: this.warnings };
    this.bugs = [];
    this.warnings = [];
    return r;
  }

  private async spawn(): Promise<void> {
    await this.kill();
    this.died = null;
    const w = new Worker(this.workerUrl, { resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB }, stdout: false, stderr: false });
    this.worker = w;
    w.on('message', (m: { op: string; level?: string; msg?: string }) => {
      if (m.op === 'log') {
        if (this.warnings.length < 100) this.warnings.push(m.msg!);
        if (BUG_LOG.some((re) => re.test(m.msg!))) this.bugs.push(m.msg!);
        return;
      }
      this.answer(m);
    });
    w.on('error', (e) => {
      this.died = `${(e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out of memory' : 'uncaught exception'}: ${e.stack ?? e.message}`;
      this.answer({ op: 'died' });
    });
    w.on('exit', (code) => {
      if (this.worker === w && this.died === null) this.died = `the server's thread exited (code ${code})`;
      this.answer({ op: 'died' });
    });
  }

  private answer(m: Reply): void {
    const f = this.waiting;
    this.waiting = null;
    f?.(m);
  }

  private request(msg: object, ms = 15_000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the server thread did not answer ${JSON.stringify(msg)}: ${this.died ?? 'no reply'}`)), ms);
      this.waiting = (m) => {
        clearTimeout(t);
        resolve(m);
      };
      this.worker!.postMessage(msg);
    });
  }
}
