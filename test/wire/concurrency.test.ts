// 200 concurrent ioredis connections doing mixed reads and writes, single commands and pipelines,
// checked against a model at the end. Each client owns some keys (so every read of them has one
// right answer, checked as it happens) and all share counters and append logs (whose final state
// is order-independent: sums, and each client's tokens in its own order).

import test from 'ava';
import { Redis } from 'ioredis';
import { startServer } from '../../src/index.js';
import { mulberry32, pick, type Rng } from '../helpers/rng.js';

const CLIENTS = 200;
const ROUNDS = 60;
const OWN_KEYS = 5;
const SHARED_COUNTERS = 4;
const SHARED_LOGS = 3;

interface Model {
  own: Map<string, string>;
  counters: number[];
  /** Tokens each client appended to each shared log, in order. */
  appended: string[][][];
}

/** One client's workload. Own-key reads are checked on the spot; shared effects go to the model. */
async function runClient(r: Redis, id: number, rng: Rng, model: Model, fail: (msg: string) => void): Promise<void> {
  const own = (k: number): string => `c${id}:k${k}`;
  const local = new Map<string, string>();
  const expectOwn = (key: string, got: string | null, what: string): void => {
    const want = local.get(key) ?? null;
    if (got !== want) fail(`client ${id}: ${what} ${key} = ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  };
  for (let round = 0; round < ROUNDS; round++) {
    const key = own(pick(rng, OWN_KEYS));
    switch (pick(rng, 8)) {
      case 0: {
        const v = `v${round}-${pick(rng, 1e6)}`;
        await r.set(key, v);
        local.set(key, v);
        break;
      }
      case 1:
        expectOwn(key, await r.get(key), 'GET');
        break;
      case 2: {
        const tail = `+${round}`;
        const len = await r.append(key, tail);
        local.set(key, (local.get(key) ?? '') + tail);
        if (len !== local.get(key)!.length) fail(`client ${id}: APPEND ${key} returned ${len}`);
        break;
      }
      case 3: {
        const n = await r.del(key);
        if (n !== (local.has(key) ? 1 : 0)) fail(`client ${id}: DEL ${key} returned ${n}`);
        local.delete(key);
        break;
      }
      case 4: {
        const keys = Array.from({ length: OWN_KEYS }, (_, k) => own(k));
        const got = await r.mget(...keys);
        keys.forEach((k, i) => expectOwn(k, got[i], 'MGET'));
        break;
      }
      case 5: {
        const c = pick(rng, SHARED_COUNTERS);
        const by = 1 + pick(rng, 10);
        await r.incrby(`counter:${c}`, by);
        model.counters[c] += by;
        break;
      }
      case 6: {
        const l = pick(rng, SHARED_LOGS);
        const token = `<${id}.${round}>`;
        await r.append(`log:${l}`, token);
        model.appended[l][id].push(token);
        break;
      }
      default: {
        // A pipeline mixing all of the above.
        const v = `p${round}`;
        const c = pick(rng, SHARED_COUNTERS);
        const l = pick(rng, SHARED_LOGS);
        const token = `[${id}.${round}]`;
        const res = await r.pipeline().set(key, v).incr(`counter:${c}`).append(`log:${l}`, token).get(key).exists(key).exec();
        local.set(key, v);
        model.counters[c] += 1;
        model.appended[l][id].push(token);
        if (res![3][1] !== v || res![4][1] !== 1) fail(`client ${id}: pipeline read back ${JSON.stringify(res)}`);
      }
    }
  }
  for (const [k, v] of local) model.own.set(k, v);
  for (let k = 0; k < OWN_KEYS; k++) if (!local.has(own(k))) model.own.set(own(k), '');
}

test(`${CLIENTS} concurrent ioredis connections: mixed reads and writes match the model`, async (t) => {
  const server = await startServer({ port: 0 });
  t.teardown(() => server.close());
  const clients = Array.from({ length: CLIENTS }, () => new Redis({ port: server.port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0 }));
  t.teardown(() => clients.forEach((c) => c.disconnect()));
  await Promise.all(clients.map((c) => c.ping()));
  t.is([...server.server.clients()].length, CLIENTS);

  const model: Model = {
    own: new Map(),
    counters: new Array(SHARED_COUNTERS).fill(0),
    appended: Array.from({ length: SHARED_LOGS }, () => Array.from({ length: CLIENTS }, () => [])),
  };
  const failures: string[] = [];
  await Promise.all(clients.map((c, id) => runClient(c, id, mulberry32(1000 + id), model, (m) => failures.push(m))));
  t.deepEqual(failures.slice(0, 10), [], 'reads during the run');

  // Final state, read through one connection.
  const r = clients[0];
  for (const [k, v] of model.own) t.is(await r.get(k), v === '' ? null : v, k);
  for (let c = 0; c < SHARED_COUNTERS; c++) {
    const got = await r.get(`counter:${c}`);
    t.is(got === null ? 0 : Number(got), model.counters[c], `counter:${c}`);
  }
  for (let l = 0; l < SHARED_LOGS; l++) {
    const log = (await r.get(`log:${l}`)) ?? '';
    const tokens = log.match(/[<[][0-9.]+[>\]]/g) ?? [];
    const expected = model.appended[l].flat();
    t.is(log.length, expected.join('').length, `log:${l} length`);
    t.deepEqual([...tokens].sort(), [...expected].sort(), `log:${l} tokens`);
    for (let id = 0; id < CLIENTS; id++) {
      const mine = tokens.filter((tok) => tok.slice(1).startsWith(`${id}.`));
      if (mine.join() !== model.appended[l][id].join()) t.fail(`log:${l}: client ${id}'s appends out of order`);
    }
  }
});
