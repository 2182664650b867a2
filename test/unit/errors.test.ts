// errors.ts's builders of texts that quote arguments (quoting, formattedQuoting): at any length the
// text Redis's addReplyErrorFormat makes; past one JS string, the parts (encoder.test.ts).

import test from 'ava';
import { cstr, formatted, formattedQuoting, quoting } from '../../src/errors.js';
import { ErrorReply, LongErrorReply } from '../../src/protocol/reply.js';

const ARGS = ['', 'x', 'a\0b', '\r\n', '\r\nx\r', 'x\r\n\r\n', '\n\n', 'a b\nc'];

test('quoting: each argument as %s prints it (up to a NUL), the text otherwise as written', (t) => {
  for (const a of ARGS) {
    for (const b of ARGS) {
      const r = quoting`ERR x '${a}' y ${b}`;
      t.true(r instanceof ErrorReply && !(r instanceof LongErrorReply));
      t.is(r.message, `ERR x '${cstr(a)}' y ${cstr(b)}`);
    }
  }
});

test('formattedQuoting: trimmed as `formatted` trims the joined text, across arguments that are all CR and LF', (t) => {
  for (const a of ARGS) {
    for (const b of ARGS) {
      t.is(formattedQuoting`ERR x ${a}${b}`.message, formatted(`ERR x ${cstr(a)}${cstr(b)}`), JSON.stringify([a, b]));
      t.is(formattedQuoting`${a}${b}`.message, formatted(`${cstr(a)}${cstr(b)}`), JSON.stringify([a, b]));
    }
  }
});
