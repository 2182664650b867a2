// Argument handling against redis-server, driven by Redis's own argument specs: for every command
// and subcommand of our table that Redis 7.0's COMMAND DOCS describes, invocations are drawn from
// its argument tree (docs-args.ts: valid ones, and near-valid ones made by one mutation) and sent to
// Keystonelight and to a real redis-server; the raw replies must match byte for byte, in RESP2 and,
// for a share of them, in RESP3 (after HELLO 3).
//
//   KS_SEED=1234 ...      replay (the seed is always logged, and printed on failure)
//   KS_DOCS_N=20000       invocations (default 300: a few seconds)
//   KS_DOCS_ONLY=set,lcs  only these commands (table names, `container|sub` for subcommands)
//   KS_DOCS_OUT=file      also write every mismatch, known ones included, as JSON lines
//
// Each invocation runs on a freshly filled keyspace (FIXTURE below: integer-, float-looking,
// binary, long and empty strings, two with far-future deadlines, one in database 1), pipelined
// just before it, so no state (a 1 ms PEXPIRE, a SELECT, a FLUSHALL) reaches the next one.
// Differences found and not fixed yet are in KNOWN, each with its repro: remove an entry once its
// fix lands (the test then checks it).

import { appendFileSync } from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { buildCommandTable } from '../../src/commands/index.js';
import { needBinary } from '../helpers/bins.js';
import { RawClient } from '../helpers/raw.js';
import { HELLO_ID } from './cases/types.js';
import { docCommands, FIXTURE_KEYS, invocation, parseResp, weight, type DocCommand, type Invocation } from './docs-args.js';
import { Rng } from './generators.js';
import { applyMasks, BROKEN, CLOSED, escape, isError, mapItem, ServerPair, showCommand, sortTop, TIMEOUT, type Twin } from './pair.js';

const SEED = process.env.KS_SEED !== undefined ? Number(process.env.KS_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const COUNT = Number(process.env.KS_DOCS_N ?? 300);
const ONLY = new Set((process.env.KS_DOCS_ONLY ?? '').toLowerCase().split(',').filter((n) => n !== ''));
const OUT = process.env.KS_DOCS_OUT;
const RESP3_SHARE = 0.25;

/** Not sent: they block, close or reset the connection, change the server for the other tests, or stop it. */
const EXCLUDED: Record<string, string> = {
  quit: 'closes the connection',
  reset: 'resets the connection',
  monitor: 'changes the connection mode',
  shutdown: 'stops the server',
  multi: 'changes how the replies of what follows arrive (EXEC and DISCARD without MULTI are sent)',
  wait: 'blocks its client (test/wire/wait.test.ts)',
  migrate: 'connects to the host and port drawn (DNS lookups of random names can take seconds; test/wire/migrate.test.ts compares it with redis-server)',
  debug: 'server internals (DEBUG SLEEP, SEGFAULT ...); Redis documents no arguments for it',
  save: 'persistence differs by design (redis-compat.md "Persistence")',
  bgsave: 'persistence differs by design (redis-compat.md "Persistence")',
  bgrewriteaof: 'persistence differs by design (redis-compat.md "Persistence")',
  'client|kill': 'its filters can kill the test\'s own connections (SKIPME no, TYPE normal)',
  'client|pause': 'holds every client of the server',
  'client|reply': 'OFF and SKIP drop the replies the test waits for',
  'config|set': 'changes the server for everything after it (test/diff/config-fuzz.test.ts covers it)',
  'acl|setuser': 'redis-compat.md "Server, client and command introspection", ACL SETUSER: not supported (and it would change Redis\'s users)',
};

const intOf = (raw: string): number | null => (/^:-?\d+\r\n$/.test(raw) ? Number(raw.slice(1, -2)) : null);
/** Integers read off two clocks: equal when negative (no key / no TTL), else within `tolerance`. */
const near = (tolerance: number) => (redis: string, ks: string): boolean => {
  const [a, b] = [intOf(redis), intOf(ks)];
  return a !== null && b !== null && (a < 0 || b < 0 ? a === b : Math.abs(a - b) <= tolerance);
};
/** Both succeed with a reply of the same type: for replies that differ by design, not by their arguments. */
const sameKind = (redis: string, ks: string): boolean => redis[0] === ks[0];
const sorted = (redis: string, ks: string): boolean => sortTop(redis) === sortTop(ks);
const anyKey = (redis: string, ks: string): boolean => redis[0] === '$' && ks[0] === '$' && (redis === '$-1\r\n') === (ks === '$-1\r\n');
/** Options whose values come from how each server was started (ServerPair), not from their defaults. */
const STARTED_WITH = new Set(['port', 'dir', 'bind', 'appendonly', 'logfile', 'loglevel', 'save']);

/**
 * CONFIG GET: the same names and values, in any order (Redis's is its dict's), but for the values
 * of STARTED_WITH, `aof-use-rdb-preamble` ("Persistence": no RDB, so "no") and our own
 * `cluster-node-id` ("Configuration options": "`cluster-node-id` is ours").
 */
function configGet(redis: string, ks: string): boolean {
  const entries = (raw: string): string[] => {
    const v = parseResp(raw) as string[];
    const out: string[] = [];
    for (let i = 0; i < v.length; i += 2) {
      if (v[i] === 'cluster-node-id') continue;
      out.push(`${v[i]}=${STARTED_WITH.has(v[i]) || v[i] === 'aof-use-rdb-preamble' ? '<masked>' : v[i + 1]}`);
    }
    return out.sort();
  };
  return redis[0] === ks[0] && entries(redis).join('\n') === entries(ks).join('\n');
}

const helloId = (redis: string, ks: string): boolean => applyMasks(redis, [{ cmd: 0, pattern: HELLO_ID }]) === applyMasks(ks, [{ cmd: 0, pattern: HELLO_ID }]);

/**
 * How successful replies are compared when their content differs by design (errors are always
 * compared exactly). Default: byte for byte. Each names where redis-compat.md says why.
 */
const COMPARE: Record<string, (redis: string, ks: string) => boolean> = {
  ttl: near(1), // two clocks
  pttl: near(1000),
  'object|idletime': near(2),
  keys: sorted, // "Keyspace": KEYS order is slot order, not Redis's hash order
  'config|get': configGet,
  randomkey: anyKey,
  scan: (r, k) => mapItem(r, 1, sortTop) === mapItem(k, 1, sortTop) || sameKind(r, k), // "Keyspace", SCAN: cursors are slots, not buckets
  hello: helloId, // "Connection", HELLO: only the client id differs
  info: sameKind, // "Server ...", INFO: figures of two processes
  time: sameKind,
  lastsave: sameKind,
  'client|list': sameKind, // ids, addresses, buffers ("Server ...", CLIENT LIST)
  'client|info': sameKind,
  'client|id': sameKind,
  command: sameKind, // "Server ...", COMMAND: lists only what we implement, in table order
  'command|count': sameKind,
  'command|list': sameKind,
  'command|info': sameKind,
  'command|docs': sameKind,
  'memory|usage': sameKind, // "Server ...", MEMORY USAGE: our estimate, not allocator bytes
  'memory|stats': sameKind,
  'memory|doctor': sameKind,
  'memory|malloc-stats': () => true, // "Server ...", MEMORY MALLOC-STATS: a libc-malloc Redis's text (RESP3: bulk, not jemalloc's verbatim)
  'latency|doctor': sameKind, // timings
  'latency|histogram': sameKind,
  'latency|latest': sameKind,
  'latency|history': sameKind,
  'slowlog|get': sameKind,
  'slowlog|len': sameKind,
  'acl|genpass': sameKind, // random
  'acl|log': sameKind, // ages and client ids
  'function|stats': sameKind, // "Server ...", FUNCTION STATS: lists no engines
};

/**
 * Differences redis-compat.md documents, in replies COMPARE cannot mask (errors, or a success on
 * one side only): such a mismatch is not counted.
 */
const DOCUMENTED: { why: string; match: (args: string[], redis: string, ks: string) => boolean }[] = [
  {
    why: '"Server ...", ACL DRYRUN: a command we do not have answers "Command \'<name>\' not found"',
    match: (args, _r, ks) => args[1].toUpperCase() === 'DRYRUN' && /^-ERR Command '.*' not found\r\n$/.test(ks),
  },
  {
    why: '"Server ...", ACL CAT <category>: lists the commands of our table only',
    match: (args, r, ks) => args[1].toUpperCase() === 'CAT' && args.length === 3 && r[0] === ks[0] && !isError(r),
  },
  {
    why: '"Server ...", FUNCTION LOAD: a well-formed library fails with "Engine \'lua\' not found"',
    match: (args, r, ks) => args[1].toUpperCase() === 'LOAD' && ks === "-ERR Engine 'lua' not found\r\n" && !r.startsWith('-ERR Library names'),
  },
];

interface Known {
  /** What differs, and where in src the cause is. */
  finding: string;
  /** A minimal invocation that shows it (on the FIXTURE keyspace). */
  repro: string[];
  /** Whether a mismatching invocation is this finding. */
  match: (args: string[], redis: string, ks: string) => boolean;
}

/** Differences found by this test and not fixed yet: remove an entry when its fix lands. */
const KNOWN: Known[] = [
];

/** The keyspace every invocation starts from (see FIXTURE_KEYS). */
const FIXTURE: string[][] = [
  ['SELECT', '1'],
  ['FLUSHALL'],
  ['FUNCTION', 'FLUSH'],
  ['SET', 'str', 'in db 1'],
  ['SELECT', '0'],
  ['MSET', 'int', '12345', 'neg', '-42', 'float', '3.14', 'big', '9223372036854775807', 'str', 'hello world', 'bin', '\x00\xff\r\nab', 'long', 'abcdefghij'.repeat(30), 'empty', '', 'ttl', 'v', 'ttlint', '7'],
  ['PEXPIREAT', 'ttl', '4102444800123'],
  ['EXPIREAT', 'ttlint', '4102444800'],
];

interface Result extends Invocation {
  proto: 2 | 3;
  redis: string;
  ks: string;
}

function same(inv: Invocation, redis: string, ks: string): boolean {
  if (redis === ks) return true;
  const f = COMPARE[inv.command];
  return f !== undefined && !isError(redis) && !isError(ks) && f(redis, ks);
}

/** The commands to draw from: ours, described by Redis's COMMAND DOCS, not excluded. */
async function commands(pair: ServerPair): Promise<DocCommand[]> {
  const table = new Set<string>();
  for (const spec of buildCommandTable().values()) {
    table.add(spec.name);
    for (const s of spec.subcommands ?? []) table.add(s.name);
  }
  const c = await RawClient.connect(pair.redis.port);
  try {
    const keep = (n: string): boolean => table.has(n) && EXCLUDED[n] === undefined && (ONLY.size === 0 || ONLY.has(n));
    return docCommands(await c.call('COMMAND', 'DOCS'), keep);
  } finally {
    c.close();
  }
}

/** Runs one invocation on a fresh fixture; a twin whose connection broke is replaced. */
async function run(pair: ServerPair, twins: Record<2 | 3, Twin>, proto: 2 | 3, inv: Invocation): Promise<Result> {
  const replies = await twins[proto].pipeline([...FIXTURE, inv.args]);
  const bad = replies.slice(0, FIXTURE.length).find(([r, k]) => r !== k);
  if (bad !== undefined) throw new Error(`the fixture answered differently before ${showCommand(inv.args)}: ${escape(bad[0])} / ${escape(bad[1])}`);
  const [redis, ks] = replies[FIXTURE.length];
  const placeholders = [CLOSED, TIMEOUT, BROKEN];
  if (placeholders.includes(redis) || placeholders.includes(ks) || redis.startsWith('<') || ks.startsWith('<')) {
    twins[proto].close();
    twins[proto] = await connectTwin(pair, proto);
  } else if (inv.command === 'hello') await twins[proto].call(['HELLO', String(proto)]);
  return { ...inv, proto, redis, ks };
}

async function connectTwin(pair: ServerPair, proto: 2 | 3): Promise<Twin> {
  const twin = await pair.connect(5000);
  if (proto === 3) await twin.call(['HELLO', '3']);
  return twin;
}

function report(t: ExecutionContext, results: Result[], bad: Result[], known: Map<Known, number>): void {
  const per = new Map<string, number>();
  for (const r of results) per.set(r.mutation, (per.get(r.mutation) ?? 0) + 1);
  const errors = results.filter((r) => isError(r.redis)).length;
  t.log(`seed ${SEED} (replay with KS_SEED=${SEED}); ${results.length} invocations over ${new Set(results.map((r) => r.command)).size} commands, ${errors} answered with an error by redis-server`);
  t.log(`by mutation: ${[...per].map(([m, n]) => `${m}=${n}`).join(' ')}`);
  if (known.size > 0) t.log(`known differences seen: ${[...known].map(([k, n]) => `${n}x ${showCommand(k.repro)}`).join('; ')}`);
  if (bad.length === 0) return void t.pass();
  const lines = bad.slice(0, 30).map((b) => `  [RESP${b.proto} ${b.mutation}] ${showCommand(b.args)}\n    redis: ${escape(b.redis, 300)}\n    ks:    ${escape(b.ks, 300)}`);
  t.fail(`${bad.length} replies differ from redis-server (seed ${SEED}; replay with KS_SEED=${SEED}), keys from ${FIXTURE_KEYS.join(' ')}:\n${lines.join('\n')}`);
}

test('invocations drawn from COMMAND DOCS answer as redis-server does', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const pair = await ServerPair.start();
  try {
    const cmds = await commands(pair);
    t.true(cmds.length > 0, 'no command to draw');
    const twins: Record<2 | 3, Twin> = { 2: await connectTwin(pair, 2), 3: await connectTwin(pair, 3) };
    const r = new Rng(SEED);
    const cumulative: number[] = [];
    for (const c of cmds) cumulative.push((cumulative.at(-1) ?? 0) + weight(c));
    const draw = (): DocCommand => {
      const x = r.next() * cumulative.at(-1)!;
      return cmds[cumulative.findIndex((c) => c > x)] ?? cmds[cmds.length - 1];
    };
    const results: Result[] = [];
    const bad: Result[] = [];
    const known = new Map<Known, number>();
    for (let i = 0; i < COUNT; i++) {
      const inv = invocation(r, draw());
      const res = await run(pair, twins, r.chance(RESP3_SHARE) ? 3 : 2, inv);
      results.push(res);
      if (same(res, res.redis, res.ks)) continue;
      if (OUT !== undefined) appendFileSync(OUT, `${JSON.stringify({ seed: SEED, ...res })}\n`);
      if (DOCUMENTED.some((d) => d.match(res.args, res.redis, res.ks))) continue;
      const k = KNOWN.find((x) => x.match(res.args, res.redis, res.ks));
      if (k !== undefined) known.set(k, (known.get(k) ?? 0) + 1);
      else bad.push(res);
    }
    twins[2].close();
    twins[3].close();
    report(t, results, bad, known);
  } finally {
    await pair.stop();
  }
});
