// A strict RESP2/RESP3 reply parser for the fuzzer: it finds where one reply ends and rejects
// anything a correct server could not have sent — a type byte RESP does not have, a RESP3 type on a
// RESP2 connection, a length that is not a canonical integer, a bulk not followed by CRLF, a
// simple string or error containing CR or LF, an integer outside int64, a malformed double,
// boolean, big number or verbatim string, absurd nesting. (test/helpers/resp.ts only frames
// replies; it trusts the server, which is exactly what the fuzzer must not do.)

export class MalformedReply extends Error {}

/** A parsed reply: its type byte, its line or bulk text, its elements (aggregates). */
export interface RespValue {
  type: string;
  text: string;
  items?: RespValue[];
  /** RESP2's null bulk or null array. */
  nil?: boolean;
}

const INT = /^-?(0|[1-9][0-9]*)$/;
const LEN = /^(-1|0|[1-9][0-9]*)$/;
const DOUBLE = /^(-?inf|nan|-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_DEPTH = 32;
const RESP3_ONLY = new Set(['_', ',', '#', '(', '!', '=', '%', '~', '|', '>']);

interface Cursor {
  pos: number;
}

/**
 * Parses the reply starting at `pos` in `buf` on a connection speaking `proto` (2 or 3). Returns
 * the value and the offset after it, or null when the bytes so far are an incomplete (but so far
 * valid) reply; throws MalformedReply when they can never be a valid reply.
 */
export function parseReply(buf: Buffer, pos: number, proto: number): { value: RespValue; end: number } | null {
  const cur = { pos };
  need = buf.length + 1;
  const value = parseAt(buf, cur, proto, 0);
  return value === null ? null : { value, end: cur.pos };
}

/** After parseReply returned null: how many bytes the buffer needs at least before it can be complete. */
export let need = 0;

function bad(buf: Buffer, at: number, why: string): never {
  throw new MalformedReply(`${why} at offset ${at}: ${JSON.stringify(buf.toString('latin1', Math.max(0, at - 8), at + 40))}`);
}

/** The header line from cur.pos + 1 up to CRLF (moving past it), or null if incomplete. */
function line(buf: Buffer, cur: Cursor): string | null {
  const nl = buf.indexOf(10, cur.pos);
  if (nl < 0) {
    // A line can only be incomplete if it has no CR either, or ends with a lone CR so far.
    const cr = buf.indexOf(13, cur.pos);
    if (cr >= 0 && cr !== buf.length - 1) bad(buf, cr, 'CR not followed by LF');
    return null;
  }
  if (nl === cur.pos || buf[nl - 1] !== 13) bad(buf, nl, 'LF without CR');
  const text = buf.toString('latin1', cur.pos + 1, nl - 1);
  if (text.includes('\r')) bad(buf, cur.pos, 'CR inside a line');
  cur.pos = nl + 1;
  return text;
}

function parseAt(buf: Buffer, cur: Cursor, proto: number, depth: number): RespValue | null {
  if (depth > MAX_DEPTH) bad(buf, cur.pos, 'nesting too deep');
  if (cur.pos >= buf.length) return null;
  const start = cur.pos;
  const type = String.fromCharCode(buf[start]);
  if (proto === 2 && RESP3_ONLY.has(type)) bad(buf, start, `RESP3 type '${type}' on a RESP2 connection`);
  const text = line(buf, cur);
  if (text === null) return null;
  switch (type) {
    case '+': case '-':
      return { type, text };
    case ':':
      if (!INT.test(text) || BigInt(text) < INT64_MIN || BigInt(text) > INT64_MAX) bad(buf, start, 'bad integer');
      return { type, text };
    case '_':
      if (text !== '') bad(buf, start, 'bad null');
      return { type, text };
    case ',':
      if (!DOUBLE.test(text)) bad(buf, start, 'bad double');
      return { type, text };
    case '#':
      if (text !== 't' && text !== 'f') bad(buf, start, 'bad boolean');
      return { type, text };
    case '(':
      if (!INT.test(text)) bad(buf, start, 'bad big number');
      return { type, text };
    case '$': case '!': case '=':
      return bulk(buf, cur, start, type, text, proto);
    case '*': case '~': case '%': case '|': case '>':
      return aggregate(buf, cur, start, type, text, proto, depth);
    default:
      return bad(buf, start, `bad type byte ${JSON.stringify(type)}`);
  }
}

function bulk(buf: Buffer, cur: Cursor, start: number, type: string, header: string, proto: number): RespValue | null {
  if (!LEN.test(header)) bad(buf, start, 'bad bulk length');
  const n = Number(header);
  if (n === -1) {
    // RESP3 has its own null ('_'); Redis 7 never sends $-1 there.
    if (type !== '$' || proto === 3) bad(buf, start, 'null bulk where it cannot be');
    return { type, text: '', nil: true };
  }
  if (buf.length < cur.pos + n + 2) {
    need = cur.pos + n + 2;
    // Incomplete: but whatever follows the data must still be able to be CRLF.
    if (buf.length >= cur.pos + n + 1 && buf[cur.pos + n] !== 13) bad(buf, cur.pos + n, 'bulk not followed by CRLF');
    return null;
  }
  if (buf[cur.pos + n] !== 13 || buf[cur.pos + n + 1] !== 10) bad(buf, cur.pos + n, 'bulk not followed by CRLF');
  const text = buf.toString('latin1', cur.pos, cur.pos + n);
  cur.pos += n + 2;
  if (type === '=' && !/^[a-z]{3}:/.test(text)) bad(buf, start, 'bad verbatim string format');
  return { type, text };
}

function aggregate(buf: Buffer, cur: Cursor, start: number, type: string, header: string, proto: number, depth: number): RespValue | null {
  if (!LEN.test(header)) bad(buf, start, 'bad aggregate length');
  const n = Number(header);
  if (n === -1) {
    if (type !== '*' || proto === 3) bad(buf, start, 'null aggregate where it cannot be');
    return { type, text: '-1', nil: true };
  }
  if (type === '>' || type === '|') bad(buf, start, `unexpected ${type === '>' ? 'push' : 'attribute'} reply`);
  const count = type === '%' ? 2 * n : n;
  const items: RespValue[] = [];
  for (let i = 0; i < count; i++) {
    const v = parseAt(buf, cur, proto, depth + 1);
    if (v === null) return null;
    items.push(v);
  }
  return { type, text: header, items };
}

/** Every error text inside a reply (top level and nested), for the "internal error" check. */
export function errorsIn(v: RespValue, out: string[] = []): string[] {
  if (v.type === '-' || v.type === '!') out.push(v.text);
  for (const i of v.items ?? []) errorsIn(i, out);
  return out;
}

/** A short printable form of a reply for failure reports. */
export function show(v: RespValue, max = 200): string {
  if (v.nil) return `${v.type}-1`;
  const s = v.items === undefined ? `${v.type}${JSON.stringify(v.text)}` : `${v.type}[${v.items.map((i) => show(i, max)).join(', ')}]`;
  return s.length > max ? s.slice(0, max) + '…' : s;
}
