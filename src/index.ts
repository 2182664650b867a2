// The library entry: start a Keystonelight server inside the current process.
//
//   import { startServer } from 'keystonelight';
//   const server = await startServer({ port: 0 });   // port 0: any free port
//   ... connect any Redis client to 127.0.0.1:server.port ...
//   await server.close();
//
// With no persistence options the data lives in memory only; pass
// { config: { appendonly: 'yes', dir: '/some/dir' } } for an append-only file.

import { byteString, Config, fsPath } from './config.js';
import { Server } from './server/server.js';
import { createLogger } from './server/log.js';
import { openPersistence } from './server/service.js';
import type { Clock } from './keyspace/clock.js';
import type { FileIO } from './persistence/fileio.js';

export { ManualClock, type Clock } from './keyspace/clock.js';
export { VERSION, REDIS_VERSION } from './version.js';

export interface StartOptions {
  /** TCP port; 0 (the library default) picks a free one. */
  port?: number;
  /** Addresses to listen on, as Redis's `bind` (default "127.0.0.1"). */
  bind?: string;
  /** Any other option by its redis.conf name, e.g. { databases: '4', loglevel: 'debug' }. */
  config?: Record<string, string | number>;
  /** A clock for expiry (tests can pass a ManualClock). */
  clock?: Clock;
  /** Internal (tests): the file operations of the append-only file, e.g. to inject disk errors. */
  fileIO?: FileIO;
}

export interface RunningServer {
  /** The port actually bound. */
  readonly port: number;
  /** Stops listening, disconnects clients, flushes persistence. */
  close(): Promise<void>;
  /** The underlying server, for advanced use (tests). */
  readonly server: Server;
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const values: Record<string, string> = { port: '0', bind: '127.0.0.1', loglevel: 'warning' };
  // JS strings: their bytes as UTF-8, as values from the command line (see byteString).
  for (const [k, v] of Object.entries(opts.config ?? {})) values[k] = byteString(String(v));
  if (opts.port !== undefined) values.port = String(opts.port);
  if (opts.bind !== undefined) values.bind = opts.bind;
  const config = new Config(values);
  const server = new Server({ config, clock: opts.clock, logger: createLogger(config.get('loglevel'), fsPath(config.get('logfile'))) });
  await server.listen();
  try {
    await openPersistence(server, opts.fileIO);
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    get port() {
      return server.port;
    },
    close: () => server.close(),
    server,
  };
}
