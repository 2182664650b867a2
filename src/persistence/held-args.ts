// The big arguments of requests being parsed or run, with their own bytes as received (the request
// decoder's buffers: RequestSink.bigArg), which the AOF writer writes a value from instead of
// copying its string into its pending buffer (aof.ts, AofWriter.holdBig). Each is used once, and
// dropped once its request has run.

/** A request's big argument and its own bytes, `$<len>\r\n<data>\r\n`, and whose request it is. */
interface Held {
  owner: object;
  arg: string;
  bytes: Buffer;
}

export class HeldArgs {
  private list: Held[] = [];

  get size(): number {
    return this.list.length;
  }

  hold(owner: object, arg: string, bytes: Buffer): void {
    this.list.push({ owner, arg, bytes });
  }

  /** `owner`'s request has run (or was dropped): its arguments' bytes are not kept any longer. */
  drop(owner: object): void {
    if (this.list.length !== 0) this.list = this.list.filter((h) => h.owner !== owner);
  }

  /** The bytes of an argument equal to `arg` (equal strings are the same bytes), given up; or null. */
  take(arg: string): Buffer | null {
    const i = this.list.findIndex((h) => h.arg === arg);
    return i < 0 ? null : this.list.splice(i, 1)[0].bytes;
  }
}
