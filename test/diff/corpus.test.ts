// The differential corpus: every case of every file in test/diff/cases/ runs against Keystonelight
// (in-process) and a real redis-server, in RESP2 and in RESP3, and each raw reply must be
// byte-identical (after the case's masks, and sorted where the case says the order is unspecified).
//
// One test per case file and protocol, each with its own pair of servers so the tests can run in
// parallel; inside a test the cases run one after another, each on a fresh connection after both
// keyspaces were emptied, its commands pipelined (in order). A failing test lists every mismatch
// of its file, not just the first.
//
// Cases must leave server-wide state (CONFIG SET ...) as they found it: only the keyspace and the
// connection are reset between cases.

import test from 'ava';
import { needBinary } from '../helpers/bins.js';
import type { DiffCase } from './cases/types.js';
import { HELLO_ID } from './cases/types.js';
import { SUITES } from './suites.js';
import { applyMasks, escape, isError, ServerPair, showCommand, sortTop, type Twin } from './pair.js';

interface Mismatch {
  index: number;
  cmd: string[];
  redis: string;
  ks: string;
  why: string;
}

/** Problems in a case's own definition (bad indexes, duplicate names), reported like mismatches. */
function checkCases(list: DiffCase[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c.name)) problems.push(`duplicate case name '${c.name}'`);
    seen.add(c.name);
    const idx = [...(c.unordered ?? []), ...(c.ignore ?? []), ...(c.mask ?? []).map((m) => m.cmd)];
    for (const i of idx) {
      if (!Number.isInteger(i) || i < 0 || i >= c.cmds.length) problems.push(`case '${c.name}': index ${i} is not a command of the case`);
    }
    if (c.cmds.some((args) => args.length === 0)) problems.push(`case '${c.name}': empty command`);
  }
  return problems;
}

/** Compares one pair of replies under the case's rules; returns why they differ, or null. */
function compare(c: DiffCase, i: number, redis: string, ks: string): string | null {
  if (c.ignore?.includes(i)) {
    if (redis[0] === ks[0] && isError(redis) === isError(ks)) return null;
    return 'reply types differ (reply content ignored by the case)';
  }
  const masks = (c.mask ?? []).filter((m) => m.cmd === i);
  let r = applyMasks(redis, masks);
  let k = applyMasks(ks, masks);
  if (c.unordered?.includes(i)) {
    r = sortTop(r);
    k = sortTop(k);
  }
  if (r === k) return null;
  return masks.length > 0 || c.unordered?.includes(i) ? 'differ after masking/sorting' : 'differ';
}

/** Opens the case's connections; in RESP3 both switch with HELLO 3 first (checked, id masked). */
async function open(pair: ServerPair, proto: 2 | 3): Promise<{ twin: Twin; setup: Mismatch | null }> {
  await pair.flush();
  const twin = await pair.connect(3000);
  if (proto === 2) return { twin, setup: null };
  const [redis, ks] = await twin.call(['HELLO', '3']);
  const mask = [{ cmd: -1, pattern: HELLO_ID }];
  const ok = applyMasks(redis, mask) === applyMasks(ks, mask);
  return { twin, setup: ok ? null : { index: -1, cmd: ['HELLO', '3'], redis, ks, why: 'RESP3 setup (HELLO 3) differs' } };
}

async function runCase(pair: ServerPair, c: DiffCase, proto: 2 | 3): Promise<Mismatch[]> {
  const { twin, setup } = await open(pair, proto);
  const out: Mismatch[] = setup ? [setup] : [];
  try {
    // Pipelined: the commands still run in order on one connection, and the case costs one round trip.
    const replies = await twin.pipeline(c.cmds);
    for (let i = 0; i < c.cmds.length; i++) {
      const [redis, ks] = replies[i];
      const why = compare(c, i, redis, ks);
      if (why !== null) out.push({ index: i, cmd: c.cmds[i], redis, ks, why });
    }
  } finally {
    twin.close();
  }
  return out;
}

function report(file: string, proto: number, failed: [DiffCase, Mismatch[]][], total: number): string {
  const lines = [`${file} RESP${proto}: ${failed.length} of ${total} cases differ from redis-server`];
  for (const [c, ms] of failed) {
    lines.push('', `[${c.name}]`);
    for (const m of ms) {
      lines.push(`  #${m.index} ${showCommand(m.cmd)}   (${m.why})`);
      lines.push(`    redis: ${escape(m.redis)}`);
      lines.push(`    ks:    ${escape(m.ks)}`);
    }
  }
  return lines.join('\n');
}

for (const { name: file, cases: list, requirepass, config } of SUITES) {
  for (const proto of requirepass ? ([2] as const) : ([2, 3] as const)) {
    test(`diff corpus: ${file} (RESP${proto})`, async (t) => {
      if (!needBinary(t, 'redis-server')) return;
      const problems = checkCases(list);
      if (problems.length > 0) t.fail(`${file}: broken case definitions:\n${problems.join('\n')}`);
      const selected = list.filter((c) => c.proto === undefined || c.proto === proto);
      if (selected.length === 0) {
        t.log(`${file}: no cases yet`);
        t.pass();
        return;
      }
      const pair = await ServerPair.start({ requirepass, config });
      const failed: [DiffCase, Mismatch[]][] = [];
      try {
        for (const c of selected) {
          const ms = await runCase(pair, c, proto);
          if (ms.length > 0) failed.push([c, ms]);
        }
      } finally {
        await pair.stop();
      }
      t.log(`${file} RESP${proto}: ${selected.length - failed.length}/${selected.length} cases match`);
      if (failed.length > 0) t.fail(report(file, proto, failed, selected.length));
      else t.pass();
    });
  }
}
