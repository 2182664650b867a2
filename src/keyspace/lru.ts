// Per-key access metadata: Redis's 24-bit `lru` field of every object, with its two meanings.
//
// - Under an LRU policy, or no eviction policy, it holds the LRU clock: seconds since the epoch
//   (LRU_CLOCK_RESOLUTION = 1000 ms) modulo 2^24, of the key's last access. The idle time of a key
//   is the clock now minus that, wrapping as Redis's estimateObjectIdleTime does.
// - Under an LFU policy it holds 16 bits of "last decrement time" in minutes (modulo 2^16) and an
//   8-bit logarithmic access counter: a new key starts at LFU_INIT_VAL, each access increments the
//   counter with probability 1 / ((counter - LFU_INIT_VAL) * lfu-log-factor + 1), and the counter
//   loses one per lfu-decay-time minutes without access (LFULogIncr / LFUDecrAndReturn of evict.c).
//
// Switching policies at run time reinterprets the bits, as in Redis (whose OBJECT errors warn that
// "LRU and LFU data will take some time to adjust").
//
// Times come from the keyspace's coarse clock (CommandTime.coarseMs): the time of the last real
// clock reading, refreshed by the cron and by every command that reads the clock anyway, as
// Redis's server.lruclock is refreshed by its cron. A GET thus costs no clock reading.

/** Redis's LRU_BITS / LRU_CLOCK_MAX / LRU_CLOCK_RESOLUTION. */
export const LRU_CLOCK_MAX = (1 << 24) - 1;
export const LRU_CLOCK_RESOLUTION = 1000;
/** Redis's LFU_INIT_VAL: the counter of a new key (so that it is not evicted at once). */
export const LFU_INIT_VAL = 5;

/** The maxmemory policies, as Redis's MAXMEMORY_* values read: what is sampled, and how keys rank. */
export type EvictionKind = 'lru' | 'lfu' | 'ttl' | 'random' | 'none';

export interface PolicyInfo {
  kind: EvictionKind;
  /** allkeys-*: sample every key; volatile-*: only keys with a TTL. */
  allKeys: boolean;
}

/** What a maxmemory-policy name means. */
export function parsePolicy(name: string): PolicyInfo {
  if (name === 'noeviction') return { kind: 'none', allKeys: false };
  const [scope, kind] = name.split('-') as [string, EvictionKind];
  return { kind, allKeys: scope === 'allkeys' };
}

/**
 * The settings eviction and access tracking read on every use, kept as plain fields: the server
 * copies them from the configuration when it changes (a Config lookup per GET would show).
 */
export class MemorySettings {
  /** maxmemory in bytes; 0: no limit. */
  maxmemory = 0;
  policy: PolicyInfo = { kind: 'none', allKeys: false };
  /** True under allkeys-lfu / volatile-lfu: the access field holds LFU data. */
  lfu = false;
  samples = 5;
  tenacity = 10;
  lfuLogFactor = 10;
  lfuDecayTime = 1;

  setPolicy(name: string): void {
    this.policy = parsePolicy(name);
    this.lfu = this.policy.kind === 'lfu';
  }
}

/** Redis's getLRUClock for a time in ms. */
export function lruClock(ms: number): number {
  return Math.floor(ms / LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX;
}

/** Redis's estimateObjectIdleTime: ms since the access stamped `lru`, at LRU clock `now`. */
export function idleMs(lru: number, now: number): number {
  if (now >= lru) return (now - lru) * LRU_CLOCK_RESOLUTION;
  return (now + (LRU_CLOCK_MAX - lru)) * LRU_CLOCK_RESOLUTION;
}

/** Redis's LFUGetTimeInMinutes for a time in ms. */
export function lfuMinutes(ms: number): number {
  return Math.floor(ms / 60000) & 65535;
}

/** Redis's LFUTimeElapsed: minutes since `ldt`, modulo 2^16. */
function lfuElapsed(ldt: number, nowMinutes: number): number {
  return nowMinutes >= ldt ? nowMinutes - ldt : 65535 - ldt + nowMinutes;
}

/** Redis's LFULogIncr: the counter after one access (logarithmic: harder as it grows). */
export function lfuLogIncr(counter: number, logFactor: number, random: () => number = Math.random): number {
  if (counter === 255) return 255;
  const r = random();
  const baseval = Math.max(0, counter - LFU_INIT_VAL);
  const p = 1 / (baseval * logFactor + 1);
  return r < p ? counter + 1 : counter;
}

/** Redis's LFUDecrAndReturn: the counter of LFU data `field`, decayed for the minutes elapsed. */
export function lfuDecrAndReturn(field: number, nowMinutes: number, decayTime: number): number {
  const ldt = field >>> 8;
  const counter = field & 255;
  const periods = decayTime !== 0 ? Math.floor(lfuElapsed(ldt, nowMinutes) / decayTime) : 0;
  if (periods === 0) return counter;
  return periods > counter ? 0 : counter - periods;
}

/** The field of a key created at coarse time `ms` (Redis's createObject). */
export function initialField(s: MemorySettings, ms: number): number {
  return s.lfu ? (lfuMinutes(ms) << 8) | LFU_INIT_VAL : lruClock(ms);
}

/** The field after an access at coarse time `ms` (Redis's lookupKey: updateLFU or LRU_CLOCK()). */
export function touchedField(s: MemorySettings, field: number, ms: number): number {
  if (!s.lfu) return lruClock(ms);
  const minutes = lfuMinutes(ms);
  const counter = lfuLogIncr(lfuDecrAndReturn(field, minutes, s.lfuDecayTime), s.lfuLogFactor);
  return (minutes << 8) | counter;
}

/**
 * The eviction score of a key (higher: evicted first), as evictionPoolPopulate ranks them: idle
 * time under LRU, 255 minus the decayed counter under LFU.
 */
export function evictionScore(s: MemorySettings, field: number, ms: number): number {
  if (s.lfu) return 255 - lfuDecrAndReturn(field, lfuMinutes(ms), s.lfuDecayTime);
  return idleMs(field, lruClock(ms));
}
