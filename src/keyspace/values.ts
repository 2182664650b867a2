// Values stored in the keyspace, each carrying its type.
//
// A string value is held as a plain JS "binary" string (one char per byte): the common case costs
// no wrapper object. A string under 4 KB that was modified in place (APPEND, SETRANGE) is wrapped
// in RawString only so that OBJECT ENCODING can answer "raw" as Redis does; from 4 KB, and after
// the bit commands, it is a ByteString, changed in place. Other types (lists,
// hashes, sets, sorted sets) are objects with a `type` tag, added by their own modules.

export class RawString {
  readonly type = 'string';
  constructor(
    public s: string,
    /**
     * A short string Redis created without trying the integer encoding (INCRBYFLOAT's result,
     * e.g. "3000"): OBJECT ENCODING says "embstr" where a plain string would say "int".
     */
    readonly embstr = false,
  ) {}
}

/**
 * A string value held as bytes, as the commands that change strings bit by bit (SETBIT, BITFIELD)
 * and BITOP leave it, and APPEND and SETRANGE from 4 KB (string-ranges.ts): Redis changes its sds
 * in place, one bit in O(1), and a JS string cannot be changed, so a SETBIT on a megabyte bitmap
 * would copy the megabyte. Storage grows as roomFor() says, zero-filled past `length`. String commands
 * read it through stringOf (a string made on each read; nothing cached that could grow stale).
 * Changed in place only after Database.editInPlace, so that an AOF rewrite's snapshot saves the
 * key first. OBJECT ENCODING says "raw", as for Redis's unshared string.
 */
export class ByteString {
  readonly type = 'string';
  constructor(
    public bytes: Buffer,
    public length: number,
  ) {}

  /**
   * A new value of `n` zero bytes, of exactly that size: Redis makes the string a missing key gets
   * from SETRANGE or SETBIT with sdsnewlen(NULL, n), with no room to grow (sdsgrowzero's doubling
   * is for a string that already exists).
   */
  static zeroed(n: number): ByteString {
    return new ByteString(Buffer.alloc(n), n);
  }

  /** `s`'s bytes, zero-padded to `min` bytes (room to grow only when padded, as Redis's sdsgrowzero). */
  static of(s: string, min = 0): ByteString {
    const n = Math.max(s.length, min);
    const b = new ByteString(Buffer.alloc(n > s.length ? roomFor(n) : n), n);
    b.bytes.latin1Write(s, 0);
    return b;
  }

  /** The value's bytes, a view of its storage (no copy). */
  get view(): Buffer {
    return this.bytes.subarray(0, this.length);
  }

  /** The value as a string, one char per byte. */
  get s(): string {
    return this.bytes.latin1Slice(0, this.length);
  }

  /** Zero-pads to at least `n` bytes; true when the value grew. */
  grow(n: number): boolean {
    if (n <= this.length) return false;
    if (n > this.bytes.length) {
      // Not zeroed twice: the old bytes are copied over, only the rest is filled.
      const next = Buffer.allocUnsafeSlow(Math.max(roomFor(n), this.bytes.length + (this.bytes.length >> 3)));
      this.bytes.copy(next, 0, 0, this.length);
      next.fill(0, this.length);
      this.bytes = next;
    }
    this.length = n;
    return true;
  }

  clone(): ByteString {
    const b = new ByteString(Buffer.alloc(this.length), this.length);
    this.bytes.copy(b.bytes, 0, 0, this.length);
    return b;
  }

  encoding(): string {
    return 'raw';
  }

  /** The estimate memory.ts charges: this object, the Buffer and its ArrayBuffer, and the storage. */
  memoryUsage(): number {
    return BYTE_STRING_BYTES + this.bytes.length;
  }
}

/** This object (32), a Buffer (Uint8Array, 96) and its ArrayBuffer with its backing store record (128). */
const BYTE_STRING_BYTES = 256;

/**
 * Storage for `n` bytes, as Redis's sdsMakeRoomFor: twice as much up to 1 MB, then 1 MB more.
 * grow() takes at least an eighth more than the storage it replaces: Redis's realloc of a large
 * block mostly extends it where it is, while here each growth copies the whole value, so growing
 * 1 MB at a time was quadratic (a bitmap grown to 100 MB by SETBITs 10 KB apart: 5.3 s against
 * Redis's 0.4 s, 250 ms stalls). The spare room is counted in memoryUsage().
 */
function roomFor(n: number): number {
  const MB = 1024 * 1024;
  return n < MB ? n * 2 : n + MB;
}

/**
 * Base shape of every non-string value. Collection types implement the optional members so that
 * the generic commands work on them:
 *   - `type`: what TYPE (and SCAN TYPE) reports: "list", "hash", "set", "zset", "stream".
 *   - `clone()`: a deep copy sharing no mutable state with the original (COPY). A type without it
 *     cannot be copied: COPY answers Redis's "ERR unknown type object".
 *   - `encoding()`: what OBJECT ENCODING reports ("listpack", "hashtable", ...); "unknown" without it.
 */
export interface TypedValue {
  readonly type: string;
  clone?(): TypedValue;
  encoding?(): string;
}

export type Value = string | TypedValue;

export function typeOf(v: Value): string {
  return typeof v === 'string' ? 'string' : v.type;
}

/** The string contents if `v` is a string value, else undefined. */
export function stringOf(v: Value): string | undefined {
  if (typeof v === 'string') return v;
  return v instanceof RawString || v instanceof ByteString ? v.s : undefined;
}

/** As stringOf, a ByteString left as it is (as a string it would be copied whole). */
export function storedStringOf(v: Value): string | ByteString | undefined {
  return v instanceof ByteString ? v : stringOf(v);
}

/**
 * An independent copy of a value (COPY), keeping its encoding as Redis's dupStringObject does.
 * Plain strings are immutable and shared as they are. Undefined when the type cannot be copied.
 */
export function cloneValue(v: Value): Value | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof RawString) return new RawString(v.s, v.embstr);
  return v.clone?.();
}

/** What OBJECT ENCODING says for any value. */
export function encodingOf(v: Value): string {
  if (typeof v === 'string' || v instanceof RawString) return stringEncoding(v);
  return v.encoding?.() ?? 'unknown';
}

/** Largest and smallest values of a signed 64-bit integer, as Redis's long long. */
export const LLONG_MAX = 9223372036854775807n;
export const LLONG_MIN = -9223372036854775808n;

/**
 * Redis's string2ll as a predicate on a string value: true when the text is the canonical decimal
 * form of a signed 64-bit integer (what OBJECT ENCODING reports as "int").
 */
export function isCanonicalInt(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (n >= 19) {
    const b = BigInt(s);
    return b <= LLONG_MAX && b >= LLONG_MIN;
  }
  return true;
}

/** What OBJECT ENCODING says for a string value. */
export function stringEncoding(v: Value): string {
  if (v instanceof RawString) return v.embstr && v.s.length <= 44 ? 'embstr' : 'raw';
  const s = v as string;
  if (s.length <= 20 && isCanonicalInt(s)) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}
