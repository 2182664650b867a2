// COMMAND INFO and COMMAND DOCS of every command in Keystonelight's table, compared with a real
// redis-server, byte for byte, in RESP2 and RESP3. Because name, arity, flags and key positions
// come from each family's table entry, this also checks every family's entries against Redis 7.0.
//
// Redis lists subcommands in an order that changes from run to run, so containers are compared
// entry by entry: their own fields, then each subcommand we implement against Redis's entry of
// the same name. Subcommands Redis has and we do not are logged, not failed.

import test, { type ExecutionContext } from 'ava';
import { startServer } from '../../src/index.js';
import { buildCommandTable } from '../../src/commands/index.js';
import { metaOf, redisCommandNames } from '../../src/commands/meta/index.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { escape, splitTop } from './pair.js';

const FIELDS = ['name', 'arity', 'flags', 'first key', 'last key', 'step', 'acl categories', 'tips', 'key specs', 'subcommands'];

/** The items of an aggregate reply (raw), or throws: both servers must answer an aggregate here. */
function items(raw: string): string[] {
  const s = splitTop(raw);
  if (s === null) throw new Error(`not an aggregate: ${escape(raw)}`);
  return s.items;
}

/** The bulk string at the start of a raw reply. */
const bulkText = (raw: string): string => raw.slice(raw.indexOf('\r\n') + 2, -2);

/** Compares one COMMAND INFO entry (raw) of each server; pushes human-readable differences. */
function compareEntry(name: string, redis: string, ks: string, out: string[], missing: string[]): void {
  const r = items(redis);
  const k = items(ks);
  for (let i = 0; i < 9; i++) {
    if (r[i] !== k[i]) out.push(`${name}: ${FIELDS[i]} differ\n    redis: ${escape(r[i], 300)}\n    ks:    ${escape(k[i], 300)}`);
  }
  const rSubs = new Map(items(r[9]).map((e) => [bulkText(items(e)[0]), e]));
  const kSubs = new Map(items(k[9]).map((e) => [bulkText(items(e)[0]), e]));
  if ((rSubs.size === 0) !== (kSubs.size === 0) && kSubs.size === 0) {
    out.push(`${name}: Redis has subcommands (${[...rSubs.keys()].join(', ')}), ours has none`);
  }
  for (const [sub, entry] of kSubs) {
    const theirs = rSubs.get(sub);
    if (theirs === undefined) missing.push(`${sub} (not in Redis 7.0)`);
    else compareEntry(sub, theirs, entry, out, missing);
  }
  for (const sub of rSubs.keys()) if (!kSubs.has(sub)) missing.push(`${sub} (not implemented)`);
}

async function compareAll(t: ExecutionContext, proto: 2 | 3): Promise<void> {
  if (!needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([startServer({ port: 0 }), startRealRedis()]);
  const [kc, rc] = await Promise.all([RawClient.connect(ks.port), RawClient.connect(redis.port)]);
  try {
    if (proto === 3) await Promise.all([kc.call('HELLO', '3'), rc.call('HELLO', '3')]);
    const diffs: string[] = [];
    const missing: string[] = [];
    for (const name of ks.server.commands.keys()) {
      const [r, k] = await Promise.all([rc.call('COMMAND', 'INFO', name), kc.call('COMMAND', 'INFO', name)]);
      const rEntry = items(r)[0];
      if (rEntry === '$-1\r\n' || rEntry === '_\r\n') {
        missing.push(`${name} (not in Redis 7.0)`);
        continue;
      }
      compareEntry(name, rEntry, items(k)[0], diffs, missing);
      const docs = await docsDiffer(rc, kc, name);
      if (docs !== null) diffs.push(docs);
    }
    if (missing.length > 0) t.log(`RESP${proto}: not compared: ${missing.join(', ')}`);
    if (diffs.length > 0) t.fail(`RESP${proto}: COMMAND INFO/DOCS differ from redis-server for ${diffs.length} entries:\n${diffs.join('\n')}`);
    else t.pass();
  } finally {
    kc.close();
    rc.close();
    await Promise.all([ks.close(), redis.stop()]);
  }
}

/** COMMAND DOCS of a command without subcommands, or of each subcommand; a difference or null. */
async function docsDiffer(rc: RawClient, kc: RawClient, name: string): Promise<string | null> {
  const spec = buildCommandTable().get(name)!;
  const names = spec.subcommands?.map((s) => s.name).filter((s) => metaOf(s) && !s.endsWith('|setinfo')) ?? [name];
  for (const n of names) {
    const [r, k] = await Promise.all([rc.call('COMMAND', 'DOCS', n), kc.call('COMMAND', 'DOCS', n)]);
    if (r !== k) return `${n}: COMMAND DOCS differ\n    redis: ${escape(r, 300)}\n    ks:    ${escape(k, 300)}`;
  }
  return null;
}

test('COMMAND INFO and DOCS of every implemented command match redis-server (RESP2)', (t) => compareAll(t, 2));
test('COMMAND INFO and DOCS of every implemented command match redis-server (RESP3)', (t) => compareAll(t, 3));

test('every table entry agrees with the recorded Redis 7.0 metadata (no redis-server needed)', (t) => {
  const diffs: string[] = [];
  const check = (name: string, arity: number, flags: readonly string[], keys: number[]): void => {
    const m = metaOf(name);
    if (m === undefined || name === 'client|setinfo') return;
    // Flags Redis 7.0's COMMAND INFO does not show (FLAG_ORDER leaves them out too).
    const hidden = new Set(['may_replicate', 'sentinel', 'only_sentinel', 'protected', 'touches_arbitrary_keys']);
    const ours = [...flags].filter((f) => !hidden.has(f)).sort().join(',');
    const theirs = [...m.redis.flags].sort().join(',');
    if (m.redis.arity !== arity) diffs.push(`${name}: arity ${arity}, Redis ${m.redis.arity}`);
    if (ours !== theirs) diffs.push(`${name}: flags [${ours}], Redis [${theirs}]`);
    if (m.redis.keys.join() !== keys.join()) diffs.push(`${name}: keys [${keys}], Redis [${m.redis.keys}]`);
  };
  for (const spec of buildCommandTable().values()) {
    check(spec.name, spec.arity, spec.flags, [spec.firstKey, spec.lastKey, spec.step]);
    for (const s of spec.subcommands ?? []) check(s.name, s.arity, s.flags, [s.firstKey, s.lastKey, s.step]);
  }
  t.true(redisCommandNames().length >= 200);
  if (diffs.length > 0) t.fail(`table entries that differ from Redis 7.0:\n${diffs.join('\n')}`);
  else t.pass();
});
