// What a request decoder (decoder.ts) delivers to, and how it fails: its sink (a connection, or a
// plain function in tests and tools), its limits, and the protocol error that ends a connection.

export interface DecoderLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
}

export class ProtocolError extends Error {}

/**
 * Who the decoded requests go to (a connection). An object rather than callbacks: a closure per
 * callback cost every connection ~100 B, and the decoder now calls the connection directly.
 */
export interface RequestSink {
  /** A complete request, in order (the array is the callee's). */
  onRequest(args: string[]): void;
  /**
   * An empty request (`*0`, `*-N`, a blank inline line), which Redis ends with resetClient(): a
   * pending CLIENT REPLY SKIP is used up.
   */
  onEmptyRequest(): void;
  /**
   * Whether a password is asked for at all: as Redis's authRequired(), a client that never
   * authenticated is not limited while the default user is "nopass" (requirepass cleared since).
   */
  readonly passwordSet: boolean;
  /**
   * Whether a request's own bytes are wanted (rawBuf, for the AOF): when not, they are not set,
   * which spares every request the stores (the arguments' array into the decoder, a long-lived
   * object: the write barrier's slow path). The AOF encodes the same bytes from the arguments.
   */
  readonly wantsRaw: boolean;
  /**
   * While the sink wantsRaw: an argument of the request being parsed (over 8 MB, canonical) with its
   * own bytes as received, `$<len>\r\n<data>\r\n`, in a buffer nothing writes into again
   * (BigBulk.give): the AOF may write the value from them (AofWriter.holdBig), until bigArgsDone().
   */
  bigArg?(arg: string, bytes: Buffer): void;
  /** The request whose arguments bigArg() gave has run, or will not (stop()). */
  bigArgsDone?(): void;
}

/** The sink of a decoder given a plain function (tests, tools): always asks for a password. */
export class FunctionSink implements RequestSink {
  readonly passwordSet = true;
  readonly wantsRaw = true;
  constructor(readonly onRequest: (args: string[]) => void) {}
  onEmptyRequest(): void {}
}
