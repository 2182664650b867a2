// Self-tests of the differential harness's reply normalisation (no servers needed): if these were
// wrong, the corpus and the random stream could pass or fail for the wrong reasons.

import test from 'ava';
import { applyMasks, escape, mapItem, showCommand, sortTop, splitTop } from './pair.js';
import { Rng, Stream } from './generators.js';
import { HELLO_ID } from './cases/types.js';

test('splitTop splits arrays, sets and maps into raw elements', (t) => {
  t.deepEqual(splitTop('*2\r\n$1\r\nb\r\n:1\r\n'), { header: '*2\r\n', type: '*', items: ['$1\r\nb\r\n', ':1\r\n'] });
  t.deepEqual(splitTop('%1\r\n+k\r\n*1\r\n_\r\n')?.items, ['+k\r\n', '*1\r\n_\r\n']);
  t.is(splitTop('$1\r\na\r\n'), null);
  t.is(splitTop('*-1\r\n'), null);
  t.is(splitTop('<connection closed>'), null);
});

test('sortTop orders top-level elements only, and map entries as pairs', (t) => {
  t.is(sortTop('*3\r\n$1\r\nc\r\n$1\r\na\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n'), '*3\r\n$1\r\na\r\n$1\r\nc\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n');
  t.is(sortTop('~2\r\n$1\r\nb\r\n$1\r\na\r\n'), '~2\r\n$1\r\na\r\n$1\r\nb\r\n');
  t.is(sortTop('%2\r\n$1\r\nb\r\n:1\r\n$1\r\na\r\n:2\r\n'), '%2\r\n$1\r\na\r\n:2\r\n$1\r\nb\r\n:1\r\n');
  t.is(sortTop('-ERR x\r\n'), '-ERR x\r\n');
});

test('mapItem rewrites one element (SCAN keys sorted inside [cursor, keys])', (t) => {
  const scan = '*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n';
  t.is(mapItem(scan, 1, sortTop), '*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n');
});

test('HELLO_ID masks the id in RESP2 and RESP3 HELLO replies, nothing else', (t) => {
  const r2 = '*4\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:17\r\n';
  const r3 = '%2\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:5\r\n';
  t.is(applyMasks(r2, [{ cmd: 0, pattern: HELLO_ID }]), '*4\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:<masked>\r\n');
  t.is(applyMasks(r3, [{ cmd: 0, pattern: HELLO_ID, with: 'N' }]), '%2\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:N\r\n');
  t.is(applyMasks(':12\r\n', [{ cmd: 0, pattern: /\d+/ }]), ':<masked>\r\n');
});

test('escape and showCommand make binary readable', (t) => {
  t.is(escape('$2\r\n\x00\xff\r\n'), '$2\\r\\n\\u0000ÿ\\r\\n');
  t.true(escape('x'.repeat(1000), 10).startsWith('xxxxxxxxxx...'));
  t.is(showCommand(['SET', 'k', 'a b', '']), 'SET k "a b" ""');
});

test('the random stream is reproducible from its seed and only uses the given commands', (t) => {
  const names = ['get', 'set', 'incr', 'nosuchcommand'];
  const a = new Stream(new Rng(7), names);
  const b = new Stream(new Rng(7), names);
  const xs = Array.from({ length: 200 }, () => a.next());
  t.deepEqual(xs, Array.from({ length: 200 }, () => b.next()));
  t.deepEqual(a.commands, ['get', 'incr', 'set']);
  t.true(xs.every((args) => ['get', 'set', 'incr'].includes(args[0].toLowerCase())));
});
