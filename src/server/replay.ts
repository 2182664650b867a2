// The client that replays the append-only file at start (and for DEBUG LOADAOF): it runs commands
// through the same table as network clients, in its own selected database, and logs nothing
// (replayed effects are already in the file).

import type { ClientApi } from '../commands/context.js';
import type { Ctx } from '../commands/types.js';
import type { Server } from './server.js';
import { CommandContext } from './command-context.js';

export class ReplayClient extends CommandContext implements ClientApi, Ctx {
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

  constructor(readonly server: Server) {
    super();
  }

  get client(): ClientApi {
    return this;
  }


  propagate(): void {
    // Replayed effects are already in the file.
  }

  closeAfterReply(): void {}

  kill(): void {}

  setReplyMode(): void {}
  monitor = false;
  readonly blocked = false;
  sendMonitorLine(): void {}
}
