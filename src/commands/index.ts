// The command table: every family's entries, in one Map. Adding a family = one import here.

import { buildTable, type CommandTable } from './dispatch.js';
import { connectionCommands } from './connection.js';
import { stringCommands } from './strings.js';
import { keyspaceCommands } from './keys.js';
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

export function buildCommandTable(): CommandTable {
  return buildTable([connectionCommands, stringCommands, keyspaceCommands, persistenceCommands,
    commandCommands, configCommands, infoCommands, clientCommands, debugCommands, serverCommands, clusterCommands,
    monitorCommands, slowlogCommands, latencyCommands, memoryCommands, transactionCommands]);
}
