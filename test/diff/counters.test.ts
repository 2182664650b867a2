// The statistics counters of the differential corpus: every case (RESP2 and RESP3) runs against
// Keystonelight and a real redis-server after FLUSHALL and CONFIG RESETSTAT on both, and the
// counters monitoring reads (prometheus redis_exporter, hit-ratio dashboards) must then be equal:
// INFO stats' totals, keyspace hits and misses, expired and evicted keys, error replies, input and
// output bytes; every commandstats row's calls, rejected_calls and failed_calls; every errorstats row;
// INFO keyspace's keys and expires (info-counters.ts). The replies are corpus.test.ts's business.
//
// The reset and the INFO read go through one control connection per server, so they count on both
// sides alike (their own calls and bytes included). Also: raw requests (inline, protocol errors),
// which INFO fields CONFIG RESETSTAT zeroes, and the active expire cycle's counts.

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needBinary } from '../helpers/bins.js';
import { RawClient } from '../helpers/raw.js';
import type { DiffCase } from './cases/types.js';
import { Control, runCase } from './control.js';
import { escape, ServerPair, showCommand } from './pair.js';
import { SUITES } from './suites.js';
import { countersOf, diffCounters, INFO_COUNTERS, type Counters } from './info-counters.js';

/** Both servers' counters, read through the control connection. */
async function readCounters(control: Control): Promise<[Counters, Counters]> {
  const [[r], [k]] = await control.both([INFO_COUNTERS]);
  return [countersOf(r), countersOf(k)];
}

/**
 * total_net_output_bytes holds the case's replies, which corpus.test.ts finds byte-identical except
 * where the case masks or ignores some (a client id, a time): there it is not compared. In RESP3
 * the HELLO 3 reply before the case is left out of it (its client id may have more digits on one
 * server).
 */
function outputBytes(counters: [Counters, Counters], c: DiffCase, replies: [string[], string[]], proto: 2 | 3): void {
  const name = 'total_net_output_bytes';
  counters.forEach((side, i) => {
    if (c.mask !== undefined || c.ignore !== undefined) side.delete(name);
    else if (proto === 3) side.set(name, String(Number(side.get(name)) - replies[i][0].length));
  });
}

for (const { name: file, cases: list, requirepass, config } of SUITES) {
  // RESP3 too (a HELLO 3 before the case's commands), except where HELLO 3 would need AUTH first.
  for (const proto of requirepass ? ([2] as const) : ([2, 3] as const)) {
    test(`diff counters: ${file} (RESP${proto})`, async (t) => {
      if (!needBinary(t, 'redis-server')) return;
      const selected = list.filter((c) => c.proto === undefined || c.proto === proto);
      const pair = await ServerPair.start({ requirepass, config });
      const control = await Control.open(pair, requirepass);
      const failed: string[] = [];
      try {
        for (const c of selected) {
          await control.reset();
          const replies = await runCase(pair, proto === 2 ? c : { ...c, cmds: [['HELLO', '3'], ...c.cmds] });
          const counters = await readCounters(control);
          outputBytes(counters, c, replies, proto);
          const diffs = diffCounters(...counters);
          if (diffs.length > 0) failed.push('', `[${c.name}]`, ...c.cmds.map((cmd, i) => `  #${i} ${showCommand(cmd)}`), ...diffs.map((d) => `  ${d}`));
        }
      } finally {
        control.close();
        await pair.stop();
      }
      const n = failed.filter((l) => l.startsWith('[')).length;
      t.log(`${file} RESP${proto}: counters match after ${selected.length - n}/${selected.length} cases`);
      if (n > 0) t.fail([`${file} RESP${proto}: counters differ from redis-server after ${n} of ${selected.length} cases`, ...failed].join('\n'));
      else t.pass();
    });
  }
}

const mb = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;

/**
 * Requests as raw bytes: the inline protocol, protocol errors (counted as error replies), QUIT
 * and requests cut short. Each is written at once, then the client ends its side and waits for the
 * server to close: everything before the end of input has been read (and counted) by then.
 */
const RAW: [string, string][] = [
  ['inline commands', 'SET a b\r\nGET a\r\nGET nokey\r\nEXISTS a nokey\r\n'],
  ['inline with quotes and escapes', 'SET "a b" \'c\'\r\nGET "a\\x20b"\r\nNOPE "x y"\r\n'],
  ['empty lines and LF alone', '\r\n\r\n\n\nPING\nPING\r\n'],
  ['*-1 and *0 are skipped', '*-1\r\nPING\r\n*0\r\n' + mb('GET', 'a')],
  ['*abc', mb('GET', 'a') + '*abc\r\nPING\r\n'],
  ['$abc', '*1\r\n$abc\r\n'],
  ['expected $', '*1\r\n+foo\r\n'],
  ['unbalanced quotes', 'GET a\r\nECHO "abc\r\nGET a\r\n'],
  ['QUIT then more', 'GET a\r\nQUIT\r\nGET a\r\n*abc\r\n'],
  ['empty command name', '*1\r\n$0\r\n\r\n'],
  ['a request cut short', mb('SET', 'a', 'b') + '*2\r\n$3\r\nGET\r\n$1\r\n'],
  ['an inline line cut short', 'GET a\r\nGET'],
  ['too big inline request', 'a'.repeat(70 * 1024)],
  ['NUL before the end of an inline line', 'PING\x00\r\nPING\r\n'],
  ['big bulk', mb('SET', 'big', 'x'.repeat(100_000)) + mb('STRLEN', 'big')],
  // Replies not sent still count: Redis counts an error as it is added, sent or not.
  ['errors under CLIENT REPLY OFF', mb('CLIENT', 'REPLY', 'OFF') + mb('GET') + mb('NOSUCH') + mb('SET', 'k', 'v') + mb('INCR', 'k') + mb('GET', 'k') + mb('GET', 'm') + mb('CLIENT', 'REPLY', 'ON') + mb('INCR', 'k')],
  ['errors under CLIENT REPLY SKIP', mb('SET', 'k', 'v') + mb('CLIENT', 'REPLY', 'SKIP') + mb('INCR', 'k') + mb('CLIENT', 'REPLY', 'SKIP') + mb('GET') + mb('GET', 'k')],
  ['a protocol error under CLIENT REPLY OFF', mb('CLIENT', 'REPLY', 'OFF') + mb('GET', 'k') + '*abc\r\n'],
];

/** Writes `bytes` on a new connection to each server, ends it, and waits for the server's close. */
async function runRaw(pair: ServerPair, bytes: string): Promise<void> {
  const sides = await Promise.all([RawClient.connect(pair.redis.port), RawClient.connect(pair.ks.port)]);
  await Promise.all(sides.map(async (side) => {
    side.socket.end(Buffer.from(bytes, 'latin1'));
    await side.waitClosed(5000);
  }));
}

test('diff counters: raw requests', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const pair = await ServerPair.start();
  const control = await Control.open(pair, undefined);
  const failed: string[] = [];
  try {
    for (const [name, bytes] of RAW) {
      await control.reset();
      await runRaw(pair, bytes);
      const diffs = diffCounters(...(await readCounters(control)));
      if (diffs.length > 0) failed.push('', `[${name}] ${escape(bytes, 120)}`, ...diffs.map((d) => `  ${d}`));
    }
  } finally {
    control.close();
    await pair.stop();
  }
  if (failed.length > 0) t.fail([`counters differ from redis-server after ${failed.filter((l) => l.startsWith('[')).length} of ${RAW.length} raw requests`, ...failed].join('\n'));
  else t.pass();
});

/** Commands that move as many INFO counters as the servers have in common. */
const WORKLOAD: string[][] = [
  ['SET', 'a', '1'], ['GET', 'a'], ['GET', 'nokey'], ['SET', 'x', '1', 'PXAT', '1'], ['GET', 'x'], ['NOSUCH'], ['GET'], ['INCR', 'a'],
  ['SET', 'e', '1', 'EX', '100'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'], ['CONFIG', 'SET', 'maxmemory', '1'],
  ['SET', 'b', '2'], ['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
  ['SET', 'c', '3'], ['FLUSHALL', 'ASYNC'], ['SAVE'], ['BGREWRITEAOF'], ['DEBUG', 'SLEEP', '0.3'], ['SET', 'k', 'v'],
];

/** Every INFO field as name -> value; a field absent reads as 0 (commandstats rows go away at reset). */
function allFields(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of raw.matchAll(/^([^:#\r\n]+):(.*)\r$/gm)) out.set(m[1], m[2]);
  return out;
}

const isZero = (v: string | undefined): boolean => v === undefined || /^0(\.0+)?$/.test(v);

/** The fields that were not zero before CONFIG RESETSTAT and are after it. */
function zeroedBy(before: Map<string, string>, after: Map<string, string>): Set<string> {
  return new Set([...before].filter(([n, v]) => !isZero(v) && isZero(after.get(n))).map(([n]) => n));
}

test('diff counters: CONFIG RESETSTAT zeroes the same INFO fields', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  // With appendonly yes, so that SAVE works here too (with no, ours refuses it: redis-compat.md, SAVE).
  const dir = mkdtempSync(join(tmpdir(), 'ks-counters-'));
  const pair = await ServerPair.start({ config: { appendonly: 'yes' }, ksConfig: { dir } });
  const control = await Control.open(pair, undefined);
  try {
    await control.both(WORKLOAD);
    const [[rb], [kb]] = await control.both([['INFO', 'everything']]);
    const [[, ra], [, ka]] = await control.both([['CONFIG', 'RESETSTAT'], ['INFO', 'everything']]);
    const [before, after] = [[allFields(rb), allFields(kb)], [allFields(ra), allFields(ka)]];
    const [rz, kz] = [zeroedBy(before[0], after[0]), zeroedBy(before[1], after[1])];
    // A field counts only where it had moved on both servers: not what differs before the reset
    // (Redis's start ran a PING and an INFO that ours, started in-process, did not).
    const common = [...new Set([...rz, ...kz])].filter((n) => !isZero(before[0].get(n)) && !isZero(before[1].get(n)));
    const differ = common.filter((n) => rz.has(n) !== kz.has(n))
      .map((n) => `${n}: redis ${before[0].get(n)} -> ${after[0].get(n) ?? '(absent)'}, ks ${before[1].get(n)} -> ${after[1].get(n) ?? '(absent)'}`);
    t.log(`zeroed on both: ${common.filter((n) => rz.has(n) && kz.has(n)).join(' ')}`);
    t.deepEqual(differ, []);
  } finally {
    control.close();
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The value of INFO field `name` in `raw`, as a number (NaN when missing). */
const field = (raw: string, name: string): number => Number(new RegExp(`(?:^|[\\r\\n,:])${name}[:=]([\\d.]+)`).exec(raw)?.[1]);

test('diff counters: active expiry counts the same expired_keys, and avg_ttl is about the same', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const pair = await ServerPair.start();
  const control = await Control.open(pair, undefined);
  try {
    await control.both([['CONFIG', 'RESETSTAT']]);
    // The short keys' deadline has passed when they are set, so that Redis's avg_ttl samples (below)
    // never see one alive (keys of PX 1 were seen under load, and moved its estimate by 20%).
    const load = [
      ...Array.from({ length: 200 }, (_, i) => ['SET', `long:${i}`, 'v', 'EX', '2000']),
      ...Array.from({ length: 300 }, (_, i) => ['SET', `short:${i}`, 'v', 'PXAT', '1']),
    ];
    await control.both(load);
    // Until both expire cycles have reclaimed the short keys (no command looks them up) and Redis's
    // avg_ttl estimate, set by its expire cycle's samples, is there.
    let info: [string, string] = ['', ''];
    for (let i = 0; i < 100; i++) {
      const [[r], [k]] = await control.both([['INFO', 'everything']]);
      info = [r, k];
      if (info.every((x) => field(x, 'keys') === 200) && field(r, 'avg_ttl') > 0) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const [r, k] = info;
    // Not the output bytes: INFO's own replies differ.
    const counters = [countersOf(r), countersOf(k)];
    for (const side of counters) side.delete('total_net_output_bytes');
    t.deepEqual(diffCounters(counters[0], counters[1]), []);
    t.is(field(k, 'expired_keys'), 300);
    // Ours is the exact mean, Redis's a running estimate from its samples, which moves by a fiftieth
    // of each new sample's mean (redis-compat.md, INFO): with every long key's TTL the same, any
    // sample gives about 2000 s, whenever it was taken.
    for (const x of [r, k]) t.true(Math.abs(field(x, 'avg_ttl') / 2000e3 - 1) < 0.01, `avg_ttl ${field(x, 'avg_ttl')}`);
  } finally {
    control.close();
    await pair.stop();
  }
});
