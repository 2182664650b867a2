// Server commands: TIME, LASTSAVE, SHUTDOWN, ROLE (always a master without replicas), and FUNCTION
// as a Redis 7.0 without any function library answers it (Keystonelight has no Lua engine, so no
// library can ever be loaded: FUNCTION LOAD fails as for an unknown engine, and everything else
// answers for an empty library set).

import type { ShutdownOpts } from './context.js';
import { container } from './dispatch.js';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { helpReply } from './command.js';
import { splitArgs } from '../protocol/splitargs.js';
import { cWord } from './args.js';
import { Deferred, err, MapReply, OK, type Reply } from '../protocol/reply.js';
import { DUMP_PAYLOAD, engineNotFound, invalidMetadataValue, LIBRARY_NAME, subcommandSyntax, SYNTAX, unknownArgument, unknownOptionGiven } from '../errors.js';
import { withFooter } from './dump-payload.js';

/** TIME: [unix seconds, microseconds] of the clock (millisecond resolution; live inside EXEC too, as Redis's). */
function time(ctx: Ctx): Reply {
  const ms = ctx.clockNow;
  return [String(Math.floor(ms / 1000)), String((ms % 1000) * 1000)];
}

/**
 * ROLE: a master with no replicas, as Redis's roleCommand answers it then. Its offset is
 * master_repl_offset, which stays 0 in a Redis that never had a replica (nothing is written to a
 * backlog until one connects), as INFO replication shows here. The replica list is sent with a
 * deferred length, as Redis's.
 */
function role(): Reply {
  return ['master', 0, new Deferred([])];
}

/** SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: on success the connection closes without a reply. */
function shutdown(ctx: Ctx, args: string[]): Reply {
  const opts: ShutdownOpts = {};
  let abort = false;
  let nosave = false;
  for (const a of args.slice(1)) {
    const o = cWord(a).toLowerCase();
    if (o === 'nosave') nosave = true;
    else if (o === 'save') opts.save = true;
    else if (o === 'now') opts.now = true;
    else if (o === 'force') opts.force = true;
    else if (o === 'abort') abort = true;
    else return err(SYNTAX);
  }
  if ((abort && (nosave || opts.save || opts.now || opts.force)) || (nosave && opts.save)) return err(SYNTAX);
  // Our shutdown is never left pending (no replica to wait for), so there is nothing to abort.
  if (abort) return err('ERR No shutdown in progress.');
  if (nosave) opts.save = false;
  const failure = ctx.server.shutdown(opts);
  if (failure !== null) return err(failure);
  ctx.client.setReplyMode('off');
  return OK;
}

// --- FUNCTION ------------------------------------------------------------------------------------

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

/** FUNCTION DUMP of no libraries in Redis 7.0: no library, then the footer (RDB version and CRC-64). */
const EMPTY_DUMP = withFooter(Buffer.alloc(0)).toString('latin1');

const syntaxError = (args: string[]): Reply => err(subcommandSyntax(args[1], args[0]));

/** As Redis's, a change (INFO rdb_changes_since_last_save) logged to the AOF, the library being empty or not. */
function functionFlush(ctx: Ctx, args: string[]): Reply {
  if (args.length > 3) return syntaxError(args);
  if (args.length === 3 && !['sync', 'async'].includes(cWord(args[2]).toLowerCase())) {
    return err('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  ctx.propagate(args);
  return OK;
}

function functionList(_ctx: Ctx, args: string[]): Reply {
  let withCode = false;
  let name = false;
  for (let i = 2; i < args.length; i++) {
    const a = cWord(args[i]).toLowerCase();
    if (!withCode && a === 'withcode') {
      withCode = true;
    } else if (!name && a === 'libraryname') {
      if (i >= args.length - 1) return err('ERR library name argument was not given');
      name = true;
      i++;
    } else {
      return unknownArgument(args[i]);
    }
  }
  return [];
}

/** FUNCTION LOAD [REPLACE] code: Redis's option and metadata checks; then no engine can run it. */
function functionLoad(_ctx: Ctx, args: string[]): Reply {
  let pos = 2;
  while (pos < args.length - 1) {
    const a = args[pos++];
    if (cWord(a) !== 'REPLACE') return unknownOptionGiven(a);
  }
  const code = args[pos];
  if (!code.startsWith('#!')) return err('ERR Missing library metadata');
  const eol = code.indexOf('\n');
  const parts = eol < 0 ? null : splitArgs(code.slice(0, eol));
  if (parts === null || parts.length === 0) return err('ERR Invalid library metadata');
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() !== 'name=') return invalidMetadataValue(part);
    if (name !== null) return err('ERR Invalid metadata value, name argument was given multiple times');
    name = part.slice(5);
  }
  if (name === null) return err('ERR Library name was not given');
  // As functionsCreateWithLibraryCtx: the name is checked before the engine is looked up.
  if (!/^[A-Za-z0-9_]+$/.test(name)) return err(LIBRARY_NAME);
  return engineNotFound(parts[0].slice(2));
}

function functionRestore(ctx: Ctx, args: string[]): Reply {
  if (args.length > 4) return syntaxError(args);
  if (args.length === 4 && !['flush', 'append', 'replace'].includes(cWord(args[3]).toLowerCase())) {
    return err('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  }
  // Only a dump of no libraries can be valid here: there is no engine to run any other.
  if (args[2] !== EMPTY_DUMP) return err(DUMP_PAYLOAD);
  ctx.propagate(args); // a change, logged, as Redis's
  return OK;
}

const WRITE = ['write', 'noscript'] as const;

export const serverCommands: CommandSpec[] = [
  command('time', 1, ['loading', 'stale', 'fast'], NO_KEYS, time),
  command('lastsave', 1, ['loading', 'stale', 'fast'], NO_KEYS, (ctx) => ctx.server.lastSave),
  command('role', 1, ['noscript', 'loading', 'stale', 'fast'], NO_KEYS, role),
  command('shutdown', -1, ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], NO_KEYS, shutdown),
  container('function', -2, [
    command('function|delete', 3, WRITE, NO_KEYS, () => err('ERR Library not found')),
    command('function|dump', 2, ['noscript'], NO_KEYS, () => EMPTY_DUMP),
    command('function|flush', -2, WRITE, NO_KEYS, functionFlush),
    command('function|help', 2, ['loading', 'stale'], NO_KEYS, (_ctx, args) => helpReply(args[0], FUNCTION_HELP)),
    command('function|kill', 2, ['noscript', 'allow_busy'], NO_KEYS, () => err('NOTBUSY No scripts in execution right now.')),
    command('function|list', -2, ['noscript'], NO_KEYS, functionList),
    command('function|load', -3, ['write', 'denyoom', 'noscript'], NO_KEYS, functionLoad),
    command('function|restore', -3, ['write', 'denyoom', 'noscript'], NO_KEYS, functionRestore),
    command('function|stats', 2, ['noscript', 'allow_busy'], NO_KEYS, () => new MapReply(['running_script', null, 'engines', new MapReply([])])),
  ]),
];
