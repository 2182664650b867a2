// The replay of the append-only file at start (and for DEBUG LOADAOF): a client that runs commands
// through the same table as network clients, in its own selected database, and logs nothing
// (replayed effects are already in the file).

import type { ClientApi } from '../commands/context.js';
import type { Ctx } from '../commands/types.js';
import { execute, lookup, resolve, type CommandTable } from '../commands/dispatch.js';
import { UNKNOWN_COMMAND, type LoadSink } from '../persistence/loader.js';
import { ErrorReply } from '../protocol/reply.js';
import { aofClientErrorLine, aofClientPanic } from '../errors.js';
import type { Server } from './server.js';
import { CommandContext } from './command-context.js';
import { TxState } from './transaction-state.js';
import { wallNow } from '../timers.js';

/** A function that replays one command from the AOF; returns what stops loading (see LoadSink.replay), or null. */
export function replayer(server: Server): LoadSink['replay'] {
  const client = new ReplayClient(server);
  const crashed = (e: unknown, args: string[]): void => server.log.warning(`Replaying '${args[0]}' crashed: ${String(e)}`);
  return (args) => {
    const table = tableFor(server.commands, args);
    const spec = resolve(table, args);
    if (spec instanceof ErrorReply) {
      // As Redis's loadSingleAppendOnlyFile, an unknown command (or subcommand) has a line of its
      // own: every AOF holding a command we do not have produces it. (Redis checks no arity here.)
      return lookup(table, args) === undefined ? UNKNOWN_COMMAND : `${spec.message} (reading the append only file)`;
    }
    // Each command has its own time, read from the clock when first needed, as Redis's loader
    // (mstime()): the relative forms a file may hold (EXPIRE, SET EX: Redis writes absolute ones,
    // a file made by hand may not) count from it. No deadline counts as passed meanwhile
    // (CommandTime.loading).
    server.keyspace.beginCommand();
    const r = execute(spec, client, args, crashed);
    if (!(r instanceof ErrorReply)) return null;
    if (r.message.startsWith('ERR internal error')) return r.message;
    // As Redis's afterErrorReply for its AOF client: the error is logged, and loading goes on
    // unless propagation-error-behavior is panic (Redis then aborts; the start fails here).
    server.log.warning(aofClientErrorLine(r.message.replace(/^ERR /, ''), spec.name));
    return aofPanics(server) ? aofClientPanic(spec.name) : null;
  };
}

/** propagation-error-behavior panic: an error the AOF client gets stops the load (Redis panics; loader.ts's too). */
function aofPanics(server: Server): boolean {
  return server.config.get('propagation-error-behavior') === 'panic';
}

/**
 * The table a command of the file is looked up in: the server's, or, for a name rename-command
 * took away, the table as built. Redis's loader looks in the renamed table only, so a file whose
 * rewrite wrote SET (Redis's without its RDB preamble; every base of ours) no longer loads once
 * SET is renamed; ours does, as does an incr file written before the rename.
 */
function tableFor(table: CommandTable, args: string[]): CommandTable {
  return table.original === null || lookup(table, args) !== undefined ? table : table.original;
}

export class ReplayClient extends CommandContext implements ClientApi, Ctx {
  readonly id = 0;
  readonly mustObey = true;
  dbIndex = 0;
  proto = 2;
  name = '';
  libName = '';
  libVer = '';
  authenticated = true;
  readonly addr = '';
  readonly laddr = '';
  readonly unixSocket = '';
  readonly fd = -1;
  readonly createdAt = wallNow();
  lastInteraction = this.createdAt;
  lastCommand = 'NULL';
  readonly queryBufferLength = 0;
  readonly outputBufferLength = 0;
  readonly replyBufferSize = 0;
  readonly replyBufferPeak = 0;

  constructor(readonly server: Server) {
    super();
  }

  get client(): ClientApi {
    return this;
  }


  /** Replayed effects are already in the file; they count as changes, as Redis's loading does. */
  propagate(_args: string[], changes = 1): void {
    this.server.dirty += changes;
  }

  closeAfterReply(): void {}

  kill(): void {}

  setReplyMode(): void {}
  readonly replying = true;
  replyFiltered(): void {}
  monitor = false;
  clusterReadonly = false;
  readonly tx = new TxState();
  readonly blocked = false;
  readonly unblocked = false;
  readonly blockedWithTimeout = false;
  readonly heldArgs = null;
  readonly partialArgBytes = 0;
  /** The loading client never blocks (Redis's CLIENT_DENY_BLOCKING): WAIT answers at once. */
  block(): null {
    return null;
  }

  unblock(): boolean {
    return false;
  }

  sendMonitorLine(): void {}
}
