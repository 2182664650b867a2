// Shared by the differential tests that run every corpus case and then compare something other
// than the replies (counters.test.ts: INFO counters; aof-effects.test.ts: what each server appended
// to its AOF): a control connection to each server, and a case run on a fresh connection of its own.

import { RawClient } from '../helpers/raw.js';
import { encodeArgs } from '../helpers/resp.js';
import type { DiffCase } from './cases/types.js';
import { escape, type ServerPair, showCommand } from './pair.js';

/** A connection to each server that is not the case's: resets before a case, reads INFO after it. */
export class Control {
  private constructor(private readonly sides: [RawClient, RawClient]) {}

  static async open(pair: ServerPair, password: string | undefined): Promise<Control> {
    const sides: [RawClient, RawClient] = await Promise.all([RawClient.connect(pair.redis.port), RawClient.connect(pair.ks.port)]);
    const control = new Control(sides);
    if (password !== undefined) await control.expect(['AUTH', password], '+OK\r\n');
    return control;
  }

  /** Sends `cmds` to both servers (pipelined); the replies of each. */
  async both(cmds: string[][]): Promise<[string[], string[]]> {
    const [r, k] = await Promise.all(this.sides.map((s) => s.pipeline(cmds)));
    return [r, k];
  }

  async expect(cmd: string[], reply: string): Promise<void> {
    const [[r], [k]] = await this.both([cmd]);
    if (r !== reply || k !== reply) throw new Error(`${showCommand(cmd)}: redis ${escape(r)}, ks ${escape(k)}`);
  }

  /**
   * Empties both keyspaces and zeroes both servers' statistics. Active expiry is off (again: a case
   * may turn it on), so that a key whose deadline passed is reclaimed only when a command looks it
   * up, as the case says, not when an expire cycle happens to run on one server and not the other.
   */
  async reset(): Promise<void> {
    await this.expect(['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], '+OK\r\n');
    await this.expect(['FLUSHALL'], '+OK\r\n');
    await this.expect(['CONFIG', 'RESETSTAT'], '+OK\r\n');
  }

  close(): void {
    for (const s of this.sides) s.close();
  }
}

/**
 * Runs one case on a fresh connection to each server; its replies are read, not compared. The
 * commands go out in one write, so that each server reads them at once: both count input bytes as
 * they read them, and stop reading after a QUIT or a protocol error, so bytes sent after those, or
 * before a CONFIG RESETSTAT of the case, count only as far as the same read got (with a write per
 * command, Redis read some cases in two and ours in one).
 */
export async function runCase(pair: ServerPair, c: DiffCase): Promise<[string[], string[]]> {
  // 15 s tells a hang from a slow reply: the 2.4 MB request of 'COMMAND GETKEYS of 200,000 keys'
  // was not read in 3 s on a machine loaded with memory-heavy experiments (CI run, 2026-11-29).
  const twin = await pair.connect(15_000);
  try {
    const bytes = Buffer.concat(c.cmds.map((cmd) => encodeArgs(cmd)));
    const [r, k] = await Promise.all([twin.redis, twin.ks].map(async (side) => {
      side.client.write(bytes);
      const replies: string[] = [];
      for (let i = 0; i < c.cmds.length; i++) replies.push(await side.read());
      return replies;
    }));
    return [r, k];
  } finally {
    twin.close();
  }
}
