// A FileIO for the randomized persistence checker (race-check.ts): seeded random delays on the
// thread-pool operations (so that a stopped rewrite's steps land in other commands' turns), seeded
// random failures (EIO, ENOSPC) of opens, writes, fsyncs and renames while armed, and at every
// rename, delete and directory fsync a look at the directory: the manifest on disk must name only
// files that exist (a kill -9 at that instant would otherwise leave a directory that does not load).

import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShortWriteError } from '../../src/persistence/fileio.js';
import { Rng } from '../diff/generators.js';
import { FaultyIO } from './aof.js';

/** The files (base, incr) the manifest in `aofDir` names, or null when there is no manifest. */
export function manifestFiles(aofDir: string, name = 'appendonly.aof.manifest'): { name: string; type: string }[] | null {
  const path = join(aofDir, name);
  if (!existsSync(path)) return null;
  const lines = readFileSync(path, 'latin1').split('\n').filter((l) => l !== '');
  return lines.map((l) => {
    const w = l.split(' ');
    return { name: w[1], type: w[w.indexOf('type') + 1] };
  });
}

/** The base and incr files the manifest in `aofDir` names that are missing. */
export function missingFiles(aofDir: string): string[] {
  const named = manifestFiles(aofDir) ?? [];
  return named.filter((f) => f.type !== 'h' && !existsSync(join(aofDir, f.name))).map((f) => f.name);
}

/**
 * AOF files in `dir` (and its appendonlydir) that no manifest names, but those Redis leaves too: the
 * temp incr file of a stopped start (stopAppendOnly), a temp manifest whose save failed
 * (writeAofManifestFile does not remove it).
 */
export function strayFiles(dir: string): string[] {
  const aofDir = join(dir, 'appendonlydir');
  const named = new Set((manifestFiles(aofDir) ?? []).map((f) => f.name));
  const out = readdirSync(dir).filter((f) => f.startsWith('temp-'));
  if (!existsSync(aofDir)) return out;
  for (const f of readdirSync(aofDir)) {
    if (f === 'appendonly.aof.manifest' || named.has(f) || f === 'temp-appendonly.aof.incr' || f === 'temp-appendonly.aof.manifest') continue;
    out.push(`appendonlydir/${f}`);
  }
  return out;
}

const CODES = ['EIO', 'ENOSPC'];

export class ChaosIO extends FaultyIO {
  private readonly rng: Rng;
  /** Chance that a thread-pool operation is delayed, and by up to how many ms. */
  delayP = 0.3;
  maxDelayMs = 25;
  /** Chance that an operation fails while armed. */
  failP = 0;
  armed = false;
  /** Thread-pool operations not yet called back. */
  inflight = 0;
  /** What went wrong at a rename, delete or directory fsync. */
  readonly violations: string[] = [];
  /** Failures injected, for the trace. */
  readonly injected: string[] = [];
  /** Called at each rename and directory fsync with the checker's chance to copy the directory (a crash image). */
  onSync: ((what: string) => void) | null = null;

  constructor(seed: number, private readonly dir: string) {
    super();
    this.rng = new Rng(seed ^ 0x5bd1e995);
  }

  private fail(op: string, path = ''): string | null {
    if (!this.armed || !this.rng.chance(this.failP)) return null;
    const code = this.rng.pick(CODES);
    this.injected.push(`${op} ${path.slice(path.lastIndexOf('/') + 1)} ${code}`);
    return code;
  }

  private static err(code: string): Error {
    return Object.assign(new Error(code), { code });
  }

  /** Checks the directory after `what` (a kill -9 here must leave a loadable directory). */
  check(what: string): void {
    const missing = missingFiles(join(this.dir, 'appendonlydir'));
    if (missing.length > 0) this.violations.push(`after ${what}: the manifest names missing ${missing.join(', ')}`);
  }

  private later(cb: (err: Error | null) => void, what: string, run: (done: (err: Error | null) => void) => void): void {
    this.inflight++;
    const done = (err: Error | null): void => {
      this.inflight--;
      if (what !== '') this.check(what);
      cb(err);
    };
    if (this.rng.chance(this.delayP)) setTimeout(() => run(done), this.rng.int(1, this.maxDelayMs));
    else run(done);
  }

  override openWrite(path: string): number {
    const code = this.fail('open', path);
    if (code !== null) throw ChaosIO.err(code);
    return super.openWrite(path);
  }

  override openAppend(path: string): number {
    const code = this.fail('open', path);
    if (code !== null) throw ChaosIO.err(code);
    return super.openAppend(path);
  }

  override write(fd: number, buf: Buffer): void {
    const code = this.fail('write');
    if (code !== null) throw new ShortWriteError(0, code);
    super.write(fd, buf);
  }

  override writeAsync(fd: number, buf: Buffer, cb: (err: Error | null) => void): void {
    const code = this.fail('writeAsync');
    this.later(cb, '', (done) => (code !== null ? setImmediate(() => done(ChaosIO.err(code))) : super.writeAsync(fd, buf, done)));
  }

  override fsync(fd: number): void {
    const code = this.fail('fsync');
    if (code !== null) throw ChaosIO.err(code);
    super.fsync(fd);
  }

  override fsyncAsync(fd: number, cb: (err: Error | null) => void): void {
    const code = this.fail('fsyncAsync');
    this.later(cb, '', (done) => (code !== null ? setImmediate(() => done(ChaosIO.err(code))) : super.fsyncAsync(fd, done)));
  }

  override closeAsync(fd: number, cb: (err: Error | null) => void): void {
    this.later(cb, '', (done) => super.closeAsync(fd, done));
  }

  override rename(from: string, to: string): void {
    const code = this.fail('rename', to);
    if (code !== null) throw ChaosIO.err(code);
    super.rename(from, to);
    const what = `rename ${from.slice(from.lastIndexOf('/') + 1)} -> ${to.slice(to.lastIndexOf('/') + 1)}`;
    this.check(what);
    this.onSync?.(what);
  }

  override unlink(path: string): void {
    super.unlink(path);
    this.check(`unlink ${path.slice(path.lastIndexOf('/') + 1)}`);
  }

  override unlinkAsync(path: string, cb: (err: Error | null) => void): void {
    this.later(cb, `unlinkAsync ${path.slice(path.lastIndexOf('/') + 1)}`, (done) => super.unlinkAsync(path, done));
  }

  override fsyncDir(path: string): void {
    this.check('fsyncDir');
    this.onSync?.('fsyncDir');
    const code = this.fail('fsyncDir');
    if (code !== null) throw ChaosIO.err(code);
    super.fsyncDir(path);
  }

  override fsyncDirAsync(path: string, cb: (err: Error | null) => void): void {
    this.check('fsyncDirAsync');
    this.onSync?.('fsyncDirAsync');
    const code = this.fail('fsyncDirAsync');
    this.later(cb, '', (done) => (code !== null ? setImmediate(() => done(ChaosIO.err(code))) : super.fsyncDirAsync(path, done)));
  }

  /** A copy of the data directory as it is now (a crash image), without the PID file. */
  copyDir(): string {
    const copy = mkdtempSync(join(tmpdir(), 'ks-crash-'));
    cpSync(this.dir, copy, { recursive: true, filter: (src) => !src.endsWith('keystonelight.pid') });
    return copy;
  }
}
