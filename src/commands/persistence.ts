// Persistence commands: BGREWRITEAOF, SAVE, BGSAVE. Keystonelight's only persistence is the
// append-only file (no RDB), so SAVE and BGSAVE make that file durable (write + fsync) and answer
// as Redis does on success; with `appendonly no` there is nothing to save and they say so, while
// BGREWRITEAOF writes the dataset as a base file, as Redis (persistence/aof-off.ts). After CONFIG
// SET appendonly yes in the same EXEC, they ask the file to come (persistence/pending-start.ts).
// (LASTSAVE, SHUTDOWN and DEBUG live with the other server commands.)

import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { is } from './args.js';
import { err, OK, status, type Reply } from '../protocol/reply.js';
import { NO_RDB_SAVE, SYNTAX } from '../errors.js';

function bgrewriteaof(ctx: Ctx): Reply {
  // With appendonly no, as Redis: the dataset becomes the next base file (persistence/aof-off.ts).
  const p = ctx.server.persistence ?? ctx.server.aofStart ?? ctx.server.aofOff;
  // Run by EXEC (still in MULTI meanwhile): scheduled, as Redis's server.in_exec.
  const r = p.rewrite(ctx.client.tx.queue !== null);
  return r.ok ? status(r.message) : err(r.message);
}

function save(ctx: Ctx): Reply {
  const p = ctx.server.persistence;
  if (p === null) return err(NO_RDB_SAVE);
  const e = p.save();
  return e === null ? OK : err(e);
}

function bgsave(ctx: Ctx, args: string[]): Reply {
  if (args.length > 2 || (args.length === 2 && !is(args[1], 'SCHEDULE'))) return err(SYNTAX);
  const p = ctx.server.persistence ?? ctx.server.aofStart;
  if (p === null) return err(NO_RDB_SAVE);
  const e = p.bgsave(ctx.client.tx.queue !== null, args.length === 2);
  if (e === 'scheduled') return status('Background saving scheduled');
  return e === null ? status('Background saving started') : err(e);
}

export const persistenceCommands: CommandSpec[] = [
  command('bgrewriteaof', 1, ['admin', 'noscript', 'no_async_loading'], NO_KEYS, bgrewriteaof),
  command('save', 1, ['admin', 'noscript', 'no_async_loading', 'no_multi'], NO_KEYS, save),
  command('bgsave', -1, ['admin', 'noscript', 'no_async_loading'], NO_KEYS, bgsave),
];
