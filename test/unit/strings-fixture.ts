// Shared setup of the string family's unit tests: an in-process server on a ManualClock whose AOF
// propagation is captured, a raw client, and RESP reply builders.

import type { ExecutionContext } from 'ava';
import { ManualClock, startServer, type RunningServer } from '../../src/index.js';
import type { Database } from '../../src/keyspace/database.js';
import type { ServerStats } from '../../src/commands/context.js';
import { RawClient } from '../helpers/raw.js';

export const T0 = 1_700_000_000_000;

export interface Fixture {
  server: RunningServer;
  client: RawClient;
  clock: ManualClock;
  db: Database;
  stats: ServerStats;
  /** Every command propagated (to the AOF), in order. */
  aof: string[][];
  /** Sends a command; returns the raw reply. */
  call(...args: string[]): Promise<string>;
}

export async function fixture(t: ExecutionContext, config: Record<string, string | number> = {}): Promise<Fixture> {
  const clock = new ManualClock(T0);
  const server = await startServer({ port: 0, clock, config });
  const aof: string[][] = [];
  server.server.propagate = (_db: number, args: string[]) => {
    aof.push(args);
  };
  const client = await RawClient.connect(server.port);
  t.teardown(async () => {
    client.close();
    await server.close();
  });
  return {
    server,
    client,
    clock,
    db: server.server.keyspace.dbs[0],
    get stats() {
      return server.server.stats;
    },
    aof,
    call: (...args: string[]) => client.call(...args),
  };
}

export const OK = '+OK\r\n';
export const NIL = '$-1\r\n';
export const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
export const int = (n: number | bigint | string): string => `:${n}\r\n`;
export const error = (msg: string): string => `-${msg}\r\n`;
export const WRONGTYPE = error('WRONGTYPE Operation against a key holding the wrong kind of value');
export const NOT_INTEGER = error('ERR value is not an integer or out of range');
export const NOT_FLOAT = error('ERR value is not a valid float');
export const SYNTAX = error('ERR syntax error');

/** A value of another type, for WRONGTYPE tests (the keyspace only needs a `type` tag). */
export const fakeHash = (): { type: string } => ({ type: 'hash' });

export const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
