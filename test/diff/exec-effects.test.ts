// EXEC running a command that changes what happens around it, differential against redis-server
// 7.0: the same raw bytes to both, the exact bytes answered (and whether the connection closed)
// compared, and with an AOF the files both wrote. Redis writes EXEC's array header, then each reply
// as its command runs (under CLIENT REPLY's mode of that moment, and not once the client is to be
// closed), and appends the transaction's effects to the AOF when EXEC ends (server.also_propagate).
// Cases: CLIENT REPLY OFF / ON / SKIP, CLIENT KILL of the client itself, DEBUG LOADAOF, CONFIG SET
// appendonly no / yes (and DEBUG LOADAOF, BGSAVE after it), all queued in MULTI.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/index.js';
import { startRealRedis, type RealRedis } from '../helpers/redis.js';
import { exchange, type Exchange } from '../helpers/exchange.js';
import { needBinary } from '../helpers/bins.js';
import { encodeArgs } from '../helpers/resp.js';
import { RawClient } from '../helpers/raw.js';
import { aofContent, dumpWire, loadDir, parseAof, waitFor } from '../helpers/aof.js';
import type { AofPersistence } from '../../src/persistence/index.js';

const show = (e: Exchange): string => `${e.closed ? 'closed' : 'open'} ${JSON.stringify(e.data)}`;
const bytes = (cmds: string[][]): Buffer => Buffer.concat(cmds.map((c) => encodeArgs(c)));
/** The client id in a HELLO reply differs between the servers. */
const maskId = (e: Exchange): string => show(e).replace(/id\\r\\n:\d+/g, 'id\\r\\n:<id>');

/** Both servers, stopped by t.teardown; `aof`: appendonly yes, each in a temp directory of its own. */
async function pair(t: ExecutionContext, aof: boolean): Promise<{ ks: RunningServer; redis: RealRedis; ksDir: string } | null> {
  if (!needBinary(t, 'redis-server')) return null;
  const ksDir = mkdtempSync(join(tmpdir(), 'ks-exec-'));
  const config: Record<string, string> = { 'enable-debug-command': 'yes', ...(aof ? { appendonly: 'yes', dir: ksDir } : {}) };
  const extra = ['--enable-debug-command', 'yes', ...(aof ? ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no'] : [])];
  // Redis's directory given, so that stopping it keeps its files (the last test restarts on them).
  const [ks, redis] = await Promise.all([startServer({ port: 0, config }), startRealRedis(extra, mkdtempSync(join(tmpdir(), 'ks-exec-redis-')))]);
  t.teardown(() => Promise.all([ks.close(), redis.stop()]));
  return { ks, redis, ksDir };
}

/** The same pipeline, in one write, to both: what each answered. A mismatch is tried again with a longer quiet period (a loaded machine). */
async function both(ks: number, redis: number, cmds: string[][]): Promise<[Exchange, Exchange]> {
  const once = (quietMs: number): Promise<[Exchange, Exchange]> => Promise.all([exchange(ks, [bytes(cmds)], { quietMs }), exchange(redis, [bytes(cmds)], { quietMs })]);
  const first = await once(300);
  return maskId(first[0]) === maskId(first[1]) ? first : once(2000);
}

const REPLY_CASES: [string, string[][], string][] = [
  ['OFF: the header and the replies before it; nothing more until ON',
    [['MULTI'], ['SET', 'a', '1'], ['CLIENT', 'REPLY', 'OFF'], ['GET', 'a'], ['EXEC'], ['PING'], ['CLIENT', 'REPLY', 'ON'], ['PING']],
    '+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n+OK\r\n+PONG\r\n'],
  ['SKIP skips the command after EXEC, not the rest of EXEC',
    [['MULTI'], ['SET', 'a', '1'], ['CLIENT', 'REPLY', 'SKIP'], ['GET', 'a'], ['EXEC'], ['PING', 'x'], ['PING', 'y']],
    '+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n$1\r\n1\r\n$1\r\ny\r\n'],
  ['SKIP as the only command', [['MULTI'], ['CLIENT', 'REPLY', 'SKIP'], ['EXEC'], ['PING', 'x'], ['PING', 'y']], '+OK\r\n+QUEUED\r\n*1\r\n$1\r\ny\r\n'],
  ['OFF then ON inside: ON answers', [['MULTI'], ['CLIENT', 'REPLY', 'OFF'], ['CLIENT', 'REPLY', 'ON'], ['PING', 'z'], ['EXEC'], ['PING', 'x']],
    '+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n$1\r\nz\r\n$1\r\nx\r\n'],
  ['two SKIPs inside skip one command after', [['MULTI'], ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', 'z'], ['EXEC'], ['PING', 'x'], ['PING', 'y']],
    '+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n$1\r\nz\r\n$1\r\ny\r\n'],
  ['replies off at EXEC, ON among its commands: no header, ON and what follows answered',
    [['CLIENT', 'REPLY', 'OFF'], ['MULTI'], ['PING', 'z'], ['CLIENT', 'REPLY', 'ON'], ['PING', 'w'], ['EXEC'], ['PING', 'x']],
    '+OK\r\n$1\r\nw\r\n$1\r\nx\r\n'],
  ['a SKIP before EXEC skips all of it', [['MULTI'], ['PING', 'z'], ['CLIENT', 'REPLY', 'SKIP'], ['EXEC'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', 'x'], ['PING', 'y']],
    '+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n'],
  ['a SKIP inside EXEC silences a protocol-level error after it', [['MULTI'], ['PING', 'z'], ['CLIENT', 'REPLY', 'SKIP'], ['EXEC'], ['NOSUCH'], ['PING', 'y']],
    '+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n'],
  // Outside MULTI: Redis resetClient()s after a request of no arguments too, which uses up the SKIP.
  ['an empty request (*0) after SKIP outside MULTI uses it up', [['CLIENT', 'REPLY', 'SKIP'], [], ['PING', 'x'], ['PING', 'y']], '$1\r\nx\r\n$1\r\ny\r\n'],
  ['an empty request after a SKIP run by EXEC uses it up', [['MULTI'], ['CLIENT', 'REPLY', 'SKIP'], ['EXEC'], [], ['PING', 'x']], '+OK\r\n+QUEUED\r\n*1\r\n$1\r\nx\r\n'],
];

for (const [name, cmds, want] of REPLY_CASES) {
  test(`CLIENT REPLY run by EXEC: ${name}`, async (t) => {
    const p = await pair(t, false);
    if (p === null) return;
    const [ours, theirs] = await both(p.ks.port, p.redis.port, cmds);
    t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
    t.is(ours.data, want);
  });
}

test('CLIENT REPLY run by EXEC in RESP3, with HELLO switching inside: the array short of its count', async (t) => {
  const p = await pair(t, false);
  if (p === null) return;
  const cmds = [['HELLO', '3'], ['MULTI'], ['GET', 'n'], ['CLIENT', 'REPLY', 'OFF'], ['HELLO', '2'], ['CLIENT', 'REPLY', 'ON'], ['GET', 'n'], ['EXEC'], ['GET', 'n']];
  const [ours, theirs] = await both(p.ks.port, p.redis.port, cmds);
  t.is(maskId(ours), maskId(theirs));
  t.true(ours.data.endsWith('*5\r\n_\r\n+OK\r\n$-1\r\n$-1\r\n'), ours.data);
});

/** The client's id and address, then `tx` (where `<id>` and `<addr>` stand for them): all it got, and whether it was closed. */
async function killSelf(port: number, tx: string[][]): Promise<Exchange> {
  const c = await RawClient.connect(port);
  const id = (await c.call('CLIENT', 'ID')).slice(1, -2);
  const addr = / addr=(\S+) /.exec(await c.call('CLIENT', 'INFO'))![1];
  c.write(bytes(tx.map((cmd) => cmd.map((a) => a.replace('<id>', id).replace('<addr>', addr)))));
  await c.waitClosed(10_000).catch(() => {});
  const out = { data: c.pending(), closed: c.closed };
  c.close();
  return out;
}

// The filter form skips the caller unless SKIPME no (CLIENT KILL ID <own id> alone answers :0); the old form does not.
const KILLS = [['CLIENT', 'KILL', 'ID', '<id>', 'SKIPME', 'no'], ['CLIENT', 'KILL', 'ADDR', '<addr>', 'SKIPME', 'no'], ['CLIENT', 'KILL', '<addr>'], ['CLIENT', 'KILL', 'SKIPME', 'no']];
for (const kill of KILLS) {
  test(`${kill.join(' ')} of itself run by EXEC: nothing after its reply, the rest of the transaction runs and is in the AOF`, async (t) => {
    const p = await pair(t, true);
    if (p === null) return;
    const tx = [['MULTI'], ['SET', 'a', '1'], kill, ['SET', 'b', '2'], ['GET', 'b'], ['EXEC'], ['SET', 'c', '3']];
    const [ours, theirs] = await Promise.all([killSelf(p.ks.port, tx), killSelf(p.redis.port, tx)]);
    t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
    t.true(ours.closed, ours.data);
    t.true(ours.data.endsWith(`*4\r\n+OK\r\n${kill.length === 3 ? '+OK' : ':1'}\r\n`), ours.data);
    t.deepEqual(await dumpWire(p.ks.port), await dumpWire(p.redis.port));
    t.deepEqual(aofContent(p.ksDir), aofContent(p.redis.dir));
    t.deepEqual(parseAof(aofContent(p.ksDir)).map((a) => a.join(' ')), ['SELECT 0', 'MULTI', 'SET a 1', 'SET b 2', 'EXEC']);
  });
}

test('DEBUG LOADAOF run by EXEC reloads the file without the transaction\'s effects so far, which are written at its end, one block', async (t) => {
  const p = await pair(t, true);
  if (p === null) return;
  const cmds = [
    ['SET', 'x', '0'], ['SET', 'y', '0'], ['MULTI'], ['SELECT', '5'], ['SET', 'a', '1'], ['SELECT', '0'], ['INCR', 'x'], ['DEBUG', 'LOADAOF'],
    ['SELECT', '5'], ['GET', 'a'], ['SET', 'b', '2'], ['SELECT', '0'], ['INCR', 'x'], ['EXEC'], ['MGET', 'x', 'y'],
  ];
  const [ours, theirs] = await both(p.ks.port, p.redis.port, cmds);
  t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
  // GET a: nil; INCR x: 1 again (before: a was 1 and x 2, the reload saw the transaction's first half).
  t.true(ours.data.endsWith('*10\r\n+OK\r\n+OK\r\n+OK\r\n:1\r\n+OK\r\n+OK\r\n$-1\r\n+OK\r\n+OK\r\n:1\r\n*2\r\n$1\r\n1\r\n$1\r\n0\r\n'), ours.data);
  t.deepEqual(await dumpWire(p.ks.port), await dumpWire(p.redis.port));
  t.deepEqual(aofContent(p.ksDir).toString('latin1'), aofContent(p.redis.dir).toString('latin1'));
  t.deepEqual(parseAof(aofContent(p.ksDir)).map((a) => a.join(' ')), [
    'SELECT 0', 'SET x 0', 'SET y 0', 'SELECT 5', 'MULTI', 'SET a 1', 'SELECT 0', 'INCR x', 'SELECT 5', 'SET b 2', 'SELECT 0', 'INCR x', 'EXEC',
  ]);
});

// FLUSHALL with save points saves (Redis's flushAllDataAndResetRDB: rdbSave; ours: SAVE's AOF
// fsync), which must not write a transaction's first half out of its block: a review found
// `SET a 1` and `FLUSHALL` written bare, fsynced before the transaction ended.
test('FLUSHALL with save points run by EXEC: the transaction is written whole, in its block, as redis-server', async (t) => {
  const p = await pair(t, true);
  if (p === null) return;
  const cmds = [['CONFIG', 'SET', 'save', '3600 1'], ['SET', 'y', '1'], ['MULTI'], ['SET', 'a', '1'], ['FLUSHALL'], ['SET', 'b', '2'], ['EXEC']];
  const [ours, theirs] = await both(p.ks.port, p.redis.port, cmds);
  t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
  const dirty = async (port: number): Promise<string | undefined> => /rdb_changes_since_last_save:\d+/.exec((await exchange(port, [bytes([['INFO', 'persistence']])])).data)?.[0];
  t.is(await dirty(p.ks.port), await dirty(p.redis.port));
  t.deepEqual(parseAof(aofContent(p.ksDir)).map((a) => a.join(' ')), parseAof(aofContent(p.redis.dir)).map((a) => a.join(' ')));
  t.deepEqual(parseAof(aofContent(p.ksDir)).map((a) => a.join(' ')), ['SELECT 0', 'SET y 1', 'MULTI', 'SET a 1', 'FLUSHALL', 'SET b 2', 'EXEC']);
});

test('CONFIG SET appendonly no run by EXEC: none of the transaction is written, as redis-server', async (t) => {
  const p = await pair(t, true);
  if (p === null) return;
  const cmds = [['SET', 'pre', '0'], ['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['CONFIG', 'SET', 'appendonly', 'no'], ['SET', 'b', '2'], ['EXEC'], ['SET', 'c', '3']];
  const [ours, theirs] = await both(p.ks.port, p.redis.port, cmds);
  t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
  t.deepEqual(aofContent(p.ksDir).toString('latin1'), aofContent(p.redis.dir).toString('latin1'));
  t.deepEqual(parseAof(aofContent(p.ksDir)).map((a) => a.join(' ')), ['SELECT 0', 'SET pre 0']);
});

test('CONFIG SET appendonly yes run by EXEC: the file starts after the transaction, whole in its base; same data after a restart', async (t) => {
  const p = await pair(t, true);
  if (p === null) return;
  for (const port of [p.ks.port, p.redis.port]) t.is((await exchange(port, [bytes([['CONFIG', 'SET', 'appendonly', 'no'], ['SET', 'before', '1']])])).data, '+OK\r\n+OK\r\n');
  const cmds = [['MULTI'], ['SET', 'a', '1'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'b', '2'], ['INCR', 'b'], ['EXEC'], ['SET', 'c', '3']];
  const [ours, theirs] = await both(p.ks.port, p.redis.port, cmds);
  t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
  // Both schedule the rewrite that starts the file at EXEC's end (Redis forks it at its next cron,
  // ours starts it in the next turn): SET c may be in its base or its incr file. The transaction is
  // whole in the base: no MULTI, no INCR.
  for (const port of [p.ks.port, p.redis.port]) {
    const c = await RawClient.connect(port);
    const info = async (): Promise<string> => c.call('INFO', 'persistence');
    await waitFor(async () => /\r\naof_rewrite_in_progress:0\r\n/.test(await info()) && /\r\naof_rewrite_scheduled:0\r\n/.test(await info()), 10_000, 'the rewrite');
    c.close();
  }
  const ksCmds = parseAof(aofContent(p.ksDir)).map((a) => a.join(' '));
  t.deepEqual(ksCmds.filter((c) => c !== 'SELECT 0').sort(), ['SET a 1', 'SET b 3', 'SET before 1', 'SET c 3'], ksCmds.join(', '));
  // Each server's files, loaded again: the same dataset.
  await Promise.all([p.ks.close(), p.redis.stop()]);
  const again = await startServer({ port: 0, config: { appendonly: 'yes', dir: p.ksDir } });
  t.teardown(() => again.close());
  const redisAgain = await startRealRedis(['--appendonly', 'yes'], p.redis.dir);
  t.teardown(() => redisAgain.stop());
  t.deepEqual(await dumpWire(again.port), await dumpWire(redisAgain.port));
  t.is((await dumpWire(again.port))['0:b']?.value, '3');
});

// An EXEC whose AOF bytes pass earlyWriteAt (256 MB; 300 bytes here) has its block's MULTI and
// first effects written before it ends (aof.ts writeEarly). A review found, after such a write:
// DEBUG LOADAOF cut the open block off the file (its effects lost for good; on a restart too),
// then EXEC's end wrote an EXEC without MULTI; CONFIG SET appendonly no left the MULTI and the
// effects after it in the file, with no EXEC (refused on load with aof-load-truncated no).
const EARLY = 'x'.repeat(400);
const earlyWrites = (ks: RunningServer): void => {
  (ks.server.persistence as AofPersistence).writer.earlyWriteAt = 300;
};

for (const policy of ['everysec', 'always']) {
  test(`an EXEC written early (${policy}), then DEBUG LOADAOF in it: reloaded without the transaction, which is written whole at its end, as redis-server`, async (t) => {
    const p = await pair(t, true);
    if (p === null) return;
    for (const port of [p.ks.port, p.redis.port]) t.is((await exchange(port, [bytes([['CONFIG', 'SET', 'appendfsync', policy]])])).data, '+OK\r\n');
    earlyWrites(p.ks);
    const cmds = [['SET', 'pre', '0'], ['MULTI'], ['SET', 'a', EARLY], ['SET', 'b', '1'], ['DEBUG', 'LOADAOF'], ['GET', 'a'], ['SET', 'c', '1'], ['EXEC'], ['EXISTS', 'pre', 'a', 'b', 'c']];
    const [ours, theirs] = await both(p.ks.port, p.redis.port, cmds);
    t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
    t.deepEqual(await dumpWire(p.ks.port), await dumpWire(p.redis.port));
    t.deepEqual(aofContent(p.ksDir).toString('latin1'), aofContent(p.redis.dir).toString('latin1'));
    t.deepEqual(parseAof(aofContent(p.ksDir)).map((a) => a.join(' ').slice(0, 12)), ['SELECT 0', 'SET pre 0', 'MULTI', `SET a ${EARLY.slice(0, 6)}`, 'SET b 1', 'SET c 1', 'EXEC']);
    t.is((await loadDir(p.ksDir, { 'aof-load-truncated': 'no', 'propagation-error-behavior': 'panic' }))['0:a']?.value, EARLY);
  });

  test(`an EXEC written early (${policy}), then CONFIG SET appendonly no in it: none of the transaction is left in the file, as redis-server`, async (t) => {
    const p = await pair(t, true);
    if (p === null) return;
    for (const port of [p.ks.port, p.redis.port]) t.is((await exchange(port, [bytes([['CONFIG', 'SET', 'appendfsync', policy]])])).data, '+OK\r\n');
    earlyWrites(p.ks);
    const cmds = [['SET', 'pre', '0'], ['MULTI'], ['SET', 'a', EARLY], ['SELECT', '2'], ['SET', 'b', EARLY], ['CONFIG', 'SET', 'appendonly', 'no'], ['SET', 'c', '1'], ['EXEC']];
    const [ours, theirs] = await both(p.ks.port, p.redis.port, cmds);
    t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
    t.deepEqual(aofContent(p.ksDir).toString('latin1'), aofContent(p.redis.dir).toString('latin1'));
    t.deepEqual(parseAof(aofContent(p.ksDir)).map((a) => a.join(' ')), ['SELECT 0', 'SET pre 0']);
    t.deepEqual(await loadDir(p.ksDir, { 'aof-load-truncated': 'no' }), { '0:pre': { type: 'string', value: '0', pexpiretime: -1 } });
  });
}

/** The AOF's commands, each a line, with the absolute times (PXAT's) that differ between the servers masked. */
const aofLines = (dir: string): string[] => parseAof(aofContent(dir)).map((a) => a.join(' ').replace(/ PXAT \d+/, ' PXAT <t>'));

test('DEBUG LOADAOF run by EXEC: a key loaded with a passed deadline is expired by the commands after it, its DEL in the block', async (t) => {
  const p = await pair(t, true);
  if (p === null) return;
  // No active expiry: the keys are still in the file (no DEL) when the reload reads them.
  const setup = [['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'e', 'v', 'PX', '50'], ['SELECT', '3'], ['SET', 'f', 'v', 'PX', '50']];
  for (const port of [p.ks.port, p.redis.port]) t.is((await exchange(port, [bytes(setup)])).data, '+OK\r\n+OK\r\n+OK\r\n+OK\r\n');
  await new Promise((r) => setTimeout(r, 200));
  const cmds = [['MULTI'], ['SET', 'x', '1'], ['DEBUG', 'LOADAOF'], ['GET', 'e'], ['SELECT', '3'], ['GET', 'f'], ['EXEC'], ['GET', 'f']];
  const [ours, theirs] = await both(p.ks.port, p.redis.port, cmds);
  t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
  t.true(ours.data.endsWith('*5\r\n+OK\r\n+OK\r\n$-1\r\n+OK\r\n$-1\r\n$-1\r\n'), ours.data);
  t.deepEqual(aofLines(p.ksDir), aofLines(p.redis.dir));
  t.deepEqual(aofLines(p.ksDir), [
    'SELECT 0', 'SET e v PXAT <t>', 'SELECT 3', 'SET f v PXAT <t>', 'SELECT 0', 'MULTI', 'SET x 1', 'DEL e', 'SELECT 3', 'DEL f', 'EXEC',
  ]);
});

// Serial: its DEBUG SLEEP blocks this process (the in-process server runs in it), and with it every
// other test's servers and clients.
test.serial('DEBUG LOADAOF run by EXEC: the commands after it go on with the time of the load, not EXEC\'s start', async (t) => {
  const p = await pair(t, true);
  if (p === null) return;
  // k's deadline passes during the sleep, after EXEC's start (the SET's exchange takes 0.3 s of
  // quiet): alive for EXEC's time, not for the load's.
  const cmds = [['MULTI'], ['DEBUG', 'SLEEP', '1.6'], ['DEBUG', 'LOADAOF'], ['GET', 'k'], ['EXISTS', 'k'], ['EXEC']];
  // Nothing comes back until EXEC has run (the whole pipeline is one batch): a quiet period past the sleep.
  const run = async (port: number): Promise<Exchange> => {
    t.is((await exchange(port, [bytes([['SET', 'k', 'v', 'PX', '1500']])])).data, '+OK\r\n');
    return exchange(port, [bytes(cmds)], { quietMs: 3000 });
  };
  const [ours, theirs] = await Promise.all([run(p.ks.port), run(p.redis.port)]);
  t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
  t.regex(ours.data, /\*4\r\n\+OK\r\n\+OK\r\n\$-1\r\n:0\r\n$/);
});

test('CONFIG SET appendonly no run by EXEC with aof-timestamp-enabled: no annotation of the dropped transaction is left in the file', async (t) => {
  const p = await pair(t, true);
  if (p === null) return;
  const setup = [['CONFIG', 'SET', 'aof-timestamp-enabled', 'yes'], ['SET', 'pre', '0']];
  for (const port of [p.ks.port, p.redis.port]) t.is((await exchange(port, [bytes(setup)])).data, '+OK\r\n+OK\r\n');
  // The transaction in a later second than SET pre: its effect would be annotated.
  await new Promise((r) => setTimeout(r, 1100));
  const cmds = [['MULTI'], ['SET', 'a', '1'], ['CONFIG', 'SET', 'appendonly', 'no'], ['EXEC']];
  const [ours, theirs] = await both(p.ks.port, p.redis.port, cmds);
  t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
  const text = (dir: string): string => aofContent(dir).toString('latin1').replace(/#TS:\d+\r\n/g, '#TS\r\n');
  t.is(text(p.ksDir), text(p.redis.dir));
  t.is(text(p.ksDir), '#TS\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\npre\r\n$1\r\n0\r\n');
});

test('CONFIG SET appendonly yes run by EXEC: later in it, BGREWRITEAOF is scheduled and INFO shows the file enabled, its rewrite scheduled', async (t) => {
  const p = await pair(t, true);
  if (p === null) return;
  for (const port of [p.ks.port, p.redis.port]) t.is((await exchange(port, [bytes([['CONFIG', 'SET', 'appendonly', 'no']])])).data, '+OK\r\n');
  const cmds = [['MULTI'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['INFO', 'persistence'], ['BGREWRITEAOF'], ['EXEC']];
  // The fields that do not depend on each server's history.
  const fields = (e: Exchange): string =>
    show(e).replace(/\$\d+\\r\\n# Persistence.*?\\r\\n\\r\\n/, (info) => (info.match(/aof_(enabled|rewrite_scheduled|pending_rewrite|rewrite_in_progress):\d/g) ?? []).join(','));
  // Not both(): run again, the file would be on already.
  const [ours, theirs] = await Promise.all([exchange(p.ks.port, [bytes(cmds)], { quietMs: 1000 }), exchange(p.redis.port, [bytes(cmds)], { quietMs: 1000 })]);
  t.is(fields(ours), fields(theirs), 'Keystonelight vs redis-server');
  t.true(fields(ours).includes('aof_enabled:1,aof_rewrite_in_progress:0,aof_rewrite_scheduled:1,aof_pending_rewrite:1'), fields(ours));
  t.true(ours.data.endsWith('+Background append only file rewriting scheduled\r\n'), ours.data);
});

test('CONFIG SET appendonly yes run by EXEC: later in it, DEBUG LOADAOF reloads the files of before appendonly no, BGSAVE is scheduled and runs once the file has started', async (t) => {
  // redis-server 7.0.15 (AOF_WAIT_REWRITE): DEBUG LOADAOF loads the files its manifest still names
  // (SET x 0; not SET y, made with the file off), BGSAVE answers scheduled and saves after the
  // rewrite that starts the file. Before: DEBUG LOADAOF answered an error, BGSAVE was refused.
  const p = await pair(t, true);
  if (p === null) return;
  const setup = [['SET', 'x', '0'], ['CONFIG', 'SET', 'appendonly', 'no'], ['SET', 'y', '1']];
  for (const port of [p.ks.port, p.redis.port]) t.is((await exchange(port, [bytes(setup)])).data, '+OK\r\n+OK\r\n+OK\r\n');
  const cmds = [
    ['MULTI'], ['SET', 'a', '1'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'b', '2'], ['DEBUG', 'LOADAOF'], ['GET', 'a'], ['GET', 'y'], ['BGSAVE'], ['SET', 'c', '3'],
    ['EXEC'], ['MGET', 'x', 'y', 'a', 'b', 'c'],
  ];
  // Not both(): run again, the file would be on already.
  const [ours, theirs] = await Promise.all([exchange(p.ks.port, [bytes(cmds)], { quietMs: 1000 }), exchange(p.redis.port, [bytes(cmds)], { quietMs: 1000 })]);
  t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
  t.true(ours.data.endsWith('*8\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n$-1\r\n$-1\r\n+Background saving scheduled\r\n+OK\r\n*5\r\n$1\r\n0\r\n$-1\r\n$-1\r\n$-1\r\n$1\r\n3\r\n'), ours.data);
  // Both jobs done: the file started, the BGSAVE run once (rdb_saves:1).
  const jobs = async (port: number): Promise<string> => {
    const c = await RawClient.connect(port);
    try {
      const info = await c.call('INFO', 'persistence');
      return (info.match(/(rdb_saves|rdb_bgsave_in_progress|rdb_last_bgsave_status|aof_enabled|aof_rewrite_in_progress|aof_rewrite_scheduled):\w+/g) ?? []).join(',');
    } finally {
      c.close();
    }
  };
  const done = 'rdb_bgsave_in_progress:0,rdb_last_bgsave_status:ok,rdb_saves:1,aof_enabled:1,aof_rewrite_in_progress:0,aof_rewrite_scheduled:0';
  await waitFor(async () => (await jobs(p.redis.port)) === done, 10_000, 'the real rewrite, then BGSAVE');
  await waitFor(async () => (await jobs(p.ks.port)) === done, 10_000, `ours: ${await jobs(p.ks.port)}`);
  // The dataset of EXEC's end is the new base (in each server's key order), nothing after it.
  const sorted = (dir: string): string[] => parseAof(aofContent(dir)).map((a) => a.join(' ')).sort();
  t.deepEqual(sorted(p.ksDir), sorted(p.redis.dir));
  t.deepEqual(sorted(p.ksDir), ['SELECT 0', 'SET c 3', 'SET x 0']);
});

test('DEBUG LOADAOF with appendonly no (no EXEC): the files the manifest names, the ones written before the file was turned off, as redis-server', async (t) => {
  // redis-server 7.0.15's DEBUG LOADAOF loads its manifest's files whatever appendonly says. Before:
  // ours answered an error and kept the dataset.
  const p = await pair(t, true);
  if (p === null) return;
  const cmds = [['SET', 'k', 'v1'], ['CONFIG', 'SET', 'appendonly', 'no'], ['SET', 'k', 'v2'], ['SET', 'other', '1'], ['DEBUG', 'LOADAOF'], ['MGET', 'k', 'other']];
  const [ours, theirs] = await Promise.all([exchange(p.ks.port, [bytes(cmds)], { quietMs: 500 }), exchange(p.redis.port, [bytes(cmds)], { quietMs: 500 })]);
  t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
  t.is(ours.data, '+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n*2\r\n$2\r\nv1\r\n$-1\r\n');
});

test('BGREWRITEAOF with appendonly no, alone and run by EXEC: the dataset as the next base file, alone in the manifest, the incr files deleted, as redis-server', async (t) => {
  // redis-server 7.0.15 rewrites whatever aof_state says: its incr files become history. Before:
  // ours answered -ERR ... not possible ... (appendonly no) and wrote nothing.
  const p = await pair(t, true);
  if (p === null) return;
  const files = (dir: string): string => readdirSync(join(dir, 'appendonlydir')).sort().join(' ');
  const manifest = (dir: string): string => readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
  const sorted = (dir: string): string[] => parseAof(aofContent(dir)).map((a) => a.join(' ')).sort();
  const steps: [string[][], string][] = [
    [[['SET', 'a', '1'], ['CONFIG', 'SET', 'appendonly', 'no'], ['SET', 'b', '2'], ['BGREWRITEAOF']], '+OK\r\n+OK\r\n+OK\r\n+Background append only file rewriting started\r\n'],
    [[['MULTI'], ['SET', 'c', '3'], ['BGREWRITEAOF'], ['EXEC']], '+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n+Background append only file rewriting scheduled\r\n'],
  ];
  for (const [cmds, reply] of steps) {
    const [ours, theirs] = await Promise.all([exchange(p.ks.port, [bytes(cmds)], { quietMs: 500 }), exchange(p.redis.port, [bytes(cmds)], { quietMs: 500 })]);
    t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
    t.is(ours.data, reply);
    // Redis's child writes the base: wait for its rename.
    await waitFor(() => files(p.redis.dir) === files(p.ksDir), 10_000, `the same files: ${files(p.ksDir)} / ${files(p.redis.dir)}`);
    t.is(manifest(p.ksDir), manifest(p.redis.dir));
    t.deepEqual(sorted(p.ksDir), sorted(p.redis.dir));
  }
  t.deepEqual(sorted(p.ksDir), ['SELECT 0', 'SET a 1', 'SET b 2', 'SET c 3']);
});

test('BGREWRITEAOF with appendonly no, then CONFIG SET appendonly yes (alone, or in the same EXEC, or undone in it): the same files and incr numbers as redis-server', async (t) => {
  // Found by a review against redis-server 7.0.15: the incr numbering restarted at 1 after the
  // snapshot (Redis's manifest lives in memory); in one EXEC, BGREWRITEAOF then CONFIG SET
  // appendonly yes wrote two bases (Redis one), and two BGREWRITEAOFs wrote two; undone by CONFIG
  // SET appendonly no in the same EXEC, Redis writes none (stopAppendOnly clears the schedule).
  const files = (dir: string): string => readdirSync(join(dir, 'appendonlydir')).sort().join(' ');
  const manifest = (dir: string): string => readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
  // Each run's writes go 500 ms apart: Redis's snapshot child has ended before the next (ours is
  // synchronous; a CONFIG SET appendonly yes while Redis's child runs kills it).
  const runs: string[][][][] = [
    [[['CONFIG', 'SET', 'appendonly', 'no'], ['BGREWRITEAOF']], [['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'b', '1']]],
    [[['CONFIG', 'SET', 'appendonly', 'no'], ['MULTI'], ['SET', 'x', '1'], ['BGREWRITEAOF'], ['BGREWRITEAOF'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'y', '2'], ['EXEC']]],
    [[['CONFIG', 'SET', 'appendonly', 'no'], ['MULTI'], ['BGREWRITEAOF'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['CONFIG', 'SET', 'appendonly', 'no'], ['EXEC'], ['SET', 'z', '3']]],
  ];
  for (const writes of runs) {
    const cmds = writes.flat();
    const p = await pair(t, true);
    if (p === null) return;
    for (const port of [p.ks.port, p.redis.port]) t.is((await exchange(port, [bytes([['SET', 'a', '1']])])).data, '+OK\r\n');
    const opts = { quietMs: 700, gapMs: 500 };
    const [ours, theirs] = await Promise.all([exchange(p.ks.port, writes.map(bytes), opts), exchange(p.redis.port, writes.map(bytes), opts)]);
    t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
    // Redis's children write the bases: wait for the same files.
    await waitFor(() => files(p.redis.dir) === files(p.ksDir), 10_000, `the same files: ${files(p.ksDir)} / ${files(p.redis.dir)}`);
    t.is(manifest(p.ksDir), manifest(p.redis.dir), JSON.stringify(cmds));
    const rewrites = async (port: number): Promise<string | undefined> => {
      const c = await RawClient.connect(port);
      try {
        return /\r\naof_rewrites:(\d+)\r\n/.exec(await c.call('INFO', 'persistence'))?.[1];
      } finally {
        c.close();
      }
    };
    t.is(await rewrites(p.ks.port), await rewrites(p.redis.port), 'aof_rewrites');
  }
});

test('CLIENT REPLY SKIP then a blank inline line: used up, as Redis', async (t) => {
  const p = await pair(t, false);
  if (p === null) return;
  const raw = Buffer.concat([bytes([['CLIENT', 'REPLY', 'SKIP']]), Buffer.from('   \r\n'), bytes([['PING', 'x']])]);
  const [ours, theirs] = await Promise.all([exchange(p.ks.port, [raw]), exchange(p.redis.port, [raw])]);
  t.is(show(ours), show(theirs), 'Keystonelight vs redis-server');
  t.is(ours.data, '$1\r\nx\r\n');
});
