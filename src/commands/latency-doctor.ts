// LATENCY DOCTOR's report, worded as Redis 7.0's createLatencyReport: one line of statistics per
// event class, then the advice that the classes seen call for. Redis's events that Keystonelight
// never records (fork, rdb-*, aof-fstat) keep their advice here so the wording stays complete.

import type { LatencyMonitor, LatencySeries } from './latency.js';

export interface DoctorContext {
  slowlogSlowerThan: number;
  fsyncAlways: boolean;
  hz: number;
  nowSec: number;
  /** kB of transparent huge pages in use by the process. */
  anonHugePages: number;
}

const DISABLED = "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
const NOTHING = 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
const NO_FIX = "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";

/** The advice texts, in the order Redis prints them; `t` is the threshold in ms. */
const ADVICE: [string, (t: number) => string][] = [
  ['slowlog-enabled', (t) => `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${t * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`],
  ['slowlog-tuning', (t) => `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${t * 1000}'.\n`],
  ['slowlog-inspect', () => '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n'],
  ['scheduler', () => '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a "noisy neighbour" problem.\n  4) Check with \'redis-cli --intrinsic-latency 100\' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n'],
  ['local-disk', () => '- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n'],
  ['ssd', () => '- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n'],
  ['data-writeback', () => '- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n'],
  ['disk-contention', () => '- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n'],
  ['no-appendfsync', () => "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n"],
  ['relax-fsync', () => "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n"],
  ['write-load-info', () => '- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n'],
  ['hz', () => "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n"],
  ['large-objects', () => '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n'],
  ['mass-eviction', () => "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n"],
  ['disable-thp', () => "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n"],
];

/** Advice each event class calls for (and how many advices it counts, as Redis counts them). */
const EVENT_ADVICE: Record<string, string[]> = {
  'fast-command': ['scheduler'],
  'aof-write-pending-fsync': ['local-disk', 'disk-contention', 'ssd', 'data-writeback'],
  'aof-write-active-child': ['no-appendfsync', 'data-writeback', 'ssd'],
  'aof-write-alone': ['local-disk', 'data-writeback', 'ssd'],
  'aof-fsync-always': ['relax-fsync'],
  'aof-fstat': ['disk-contention', 'local-disk'],
  'rdb-unlink-temp-file': ['disk-contention', 'local-disk'],
  'aof-rewrite-diff-write': ['write-load-info', 'data-writeback', 'ssd', 'local-disk'],
  'aof-rename': ['write-load-info', 'data-writeback', 'ssd', 'local-disk'],
  'expire-cycle': ['hz', 'large-objects'],
  'eviction-del': ['large-objects'],
  'eviction-cycle': ['mass-eviction'],
};

/** analyzeLatencyForEvent: samples, integer average and mean deviation, seconds per sample. */
function analyze(s: LatencySeries, nowSec: number): { n: number; avg: number; mad: number; period: number } {
  const samples = s.samples();
  const n = samples.length;
  if (n === 0) return { n, avg: 0, mad: 0, period: 0 };
  const avg = Math.floor(samples.reduce((a, [, v]) => a + v, 0) / n);
  const oldest = Math.min(...samples.map(([t]) => t));
  const mad = Math.floor(samples.reduce((a, [, v]) => a + Math.abs(avg - v), 0) / n);
  return { n, avg, mad, period: nowSec - oldest || 1 };
}

export function latencyReport(mon: LatencyMonitor, dc: DoctorContext): string {
  if (mon.events.size === 0 && mon.threshold === 0) return DISABLED;
  const advise = new Set<string>();
  let advices = 0;
  let report = '';
  let num = 0;
  for (const [event, s] of mon.events) {
    if (++num === 1) report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    const a = analyze(s, dc.nowSec);
    report += `${num}. ${event}: ${a.n} latency spikes (average ${a.avg}ms, mean deviation ${a.mad}ms, period ${(a.period / a.n).toFixed(2)} sec). Worst all time event ${s.max}ms.`;
    const name = event.toLowerCase();
    if (name === 'command') {
      if (dc.slowlogSlowerThan < 0) advise.add('slowlog-enabled');
      else if (Math.trunc(dc.slowlogSlowerThan / 1000) > mon.threshold) advise.add('slowlog-tuning');
      if (dc.slowlogSlowerThan < 0 || Math.trunc(dc.slowlogSlowerThan / 1000) > mon.threshold) advices++;
      advise.add('slowlog-inspect').add('large-objects');
      advices += 2;
    }
    for (const x of EVENT_ADVICE[name] ?? []) advise.add(x);
    advices += EVENT_ADVICE[name]?.length ?? 0;
    report += '\n';
  }
  if (dc.anonHugePages > 0) {
    advise.add('disable-thp');
    advices++;
  }
  if (num === 0 && advices === 0) return report + NOTHING;
  if (num > 0 && advices === 0) return report + NO_FIX;
  report += '\nI have a few advices for you:\n\n';
  for (const [key, text] of ADVICE) {
    if (!advise.has(key)) continue;
    if (key === 'relax-fsync' && !dc.fsyncAlways) continue;
    if (key === 'hz' && dc.hz >= 100) continue;
    report += text(mon.threshold);
  }
  return report;
}
