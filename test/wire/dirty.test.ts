// INFO rdb_changes_since_last_save (Redis's server.dirty), side by side with redis-server 7.0.15:
// after every write command of a script over the whole command table's write commands (MSET counts
// its keys, DEL the keys it deleted, FLUSHDB / FLUSHALL the keys they held, BITFIELD the fields it
// changed, a command that changed nothing nothing), then with the append-only file on both: SAVE
// and a finished BGSAVE take it back, DEBUG LOADAOF zeroes it, and a restart counts what it loaded.

import test from 'ava';
import { startServer } from '../../src/index.js';
import { needBinary } from '../helpers/bins.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { servePair } from '../helpers/serve.js';
import { tempDir } from '../helpers/bundle.js';
import { waitFor } from '../helpers/aof.js';

const changes = async (c: RawClient): Promise<number> => Number(/\r\nrdb_changes_since_last_save:(\d+)\r\n/.exec(await c.call('INFO', 'persistence'))![1]);

const SCRIPT: string[][] = [
  ['SET', 'a', '1'], ['SET', 'a', '1', 'NX'], ['SET', 'b', '2', 'EX', '100'], ['SETNX', 'c', '3'], ['SETEX', 'd', '100', 'x'],
  ['GETSET', 'a', '5'], ['GETDEL', 'd'], ['GETDEL', 'd'], ['GETEX', 'b', 'PERSIST'], ['GETEX', 'b'],
  ['MSET', 'm1', 'x', 'm2', 'y', 'm3', 'z'], ['MSETNX', 'm1', 'x', 'n1', 'y'], ['MSETNX', 'n1', 'x', 'n2', 'y'],
  ['APPEND', 'a', 'xy'], ['APPEND', 'a', ''], ['SETRANGE', 'a', '5', 'q'], ['SETRANGE', 'a', '9', ''], ['INCR', 'i'], ['INCRBY', 'i', '5'], ['DECR', 'i'], ['INCRBYFLOAT', 'f', '1.5'],
  ['SETBIT', 'bm', '7', '1'], ['SETBIT', 'bm', '7', '1'], ['BITFIELD', 'bf', 'SET', 'u8', '0', '1', 'SET', 'u8', '8', '2', 'GET', 'u8', '0'], ['BITFIELD', 'bf', 'SET', 'u8', '0', '1'], ['BITOP', 'OR', 'bo', 'bm', 'bf'], ['BITOP', 'OR', 'none', 'x1', 'x2'],
  ['EXPIRE', 'a', '100'], ['EXPIRE', 'a', '100', 'NX'], ['PEXPIRE', 'm1', '0'], ['PERSIST', 'a'], ['PERSIST', 'a'],
  ['DEL', 'm2', 'm3', 'nokey'], ['UNLINK', 'nokey'], ['RENAME', 'c', 'c2'], ['RENAMENX', 'c2', 'b'], ['COPY', 'c2', 'c3'], ['MOVE', 'c3', '1'], ['SWAPDB', '0', '1'], ['SWAPDB', '0', '1'],
  ['MULTI'], ['SET', 't1', 'x'], ['DEL', 't1', 'bm'], ['EXEC'],
  ['FLUSHDB'], ['FLUSHDB'], ['SET', 'z', '1'], ['SELECT', '1'], ['SET', 'z', '1'], ['FLUSHALL'], ['FLUSHALL'],
  ['FUNCTION', 'FLUSH'], ['FUNCTION', 'FLUSH', 'ASYNC'], ['FUNCTION', 'FLUSH', 'bad'],
];

test('rdb_changes_since_last_save counts each write as redis-server 7.0.15 does', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await servePair(t);
  let queuing = false; // between MULTI and EXEC, INFO would be queued too
  for (const cmd of SCRIPT) {
    t.is(await ours.call(...cmd), await theirs.call(...cmd), cmd.join(' '));
    queuing = cmd[0] === 'MULTI' || (queuing && cmd[0] !== 'EXEC');
    if (!queuing) t.is(await changes(ours), await changes(theirs), `after ${cmd.join(' ')}`);
  }
  t.true((await changes(ours)) > 20, 'the script changed things');
  // FUNCTION RESTORE of the (empty) library dump: a change under every policy, as Redis's.
  const dump = /^\$\d+\r\n([\s\S]*)\r\n$/.exec(await theirs.call('FUNCTION', 'DUMP'))![1];
  for (const policy of [[], ['APPEND'], ['FLUSH'], ['REPLACE']]) {
    const cmd = ['FUNCTION', 'RESTORE', dump, ...policy];
    t.is(await ours.call(...cmd), await theirs.call(...cmd), cmd.join(' '));
    t.is(await changes(ours), await changes(theirs), `after FUNCTION RESTORE ${policy.join('')}`);
  }
});

test('rdb_changes_since_last_save with the append-only file: SAVE, BGSAVE, DEBUG LOADAOF and a restart, as redis-server 7.0.15', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const dirs = [tempDir(), tempDir()];
  const opts = ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no', '--enable-debug-command', 'yes'];
  let redis = await startRealRedis(opts, dirs[1]);
  t.teardown(() => redis.stop());
  const config = { appendonly: 'yes', dir: dirs[0], 'enable-debug-command': 'yes' };
  let ks = await startServer({ port: 0, config });
  t.teardown(() => ks.close().catch(() => {}));
  let [ours, theirs] = [await RawClient.connect(ks.port), await RawClient.connect(redis.port)];
  const both = async (...cmd: string[]): Promise<void> => {
    await ours.call(...cmd);
    await theirs.call(...cmd);
    t.is(await changes(ours), await changes(theirs), `after ${cmd.join(' ')}`);
  };
  await both('MSET', 'a', '1', 'b', '2');
  await both('SAVE');
  t.is(await changes(ours), 0);
  await both('SET', 'c', '3');
  await ours.call('BGSAVE');
  await theirs.call('BGSAVE');
  for (const c of [ours, theirs]) await waitFor(async () => /\r\nrdb_bgsave_in_progress:0\r\n/.test(await c.call('INFO', 'persistence')), 10_000, 'the BGSAVE');
  t.is(await changes(ours), await changes(theirs), 'after BGSAVE');
  await both('SET', 'd', '4');
  await both('DEL', 'a', 'b');
  await both('DEBUG', 'LOADAOF');
  await both('SET', 'e', '5');
  await both('FUNCTION', 'FLUSH'); // logged: it counts again after the restart
  ours.close();
  theirs.close();
  await ks.close();
  await redis.stop();
  ks = await startServer({ port: 0, config });
  redis = await startRealRedis(opts, dirs[1]);
  [ours, theirs] = [await RawClient.connect(ks.port), await RawClient.connect(redis.port)];
  t.teardown(() => (ours.close(), theirs.close()));
  t.is(await changes(ours), await changes(theirs), 'after a restart: what the file replayed');
  t.true((await changes(ours)) > 0);
  // (Last: our DEBUG RELOAD rewrites the AOF where Redis saves an RDB, so a restart after it replays less.)
  await both('DEBUG', 'RELOAD', 'NOSAVE'); // no save: the changes stay counted
  t.true((await changes(ours)) > 0);
  await both('DEBUG', 'RELOAD');
  await both('SET', 'f', '6');
  // FLUSHALL with save points: Redis's flushAllDataAndResetRDB saves (rdbSave), which resets the
  // counter (Redis's unit/other.tcl); ours saves the AOF as SAVE does.
  await both('CONFIG', 'SET', 'save', '3600 1 300 100');
  await both('SET', 'g', '7');
  const saves = async (c: RawClient): Promise<string> => /\r\nrdb_saves:(\d+)\r\n/.exec(await c.call('INFO', 'persistence'))![1];
  const [oursBefore, theirsBefore] = [await saves(ours), await saves(theirs)];
  await both('FLUSHALL');
  t.is(await changes(ours), 0);
  t.deepEqual([await saves(ours), await saves(theirs)], [oursBefore, theirsBefore], 'rdb_saves counts SAVE commands, not this save');
  t.is(await ours.call('GET', 'g'), '$-1\r\n');
  await both('CONFIG', 'SET', 'save', '');
  await both('SET', 'g', '7');
  await both('FLUSHALL');
  t.true((await changes(ours)) > 0, 'without save points the flush counts');
});
