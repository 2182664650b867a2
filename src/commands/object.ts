// OBJECT ENCODING | REFCOUNT | IDLETIME | FREQ | HELP: what Redis says about a value's internals.
//
// ENCODING is exact for strings (int / embstr / raw, see keyspace/values.ts) and asks collection
// values for theirs. REFCOUNT answers as Redis does for the shared integers 0..9999 (INT_MAX) and 1
// otherwise. IDLETIME and FREQ read the key's access metadata (keyspace/lru.ts: the LRU clock, or
// the LFU time and counter, per the maxmemory policy), each with Redis's error when the policy
// makes it meaningless. OBJECT itself does not count as an access (Redis's LOOKUP_NOTOUCH).

import { command, type CommandSpec, type Ctx } from './types.js';
import { container } from './dispatch.js';
import { helpReply } from './command.js';
import { lookupRead } from './keyaccess.js';
import { err, type Reply } from '../protocol/reply.js';
import { LFU_NOT_SELECTED, LFU_SELECTED } from '../errors.js';
import { encodingOf, stringEncoding, type Value } from '../keyspace/values.js';
import { idleMs, lfuDecrAndReturn, lfuMinutes, lruClock } from '../keyspace/lru.js';

/** Redis's OBJ_SHARED_INTEGERS and OBJ_SHARED_REFCOUNT. */
const SHARED_INTEGERS = 10000;
const SHARED_REFCOUNT = 2147483647;

const HELP = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

const lfuPolicy = (ctx: Ctx): boolean => ctx.keyspace.settings.lfu;

/**
 * OBJECT IDLETIME: Redis's estimateObjectIdleTime in seconds. As in Redis, "now" is the coarse
 * clock the access stamps are taken from (LRU_CLOCK()), so a key just written reads 0.
 */
function idletime(ctx: Ctx, key: string): Reply {
  if (lfuPolicy(ctx)) return err(LFU_SELECTED);
  return Math.floor(idleMs(ctx.db.accessField(key) ?? 0, lruClock(ctx.keyspace.time.coarseMs)) / 1000);
}

/** OBJECT FREQ: the LFU counter, decayed for the time since the last access (LFUDecrAndReturn). */
function freq(ctx: Ctx, key: string): Reply {
  if (!lfuPolicy(ctx)) return err(LFU_NOT_SELECTED);
  const minutes = lfuMinutes(ctx.keyspace.time.coarseMs);
  return lfuDecrAndReturn(ctx.db.accessField(key) ?? 0, minutes, ctx.keyspace.settings.lfuDecayTime);
}

/**
 * Redis shares the integer objects 0..9999 (strings set as such numbers) unless maxmemory is set
 * with an LRU or LFU policy, which needs a private object per key.
 */
export function refcount(ctx: Ctx, v: Value): number {
  if (typeof v !== 'string' || stringEncoding(v) !== 'int') return 1;
  const n = Number(v);
  if (n < 0 || n >= SHARED_INTEGERS) return 1;
  const policy = ctx.server.config.get('maxmemory-policy');
  const private_ = ctx.server.config.int('maxmemory') !== 0 && (policy.includes('lru') || policy.includes('lfu'));
  return private_ ? 1 : SHARED_REFCOUNT;
}

/** The OBJECT subcommands that inspect a key: null for a missing key, as Redis; not an access. */
function inspect(answer: (ctx: Ctx, v: Value, key: string) => Reply) {
  return (ctx: Ctx, args: string[]): Reply => {
    const v = lookupRead(ctx, args[2], false);
    return v === undefined ? null : answer(ctx, v, args[2]);
  };
}

const KEY_ARG = [2, 2, 1] as const;
const READ = ['readonly'] as const;

export const objectCommand: CommandSpec = container('object', -2, [
  command('object|encoding', 3, READ, KEY_ARG, inspect((_ctx, v) => encodingOf(v))),
  command('object|refcount', 3, READ, KEY_ARG, inspect(refcount)),
  command('object|idletime', 3, READ, KEY_ARG, inspect((ctx, _v, key) => idletime(ctx, key))),
  command('object|freq', 3, READ, KEY_ARG, inspect((ctx, _v, key) => freq(ctx, key))),
  command('object|help', 2, ['loading', 'stale'], [0, 0, 0], (_ctx, args) => helpReply(args[0], HELP)),
]);
