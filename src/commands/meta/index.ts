// Redis 7.0's command metadata that our command table does not carry: ACL categories, tips, key
// specs and docs, generated from a real redis-server by scripts/gen-command-meta.mjs into
// redis-7.0.json (see the script for the JSON convention this module decodes). COMMAND INFO, DOCS,
// LIST and GETKEYS read it through here. Name, arity, flags and key positions are NOT taken from
// here: the command table is the source of truth for those.

import data from './redis-7.0.json' with { type: 'json' };
import { MapReply, SetReply, SimpleString, type Reply } from '../../protocol/reply.js';

export type Json = string | number | Json[] | { [key: string]: Json };

export interface KeySpec {
  notes?: string;
  flags: string[];
  begin_search: { type: string; spec: { index?: number; keyword?: string; startfrom?: number } };
  find_keys: { type: string; spec: { lastkey?: number; keystep?: number; limit?: number; keynumidx?: number; firstkey?: number } };
}

export interface CommandMeta {
  /** Redis's own arity/flags/key positions, for reference and tests only. */
  redis: { arity: number; flags: string[]; keys: number[] };
  acl: string[];
  tips: string[];
  key_specs: KeySpec[];
  docs: { [key: string]: Json };
  subcommands?: Record<string, CommandMeta>;
}

/**
 * Commands Keystonelight answers that Redis 7.0 lacks. CLIENT SETINFO arrived in Redis 7.2, and
 * client libraries send it on connect; its metadata is 7.2's.
 */
const LATER: Record<string, CommandMeta> = {
  'client|setinfo': {
    redis: { arity: 4, flags: ['noscript', 'loading', 'stale'], keys: [0, 0, 0] },
    acl: ['@slow', '@connection'],
    tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
    key_specs: [],
    docs: {
      summary: 'Sets information specific to the client or connection.',
      since: '7.2.0',
      group: 'connection',
      complexity: 'O(1)',
      arguments: [{
        name: 'attr',
        type: 'oneof',
        arguments: [
          { name: 'libname', type: 'string', token: 'LIB-NAME' },
          { name: 'libver', type: 'string', token: 'LIB-VER' },
        ],
      }],
    },
  },
};

const BY_NAME = new Map<string, CommandMeta>();
for (const [name, m] of Object.entries(data.commands as unknown as Record<string, CommandMeta>)) {
  BY_NAME.set(name, m);
  for (const [sub, sm] of Object.entries(m.subcommands ?? {})) BY_NAME.set(sub, sm);
}
for (const [name, m] of Object.entries(LATER)) BY_NAME.set(name, m);

export const META_REDIS_VERSION: string = data.redis_version;

/** Metadata of a command or subcommand by full lower-case name ("get", "config|get"). */
export function metaOf(name: string): CommandMeta | undefined {
  return BY_NAME.get(name);
}

/** Every top-level command name Redis 7.0 has (for tests comparing coverage). */
export function redisCommandNames(): string[] {
  return Object.keys(data.commands);
}

// --- JSON -> reply, by the generator's convention ------------------------------------------------

/** Keys whose arrays are RESP3 sets; under STATUS_KEYS their string members are status strings. */
const SET_KEYS = new Set(['flags', 'doc_flags', 'acl', 'tips', 'history', 'key_specs']);
const STATUS_KEYS = new Set(['flags', 'doc_flags', 'acl']);

/** Rebuilds the reply Redis sent from its JSON form; `key` is the map key the value sits under. */
export function jsonReply(v: Json, key = ''): Reply {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (Array.isArray(v)) {
    if (STATUS_KEYS.has(key)) return new SetReply(v.map((s) => new SimpleString(s as string)));
    const items = v.map((e) => jsonReply(e));
    return SET_KEYS.has(key) ? new SetReply(items) : items;
  }
  const entries: Reply[] = [];
  for (const [k, e] of Object.entries(v)) entries.push(k, jsonReply(e, k));
  return new MapReply(entries);
}

/** Redis's order of command flags in COMMAND INFO; flags not listed here are never shown. */
const FLAG_ORDER = [
  'write', 'readonly', 'denyoom', 'module', 'admin', 'pubsub', 'noscript', 'blocking', 'loading',
  'stale', 'skip_monitor', 'skip_slowlog', 'asking', 'fast', 'no_auth', 'no_mandatory_keys',
  'no_async_loading', 'no_multi', 'movablekeys', 'allow_busy',
];

/** A command's flags as COMMAND INFO shows them: Redis's fixed order, hidden flags left out. */
export function flagsReply(flags: readonly string[]): SetReply {
  return new SetReply(FLAG_ORDER.filter((f) => flags.includes(f)).map((f) => new SimpleString(f)));
}

/** The parts of a COMMAND INFO entry that come from the metadata (categories, tips, key specs). */
export function metaInfoParts(name: string): [Reply, Reply, Reply] {
  const m = metaOf(name);
  if (m === undefined) return [new SetReply([]), new SetReply([]), new SetReply([])];
  return [jsonReply(m.acl, 'acl'), jsonReply(m.tips, 'tips'), jsonReply(m.key_specs as unknown as Json, 'key_specs')];
}
