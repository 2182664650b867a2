// Running as a service: the start-up banner, listening, and signal handling for a clean shutdown.
// (The library entry does none of this: embedding code owns its process.)

import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { REDIS_VERSION, VERSION } from '../version.js';
import { createLogger } from './log.js';
import { Server } from './server.js';

export async function runService(config: Config, configFile: string): Promise<Server> {
  const log = createLogger(config.get('loglevel'), config.get('logfile'));
  log.notice('oO0OoO0OoO0Oo Keystonelight is starting oO0OoO0OoO0Oo');
  log.notice(`Keystonelight version=${VERSION}, redis_version=${REDIS_VERSION}, node=${process.version}, pid=${process.pid}, just started`);
  if (configFile === '') log.warning('Warning: no config file specified, using the default config. In order to specify a config file use keystonelight /path/to/keystonelight.conf');
  const server = new Server({ config, logger: log, configFile: configFile === '' ? '' : resolve(configFile) });
  try {
    await server.listen();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const where = `port ${config.get('port')}`;
    throw new Error(err.code === 'EADDRINUSE' ? `Could not listen on ${where}: address already in use` : `Could not listen on ${where}: ${err.message}`);
  }
  log.notice(`Server initialized, data directory ${resolve(config.get('dir'))}`);
  log.notice(`Ready to accept connections tcp on port ${server.port}`);

  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    log.warning(`${why} Scheduling shutdown...`);
    void server.close().then(async () => {
      log.warning('Keystonelight is now ready to exit, bye bye...');
      await log.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('Received SIGTERM scheduling shutdown...'));
  process.on('SIGINT', () => stop('Received SIGINT scheduling shutdown...'));
  server.setShutdownHandler(() => {
    setImmediate(() => stop('User requested shutdown...'));
    return null;
  });
  return server;
}
