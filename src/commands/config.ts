// CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the options table of src/config.ts, with
// Redis 7.0's matching rules, atomic multi-option SET and error texts.

import { resolve as resolvePath } from 'node:path';
import { container } from './dispatch.js';
import { command, NO_KEYS, type CommandSpec, type Ctx } from './types.js';
import { globMatch } from './glob.js';
import { helpReply } from './command.js';
import { ApplyError, checkSupported, ConfigError, findOption, optionNames, validValue, type OptionSpec } from '../config.js';
import { byteString, fsPath } from '../config-values.js';
import { rewriteConfigFile } from '../config-rewrite.js';
import { err, MapReply, OK, type Reply } from '../protocol/reply.js';
import { SYNTAX, unknownConfigOption } from '../errors.js';
import { protectedActionDenied } from '../server/limits.js';

const HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

const SET_FAILED = (name: string, why: string): string => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`;

/** An option's value as CONFIG GET shows it (dir as the absolute path Redis would have chdir'ed to). */
export function shownValue(ctx: Ctx, spec: OptionSpec): string {
  const v = ctx.server.config.get(spec.name);
  return spec.name === 'dir' ? byteString(resolvePath(fsPath(v))) : v;
}

/**
 * CONFIG GET pattern [pattern ...]: a name without glob characters is looked up directly (and
 * answered under the name as typed, as Redis does); a pattern matches names and aliases, ignoring
 * case. Each name appears once.
 */
function configGet(ctx: Ctx, args: string[]): Reply {
  const found = new Map<string, [string, OptionSpec]>();
  for (const pattern of args.slice(2)) {
    if (!/[[*?]/.test(pattern)) {
      const spec = findOption(pattern);
      if (spec && !found.has(pattern.toLowerCase())) found.set(pattern.toLowerCase(), [pattern, spec]);
      continue;
    }
    for (const [name, spec] of optionNames()) {
      if (!found.has(name) && globMatch(pattern, name, true)) found.set(name, [name, spec]);
    }
  }
  const entries: Reply[] = [];
  for (const [name, spec] of found.values()) entries.push(name, shownValue(ctx, spec));
  return new MapReply(entries);
}

/**
 * CONFIG SET name value [name value ...], all or nothing. As Redis: first every name is checked
 * (unknown, immutable or protected, given twice: the first problem is reported), then every value
 * is validated in order, and only when all are valid are they applied.
 */
function configSet(ctx: Ctx, args: string[]): Reply {
  if (args.length % 2 === 1) return err(SYNTAX);
  const specs: OptionSpec[] = [];
  for (let i = 2; i < args.length; i += 2) {
    const name = args[i];
    const spec = findOption(name);
    if (spec === undefined) return unknownConfigOption(name);
    if (spec.protected && protectedActionDenied(ctx.server.config.get('enable-protected-configs'), ctx.client)) {
      return err(SET_FAILED(name, "can't set protected config"));
    }
    // `dir`, protected and allowed here, but fixed at start (the PID file, the open AOF files).
    if (!spec.mutable) return err(SET_FAILED(name, spec.protected ? 'changing it at run time is not supported by Keystonelight' : "can't set immutable config"));
    // An alias and its option are distinct entries for this check, as in Redis.
    if (specs.some((s, j) => s === spec && args[2 + 2 * j].toLowerCase() === name.toLowerCase())) {
      return err(SET_FAILED(name, 'duplicate parameter'));
    }
    specs.push(spec);
  }
  // A value's error names the option as Redis's own table entry does: an alias is an entry of its
  // own there, so it is the alias (in lower case) when the alias was given.
  const entryName = (j: number): string => args[2 + 2 * j].toLowerCase();
  const values: string[] = [];
  for (let j = 0; j < specs.length; j++) {
    try {
      const v = validValue(specs[j], args[3 + 2 * j]);
      values.push(specs[j].adjustSet?.(v) ?? v);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return err(SET_FAILED(entryName(j), e.message));
    }
  }
  // As Redis's apply step, after every value was validated: a value asking for a feature we lack
  // (Redis would set it, then fail or act in its apply step), maxclients against the descriptors.
  for (let j = 0; j < specs.length; j++) {
    try {
      checkSupported(specs[j], values[j]);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return err(SET_FAILED(entryName(j), e.message));
    }
    const why = ctx.server.config.check(specs[j].name, values[j]);
    if (why !== null) return err(SET_FAILED(entryName(j), why));
  }
  return applyAll(ctx, specs, values, entryName);
}

/**
 * Sets every value, then applies them in order, as Redis's configSetCommand: an option applied
 * sees the new values of the others (CONFIG SET port P bind ::1 listens on ::1 at P; applied as
 * each was set, it first listened on the old addresses at P, which could fail). As Redis's, an
 * option whose value is as it was is not applied (but bind: appliedUnchanged), so `CONFIG SET
 * port <same> bind B` fails naming bind, not port. When one cannot take effect (ApplyError), all
 * are put back as they were and those applied are applied again, as Redis's "Restoring previous
 * settings", and the error names that one.
 */
function applyAll(ctx: Ctx, specs: OptionSpec[], values: string[], entryName: (j: number) => string): Reply {
  const config = ctx.server.config;
  const before = specs.map((spec) => config.get(spec.name));
  specs.forEach((spec, j) => config.store(spec.name, values[j]));
  const applied = specs.map((spec, j) => spec.appliedUnchanged === true || config.get(spec.name) !== before[j]);
  for (let j = 0; j < specs.length; j++) {
    if (!applied[j]) continue;
    try {
      config.notify(specs[j].name);
    } catch (e) {
      // Anything else is a bug of ours: the values are put back all the same, then it is thrown on.
      if (e instanceof ApplyError) ctx.server.log.warning(`Failed applying new configuration. Possibly related to new ${entryName(j)} setting. Restoring previous settings.`);
      specs.forEach((spec, k) => config.store(spec.name, before[k]));
      for (let k = j; k >= 0; k--) {
        if (!applied[k]) continue;
        try {
          config.notify(specs[k].name);
        } catch (again) {
          ctx.server.log.warning(`Could not restore ${specs[k].name}: ${again instanceof Error ? again.message : String(again)}`);
        }
      }
      if (!(e instanceof ApplyError)) throw e;
      return err(SET_FAILED(entryName(j), e.message));
    }
  }
  return OK;
}

function configResetStat(ctx: Ctx): Reply {
  ctx.server.resetStats();
  return OK;
}

function configRewrite(ctx: Ctx): Reply {
  if (ctx.server.configFile === '') return err('ERR The server is running without a config file');
  const failure = rewriteConfigFile(ctx.server.configFile, ctx.server.config);
  return failure === null ? OK : err(`ERR Rewriting config file: ${failure}`);
}

/**
 * DEBUG CONFIG-REWRITE-FORCE-ALL: CONFIG REWRITE writing every option, defaults included (Redis's
 * test suite restarts from such a file to check each option reads back). Without a config file
 * Redis's rewrite is handed a NULL path and fails with EFAULT's text.
 */
export function configRewriteForceAll(ctx: Ctx): Reply {
  const failure = ctx.server.configFile === '' ? 'Bad address' : rewriteConfigFile(ctx.server.configFile, ctx.server.config, true);
  return failure === null ? OK : err(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${failure}`);
}

const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

export const configCommands: CommandSpec[] = [
  container('config', -2, [
    command('config|get', -3, ADMIN, NO_KEYS, configGet),
    command('config|help', 2, ['loading', 'stale'], NO_KEYS, (_ctx, args) => helpReply(args[0], HELP)),
    command('config|resetstat', 2, ADMIN, NO_KEYS, configResetStat),
    command('config|rewrite', 2, ADMIN, NO_KEYS, configRewrite),
    command('config|set', -4, ADMIN, NO_KEYS, configSet),
  ]),
];
