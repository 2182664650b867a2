// A key as the commands that recreate it (Redis's rewriteAppendOnlyFileRio, for the types we have),
// encoded straight into the output buffer: the rewrite writes a million keys in slices of a
// millisecond or two, so the common case (a string) allocates nothing per key, which keeps the
// rewrite from adding garbage-collector pauses of its own to the clients' latency.

import { ReplyBuffer } from '../protocol/encoder.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { storedStringOf, type TypedValue, type Value } from '../keyspace/values.js';
import { encode, timestampLine } from './aof-format.js';
import { wallNow } from '../timers.js';

/** `*3 $3 SET`: the head of every string key's command. */
const SET_HEAD = Buffer.from('*3\r\n$3\r\nSET\r\n', 'latin1');

/** Writes the commands that recreate `key` with `value` and (absolute, ms) deadline `expire`. */
export function writeKey(out: ReplyBuffer, key: string, value: Value, expire: number | undefined): void {
  const s = storedStringOf(value);
  if (s !== undefined) {
    out.writeBytes(SET_HEAD);
    out.bulk(key);
    if (typeof s === 'string') out.bulk(s);
    else bulkBytes(out, s.view);
  } else {
    // Collection types provide rewrite(key): the commands that rebuild them.
    const v = value as TypedValue & { rewrite?: (k: string) => string[][] };
    if (!v.rewrite) throw new Error(`no rewrite for values of type ${v.type}`);
    for (const cmd of v.rewrite(key)) encode(out, cmd);
  }
  if (expire !== undefined) encode(out, ['PEXPIREAT', key, String(expire)]);
}

/**
 * A bitmap's bytes as a bulk string, copied once into the output: made a string first
 * (stringOf), a 256 MB one took three times its size while the rewrite ran (fuzzer seed 605).
 */
function bulkBytes(out: ReplyBuffer, bytes: Buffer): void {
  out.writeAscii(`$${bytes.length}\r\n`);
  out.writeBytes(bytes);
  out.writeAscii('\r\n');
}

/** Bytes of output gathered before dumpKeyspace hands them to its `spill`. */
const SPILL_AT = 1024 * 1024;

/**
 * Writes the dataset as commands, one database at a time (synchronous); with
 * `timestamp`, after aof-timestamp-enabled's `#TS` line, as Redis starts every rewritten base.
 * Keys whose deadline has passed but that are still stored are written too, as Redis's
 * rewriteAppendOnlyFileRio: the load keeps them, then they expire (as the rewrite's walk does,
 * snapshot-writer.ts); unless `expiredBefore` is given (DEBUG RELOAD), which leaves out the keys
 * whose deadline is before it. `spill` takes (and empties) the output after a key has taken it past
 * SPILL_AT, and once at the end: one buffer of a dataset over 4 GB (Node's largest) failed.
 */
export function dumpKeyspace(keyspace: Keyspace, spill: (out: ReplyBuffer) => void, timestamp = false, expiredBefore?: number): void {
  const out = new ReplyBuffer();
  if (timestamp) out.writeAscii(timestampLine(wallNow()));
  for (const db of keyspace.dbs) {
    let selected = false;
    for (const [key, value] of db.dict.entries()) {
      const expire = db.expires.get(key);
      if (expiredBefore !== undefined && expire !== undefined && expire < expiredBefore) continue;
      if (!selected) {
        encode(out, ['SELECT', String(db.id)]);
        selected = true;
      }
      writeKey(out, key, value, expire);
      if (out.len >= SPILL_AT) spill(out);
    }
  }
  spill(out);
}
