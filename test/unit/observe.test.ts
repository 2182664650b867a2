// The pieces behind LATENCY and INFO latencystats, checked against numbers a real Redis 7.0.15
// printed for the same inputs: HdrHistogram percentiles and buckets, the sparkline graph, and
// SLOWLOG's argument trimming.

import test from 'ava';
import { Histogram, highestEquivalent } from '../../src/server/histogram.js';
import { sparkline } from '../../src/commands/sparkline.js';
import { SlowLog } from '../../src/commands/slowlog.js';
import { LatencyMonitor } from '../../src/commands/latency.js';
import type { ClientApi, ServerStats } from '../../src/commands/context.js';
import { Observer } from '../../src/server/observe.js';
import { buildCommandTable } from '../../src/commands/index.js';
import { Config } from '../../src/config.js';
import { performance } from 'node:perf_hooks';
import { mulberry32 } from '../helpers/rng.js';
import type { CommandSpec } from '../../src/commands/types.js';

test('histogram percentiles are HdrHistogram\'s highest equivalent values (Redis: p50=7.007, 87.039)', (t) => {
  const h = new Histogram();
  h.recordUsec(7);
  t.is(h.valueAtPercentile(50) / 1000, 7.007);
  const g = new Histogram();
  g.recordUsec(87);
  t.is(g.valueAtPercentile(99.9), 87039);
  const n = new Histogram();
  n.recordUsec(19);
  t.is(n.valueAtPercentile(0), 18944, 'p0 is the lowest value of the bucket (Redis: p0=18.944)');
  t.is(n.valueAtPercentile(50), 19071);
  const z = new Histogram();
  z.recordUsec(0);
  t.is(z.valueAtPercentile(50), 1, 'a 0 µs command is recorded as 1 ns, as Redis clamps it');
  const m = new Histogram();
  for (let i = 1; i <= 100; i++) m.recordUsec(i);
  t.is(m.valueAtPercentile(50), highestEquivalent(50000));
  t.is(m.valueAtPercentile(100), highestEquivalent(100000));
});

test('histogram cumulative buckets as LATENCY HISTOGRAM shows them (Redis: 16908 -> 1, 33816 -> 4)', (t) => {
  const h = new Histogram();
  for (const us of [12000, 20000, 30000, 30500]) h.recordUsec(us);
  t.deepEqual(h.cumulativeBuckets(), [[16908, 1], [33816, 4]]);
  const s = new Histogram();
  for (const us of [1, 1, 3, 7]) s.recordUsec(us);
  t.deepEqual(s.cumulativeBuckets(), [[1, 2], [4, 3], [8, 4]]);
});

test('sparkline draws what Redis drew for samples 12, 20, 30 ms', (t) => {
  const graph = sparkline([{ value: 12, label: '4s' }, { value: 20, label: '2s' }, { value: 30, label: '1s' }], 80, 4);
  t.is(graph, '  #\n  |\n #|\n_||\n   \n421\nsss\n');
  t.is(sparkline([{ value: 50, label: '0s' }], 80, 4), ' \n \n \n_\n \n0\ns\n', 'one sample: the bottom row');
});

test('latency series keep one sample per second (the highest) and the all-time maximum', (t) => {
  const mon = new LatencyMonitor();
  mon.sample('command', 100);
  t.is(mon.events.size, 0, 'off while the threshold is 0');
  mon.threshold = 10;
  mon.sample('command', 5);
  t.is(mon.events.size, 0, 'below the threshold');
  mon.sample('command', 50);
  mon.sample('command', 20);
  const s = mon.events.get('command')!;
  t.is(s.samples().length, 1);
  t.is(s.latest()[1], 50);
  t.is(s.max, 50);
  t.is(mon.reset('COMMAND'), 1);
});

test('slow log entries: 32 arguments at most, 128 bytes per argument, newest first, trimmed', (t) => {
  const log = new SlowLog();
  const client = { addr: '1.2.3.4:5', name: 'n' } as ClientApi;
  const many = ['CMD', ...Array.from({ length: 40 }, (_, i) => `a${i}`)];
  log.push(many, 12.7, client, 1_700_000_000_999, 2);
  log.push(['SET', 'k', 'x'.repeat(130)], 3, client, 1_700_000_001_000, 2);
  log.push(['PING'], 1, client, 1_700_000_001_000, 2);
  t.is(log.length, 2);
  const [newest, older] = log.latest(-1);
  t.deepEqual(newest.args, ['PING']);
  t.is(newest.id, 2);
  t.deepEqual(older.args, ['SET', 'k', `${'x'.repeat(128)}... (2 more bytes)`]);
  t.is(older.time, 1_700_000_001);
  log.reset();
  log.push(many, 12.7, client, 1_700_000_000_999, 10);
  const [e] = log.latest(1);
  t.is(e.args.length, 32);
  t.is(e.args[31], '... (10 more arguments)');
  t.is(e.usec, 12);
  t.is(e.id, 3, 'ids go on across RESET');
});

/** An Observer over the real command table, its fast commands deferred as a pipeline runs them. */
function observerRun(config: Config, commands: string[][]): { obs: Observer; table: ReturnType<typeof buildCommandTable> } {
  const table = buildCommandTable();
  const stats = { totalCommands: 0, errorReplies: 0 } as unknown as ServerStats;
  const obs = new Observer(table, config, () => stats);
  const client = { addr: '127.0.0.1:5', name: '' } as unknown as ClientApi;
  obs.markBatch();
  for (const args of commands) {
    const spec = table.get(args[0])!;
    obs.ran(client, spec, args, 'OK');
    obs.time(client, spec, args, 'OK');
  }
  obs.endFastRun();
  return { obs, table };
}

test('a run of fast commands counts every call in commandstats and latencystats, the run\'s time shared evenly', (t) => {
  const { obs, table } = observerRun(new Config(), [['get', 'a'], ['get', 'b'], ['incr', 'n'], ['get', 'c'], ['incr', 'n']]);
  const get = obs.commandStats.of(table.get('get')!);
  const incr = obs.commandStats.of(table.get('incr')!);
  t.deepEqual([get.calls, get.hist?.total, incr.calls, incr.hist?.total], [3, 3, 2, 2]);
  t.true(get.usec > 0);
  t.true(Math.abs(get.usec / 3 - incr.usec / 2) < 1e-9);
  t.is(obs.slowlog.latest(-1).length, 0);
});

test('with slowlog-log-slower-than 0 every command of a run is logged with its own arguments', (t) => {
  const { obs } = observerRun(new Config({ 'slowlog-log-slower-than': '0' }), [['get', 'a'], ['get', 'b'], ['incr', 'n']]);
  t.deepEqual(obs.slowlog.latest(-1).map((e) => e.args), [['incr', 'n'], ['get', 'b'], ['get', 'a']]);
});

/**
 * The Observer as it recorded a run before each stretch of one command was recorded at once:
 * every deferred command through took() (the reference for the randomized comparison below).
 */
class OneByOne extends Observer {}
interface Deferred {
  deferred: number;
  deferredClients: ClientApi[];
  deferredSpecs: CommandSpec[];
  deferredArgs: string[][];
  took: Observer['took'];
}
(OneByOne.prototype as unknown as { timeDeferred: (usec: number) => void }).timeDeferred = function (this: Deferred, usec: number) {
  const n = this.deferred;
  this.deferred = 0;
  for (let i = 0; i < n; i++) this.took(this.deferredClients[i], this.deferredSpecs[i], this.deferredArgs[i], usec / n);
  this.deferredArgs = [];
};

test('fuzz: runs of fast and other commands record what one-by-one timing did (commandstats, latencystats, slow log, latency events)', (t) => {
  const rng = mulberry32(4711);
  const now = performance.now;
  let clock = 1000;
  performance.now = () => clock / 1000;
  const names = [['get', 'a'], ['set', 'a', 'v'], ['incr', 'n'], ['ping'], ['keys', '*'], ['mset', 'a', 'b'], ['exists', 'a', 'b'], ['getrange', 'a', '0', '-1'], ['strlen', 'a']];
  const bad: string[] = [];
  try {
    for (let n = 0; n < 300; n++) {
      const table = buildCommandTable();
      const slow = ['-1', '0', '1', '500', '100000'][Math.floor(rng() * 5)];
      const lat = ['0', '1', '2', '1000'][Math.floor(rng() * 4)];
      const configs = [new Config({ 'slowlog-log-slower-than': slow, 'latency-monitor-threshold': lat }), new Config({ 'slowlog-log-slower-than': slow, 'latency-monitor-threshold': lat })];
      const stats = { totalCommands: 0, errorReplies: 0 } as unknown as ServerStats;
      const observers = [new Observer(table, configs[0], () => stats), new OneByOne(table, configs[1], () => stats)];
      const client = { addr: '127.0.0.1:5', name: '' } as unknown as ClientApi;
      const steps: (() => void)[] = [];
      for (let k = 10 + Math.floor(rng() * 60); k > 0; k--) {
        const r = rng();
        if (r < 0.05) {
          steps.push(() => observers.forEach((o) => o.markBatch()));
        } else if (r < 0.1) {
          steps.push(() => observers.forEach((o) => o.deferred !== 0 && o.endFastRun()));
        } else if (r < 0.12) {
          steps.push(() => observers.forEach((o) => o.reset()));
        } else if (r < 0.14) {
          const v = ['-1', '0', '3', '100000'][Math.floor(rng() * 4)];
          steps.push(() => configs.forEach((c) => c.set('slowlog-log-slower-than', v)));
        } else {
          const args = names[Math.floor(rng() * names.length)];
          const dt = rng() < 0.8 ? rng() * 3 : rng() * 4000;
          steps.push(() => {
            clock += dt;
            for (const o of observers) {
              const spec = table.get(args[0])!;
              if (!spec.isFast && o.deferred !== 0) o.endFastRun();
              o.ran(client, spec, args, 'OK');
              o.time(client, spec, args, 'OK');
            }
          });
        }
      }
      observers.forEach((o) => o.markBatch());
      for (const s of steps) s();
      observers.forEach((o) => o.deferred !== 0 && o.endFastRun());
      const view = (o: Observer): unknown => ({
        stats: [...table.values()].map((spec) => {
          const st = o.commandStats.of(spec);
          return [spec.name, st.calls, st.usec.toFixed(6), st.hist === null ? null : [st.hist.total, [...st.hist.counts].join()]];
        }),
        slowlog: o.slowlog.latest(-1).map((e) => [e.id, e.args, e.usec]),
        latency: [...o.latency.events].map(([name, s]) => [name, s.samples().map((x) => x[1]), s.max]),
      });
      const [a, b] = observers.map((o) => JSON.stringify(view(o)));
      if (a !== b) bad.push(`#${n} slowlog ${slow} latency ${lat}`);
    }
  } finally {
    performance.now = now;
  }
  t.is(bad.length, 0, bad.slice(0, 3).join(' | '));
});
