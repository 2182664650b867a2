// The INFO counters the differential tests compare between Keystonelight and redis-server (those
// monitoring reads: prometheus redis_exporter, hit-ratio dashboards), parsed from one INFO reply,
// with what legitimately differs left out. Used by counters.test.ts and cluster.test.ts.

/** INFO stats fields compared after each case. */
const STATS = [
  'total_connections_received', 'total_commands_processed', 'total_net_input_bytes', 'rejected_connections', 'expired_keys', 'evicted_keys',
  'keyspace_hits', 'keyspace_misses', 'total_error_replies', 'total_net_output_bytes', 'total_forks',
];
// Not compared: expired_stale_perc (Redis's running estimate, refreshed by its expire cycle's
// samples: redis-compat.md, Expiry), avg_ttl (ours exact, Redis's a running estimate: redis-compat.md,
// INFO row), usec / usec_per_call (durations). total_net_output_bytes is compared where the replies
// counted are the same bytes on both (counters.test.ts says where).

/** One INFO read covering every section compared (Redis 7.0 takes several section names). */
export const INFO_COUNTERS = ['INFO', 'stats', 'commandstats', 'errorstats', 'keyspace'];

export type Counters = Map<string, string>;

/** The compared counters of an INFO reply, as name -> value. */
export function countersOf(raw: string): Counters {
  const out: Counters = new Map();
  for (const line of raw.split('\r\n')) {
    const m = /^([^:#]+):(.*)$/.exec(line);
    if (m === null) continue;
    const [, name, value] = m;
    if (STATS.includes(name)) out.set(name, value);
    else if (name.startsWith('errorstat_')) out.set(name, value);
    else if (name.startsWith('cmdstat_')) out.set(name, value.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''));
    else if (/^db\d+$/.test(name)) out.set(name, value.replace(/,avg_ttl=\d+/, ''));
  }
  return out;
}

/** The counters that differ, one line each ("name: redis ... ks ..."). */
export function diffCounters(redis: Counters, ks: Counters): string[] {
  const names = [...new Set([...redis.keys(), ...ks.keys()])].sort();
  return names
    .filter((n) => redis.get(n) !== ks.get(n))
    .map((n) => `${n}: redis ${redis.get(n) ?? '(absent)'}  ks ${ks.get(n) ?? '(absent)'}`);
}
