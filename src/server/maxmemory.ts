// maxmemory as the server applies it: the configuration copied into the keyspace's settings, the
// eviction run before every command while a limit is set (Redis's processCommand), the OOM refusal
// of denyoom commands, and the continuation of an eviction that reached its time limit.
// As Redis 7.0's performEvictions: nothing is evicted (and nothing refused) while clients are
// paused, and a run that evicted is timed as the latency monitor's `eviction-cycle` event. The used
// memory checked includes the clients' buffers (client-memory.ts): a client's big pending request
// or unread replies make keys go, or writes get -OOM, as in Redis. Each run also keeps INFO's
// total/current_eviction_exceeded_time, as performEvictions' update_metrics.

import type { Config } from '../config.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { CommandSpec } from '../commands/types.js';
import type { ServerStats } from '../commands/context.js';
import { ErrorReply } from '../protocol/reply.js';
import { OOM } from '../errors.js';
import type { Logger } from './log.js';
import { usecNow } from './stats.js';
import { setImmediate } from '../timers.js';

const OOM_REPLY = new ErrorReply(OOM);

export class MemoryGuard {
  /** An eviction continuation is scheduled (Redis's isEvictionProcRunning). */
  private continuing = false;

  constructor(
    config: Config,
    private readonly keyspace: Keyspace,
    private readonly log: Logger,
    private readonly pause: { readonly active: boolean },
    private readonly latency: { sample(event: string, ms: number): void },
    /** The server's counters (a new object after CONFIG RESETSTAT). */
    private readonly stats: () => ServerStats,
  ) {
    const s = keyspace.settings;
    const num = (name: string, apply: (n: number) => void): void => {
      apply(config.int(name));
      config.onChange(name, (v) => apply(Number(v)));
    };
    num('maxmemory-samples', (n) => (s.samples = n));
    num('maxmemory-eviction-tenacity', (n) => (s.tenacity = n));
    num('lfu-log-factor', (n) => (s.lfuLogFactor = n));
    num('lfu-decay-time', (n) => (s.lfuDecayTime = n));
    s.setPolicy(config.get('maxmemory-policy'));
    config.onChange('maxmemory-policy', (v) => s.setPolicy(v));
    s.maxmemory = config.int('maxmemory');
    config.onChange('maxmemory', (v) => this.setLimit(Number(v)));
  }

  /**
   * Redis 7.0's updateMaxmemory: a limit below the current use is reported; eviction starts after
   * the command (startEvictionTimeProc), not inside it: CONFIG SET maxmemory run by EXEC evicts
   * nothing in the transaction, and the DELs never land inside its MULTI ... EXEC block.
   */
  private setLimit(bytes: number): void {
    this.keyspace.settings.maxmemory = bytes;
    if (bytes === 0) return;
    const used = this.keyspace.usedMemory;
    if (bytes < used) {
      this.log.warning(`WARNING: the new maxmemory value set via CONFIG SET (${bytes}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`);
    }
    this.startContinuation();
  }

  /** Redis's startEvictionTimeProc: evict between commands until done. */
  private startContinuation(): void {
    if (this.continuing) return;
    this.continuing = true;
    setImmediate(() => this.continueEviction());
  }

  /**
   * Before running `spec` with a limit set: evicts as needed; the OOM error when memory is still
   * over the limit, nothing could be evicted and the command may use more memory (denyoom).
   */
  check(spec: CommandSpec): ErrorReply | null {
    if (this.evict() !== 'fail') return null;
    return spec.flags.includes('denyoom') ? OOM_REPLY : null;
  }

  private evict(): 'ok' | 'fail' | 'running' {
    const ks = this.keyspace;
    // As isSafeToPerformEvictions: while paused or loading, nothing happens, the metrics included
    // (evicted at start, a key's DEL would be in no file: persistence starts after the load).
    if (this.pause.active || ks.time.loading) return 'ok';
    // As getMaxmemoryState: no limit (a continuation that outlived CONFIG SET maxmemory 0) is "ok".
    if (ks.settings.maxmemory === 0 || ks.usedMemory <= ks.settings.maxmemory) {
      const st = this.stats();
      if (st.evictionExceededSince !== 0) this.endExceeded(st);
      return 'ok';
    }
    const t0 = usecNow();
    const r = ks.performEvictions();
    this.latency.sample('eviction-cycle', (usecNow() - t0) / 1000);
    if (r === 'running') this.startContinuation();
    const st = this.stats();
    if (r !== 'ok') {
      if (st.evictionExceededSince === 0) st.evictionExceededSince = t0;
    } else if (st.evictionExceededSince !== 0) {
      this.endExceeded(st);
    }
    return r;
  }

  /** A stretch over maxmemory ends: its time goes to the total (as performEvictions' update_metrics). */
  private endExceeded(st: ServerStats): void {
    st.evictionExceededUs += usecNow() - st.evictionExceededSince;
    st.evictionExceededSince = 0;
  }

  /** Redis's evictionTimeProc: goes on evicting between commands until done. */
  private continueEviction(): void {
    this.continuing = false;
    this.evict();
  }
}
