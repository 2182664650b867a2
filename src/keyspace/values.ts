// Values stored in the keyspace, each carrying its type.
//
// A string value is held as a plain JS "binary" string (one char per byte): the common case costs
// no wrapper object. A string that was modified in place (APPEND, SETRANGE) is wrapped in
// RawString only so that OBJECT ENCODING can answer "raw" as Redis does. Other types (lists,
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
  return v instanceof RawString ? v.s : undefined;
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
