// The OOM killer's score of the server process (/proc/PID/oom_score_adj), as Redis 7.0's
// setOOMScoreAdj: oom-score-adj yes/relative adds the first of oom-score-adj-values to the score the
// process started with, absolute sets it, no puts the start's score back; at start and at each
// CONFIG SET. Side by side with redis-server; src/server/oom-score.ts.

import test from 'ava';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBundle } from '../helpers/bundle.js';
import { RawClient } from '../helpers/raw.js';
import { needBinary } from '../helpers/bins.js';
import { startRealRedis } from '../helpers/redis.js';
import { Config } from '../../src/config.js';
import { sinkLogger } from '../../src/server/log.js';
import { setOomScoreAdj } from '../../src/server/oom-score.js';

const score = (pid: number): string => readFileSync(`/proc/${pid}/oom_score_adj`, 'latin1').trim();

/** The scores a server shows at start and after each CONFIG SET, with the replies. */
async function steps(pid: number, port: number): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const seen = [score(pid)];
    for (const [name, value] of [['oom-score-adj-values', '150 200 800'], ['oom-score-adj', 'absolute'], ['oom-score-adj-values', '5000 0 0'], ['oom-score-adj-values', '1500 0 0'], ['oom-score-adj', 'relative'], ['oom-score-adj', 'no'], ['oom-score-adj-values', '300 400 500'], ['oom-score-adj', 'yes']]) {
      seen.push(`${name} ${value}: ${await c.call('CONFIG', 'SET', name, value)}`.trim(), score(pid));
    }
    return seen;
  } finally {
    c.close();
  }
}

test('oom-score-adj: the process score follows the options at start and at each CONFIG SET, as redis-server', async (t) => {
  if (!existsSync('/proc/self/oom_score_adj')) return t.pass('no /proc/self/oom_score_adj here');
  const base = Number(score(process.pid)); // inherited by both servers
  const args = ['--oom-score-adj', 'yes', '--oom-score-adj-values', '100 200 800'];
  const ours = await startBundle(args);
  t.teardown(() => void ours.stop('SIGKILL'));
  const seen = await steps(ours.proc.pid!, ours.port);
  t.is(seen[0], String(Math.min(1000, base + 100)));
  t.is(seen.at(-3), String(base), 'no puts the start\'s score back');
  if (!needBinary(t, 'redis-server')) return;
  const redis = await startRealRedis(args);
  t.teardown(() => redis.stop());
  t.deepEqual(seen, await steps(redis.proc.pid!, redis.port));
});

test('a score that cannot be read or written: Redis\'s warnings', (t) => {
  const lines: string[] = [];
  const log = sinkLogger('warning', (_l, m) => void lines.push(m));
  const config = new Config({ 'oom-score-adj': 'yes' });
  const dir = mkdtempSync(join(tmpdir(), 'ks-oom-'));
  t.false(setOomScoreAdj(config, log, join(dir, 'missing')));
  t.deepEqual(lines, ['Unable to read oom_score_adj: No such file or directory']);
  t.false(setOomScoreAdj(config, log, dir), 'as Redis, the base is not read again: the write is tried');
  t.deepEqual(lines.slice(1), ['Unable to write oom_score_adj: Is a directory']);
});

test('CONFIG SET of both options: applied with both new values, as redis-server', async (t) => {
  // Applied as each was set, `oom-score-adj-values "-1000 0 0" oom-score-adj no` first wrote the
  // start's score minus 1000, which a process without CAP_SYS_RESOURCE may not: the command failed
  // where Redis's only puts the start's score back.
  if (!existsSync('/proc/self/oom_score_adj')) return t.pass('no /proc/self/oom_score_adj here');
  if (!needBinary(t, 'redis-server')) return;
  const args = ['--oom-score-adj', 'yes', '--oom-score-adj-values', '100 200 800'];
  const ours = await startBundle(args);
  t.teardown(() => void ours.stop('SIGKILL'));
  const redis = await startRealRedis(args);
  t.teardown(() => redis.stop());
  const seen: string[][] = [];
  for (const [pid, port] of [[ours.proc.pid!, ours.port], [redis.proc.pid!, redis.port]]) {
    const c = await RawClient.connect(port);
    t.teardown(() => c.close());
    seen.push([
      await c.call('CONFIG', 'SET', 'oom-score-adj-values', '-1000 0 0', 'oom-score-adj', 'no'),
      score(pid),
      await c.call('CONFIG', 'GET', 'oom-score-adj'),
      await c.call('CONFIG', 'GET', 'oom-score-adj-values'),
    ]);
  }
  t.is(seen[0][0], '+OK\r\n');
  t.is(seen[0][1], score(process.pid));
  t.deepEqual(seen[0], seen[1]);
});
