// CLIENT over the wire: LIST/INFO lines, KILL in both forms, REPLY ON|OFF|SKIP, SETINFO, NO-EVICT.

import test from 'ava';
import { startServer, type RunningServer } from '../../src/index.js';
import { ipv6Loopback, RawClient } from '../helpers/raw.js';
import { serve, servePair } from '../helpers/serve.js';
import { startRealRedis } from '../helpers/redis.js';
import { needBinary } from '../helpers/bins.js';
import { waitFor } from '../helpers/aof.js';
import { connect } from 'node:net';
import { Redis } from 'ioredis';

const textOf = (raw: string): string => raw.slice(raw.indexOf('\r\n') + 2, -2).replace(/^txt:/, '');
const fieldsOf = (line: string): Map<string, string> => new Map(line.split(' ').map((kv) => kv.split('=', 2) as [string, string]));
const idOf = async (c: RawClient): Promise<number> => Number((await c.call('CLIENT', 'ID')).slice(1, -2));

async function withServer(fn: (s: RunningServer) => Promise<void>): Promise<void> {
  const s = await startServer({ port: 0 });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

test('the first connection is client 3, as in Redis 7.0 (redis-server 7.0.15 gives its first client ID 3)', (t) =>
  withServer(async (s) => {
    const a = await RawClient.connect(s.port);
    const b = await RawClient.connect(s.port);
    t.deepEqual([await idOf(a), await idOf(b)], [3, 4]);
    a.close();
    b.close();
  }));

test('CLIENT LIST has one line per connection with Redis 7.0 fields, in order', (t) =>
  withServer(async (s) => {
    const a = await RawClient.connect(s.port);
    const b = await RawClient.connect(s.port);
    await b.call('CLIENT', 'SETNAME', 'bee');
    await b.call('SELECT', '3');
    const lines = textOf(await a.call('CLIENT', 'LIST')).split('\n');
    t.is(lines.pop(), '', 'every line ends with a newline');
    t.is(lines.length, 2);
    const keys = [...fieldsOf(lines[0]).keys()].join(' ');
    t.is(keys, 'id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp');
    const [la, lb] = lines.map(fieldsOf);
    t.is(la.get('id'), String(await idOf(a)));
    t.is(la.get('cmd'), 'client|list');
    t.is(la.get('argv-mem'), '10');
    t.is(lb.get('name'), 'bee');
    t.is(lb.get('db'), '3');
    t.is(lb.get('cmd'), 'select');
    t.is(lb.get('flags'), 'N');
    t.is(lb.get('laddr'), `127.0.0.1:${s.port}`);
    t.is(lb.get('addr'), `127.0.0.1:${b.socket.localPort}`, 'addr is the peer as the accepting socket saw it');
    const only = textOf(await a.call('CLIENT', 'LIST', 'ID', lb.get('id')!, '999', la.get('id')!));
    t.deepEqual(only.split('\n').map((l) => fieldsOf(l).get('id')).slice(0, 2), [lb.get('id'), la.get('id')]);
    t.is(textOf(await a.call('CLIENT', 'LIST', 'TYPE', 'normal')).split('\n').length, 3);
    a.close();
    b.close();
  }));

test('CLIENT INFO describes the caller; RESP3 answers a verbatim string', (t) =>
  withServer(async (s) => {
    const a = await RawClient.connect(s.port);
    await a.call('HELLO', '3');
    const raw = await a.call('CLIENT', 'INFO');
    t.regex(raw, /^=\d+\r\ntxt:id=\d+ /);
    const f = fieldsOf(textOf(raw).trimEnd());
    t.is(f.get('resp'), '3');
    t.is(f.get('cmd'), 'client|info');
    a.close();
  }));

test('CLIENT KILL by ID, by ADDR (old form) and SKIPME', (t) =>
  withServer(async (s) => {
    const a = await RawClient.connect(s.port);
    const b = await RawClient.connect(s.port);
    const c = await RawClient.connect(s.port);
    t.is(await a.call('CLIENT', 'KILL', 'ID', String(await idOf(b))), ':1\r\n');
    await b.waitClosed();
    const cAddr = fieldsOf(textOf(await c.call('CLIENT', 'INFO')).trimEnd()).get('addr')!;
    t.is(await a.call('CLIENT', 'KILL', cAddr), '+OK\r\n');
    await c.waitClosed();
    t.is(await a.call('CLIENT', 'KILL', cAddr), '-ERR No such client\r\n');
    t.is(await a.call('CLIENT', 'KILL', 'USER', 'default'), ':0\r\n', 'SKIPME yes by default');
    t.is(await a.call('CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no'), ':1\r\n', 'the reply is sent before closing');
    await a.waitClosed();
  }));

// Redis's clientKillCommand compares the address with strcmp: the value ends at its first NUL byte.
test('CLIENT KILL ADDR / LADDR / the old form compare the address up to a NUL byte, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([serve(t), startRealRedis()]);
  t.teardown(() => redis.stop());
  const kills: ((addr: string, laddr: string) => string[])[] = [
    (addr) => ['CLIENT', 'KILL', 'ADDR', `${addr}\0junk`],
    (_addr, laddr) => ['CLIENT', 'KILL', 'LADDR', `${laddr}\0junk`],
    (addr) => ['CLIENT', 'KILL', `${addr}\0junk`],
    () => ['CLIENT', 'KILL', 'ADDR', '\0junk'],
  ];
  const run = async (port: number): Promise<string[]> => {
    const admin = await RawClient.connect(port);
    const out: string[] = [];
    for (const kill of kills) {
      const victim = await RawClient.connect(port);
      const f = fieldsOf(textOf(await victim.call('CLIENT', 'INFO')).trimEnd());
      out.push(await admin.call(...kill(f.get('addr')!, f.get('laddr')!)));
      victim.close();
    }
    admin.close();
    return out;
  };
  const want = await run(redis.port);
  t.deepEqual(await run(ks.port), want);
  t.deepEqual(want, [':1\r\n', ':1\r\n', '+OK\r\n', ':0\r\n']);
});

// Redis takes each whole argument, and a bulk's header line as soon as it is whole, out of the
// query buffer: CLIENT LIST of a client whose request is received in part shows the arguments so
// far in argv-mem (argv_len_sum), and in qbuf only what follows the last header.
test('CLIENT LIST qbuf and argv-mem of a request received in part, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([serve(t), startRealRedis()]);
  t.teardown(() => redis.stop());
  const parts = ['*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc', '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n', '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10',
    '*3\r\n$3\r\nSET\r\n', '*3\r\n$3\r\nSE', 'SET k', `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n${'x'.repeat(50_000)}`];
  const run = async (port: number): Promise<string[]> => {
    const admin = await RawClient.connect(port);
    const out: string[] = [];
    for (const part of parts) {
      const c = await RawClient.connect(port);
      await c.call('CLIENT', 'SETNAME', 'part');
      c.write(part);
      // Until the server has read it all: qbuf or argv-mem off 0, and the same twice in a row (the
      // 50,000 bytes may be read in several turns: redis-server showed 20445 once, on a loaded
      // machine), or 1 s.
      let seen = '';
      for (let i = 0; i < 200; i++) {
        const line = textOf(await admin.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes(' name=part ')) ?? '';
        const f = fieldsOf(line.trim());
        const now = `qbuf=${f.get('qbuf')} argv-mem=${f.get('argv-mem')}`;
        if (now === seen && now !== 'qbuf=0 argv-mem=0') break;
        seen = now;
        await new Promise((r) => setTimeout(r, 5));
      }
      out.push(seen);
      c.close();
    }
    admin.close();
    return out;
  };
  const want = await run(redis.port);
  t.deepEqual(await run(ks.port), want);
  t.deepEqual(want.slice(0, 2), ['qbuf=3 argv-mem=4', 'qbuf=0 argv-mem=4']);
});

// Redis trims the requests it ran off its query buffer only once it has run all a read brought
// in: CLIENT INFO / LIST of the client itself counts them all in qbuf, itself included, and what
// follows it in the same read (redis-server 7.0.15: qbuf=26 for CLIENT INFO alone; ours was 0).
// Each request is written in one write, so each server reads it in one read.
test('CLIENT INFO qbuf of the running client counts the requests of its read, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([serve(t), startRealRedis()]);
  t.teardown(() => redis.stop());
  const writes = [
    '*2\r\n$6\r\nclient\r\n$4\r\ninfo\r\n',
    'CLIENT INFO\r\n',
    'PING\r\nCLIENT INFO\r\nPING\r\n',
    '*1\r\n$4\r\nPING\r\n*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n*2\r\n$3\r\nGET',
    'MULTI\r\nCLIENT INFO\r\nEXEC\r\n',
  ];
  const run = async (port: number): Promise<string[]> => {
    const out: string[] = [];
    for (const w of writes) {
      const c = await RawClient.connect(port);
      c.write(w);
      let info = '';
      for (let i = 0; i < 5 && !info.includes('qbuf='); i++) info = await c.read();
      out.push(/ qbuf=\d+ /.exec(info)?.[0] ?? info);
      c.close();
    }
    return out;
  };
  const want = await run(redis.port);
  t.deepEqual(await run(ks.port), want);
  t.deepEqual(want, [' qbuf=26 ', ' qbuf=13 ', ' qbuf=25 ', ' qbuf=51 ', ' qbuf=26 ']);
});

// What Redis took out of its query buffer before the read that completes a request is not in qbuf:
// a bulk's header line whole at the end of an earlier read (taken then), and a big argument
// (>= 32 KB: read into a buffer of its own, which becomes the argument), after which a new query
// buffer holds what follows. Ours counted both (qbuf=10 for the first case, 40056 for the second).
test('CLIENT INFO qbuf after a read that ended past a bulk header, and after a big argument, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([serve(t), startRealRedis()]);
  t.teardown(() => redis.stop());
  const info = '*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n';
  const big = `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n${'x'.repeat(40_000)}\r\n`;
  // Each a list of writes; a write is read by the server before the next is sent.
  const cases = [[info.slice(0, 20), info.slice(20)], [info.slice(0, 18), info.slice(18)], ['PING\r\n' + info.slice(0, 25), info.slice(25) + 'PING\r\n'], [big + info]];
  const run = async (port: number): Promise<string[]> => {
    const admin = await RawClient.connect(port);
    const out: string[] = [];
    for (const writes of cases) {
      const c = await RawClient.connect(port);
      await c.call('CLIENT', 'SETNAME', 'part');
      for (const w of writes.slice(0, -1)) {
        c.write(w);
        await waitFor(async () => / name=part .* (qbuf|argv-mem)=[1-9]/.test(await admin.call('CLIENT', 'LIST')));
      }
      c.write(writes.at(-1)!);
      let reply = '';
      for (let i = 0; i < 5 && !reply.includes('qbuf='); i++) reply = await c.read();
      out.push(/ qbuf=\d+ /.exec(reply)?.[0] ?? reply);
      c.close();
    }
    admin.close();
    return out;
  };
  const want = await run(redis.port);
  t.deepEqual(await run(ks.port), want);
  t.deepEqual(want, [' qbuf=6 ', ' qbuf=10 ', ' qbuf=12 ', ' qbuf=26 ']);
});

test('a client killed is gone at once, as Redis frees it: a pipelined CLIENT LIST, a second KILL, connected_clients', (t) =>
  withServer(async (s) => {
    // The socket's 'close' comes at the end of the event-loop turn: until then the killed client
    // was still listed (with laddr=?:0, its socket already closed), counted, and killed again.
    const victim = await RawClient.connect(s.port);
    const a = await RawClient.connect(s.port);
    const id = String(await idOf(victim));
    const [first, second, list, info] = await a.pipeline([['CLIENT', 'KILL', 'ID', id], ['CLIENT', 'KILL', 'ID', id], ['CLIENT', 'LIST'], ['INFO', 'clients']]);
    t.is(first, ':1\r\n');
    t.is(second, ':0\r\n', 'as Redis: no such client any more');
    const lines = textOf(list).split('\n').filter((l) => l !== '');
    t.deepEqual(lines.map((l) => fieldsOf(l).get('id')), [String(await idOf(a))]);
    t.notRegex(list, /laddr=\?:0/);
    t.regex(info, /connected_clients:1\r\n/);
    await victim.waitClosed();
    a.close();
  }));

test('IPv6 peers are [addr]:port in CLIENT LIST, MONITOR and CLIENT KILL, as Redis formats them', async (t) => {
  if (!(await ipv6Loopback())) {
    t.log('SKIPPED: this machine has no IPv6 loopback (::1)');
    t.pass();
    return;
  }
  const s = await startServer({ port: 0, bind: '::1 127.0.0.1' });
  try {
    const a = await RawClient.connect(s.port, '::1');
    const admin = await RawClient.connect(s.port);
    const f = fieldsOf(textOf(await a.call('CLIENT', 'INFO')).trimEnd());
    const addr = f.get('addr')!;
    t.regex(addr, /^\[::1\]:\d+$/);
    t.is(f.get('laddr'), `[::1]:${s.port}`);
    const monitor = await RawClient.connect(s.port);
    t.is(await monitor.call('MONITOR'), '+OK\r\n');
    t.is(await a.call('PING'), '+PONG\r\n');
    t.regex(await monitor.read(), new RegExp(`^\\+\\d+\\.\\d+ \\[0 \\[::1\\]:${addr.split(':').pop()}\\] "PING"\r\n$`));
    t.is(await admin.call('CLIENT', 'KILL', 'ADDR', addr), ':1\r\n');
    await a.waitClosed();
    const b = await RawClient.connect(s.port, '::1');
    const bAddr = fieldsOf(textOf(await b.call('CLIENT', 'INFO')).trimEnd()).get('addr')!;
    t.is(await admin.call('CLIENT', 'KILL', bAddr), '+OK\r\n');
    await b.waitClosed();
    for (const c of [admin, monitor]) c.close();
  } finally {
    await s.close();
  }
});

test('CLIENT INFO events=r while replies of the same pipeline wait to be sent, as Redis (w only for an unfinished write)', (t) =>
  withServer(async (s) => {
    const a = await RawClient.connect(s.port);
    const [set, info] = await a.pipeline([['SET', 'a', 'b'], ['CLIENT', 'INFO']]);
    t.is(set, '+OK\r\n');
    t.is(fieldsOf(textOf(info).trimEnd()).get('events'), 'r');
    a.close();
  }));

test('a protocol error under CLIENT REPLY OFF or SKIP is not answered; the connection closes', (t) =>
  withServer(async (s) => {
    for (const mode of ['OFF', 'SKIP']) {
      const a = await RawClient.connect(s.port);
      a.write(`*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$${mode.length}\r\n${mode}\r\n*1\r\n$x\r\n`);
      await a.waitClosed();
      t.is(a.pending(), '', mode);
    }
  }));

test('CLIENT REPLY OFF, SKIP and ON', (t) =>
  withServer(async (s) => {
    const a = await RawClient.connect(s.port);
    a.write('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n*2\r\n$4\r\nECHO\r\n$1\r\n1\r\n*1\r\n$5\r\nBOGUS\r\n');
    a.write('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n');
    t.is(await a.read(), '+OK\r\n', 'nothing before ON, whose OK is sent');
    a.write('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*2\r\n$4\r\nECHO\r\n$1\r\n2\r\n*2\r\n$4\r\nECHO\r\n$1\r\n3\r\n');
    t.is(await a.read(), '$1\r\n3\r\n', 'SKIP and the command after it answer nothing');
    t.is(await a.call('PING'), '+PONG\r\n');
    a.close();
  }));

test('CLIENT SETINFO (Redis 7.2) stores the library name and version; NO-EVICT shows flag e', (t) =>
  withServer(async (s) => {
    const a = await RawClient.connect(s.port);
    t.is(await a.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib'), '+OK\r\n');
    t.is(await a.call('CLIENT', 'SETINFO', 'lib-ver', '1.2.3'), '+OK\r\n');
    t.is(await a.call('CLIENT', 'SETINFO', 'lib-name', 'a b'), '-ERR lib-name cannot contain spaces, newlines or special characters.\r\n');
    t.is(await a.call('CLIENT', 'SETINFO', 'bogus', 'x'), "-ERR Unrecognized option 'bogus'\r\n");
    const conn = [...s.server.clients()][0];
    t.is(conn.libName, 'mylib');
    t.is(conn.libVer, '1.2.3');
    t.is(await a.call('CLIENT', 'NO-EVICT', 'on'), '+OK\r\n');
    t.is(fieldsOf(textOf(await a.call('CLIENT', 'INFO')).trimEnd()).get('flags'), 'e');
    await a.call('CLIENT', 'NO-EVICT', 'off');
    t.is(fieldsOf(textOf(await a.call('CLIENT', 'INFO')).trimEnd()).get('flags'), 'N');
    a.close();
  }));

test('maxclients: a connection over the limit gets Redis error and is closed', (t) =>
  withServer(async (s) => {
    const a = await RawClient.connect(s.port);
    t.is(await a.call('CONFIG', 'SET', 'maxclients', '1'), '+OK\r\n');
    const b = await RawClient.connect(s.port);
    await b.waitClosed();
    t.is(b.pending(), '-ERR max number of clients reached\r\n');
    const stats = await a.call('INFO', 'stats');
    t.regex(stats, /rejected_connections:1\r\n/);
    // Not counted as received either (redis-server 7.0.15: total_connections_received:1 here).
    t.regex(stats, /total_connections_received:1\r\n/);
    // As Redis's acceptCommonHandler, which refuses it before creating a client: no ID used up
    // (redis-server 7.0.15: the next client after the refused one is the refusing one's ID + 1).
    t.is(await a.call('CONFIG', 'SET', 'maxclients', '10'), '+OK\r\n');
    const c = await RawClient.connect(s.port);
    t.is(await idOf(c), (await idOf(a)) + 1);
    c.close();
    a.close();
  }));

test('a client closing after QUIT is gone from CLIENT LIST, connected_clients and the maxclients count at once, as redis-server (its peer still open)', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const { ours, theirs } = await servePair(t);
  const run = async (b: RawClient): Promise<string[]> => {
    const port = b.socket.remotePort!;
    // A peer that never closes its side (a Node socket would answer the server's FIN with its own).
    const a = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    t.teardown(() => a.destroy());
    let got = '';
    a.on('data', (d: Buffer) => (got += d.toString('latin1')));
    a.write('CLIENT SETNAME quitter\r\nQUIT\r\n');
    // Until QUIT's reply is here (a 150 ms sleep did not make a loaded machine's redis-server run
    // it): both servers close the client as they write it, before they read b's next command.
    await waitFor(() => got === '+OK\r\n+OK\r\n', 15_000, "QUIT's reply");
    const r = [got];
    r.push(String((await b.call('CLIENT', 'LIST')).includes('name=quitter')), /connected_clients:\d+/.exec(await b.call('INFO', 'clients'))![0]);
    r.push(await b.call('CONFIG', 'SET', 'maxclients', '2'));
    const c = await RawClient.connect(port);
    t.teardown(() => c.close());
    r.push(await c.call('PING'), await b.call('CONFIG', 'SET', 'maxclients', '10000'));
    return r;
  };
  const want = await run(theirs);
  t.deepEqual(await run(ours), want);
  t.deepEqual(want, ['+OK\r\n+OK\r\n', 'false', 'connected_clients:1', '+OK\r\n', '+PONG\r\n', '+OK\r\n']);
});

test('clients ending after QUIT give their sockets up to a new connection at maxclients (the descriptor budget: Redis has closed them)', (t) =>
  withServer(async (s) => {
    const b = await RawClient.connect(s.port);
    t.is(await b.call('CONFIG', 'SET', 'maxclients', '3'), '+OK\r\n');
    const peers = [0, 1].map(() => connect({ port: s.port, host: '127.0.0.1', allowHalfOpen: true }));
    t.teardown(() => peers.forEach((p) => p.destroy()));
    for (const p of peers) p.write('QUIT\r\n');
    await new Promise((res) => setTimeout(res, 150));
    const registry = s.server.registry;
    t.deepEqual([registry.byId.size, registry.ending.size], [1, 2]);
    const c = await RawClient.connect(s.port);
    t.is(await c.call('PING'), '+PONG\r\n');
    // Never more sockets than maxclients: the oldest ending one was closed for the new client.
    t.deepEqual([registry.byId.size, registry.ending.size], [2, 1]);
    c.close();
    b.close();
  }));

test("CLIENT LIST multi-mem: the commands a client has queued in MULTI (arguments' bytes plus a pointer each), as Redis's argv_len_sums; 0 after EXEC or DISCARD", async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const [ks, redis] = await Promise.all([serve(t), startRealRedis()]);
  t.teardown(() => redis.stop());
  const run = async (port: number): Promise<string[]> => {
    const [a, b] = [new Redis({ port, protocol: 2 }), new Redis({ port })];
    t.teardown(() => (a.disconnect(), b.disconnect()));
    const id = await a.client('ID');
    const mem = async (): Promise<string> => /multi=\S+ .*multi-mem=\d+/.exec(String(await b.client('LIST', 'ID', id)))![0].replace(/ qbuf.*argv-mem=\d+/, '');
    const seen = [await mem()];
    await a.call('MULTI');
    await a.call('SET', 'k', 'x'.repeat(1000));
    await a.call('GET', 'k');
    seen.push(await mem());
    await a.call('EXEC');
    seen.push(await mem());
    await a.call('MULTI');
    await a.call('GET', 'k');
    await a.call('GET').catch(() => {}); // refused: nothing more is queued (Redis's CLIENT_DIRTY_EXEC)
    await a.call('GET', 'k');
    seen.push(await mem());
    await a.call('DISCARD');
    seen.push(await mem());
    return seen;
  };
  const want = await run(redis.port);
  t.deepEqual(await run(ks.port), want);
  t.deepEqual(want, ['multi=-1 multi-mem=0', 'multi=2 multi-mem=1048', 'multi=-1 multi-mem=0', 'multi=1 multi-mem=20', 'multi=-1 multi-mem=0']);
});
