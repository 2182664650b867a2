// What every command context shares, for network clients (Connection) and the AOF replay client
// (ReplayClient) alike: the keyspace, the selected database and the time of the command.

import type { Database } from '../keyspace/database.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { Server } from './server.js';

export abstract class CommandContext {
  abstract readonly server: Server;
  abstract dbIndex: number;

  get keyspace(): Keyspace {
    return this.server.keyspace;
  }

  get db(): Database {
    return this.server.keyspace.dbs[this.dbIndex];
  }

  get now(): number {
    return this.server.keyspace.time.now;
  }

  get clockNow(): number {
    return this.server.exec.running ? this.server.keyspace.clock.now() : this.now;
  }
}
