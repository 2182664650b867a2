// Named regression cases from the fuzzer's work (test/fuzz/): each is the minimal input of a
// finding, checked against what Redis 7.0 does. A `test.failing` is a known bug not fixed yet: it
// passes while the bug is there, and fails (asking to become a plain test) once it is fixed.

import test from 'ava';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';

/** Sends `bytes`, returns everything received within `ms` and whether the server closed. */
async function exchange(port: number, bytes: string, ms = 300): Promise<{ data: string; closed: boolean }> {
  const c = await RawClient.connect(port);
  c.write(bytes);
  await new Promise((r) => setTimeout(r, ms));
  const r = { data: c.pending(), closed: c.closed };
  c.close();
  return r;
}

test('a protocol error naming a CR or LF byte sends it as a space, as Redis (fuzz seed 1, case 157)', async (t) => {
  // "expected '$', got '\n'" would put a line break inside an error reply; Redis's
  // addReplyErrorFormat turns CR and LF into spaces, and so must we.
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  for (const bytes of ['*1\r\n\n$3\r\n', '*1\r\n\r$3\r\n', '*3\r\x00\n$3\r\nSET\r\n']) {
    const r = await exchange(s.port, bytes);
    t.deepEqual(r, { data: "-ERR Protocol error: expected '$', got ' '\r\n", closed: true }, JSON.stringify(bytes));
  }
});

test('a request whose last arguments are missing leaves the connection waiting, not broken (fuzz seed 1, case 1186)', async (t) => {
  // All of *3's bulks but the last were consumed: the decoder holds no bytes yet is mid-request,
  // so the PING that follows is read as the third argument of DEL.
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  c.write('*3\r\n$3\r\nDEL\r\n$2\r\nk0\r\n');
  c.write('*1\r\n$4\r\nPING\r\n');
  t.is(await c.read(), "-ERR Protocol error: expected '$', got '*'\r\n");
  await c.waitClosed();
});

test('RESET turns replies back on after CLIENT REPLY OFF, as Redis 7.0 (found checking the fuzzer\'s reply-mode model)', async (t) => {
  // Redis's RESET (clearClientConnectionState) clears CLIENT_REPLY_OFF and CLIENT_REPLY_SKIP_NEXT,
  // then answers +RESET; only the current command's SKIP stays. Keystonelight's RESET used to
  // leave the reply mode alone, so the connection heard nothing ever again.
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  t.is((await exchange(s.port, 'CLIENT REPLY OFF\r\nRESET\r\nPING\r\n')).data, '+RESET\r\n+PONG\r\n');
});

test('RESET after CLIENT REPLY SKIP: the RESET reply is the skipped one, as Redis 7.0', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  t.is((await exchange(s.port, 'CLIENT REPLY SKIP\r\nRESET\r\nPING\r\n')).data, '+PONG\r\n');
});
