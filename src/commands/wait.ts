// WAIT numreplicas timeout, as Redis 7.0's waitCommand answers it on a master. Keystonelight has no
// replicas, so the number that acknowledged the client's writes is always 0:
//   - asked for none, or run by EXEC (Redis's CLIENT_DENY_BLOCKING), it answers 0 at once;
//   - asked for more, the client blocks (Redis's BLOCKED_WAIT: CLIENT LIST flag b, INFO
//     blocked_clients, the rest of its pipeline waiting behind it) until the timeout (0: for ever)
//     or CLIENT UNBLOCK, and then answers 0.
// The connection holds the block (server/connection-input.ts); this module only decides it.

import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { msTimeout, toI64 } from './args.js';
import { err, ErrorReply, type Reply } from '../protocol/reply.js';
import { NOT_INTEGER } from '../errors.js';
import { wallNow } from '../timers.js';

const LLONG_MAX = 0x7fffffffffffffffn;
/** A deadline in the past (not 0, which is none): the block ends in the next turn. */
const ALREADY_PAST = 1;

function wait(ctx: Ctx, args: string[]): Reply {
  const n = toI64(args[1]);
  if (n === null) return err(NOT_INTEGER);
  const t = msTimeout(args[2]);
  if (t instanceof ErrorReply) return t;
  if (n <= 0n || ctx.server.exec.running) return 0;
  const now = wallNow();
  // Redis 7.0 adds the timeout to the clock unchecked: past LLONG_MAX the deadline wraps below
  // zero, which its timeout table (keyed unsigned) never reaches: blocked for ever, and listed in
  // the table (Infinity here).
  let deadline = t === 0n ? 0 : BigInt(now) + t > LLONG_MAX ? Infinity : now + Number(t);
  // Redis keeps the count of a blocked WAIT in an int: a count whose low 32 bits are not positive
  // (2147483648, 4294967296 ...) is reached as soon as the client blocks, and the block ends before
  // the event loop sleeps again (a deadline already past here). Still a blocked call: counted,
  // without a histogram sample or slow log entry.
  if (BigInt.asIntN(32, n) <= 0n) deadline = ALREADY_PAST;
  return ctx.client.block(deadline, waitSpec) ?? 0;
}

const waitSpec: CommandSpec = command('wait', 3, ['noscript'], NO_KEYS, wait);

export const waitCommands: CommandSpec[] = [waitSpec];
