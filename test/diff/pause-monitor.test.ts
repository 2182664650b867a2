// CLIENT PAUSE and MONITOR side by side with a real redis-server: the same scenario against both
// servers, what each client observed compared. These are the points where a review found us
// differing (fixed on 2026-11-28); the wire tests (test/wire/client-pause.test.ts, limits.test.ts)
// state the same expectations against Keystonelight alone.

import test from 'ava';
import { connect, type Socket } from 'node:net';
import { needBinary } from '../helpers/bins.js';
import { RawClient } from '../helpers/raw.js';
import { startRealRedis } from '../helpers/redis.js';
import { serve } from '../helpers/serve.js';
import { encodeArgs } from '../helpers/resp.js';
import { waitFor } from '../helpers/aof.js';
import { startBundle } from '../helpers/bundle.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A reply within `ms`, or 'held'. The replies expected here come at once; a held one (the bug) waits
 * for a pause that outlasts `ms`: 5 s tells the two apart on a loaded machine too. */
const within = (c: RawClient, ms = 5000): Promise<string> => Promise.race([c.read(), sleep(ms).then(() => 'held')]);

/** Runs `scenario` against our server and a real redis-server; returns both transcripts. */
async function both(t: import('ava').ExecutionContext, scenario: (port: number) => Promise<string[]>): Promise<{ ours: string[]; theirs: string[] }> {
  const [ks, redis] = await Promise.all([serve(t), startRealRedis()]);
  t.teardown(() => redis.stop());
  return { ours: await scenario(ks.port), theirs: await scenario(redis.port) };
}

/** Connects `n` raw clients, closed when the scenario ends. */
async function clients<T>(port: number, n: number, fn: (cs: RawClient[]) => Promise<T>): Promise<T> {
  const cs = await Promise.all(Array.from({ length: n }, () => RawClient.connect(port)));
  try {
    return await fn(cs);
  } finally {
    for (const c of cs) c.close();
  }
}

/** The named fields of the CLIENT LIST line that matches `pick`. */
function fields(list: string, pick: RegExp, names: string[]): string {
  const line = list.split('\n').find((l) => pick.test(l)) ?? '';
  return names.map((n) => new RegExp(` ${n}=(\\S*)`).exec(line)?.[1] ?? '?').map((v, i) => `${names[i]}=${v}`).join(' ');
}

test('CLIENT PAUSE ALL does not hold a MONITOR client: its PING and CLIENT UNPAUSE run at once', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await both(t, (port) => clients(port, 3, async ([m, p, g]) => {
    await m.call('MONITOR');
    await p.call('CLIENT', 'PAUSE', '60000', 'ALL'); // longer than within()'s wait: only the UNPAUSE ends it
    g.write(encodeArgs(['GET', 'a']));
    await sleep(100);
    m.write(encodeArgs(['PING']));
    const ping = await within(m);
    const own = (await within(m)).replace(/^\+\d+\.\d+ \[0 [^\]]*\] /, '+<time> [0 <addr>] '); // its own line, after the reply
    m.write(encodeArgs(['CLIENT', 'UNPAUSE']));
    const unpause = await within(m);
    return [ping, own, unpause, await within(g)];
  }));
  t.deepEqual(ours, theirs);
  t.deepEqual(ours, ['+PONG\r\n', '+<time> [0 <addr>] "PING"\r\n', '+OK\r\n', '$-1\r\n']);
});

test('CLIENT PAUSE with a timeout past the clock\'s range ends at once', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await both(t, (port) => clients(port, 2, async ([p, w]) => {
    const r = await p.call('CLIENT', 'PAUSE', '9223372036854775807', 'WRITE');
    await sleep(300); // Redis notices the end at its next check (cron, 100 ms)
    w.write(encodeArgs(['SET', 'z', '1']));
    const set = await within(w);
    await p.call('CLIENT', 'UNPAUSE');
    return [r, set];
  }));
  t.deepEqual(ours, theirs);
  t.deepEqual(ours, ['+OK\r\n', '+OK\r\n']);
});

test('CLIENT LIST of a client held by CLIENT PAUSE: flag b, its command, its arguments in argv-mem', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await both(t, (port) => clients(port, 2, async ([p, h]) => {
    await h.call('CLIENT', 'SETNAME', 'held');
    await p.call('CLIENT', 'PAUSE', '60000', 'WRITE'); // the UNPAUSE below ends it
    h.write(encodeArgs(['SET', 'x', '1']));
    // Until the server has read the held SET (another connection: no order without a look).
    let line = '';
    await waitFor(async () => / cmd=set$/.test(line = fields(await p.call('CLIENT', 'LIST'), /name=held/, ['flags', 'qbuf', 'argv-mem', 'cmd'])), 15_000, 'the SET to be held');
    await p.call('CLIENT', 'UNPAUSE');
    return [line, await within(h)];
  }));
  t.deepEqual(ours, theirs);
  t.deepEqual(ours, ['flags=b qbuf=0 argv-mem=5 cmd=set', '+OK\r\n']);
});

test('a pause that times out: the keys expired during it are gone before the held commands run', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await both(t, (port) => clients(port, 2, async ([p, h]) => {
    // The pause in the same write as the SETs: the 100 ms cannot pass (and the cron delete e1 and
    // e2) before it starts. It lasts 1 s: the DBSIZE 300 ms later runs during it, 700 ms to spare.
    await p.pipeline([['SET', 'e1', 'v', 'PX', '100'], ['SET', 'e2', 'v', 'PX', '100'], ['SET', 'keep', 'v'], ['CLIENT', 'PAUSE', '1000', 'WRITE']]);
    h.write(Buffer.concat([encodeArgs(['SET', 'x', '1']), encodeArgs(['DBSIZE'])]));
    await sleep(300);
    const during = await p.call('DBSIZE');
    return [during, await h.read(5000), await h.read(5000)];
  }));
  t.deepEqual(ours, theirs);
  t.deepEqual(ours, [':3\r\n', '+OK\r\n', ':2\r\n']);
});

test('a MONITOR past 8 MB of unread lines: its QUIT runs at once and no line follows it', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await both(t, (port) => clients(port, 1, async ([w]) => {
    const monitor: Socket = connect(port, '127.0.0.1');
    monitor.on('error', () => {});
    try {
      monitor.write('MONITOR\r\n');
      await new Promise((resolve) => monitor.once('data', resolve));
      monitor.pause();
      const sets = async (n: number, from: number): Promise<void> => {
        let pipeline = '';
        for (let i = from; i < from + n; i++) pipeline += `SET k${i} ${'x'.repeat(1000)}\r\n`;
        w.write(pipeline);
        for (let i = 0; i < n; i++) await w.read();
      };
      const line = async (): Promise<string> => (await w.call('CLIENT', 'LIST')).split('\n').find((l) => / cmd=(monitor|quit) /.test(l)) ?? '';
      await sets(12_000, 0);
      monitor.write('QUIT\r\n');
      // Until the server has run the QUIT (another connection: no order without a look).
      let before = '';
      await waitFor(async () => / cmd=quit /.test(before = await line()), 15_000, "the monitor's QUIT to run");
      await sets(2_000, 12_000);
      const omem = (l: string): string => / omem=(\d+) /.exec(l)?.[1] ?? '?';
      // omem itself differs (our blocks are not jemalloc's); whether it moved is compared.
      return [fields(before, /./, ['flags', 'qbuf', 'cmd']), String(omem(await line()) === omem(before))];
    } finally {
      monitor.destroy();
    }
  }));
  t.deepEqual(ours, theirs);
  t.deepEqual(ours, ['flags=Oc qbuf=0 cmd=quit', 'true']);
});

test('CLIENT UNPAUSE run by EXEC: the held commands run after the transaction, not inside it', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await both(t, (port) => clients(port, 2, async ([a, b]) => {
    await a.call('SET', 'k', 'old');
    await a.call('CLIENT', 'PAUSE', '5000', 'WRITE');
    b.write(encodeArgs(['SET', 'k', 'new'])); // held
    await sleep(100);
    const tx = await a.pipeline([['MULTI'], ['CLIENT', 'UNPAUSE'], ['GET', 'k'], ['EXEC']]);
    return [...tx, await within(b), await a.call('GET', 'k')];
  }));
  t.deepEqual(ours, theirs);
  t.deepEqual(ours, ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*2\r\n+OK\r\n$3\r\nold\r\n', '+OK\r\n', '$3\r\nnew\r\n']);
});

/**
 * A pause or a WAIT that ends by its timeout while the server is busy (a DEBUG SLEEP of another
 * client), with a write of a third client arriving meanwhile: the held command runs first, then
 * the new write, as Redis (its cron ends the pause, or beforeSleep times WAIT out, and the held
 * client runs before the next poll reads the new request). Ours ran the new write first (the held
 * command waited for setImmediate, after the poll phase). Ours runs as its bundle here: an
 * in-process server's DEBUG SLEEP would block the test's clients too.
 */
for (const kind of ['CLIENT PAUSE', 'WAIT'] as const) {
  test(`a ${kind} that times out while the server is busy: the held command runs before a write sent meanwhile, as on redis-server`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const [ks, redis] = await Promise.all([startBundle(['--enable-debug-command', 'yes']), startRealRedis(['--enable-debug-command', 'yes'])]);
    t.teardown(() => Promise.all([ks.stop(), redis.stop()]));
    const scenario = (port: number): Promise<string[]> => clients(port, 4, async ([admin, a, b, busy]) => {
      if (kind === 'CLIENT PAUSE') {
        await admin.call('CLIENT', 'PAUSE', '300', 'WRITE');
        a.write(encodeArgs(['SET', 'k', 'held']));
      } else {
        a.write(Buffer.concat([encodeArgs(['WAIT', '1', '300']), encodeArgs(['SET', 'k', 'held'])]));
      }
      await sleep(50);
      busy.write(encodeArgs(['DEBUG', 'SLEEP', '1'])); // the timeout passes during it
      await sleep(500);
      b.write(encodeArgs(['SET', 'k', 'later']));
      const held = kind === 'WAIT' ? [await a.read(5000), await a.read(5000)] : [await a.read(5000)];
      return [...held, await b.read(5000), await busy.read(5000), await admin.call('GET', 'k')];
    });
    const ours = await scenario(ks.port);
    const theirs = await scenario(redis.port);
    t.deepEqual(ours, theirs);
    t.deepEqual(ours.slice(-3), ['+OK\r\n', '+OK\r\n', '$5\r\nlater\r\n']);
  });
}

/**
 * Two WAITs whose deadlines both pass while the server is busy (a DEBUG SLEEP of another client):
 * Redis's beforeSleep times every one of them out (handleBlockedClientsTimeout) before it runs any
 * unblocked client, so the first one's pipeline finds the second no longer blocked: its CLIENT
 * UNBLOCK ... ERROR answers :0 and the second gets WAIT's :0. From 282b78b to wait-timeouts.ts ours
 * ran the first's pipeline inside its own timer, before the second's timer fired: :1, and
 * -UNBLOCKED for the other.
 */
test('WAITs timing out together: none of their pipelines runs before all of them are answered, as on redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([startBundle(['--enable-debug-command', 'yes']), startRealRedis(['--enable-debug-command', 'yes'])]);
  t.teardown(() => Promise.all([ks.stop(), redis.stop()]));
  const scenario = (port: number): Promise<string[]> => clients(port, 3, async ([a, b, busy]) => {
    const id = (await b.call('CLIENT', 'ID')).slice(1, -2);
    b.write(encodeArgs(['WAIT', '1', '200']));
    a.write(Buffer.concat([encodeArgs(['WAIT', '1', '100']), encodeArgs(['CLIENT', 'UNBLOCK', id, 'ERROR'])]));
    await sleep(20);
    busy.write(encodeArgs(['DEBUG', 'SLEEP', '0.5'])); // both deadlines pass during it
    return [await a.read(5000), await a.read(5000), await b.read(5000), await busy.read(5000)];
  });
  const ours = await scenario(ks.port);
  const theirs = await scenario(redis.port);
  t.deepEqual(theirs, [':0\r\n', ':0\r\n', ':0\r\n', '+OK\r\n']);
  t.deepEqual(ours, theirs);
});
