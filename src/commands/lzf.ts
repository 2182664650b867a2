// LZF, ported from Redis's lzf_c.c and lzf_d.c (liblzf 3.6: a match may end the input, the room
// for a back reference is checked exactly) with Redis's lzfP.h settings (HLOG 16, VERY_FAST,
// CHECK_INPUT), for the strings of DUMP payloads. The compressor is Redis's step for
// step, so that a DUMP here is byte for byte Redis's for the same value; one difference: Redis
// leaves its hash table uninitialised (INIT_HTAB 0), so a stale entry left by an earlier call can
// let it find a match ours does not, and emit another (as valid) encoding of the same string.
// Ours starts from an empty table each time, the deterministic choice.
//
// Format: 000LLLLL then L+1 literal bytes; LLLooooo oooooooo, a back reference of L+2 bytes at
// distance o+1; 111ooooo LLLLLLLL oooooooo, the same with L+9 bytes. The decompressor keeps every
// bounds check of lzf_d.c: a corrupt stream gives 0 (as lzf_decompress's error), never a read or
// a write outside the buffers.

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * Redis's hash table: `base` + input position + 1 of the last occurrence of each 3-byte hash. An
 * entry at or below the call's `base` was left by an earlier call and reads as none (the NULL of a
 * zeroed table): moving `base` past the last call's entries empties the table without writing its
 * 256 KB, which took 2-4 µs, twenty times the compression of a 100-byte value.
 */
const htab = new Int32Array(HSIZE);
let nextBase = 0;

/** Redis's IDX(h) under VERY_FAST: h is a 24-bit window of the input. */
const idx = (h: number): number => (((h >>> (3 * 8 - HLOG)) - h * 5) & (HSIZE - 1)) >>> 0;

/**
 * How far the match at `ref` for `ip` goes (3 bytes known equal), as lzf_c.c counts it: its first
 * 16 steps are unrolled without checking `maxlen`, so for a `maxlen` of 17 or 18 (a match that runs
 * to the input's end) it reaches 19, which the output must reproduce.
 */
function matchLength(input: Uint8Array, ref: number, ip: number, maxlen: number): number {
  let len = 2;
  if (maxlen > 16) {
    for (let k = 0; k < 16; k++) {
      len++;
      if (input[ref + len] !== input[ip + len]) return len;
    }
  }
  do len++;
  while (len < maxlen && input[ref + len] === input[ip + len]);
  return len;
}

/**
 * lzf_compress: compresses `input` into at most `outLen` bytes; the compressed bytes, or null when
 * they would not fit (lzf_compress's 0).
 */
export function lzfCompress(input: Uint8Array, outLen: number): Buffer | null {
  const inEnd = input.length;
  if (inEnd === 0 || outLen === 0) return null;
  const out = Buffer.alloc(outLen);
  if (nextBase > 0x7fffffff - inEnd - 1) {
    htab.fill(0);
    nextBase = 0;
  }
  const base = nextBase;
  nextBase += inEnd + 1;
  let ip = 0;
  let op = 1; // start run
  let lit = 0;
  let hval = (input[0] << 8) | input[1];
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | input[ip + 2]) & 0xffffff;
    const slot = idx(hval);
    const ref = htab[slot] - base - 1; // an earlier call's entry: below 0, none
    htab[slot] = base + ip + 1;
    const off = ip - ref - 1;
    // ref > 0: Redis's `ref > in_data`, so position 0 is never referenced (and -1 is "none").
    if (ref > 0 && off < MAX_OFF && off >= 0 &&
        input[ref + 2] === input[ip + 2] && input[ref] === input[ip] && input[ref + 1] === input[ip + 1]) {
      const maxlen = Math.min(inEnd - ip - 2, MAX_REF);
      if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outLen) return null;
      out[op - lit - 1] = lit - 1; // stop run
      op -= lit === 0 ? 1 : 0; // undo run if length is zero
      let len = matchLength(input, ref, ip, maxlen);
      len -= 2; // len is now #octets - 1
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start run
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      // VERY_FAST: hash the two positions before the new one.
      ip -= 2;
      hval = (input[ip] << 8) | input[ip + 1];
      hval = ((hval << 8) | input[ip + 2]) & 0xffffff;
      htab[idx(hval)] = base + ip + 1;
      ip++;
      hval = ((hval << 8) | input[ip + 2]) & 0xffffff;
      htab[idx(hval)] = base + ip + 1;
      ip++;
    } else {
      if (op >= outLen) return null;
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outLen) return null; // at most 3 bytes can be missing here
  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1; // end run
  op -= lit === 0 ? 1 : 0;
  return out.subarray(0, op);
}

/**
 * lzf_decompress: decompresses `input[from, to)` into `out` (sized to the length expected); the
 * number of bytes written, 0 on a corrupt stream or one that does not fit. As lzf_d.c, an empty
 * input writes nothing (where the C code would read a byte past it). With `out` null nothing is
 * written and the stream is only checked against `outEnd` bytes: whether it is valid does not
 * depend on the bytes it writes, so a value too large to hold can still be told from a corrupt one.
 */
export function lzfDecompress(input: Uint8Array, from: number, to: number, out: Uint8Array | null, outEnd = out?.length ?? 0): number {
  let ip = from;
  let op = 0;
  if (ip >= to) return 0;
  do {
    let ctrl = input[ip++];
    if (ctrl < 1 << 5) {
      ctrl++;
      if (op + ctrl > outEnd || ip + ctrl > to) return 0;
      out?.set(input.subarray(ip, ip + ctrl), op);
      op += ctrl;
      ip += ctrl;
    } else {
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= to) return 0;
      if (len === 7) {
        len += input[ip++];
        if (ip >= to) return 0;
      }
      ref -= input[ip++];
      if (op + len + 2 > outEnd || ref < 0) return 0;
      if (out === null) op += len + 2;
      // Byte by byte: the reference may overlap what it writes (a run).
      else for (let n = len + 2; n > 0; n--) out[op++] = out[ref++];
    }
  } while (ip < to);
  return op;
}
