// The command table: every family's entries, in one Map. Adding a family = one import here.

import { buildTable, renameCommand, type CommandTable } from './dispatch.js';
import { badOption, ConfigError, type Config } from '../config.js';
import { splitArgs } from '../protocol/splitargs.js';
import type { RenameCheck } from '../config-file.js';
import { connectionCommands } from './connection.js';
import { stringCommands } from './strings.js';
import { bitmapCommands } from './bitmaps.js';
import { bitfieldCommands } from './bitfield.js';
import { keyspaceCommands } from './keys.js';
import { dumpCommands } from './dump.js';
import { migrateCommands } from './migrate.js';
import { persistenceCommands } from './persistence.js';
import { commandCommands } from './command.js';
import { configCommands } from './config.js';
import { infoCommands } from './info.js';
import { clientCommands } from './client.js';
import { debugCommands } from './debug.js';
import { serverCommands } from './server.js';
import { clusterCommands } from './cluster.js';
import { monitorCommands } from './monitor.js';
import { slowlogCommands } from './slowlog.js';
import { latencyCommands } from './latency.js';
import { memoryCommands } from './memory.js';
import { transactionCommands } from './transactions.js';
import { waitCommands } from './wait.js';
import { aclCommands } from './acl.js';
import { moduleCommands } from './module.js';

/**
 * The table with the configuration's `rename-command` lines applied in order (Redis applies each
 * as it reads it: a name one frees, the next may take). A bad one throws its ConfigError, named as
 * a bad option (the line it was read from, or the library's option and value).
 */
export function commandTableFor(config: Config): CommandTable {
  const table = buildCommandTable();
  for (const [name, value, where] of config.renames) {
    // Two names (the library's `{ 'rename-command': 'FLUSHALL ""' }` is one line's words too).
    const names = splitArgs(value);
    const error = names?.length === 2 ? renameCommand(table, names[0], names[1]) : 'wrong number of arguments';
    if (error !== null) throw badOption(name, value, new ConfigError(error), where);
  }
  return table;
}

/**
 * Checks `rename-command` lines as the configuration is read (config-file.ts), each applied in
 * turn to a table of its own, as Redis renames at each line: the same renames commandTableFor
 * applies later, so the first bad line is the one named.
 */
export function renameChecker(): RenameCheck {
  const table = buildCommandTable();
  return (from, to) => renameCommand(table, from, to);
}

export function buildCommandTable(): CommandTable {
  return buildTable([connectionCommands, stringCommands, bitmapCommands, bitfieldCommands, keyspaceCommands, dumpCommands, migrateCommands, persistenceCommands,
    commandCommands, configCommands, infoCommands, clientCommands, debugCommands, serverCommands, clusterCommands,
    monitorCommands, slowlogCommands, latencyCommands, memoryCommands, transactionCommands, waitCommands, aclCommands, moduleCommands]);
}
