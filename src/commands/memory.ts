// MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP, in Redis 7.0's reply shapes.
//
// Every figure comes from the one estimate of keyspace/memory.ts: MEMORY USAGE is the bytes a key
// is charged in the used memory that maxmemory is checked against, and MEMORY STATS splits that
// used memory as Redis does (startup, clients, per-database dictionary overhead, dataset). The
// allocator-* and fragmentation figures are the Node.js process's heap and RSS. There is no
// allocator to ask for statistics or to purge: MALLOC-STATS answers what Redis built with libc
// malloc answers, and PURGE just says OK.

import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { container } from './dispatch.js';
import { helpReply } from './command.js';
import { cWord, toI64 } from './args.js';
import { memoryFigures, memoryOverhead } from './info.js';
import { formatDouble } from './numbers.js';
import { DoubleReply, err, MapReply, OK, VerbatimReply, type Reply } from '../protocol/reply.js';
import { NOT_INTEGER, SYNTAX } from '../errors.js';
import { entryBytes } from '../keyspace/memory.js';

const HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

/** Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES. */
const DEFAULT_SAMPLES = 5;

/**
 * MEMORY USAGE key [SAMPLES count]: options first (a negative count is a syntax error, 0 means
 * all), then the key as stored, without expiring it or counting an access (Redis's dictFind).
 */
function usage(ctx: Ctx, args: string[]): Reply {
  let samples = DEFAULT_SAMPLES;
  for (let j = 3; j < args.length; j++) {
    if (cWord(args[j]) !== 'SAMPLES' || j + 1 >= args.length) return err(SYNTAX);
    const n = toI64(args[++j]);
    if (n === null) return err(NOT_INTEGER);
    if (n < 0n) return err(SYNTAX);
    samples = n === 0n ? 0 : Number(n);
  }
  const v = ctx.db.dict.get(args[2]);
  // In cluster mode the key's place in the keys-per-slot index is charged with it (Redis 7.0 adds
  // its slot metadata too).
  return v === undefined ? null : entryBytes(args[2], v, samples) + (ctx.db.keyIndex?.bytesPerKey ?? 0);
}

/** A ratio as Redis stores it (a C float) and replies it (a double). */
const ratio = (a: number, b: number): DoubleReply => new DoubleReply(formatDouble(Math.fround(b === 0 ? 0 : a / b)));

/** MEMORY STATS: Redis 7.0's fields in its order; a nested map per database holding keys. */
function stats(ctx: Ctx): Reply {
  const m = memoryFigures(ctx);
  const out: Reply[] = [
    'peak.allocated', m.peak, 'total.allocated', m.used, 'startup.allocated', m.startup,
    'replication.backlog', 0, 'clients.slaves', 0, 'clients.normal', m.clients, 'cluster.links', 0,
    'aof.buffer', 0, 'lua.caches', 0, 'functions.caches', 0,
  ];
  const { dbs } = memoryOverhead(ctx);
  let keys = 0;
  for (const db of dbs) {
    keys += db.keys;
    out.push(`db.${db.id}`, new MapReply([
      'overhead.hashtable.main', db.main, 'overhead.hashtable.expires', db.expires, 'overhead.hashtable.slot-to-keys', db.slotToKeys,
    ]));
  }
  const net = m.used - m.startup;
  const { overhead, dataset } = m;
  out.push(
    'overhead.total', overhead, 'keys.count', keys, 'keys.bytes-per-key', keys === 0 ? 0 : Math.floor(net / keys),
    'dataset.bytes', dataset, 'dataset.percentage', ratio(dataset * 100, net), 'peak.percentage', ratio(m.used * 100, m.peak),
    'allocator.allocated', m.heapUsed, 'allocator.active', m.heapActive, 'allocator.resident', m.rss,
    'allocator-fragmentation.ratio', ratio(m.heapActive, m.heapUsed), 'allocator-fragmentation.bytes', m.heapActive - m.heapUsed,
    'allocator-rss.ratio', ratio(m.rss, m.heapActive), 'allocator-rss.bytes', m.rss - m.heapActive,
    'rss-overhead.ratio', ratio(1, 1), 'rss-overhead.bytes', 0,
    'fragmentation', ratio(m.rss, m.used), 'fragmentation.bytes', m.rss - m.used,
  );
  return new MapReply(out);
}

const DOCTOR = {
  fine: "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n",
  empty:
    "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n",
  head: 'Sam, I detected a few issues in this Redis instance memory implants:\n\n',
  peak: ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n',
  rss: ' * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "libc".\n\n',
  clients: ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n',
  tail: "I'm here to keep you safe, Sam. I want to help you.\n",
};

/** Used memory above the startup figure under which MEMORY DOCTOR calls the instance empty. */
const EMPTY_BELOW = 4 * 1024 * 1024;

/** MEMORY DOCTOR: Redis's getMemoryDoctorReport, with the checks that apply to this server. */
function doctor(ctx: Ctx): Reply {
  const m = memoryFigures(ctx);
  // Redis: empty below 5 MB of used memory, of which its empty server uses under 1 MB. Ours starts
  // at 9 MB (the startup figure), so the same room is measured above that figure.
  if (m.used - m.startup < EMPTY_BELOW) return new VerbatimReply(DOCTOR.empty);
  let clients = 0;
  for (const _ of ctx.server.clients()) clients++;
  const issues = [
    m.peak / m.used > 1.5 ? DOCTOR.peak : '',
    m.rss / m.used > 1.4 && m.rss - m.used > 10 << 20 ? DOCTOR.rss : '',
    clients > 0 && m.clients / clients > 1024 * 200 ? DOCTOR.clients : '',
  ].join('');
  return new VerbatimReply(issues === '' ? DOCTOR.fine : DOCTOR.head + issues + DOCTOR.tail);
}

export const memoryCommands: CommandSpec[] = [
  container('memory', -2, [
    command('memory|doctor', 2, [], NO_KEYS, doctor),
    command('memory|malloc-stats', 2, [], NO_KEYS, () => 'Stats not supported for the current allocator'),
    command('memory|purge', 2, [], NO_KEYS, () => OK),
    command('memory|stats', 2, [], NO_KEYS, stats),
    command('memory|usage', -3, ['readonly'], [2, 2, 1], usage),
    command('memory|help', 2, ['loading', 'stale'], NO_KEYS, (_ctx, args) => helpReply(args[0], HELP)),
  ]),
];
