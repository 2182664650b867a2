// ACL and its subcommands, for Keystonelight's one user: `default`, whose password is requirepass
// (connection.ts authenticate), as Redis 7.0.15 shows that user when requirepass alone configures
// it (compared side by side with redis-server, with and without --requirepass).
//
// The read-only views answer as Redis's: WHOAMI, USERS, LIST, GETUSER, CAT, DRYRUN, LOG (the
// failed AUTHs only: no ACL rule ever denies anything here; acl-log.ts), GENPASS, HELP. Of the
// writes, DELUSER, LOAD and SAVE answer what Redis answers on such a server (the default user
// cannot be removed, no other user exists, there is no ACL file: `aclfile` is refused at start),
// and SETUSER, which would create a user or change the default one, is refused as not supported.
//
// ACL CAT <category> lists the commands of Keystonelight's table in the category (Redis 7.0's
// categories, meta/redis-7.0.json), subcommands included, as COMMAND LIST FILTERBY ACLCAT: Redis
// lists its own table, with the commands Keystonelight does not have; both in table order (Redis's
// is its hash table's, which changes from run to run).

import { randomBytes } from 'node:crypto';
import { CommandTable, container } from './dispatch.js';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { cWord, toI64 } from './args.js';
import { aclLog } from './acl-log.js';
import { helpReply, lookupLine } from './command.js';
import { metaOf } from './meta/index.js';
import { Deferred, err, MapReply, OK, SetReply, type Reply } from '../protocol/reply.js';
import { commandNotFound, cstr, NOT_INTEGER, subcommandSyntax, userNotFound, wrongArity } from '../errors.js';
import { defaultUserPassword, defaultUserRules } from '../config.js';

const HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

/** Redis 7.0's ACLCommandCategories, in its order (ACL CAT). */
const CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

const USER = 'default';
const NO_ACL_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';
const SETUSER_REFUSED =
  "ERR ACL SETUSER is not supported by Keystonelight: the only user is 'default', whose password is requirepass (CONFIG SET requirepass)";
/** Redis's GENPASS_MAX_BITS. */
const GENPASS_MAX_BITS = 4096;

/** ACL GETUSER default: Redis's map of the user's flags, passwords, and rules. */
function getUser(ctx: Ctx, args: string[]): Reply {
  // Redis looks the name up by its exact bytes: `Default` is no user.
  if (args[2] !== USER) return null;
  const rules = defaultUserRules(ctx.server.config).split(' ');
  const hash = defaultUserPassword(ctx.server.config.get('requirepass'));
  const flags = rules.filter((w) => w === 'on' || w === 'nopass' || w === 'sanitize-payload');
  return new MapReply([
    'flags', new SetReply(flags),
    'passwords', hash === 'nopass' ? [] : [hash.slice(1)],
    'commands', '+@all',
    'keys', '~*',
    'channels', '&*',
    'selectors', [],
  ]);
}

/** ACL CAT [category]: the categories, or the commands of one (see the header for which). */
function cat(ctx: Ctx, args: string[]): Reply {
  if (args.length > 3) return err(subcommandSyntax(args[1], args[0]));
  if (args.length === 2) return new Deferred(CATEGORIES);
  // Redis compares the name with strcasecmp (a C string), and quotes at most 128 bytes of it.
  const name = cWord(args[2]).toLowerCase();
  if (!CATEGORIES.includes(name)) return err(`ERR Unknown category '${cstr(args[2]).slice(0, 128)}'`);
  const category = `@${name}`;
  // Redis lists server.orig_commands: the table before rename-command, under the commands' own names.
  const t = ctx.server.commands;
  const table = t instanceof CommandTable && t.original !== null ? t.original : t;
  const out: string[] = [];
  const visit = (spec: CommandSpec): void => {
    if (metaOf(spec.name)?.acl.includes(category) === true) out.push(spec.name);
    for (const s of spec.subcommands ?? []) visit(s);
  };
  for (const spec of table.values()) visit(spec);
  return new Deferred(out);
}

/**
 * ACL DRYRUN user command [arg ...]: the user's permission to run it, without running it. The
 * default user may run everything, so that is OK once the command exists with that many
 * arguments (Redis's lookupCommand and arity check, in the server's table, renames applied).
 */
function dryRun(ctx: Ctx, args: string[]): Reply {
  if (args[2] !== USER) return userNotFound(args[2]);
  const argv = args.slice(3);
  const spec = lookupLine(ctx, argv);
  if (spec === undefined) return commandNotFound(argv[0]);
  const n = argv.length;
  if ((spec.arity > 0 && spec.arity !== n) || n < -spec.arity) return err(wrongArity(spec.name));
  return OK;
}

/** ACL LOG [count | RESET]: the failed AUTHs (acl-log.ts), newest first, 10 by default. */
function log(ctx: Ctx, args: string[]): Reply {
  if (args.length > 3) return err(subcommandSyntax(args[1], args[0]));
  let count = 10n;
  if (args.length === 3) {
    // Redis compares with strcasecmp: `reset` up to a NUL byte.
    if (cWord(args[2]) === 'RESET') {
      aclLog(ctx.server).reset();
      return OK;
    }
    const n = toI64(args[2]);
    if (n === null) return err(NOT_INTEGER);
    count = n < 0n ? 0n : n;
  }
  return aclLog(ctx.server).reply(count > 1_000_000n ? 1_000_000 : Number(count), ctx.client.proto);
}

/** ACL GENPASS [bits]: random hex digits, (bits + 3) / 4 of them, as Redis's getRandomHexChars. */
function genPass(_ctx: Ctx, args: string[]): Reply {
  if (args.length > 3) return err(subcommandSyntax(args[1], args[0]));
  let bits = 256n;
  if (args.length === 3) {
    const b = toI64(args[2]);
    if (b === null) return err(NOT_INTEGER);
    bits = b;
  }
  if (bits <= 0n || bits > BigInt(GENPASS_MAX_BITS)) {
    return err(`ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_MAX_BITS}`);
  }
  const chars = Math.floor((Number(bits) + 3) / 4);
  return randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);
}

/** ACL DELUSER: as Redis, the default user cannot be removed (checked first), and no other exists. */
function delUser(_ctx: Ctx, args: string[]): Reply {
  // Redis compares with strcmp: the name up to a NUL byte.
  for (let j = 2; j < args.length; j++) if (cstr(args[j]) === USER) return err("ERR The 'default' user cannot be removed");
  return 0;
}

const CONN = ['noscript', 'loading', 'stale'] as const;
const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

export const aclCommands: CommandSpec[] = [
  container('acl', -2, [
    command('acl|cat', -2, CONN, NO_KEYS, cat),
    command('acl|deluser', -3, ADMIN, NO_KEYS, delUser),
    command('acl|dryrun', -4, ADMIN, NO_KEYS, dryRun),
    command('acl|genpass', -2, CONN, NO_KEYS, genPass),
    command('acl|getuser', 3, ADMIN, NO_KEYS, getUser),
    command('acl|help', 2, ['loading', 'stale'], NO_KEYS, (_ctx, args) => helpReply(args[0], HELP)),
    command('acl|list', 2, ADMIN, NO_KEYS, (ctx) => [`user ${USER} ${defaultUserRules(ctx.server.config)}`]),
    command('acl|load', 2, ADMIN, NO_KEYS, () => err(NO_ACL_FILE)),
    command('acl|log', -2, ADMIN, NO_KEYS, log),
    command('acl|save', 2, ADMIN, NO_KEYS, () => err(NO_ACL_FILE)),
    command('acl|setuser', -3, ADMIN, NO_KEYS, () => err(SETUSER_REFUSED)),
    command('acl|users', 2, ADMIN, NO_KEYS, () => [USER]),
    command('acl|whoami', 2, CONN, NO_KEYS, () => USER),
  ]),
];
