// The case files of the differential corpus, grouped as the tests run them: each suite runs on its
// own pair of servers (some started with a password or an option). Shared by the reply comparison
// (corpus.test.ts) and the statistics counters comparison (counters.test.ts).

import type { DiffCase } from './cases/types.js';
import { REQUIREPASS } from './cases/types.js';
import { cases as connection, requirepassCases } from './cases/connection.js';
import { cases as strings } from './cases/strings.js';
import { cases as bitmaps } from './cases/bitmaps.js';
import { cases as keyspace } from './cases/keyspace.js';
import { cases as dump } from './cases/dump.js';
import { cases as server } from './cases/server.js';
import { cases as observe } from './cases/observe.js';
import { cases as limits } from './cases/limits.js';
import { cases as transactions } from './cases/transactions.js';
import { cases as configRedisOnly } from './cases/config-redis-only.js';
import { cases as counters } from './cases/counters.js';
import { cases as acl, moduleCommandCases, requirepassCases as aclRequirepassCases } from './cases/acl.js';

export interface Suite {
  name: string;
  cases: DiffCase[];
  /** Both servers started with this requirepass (the cases then run in RESP2 only: HELLO 3 needs AUTH). */
  requirepass?: string;
  /** Options both servers start with. */
  config?: Record<string, string>;
}

export const SUITES: Suite[] = [
  { name: 'connection', cases: connection },
  { name: 'strings', cases: strings },
  { name: 'bitmaps', cases: bitmaps },
  { name: 'keyspace', cases: keyspace },
  { name: 'dump', cases: dump },
  { name: 'server', cases: server },
  { name: 'observe', cases: observe },
  { name: 'limits', cases: limits },
  { name: 'transactions', cases: transactions },
  { name: 'config-redis-only', cases: configRedisOnly },
  { name: 'counters', cases: counters },
  { name: 'connection with requirepass', cases: requirepassCases, requirepass: REQUIREPASS },
  { name: 'acl', cases: acl },
  { name: 'acl with requirepass', cases: aclRequirepassCases, requirepass: REQUIREPASS },
  { name: 'module with enable-module-command yes', cases: moduleCommandCases, config: { 'enable-module-command': 'yes' } },
];
