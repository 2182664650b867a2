// How effects look in the append-only file, shared by the writer (aof.ts), the rewrite's base file
// (snapshot-writer.ts, keydump.ts) and a fresh base (layout.ts): each effect a RESP multibulk command, and
// aof-timestamp-enabled's `#TS:<unix seconds>` annotation lines.

import type { ReplyBuffer } from '../protocol/encoder.js';

/** One effect as the file holds it: a RESP multibulk of its arguments. */
export function encode(b: ReplyBuffer, args: readonly string[]): void {
  b.arrayHeader(args.length);
  for (let i = 0; i < args.length; i++) b.bulk(args[i]);
}

/**
 * aof-timestamp-enabled's annotation, `#TS:<unix seconds>\r\n`: Redis writes one before the first
 * effect of each new second and at the start of every base file; loaders skip it, and
 * `redis-check-aof --truncate-to-timestamp` cuts a file at one.
 */
export function timestampLine(nowMs: number): string {
  return `#TS:${Math.floor(nowMs / 1000)}\r\n`;
}
