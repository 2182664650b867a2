// The random differential stream: a seeded stream of commands over a few keys in two databases,
// drawn from every command of our table that has a generator (test/diff/generators.ts), is sent to
// Keystonelight and to a real redis-server, in RESP2 and in RESP3, and every reply must match byte
// for byte, except where Redis itself is nondeterministic (RANDOMKEY, KEYS/SCAN order, remaining
// TTLs measured on two clocks), which are compared sorted or by invariant.
//
//   KS_SEED=1234 ...   replay a stream (the seed is always logged, and printed on failure)
//   KS_RANDOM_N=50000  stream length per protocol (default 10000)
//   KS_STRICT=1        a command of the table without a generator fails the test
//   KS_SKIP=object,lcs leave these commands out of the stream (to look past a known mismatch)
//
// The stream is pipelined in batches (commands stay in order). Every few thousand commands, and at
// the end, the whole dataset of both databases is compared on a second connection.

import test, { type ExecutionContext } from 'ava';
import { buildCommandTable } from '../../src/commands/index.js';
import { needBinary } from '../helpers/bins.js';
import { RawClient } from '../helpers/raw.js';
import { DUMPS, EXCLUDED, GENERATORS, KEYS, Rng, Stream } from './generators.js';
import { escape, isError, mapItem, ServerPair, showCommand, sortTop, type Twin } from './pair.js';

const SEED = process.env.KS_SEED !== undefined ? Number(process.env.KS_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const COUNT = Number(process.env.KS_RANDOM_N ?? 10000);
const BATCH = 50;
const CHECK_EVERY = 2500;
const CONTEXT = 20;
const SKIP = new Set((process.env.KS_SKIP ?? '').toLowerCase().split(',').filter((n) => n !== ''));

const intOf = (raw: string): number | null => (/^:-?\d+\r\n$/.test(raw) ? Number(raw.slice(1, -2)) : null);

/** Integers read off two clocks: equal when negative (no key / no TTL), else within `tolerance`. */
const nearInt = (tolerance: number) => (redis: string, ks: string): boolean => {
  const a = intOf(redis);
  const b = intOf(ks);
  if (a === null || b === null) return redis === ks;
  return a < 0 || b < 0 ? a === b : Math.abs(a - b) <= tolerance;
};

/** Redis picks any key: both must agree on whether there is one (the datasets are compared anyway). */
function anyKey(redis: string, ks: string): boolean {
  const isKey = (raw: string): boolean => raw.startsWith('$') && !raw.startsWith('$-1');
  return redis === ks || (isKey(redis) && isKey(ks));
}

const sorted = (redis: string, ks: string): boolean => sortTop(redis) === sortTop(ks);
const scanSorted = (redis: string, ks: string): boolean => mapItem(redis, 1, sortTop) === mapItem(ks, 1, sortTop);

/** How replies of commands whose output Redis leaves unspecified are compared (default: exact). */
const NORMALIZE: Record<string, (redis: string, ks: string) => boolean> = {
  keys: sorted,
  scan: scanSorted,
  randomkey: anyKey,
  ttl: nearInt(1),
  expiretime: nearInt(1),
  pttl: nearInt(1000),
  pexpiretime: nearInt(1000),
};

function same(args: string[], redis: string, ks: string): boolean {
  if (redis === ks) return true;
  const f = NORMALIZE[args[0].toLowerCase()];
  return f !== undefined && !isError(redis) && f(redis, ks);
}

interface Step {
  n: number;
  args: string[];
  redis: string;
  ks: string;
}

function failure(proto: number, steps: Step[], bad: Step, what: string): string {
  const lines = [
    `random stream RESP${proto}: ${what} at command #${bad.n} (seed ${SEED}; replay with KS_SEED=${SEED})`,
    `  ${showCommand(bad.args)}`,
    `    redis: ${escape(bad.redis, 1000)}`,
    `    ks:    ${escape(bad.ks, 1000)}`,
    `last ${CONTEXT} commands before it:`,
  ];
  for (const s of steps.slice(-CONTEXT)) {
    lines.push(`  #${s.n} ${showCommand(s.args)}  ->  ${escape(s.redis, 160)}${s.redis === s.ks ? '' : `   (ks: ${escape(s.ks, 160)})`}`);
  }
  return lines.join('\n');
}

/**
 * Valid RESTORE payloads: DUMPs of a few values, made by the real server (they carry its checksum).
 * Collected once for both streams, always in the same order, so a seed replays the same stream.
 */
let dumpsReady: Promise<void> | null = null;
function collectDumps(port: number): Promise<void> {
  dumpsReady ??= (async () => {
    const c = await RawClient.connect(port);
    for (const v of ['hello', '12345', '', 'x'.repeat(50)]) {
      await c.call('SET', '__dump_src', v);
      const raw = await c.call('DUMP', '__dump_src');
      if (raw.startsWith('$') && !raw.startsWith('$-1')) DUMPS.push(raw.slice(raw.indexOf('\r\n') + 2, -2));
    }
    await c.call('DEL', '__dump_src');
    c.close();
  })();
  return dumpsReady;
}

/**
 * Compares the whole dataset of databases 0 and 1 on a separate connection, with whichever of
 * KEYS, TYPE, GET and PTTL the table has so far; returns the first mismatch.
 */
async function compareDatasets(twin: Twin, table: Set<string>, n: number): Promise<Step | null> {
  const probes = (k: string): string[][] => ['TYPE', 'GET', 'PTTL'].filter((c) => table.has(c.toLowerCase())).map((c) => [c, k]);
  for (const dbi of ['0', '1']) {
    const where = `(dataset check, db ${dbi})`;
    const sel = await twin.call(['SELECT', dbi]);
    if (sel[0] !== sel[1]) return { n, args: ['SELECT', dbi, where], redis: sel[0], ks: sel[1] };
    if (table.has('keys')) {
      const [rk, kk] = await twin.call(['KEYS', '*']);
      if (!sorted(rk, kk)) return { n, args: ['KEYS', '*', where], redis: rk, ks: kk };
    }
    const batch = KEYS.flatMap(probes);
    for (const [i, [r, s]] of (await twin.pipeline(batch)).entries()) {
      const args = batch[i];
      if (!(r === s || (args[0] === 'PTTL' && nearInt(1000)(r, s)))) return { n, args: [...args, where], redis: r, ks: s };
    }
  }
  return null;
}

function coverage(t: ExecutionContext, table: Set<string>, stream: Stream): string[] {
  const gaps = [...table].filter((n) => GENERATORS[n] === undefined && EXCLUDED[n] === undefined).sort();
  const pending = Object.keys(GENERATORS).filter((n) => !table.has(n)).sort();
  t.log(`seed ${SEED} (replay with KS_SEED=${SEED}); ${COUNT} commands drawn from ${stream.commands.length} commands${SKIP.size ? `; skipped: ${[...SKIP].join(' ')}` : ''}`);
  t.log(`commands in the table without a generator (${gaps.length}): ${gaps.join(' ') || '-'}`);
  t.log(`generators waiting for their command to land (${pending.length}): ${pending.join(' ') || '-'}`);
  return gaps;
}

async function runStream(t: ExecutionContext, proto: 2 | 3): Promise<void> {
  if (!needBinary(t, 'redis-server')) return;
  const table = new Set(buildCommandTable().keys());
  const stream = new Stream(new Rng(SEED), [...table].filter((n) => !SKIP.has(n)));
  const gaps = coverage(t, table, stream);
  if (gaps.length > 0 && process.env.KS_STRICT) t.fail(`KS_STRICT: commands without a generator: ${gaps.join(' ')}`);
  const pair = await ServerPair.start();
  try {
    await collectDumps(pair.redis.port);
    await pair.flush();
    const twin = await pair.connect(5000);
    const checker = await pair.connect(5000);
    if (proto === 3) await Promise.all([twin.call(['HELLO', '3']), checker.call(['HELLO', '3'])]);
    const steps: Step[] = [];
    const counts = new Map<string, [number, number]>();
    for (let done = 0; done < COUNT; ) {
      const batch = Array.from({ length: Math.min(BATCH, COUNT - done) }, () => stream.next());
      const replies = await twin.pipeline(batch);
      for (let i = 0; i < batch.length; i++) {
        const step = { n: done + i, args: batch[i], redis: replies[i][0], ks: replies[i][1] };
        if (!same(step.args, step.redis, step.ks)) return void t.fail(failure(proto, steps, step, 'replies differ'));
        steps.push(step);
        const name = step.args[0].toLowerCase();
        const [all, errors] = counts.get(name) ?? [0, 0];
        counts.set(name, [all + 1, errors + (isError(step.redis) ? 1 : 0)]);
      }
      if (steps.length > CONTEXT * 4) steps.splice(0, steps.length - CONTEXT);
      done += batch.length;
      if (done % CHECK_EVERY === 0 || done === COUNT) {
        const bad = await compareDatasets(checker, table, done);
        if (bad) return void t.fail(failure(proto, steps, bad, 'datasets differ'));
      }
    }
    t.log(`commands sent (errors among them): ${[...counts].sort().map(([n, [all, e]]) => `${n}=${all}(${e})`).join(' ')}`);
    twin.close();
    checker.close();
    t.pass();
  } finally {
    await pair.stop();
  }
}

test('random differential stream (RESP2)', (t) => runStream(t, 2));
test('random differential stream (RESP3)', (t) => runStream(t, 3));
