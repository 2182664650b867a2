// A request of a client in MULTI, as Redis 7.0's processCommand: the server's checks run as for any
// request (server.ts admits/refusal), with EXEC seen as the commands it holds (TxState.gateSpec)
// and, in cluster mode, the keys of the whole queue checked together. A refusal while queuing
// aborts the transaction (EXEC then answers -EXECABORT); past the checks a command is queued
// (+QUEUED), except those that run at once (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET).

import { ErrorReply, QUEUED, type Reply } from '../protocol/reply.js';
import { execAbortedBecause, NOT_IN_MULTI } from '../errors.js';
import type { CommandSpec } from '../commands/types.js';
import type { Connection } from './connection.js';
import type { Server } from './server.js';
import { POSTPONED } from './pause.js';
import { TxState } from './transaction-state.js';

export function executeInMulti(server: Server, conn: Connection, spec: CommandSpec, args: string[]): Reply {
  const tx = conn.tx;
  const exec = spec.name === 'exec';
  let refused: Reply | null = server.admits(conn, spec);
  if (refused === null && spec.flags.includes('no_multi')) refused = new ErrorReply(NOT_IN_MULTI);
  // As Redis's getNodeByQuery for EXEC: its cluster error is sent as it is, and discards the queue.
  if (refused === null && exec && server.cluster !== null) {
    const redirect = server.cluster.checkAll(tx.queue!);
    if (redirect !== null) {
      tx.discard(server.watches);
      return server.observer.refused(spec, redirect);
    }
  }
  if (refused === null) refused = server.refusal(conn, tx.gateSpec(spec), args);
  if (refused === POSTPONED) return POSTPONED;
  if (refused !== null) {
    if (exec) return execRefused(server, conn, spec, args, (refused as ErrorReply).message);
    tx.flag();
    return server.observer.refused(spec, refused as ErrorReply);
  }
  if (!TxState.queues(spec)) return server.run(conn, spec, args);
  tx.queue!.push({ spec, args });
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
