// node-redis (`redis` 6) application code run against Keystonelight and against a real
// redis-server 7.0.15 side by side (test/helpers/lib-diff.ts), in RESP2 and RESP3: the typed APIs'
// parsed replies, thrown errors, scanIterator, multi/WATCH, DUMP/RESTORE with Buffers, and the
// introspection replies libraries parse (INFO, CLIENT INFO/LIST, HELLO, CONFIG GET, COMMAND INFO).
// Features Keystonelight lacks (CLIENT TRACKING, pub/sub) are checked to fail with Redis's texts.

import test from 'ava';
import { createClient, RESP_TYPES } from 'redis';
import { recordEvents, sameOnBoth, settle, sideBySide, sleep, until } from '../helpers/lib-diff.js';

type Client = ReturnType<typeof createClient<Record<string, never>, Record<string, never>, Record<string, never>, 2 | 3>>;

async function nr(port: number, RESP: 2 | 3, opts: { name?: string; database?: number } = {}): Promise<Client> {
  const c = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, RESP, ...opts }) as Client;
  c.on('error', () => {}); // surfaced through the command promises
  await c.connect();
  return c;
}

/** The type of each leaf: the shape an application relies on when it parses a reply. */
function shape(v: unknown): unknown {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return v.map(shape);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}

const epoch = (): number => Math.floor(Date.now() / 1000);

async function typedStrings(c: Client): Promise<unknown[]> {
  const r: unknown[] = [];
  r.push(await c.set('a', 'v1', { expiration: { type: 'EX', value: 100 } }), await c.set('a', 'v2', { GET: true, KEEPTTL: true }), await c.ttl('a'));
  r.push(await c.set('b', 'x', { expiration: { type: 'EXAT', value: epoch() + 500 } }), (await c.ttl('b')) > 400);
  r.push(await c.set('b', 'y', { condition: 'NX' }), await c.set('b', 'y', { condition: 'XX', GET: true }));
  r.push(await c.getEx('a', { type: 'PERSIST' }), await c.ttl('a'), await c.getEx('a', { type: 'PX', value: 50000 }), (await c.pTTL('a')) > 40000);
  r.push(await c.copy('a', 'c'), await c.copy('a', 'c'), await c.copy('a', 'c', { REPLACE: true, DB: 2 }));
  await c.set('l1', 'ohmytext');
  await c.set('l2', 'mynewtext');
  r.push(await c.lcs('l1', 'l2'), await c.lcsLen('l1', 'l2'), await c.lcsIdx('l1', 'l2'), await c.lcsIdxWithMatchLen('l1', 'l2', { MINMATCHLEN: 2 }));
  r.push(await c.bitField('bf', [{ operation: 'SET', encoding: 'u8', offset: 0, value: 200 }, { operation: 'INCRBY', encoding: 'u8', offset: 0, increment: 100 }, { operation: 'GET', encoding: 'i4', offset: 3 }]));
  r.push(await c.bitField('bf', [{ operation: 'OVERFLOW', behavior: 'FAIL' }, { operation: 'INCRBY', encoding: 'u8', offset: 0, increment: 250 }]));
  r.push(await c.bitFieldRo('bf', [{ encoding: 'u8', offset: 0 }]));
  await c.set('n', '12345');
  await c.set('e', 'x'.repeat(50));
  r.push(await c.objectEncoding('n'), await c.objectEncoding('e'), await c.objectEncoding('a'), await c.objectEncoding('missing'));
  r.push(typeof (await c.memoryUsage('a')), await c.memoryUsage('missing'), await c.objectRefCount('a'), await settle(c.objectFreq('a')));
  r.push(await c.incrByFloat('f', 1.5), await c.incrByFloat('f', 0.1), await c.mGet(['a', 'nope', 'n']), await c.exists(['a', 'n', 'q']));
  r.push((await c.expireTime('a')) > 0, await c.expireTime('n'), await c.pExpireTime('zz'), await c.expire('n', 100, 'NX'), await c.expire('n', 50, 'GT'));
  r.push(await c.setRange('e', 2, 'ab'), await c.append('e', 'z'), await c.getDel('e'), await c.getDel('e'), await c.getSet('n', '1'), await c.decrBy('n', 5));
  r.push(await c.mSetNX(['m1', 'a', 'm2', 'b']), await c.mSetNX(['m1', 'a', 'm3', 'b']), await c.renameNX('m1', 'm2'), await c.move('m3', 5));
  r.push(await c.bitCount('bf'), await c.bitPos('bf', 1), await c.setBit('bb', 7, 1), await c.bitOp('OR', 'dest', ['bb', 'bf']));
  r.push(await c.ping(), await c.ping('msg'), await c.echo('hi'), (await c.keys('*')).sort());
  return r;
}

for (const RESP of [2, 3] as const) {
  test(`RESP${RESP}: typed string and key APIs (SET GET/KEEPTTL/EXAT, getEx, copy, lcs, bitField, objectEncoding ...)`, (t) =>
    sameOnBoth(t, async (port) => {
      const c = await nr(port, RESP);
      const r = await typedStrings(c);
      c.destroy();
      return r;
    }));

  test(`RESP${RESP}: scanIterator, multi/WATCH, DUMP/RESTORE with Buffers, odd sendCommand calls`, (t) =>
    sameOnBoth(t, async (port) => {
      const c = await nr(port, RESP);
      const r: Record<string, unknown> = {};
      const m = c.multi();
      for (let i = 0; i < 3000; i++) m.set(`k:${i % 5}:${i}`, String(i));
      await m.execAsPipeline();
      const seen = new Set<string>();
      for await (const keys of c.scanIterator({ MATCH: 'k:2:*', COUNT: 200 })) keys.forEach((k) => seen.add(k));
      r.scan = [...seen].sort();
      const other = await c.duplicate().on('error', () => {}).connect();
      await c.set('w', '1');
      await c.watch('w');
      await other.set('w', '2');
      r.watchConflict = await settle(c.multi().set('w', '3').get('w').exec());
      r.execAbort = await settle(c.multi().set('w', '3').addCommand(['NOPE']).get('w').exec());
      r.execRuntime = await settle(c.multi().set('s', 'x').incr('s').get('s').exec());
      r.pipeline = await settle(c.multi().set('s', 'x').incr('s').get('s').execAsPipeline());
      await c.set('bin', Buffer.from([0, 1, 2, 255, 254, 13, 10]), { expiration: { type: 'PX', value: 100000 } });
      const cb = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      const dump = await cb.dump('bin');
      r.restore = [await c.restore('bin2', 0, dump), await settle(c.restore('bin2', 0, dump)), await c.restore('bin2', 5000, dump, { REPLACE: true })];
      r.back = [await cb.get('bin2'), (await c.pTTL('bin2')) > 4000, await settle(c.restore('bin4', 0, Buffer.from('garbage'))), await cb.dump('nope')];
      r.odd = await Promise.all([['GET'], ['COMMAND', 'GETKEYS', 'get'], ['CLIENT', 'NO-EVICT', 'maybe'], ['ECHO', ''], ['INCRBYFLOAT', 'fl', '1e308'], ['SETRANGE', 'sr', '536870912', 'x'], ['GETEX', 'a', 'PERSIST', 'EX', '1'], ['DEBUG', 'SLEEP', '0']].map((cmd) => settle(c.sendCommand(cmd))));
      other.destroy();
      c.destroy();
      return r;
    }));

  test(`RESP${RESP}: INFO, CLIENT INFO / LIST, HELLO, CONFIG GET, COMMAND INFO as node-redis parses them`, (t) =>
    sameOnBoth(t, async (port) => {
      const c = await nr(port, RESP, { name: 'app1', database: 2 });
      // Field names and value kinds; ours adds a few fields of its own (documented in redis-compat.md).
      const ourOwn = /^(server_name|keystonelight_version|eventloop_max_stall_ms|redis_build_id|errorstat_.*|cmdstat_client\|setinfo)$/;
      const kind = (v: string): string => (/^-?\d+$/.test(v) ? 'int' : /^-?\d+\.\d+$/.test(v) ? 'float' : 'text');
      const info = (await c.info()).split('\r\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':'));
      const fields = info.filter(([k]) => !ourOwn.test(k) && !k.startsWith('cmdstat_')).map(([k, ...v]) => `${k}=${kind(v.join(':'))}`);
      const hello = await c.hello();
      return {
        fields,
        sections: (await c.info('everything')).split('\r\n').filter((l) => l.startsWith('#')),
        clientInfo: shape(await c.clientInfo()),
        clientList: shape(await c.clientList()),
        name: [await c.clientGetName(), (await c.clientInfo()).db],
        hello: [shape(hello), hello.server, hello.version, hello.mode, hello.role],
        configGet: Object.entries(await c.configGet('maxmemory*')).sort(),
        configSet: await c.configSet({ 'maxmemory-samples': '7' }),
        commandInfo: await c.commandInfo(['get', 'set', 'nope']),
        commandList: (await c.commandList({ FILTERBY: { type: 'ACLCAT', value: 'bitmap' } })).sort(),
        commandDocs: await c.sendCommand(['COMMAND', 'DOCS', 'get', 'lcs']),
        server: [typeof (await c.lastSave()), await c.role(), shape(await c.memoryStats()), await c.aclWhoAmI(), await c.aclUsers(), await c.moduleList(), await c.functionList()],
      };
    }));

  test(`RESP${RESP}: monitor() lines, and what a monitoring connection answers`, (t) =>
    sameOnBoth(t, async (port) => {
      const [c, m] = [await nr(port, RESP), await nr(port, RESP)];
      const got: string[] = [];
      await m.monitor((line) => got.push(String(line).replace(/^\d+\.\d+ \[\d+ 127\.0\.0\.1:\d+\]/, 'T [db addr]')));
      await c.set('a', 'x y"\\\n\x01');
      await c.select(2);
      await c.incr('n');
      await settle(c.sendCommand(['AUTH', 'x', 'y']));
      await until(() => got.length === 4);
      const after = await settle(m.get('a'));
      m.destroy();
      c.destroy();
      return [got, after];
    }));
}

test('CLIENT TRACKING, client-side caching and pub/sub (not supported): Redis\'s unknown-subcommand / unknown-command errors', async (t) => {
  const seen = await sideBySide(t, async (port) => {
    const c = await nr(port, 3);
    const errors = [await settle(c.clientTracking(true)), await settle(c.sendCommand(['CLIENT', 'CACHING', 'yes'])), await settle(c.publish('ch', 'x')), await settle(c.subscribe('ch', () => {}))];
    c.destroy();
    const cached = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
    const ev = recordEvents(cached, ['error']);
    const connect = await settle(cached.connect().then(() => 'connected'));
    if (cached.isOpen) cached.destroy();
    return [errors, connect, ev];
  });
  if (seen === null) return;
  const unknownSub = (name: string): unknown => ({ error: 'SimpleError', message: `ERR unknown subcommand '${name}'. Try CLIENT HELP.` });
  t.deepEqual(seen.ours, [
    [unknownSub('TRACKING'), unknownSub('CACHING'), { error: 'SimpleError', message: "ERR unknown command 'PUBLISH', with args beginning with: 'ch' 'x' " }, { error: 'SimpleError', message: "ERR unknown command 'subscribe', with args beginning with: 'ch' " }],
    unknownSub('TRACKING'),
    [`error:${(unknownSub('TRACKING') as { message: string }).message}`],
  ]);
  t.deepEqual((seen.theirs as unknown[])[1], 'connected', 'redis-server 7.0.15 has tracking');
});

// Which writes of another client (or the server) abort a WATCHed transaction, from node-redis.
const WATCH_CASES: [string, string[] | null, string[] | null, number?][] = [
  ['SET of the same value', ['SET', 'k', 'v'], ['SET', 'k', 'v']],
  ['DEL of a missing key', null, ['DEL', 'k']],
  ['FLUSHDB with the key missing', null, ['FLUSHDB']],
  ['SWAPDB with an empty db', ['SET', 'k', 'v'], ['SWAPDB', '0', '1']],
  ['PERSIST without a TTL', ['SET', 'k', 'v'], ['PERSIST', 'k']],
  ['GETEX PERSIST of a TTL', ['SET', 'k', 'v', 'EX', '100'], ['GETEX', 'k', 'PERSIST']],
  ['APPEND of nothing', ['SET', 'k', 'v'], ['APPEND', 'k', '']],
  ['SETRANGE of nothing', ['SET', 'k', 'v'], ['SETRANGE', 'k', '0', '']],
  ['SETBIT to the same bit', ['SETBIT', 'k', '1', '1'], ['SETBIT', 'k', '1', '1']],
  ['BITFIELD SET of the same byte', ['SET', 'k', 'v'], ['BITFIELD', 'k', 'SET', 'u8', '0', '118']],
  ['BITOP of missing keys onto it', ['SET', 'k', 'v'], ['BITOP', 'OR', 'k', 'nope1', 'nope2']],
  ['INCRBY 0', ['SET', 'k', '5'], ['INCRBY', 'k', '0']],
  ['COPY of a missing key onto it', ['SET', 'k', 'v'], ['COPY', 'nosrc', 'k', 'REPLACE']],
  ['RENAME to itself', ['SET', 'k', 'v'], ['RENAME', 'k', 'k']],
  ['MOVE to db 1', ['SET', 'k', 'v'], ['MOVE', 'k', '1']],
  ['EXPIRE NX that fails', ['SET', 'k', 'v', 'EX', '100'], ['EXPIRE', 'k', '50', 'NX']],
  ['MSETNX that fails', ['SET', 'k', 'v'], ['MSETNX', 'k', 'x', 'j', 'y']],
  ['expired when watched', ['SET', 'k', 'v', 'PX', '1'], null],
  ['expires after WATCH', ['SET', 'k', 'v', 'PX', '60'], null, 120],
];

test('WATCH: which writes of another client abort exec(), the same as redis-server', async (t) => {
  const ours = await sameOnBoth(t, async (port) => {
    const out: Record<string, string> = {};
    for (const [name, before, write, wait = 0] of WATCH_CASES) {
      const [a, b] = [await nr(port, 2), await nr(port, 2)];
      await a.flushAll();
      if (before !== null) await a.sendCommand(before);
      await sleep(5);
      await a.watch('k');
      if (write !== null) await settle(b.sendCommand(write));
      await sleep(wait);
      out[name] = (await settle(a.multi().get('k').exec())) instanceof Error ? 'aborted' : 'ran';
      a.destroy();
      b.destroy();
    }
    return out;
  });
  if (ours !== null) t.is((ours as Record<string, string>)['SET of the same value'], 'aborted');
});
