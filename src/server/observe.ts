// What the server records about each command once it has run or been refused: the INFO counters
// (commandstats, errorstats, total_error_replies), the slow log, the latency monitor's command
// events, and the MONITOR feed. The server calls `ran` or `refused` once per request, and `time`
// after `ran`; everything that is off (slowlog -1, latency 0, no monitor) costs a compare. The
// clock commands are timed by is read once per batch and once per command that is not fast.

import type { Config } from '../config.js';
import type { ServerStats, ClientApi } from '../commands/context.js';
import type { CommandSpec } from '../commands/types.js';
import type { CommandTable } from '../commands/dispatch.js';
import { SlowLog } from '../commands/slowlog.js';
import { LatencyMonitor } from '../commands/latency.js';
import { Monitors, redacted } from '../commands/monitor.js';
import { ErrorReply, type Reply } from '../protocol/reply.js';
import { performance } from 'node:perf_hooks';
import { CommandStats, usecNow } from './stats.js';
import { POSTPONED } from './pause.js';
import { wallNow } from '../timers.js';

/** The deferred requests between runs (never written to: each run gets an array of its own). */
const NO_RUN: string[][] = [];

export class Observer {
  readonly slowlog = new SlowLog();
  readonly latency = new LatencyMonitor();
  readonly monitors = new Monitors();
  readonly commandStats: CommandStats;
  /**
   * slowlog-log-slower-than in µs, Infinity when the log is off (-1). Not with slowlog-max-len 0:
   * as in Redis, a slow command then still empties the log and uses up an entry id.
   */
  private slowerThan = 10000;
  private slowlogMaxLen = 128;
  /**
   * A slowlog option changed: the log is trimmed once the command ends (ran), as Redis's
   * slowlogPushEntryIfNeeded trims it after every command while the log is on, slow or not. Not
   * at each option: a CONFIG SET of several sees them set one by one (and put back if it fails).
   */
  private slowlogTrimDue = false;

  constructor(
    table: CommandTable,
    config: Config,
    private readonly stats: () => ServerStats,
  ) {
    this.commandStats = new CommandStats(table);
    const slowlogLimits = (): void => {
      const t = config.int('slowlog-log-slower-than');
      this.slowlogMaxLen = config.int('slowlog-max-len');
      this.slowerThan = t < 0 ? Infinity : t;
      this.slowlogTrimDue = true;
    };
    slowlogLimits();
    config.onChange('slowlog-log-slower-than', slowlogLimits);
    config.onChange('slowlog-max-len', slowlogLimits);
    this.latency.threshold = config.int('latency-monitor-threshold');
    config.onChange('latency-monitor-threshold', (v) => (this.latency.threshold = Number(v)));
    this.commandStats.tracking = config.bool('latency-tracking');
    config.onChange('latency-tracking', (v) => (this.commandStats.tracking = v === 'yes'));
  }

  /** An error reply sent to a client (total_error_replies and errorstats). */
  error(message: string): void {
    this.stats().errorReplies++;
    this.commandStats.error(message);
  }

  /** A request refused before running; `spec` is the command it names, when there is one. */
  refused(spec: CommandSpec | undefined, r: ErrorReply): ErrorReply {
    if (spec !== undefined) this.commandStats.of(spec).rejected++;
    this.error(r.message);
    return r;
  }

  /** A command that ran and answered `r`: counted now, timed by `took` or `deferTiming`. */
  ran(client: ClientApi, spec: CommandSpec, args: string[], r: Reply): void {
    this.stats().totalCommands++;
    const failed = r instanceof ErrorReply;
    if (failed) this.error(r.message);
    this.commandStats.ran(spec, failed);
    if (this.monitors.count !== 0) this.monitors.feed(spec, client, args);
    if (this.slowlogTrimDue) {
      this.slowlogTrimDue = false;
      if (this.slowerThan !== Infinity) this.slowlog.trim(this.slowlogMaxLen);
    }
  }

  /** A command that ran took `usec` µs: commandstats time, latencystats, slow log, latency monitor. */
  took(client: ClientApi, spec: CommandSpec, args: string[], usec: number): void {
    this.commandStats.took(spec, usec);
    if (usec >= this.slowerThan && !spec.flags.includes('skip_slowlog')) {
      this.slowlog.push(redacted(spec, args), usec, client, wallNow(), this.slowlogMaxLen);
    }
    const lat = this.latency;
    if (lat.threshold !== 0 && usec >= lat.threshold * 1000) {
      lat.sample(spec.flags.includes('fast') ? 'fast-command' : 'command', usec / 1000);
    }
  }

  /** The duration of the last call that blocked its client (WAIT), for `unblocked`. */
  blockedUsec = 0;

  /**
   * A call that blocked its client (WAIT), as Redis 7.0's call() records it: its duration in
   * commandstats, but no histogram sample, slow log entry nor latency event. Those wait for the
   * unblock, and come only from CLIENT UNBLOCK (unblocked), never from a timeout.
   */
  private blockedCall(spec: CommandSpec, usec: number): void {
    this.commandStats.of(spec).usec += usec;
    this.blockedUsec = usec;
  }

  /**
   * Redis 7.0's updateStatsOnUnblock(c, 0, 0, 1), which CLIENT UNBLOCK calls for the client it
   * unblocks, `usec` being the blocked call's duration (c->duration): a failed call, whatever the
   * reason given; that duration once more in commandstats, a histogram sample, and a slow log entry
   * over the threshold, without arguments (Redis's were freed as the client was unblocked).
   */
  unblocked(client: ClientApi, spec: CommandSpec, usec: number): void {
    this.commandStats.of(spec).failed++;
    this.commandStats.took(spec, usec);
    if (usec >= this.slowerThan && !spec.flags.includes('skip_slowlog')) this.slowlog.push([], usec, client, wallNow(), this.slowlogMaxLen);
  }

  /**
   * The clock reading the next command's duration starts from: taken when a connection starts
   * running a batch of commands (markBatch), then at the end of each command that is not fast and
   * of each run of fast ones (the batch's end, the server's queueFlush, ends a run). Reading the
   * clock costs about as much as a whole GET, so a pipelined command costs at most one reading, not
   * two: its duration also covers decoding it and encoding the previous reply (about 0.3 µs a GET
   * in a pipeline; up to a µs for one request a read, whose decoding runs cold).
   */
  private lastClock = 0;

  /**
   * wallNow() less performance.now(), in ms, re-read by the cron (followWallClock, so a step of the
   * wall clock is followed within a tick): turns the monotonic reading of markBatch into wall-clock time.
   */
  private wallOffsetMs = wallNow() - performance.now();

  followWallClock(): void {
    this.wallOffsetMs = wallNow() - performance.now();
  }

  /**
   * A connection is about to run the commands of a read (or resume a held pipeline). Returns the
   * wall-clock time in ms (for CLIENT LIST idle and `timeout`), from the same clock reading: a
   * wallNow() per read cost as much again at -P 1.
   */
  markBatch(): number {
    const t = usecNow();
    this.lastClock = t;
    return this.wallOffsetMs + t / 1000;
  }

  /**
   * After `ran` (its reply `r`): a fast command joins the run being timed, another is timed now,
   * and one that blocked its client (WAIT) only in part (blockedCall).
   */
  time(client: ClientApi, spec: CommandSpec, args: string[], r: Reply): void {
    if (spec.isFast) return this.deferTiming(client, spec, args);
    const t = usecNow();
    const usec = t - this.lastClock;
    this.lastClock = t;
    if (r === POSTPONED) this.blockedCall(spec, usec);
    else this.took(client, spec, args, usec);
  }

  /** Ends a run of fast commands (see deferTiming): one clock reading for all of them. */
  endFastRun(): void {
    const t = usecNow();
    this.timeDeferred(t - this.lastClock);
    this.lastClock = t;
  }

  /**
   * Fast commands (flag 'fast': O(1) or O(log N)) are timed per run rather than one by one: a clock
   * reading costs about as much as a whole GET, and pipelines are mostly runs of them. A run of
   * fast commands ends with the batch of requests or at the next command that is not fast, and
   * `timeDeferred` shares its duration evenly between its commands.
   */
  private deferTiming(client: ClientApi, spec: CommandSpec, args: string[]): void {
    const i = this.deferred++;
    this.deferredClients[i] = client;
    this.deferredSpecs[i] = spec;
    // A young array per run: storing each request (a young object) into a long-lived array would
    // take the write barrier's slow path (an old-to-new slot to remember) for every command.
    if (i === 0) this.deferredArgs = [args];
    else this.deferredArgs.push(args);
  }

  /** Commands ran whose duration is not recorded yet (see deferTiming). */
  deferred = 0;
  /** The longest run since forgetClients: deferredClients' slots that may hold a client. */
  private deferredHigh = 0;
  private readonly deferredClients: (ClientApi | null)[] = [];
  private readonly deferredSpecs: CommandSpec[] = [];
  private deferredArgs = NO_RUN;

  /**
   * The run of deferred commands took `usec` µs in all. Unless that share reaches the slow log's or
   * the latency monitor's threshold, only the command counters see it: each stretch of one command
   * (a pipeline is mostly one) is recorded at once, with its histogram bucket found once.
   */
  private timeDeferred(usec: number): void {
    const n = this.deferred;
    this.deferred = 0;
    if (n > this.deferredHigh) this.deferredHigh = n;
    const each = usec / n;
    const specs = this.deferredSpecs;
    const args = this.deferredArgs;
    this.deferredArgs = NO_RUN; // do not keep the requests alive
    if (each < this.slowerThan && (this.latency.threshold === 0 || each < this.latency.threshold * 1000)) {
      for (let i = 0; i < n; ) {
        const spec = specs[i];
        const from = i;
        while (++i < n && specs[i] === spec);
        this.commandStats.took(spec, each, i - from);
      }
      return;
    }
    for (let i = 0; i < n; i++) this.took(this.deferredClients[i]!, specs[i], args[i], each);
  }

  /**
   * A client closed: the slots of past runs let go of the clients they name (runs are timed within
   * a batch, so none is open now). They are overwritten only by as long a run, so the longest
   * run's clients (a pipeline of a million GETs: a million slots) stayed alive, with whatever their
   * connections held, until then. Per close, not per run: the hot path stores nothing more.
   */
  forgetClients(): void {
    if (this.deferred !== 0 || this.deferredHigh === 0) return;
    this.deferredClients.fill(null, 0, this.deferredHigh);
    this.deferredHigh = 0;
  }

  /** CONFIG RESETSTAT: the counters (not the slow log nor the latency events, as Redis). */
  reset(): void {
    this.commandStats.reset();
  }
}
