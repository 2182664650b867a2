// The client that replays the append-only file at start (and for DEBUG LOADAOF): it runs commands
// through the same table as network clients, in its own selected database, and logs nothing
// (replayed effects are already in the file).

import type { ClientApi } from '../commands/context.js';
import type { Ctx } from '../commands/types.js';
import type { Database } from '../keyspace/database.js';
import type { Server } from './server.js';

export class ReplayClient implements ClientApi, Ctx {
  readonly id = 0;
  dbIndex = 0;
  proto = 2;
  name = '';
  libName = '';
  libVer = '';
  authenticated = true;
  readonly addr = '';
  readonly laddr = '';
  readonly fd = -1;
  readonly createdAt = Date.now();
  lastInteraction = this.createdAt;
  lastCommand = 'NULL';
  readonly queryBufferLength = 0;
  readonly outputBufferLength = 0;

  constructor(readonly server: Server) {}

  get client(): ClientApi {
    return this;
  }

  get keyspace() {
    return this.server.keyspace;
  }

  get db(): Database {
    return this.server.keyspace.dbs[this.dbIndex];
  }

  get now(): number {
    return this.server.keyspace.time.now;
  }

  propagate(): void {
    // Replayed effects are already in the file.
  }

  closeAfterReply(): void {}

  kill(): void {}

  setReplyMode(): void {}
}
