// Big values through a real socket: requests whose big bulk arrives over many reads of odd sizes
// (protocol/big-bulk.ts), pipelines of big SETs and GETs in one write (replies as pieces of their
// own, ReplyBuffer.piece(), and request buffers reused from piece-pool.ts), and the AOF they
// leave: byte for byte the canonical encoding of the commands, as Redis writes it.

import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw.js';
import { aofBytes, aofContent } from '../helpers/aof.js';
import { encodeArgs } from '../helpers/resp.js';
import { mulberry32 } from '../helpers/rng.js';
import { serve } from '../helpers/serve.js';

/** `n` bytes of every value (CR, LF and NUL included), from a seed. */
function value(n: number, seed: number): string {
  const rng = mulberry32(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng() * 256);
  return b.toString('latin1');
}

const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('big values split across reads, and pipelines of them, are stored, answered and logged exactly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-bigvalues-'));
  const s = await serve(t, { config: { appendonly: 'yes', dir, appendfsync: 'always' } });
  const c = await RawClient.connect(s.port);
  t.teardown(() => c.close());
  const logged: string[][] = [['SELECT', '0']];

  // One request at a time, written in slices of odd sizes with pauses between them, so that the
  // server reads it in many pieces (header and value cut anywhere).
  const sizes = [40_000, 100_000, 700_000];
  for (const [i, n] of sizes.entries()) {
    const args = ['SET', `k${i}`, value(n, i)];
    const req = encodeArgs(args);
    const slices = [1, 3, 10, 7, 1000, 16_384, 65_536, 5, 200_000];
    let at = 0;
    for (let j = 0; at < req.length; j++) {
      const len = slices[j % slices.length];
      c.write(req.subarray(at, at + len));
      at += len;
      if (j < 12) await pause(2);
    }
    t.is(await c.read(), '+OK\r\n');
    logged.push(args);
    t.is(await c.call('GET', `k${i}`), bulk(args[2]), `GET k${i}`);
  }

  // A pipeline of big SETs and GETs in one write, small commands between them.
  const cmds: string[][] = [];
  const expected: string[] = [];
  for (let i = 0; i < 16; i++) {
    const v = value(100_000 + i, 100 + i);
    cmds.push(['SET', `p${i}`, v], ['GET', `p${i}`], ['INCR', 'n']);
    expected.push('+OK\r\n', bulk(v), `:${i + 1}\r\n`);
    logged.push(['SET', `p${i}`, v], ['INCR', 'n']);
  }
  cmds.push(['MSET', 'm1', value(50_000, 1), 'm2', 'x', 'm3', value(60_000, 3)]);
  expected.push('+OK\r\n');
  logged.push(cmds[cmds.length - 1]);
  cmds.push(['MGET', 'p3', 'nope', 'm1', 'p15', 'm2']);
  expected.push(`*5\r\n${bulk(value(100_003, 103))}$-1\r\n${bulk(value(50_000, 1))}${bulk(value(100_015, 115))}${bulk('x')}`);
  const got = await c.pipeline(cmds);
  for (let i = 0; i < cmds.length; i++) {
    if (got[i] !== expected[i]) t.fail(`reply ${i} (${cmds[i][0]} ${cmds[i][1]}) differs`);
  }
  t.true(aofContent(dir).equals(aofBytes(...logged)), 'the AOF holds exactly the canonical commands');
  await s.close();

  // And it loads back.
  const again = await serve(t, { config: { appendonly: 'yes', dir } });
  const c2 = await RawClient.connect(again.port);
  t.teardown(() => c2.close());
  t.is(await c2.call('GET', 'k2'), bulk(value(700_000, 2)));
  t.is(await c2.call('STRLEN', 'p7'), ':100007\r\n');
});
