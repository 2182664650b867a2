// Test-side RESP framing: finds where one complete reply ends in a buffer (RESP2 and RESP3), so
// raw replies from Keystonelight and from a real redis-server can be compared byte for byte.

/** End offset (exclusive) of the reply starting at `pos`, or -1 if incomplete. */
export function replyEnd(buf: Buffer, pos = 0): number {
  if (pos >= buf.length) return -1;
  const lineEnd = buf.indexOf('\r\n', pos);
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(buf[pos]);
  const header = buf.toString('latin1', pos + 1, lineEnd);
  const after = lineEnd + 2;
  switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return after;
    case '$': case '!': case '=': {
      const n = Number(header);
      if (n < 0) return after;
      return buf.length >= after + n + 2 ? after + n + 2 : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      let n = Number(header);
      if (n < 0) return after;
      if (type === '%' || type === '|') n *= 2;
      let p = after;
      for (let i = 0; i < n; i++) {
        p = replyEnd(buf, p);
        if (p < 0) return -1;
      }
      return p;
    }
    default:
      throw new Error(`bad reply type byte ${JSON.stringify(type)} at ${pos}: ${JSON.stringify(buf.toString('latin1', pos, pos + 40))}`);
  }
}

/** RESP multibulk encoding of a command (binary strings, one char per byte). */
export function encodeArgs(args: readonly string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}
