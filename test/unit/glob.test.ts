// globMatch, the port of Redis's stringmatchlen: a table of cases checked against redis-server 7.0
// (KEYS), the nocase variant, and a seeded random differential run against a real redis-server.

import test from 'ava';
import { globMatch } from '../../src/commands/glob.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';
import { mulberry32, pick } from '../helpers/rng.js';

/**
 * [pattern, string, matches] — each verified with KEYS on redis-server 7.0.15, except that KEYS and
 * SCAN answer the pattern "*" without matching (every key, the empty one included), while
 * stringmatchlen itself does not match "*" against an empty string.
 */
const TABLE: [string, string, boolean][] = [
  ['*', '', false],
  ['*', 'anything', true],
  ['', '', true],
  ['', 'a', false],
  ['a', 'a', true],
  ['a', 'A', false],
  ['a', 'ab', false],
  ['?', '', false],
  ['?', 'x', true],
  ['??', 'x', false],
  ['h?llo', 'hello', true],
  ['h*llo', 'hllo', true],
  ['h*llo', 'heeeello', true],
  ['h*llo', 'hellox', false],
  ['*a*b*', 'xxaxxbxx', true],
  ['*a*b*', 'xxbxxaxx', false],
  ['**', 'x', true],
  ['a**', 'a', true],
  ['a*', 'a', true],
  ['*a', 'a', true],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['[!a]', '!', true],
  ['[!a]', 'b', false],
  ['[a-c]', 'b', true],
  ['[c-a]', 'b', true],
  ['[a-c]', 'd', false],
  ['[a-]', '-', false], // 'a-]' is a range: the set is never closed
  ['[-a]', '-', true],
  ['[]', ']', false],
  ['[]]', ']', false],
  ['[\\]]', ']', true],
  ['[\\', '\\', true],
  ['[a', 'a', true],
  ['[a', 'ab', false],
  ['[^', 'x', true],
  ['[', 'x', false],
  ['a[bc', 'ab', true],
  ['a\\*', 'a*', true],
  ['a\\*', 'ab', false],
  ['a\\', 'a\\', true],
  ['\\', '\\', true],
  ['\\a', 'a', true],
  // Bytes 0x80-0xff are negative C chars: below every ASCII byte in a range.
  ['[\x00-\xff]', 'a', false],
  ['[\x00-\xff]', '\xff', true],
  ['[\x00-\xff]', '\x00', true],
  ['[a-\x80]', '\xff', true],
  ['[a-\x80]', '\x7f', false],
  ['[\x80-\xff]', '\x90', true],
  ['[\x7f-\x80]', 'z', true],
  ['\xff*', '\xff\x00', true],
  ['k\x00*', 'k\x00b', true],
];

test('globMatch agrees with the table verified against Redis', (t) => {
  for (const [p, s, want] of TABLE) {
    t.is(globMatch(p, s), want, `pattern ${JSON.stringify(p)} on ${JSON.stringify(s)}`);
  }
});

test('globMatch nocase folds ASCII letters only, in sets and ranges too', (t) => {
  t.true(globMatch('HELLO', 'hello', true));
  t.true(globMatch('h[A-Z]llo', 'hello', true));
  t.true(globMatch('h[E]llo', 'hello', true));
  t.false(globMatch('h[E]llo', 'hello'));
  t.false(globMatch('\xc9', '\xe9', true));
  // An escaped character inside a set is compared exactly, even with nocase (as Redis).
  t.false(globMatch('[\\A]', 'a', true));
  // A range with a byte over 0x7f: its ends swapped as signed chars, then lower-cased as glibc's
  // tolower() does, which gives them back as 128-255 (redis-server 7.0.15: CONFIG GET
  // "[\xd0-b]ppendonly" and COMMAND LIST FILTERBY PATTERN "[\xd0-g]et" find nothing).
  t.false(globMatch('[\xd0-b]ppendonly', 'appendonly', true));
  t.false(globMatch('[a-\xd0]ppendonly', 'appendonly', true));
  t.false(globMatch('[\x80-b]ppendonly', 'appendonly', true));
  t.true(globMatch('[\xd0-b]ppendonly', 'appendonly'));
  t.true(globMatch('[\xc0-\xe0]', '\xd5', true));
  // 0xff is -1 as a signed char, EOF to tolower(), which leaves it -1: a range from it still holds ASCII.
  t.true(globMatch('[\xff-x]', 'a', true));
  t.false(globMatch('[\xff-x]', '|', true));
});

test('globMatch gives up on pathological nesting like Redis (no stack overflow)', (t) => {
  const s = 'a'.repeat(3000);
  t.true(globMatch('*a'.repeat(500), s));
  t.false(globMatch('*a'.repeat(1100) + 'b', s));
  // Exponential backtracking is cut by skipLongerMatches: this returns at once.
  const start = Date.now();
  t.false(globMatch('a*'.repeat(40) + 'b', 'a'.repeat(60)));
  t.true(Date.now() - start < 1000);
});

const ALPHABET = ['a', 'b', 'A', '-', '^', '!', ']', '[', '\\', '*', '?', '\x00', '\x7f', '\x80', '\xff'];
const PATTERN_ALPHABET = [...ALPHABET, '*', '?', '[', ']', '\\', '-'];

test('globMatch agrees with redis-server on random patterns (KEYS)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis();
  const c = await RawClient.connect(redis.port);
  try {
    const rng = mulberry32(0x5eed);
    const word = (alphabet: string[], max: number): string => {
      let s = '';
      for (let n = pick(rng, max + 1); n > 0; n--) s += alphabet[pick(rng, alphabet.length)];
      return s;
    };
    const keys = new Set<string>();
    while (keys.size < 200) keys.add(word(ALPHABET, 5));
    for (const k of keys) await c.call('SET', k, '1');
    for (let i = 0; i < 300; i++) {
      const pattern = word(PATTERN_ALPHABET, 7);
      const raw = await c.call('KEYS', pattern);
      const got = parseArray(raw).sort();
      const want = [...keys].filter((k) => pattern === '*' || globMatch(pattern, k)).sort();
      t.deepEqual(want, got, `pattern ${JSON.stringify(pattern)} (case ${i})`);
    }
  } finally {
    c.close();
    await redis.stop();
  }
});

test('globMatch nocase agrees with redis-server on random patterns (COMMAND LIST FILTERBY PATTERN)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis();
  const c = await RawClient.connect(redis.port);
  try {
    // Redis matches each command's name with stringmatchlen(..., nocase 1): its own names are the
    // subjects, random patterns (high bytes, upper and lower case, ranges) the test.
    const names = parseArray(await c.call('COMMAND', 'LIST'));
    const rng = mulberry32(0xca5e);
    const one = (from: string): string => from[pick(rng, from.length)];
    const ends = 'aegmsxAEGMSX|\x80\xc5\xd0\xe5\xff';
    /** A pattern of pieces: letters either case, ?, *, and sets of chars and ranges ("[^a-\xd0S]"). */
    const piece = (): string => {
      const k = pick(rng, 6);
      if (k === 0) return '*';
      if (k === 1) return '?';
      if (k <= 3) return one('aeglmnrstxAEGLMNRSTX');
      let set = pick(rng, 4) === 0 ? '[^' : '[';
      for (let n = 1 + pick(rng, 2); n > 0; n--) set += pick(rng, 3) === 0 ? one(ends) : `${one(ends)}-${one(ends)}`;
      return `${set}]`;
    };
    for (let i = 0; i < 600; i++) {
      let pattern = '';
      for (let n = 1 + pick(rng, 4); n > 0; n--) pattern += piece();
      if (i % 2 === 0) pattern += '*';
      const got = parseArray(await c.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', pattern)).sort();
      const want = names.filter((n) => globMatch(pattern, n, true)).sort();
      t.deepEqual(want, got, `pattern ${JSON.stringify(pattern)} (case ${i})`);
    }
  } finally {
    c.close();
    await redis.stop();
  }
});

/** The bulk strings of a RESP2 array reply. */
function parseArray(raw: string): string[] {
  const out: string[] = [];
  let p = raw.indexOf('\r\n') + 2;
  while (p < raw.length) {
    const e = raw.indexOf('\r\n', p);
    const n = Number(raw.slice(p + 1, e));
    out.push(raw.slice(e + 2, e + 2 + n));
    p = e + 2 + n + 2;
  }
  return out;
}
