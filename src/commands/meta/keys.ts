// Finding the keys of a full command line from Redis 7.0's key specs (COMMAND GETKEYS and
// GETKEYSANDFLAGS), as Redis's getKeysFromCommandWithSpecs does: the key specs first; when they
// cannot answer (a spec flagged INCOMPLETE or of unknown kind, or flags that depend on the
// arguments) the command's own key finder, for the few commands that have one we model.

import { metaOf, type KeySpec } from './index.js';
import { walkMigrateOptions } from '../migrate-options.js';

/**
 * Keys of a command line with the same flags: the arguments at first, first + step, ... up to
 * last. One run per key spec, not one object per key: COMMAND GETKEYSANDFLAGS DEL with 5M keys
 * made 5M of those, and their garbage collection was much of its 8.8 s (Redis: 1.2 s).
 */
export interface KeyRun {
  /** Index of the first key in the argument vector (0 = the command name). */
  first: number;
  /** Index of the last key (inclusive; a key when (last - first) is a multiple of step). */
  last: number;
  step: number;
  /** Key-spec flags in Redis's order (RO, RW, OW, RM, access, update, insert, delete, ...). */
  flags: readonly string[];
}

/** A run of the one key at `pos`. */
const one = (pos: number, flags: readonly string[]): KeyRun => ({ first: pos, last: pos, step: 1, flags });

/** How many keys `runs` hold. */
export function countKeys(runs: readonly KeyRun[]): number {
  let n = 0;
  for (const r of runs) n += Math.floor((r.last - r.first) / r.step) + 1;
  return n;
}

/** Redis's string2ll for the numkeys argument of a keynum spec. */
function keynum(s: string | undefined): number | null {
  if (s === undefined || !/^(0|-?[1-9]\d{0,18})$/.test(s)) return null;
  return Number(s);
}

/** Where a spec's keys begin (0 when its keyword is absent), or null for a spec we cannot read. */
function beginOf(spec: KeySpec, args: readonly string[]): number | null {
  const bs = spec.begin_search;
  if (bs.type === 'index') return bs.spec.index!;
  if (bs.type !== 'keyword') return null;
  const argc = args.length;
  const from = bs.spec.startfrom!;
  const start = from > 0 ? from : argc + from;
  const end = from > 0 ? argc - 1 : 1;
  const word = bs.spec.keyword!.toLowerCase();
  for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
    if (i >= argc || i < 1) break;
    if (args[i].toLowerCase() === word) return i + 1;
  }
  return 0;
}

/** The keys of one spec (none: null run), or false when the spec is invalid for these arguments. */
function keysOfSpec(spec: KeySpec, args: readonly string[]): KeyRun | null | false {
  const argc = args.length;
  let first = beginOf(spec, args);
  if (first === null) return false;
  if (first === 0) return null;
  let last: number;
  let step: number;
  const fk = spec.find_keys;
  if (fk.type === 'range') {
    const { lastkey, keystep, limit } = fk.spec as Required<KeySpec['find_keys']['spec']>;
    step = keystep;
    if (lastkey >= 0) last = first + lastkey;
    else if (!limit) last = argc + lastkey;
    else last = first + (Math.trunc((argc - first) / limit) + lastkey);
  } else if (fk.type === 'keynum') {
    const { keynumidx, firstkey, keystep } = fk.spec as Required<KeySpec['find_keys']['spec']>;
    step = keystep;
    const n = keynum(args[first + keynumidx]);
    if (n === null || n < 0) return false;
    first += firstkey;
    last = first + n - 1;
  } else {
    return false;
  }
  if (last >= argc || last < first || first >= argc) return false;
  return spec.flags.includes('incomplete') ? false : { first, last, step, flags: spec.flags };
}

/** Redis's getKeysUsingKeySpecs; null when a spec is invalid (the caller then falls back). */
function keysFromSpecs(specs: readonly KeySpec[], args: readonly string[]): KeyRun[] | null {
  const out: KeyRun[] = [];
  for (const spec of specs) {
    if (spec.flags.includes('not_key')) continue;
    const run = keysOfSpec(spec, args);
    if (run === false) return null;
    if (run !== null) out.push(run);
  }
  return out;
}

const RW_ACCESS_UPDATE = ['RW', 'access', 'update'];
const OW_UPDATE = ['OW', 'update'];
const RW_ACCESS_DELETE = ['RW', 'access', 'delete'];
const RO_ACCESS = ['RO', 'access'];

/** Redis's setGetKeys: the GET option makes SET read the old value. */
function setKeys(args: readonly string[]): KeyRun[] {
  const get = args.slice(3).some((a) => a.toLowerCase() === 'get');
  return [one(1, get ? RW_ACCESS_UPDATE : OW_UPDATE)];
}

/** Redis's bitfieldGetKeys: read-only when it only has GET (and OVERFLOW) operations. */
function bitfieldKeys(args: readonly string[]): KeyRun[] {
  let readonly = true;
  for (let i = 2; i < args.length; i++) {
    const rem = args.length - i - 1;
    const a = args[i].toLowerCase();
    if (a === 'get' && rem >= 2) i += 2;
    else if (a === 'overflow' && rem >= 1) i += 1;
    else {
      readonly = false;
      break;
    }
  }
  return [one(1, readonly ? RO_ACCESS : RW_ACCESS_UPDATE)];
}

/** The SORT options sortGetKeys skips with their arguments (a Map: `constructor` is no option). */
const SORT_SKIP = new Map([['limit', 2], ['get', 1], ['by', 1]]);

/** Redis's sortGetKeys: the sorted key, and the last STORE destination. */
function sortKeys(args: readonly string[]): KeyRun[] {
  const out: KeyRun[] = [one(1, RO_ACCESS)];
  let store: KeyRun | null = null;
  for (let i = 2; i < args.length; i++) {
    const a = args[i].toLowerCase();
    const skip = SORT_SKIP.get(a);
    if (skip !== undefined) i += skip;
    else if (a === 'store' && i + 1 < args.length) store = one(i + 1, OW_UPDATE);
  }
  return store ? [...out, store] : out;
}

/**
 * Redis 7.0's migrateGetKeys, used when the KEYS key spec (incomplete) matched: the arguments after
 * a KEYS option (none when the key argument is not empty: MIGRATE will refuse it), stepping over
 * the other options' values; without KEYS, the key argument.
 */
function migrateKeys(args: readonly string[]): KeyRun[] {
  const { keys } = walkMigrateOptions(args);
  let first = 3;
  let num = 1;
  if (keys >= 0) {
    first = keys;
    num = args[3] === '' ? args.length - first : 0;
  }
  return num === 0 ? [] : [{ first, last: first + num - 1, step: 1, flags: RW_ACCESS_DELETE }];
}

/** Commands whose own key finder Redis uses when their key specs cannot answer. */
const KEY_FINDERS: Record<string, (args: readonly string[]) => KeyRun[]> = {
  set: setKeys,
  bitfield: bitfieldKeys,
  sort: sortKeys,
  migrate: migrateKeys,
};

/** Does the command have key arguments at all (Redis's doesCommandHaveKeys)? */
export function commandHasKeys(name: string): boolean {
  const specs = metaOf(name)?.key_specs ?? [];
  return name in KEY_FINDERS || specs.some((s) => !s.flags.includes('not_key'));
}

/**
 * The keys of `args` (a full command line; args[0] the command, possibly with its subcommand)
 * for the command called `name`, in runs, in Redis's order. An empty list when none can be found.
 */
export function findKeys(name: string, args: readonly string[]): KeyRun[] {
  const specs = metaOf(name)?.key_specs ?? [];
  const variable = specs.some((s) => s.flags.includes('variable_flags'));
  if (!variable && specs.some((s) => !s.flags.includes('not_key'))) {
    const keys = keysFromSpecs(specs, args);
    if (keys !== null) return keys;
  }
  const finder = KEY_FINDERS[name];
  return finder ? finder(args) : [];
}
