// Reply values that command handlers return. Handlers never touch bytes: they return one of these
// and the encoder turns it into RESP2 or RESP3 for the connection's protocol.
//
//   null            -> null bulk string ($-1 / _)
//   number, bigint  -> integer (:n)
//   string          -> bulk string; binary ("latin1") strings, one char per byte
//   Reply[]         -> array
//   the classes below for the rest.

import { ChunkedList } from '../chunked-list.js';

export type Reply =
  | null
  | number
  | bigint
  | string
  | Reply[]
  | SimpleString
  | ErrorReply
  | MapReply
  | SetReply
  | DoubleReply
  | BoolReply
  | VerbatimReply
  | NullArray
  | RawReply
  | PushReply
  | LongArray
  | Deferred;

/** +text (status reply). */
export class SimpleString {
  constructor(readonly value: string) {}
}

/** -text (error reply); `message` includes the code, e.g. "ERR syntax error". */
export class ErrorReply {
  constructor(readonly message: string) {}
}

/**
 * An error reply whose text is longer than one JS string may be (LongText.error: it quotes an
 * argument of up to V8's longest string whole, as Redis's does): the encoder writes `parts` in
 * order, each made one line. `message` is only the text's start, what error statistics and log
 * lines read of it.
 */
export class LongErrorReply extends ErrorReply {
  constructor(
    message: string,
    readonly parts: readonly string[],
  ) {
    super(message);
  }
}

/** RESP3 map (%); a flat array of alternating keys and values in RESP2. */
export class MapReply {
  constructor(readonly entries: Reply[]) {}
}

/** RESP3 set (~); an array in RESP2. */
export class SetReply {
  constructor(readonly items: Reply[]) {}
}

/** RESP3 double (,); a bulk string in RESP2. `text` is Redis's formatting of the number. */
export class DoubleReply {
  constructor(readonly text: string) {}
}

/** RESP3 boolean (#t/#f); integer 1/0 in RESP2. */
export class BoolReply {
  constructor(readonly value: boolean) {}
}

/** RESP3 verbatim string (=len\r\ntxt:...); a bulk string in RESP2. */
export class VerbatimReply {
  constructor(readonly text: string, readonly format = 'txt') {}
}

/** Null array: *-1 in RESP2, _ in RESP3 (e.g. a timed-out blocking command). */
export class NullArray {}

/** RESP3 push (>), e.g. pub/sub messages; an array in RESP2. */
export class PushReply {
  constructor(readonly items: Reply[]) {}
}

/**
 * An aggregate (array, map, set) whose length Redis sends deferred (addReplyDeferredLen: KEYS,
 * SLOWLOG GET, the HELP replies, ...), encoded as `reply` is. It matters only for
 * client-output-buffer-limit: Redis keeps nothing from that reply on in its 16 KB static reply
 * buffer, which the limit does not count, and each starts a new block of its reply list, so the
 * encoder records where each began (ReplyBuffer.deferred).
 */
export class Deferred {
  constructor(readonly reply: Reply[] | MapReply | SetReply | LongArray) {}
}

/**
 * An array reply whose length has no bound but the dataset's: its elements in `chunks`, in order.
 * Longer than one JS array may be, or than one Buffer (4 GB) of the encoder's may hold: the encoder
 * writes a LongArray into storage of at most 64 MB at a time (ReplyBuffer.seal()). `header`
 * false: the elements alone, without the array's `*<length>` (EXEC's reply when CLIENT REPLY
 * dropped its header: transactions.ts).
 */
export class LongArray {
  constructor(
    readonly chunks: readonly Reply[][],
    readonly length: number,
    readonly header = true,
    /** The protocol each chunk is written in; null: the connection's (EXEC across a HELLO: transactions.ts). */
    readonly protos: readonly number[] | null = null,
  ) {}
}

/** Arrays of at least this many elements are written as a LongArray (longArray()). */
const LONG_FROM = 1 << 16;

/**
 * `items` as a reply: a LongArray when it is long (MGET: a long reply's bytes can pass 4 GB), else the
 * array itself. (EXEC's reply is a LongArray whatever its length: transactions.ts.)
 */
export function longArray<T extends Reply>(items: T[]): T[] | LongArray {
  return items.length < LONG_FROM ? items : new LongArray([items], items.length);
}

/**
 * A map reply of `entries` (key, value, key, value...) in protocol `proto`: a MapReply when short,
 * else its header and the entries as a header-less LongArray, which the encoder writes 63 MB of
 * storage at a time (COMMAND DOCS of 3M names: 4.5 GB). Entries for each name of a request (2^26)
 * are collected in an ArrayCollector: twice that many are more than one JS array may hold.
 */
export function longMap(entries: Reply[] | ChunkedList<Reply>, proto: number): MapReply | LongArray {
  const chunks = Array.isArray(entries) ? [entries] : entries.chunks;
  const n = entries.length;
  if (chunks.length === 1 && n < LONG_FROM) return new MapReply(chunks[0]);
  const header = new RawReply(Buffer.from(proto === 3 ? `%${n / 2}\r\n` : `*${n}\r\n`));
  return new LongArray([[header], ...chunks], n + 1, false);
}

/**
 * Collects the elements of an array reply whose length has no bound but the dataset (KEYS, SCAN
 * with a large COUNT, EXEC's replies), in arrays of at most 2^24 elements (ChunkedList).
 */
export class ArrayCollector<T extends Reply> extends ChunkedList<T> {
  /** The protocol of each of `chunks`, once one was given (protocolFrom). */
  private protos: number[] | null = null;

  /**
   * The elements pushed from here on are written in protocol `proto`, the ones before in `before`
   * (EXEC: a HELLO among its commands switched protocol, and Redis wrote each reply as it came).
   */
  protocolFrom(before: number, proto: number): void {
    this.protos ??= this.chunks.map(() => before);
    this.cut();
    this.protos[this.protos.length - 1] = proto;
  }

  protected override cut(): void {
    const n = this.chunks.length;
    super.cut();
    // A chunk started because the last was full is in the same protocol as that one.
    if (this.protos !== null && this.chunks.length > n) this.protos.push(this.protos[n - 1]);
  }

  /** The elements: one array when they are few (nearly always), else a LongArray. */
  done(): T[] | LongArray {
    return this.chunks.length === 1 && this.protos === null ? longArray(this.chunks[0]) : this.all(true);
  }

  /** The elements as a LongArray however few; `header` false: without the array's `*<length>`. */
  all(header: boolean): LongArray {
    return new LongArray(this.chunks, this.length, header, this.protos);
  }
}

/**
 * Pre-encoded bytes, identical in both protocols (e.g. +OK\r\n). `deferred`: where in them each
 * deferred-length reply begins, for replies encoded ahead (encodeRaw); null when none does.
 */
export class RawReply {
  constructor(
    readonly bytes: Buffer,
    readonly deferred: readonly number[] | null = null,
  ) {}
}

/**
 * Reply bytes that begin with an out-of-band RESP3 push (DEBUG PROTOCOL push): as Redis's
 * CLIENT_PUSHING, the push goes out even when the command's own reply is dropped (CLIENT REPLY OFF
 * or SKIP); the rest only when replies are sent.
 */
export class PushedReply extends RawReply {
  constructor(
    bytes: Buffer,
    readonly pushLength: number,
  ) {
    super(bytes);
  }
}

export const OK = new RawReply(Buffer.from('+OK\r\n'));
export const QUEUED = new RawReply(Buffer.from('+QUEUED\r\n'));
export const PONG = new RawReply(Buffer.from('+PONG\r\n'));
export const NULL_ARRAY = new NullArray();
/** No bytes at all: a command that answers nothing (CLIENT REPLY OFF / SKIP), or a reply EXEC does not send. */
export const NO_REPLY = new RawReply(Buffer.alloc(0));

/** What of `r` still goes out when the running command's reply is dropped: its push, if it leads with one. */
export function droppedReply(r: Reply): RawReply {
  return r instanceof PushedReply ? new RawReply(r.bytes.subarray(0, r.pushLength)) : NO_REPLY;
}
export const EMPTY_ARRAY: Reply[] = [];

export const err = (message: string): ErrorReply => new ErrorReply(message);
export const status = (text: string): SimpleString => new SimpleString(text);
