// The `client-output-buffer-limit` option: Redis 7.0's syntax, error texts, CONFIG GET form and
// CONFIG REWRITE lines. The value is groups of four words, `<class> <hard> <soft> <soft-seconds>`;
// setting it changes only the classes named (CONFIG SET client-output-buffer-limit "normal 1mb
// 512kb 10" keeps the replica and pubsub limits). The stored value always lists the three classes,
// as CONFIG GET shows them: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60".
//
// This module and config.ts import each other; only function declarations cross (hoisted, so
// usable whichever module is evaluated first).

import { ConfigError } from './config.js';
import { bytesText, memtoull, strtoll } from './config-values.js';

/** One class's limits: bytes (hard, soft) and seconds above soft before the client is closed. */
export interface ObufClassLimits {
  hard: number;
  soft: number;
  softSeconds: number;
}

const WRONG_ARGS = 'Wrong number of arguments in buffer limit configuration.';
const BAD_CLASS = 'Invalid client class specified in buffer limit configuration.';
const BAD_VALUE = 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';

/** Redis's getClientTypeByName for this option (master is a type, but has no limits of its own). */
function className(word: string): string {
  const w = word.toLowerCase();
  if (w === 'normal' || w === 'pubsub') return w;
  if (w === 'slave' || w === 'replica') return 'slave';
  throw new ConfigError(BAD_CLASS);
}

/**
 * Validates a value's words (all groups checked before any applies, as Redis) and returns its
 * canonical form: class names as CONFIG GET shows them, byte counts without units. No words change
 * nothing (Redis answers OK to CONFIG SET client-output-buffer-limit ""); one empty word (the
 * config line `client-output-buffer-limit ""`) is a wrong number of them, as in Redis.
 */
export function parseObufLimits(w: readonly string[]): string {
  if (w.length % 4 !== 0) throw new ConfigError(WRONG_ARGS);
  const out: string[] = [];
  for (let j = 0; j < w.length; j += 4) {
    const cls = className(w[j]);
    const hard = memtoull(w[j + 1]);
    const soft = memtoull(w[j + 2]);
    const secs = strtoll(w[j + 3]);
    // soft_seconds is a C int in Redis 7.0: the strtoll result keeps its low 32 bits.
    const seconds = secs === null ? -1n : BigInt.asIntN(32, secs);
    if (hard === null || soft === null || seconds < 0n) throw new ConfigError(BAD_VALUE);
    out.push(cls, String(hard), String(soft), String(seconds));
  }
  return out.join(' ');
}

/** The classes of a canonical value (full or partial), by name. */
function groups(value: string): Map<string, string[]> {
  const w = value === '' ? [] : value.split(' ');
  const m = new Map<string, string[]>();
  for (let j = 0; j < w.length; j += 4) m.set(w[j], w.slice(j + 1, j + 4));
  return m;
}

/** The stored value after setting `update` (canonical, maybe partial) over `current`. */
export function mergeObufLimits(current: string, update: string): string {
  const m = groups(current);
  for (const [cls, v] of groups(update)) m.set(cls, v);
  return ['normal', 'slave', 'pubsub'].map((c) => [c, ...(m.get(c) ?? ['0', '0', '0'])].join(' ')).join(' ');
}

/** Redis 7.0's default (a function: config.ts reads it while this module may not be evaluated yet). */
export function obufDefault(): string {
  return 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';
}

/**
 * CONFIG REWRITE's lines, as Redis's rewriteConfigClientOutputBufferLimitOption: one for each class
 * that differs from its default, memory in the largest exact unit, "replica" for slave.
 */
export function obufLines(value: string): string[] {
  return [...groups(value)].map(([cls, [hard, soft, secs]]) =>
    `client-output-buffer-limit ${cls === 'slave' ? 'replica' : cls} ${bytesText(hard)} ${bytesText(soft)} ${secs}`);
}

/** One class's limits as numbers, from the stored value. */
export function obufClass(value: string, cls: 'normal' | 'slave' | 'pubsub'): ObufClassLimits {
  const [hard, soft, secs] = (groups(value).get(cls) ?? ['0', '0', '0']).map(Number);
  return { hard, soft, softSeconds: secs };
}
