// The order of several clients' requests, timeouts and the cron around a busy server, side by side
// with a real redis-server: one client's DEBUG SLEEP keeps the server busy while a WAIT or a CLIENT
// PAUSE times out and other clients' requests arrive. Redis then runs its cron (which ends a pause
// whose time is up and expires keys), then beforeSleep (WAIT timeouts, then the unblocked clients,
// the clients they unblock in turn included), and only then reads the requests sent meanwhile.
// Node runs the due timers in the order of their due times, and what a setImmediate defers runs
// after its poll phase has read those requests: each test here failed before the change it names.
// MONITOR shows the order the commands ran in on both servers. Ours runs as its bundle: an
// in-process server's DEBUG SLEEP would block the test's clients too.

import test from 'ava';
import { needBinary } from '../helpers/bins.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { encodeArgs } from '../helpers/resp.js';
import { startBundle } from '../helpers/bundle.js';
import { aofContent, parseAof } from '../helpers/aof.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const send = (c: RawClient, ...cmds: string[][]): void => c.write(Buffer.concat(cmds.map((a) => encodeArgs(a))));

/** Scenario clients, and a MONITOR client whose lines name them (c0, c1...) rather than their ports. */
interface Scene {
  cs: RawClient[];
  /** Reads MONITOR lines until one shows `cmd` (a blocked WAIT's line comes at once): it has run. */
  ran(cmd: string): Promise<void>;
  /** The MONITOR lines since the last ran(), named, once `ms` have passed. */
  lines(ms?: number): Promise<string[]>;
}

async function scene<T>(port: number, n: number, fn: (s: Scene) => Promise<T>): Promise<T> {
  const cs = await Promise.all(Array.from({ length: n }, () => RawClient.connect(port)));
  const m = await RawClient.connect(port);
  const names = new Map(cs.map((c, i) => [String(c.socket.localPort), `c${i}`]));
  const name = (line: string): string => line.replace(/^\+\d+\.\d+ \[(\d+) [^\]]*:(\d+)\]/, (_, db: string, p: string) => `[${db} ${names.get(p) ?? p}]`);
  try {
    await m.call('MONITOR');
    const s: Scene = {
      cs,
      async ran(cmd) {
        while (!(await m.read(5000)).includes(`"${cmd}"`));
      },
      async lines(ms = 200) {
        await sleep(ms);
        return m.pending().split('\r\n').filter((l) => l !== '').map(name);
      },
    };
    return await fn(s);
  } finally {
    for (const c of [...cs, m]) c.close();
  }
}

/** Runs `scenario` against our bundle and a real redis-server at once (each sleeps on its own). */
async function both(t: import('ava').ExecutionContext, args: string[], scenario: (port: number, dir: string) => Promise<string[]>): Promise<{ ours: string[]; theirs: string[] }> {
  const extra = ['--enable-debug-command', 'yes', ...args];
  const [ks, redis] = await Promise.all([startBundle(extra), startRealRedis(extra)]);
  t.teardown(() => Promise.all([ks.stop(), redis.stop()]));
  const [ours, theirs] = await Promise.all([scenario(ks.port, ks.dir), scenario(redis.port, redis.dir)]);
  return { ours, theirs };
}

test('a WAIT and a CLIENT PAUSE that time out in one busy period: the paused command runs before the rest of the WAIT pipeline', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  // Redis's cron ends the pause (its held SET queued first), then beforeSleep times the WAIT out;
  // ours ran the WAIT's GET first, its timer being due before the pause's.
  const { ours, theirs } = await both(t, [], (port) => scene(port, 4, async ({ cs: [p, h, w, busy], ran, lines }) => {
    await p.call('CLIENT', 'PAUSE', '600', 'WRITE');
    send(h, ['SET', 'k', 'held']);
    send(w, ['WAIT', '1', '300'], ['GET', 'k']);
    await ran('WAIT');
    send(busy, ['DEBUG', 'SLEEP', '1']); // both timeouts pass during it
    const replies = [await w.read(5000), await w.read(5000), await h.read(5000), await busy.read(5000)];
    return [...replies, ...(await lines())];
  }));
  t.deepEqual(ours, theirs);
  t.deepEqual(ours.slice(0, 2), [':0\r\n', '$4\r\nheld\r\n']);
});

test('a WAIT that times out in a busy period: the overdue cron expires keys before the rest of its pipeline', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  // At hz 1 the cron's next run is 850-1000 ms after the one that takes the new rate: the WAIT's
  // deadline (300 ms) comes before it, the DEBUG SLEEP's end after it. Redis's cron runs first
  // (the keys that expired are deleted: DBSIZE 1, their DELs before the SET in the AOF); ours ran
  // the WAIT's pipeline first, its timer being due first (DBSIZE 3, the SET before the DELs).
  const { ours, theirs } = await both(t, ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no'], (port, dir) => scene(port, 3, async ({ cs: [a, w, busy], ran, lines }) => {
    await a.call('CONFIG', 'SET', 'hz', '1');
    await sleep(150); // the run at the old rate (100 ms) has taken the new one
    await a.pipeline([['SET', 'e1', 'v', 'PX', '50'], ['SET', 'e2', 'v', 'PX', '50'], ['SET', 'keep', 'v']]);
    send(w, ['WAIT', '1', '300'], ['DBSIZE'], ['SET', 'w', '1']);
    await ran('WAIT');
    send(busy, ['DEBUG', 'SLEEP', '1.2']);
    const replies = [await w.read(5000), await w.read(5000), await w.read(5000), await busy.read(5000)];
    const info = await a.call('INFO', 'stats');
    // The expiry's DELs come in the order the cycle met the keys (Redis's is random): unnamed.
    const aof = parseAof(aofContent(dir)).map((c) => (c[0] === 'DEL' ? 'DEL' : `${c[0]} ${c[1]}`)).join(', ');
    return [...replies, /expired_keys:\d+/.exec(info)?.[0] ?? '?', aof, ...(await lines())];
  }));
  t.deepEqual(ours, theirs);
  t.deepEqual(ours.slice(0, 6), [':0\r\n', ':1\r\n', '+OK\r\n', '+OK\r\n', 'expired_keys:2', 'SELECT 0, SET e1, SET e2, SET keep, DEL, DEL, SET w']);
});

/**
 * A WAIT that times out in a busy period runs, in its pipeline, a command that ends another
 * client's block: that client runs before the request a third client sent meanwhile, as Redis's
 * processUnblockedClients takes the clients unblocked while it runs. Ours deferred it to a
 * setImmediate, after the poll phase had run the third client's SET (the held SET won).
 */
for (const ends of ['CLIENT UNPAUSE', 'CLIENT UNBLOCK'] as const) {
  test(`a ${ends} run by a pipeline that a timeout resumed: the client it frees runs before requests sent meanwhile`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const { ours, theirs } = await both(t, [], (port) => scene(port, 5, async ({ cs: [p, h, w, busy, late], ran, lines }) => {
      if (ends === 'CLIENT UNPAUSE') {
        await p.call('CLIENT', 'PAUSE', '10000', 'WRITE');
        send(h, ['SET', 'k', 'held']);
        send(w, ['WAIT', '1', '200'], ['CLIENT', 'UNPAUSE']);
      } else {
        const id = (await h.call('CLIENT', 'ID')).slice(1, -2);
        send(h, ['WAIT', '1', '0'], ['SET', 'k', 'held']);
        await ran('WAIT');
        send(w, ['WAIT', '1', '200'], ['CLIENT', 'UNBLOCK', id]);
      }
      await ran('WAIT');
      send(busy, ['DEBUG', 'SLEEP', '0.8']);
      await sleep(300);
      send(late, ['SET', 'k', 'late']);
      const held = ends === 'CLIENT UNPAUSE' ? [await h.read(5000)] : [await h.read(5000), await h.read(5000)];
      const replies = [await w.read(5000), await w.read(5000), ...held, await late.read(5000), await busy.read(5000)];
      return [...replies, await p.call('GET', 'k'), ...(await lines())];
    }));
    t.deepEqual(ours, theirs);
    t.is(ours.find((r) => r.startsWith('$')), '$4\r\nlate\r\n');
  });
}
