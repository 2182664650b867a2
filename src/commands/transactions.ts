// Transactions, as Redis 7.0's multi.c: MULTI, EXEC, DISCARD, WATCH, UNWATCH. In MULTI the server
// queues each request that passes its checks (server.ts executeInMulti; a refused one makes EXEC
// answer -EXECABORT); EXEC runs the queue as one unit (one MULTI/EXEC block in the AOF when it
// wrote more than one effect) and answers the array of the replies, or a null array when a WATCHed
// key changed (server/watch.ts). The per-client state is server/transaction-state.ts.

import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { ArrayCollector, droppedReply, err, NO_REPLY, NULL_ARRAY, OK, type Reply } from '../protocol/reply.js';
import { DISCARD_WITHOUT_MULTI, EXEC_ABORT, EXEC_WITHOUT_MULTI, MULTI_NESTED, WATCH_IN_MULTI } from '../errors.js';

function multi(ctx: Ctx): Reply {
  const tx = ctx.client.tx;
  if (tx.queue !== null) return err(MULTI_NESTED);
  tx.begin();
  return OK;
}

function exec(ctx: Ctx): Reply {
  const tx = ctx.client.tx;
  const queue = tx.queue;
  if (queue === null) return err(EXEC_WITHOUT_MULTI);
  const watches = ctx.server.watches;
  if (watches.anyExpired(tx)) tx.dirtyCas = true;
  if (tx.dirtyExec || tx.dirtyCas) {
    const aborted = tx.dirtyExec;
    tx.discard(watches);
    return aborted ? err(EXEC_ABORT) : NULL_ARRAY;
  }
  // As Redis: unwatched before the commands run (their own writes do not matter); still in MULTI
  // meanwhile (CLIENT LIST inside shows flag x and the queue's length).
  watches.unwatchAll(tx);
  const client = ctx.client;
  // Redis writes EXEC's reply as it goes: the array's header (its full count) first, then each
  // reply as its command runs, each only if the client takes replies at that moment (CLIENT REPLY
  // OFF / ON / a SKIP before EXEC, run among them) and is not closing (a CLIENT KILL of itself:
  // its own reply goes, nothing after it). The array is then short of its count, as Redis's.
  const header = client.replying;
  let dropped = !header;
  const replies = new ArrayCollector<Reply>();
  let proto = client.proto;
  // EXEC's one time for expiry decisions, read at its start as Redis's call() caches it: a key
  // whose deadline passes while the commands run (a DEBUG SLEEP among them) is still there for
  // them. What reads the clock itself (PTTL, TIME, relative deadlines) uses Ctx.clockNow.
  ctx.keyspace.time.read();
  ctx.server.exec.running = true;
  try {
    for (const chunk of queue.chunks) {
      for (const q of chunk) {
        const closing = client.closingAfterReply === true;
        const r = ctx.server.call(ctx, q.spec, q.args);
        const sent = !closing && client.replying;
        dropped ||= !sent;
        if (client.proto !== proto) {
          // A HELLO that switched protocol: Redis wrote the replies before it as their commands
          // ran, in the protocol of that moment (a null GET stays `$-1` after HELLO 3); HELLO's own
          // reply and those after it are in the new one.
          replies.protocolFrom(proto, client.proto);
          proto = client.proto;
        }
        replies.push(sent ? r : closing ? NO_REPLY : droppedReply(r));
      }
    }
  } finally {
    // Even if something throws past the commands' own guard: no later command must seem in EXEC.
    ctx.server.exec.end();
  }
  tx.discard(watches);
  // A LongArray however few the replies: the encoder goes on in new storage between its elements
  // (ReplyBuffer.seal), and a few replies can each be 2 GB (an MGET of 65,535 30 KB values, a plain
  // array): three of them in one storage passed Node's 4 GB Buffer limit, an internal error. The
  // replies dropped are NO_REPLY (no bytes); the header too, when EXEC's own reply was dropped.
  // Chunked: a queue can hold more commands than one JS array may (chunked-list.ts).
  if (dropped) client.replyFiltered();
  return replies.all(header);
}

function discard(ctx: Ctx): Reply {
  const tx = ctx.client.tx;
  if (tx.queue === null) return err(DISCARD_WITHOUT_MULTI);
  tx.discard(ctx.server.watches);
  return OK;
}

function watch(ctx: Ctx, args: string[]): Reply {
  const tx = ctx.client.tx;
  if (tx.queue !== null) return err(WATCH_IN_MULTI);
  // As Redis 7.0: no point in watching once a watched key changed.
  if (tx.dirtyCas) return OK;
  for (let i = 1; i < args.length; i++) ctx.server.watches.watch(tx, ctx.db, args[i]);
  return OK;
}

function unwatch(ctx: Ctx): Reply {
  const tx = ctx.client.tx;
  ctx.server.watches.unwatchAll(tx);
  tx.dirtyCas = false;
  return OK;
}

const IMMEDIATE = ['noscript', 'loading', 'stale', 'fast', 'allow_busy'] as const;

export const transactionCommands: CommandSpec[] = [
  command('multi', 1, IMMEDIATE, NO_KEYS, multi),
  command('exec', 1, ['noscript', 'loading', 'stale', 'skip_slowlog'], NO_KEYS, exec),
  command('discard', 1, IMMEDIATE, NO_KEYS, discard),
  command('watch', -2, IMMEDIATE, [1, -1, 1], watch),
  command('unwatch', 1, IMMEDIATE, NO_KEYS, unwatch),
];
