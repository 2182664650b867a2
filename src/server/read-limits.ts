// The limits a connection checks on every read (client-query-buffer-limit, proto-max-bulk-len),
// shared by every connection of one server's Config.

import type { Config } from '../config.js';
import { repr } from '../config-values.js';
import { protocolErrorReason } from '../errors.js';
import type { RequestDecoder } from '../protocol/decoder.js';

/**
 * The limits checked on every read, kept as numbers: reading them from the Config (a Map lookup
 * and a parse) per read showed in profiles. One object per Config, kept current by CONFIG SET;
 * it is also every decoder's `limits`, so a new proto-max-bulk-len applies to the next read.
 */
export class ReadLimits {
  queryBuffer: number;
  maxBulkLen: number;

  constructor(config: Config) {
    this.queryBuffer = config.int('client-query-buffer-limit');
    this.maxBulkLen = config.int('proto-max-bulk-len');
    config.onChange('client-query-buffer-limit', (v) => (this.queryBuffer = Number(v)));
    config.onChange('proto-max-bulk-len', (v) => (this.maxBulkLen = Number(v)));
  }
}

const readLimits = new WeakMap<Config, ReadLimits>();

export function readLimitsOf(config: Config): ReadLimits {
  let l = readLimits.get(config);
  if (l === undefined) {
    l = new ReadLimits(config);
    readLimits.set(config, l);
  }
  return l;
}


/**
 * Redis's log line for a client whose read `chunk` took its query buffer over
 * client-query-buffer-limit: its CLIENT LIST line (`client`, qbuf counting the new bytes), then
 * the buffer's first 64 bytes.
 */
export function queryLimitLine(decoder: RequestDecoder, chunk: Buffer, client: string): string {
  const head = repr(decoder.head(64, chunk).toString('latin1'));
  return `Closing client that reached max query buffer length: ${client} (qbuf initial bytes: ${head})`;
}

/** Redis's PROTO_DUMP_LEN: how much of the query buffer a protocol error's log line shows. */
const PROTO_DUMP_LEN = 128;

/**
 * Redis's setProtocolError line (verbose): its own reason, the client as CLIENT LIST shows it, and
 * the query buffer from where the error was found (`rest`): whole under 128 bytes, else its first
 * and last 64, each up to a NUL (C's %s), the unprintable bytes as dots.
 */
export function protocolErrorLine(reply: string, client: string, rest: Buffer): string {
  const text = (b: Buffer): string => {
    const nul = b.indexOf(0);
    return (nul < 0 ? b : b.subarray(0, nul)).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  };
  const half = PROTO_DUMP_LEN / 2;
  const sample = rest.length < PROTO_DUMP_LEN ? `'${text(rest)}'`
    : `'${text(rest.subarray(0, half))}' (... more ${rest.length - PROTO_DUMP_LEN} bytes ...) '${text(rest.subarray(rest.length - half))}'`;
  return `Protocol error (${protocolErrorReason(reply)}) from client: ${client}. Query buffer during protocol error: ${sample}`;
}
