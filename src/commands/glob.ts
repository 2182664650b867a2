// Redis's stringmatchlen: glob-style matching used by KEYS, SCAN MATCH, CONFIG GET and others.
// Supports * ? [abc] [^a-z] and backslash escapes, on binary strings, optionally ignoring case.
// ('!' is not a negation in Redis: "[!x]" matches '!' or 'x'.) Malformed patterns behave as in
// Redis: an unclosed '[' set runs to the end of the pattern, a trailing '\\' matches itself.

export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return match(pattern, 0, str, 0, nocase, 0, { skip: false });
}

const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
const signed = (c: number): number => (c >= 128 ? c - 256 : c);
/**
 * glibc's tolower() of a signed C char, as Redis's nocase ranges apply it after swapping their
 * ends: a negative char comes back as 128-255, except -1 (0xff), which is EOF and stays -1. So
 * with nocase "[\xd0-g]" runs from 208 down to 103 and matches nothing, while "[\xff-x]" still
 * holds the ASCII bytes up to "x" (both checked against redis-server 7.0.15).
 */
const tolowerSigned = (c: number): number => (c < -1 ? c + 256 : lower(c));

/**
 * `state.skip` is Redis's skipLongerMatches: once the rest of a pattern after a '*' failed to match
 * anywhere in the remaining string, no earlier '*' can succeed by matching more, so stop.
 */
function match(p: string, pi: number, s: string, si: number, nocase: boolean, depth: number, state: { skip: boolean }): boolean {
  // Redis caps recursion to avoid stack exhaustion on patterns like "a*a*a*...".
  if (depth > 1000) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    if (pc === 42 /* * */) {
      while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
      if (pi + 1 === plen) return true;
      for (let k = si; k < slen; k++) {
        if (match(p, pi + 1, s, k, nocase, depth + 1, state)) return true;
        if (state.skip) return false;
      }
      state.skip = true;
      return false;
    } else if (pc === 63 /* ? */) {
      si++;
    } else if (pc === 91 /* [ */) {
      pi++;
      const not = p.charCodeAt(pi) === 94 /* ^ */;
      if (not) pi++;
      let matched = false;
      const c = s.charCodeAt(si);
      while (true) {
        if (pi >= plen) {
          pi--;
          break;
        }
        const q = p.charCodeAt(pi);
        if (q === 92 /* \ */ && pi + 1 < plen) {
          pi++;
          if (p.charCodeAt(pi) === c) matched = true;
        } else if (q === 93 /* ] */) {
          break;
        } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45 /* - */) {
          // Redis compares C chars, signed on the platforms it runs on: bytes 0x80-0xff sort
          // below 0x00 in a range ("[a-\xff]" is "[\xff-a]").
          let start = signed(q);
          let end = signed(p.charCodeAt(pi + 2));
          let cc = signed(c);
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = tolowerSigned(start);
            end = tolowerSigned(end);
            cc = tolowerSigned(cc);
          }
          pi += 2;
          if (cc >= start && cc <= end) matched = true;
        } else if (nocase ? lower(q) === lower(c) : q === c) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      si++;
    } else {
      let q = pc;
      if (q === 92 /* \ */ && pi + 1 < plen) {
        pi++;
        q = p.charCodeAt(pi);
      }
      const c = s.charCodeAt(si);
      if (nocase ? lower(q) !== lower(c) : q !== c) return false;
      si++;
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}
