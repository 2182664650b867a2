// ACL CAT <category> and MODULE LOAD's log lines, side by side with a real redis-server (the rest
// of ACL and MODULE is in the differential corpus, test/diff/cases/acl.ts).
//
// ACL CAT <category>: Redis lists every command of its own table in the category, Keystonelight
// those of its table (redis-compat.md), each in its table's order (Redis's changes from run to
// run). So for every category ours must be exactly Redis's list less the commands we do not
// have, compared as sets (plus, in theirs, the commands we have that Redis 7.0 does not).

import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { splitTop } from './pair.js';

/** The bulk strings of a raw array reply. */
function bulks(raw: string): string[] {
  const s = splitTop(raw);
  if (s === null) throw new Error(`not an array: ${JSON.stringify(raw)}`);
  return s.items.map((b) => b.slice(b.indexOf('\r\n') + 2, -2));
}

test('ACL CAT <category>: the commands Redis lists in it that Keystonelight has, no more, no fewer', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([startServer({ port: 0 }), startRealRedis()]);
  const [kc, rc] = await Promise.all([RawClient.connect(ks.port), RawClient.connect(redis.port)]);
  try {
    const ours = new Set(bulks(await kc.call('COMMAND', 'LIST')));
    const theirs = new Set(bulks(await rc.call('COMMAND', 'LIST')));
    const categories = bulks(await rc.call('ACL', 'CAT'));
    t.deepEqual(bulks(await kc.call('ACL', 'CAT')), categories);
    let listed = 0;
    for (const cat of categories) {
      const [r, k] = await Promise.all([rc.call('ACL', 'CAT', cat.toUpperCase()), kc.call('ACL', 'CAT', cat.toUpperCase())]);
      const want = bulks(r).filter((n) => ours.has(n)).sort();
      // Commands Redis 7.0 lacks (CLIENT SETINFO, 7.2's) are listed with their categories.
      const got = bulks(k).filter((n) => theirs.has(n) || !ours.has(n)).sort();
      t.deepEqual(got, want, `ACL CAT ${cat}`);
      listed += got.length;
    }
    t.true(listed > 100, 'the categories list our commands');
    t.true(bulks(await kc.call('ACL', 'CAT', 'string')).includes('get'));
    t.true(bulks(await kc.call('ACL', 'CAT', 'keyspace')).includes('object|freq'), 'subcommands are listed');
    t.false(bulks(await kc.call('ACL', 'CAT', 'hash')).includes('hset'), 'commands we do not have are not');
  } finally {
    kc.close();
    rc.close();
    await Promise.all([ks.close(), redis.stop()]);
  }
});

test('MODULE LOAD and LOADEX log the lines redis-server logs for a load that fails', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const logFile = join(mkdtempSync(join(tmpdir(), 'ks-module-')), 'redis.log');
  const lines: string[] = [];
  const [ks, redis] = await Promise.all([
    startServer({ port: 0, config: { 'enable-module-command': 'yes', loglevel: 'notice' }, log: (_level, message) => lines.push(message) }),
    startRealRedis(['--enable-module-command', 'yes', '--loglevel', 'notice', '--logfile', logFile]),
  ]);
  const [kc, rc] = await Promise.all([RawClient.connect(ks.port), RawClient.connect(redis.port)]);
  try {
    const calls = [
      ['MODULE', 'LOAD', '/nonexistent/x.so', 'a'], ['MODULE', 'LOAD', 'relative.so'], ['MODULE', 'LOAD', '/etc/passwd'],
      ['MODULE', 'LOADEX', '/y.so', 'CONFIG', 'a'], ['MODULE', 'LOADEX', '/y.so', 'bogus'], ['MODULE', 'LOADEX', '/y.so', 'CONFIG', 'a', 'b', 'ARGS', 'c'],
      ['MODULE', 'UNLOAD', 'x'],
    ];
    const from = lines.length;
    for (const args of calls) {
      const [r, k] = await Promise.all([rc.call(...args), kc.call(...args)]);
      t.is(k, r, args.join(' '));
    }
    // Redis's lines after the level marker (`# ` warning, `* ` notice), from the first MODULE on.
    const theirs = readFileSync(logFile, 'latin1').split('\n').map((l) => /^\d+:M [^#*]+[#*] (.*)$/.exec(l)?.[1]).filter((m): m is string => m !== undefined);
    const start = theirs.findIndex((m) => m.startsWith('Module /nonexistent'));
    t.deepEqual(lines.slice(from), theirs.slice(start));
    t.is(lines[from], 'Module /nonexistent/x.so failed to load: /nonexistent/x.so: cannot open shared object file: No such file or directory');
  } finally {
    kc.close();
    rc.close();
    await Promise.all([ks.close(), redis.stop()]);
  }
});
