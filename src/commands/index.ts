// The command table: every family's entries, in one Map. Adding a family = one import here.

import { buildTable, type CommandTable } from './dispatch.js';
import { connectionCommands } from './connection.js';

export function buildCommandTable(): CommandTable {
  return buildTable([connectionCommands]);
}
