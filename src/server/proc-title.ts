// The process title that ps shows, as Redis's redisSetProcTitle: proc-title-template expanded once
// the server listens, when set-proc-title is yes (the default: `keystonelight.js 127.0.0.1:7379`),
// and again at each CONFIG SET proc-title-template, whatever set-proc-title says (Redis's
// updateProcTitleTemplate does the same). Only the service sets it: a server embedded in another
// program leaves that program's title alone.
//
// With set-proc-title yes, CONFIG SET port and bind set it again once the listeners moved, as
// Redis's changeListenPort / changeBindAddr.
//
// {title} is the name the server was run as (the script's or the command's file name: Node gives
// the script's absolute path, where Redis shows its argv[0] as typed); {listen-addr} the first
// `bind` address (`*` for none) and the port, or `unixsocket:<path>` with no TCP port; {server-mode}
// `[cluster]` with cluster-enabled; {config-file} the configuration file's absolute path or `-`;
// {port}; {unixsocket} the Unix socket's path as configured (empty for none); {tls-port} is 0 (no
// TLS here). Node (libuv) writes the title over the memory of
// the command line the process was started with, so a longer title is cut to that length (Redis
// moves the environment out of the way to make room), and it also renames the main thread (its
// first 15 bytes: the name top shows), which Redis's setproctitle leaves as it was.

import { basename } from 'node:path';
import type { Config } from '../config.js';
import { expandProcTitle } from '../config-parsers.js';

/** What the variables name. */
export interface TitleFacts {
  /** The script or command run (process.argv[1]). */
  executable: string;
  /** The TCP port, 0 for none. */
  port: number;
  /** unixsocket as configured ('' for none). */
  unixsocket: string;
  cluster: boolean;
  /** Absolute, or '' for none. */
  configFile: string;
}

/** proc-title-template expanded for a server; null if it does not expand (never: it is validated). */
export function procTitle(template: string, bind: string, facts: TitleFacts): string | null {
  const first = bind.split(' ').find((a) => a !== '') ?? '*';
  return expandProcTitle(template, new Map([
    ['title', basename(facts.executable)],
    // As Redis's: the TCP address when there is a port, else the Unix socket.
    ['listen-addr', facts.port !== 0 ? `${first}:${facts.port}` : `unixsocket:${facts.unixsocket}`],
    ['server-mode', facts.cluster ? '[cluster]' : ''],
    ['config-file', facts.configFile === '' ? '-' : facts.configFile],
    ['port', String(facts.port)],
    ['tls-port', '0'],
    ['unixsocket', facts.unixsocket],
  ]));
}

/**
 * Sets the title now if set-proc-title is yes, and at each CONFIG SET proc-title-template; with
 * set-proc-title yes, at each CONFIG SET port or bind too (after the listeners moved: its listener
 * is added after theirs, and a move that fails stops the CONFIG SET before it).
 */
export function manageProcTitle(config: Config, facts: () => TitleFacts): void {
  const apply = (): void => {
    const title = procTitle(config.get('proc-title-template'), config.get('bind'), facts());
    if (title !== null && title !== '') process.title = title;
  };
  if (config.bool('set-proc-title')) {
    apply();
    config.onChange('port', apply);
    config.onChange('bind', apply);
  }
  config.onChange('proc-title-template', apply);
}
