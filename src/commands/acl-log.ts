// ACL LOG's entries, as Redis 7.0.15 keeps them for a server whose one user is `default`: no ACL
// rule ever denies a command or a key here, so the only entries are Redis's "auth" ones, which
// AUTH and HELLO AUTH add when they fail (a wrong password, a user that does not exist, even with
// no requirepass). Security tools read them to see failed logins.
//
// As Redis's addACLLogEntry: newest first; an entry like one of the 10 newest (same context,
// object, i.e. the command name as typed, and user name, at most 60 s apart) is counted in that one,
// which moves to the head with the new time and client; the list keeps `acllog-max-len` entries,
// trimmed when one is added. ACL LOG RESET empties it.

import { DoubleReply, MapReply, type Reply } from '../protocol/reply.js';
import type { ServerApi } from './context.js';
import type { Ctx } from './types.js';
import { clientInfoText } from './client.js';
import type { LongText } from '../protocol/long-text.js';
import { formatDouble } from './numbers.js';
import { wallNow } from '../timers.js';

/** Redis's ACL_LOG_GROUPING_MAX_TIME_DELTA (ms) and how many newest entries it compares with. */
const GROUPING_MS = 60_000;
const GROUPING_SCAN = 10;

interface Entry {
  count: number;
  context: 'toplevel' | 'multi';
  object: string;
  username: string;
  /** ms (Redis's mstime()). */
  ctime: number;
  /** The client's CLIENT LIST line: its name may be 512 MB (long-text.ts). */
  clientInfo: LongText;
}

class AclLog {
  private entries: Entry[] = [];

  /** AUTH / HELLO AUTH failed for `username`: `args` is the failed command as sent. */
  authFailed(ctx: Ctx, username: string, args: string[]): void {
    const e: Entry = {
      count: 1,
      // Redis's CLIENT_MULTI, still set while EXEC runs the queued commands.
      context: ctx.server.exec.running ? 'multi' : 'toplevel',
      object: args[0],
      username,
      ctime: wallNow(),
      clientInfo: clientInfoText(wallNow(), ctx.client, args),
    };
    const scan = Math.min(GROUPING_SCAN, this.entries.length);
    for (let i = 0; i < scan; i++) {
      const m = this.entries[i];
      if (m.context !== e.context || Math.abs(e.ctime - m.ctime) > GROUPING_MS || m.object !== e.object || m.username !== e.username) continue;
      this.entries.splice(i, 1);
      m.count++;
      m.ctime = e.ctime;
      m.clientInfo = e.clientInfo;
      this.entries.unshift(m);
      return;
    }
    this.entries.unshift(e);
    const max = ctx.server.config.int('acllog-max-len');
    if (this.entries.length > max) this.entries.length = max;
  }

  /** ACL LOG [count]: the newest `count` entries as Redis's maps. */
  reply(count: number, proto: number): Reply {
    const now = wallNow();
    return this.entries.slice(0, count).map((e) => new MapReply([
      'count', e.count,
      'reason', 'auth',
      'context', e.context,
      'object', e.object,
      'username', e.username,
      'age-seconds', new DoubleReply(formatDouble((now - e.ctime) / 1000)),
      'client-info', e.clientInfo.reply(proto, false),
    ]));
  }

  reset(): void {
    this.entries = [];
  }
}

/** Each server's log (kept beside the server rather than in ServerApi: only ACL and AUTH use it). */
const logs = new WeakMap<ServerApi, AclLog>();

export function aclLog(server: ServerApi): AclLog {
  let log = logs.get(server);
  if (log === undefined) logs.set(server, (log = new AclLog()));
  return log;
}
