// Authentication across connections and the DEBUG gate, compared with a real redis-server 7.0:
// what a connection may do when requirepass changes under it (Redis's authRequired() reads the
// default user's password at each command), and enable-debug-command checked before NOAUTH.
// Single-connection cases are in test/diff/cases/connection.ts.

import test from 'ava';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { encodeArgs } from '../helpers/resp.js';

/** One step of a script: a command on connection `conn` (opened at its first use), or 'open'. */
type Step = [conn: string, ...args: string[]];

/**
 * Runs `steps` against the server at `port`, connections opened from `local` when given; returns
 * each reply (or `<closed>`), with CLIENT LIST-like variable parts left to the caller.
 */
async function transcript(port: number, steps: readonly Step[], local?: string): Promise<string[]> {
  const conns = new Map<string, RawClient>();
  const out: string[] = [];
  try {
    for (const [name, ...args] of steps) {
      let c = conns.get(name);
      if (c === undefined) conns.set(name, (c = await RawClient.connect(port, '127.0.0.1', local)));
      if (args.length === 0) continue;
      if (c.closed) {
        out.push('<closed>');
        continue;
      }
      c.write(encodeArgs(args));
      out.push(await c.read(5000).catch(() => '<closed>'));
    }
  } finally {
    for (const c of conns.values()) c.close();
  }
  return out;
}

const CLEARED: Step[] = [
  ['admin', 'AUTH', 'pw'],
  ['b'], // connects while a password is set: not authenticated
  ['b', 'PING'],
  ['admin', 'CONFIG', 'SET', 'requirepass', ''],
  // The default user is "nopass" now: b runs commands without AUTH...
  ['b', 'PING'],
  ['b', 'SET', 'k', 'v'],
  ['b', 'GET', 'k'],
  // ...but is still not authenticated, which HELLO checks (SETNAME sticks all the same).
  ['b', 'HELLO', '3', 'SETNAME', 'n'],
  ['b', 'CLIENT', 'GETNAME'],
  // Nor do the unauthenticated request limits apply (> 10 arguments, bulks > 16384 bytes).
  ['b', 'MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
  ['b', 'SET', 'big', 'x'.repeat(20000)],
  ['b', 'STRLEN', 'big'],
  // A password set again applies to b at once, and its limits close it.
  ['admin', 'CONFIG', 'SET', 'requirepass', 'pw'],
  ['b', 'PING'],
  ['b', 'MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
  ['b', 'PING'],
  // A client authenticated while no password was set stays authenticated when one is set.
  ['admin', 'CONFIG', 'SET', 'requirepass', ''],
  ['c'],
  ['c', 'AUTH', 'default', 'whatever'],
  ['admin', 'CONFIG', 'SET', 'requirepass', 'pw'],
  ['c', 'PING'],
  ['c', 'RESET'],
  ['c', 'PING'],
];

test('requirepass cleared at run time: a client that never authenticated runs commands (HELLO still refused) without the unauthenticated limits, as Redis', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const ks = await startServer({ port: 0, config: { requirepass: 'pw' } });
  const redis = await startRealRedis(['--requirepass', 'pw']);
  try {
    const [theirs, ours] = await Promise.all([transcript(redis.port, CLEARED), transcript(ks.port, CLEARED)]);
    t.is(theirs[3], '+PONG\r\n', 'the real server lets the client in');
    t.deepEqual(ours, theirs);
  } finally {
    await Promise.all([ks.close(), redis.stop()]);
  }
});

const DEBUG_GATE: Step[] = [
  ['a', 'DEBUG'],
  ['a', 'DEBUG', 'HELP'],
  ['a', 'AUTH', 'pw'],
  ['a', 'CONFIG', 'RESETSTAT'],
  ['a', 'DEBUG', 'HELP'],
  ['a', 'CONFIG', 'SET', 'maxmemory', '1'],
  ['a', 'DEBUG', 'SLEEP', '0'],
  ['a', 'CONFIG', 'SET', 'maxmemory', '0'],
  ['b', 'DEBUG', 'SLEEP', '0'],
  ['a', 'INFO', 'errorstats'],
];

/** The debug row of INFO commandstats (its usec are the server's own). */
const debugStats = async (port: number): Promise<string> => {
  const c = await RawClient.connect(port);
  try {
    await c.call('AUTH', 'pw');
    return /cmdstat_debug:[^\r]*/.exec(await c.call('INFO', 'commandstats'))?.[0] ?? '<none>';
  } finally {
    c.close();
  }
};

test('enable-debug-command no: DEBUG is refused before NOAUTH and -OOM, as a rejected call, as Redis', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const ks = await startServer({ port: 0, config: { requirepass: 'pw' } });
  const redis = await startRealRedis(['--requirepass', 'pw']);
  try {
    const [theirs, ours] = await Promise.all([transcript(redis.port, DEBUG_GATE), transcript(ks.port, DEBUG_GATE)]);
    t.regex(theirs[1], /^-ERR DEBUG command not allowed/);
    t.deepEqual(ours, theirs);
    const stats = await debugStats(redis.port);
    t.is(stats, 'cmdstat_debug:calls=0,usec=0,usec_per_call=0.00,rejected_calls=3,failed_calls=0');
    t.is(await debugStats(ks.port), stats);
  } finally {
    await Promise.all([ks.close(), redis.stop()]);
  }
});

test('enable-debug-command local: only 127.0.0.1 and ::1 are local (127.0.0.2 is refused), as Redis', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const ks = await startServer({ port: 0, config: { 'enable-debug-command': 'local', 'protected-mode': 'no' } });
  const redis = await startRealRedis(['--enable-debug-command', 'local', '--protected-mode', 'no']);
  const steps: Step[] = [['a', 'DEBUG', 'SET-ACTIVE-EXPIRE', '1']];
  try {
    for (const local of ['127.0.0.1', '127.0.0.2']) {
      const [theirs, ours] = await Promise.all([transcript(redis.port, steps, local), transcript(ks.port, steps, local)]);
      t.regex(theirs[0], local === '127.0.0.1' ? /^\+OK\r\n$/ : /^-ERR DEBUG command not allowed/, `the real server, from ${local}`);
      t.deepEqual(ours, theirs, `from ${local}`);
    }
  } finally {
    await Promise.all([ks.close(), redis.stop()]);
  }
});

test('a client that must AUTH is closed once its replies pass the 16 KB reply buffer, as Redis since CVE-2025-21605; an authenticated one is not', async (t) => {
  const lines: string[] = [];
  const srv = await startServer({ port: 0, config: { requirepass: 'pw' }, log: (_level, message) => lines.push(message) });
  try {
    const set = encodeArgs(['SET', 'x', '5']).toString('latin1');
    // 481 NOAUTH errors (34 bytes each) fit in the 16 KB buffer: all answered, the client stays.
    const fits = await RawClient.connect(srv.port);
    fits.write(set.repeat(481));
    let got = '';
    while (got.length < 481 * 34) got += await fits.read(5000);
    t.is(got, '-NOAUTH Authentication required.\r\n'.repeat(481));
    t.false(fits.closed);
    fits.close();
    // The 482nd spills out of it: closed before anything is written, with Redis's log line.
    const over = await RawClient.connect(srv.port);
    over.write(set.repeat(482));
    await over.waitClosed(5000);
    t.is(over.pending(), '');
    t.true(lines.some((l) => /^Client id=\d+ .* scheduled to be closed ASAP for overcoming of output buffer limits\.$/.test(l)));
    // After AUTH, the same pipeline is answered whole.
    const authed = await RawClient.connect(srv.port);
    authed.write(encodeArgs(['AUTH', 'pw']).toString('latin1') + encodeArgs(['GET', 'x']).toString('latin1').repeat(2000));
    let replies = '';
    const want = '+OK\r\n' + '$-1\r\n'.repeat(2000);
    while (replies.length < want.length) replies += await authed.read(5000);
    t.is(replies, want);
    t.false(authed.closed);
    authed.close();
  } finally {
    await srv.close();
  }
});
