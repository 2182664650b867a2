// INFO [section ...]: Redis 7.0's sections, fields and field order, so that tools parsing INFO
// (ioredis's ready check reads redis_version and loading) find what they expect. Values come from
// the server, the keyspace and the Node.js process; fields that describe machinery Keystonelight
// does not have (RDB, replication, Lua, active defrag) hold what an idle Redis would show.
//
// The reply is "# Section" headers and "field:value" lines, CRLF-terminated, with a blank line
// between sections; a bulk string in RESP2, a verbatim string in RESP3.

import { machine, release, totalmem, type } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { cWord } from './args.js';
import type { ServerApi, ServerStats } from './context.js';
import { VerbatimReply, type Reply } from '../protocol/reply.js';
import { REDIS_VERSION } from '../version.js';
import { byteString } from '../config-values.js';
import { EXPIRE_ENTRY_BYTES, KEY_ENTRY_BYTES } from '../keyspace/memory.js';
import { wallNow } from '../timers.js';

type Fields = [string, string | number][];

/** Redis 7.0's sections in output order, with their headers; `true` = part of the default set. */
const SECTIONS: [string, string, boolean][] = [
  ['server', 'Server', true], ['clients', 'Clients', true], ['memory', 'Memory', true],
  ['persistence', 'Persistence', true], ['stats', 'Stats', true], ['replication', 'Replication', true],
  ['cpu', 'CPU', true], ['modules', 'Modules', true], ['commandstats', 'Commandstats', false],
  ['errorstats', 'Errorstats', true], ['latencystats', 'Latencystats', false], ['cluster', 'Cluster', true],
  ['keyspace', 'Keyspace', true],
];

/** The replication id INFO shows, made once per server from its run id. */
const replids = new WeakMap<ServerApi, string>();

function replidOf(server: ServerApi): string {
  let id = replids.get(server);
  if (id === undefined) {
    id = server.runId.split('').reverse().join('');
    replids.set(server, id);
  }
  return id;
}

/** Redis's bytesToHuman. */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  for (let i = 0; i < units.length; i++) {
    if (n < 1024 ** (i + 2)) return `${(n / 1024 ** (i + 1)).toFixed(2)}${units[i]}`;
  }
  return `${n}B`;
}

const ratio = (a: number, b: number): string => (b === 0 ? '0.00' : (a / b).toFixed(2));

function serverSection(ctx: Ctx): Fields {
  const s = ctx.server;
  // Wall-clock time since the start (startedAt is), not the injected clock's: a ManualClock()
  // gave -95867441 s. server_time_usec and lru_clock follow the clock, as TIME and OBJECT IDLETIME.
  const uptime = Math.floor((wallNow() - s.startedAt) / 1000);
  return [
    ['redis_version', REDIS_VERSION], ['server_name', 'keystonelight'], ['keystonelight_version', s.version],
    ['redis_git_sha1', '00000000'], ['redis_git_dirty', 0], ['redis_build_id', '0'], ['redis_mode', s.cluster !== null ? 'cluster' : 'standalone'],
    ['os', `${type()} ${release()} ${machine()}`], ['arch_bits', process.arch.includes('64') ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'], ['multiplexing_api', process.platform === 'linux' ? 'epoll' : 'kqueue'],
    ['atomicvar_api', 'c11-builtin'], ['gcc_version', '0.0.0'], ['process_id', s.pid], ['process_supervised', 'no'],
    ['run_id', s.runId], ['tcp_port', s.port], ['server_time_usec', ctx.now * 1000], ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)], ['hz', s.hz], ['configured_hz', s.config.get('hz')],
    ['lru_clock', Math.floor(ctx.now / 1000) & 0xffffff], ['executable', s.executable],
    ['config_file', s.configFile === '' ? '' : byteString(resolvePath(s.configFile))], ['io_threads_active', 0],
  ];
}

function clientsSection(ctx: Ctx): Fields {
  let n = 0;
  let blocked = 0;
  let timed = 0;
  for (const c of ctx.server.clients()) {
    n++;
    // As Redis's server.blocked_clients: a command held by CLIENT PAUSE blocks its client, as WAIT.
    if (c.blocked) blocked++;
    // Redis's timeout table: the blocked clients with a timeout (WAIT's; a pause holds without one).
    if (c.blockedWithTimeout) timed++;
  }
  // As Redis's: the biggest buffers the cron saw in the last 8 seconds, not the current ones.
  const recent = ctx.server.metrics.clientPeaks.recent();
  return [
    ['connected_clients', n], ['cluster_connections', 0], ['maxclients', ctx.server.config.get('maxclients')],
    ['client_recent_max_input_buffer', recent.input], ['client_recent_max_output_buffer', recent.output],
    ['blocked_clients', blocked], ['tracking_clients', 0], ['clients_in_timeout_table', timed],
  ];
}

/**
 * The memory figures of INFO memory and MEMORY STATS. `used` is the number maxmemory is checked
 * against (keyspace/memory.ts: the server's baseline plus the estimate of every key, plus the
 * clients' buffers as server/client-memory.ts counts them); `clients` is that last part, Redis's
 * mem_clients_normal. The allocator_* and rss figures are the Node.js process's own.
 */
export function memoryFigures(ctx: Ctx): {
  used: number; startup: number; peak: number; clients: number;
  /** The used memory that is not the keys' names and values (see memoryOverhead). */
  overhead: number; dataset: number;
  heapUsed: number; heapActive: number; rss: number;
} {
  const mu = process.memoryUsage();
  const ks = ctx.keyspace;
  const used = ks.usedMemory;
  // As Redis's INFO, which also notes the peak (its cron does the rest).
  const peak = ctx.server.metrics.notePeak(used);
  // The running total that `used` includes (not a sum over the clients), so that used - overhead
  // stays the keys' own bytes.
  const clients = ks.outside.bytes;
  const overhead = memoryOverhead(ctx).total;
  return {
    used, startup: ks.baselineBytes, peak, clients, overhead, dataset: used - overhead,
    heapUsed: mu.heapUsed + mu.external, heapActive: mu.heapTotal + mu.external, rss: mu.rss,
  };
}

/** One database's table overhead in the used memory (MEMORY STATS db.N). */
export interface DbOverhead {
  id: number;
  keys: number;
  main: number;
  expires: number;
  slotToKeys: number;
}

/**
 * The used memory that is not data, as Redis's getMemoryOverheadData (INFO used_memory_overhead
 * and MEMORY STATS overhead.total agree, as in Redis): the startup figure, the clients' buffers
 * (Redis's clients_normal), and per database its table rows and index (KEY_ENTRY_BYTES a key), its
 * deadlines, and in cluster mode its keys-per-slot index.
 */
export function memoryOverhead(ctx: Ctx): { total: number; dbs: DbOverhead[] } {
  let total = ctx.keyspace.baselineBytes + ctx.keyspace.outside.bytes;
  const dbs: DbOverhead[] = [];
  for (const db of ctx.keyspace.dbs) {
    if (db.size === 0) continue;
    const o = {
      id: db.id,
      keys: db.size,
      main: db.size * KEY_ENTRY_BYTES,
      expires: db.expires.size * EXPIRE_ENTRY_BYTES,
      slotToKeys: db.size * (db.keyIndex?.bytesPerKey ?? 0),
    };
    total += o.main + o.expires + o.slotToKeys;
    dbs.push(o);
  }
  return { total, dbs };
}

function memorySection(ctx: Ctx): Fields {
  const m = memoryFigures(ctx);
  const { used, rss, peak, startup, dataset } = m;
  const active = m.heapActive;
  const maxmemory = ctx.server.config.get('maxmemory');
  const total = totalmem();
  return [
    ['used_memory', used], ['used_memory_human', bytesToHuman(used)], ['used_memory_rss', rss],
    ['used_memory_rss_human', bytesToHuman(rss)], ['used_memory_peak', peak], ['used_memory_peak_human', bytesToHuman(peak)],
    ['used_memory_peak_perc', `${((used * 100) / peak).toFixed(2)}%`], ['used_memory_overhead', m.overhead],
    ['used_memory_startup', startup], ['used_memory_dataset', dataset],
    ['used_memory_dataset_perc', `${used > startup ? ((dataset * 100) / (used - startup)).toFixed(2) : '0.00'}%`],
    ['allocator_allocated', m.heapUsed], ['allocator_active', active], ['allocator_resident', rss],
    ['total_system_memory', total], ['total_system_memory_human', bytesToHuman(total)],
    ['used_memory_lua', 0], ['used_memory_vm_eval', 0], ['used_memory_lua_human', '0B'], ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0], ['number_of_functions', 0], ['number_of_libraries', 0], ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0], ['used_memory_vm_total_human', '0B'], ['used_memory_functions', 0], ['used_memory_scripts', 0],
    ['used_memory_scripts_human', '0B'], ['maxmemory', maxmemory], ['maxmemory_human', bytesToHuman(Number(maxmemory))],
    ['maxmemory_policy', ctx.server.config.get('maxmemory-policy')], ['allocator_frag_ratio', ratio(active, m.heapUsed)],
    ['allocator_frag_bytes', active - m.heapUsed], ['allocator_rss_ratio', ratio(rss, active)], ['allocator_rss_bytes', rss - active],
    ['rss_overhead_ratio', '1.00'], ['rss_overhead_bytes', 0], ['mem_fragmentation_ratio', ratio(rss, used)],
    ['mem_fragmentation_bytes', rss - used], ['mem_not_counted_for_evict', 0], ['mem_replication_backlog', 0],
    ['mem_total_replication_buffers', 0], ['mem_clients_slaves', 0], ['mem_clients_normal', m.clients],
    ['mem_cluster_links', 0], ['mem_aof_buffer', 0], ['mem_allocator', 'libc'], ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0], ['lazyfreed_objects', ctx.server.stats.lazyfreedObjects],
  ];
}

/** What Redis shows for AOF when it is off. */
const AOF_OFF: Fields = [
  ['aof_enabled', 0], ['aof_rewrite_in_progress', 0], ['aof_rewrite_scheduled', 0], ['aof_last_rewrite_time_sec', -1],
  ['aof_current_rewrite_time_sec', -1], ['aof_last_bgrewrite_status', 'ok'], ['aof_rewrites', 0],
  ['aof_rewrites_consecutive_failures', 0], ['aof_last_write_status', 'ok'], ['aof_last_cow_size', 0],
  ['module_fork_in_progress', 0], ['module_fork_last_cow_size', 0],
];

/**
 * The persistence layer supplies the whole section (rdb_*, aof_*, loading_* fields); without one,
 * what Redis shows with appendonly no.
 */
function persistenceSection(ctx: Ctx): Fields {
  const s = ctx.server;
  const supplied = s.infoSections().get('persistence');
  if (supplied !== undefined) return supplied;
  return [
    ['loading', s.loading ? 1 : 0], ['async_loading', 0], ['current_cow_peak', 0], ['current_cow_size', 0],
    ['current_cow_size_age', 0], ['current_fork_perc', '0.00'], ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0], ['rdb_changes_since_last_save', s.dirty], ['rdb_bgsave_in_progress', 0],
    ['rdb_last_save_time', s.lastSave], ['rdb_last_bgsave_status', 'ok'], ['rdb_last_bgsave_time_sec', -1],
    ['rdb_current_bgsave_time_sec', -1], ['rdb_saves', 0], ['rdb_last_cow_size', 0], ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', 0], ...AOF_OFF,
  ];
}

/**
 * INFO total_eviction_exceeded_time / current_eviction_exceeded_time, in ms: as Redis, the current
 * stretch over maxmemory goes on (and counts) until an eviction run finds the memory under the
 * limit, so one that ends with CONFIG SET maxmemory 0 keeps growing, as in Redis 7.0.
 */
function evictionExceeded(st: ServerStats): Fields {
  const current = st.evictionExceededSince !== 0 ? performance.now() * 1000 - st.evictionExceededSince : 0;
  return [
    ['total_eviction_exceeded_time', Math.floor((st.evictionExceededUs + current) / 1000)],
    ['current_eviction_exceeded_time', Math.floor(current / 1000)],
  ];
}

function statsSection(ctx: Ctx): Fields {
  const st = ctx.server.stats;
  const r = ctx.server.metrics.rates();
  const zero = (...names: string[]): Fields => names.map((n) => [n, 0]);
  return [
    ['total_connections_received', st.totalConnections], ['total_commands_processed', st.totalCommands],
    ['instantaneous_ops_per_sec', r.ops], ['total_net_input_bytes', st.netInputBytes], ['total_net_output_bytes', st.netOutputBytes],
    ...zero('total_net_repl_input_bytes', 'total_net_repl_output_bytes'),
    ['instantaneous_input_kbps', r.inKbps], ['instantaneous_output_kbps', r.outKbps],
    ['instantaneous_input_repl_kbps', '0.00'], ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', st.rejectedConnections], ...zero('sync_full', 'sync_partial_ok', 'sync_partial_err'),
    ['expired_keys', st.expiredKeys], ['expired_stale_perc', (ctx.keyspace.expiredStalePerc * 100).toFixed(2)],
    ['expired_time_cap_reached_count', ctx.keyspace.expiredTimeCapReachedCount],
    ['expire_cycle_cpu_milliseconds', Math.floor(ctx.keyspace.expireCycleTimeUsedUs / 1000)],
    ['evicted_keys', st.evictedKeys], ['evicted_clients', 0], ...evictionExceeded(st),
    ['keyspace_hits', st.keyspaceHits], ['keyspace_misses', st.keyspaceMisses],
    ...zero('pubsub_channels', 'pubsub_patterns', 'pubsubshard_channels'),
    ['latest_fork_usec', st.latestForkUsec], ['total_forks', st.totalForks],
    ['migrate_cached_sockets', ctx.server.migrateLinks.count],
    ...zero('slave_expires_tracked_keys', 'active_defrag_hits', 'active_defrag_misses',
      'active_defrag_key_hits', 'active_defrag_key_misses', 'total_active_defrag_time', 'current_active_defrag_time',
      'tracking_total_keys', 'tracking_total_items', 'tracking_total_prefixes', 'unexpected_error_replies'),
    ['total_error_replies', st.errorReplies],
    ['dump_payload_sanitizations', 0], ['total_reads_processed', st.readsProcessed], ['total_writes_processed', st.writesProcessed],
    ...zero('io_threaded_reads_processed', 'io_threaded_writes_processed'),
    // Expands stay 0: a reply buffer regrows as a batch needs it, not by the cron (reply-buffers.ts).
    ['reply_buffer_shrinks', ctx.server.replyBuffers.shrinks], ['reply_buffer_expands', 0],
    // Not in Redis: the longest event-loop stall (Redis has no equivalent; its forks do the rewrite).
    ['eventloop_max_stall_ms', ctx.server.eventLoopMaxStallMs().toFixed(2)],
  ];
}

function replicationSection(ctx: Ctx): Fields {
  return [
    ['role', 'master'], ['connected_slaves', 0], ['master_failover_state', 'no-failover'],
    ['master_replid', replidOf(ctx.server)], ['master_replid2', '0'.repeat(40)], ['master_repl_offset', 0],
    ['second_repl_offset', -1], ['repl_backlog_active', 0], ['repl_backlog_size', ctx.server.config.get('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', 0], ['repl_backlog_histlen', 0],
  ];
}

function cpuSection(): Fields {
  const u = process.cpuUsage();
  const secs = (us: number): string => `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
  return [
    ['used_cpu_sys', secs(u.system)], ['used_cpu_user', secs(u.user)], ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'], ['used_cpu_sys_main_thread', secs(u.system)], ['used_cpu_user_main_thread', secs(u.user)],
  ];
}

/** Keys with a TTL INFO's avg_ttl looks at, at most. */
const AVG_TTL_SAMPLES = 1000;

/**
 * Average remaining TTL in ms of the database's keys with a TTL: over all of them up to
 * AVG_TTL_SAMPLES, else over that many drawn at random; expired ones not reclaimed yet are left
 * out; 0 when none is left. Bounded: walking the set until 1000 live keys were found took 27-45 ms
 * with a million expired keys waiting for reclaim (active expiry off or paused).
 */
function avgTtl(ctx: Ctx, dbIndex: number): number {
  const expires = ctx.keyspace.dbs[dbIndex].expires;
  let sum = 0;
  let n = 0;
  const add = (when: number): void => {
    if (when > ctx.now) {
      sum += when - ctx.now;
      n++;
    }
  };
  if (expires.size <= AVG_TTL_SAMPLES) {
    for (const [, when] of expires.entries()) add(when);
  } else {
    expires.sample(AVG_TTL_SAMPLES, (_, when) => add(when));
  }
  return n === 0 ? 0 : Math.floor(sum / n);
}

function keyspaceSection(ctx: Ctx): Fields {
  return ctx.keyspace.dbs
    .filter((db) => db.size > 0)
    .map((db) => [`db${db.id}`, `keys=${db.size},expires=${db.expires.size},avg_ttl=${avgTtl(ctx, db.id)}`]);
}

const BUILDERS: Record<string, (ctx: Ctx) => Fields> = {
  server: serverSection, clients: clientsSection, memory: memorySection, persistence: persistenceSection,
  stats: statsSection, replication: replicationSection, cpu: cpuSection, keyspace: keyspaceSection,
  cluster: (ctx) => [['cluster_enabled', ctx.server.cluster !== null ? 1 : 0]],
  // Per-command and per-error counters: src/server/stats.ts.
  commandstats: (ctx) => ctx.server.commandStats.commandstats(),
  errorstats: (ctx) => ctx.server.commandStats.errorstats(),
  latencystats: (ctx) => ctx.server.commandStats.latencystats(ctx.server.config.get('latency-tracking-info-percentiles').split(' ').filter((p) => p !== '')),
};

/**
 * The section names requested by INFO's arguments, in output order (extras from other layers last).
 * Redis compares the names as C strings (strcasecmp, and sdsnew for the section set): each ends at
 * its first NUL byte.
 */
function selected(ctx: Ctx, args: string[]): [string, string][] {
  const want = new Set(args.length === 0 ? ['default'] : args.map((a) => cWord(a).toLowerCase()));
  const extras = [...ctx.server.infoSections().keys()].filter((n) => !SECTIONS.some(([s]) => s === n));
  const out: [string, string][] = [];
  for (const [name, title, byDefault] of SECTIONS) {
    if (want.has(name) || want.has('all') || want.has('everything') || (byDefault && want.has('default'))) out.push([name, title]);
  }
  for (const name of extras) {
    if (want.has(name) || want.has('everything')) out.push([name, name[0].toUpperCase() + name.slice(1)]);
  }
  return out;
}

/** The INFO text for the given section arguments (also used by tests). */
export function infoText(ctx: Ctx, args: string[]): string {
  const parts: string[] = [];
  for (const [name, title] of selected(ctx, args)) {
    const build = BUILDERS[name];
    const fields = build ? build(ctx) : (ctx.server.infoSections().get(name) ?? []);
    parts.push(`# ${title}\r\n${fields.map(([k, v]) => `${k}:${v}\r\n`).join('')}`);
  }
  return parts.join('\r\n');
}

export const infoCommands: CommandSpec[] = [
  command('info', -1, ['loading', 'stale'], NO_KEYS, (ctx, args): Reply => new VerbatimReply(infoText(ctx, args.slice(1)))),
];
