// splitArgs against Redis's sdssplitargs (the inline protocol and redis.conf lines use it). The
// expected values follow sdssplitargs's C code; test/diff/protocol.test.ts checks the same rules
// against a real redis-server through inline requests.

import test from 'ava';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { splitArgs } from '../../src/protocol/splitargs.js';

const CASES: [string, string[] | null][] = [
  ['', []],
  ['   ', []],
  ['a b c', ['a', 'b', 'c']],
  ['  a \t b  ', ['a', 'b']],
  ['""', ['']],
  ["''", ['']],
  ['"" ""', ['', '']],
  ['"a b"', ['a b']],
  ["'a b'", ['a b']],
  ['"a" "b"', ['a', 'b']],
  ['"a"\t"b"', ['a', 'b']],
  // Escapes inside double quotes.
  ['"\\n\\r\\t\\b\\a"', ['\n\r\t\b\x07']],
  ['"\\z\\\\\\""', ['z\\"']],
  ['"\\x41\\x4a\\x00\\xff\\xFf"', ['AJ\x00\xff\xff']],
  ['"\\x4g"', ['x4g']], // not a hex escape: "\x" is just "x"
  ['"\\x4"', ['x4']],
  ['"\\"', null], // the escaped quote leaves the string open
  ['"a\\', null],
  // Single quotes only know \'.
  ["'it\\'s'", ["it's"]],
  ["'a\\nb'", ['a\\nb']],
  ["'\\x41'", ['\\x41']],
  // A closing quote must be followed by a space or the end.
  ['"a"b', null],
  ["'a'b", null],
  ['"a"\x0b', ['a']], // \v counts as space after a quote (isspace)
  ['"abc', null],
  ["'abc", null],
  // A quote in the middle of a word opens a quoted part of the same word.
  ['a"b c" d', ['ab c', 'd']],
  ["a'b c'", ['ab c']],
  ['ab"c', null],
  // Only space, \t, \n, \r end an unquoted word; \v and \f stay in it (but are skipped between words).
  ['a\x0bb', ['a\x0bb']],
  ['a\x0cb', ['a\x0cb']],
  ['\x0b\x0ca', ['a']],
  ['a\rb\nc', ['a', 'b', 'c']],
  // C string: a NUL byte ends the line.
  ['a\x00b', ['a']],
  ['"a\x00b"', null],
  // High bytes are ordinary characters.
  ['\xe9t\xe9 \xff', ['\xe9t\xe9', '\xff']],
];

for (const [input, expected] of CASES) {
  test(`splitArgs ${JSON.stringify(input)}`, (t) => {
    t.deepEqual(splitArgs(input), expected);
    // As bytes (a config line longer than a string can be): the same, the NUL included.
    t.deepEqual(splitArgs(Buffer.from(input, 'latin1')), expected, 'from bytes');
    // What follows a NUL is never read: not an escape's next byte, not a quote's closing.
    t.deepEqual(splitArgs(Buffer.from(`${input}\0"'\\x41 z`, 'latin1')), splitArgs(input), 'bytes after a NUL');
  });
}

test('a long argument costs its bytes, not a string node a character (FUNCTION LOAD splits its code\'s first line)', (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const word = 'a'.repeat(4_000_000);
  gc();
  const before = process.memoryUsage().heapUsed;
  const args = splitArgs(`#!lua name=${word} "${word}\\x41"`)!;
  gc();
  const grew = process.memoryUsage().heapUsed - before;
  t.deepEqual(args.map((a) => a.length), [5, 4_000_005, 4_000_001]);
  t.is(args[2].slice(-2), 'aA');
  // Two arguments of 4 MB: about 8 MB of string, where a character at a time held ~300 MB.
  t.true(grew < 64 * 1024 * 1024, `${grew} bytes`);
});

test('a text with characters past 0xff (the command line, decoded as UTF-8) keeps them', (t) => {
  t.deepEqual(splitArgs('h\u00e9 "\ufffd\\x41" \u20ac'), ['h\u00e9', '\ufffdA', '\u20ac']);
});
