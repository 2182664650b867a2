// The checks Redis 7.0's processCommand makes before a request runs, in its order: admits()
// (CMD_PROTECTED, authentication), then refusal() (cluster keys, maxmemory, loading, MISCONF,
// a monitor touching keys, CLIENT PAUSE). Server.execute runs them for an ordinary request.
//
// A request of a client in MULTI goes through the same checks, with EXEC seen as the commands it
// holds (TxState.gateSpec) and, in cluster mode, the keys of the whole queue checked together. A
// refusal while queuing aborts the transaction (EXEC then answers -EXECABORT); past the checks a
// command is queued (+QUEUED), except those that run at once (EXEC, DISCARD, MULTI, WATCH, QUIT,
// RESET).

import { ErrorReply, QUEUED, type Reply } from '../protocol/reply.js';
import { DEBUG_NOT_ALLOWED, execAbortedBecause, LOADING, MISCONF_BGSAVE, MODULE_NOT_ALLOWED, NOAUTH, NOT_IN_MULTI } from '../errors.js';
import type { CommandSpec } from '../commands/types.js';
import type { Connection } from './connection.js';
import type { Server } from './server.js';
import { protectedActionDenied } from './limits.js';
import { POSTPONED, REPLICA_KEYSPACE, touchesKeyspace } from './pause.js';
import { TxState } from './transaction-state.js';

/**
 * The option that lets each family of protected commands run, and its refusal (Redis's
 * processCommand: DEBUG by enable-debug-command, MODULE LOAD / LOADEX / UNLOAD by
 * enable-module-command).
 */
const PROTECTED_BY = new Map<string, readonly [option: string, refusal: string]>([
  ['debug', ['enable-debug-command', DEBUG_NOT_ALLOWED]],
  ['module', ['enable-module-command', MODULE_NOT_ALLOWED]],
]);

/** The checks before the state checks: CMD_PROTECTED (a refused call, not a failed one) and authentication. */
export function admits(server: Server, conn: Connection, spec: CommandSpec): ErrorReply | null {
  // As Redis 7.0's CMD_PROTECTED check, before authentication: a refused call, not a failed one.
  if (spec.isProtected) {
    const [option, refusal] = PROTECTED_BY.get(spec.name.split('|')[0])!;
    if (protectedActionDenied(server.config.get(option), conn)) return new ErrorReply(refusal);
  }
  if (!spec.noAuth && conn.authRequired) return new ErrorReply(NOAUTH);
  return null;
}

/**
 * The server-state checks of a request, in processCommand's order: an error, POSTPONED, or null
 * when it may run. `gate` is the spec as the checks see it (TxState.gateSpec in MULTI).
 */
export function refusal(server: Server, conn: Connection, gate: CommandSpec, args: string[]): Reply | null {
  // As Redis: a request whose keys this node does not serve gets -MOVED / -CROSSSLOT / -CLUSTERDOWN.
  if (server.cluster !== null) {
    const redirect = server.cluster.check(gate, args);
    if (redirect !== null) return redirect;
  }
  // As Redis: with a limit set, evict before every command; over it, denyoom commands get -OOM.
  if (server.keyspace.settings.maxmemory !== 0 && !server.loading) {
    const oom = server.memory.check(gate);
    if (oom !== null) return oom;
  }
  if (server.loading && !gate.okLoading) return new ErrorReply(LOADING);
  // As Redis 7.0 on a master: while the disk can't be written, writes (and PING) get -MISCONF.
  if (gate.isWrite || gate.name === 'ping') {
    const reason = diskError(server);
    if (reason !== null) return new ErrorReply(reason);
  }
  // As Redis, which treats a monitoring client as a replica: it may not touch the keyspace
  // (checked after -OOM, -LOADING and -MISCONF, as processCommand does).
  if (conn.monitor && touchesKeyspace(gate)) return new ErrorReply(REPLICA_KEYSPACE);
  // As Redis, which never pauses a replica, and a MONITOR client is one (CLIENT_SLAVE).
  if (server.pause.mode !== 'off' && !conn.monitor && server.pause.covers(gate)) return POSTPONED;
  return null;
}

/**
 * Redis 7.0's writeCommandsDeniedByDiskError: a failed BGSAVE while save points are set (with
 * stop-writes-on-bgsave-error yes) until a save succeeds; then the append-only file's write or
 * fsync errors. Only while the file is on: with `appendonly no` no save can run here to clear the
 * failure (Redis's cron would go on retrying its RDB save), so writes would be refused for good.
 */
function diskError(server: Server): string | null {
  const p = server.persistence;
  if (p === null) return null;
  if (!server.bgsaveRecord.lastOk && server.config.get('save') !== '' && server.config.bool('stop-writes-on-bgsave-error')) {
    return MISCONF_BGSAVE;
  }
  return p.writeError();
}

export function executeInMulti(server: Server, conn: Connection, spec: CommandSpec, args: string[]): Reply {
  const tx = conn.tx;
  const exec = spec.name === 'exec';
  let refused: Reply | null = admits(server, conn, spec);
  if (refused === null && spec.flags.includes('no_multi')) refused = new ErrorReply(NOT_IN_MULTI);
  // As Redis's getNodeByQuery for EXEC: its cluster error is sent as it is, and discards the queue.
  if (refused === null && exec && server.cluster !== null) {
    const redirect = server.cluster.checkAll(tx.queue!);
    if (redirect !== null) {
      tx.discard(server.watches);
      return server.observer.refused(spec, redirect);
    }
  }
  if (refused === null) refused = refusal(server, conn, tx.gateSpec(spec), args);
  if (refused === POSTPONED) return POSTPONED;
  if (refused !== null) {
    if (exec) return execRefused(server, conn, spec, args, (refused as ErrorReply).message);
    tx.flag();
    return server.observer.refused(spec, refused as ErrorReply);
  }
  if (!TxState.queues(spec)) return server.run(conn, spec, args);
  // As Redis's queueMultiCommand: once the transaction is bound to fail (a command refused, a
  // watched key changed), nothing more is kept, +QUEUED all the same; so EXEC holds no write for
  // CLIENT PAUSE or maxmemory to act on, and CLIENT LIST's multi= stays.
  if (!tx.dirtyExec && !tx.dirtyCas) tx.enqueue(spec, args);
  return QUEUED;
}

/**
 * Redis's execCommandAbort: EXEC refused by a check (even outside MULTI: its arity, NOAUTH)
 * discards the transaction and answers why; MONITOR sees it.
 */
export function execRefused(server: Server, conn: Connection, spec: CommandSpec, args: string[], why: string): ErrorReply {
  conn.tx.discard(server.watches);
  if (server.monitors.count !== 0) server.monitors.feed(spec, conn, args);
  return server.observer.refused(spec, new ErrorReply(execAbortedBecause(why)));
}
