// redis-benchmark against the built bundle: every test of the set completes, exits 0 and prints
// no error or warning line (redis-benchmark first asks CONFIG GET save / appendonly, and warns
// when that fails).

import test from 'ava';
import { needBinary } from '../helpers/bins.js';
import { startBundle } from '../helpers/bundle.js';
import { run } from '../helpers/run.js';

const TESTS = ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'MSET (10 keys)'];

for (const extra of [[], ['-P', '16']]) {
  test(`redis-benchmark -t ping,set,get,incr,mset -n 20000 -q ${extra.join(' ')}`, async (t) => {
    if (!needBinary(t, 'redis-benchmark')) return;
    const ks = await startBundle();
    t.teardown(() => ks.stop());
    const res = await run('redis-benchmark', ['-p', String(ks.port), '-t', 'ping,set,get,incr,mset', '-n', '20000', '-q', ...extra], { timeoutMs: 100_000 });
    t.is(res.code, 0, res.stderr);
    // -q prints progress lines separated by CR; the results are the last segment of each line.
    const lines = (res.stdout + '\n' + res.stderr).split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l !== '');
    const bad = lines.filter((l) => /error|warning|fail/i.test(l));
    t.deepEqual(bad, [], 'no error or warning lines');
    const results = lines.filter((l) => / requests per second/.test(l)).map((l) => l.split(':')[0]);
    t.deepEqual(results, TESTS);
    // Without -r every test uses the same key names: key:__rand_int__ and counter:__rand_int__.
    const dbsize = await run('redis-cli', ['-p', String(ks.port), 'DBSIZE']);
    t.is(dbsize.stdout, '2\n');
    const counter = await run('redis-cli', ['-p', String(ks.port), 'GET', 'counter:__rand_int__']);
    t.is(counter.stdout, '20000\n', 'every INCR counted');
  });
}
