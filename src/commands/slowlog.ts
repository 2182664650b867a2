// SLOWLOG GET / LEN / RESET / HELP and the log itself, as Redis 7.0's slowlog.c: commands that ran
// for at least slowlog-log-slower-than µs (-1: none, 0: all) are kept, newest first, up to
// slowlog-max-len entries. An entry is [id, unix time, µs, arguments, client addr, client name];
// at most 32 arguments are kept (the last one saying how many more there were) and each argument
// at most 128 bytes (saying how many more bytes there were). The server decides which commands are
// offered (not those flagged skip_slowlog, not those refused before running).

import { container } from './dispatch.js';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { helpReply } from './command.js';
import { toI64 } from './args.js';
import type { ClientApi } from './context.js';
import { Deferred, err, OK, type Reply } from '../protocol/reply.js';
import { subcommandSyntax } from '../errors.js';

const MAX_ARGC = 32;
const MAX_STRING = 128;

export interface SlowLogEntry {
  readonly id: number;
  /** Unix time, seconds. */
  readonly time: number;
  readonly usec: number;
  readonly args: readonly string[];
  readonly addr: string;
  readonly name: string;
}

/**
 * The first MAX_STRING bytes of `a` in a string of their own. a.slice() would be a V8 sliced
 * string, holding all of `a` for as long as the entry lives: 6 SETs of a 100 MB value logged
 * as slow kept 600 MB (RSS 798 MB, and growing by the value's size with each SET, up to
 * slowlog-max-len values), where Redis keeps the 128 bytes.
 */
function head(a: string): string {
  return Buffer.from(a.slice(0, MAX_STRING), 'latin1').latin1Slice(0, MAX_STRING);
}

/** The arguments as the entry keeps them (slowlogCreateEntry). */
function entryArgs(args: readonly string[]): string[] {
  const argc = Math.min(args.length, MAX_ARGC);
  const out: string[] = [];
  for (let j = 0; j < argc; j++) {
    const a = args[j];
    if (argc !== args.length && j === argc - 1) out.push(`... (${args.length - argc + 1} more arguments)`);
    else if (a.length > MAX_STRING) out.push(`${head(a)}... (${a.length - MAX_STRING} more bytes)`);
    else out.push(a);
  }
  return out;
}

export class SlowLog {
  /** Newest first. */
  private entries: SlowLogEntry[] = [];
  /** Entry ids keep growing across SLOWLOG RESET, as in Redis. */
  private nextId = 0;

  get length(): number {
    return this.entries.length;
  }

  /**
   * Logs a command that took `usec` µs, then trims the log to `maxLen` entries. With `maxLen` 0,
   * as Redis's slowlogPushEntryIfNeeded (which creates the entry, then trims): the entry's id is
   * used up and the log emptied, without building the entry.
   */
  push(args: readonly string[], usec: number, client: ClientApi, nowMs: number, maxLen: number): void {
    const id = this.nextId++;
    if (maxLen === 0) {
      this.entries.length = 0;
      return;
    }
    this.entries.unshift({
      id, time: Math.floor(nowMs / 1000), usec: Math.floor(usec),
      args: entryArgs(args), addr: client.addr, name: client.name,
    });
    this.trim(maxLen);
  }

  /** Drops all but the newest `maxLen` entries. */
  trim(maxLen: number): void {
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  /** The newest `count` entries (all when count is -1). */
  latest(count: number): readonly SlowLogEntry[] {
    return count < 0 ? this.entries : this.entries.slice(0, count);
  }

  reset(): void {
    this.entries = [];
  }
}

const HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

const COUNT_RANGE = 'ERR count should be greater than or equal to -1';

/** SLOWLOG GET [count]: count is a long >= -1 (any parse failure gets the range text, as Redis). */
function slowlogGet(ctx: Ctx, args: string[]): Reply {
  if (args.length > 3) return err(subcommandSyntax(args[1], args[0]));
  let count = 10;
  if (args.length === 3) {
    const n = toI64(args[2]);
    if (n === null || n < -1n) return err(COUNT_RANGE);
    count = n > 0xffffffffn ? -1 : Number(n);
  }
  // An array of deferred length, as Redis's.
  return new Deferred(ctx.server.slowlog.latest(count).map((e) => [e.id, e.time, e.usec, [...e.args], e.addr, e.name]));
}

const ADMIN = ['admin', 'loading', 'stale'] as const;

export const slowlogCommands: CommandSpec[] = [
  container('slowlog', -2, [
    command('slowlog|get', -2, ADMIN, NO_KEYS, slowlogGet),
    command('slowlog|help', 2, ['loading', 'stale'], NO_KEYS, (_ctx, args) => helpReply(args[0], HELP)),
    command('slowlog|len', 2, ADMIN, NO_KEYS, (ctx) => ctx.server.slowlog.length),
    command('slowlog|reset', 2, ADMIN, NO_KEYS, (ctx) => (ctx.server.slowlog.reset(), OK)),
  ]),
];
