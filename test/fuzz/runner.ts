// The fuzzer's driver. Case i of seed S is a pure function of (S, i): a byte-stream case (gen-bytes)
// or a command case for one command of the table (gen-commands), so `--seed S` replays a run and a
// finding names the case it was seen at. Cases run in epochs: each epoch gets a fresh server (its
// configuration changes and data start over), ends with the AOF round-trip check, and then the
// server's heap is measured after a full GC (memory must come back). A finding is then minimized:
// the epoch's cases up to it are replayed on fresh servers, removing cases while the same kind of
// finding still happens, down to the few commands that reproduce it.

import { mulberry32, pick } from '../helpers/rng.js';
import { buildCommandTable } from '../../src/commands/index.js';
import type { CommandTable } from '../../src/commands/dispatch.js';
import { allSpecs, genCommand } from './gen-commands.js';
import { genBytes } from './gen-bytes.js';
import { describe, Session, type Finding, type Item } from './exec.js';
import { ServerHost } from './host.js';

export interface FuzzOptions {
  seed: number;
  /** Most cases to run. */
  cases: number;
  /** Stop starting new epochs after this long (ms). */
  timeMs: number;
  /** ...but not before this many cases ran (a loaded machine runs ten times fewer in the time). */
  minCases?: number;
  /** Cases per epoch (per fresh server). */
  epoch?: number;
  /** Command cases pipelined together. */
  batch?: number;
  /** Per-reply deadline (ms): no reply by then is a hang. */
  timeoutMs?: number;
  /** Share of byte-stream cases (0..1). */
  bytesShare?: number;
  /** Stop after this many findings. */
  maxFindings?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Every case and its reply (replay). */
  trace?: (line: string) => void;
  /** Run only the epoch holding case `only`, up to it. */
  only?: number;
}

export interface Reported extends Finding {
  /** The cases that reproduce it on a fresh server, after minimization. */
  repro: string[];
  /** Whether minimization could reproduce it at all (timing-dependent findings may not). */
  reproduced: boolean;
}

export interface FuzzSummary {
  seed: number;
  cases: number;
  commandCases: number;
  byteCases: number;
  /** Byte cases checked against the decoder only (their commands are excluded from the wire). */
  byteCasesDecoderOnly: number;
  epochs: number;
  /** Command cases per command name ('config|get'...). */
  perCommand: Record<string, number>;
  /** Commands of the table (but SHUTDOWN) no case exercised. */
  uncovered: string[];
  findings: Reported[];
  /** The server's heap after each epoch (after a full GC): first and largest, bytes. */
  heapFirst: number;
  heapMax: number;
  elapsedMs: number;
}

/** A well-mixed 32-bit seed for case `i` of run `seed`. */
function caseSeed(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Case `index` of run `seed`. */
export function caseAt(seed: number, index: number, table: CommandTable, bytesShare = 0.2): Item {
  const rng = mulberry32(caseSeed(seed, index));
  if (rng() < bytesShare) return { index, kind: 'bytes', bytes: genBytes(rng), seed: Math.floor(rng() * 2 ** 32) };
  const specs = allSpecs(table);
  const spec = specs[pick(rng, specs.length)];
  return { index, kind: 'cmd', args: genCommand(rng, spec, table), spec: spec.name };
}

const WORKER = new URL('./server-worker.js', import.meta.url);
/** A server heap this much above the first epoch's, after a full GC, is a leak. */
const LEAK_BYTES = 256 * 1024 * 1024;

export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const epochSize = o.epoch ?? 500;
  const batch = o.batch ?? 32;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const log = o.log ?? (() => {});
  const table = buildCommandTable();
  const host = new ServerHost(WORKER);
  const started = Date.now();
  const sum: FuzzSummary = {
    seed: o.seed, cases: 0, commandCases: 0, byteCases: 0, byteCasesDecoderOnly: 0, epochs: 0, perCommand: {},
    uncovered: [], findings: [], heapFirst: 0, heapMax: 0, elapsedMs: 0,
  };
  const seen = new Set<string>();
  let lastLog = started;
  const first = o.only === undefined ? 0 : o.only - (o.only % epochSize);
  const end = o.only === undefined ? o.cases : o.only + 1;
  try {
    for (let from = first; from < end && (Date.now() - started < o.timeMs || sum.cases < (o.minCases ?? 0)); from += epochSize) {
      const items: Item[] = [];
      for (let i = from; i < Math.min(end, from + epochSize); i++) items.push(caseAt(o.seed, i, table, o.bytesShare));
      const port = await host.start();
      const session = new Session(host, port, timeoutMs, o.trace);
      let f = await session.run(items, batch);
      if (f === null) f = await session.checkAofRoundTrip(items[items.length - 1].index);
      session.close();
      count(sum, f === null ? items : items.filter((it) => it.index <= f!.index), session.bytesNotSent);
      const heap = f?.kind === 'hang' ? null : await host.stop();
      if (f?.kind === 'hang') await host.kill();
      if (heap !== null) {
        if (sum.epochs === 1) sum.heapFirst = heap;
        sum.heapMax = Math.max(sum.heapMax, heap);
        if (f === null && heap > sum.heapFirst + LEAK_BYTES) f = { kind: 'memory', index: items[items.length - 1].index, detail: `the server's heap after a full GC grew from ${sum.heapFirst} to ${heap} bytes` };
      }
      if (f !== null) {
        const key = `${f.kind}:${signature(f, items)}`;
        if (!seen.has(key)) {
          seen.add(key);
          log(`FINDING ${f.kind} at case ${f.index}: ${f.detail.split('\n')[0].slice(0, 300)}`);
          const r = await minimize(host, items.filter((it) => it.index <= f!.index), f, batch, timeoutMs, log);
          sum.findings.push(r);
          log(`  reproduced by ${r.reproduced ? '' : '(NOT reproduced; the epoch is) '}${r.repro.length} case(s):\n    ${r.repro.join('\n    ')}`);
          if (sum.findings.length >= (o.maxFindings ?? 10)) break;
        }
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`${sum.cases} cases (${Math.round(sum.cases / ((Date.now() - started) / 1000))}/s), ${sum.findings.length} findings, server heap ${(heap ?? 0) >> 20} MB`);
      }
    }
  } finally {
    await host.kill();
  }
  sum.uncovered = allSpecs(table).map((s) => s.name).filter((n) => sum.perCommand[n] === undefined);
  sum.elapsedMs = Date.now() - started;
  return sum;
}

function count(sum: FuzzSummary, items: Item[], decoderOnly: number): void {
  sum.epochs++;
  sum.cases += items.length;
  sum.byteCasesDecoderOnly += decoderOnly;
  for (const it of items) {
    if (it.kind === 'bytes') {
      sum.byteCases++;
      continue;
    }
    sum.commandCases++;
    sum.perCommand[it.spec] = (sum.perCommand[it.spec] ?? 0) + 1;
  }
}

/** What makes two findings the same: the kind and the command (or 'bytes'). */
function signature(f: Finding, items: Item[]): string {
  const it = items.find((x) => x.index === f.index);
  return it === undefined || it.kind === 'bytes' ? 'bytes' : it.spec;
}

/** Runs `items` on a fresh server; the finding they lead to, if any. */
async function trial(host: ServerHost, items: Item[], batch: number, timeoutMs: number, roundTrip: boolean): Promise<Finding | null> {
  let port: number;
  try {
    port = await host.start();
  } catch (e) {
    return { kind: 'crash', index: -1, detail: String(e) };
  }
  const s = new Session(host, port, timeoutMs);
  let f = await s.run(items, batch);
  if (f === null && roundTrip) f = await s.checkAofRoundTrip(-1);
  s.close();
  if (f?.kind === 'hang' || host.died !== null) await host.kill();
  else await host.stop();
  return f;
}

/**
 * Delta debugging (ddmin) over the cases that led to `f`: keeps removing chunks of cases while the
 * same kind of finding still happens. The last case alone is tried first (the usual answer).
 */
async function minimize(host: ServerHost, items: Item[], f: Finding, batch: number, timeoutMs: number, log: (l: string) => void): Promise<Reported> {
  const roundTrip = f.kind === 'aof-roundtrip' || f.kind === 'memory';
  const same = async (xs: Item[]): Promise<boolean> => xs.length > 0 && (await trial(host, xs, batch, timeoutMs, roundTrip))?.kind === f.kind;
  const last = items[items.length - 1];
  let cur = items;
  let reproduced = true;
  let trials = 0;
  if (!roundTrip && (await same([last]))) {
    cur = [last];
  } else if (!(await same(items))) {
    reproduced = false;
  } else {
    let n = 2;
    while (cur.length >= 2 && trials < 300) {
      const size = Math.ceil(cur.length / n);
      let reduced = false;
      for (let start = 0; start < cur.length; start += size) {
        const without = [...cur.slice(0, start), ...cur.slice(start + size)];
        trials++;
        if (await same(without)) {
          cur = without;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
      if (!reduced) {
        if (n >= cur.length) break;
        n = Math.min(n * 2, cur.length);
      }
    }
    log(`  minimized in ${trials} trials`);
  }
  return { ...f, reproduced, repro: cur.map(describe) };
}
