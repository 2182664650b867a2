// Values stored in the keyspace, each carrying its type.
//
// A string value is held as a plain JS "binary" string (one char per byte): the common case costs
// no wrapper object. A string that was modified in place (APPEND, SETRANGE) is wrapped in
// RawString only so that OBJECT ENCODING can answer "raw" as Redis does. Other types (lists,
// hashes, sets, sorted sets) are objects with a `type` tag, added by their own modules.

export class RawString {
  readonly type = 'string';
  constructor(public s: string) {}
}

/** Base shape of every non-string value; `type` is what TYPE reports. */
export interface TypedValue {
  readonly type: string;
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
  if (v instanceof RawString) return 'raw';
  const s = v as string;
  if (s.length <= 20 && isCanonicalInt(s)) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}
