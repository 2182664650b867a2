// Redis's sdssplitargs: splits an inline request line into arguments with its quoting rules.
// "double quotes" understand \n \r \t \b \a \\ \" and \xHH; 'single quotes' only \'. A closing
// quote must be followed by whitespace or the end of the line. Returns null on unbalanced quotes.

import { argString } from './binary.js';

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const hexVal = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87);
/** The escapes after a backslash, by the byte after it (n r t b a). */
const ESCAPES: Record<number, number> = { 110: 10, 114: 13, 116: 9, 98: 8, 97: 7 };

/**
 * Where an argument's characters are written: bytes (a text of one byte a character, as requests
 * and config files are read), made a string once. Built a character at a time as a string, an
 * argument took about 37 bytes of heap a character (FUNCTION LOAD, which splits its code's first
 * line: 770 MB for a line of 20 MB, redis-server 80 MB; 512 MB would have exhausted the memory).
 */
class ByteArg {
  private len = 0;
  constructor(private readonly b: Buffer) {}
  put(c: number): void {
    this.b[this.len++] = c;
  }
  take(): string {
    const s = argString(this.b, 0, this.len);
    this.len = 0;
    return s;
  }
}

/** The same for a text with characters past 0xff (the command line, which Node decodes as UTF-8). */
class TextArg {
  private s = '';
  put(c: number): void {
    this.s += String.fromCharCode(c);
  }
  take(): string {
    const s = this.s;
    this.s = '';
    return s;
  }
}

/**
 * `input` split as sdssplitargs splits it, or null on unbalanced quotes. `input` may be bytes: a
 * config file's line longer than a JS string can be (CONFIG REWRITE of a value near 512 MB, quoted,
 * writes one), whose arguments are not.
 */
export function splitArgs(input: string | Buffer): string[] | null {
  // C string semantics: Redis stops at the first NUL byte.
  const text = typeof input === 'string';
  const nul = text ? input.indexOf('\0') : input.indexOf(0);
  const n = nul < 0 ? input.length : nul;
  const at = text ? (i: number): number => (i < n ? input.charCodeAt(i) : NaN) : (i: number): number => (i < n ? input[i] : NaN);
  const out: string[] = [];
  let i = 0;
  // The arguments together are never longer than the line.
  const arg = text && /[^\x00-\xff]/.test(input.slice(0, n)) ? new TextArg() : new ByteArg(Buffer.allocUnsafe(n));
  while (true) {
    while (i < n && isSpace(at(i))) i++;
    if (i >= n) return out;
    let inDq = false;
    let inSq = false;
    let done = false;
    while (!done) {
      const c = at(i);
      if (inDq) {
        if (i >= n) return null;
        if (c === 92 && at(i + 1) === 120 && i + 3 < n && isHex(at(i + 2)) && isHex(at(i + 3))) {
          arg.put(hexVal(at(i + 2)) * 16 + hexVal(at(i + 3)));
          i += 3;
        } else if (c === 92 && i + 1 < n) {
          i++;
          arg.put(ESCAPES[at(i)] ?? at(i));
        } else if (c === 34) {
          if (i + 1 < n && !isSpace(at(i + 1))) return null;
          done = true;
        } else {
          arg.put(c);
        }
      } else if (inSq) {
        if (i >= n) return null;
        if (c === 92 && at(i + 1) === 39) {
          i++;
          arg.put(39);
        } else if (c === 39) {
          if (i + 1 < n && !isSpace(at(i + 1))) return null;
          done = true;
        } else {
          arg.put(c);
        }
      } else if (i >= n) {
        done = true;
      } else if (c === 32 || c === 10 || c === 13 || c === 9) {
        done = true;
      } else if (c === 34) {
        inDq = true;
      } else if (c === 39) {
        inSq = true;
      } else {
        arg.put(c);
      }
      if (i < n) i++;
    }
    out.push(arg.take());
  }
}

/** Makes a request's first word, buf[at, at+len) (RequestDecoder). */
export interface CommandNames {
  commandName(buf: Buffer, at: number, len: number): string;
}

/**
 * The common inline line (`PING`, `GET key` typed into nc or sent by redis-benchmark's
 * ping_inline): no quote, NUL, \v or \f byte. Then sdssplitargs only splits on spaces, tabs, CR
 * and LF, and the words are cut straight from the buffer (splitArgs builds each one a character
 * at a time). `names` makes the first word (the decoder reuses the last command name; an object,
 * not a function: a bound method per decoder cost every connection a closure). Null: a line for
 * splitArgs.
 */
export function plainWords(buf: Buffer, from: number, to: number, names: CommandNames): string[] | null {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c === 34 || c === 39 || c === 0 || c === 11 || c === 12) return null;
  }
  const words: string[] = [];
  let i = from;
  for (;;) {
    while (i < to && (buf[i] === 32 || buf[i] === 9 || buf[i] === 13 || buf[i] === 10)) i++;
    if (i >= to) return words;
    const w = i;
    while (i < to && buf[i] !== 32 && buf[i] !== 9 && buf[i] !== 13 && buf[i] !== 10) i++;
    const n = i - w;
    words.push(words.length === 0 ? names.commandName(buf, w, n) : argString(buf, w, n));
  }
}
