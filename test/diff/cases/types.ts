// The differential corpus: command sequences sent to Keystonelight and to a real redis-server, whose
// raw replies must match byte for byte. Each family adds a file of cases in this folder; the
// harness (test/diff/corpus.test.ts) runs every case on a fresh database, in RESP2 and RESP3.

export interface DiffCase {
  /** Short description, unique within its file. */
  name: string;
  /** Commands run in order on one connection (after FLUSHALL); every reply is compared. */
  cmds: string[][];
  /**
   * Replies that are arrays whose order is unspecified in Redis (KEYS, SMEMBERS, ...): compare
   * them with their elements sorted. Indexes into `cmds`.
   */
  unordered?: number[];
  /** Indexes into `cmds` whose replies are not compared (e.g. RANDOMKEY), only that both succeed. */
  ignore?: number[];
  /** Only run in this protocol (default both). */
  proto?: 2 | 3;
  /**
   * Parts of a reply that legitimately differ between the servers (a client id, a port, a
   * timestamp): every match of `pattern` in the raw reply of `cmds[cmd]` is replaced by `with`
   * (default "<masked>") in BOTH replies before they are compared. The pattern is applied
   * globally (a missing 'g' flag is added). Masks run before `unordered` sorting.
   * Example: `mask: [{ cmd: 0, pattern: HELLO_ID }]`.
   */
  mask?: DiffMask[];
}

export interface DiffMask {
  /** Index into `cmds`. */
  cmd: number;
  pattern: RegExp;
  with?: string;
}

/** The client id in a HELLO reply (RESP2 array or RESP3 map): the integer after the "id" key. */
export const HELLO_ID = /(?<=\$2\r\nid\r\n:)\d+/;

/** The password of the servers that run the requirepass cases (connection.ts `requirepassCases`). */
export const REQUIREPASS = 'secret';

/** A case from command lines (split on spaces: for arguments without spaces) or argument arrays. */
export function lineCase(name: string, ...cmds: (string | string[])[]): DiffCase {
  return { name, cmds: cmds.map((x) => (typeof x === 'string' ? x.split(' ') : x)) };
}
