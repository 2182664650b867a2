// MODULE and its subcommands, as Redis 7.0.15 answers them on a server with no modules loaded:
// Keystonelight loads none (it cannot run Redis's C module API).
//
// MODULE LIST is empty (GUIs and health checks call it to detect modules). LOAD, LOADEX and UNLOAD
// are refused as Redis refuses a module it cannot load or does not have: first by
// enable-module-command (their `protected` flag, checked before authentication in
// server/request-checks.ts, as Redis's CMD_PROTECTED), then with Redis's reply and log lines.

import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { container } from './dispatch.js';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { is } from './args.js';
import { helpReply } from './command.js';
import { err, type Reply } from '../protocol/reply.js';
import { cstr } from '../errors.js';
import { fsPath } from '../config-values.js';
import { clientBytes, LOG_MAX_LEN } from '../server/log.js';

const HELP = [
  'LIST',
  '    Return a list of loaded modules.',
  'LOAD <path> [<arg> ...]',
  '    Load a module library from <path>, passing to it any optional arguments.',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Load a module library from <path>, while passing it module configurations and optional arguments.',
  'UNLOAD <name>',
  '    Unload a module.',
];

const LOAD_FAILED = 'ERR Error loading the extension. Please check the server logs.';

/**
 * Redis's moduleLoad when the load fails, which here it always does: the warning Redis logs.
 * For a path that does not exist (relative to `dir`, Redis's working directory) that is dlopen's
 * own error, and for a file without execute permission Redis's own, word for word; any other file
 * is one Keystonelight cannot load, and the line says so.
 */
function failLoad(ctx: Ctx, path: string): Reply {
  const p = cstr(path); // Redis hands dlopen a C string
  const fs = fsPath(p);
  let mode: number | null = null;
  try {
    mode = statSync(isAbsolute(fs) ? fs : join(fsPath(ctx.server.config.get('dir')), fs)).mode;
  } catch {
    // Missing or unreadable: dlopen's error below.
  }
  // Only the log line's first LOG_MAX_LEN bytes are kept: a 512 MB path twice is no string.
  const shown = p.slice(0, LOG_MAX_LEN);
  const why =
    mode === null ? `${shown}: cannot open shared object file: No such file or directory`
    : (mode & 0o111) === 0 ? 'It does not have execute permissions.' // Redis's check before dlopen
    : 'modules are not supported by Keystonelight';
  ctx.server.log.warning(clientBytes(`Module ${shown} failed to load: ${why}`));
  return err(LOAD_FAILED);
}

/**
 * MODULE LOADEX path [CONFIG name value ...] [ARGS ...]: Redis's parseLoadexArguments reads the
 * options first, and a malformed list fails (with its notice) before any load is tried.
 */
function loadex(ctx: Ctx, args: string[]): Reply {
  for (let i = 3; i < args.length; i++) {
    if (is(args[i], 'CONFIG')) {
      if (i + 2 >= args.length) {
        ctx.server.log.notice('CONFIG specified without name value pair');
        return err(LOAD_FAILED);
      }
      i += 2;
    } else if (is(args[i], 'ARGS')) {
      break;
    } else {
      ctx.server.log.notice(clientBytes(`Syntax Error from arguments to loadex around ${cstr(args[i].slice(0, LOG_MAX_LEN))}.`));
      return err(LOAD_FAILED);
    }
  }
  return failLoad(ctx, args[2]);
}

const PROTECTED = ['admin', 'noscript', 'no_async_loading', 'protected'] as const;

export const moduleCommands: CommandSpec[] = [
  container('module', -2, [
    command('module|help', 2, ['loading', 'stale'], NO_KEYS, (_ctx, args) => helpReply(args[0], HELP)),
    command('module|list', 2, ['admin', 'noscript'], NO_KEYS, () => []),
    command('module|load', -3, PROTECTED, NO_KEYS, (ctx, args) => failLoad(ctx, args[2])),
    command('module|loadex', -3, PROTECTED, NO_KEYS, loadex),
    // No module is loaded, so none has the name (Redis logs nothing for this one).
    command('module|unload', 3, PROTECTED, NO_KEYS, () => err('ERR Error unloading module: no such module with that name')),
  ]),
];
