// Signals and clean shutdown of the running service (service.ts starts it), and the check the
// library's SHUTDOWN shares with it (refuseWhileStarting).
//
// Shutdown (SIGTERM, SIGINT, SHUTDOWN): make the append-only file durable first — if that fails,
// SHUTDOWN without FORCE is refused and a signal leaves the server running, as Redis does — then
// stop accepting, answer what is in flight, close, remove the PID file and the Unix socket's, log
// the last line, exit 0.

import type { ShutdownOpts } from '../commands/context.js';
import type { Logger } from './log.js';
import type { Server } from './server.js';
import type { PidFiles } from './pid-files.js';
import { errorText, NO_RDB_SAVE } from '../errors.js';
import { setImmediate } from '../timers.js';

/**
 * As Redis's prepareForShutdown in AOF_WAIT_REWRITE while the rewrite's child runs: the files on
 * disk do not hold the dataset yet (SAVE, NOSAVE and NOW change nothing; a signal leaves the server
 * running). Not while no rewrite runs (scheduled by EXEC, or backing off after failures): Redis
 * exits then, and so do we, rather than refuse a stop for up to an hour of back-off. The error
 * reply text, or null (FORCE, or no first base being written). The CLI's Service and the library's
 * SHUTDOWN both ask.
 */
export function refuseWhileStarting(server: Server, opts: ShutdownOpts): string | null {
  const p = server.persistence;
  if (p === null || !p.starting || !p.rewriting) return null;
  if (opts.force !== true) {
    server.log.warning("Writing initial AOF, can't exit.");
    server.log.warning('Errors trying to shut down the server. Check the logs for more information.');
    return 'ERR Errors trying to SHUTDOWN. Check logs.';
  }
  server.log.warning('Writing initial AOF. Exit anyway.');
  return null;
}

/** SHUTDOWN's options a signal stands for: shutdown-on-sigterm / shutdown-on-sigint (`default`: none). */
function signalShutdown(flags: string): ShutdownOpts {
  const set = flags.split(' ');
  const opts: ShutdownOpts = {};
  if (set.includes('save')) opts.save = true;
  if (set.includes('nosave')) opts.save = false;
  if (set.includes('now')) opts.now = true;
  if (set.includes('force')) opts.force = true;
  return opts;
}

/** Signals and shutdown of the running service. Handlers are installed before loading starts. */
export class Service {
  /** False while the dataset loads (at start): a stop signal then exits at once. */
  running = false;
  private stopping = false;

  constructor(
    private readonly server: Server,
    private readonly log: Logger,
    private readonly pidFiles: PidFiles,
  ) {
    process.on('SIGTERM', () => this.signal('SIGTERM'));
    process.on('SIGINT', () => this.signal('SIGINT'));
    // SIGHUP and SIGUSR1 compact the append-only file (Redis ignores SIGHUP; our extension).
    process.on('SIGHUP', () => this.compact('SIGHUP'));
    process.on('SIGUSR1', () => this.compact('SIGUSR1'));
    // Node's default for SIGALRM ends the process at once (no shutdown, the PID file left behind).
    // Redis 7.0 ignores it, silently, while its watchdog is off (debug.c applyWatchdogPeriod sets
    // SIG_IGN for watchdog-period 0, the default; the watchdog is a debugging aid we lack).
    process.on('SIGALRM', () => {});
    server.setShutdownHandler((opts) => this.stop(opts));
  }

  private signal(name: string): void {
    if (!this.running) {
      // Loading: nothing was written yet (an interrupted import is redone at the next start).
      // Redis 7.0's lines: its signal handler's, then prepareForShutdown(SHUTDOWN_NOSAVE)'s
      // (whatever shutdown-on-sigterm / shutdown-on-sigint say) at its next event processing.
      this.log.warning('Received shutdown signal during loading, scheduling shutdown.');
      this.log.warning('User requested shutdown...');
      this.log.notice('Removing the pid file.');
      this.pidFiles.release();
      this.server.listeners.removeUnixSocket();
      this.log.warning('Keystonelight is now ready to exit, bye bye...');
      void this.log.close().finally(() => process.exit(0));
      return;
    }
    if (this.stopping) {
      if (name !== 'SIGINT') return; // as Redis: only a repeated SIGINT forces the exit
      // Make what was written durable anyway; the descriptor may already be closed by the
      // shutdown under way, which then already fsynced it.
      this.log.warning('You insist... exiting now.');
      try {
        this.server.persistence?.syncNow();
      } catch {
        // closed: already durable
      }
      this.pidFiles.release();
      process.exit(1);
    }
    this.log.warning(`Received ${name} scheduling shutdown...`);
    this.stop(signalShutdown(this.server.config.get(name === 'SIGTERM' ? 'shutdown-on-sigterm' : 'shutdown-on-sigint')));
  }

  /** SHUTDOWN and signals: null when the shutdown is under way, else the error reply text. */
  stop(opts: ShutdownOpts): string | null {
    if (this.stopping) return null;
    const { log, server } = this;
    log.warning('User requested shutdown...');
    // As Redis's prepareForShutdown: while the dataset loads there is nothing to save (the file on
    // disk is the data), so SAVE is dropped and the server exits; the load is redone at the next start.
    if (!this.running) opts = { ...opts, save: false };
    const p = server.persistence;
    if (p === null && opts.save === true) {
      // There is no RDB, and no AOF either: the save SHUTDOWN SAVE asks for cannot be done.
      const refused = this.saveFailed(NO_RDB_SAVE.slice(4), opts.force === true);
      if (refused !== null) return refused;
    } else if (p === null && opts.save === undefined && server.config.get('save') !== '') {
      // Redis would write dump.rdb for its save points; the documented difference, said once more.
      log.warning('The dataset is not saved: Keystonelight writes no RDB snapshot (the save points are ignored) and the append only file is disabled (appendonly no).');
    }
    const refused = refuseWhileStarting(server, opts);
    if (refused !== null) return refused;
    // Redis's words for its rewrite child (prepareForShutdown): ours is stopped, its temp file removed.
    if (p?.rewriting ?? server.aofOff.rewriting) log.warning('There is a child rewriting the AOF. Killing it!');
    // BGREWRITEAOF with appendonly no (Redis's killAppendOnlyChild): stopped, the files staying as
    // they were. (The file's own rewrite is stopped by its close.)
    if (p === null) void server.aofOff.abort();
    if (p !== null) {
      log.notice('Calling fsync() on the AOF file.');
      try {
        p.syncNow();
      } catch (e) {
        const refused = this.saveFailed(errorText(e), opts.force === true);
        if (refused !== null) return refused;
      }
    }
    this.stopping = true;
    // Close after this command's turn, so the replies already computed are written first.
    setImmediate(() => {
      void server.close().catch((e) => log.warning(`Error while closing: ${errorText(e)}`)).then(async () => {
        log.notice('Removing the pid file.');
        this.pidFiles.release();
        server.listeners.removeUnixSocket(); // as Redis's finishShutdown, after the PID file
        log.warning('Keystonelight is now ready to exit, bye bye...');
        await log.close();
        process.exit(0);
      });
    });
    return null;
  }

  /** As Redis's prepareForShutdown when its save fails: refused (the error reply), or with FORCE logged and ignored. */
  private saveFailed(reason: string, force: boolean): string | null {
    const { log } = this;
    log.warning(`Error trying to save the DB: ${reason}`);
    if (force) {
      log.warning('Error trying to save the DB. Exit anyway.');
      return null;
    }
    log.warning("Error trying to save the DB, can't exit.");
    log.warning('Errors trying to shut down the server. Check the logs for more information.');
    return 'ERR Errors trying to SHUTDOWN. Check logs.';
  }

  private compact(name: string): void {
    const p = this.server.persistence;
    if (!this.running || this.stopping) {
      this.log.notice(`Received ${name}: ignored while ${this.stopping ? 'shutting down' : 'loading'}`);
    } else if (p === null) {
      this.log.warning(`Received ${name}: no append only file to rewrite (appendonly no)`);
    } else {
      this.log.notice(`Received ${name}, rewriting the append only file`);
      const r = p.rewrite();
      if (!r.ok) this.log.notice(r.message.replace(/^ERR /, ''));
    }
  }
}
