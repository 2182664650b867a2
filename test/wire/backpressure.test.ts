// A client that pipelines a lot and does not read its socket is paused: its unsent replies stay
// bounded (the rest of its pipeline waits, unparsed), the server stays responsive to others, and
// once the client reads again it gets every reply, complete and in order. Its socket is still read
// meanwhile, so a client that writes its whole pipeline before reading does not wait forever.

import test, { type ExecutionContext } from 'ava';
import { connect, type Socket } from 'node:net';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { waitFor } from '../helpers/aof.js';

const VALUE = 2 * 1024 * 1024;
const GETS = 200; // 400 MB of replies if nothing held them back

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Serial: alone in this process (which is the server too), so that the other test's MB-sized
// replies do not stall the event loop while the others' latency is measured (seen under load).
test.serial('a pipelining client that does not read is paused; others are still served', async (t) => {
  const server = await startServer({ port: 0 });
  t.teardown(() => server.close());
  const setup = await RawClient.connect(server.port);
  const value = 'v'.repeat(VALUE);
  t.is(await setup.call('SET', 'big', value), '+OK\r\n');
  setup.close();

  const memBefore = process.memoryUsage();
  // The hog: writes GETs of a 2 MB value and does not read.
  const hog: Socket = connect({ port: server.port, host: '127.0.0.1' });
  await new Promise<void>((r) => hog.once('connect', () => r()));
  hog.pause();
  hog.write(Buffer.from('GET big\r\n'.repeat(GETS) + 'ECHO last\r\n'));
  await delay(500);
  // Settled: the setup client gone and the hog paused (on a loaded machine 500 ms may not do).
  await waitFor(() => {
    const cs = [...server.server.clients()];
    return cs.length === 1 && cs[0].inputPaused;
  }, 20_000, 'the hog alone and paused').catch(() => {});

  // The server holds most of the pipeline back instead of producing 400 MB of replies.
  const conns = [...server.server.clients()];
  t.is(conns.length, 1);
  const hogConn = conns[0];
  t.true(hogConn.outputBufferLength < 32 * 1024 * 1024, `output held: ${hogConn.outputBufferLength} bytes`);
  t.true(hogConn.queryBufferLength > 0, 'the rest of the pipeline waits unparsed');
  const grown = process.memoryUsage().arrayBuffers - memBefore.arrayBuffers;
  t.true(grown < 100 * 1024 * 1024, `buffers grew by ${grown} bytes`);

  // Others are served promptly meanwhile.
  const other = await RawClient.connect(server.port);
  for (let i = 0; i < 20; i++) {
    const start = Date.now();
    t.is(await other.call('PING'), '+PONG\r\n');
    t.is(await other.call('SET', `k${i}`, 'x'), '+OK\r\n');
    t.true(Date.now() - start < 1000, 'answered promptly'); // ~1 ms normally; margin for a loaded machine
  }
  other.close();

  // The hog reads again: every reply arrives, whole and in order.
  const header = `$${VALUE}\r\n`;
  const expectedLength = GETS * (header.length + VALUE + 2) + '$4\r\nlast\r\n'.length;
  let received = 0;
  let head = '';
  let tail = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${received} of ${expectedLength} bytes`)), 60_000);
    hog.on('data', (d: Buffer) => {
      if (head.length < 64) head += d.toString('latin1', 0, 64);
      received += d.length;
      tail = (tail + d.toString('latin1')).slice(-32);
      if (received >= expectedLength) {
        clearTimeout(timer);
        resolve();
      }
    });
    hog.resume();
  });
  t.true(head.startsWith(header + 'vvvv'), JSON.stringify(head.slice(0, 20)));
  t.is(received, expectedLength);
  t.true(tail.endsWith('v\r\n$4\r\nlast\r\n'), JSON.stringify(tail));
  hog.destroy();
});

test('QUIT in the middle of a paused pipeline still ends the connection after its reply', async (t) => {
  const server = await startServer({ port: 0 });
  t.teardown(() => server.close());
  const setup = await RawClient.connect(server.port);
  await setup.call('SET', 'big', 'w'.repeat(VALUE));
  setup.close();
  const c = await RawClient.connect(server.port);
  c.write('GET big\r\n'.repeat(10) + 'QUIT\r\nPING\r\n');
  for (let i = 0; i < 10; i++) t.is((await c.read(20_000)).length, VALUE + `$${VALUE}\r\n`.length + 2);
  t.is(await c.read(), '+OK\r\n');
  await c.waitClosed();
  t.is(c.pending(), '');
});

/**
 * A blocking client: writes `count` ECHOs of `size` bytes with no read before the write is done,
 * then reads every reply. Fails if the write never finishes (the server stopped reading).
 */
async function pipelineBeforeReading(t: ExecutionContext, port: number, size: number, count: number): Promise<void> {
  const arg = 'a'.repeat(size);
  const request = Buffer.from(`*2\r\n$4\r\nECHO\r\n$${arg.length}\r\n${arg}\r\n`.repeat(count));
  const client: Socket = connect({ port, host: '127.0.0.1' });
  t.teardown(() => client.destroy());
  await new Promise<void>((r) => client.once('connect', () => r()));
  client.pause();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the write of ${request.length} bytes never finished: the server stopped reading`)), 30_000);
    client.write(request, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const reply = `$${arg.length}\r\n${arg}\r\n`.length;
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${received} of ${count * reply} bytes`)), 60_000);
    client.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= count * reply) {
        clearTimeout(timer);
        resolve();
      }
    });
    client.resume();
  });
  t.is(received, count * reply);
}

test('a client that writes its whole pipeline before reading any reply is not stuck (its input is still read while held)', async (t) => {
  // Found by a redis-benchmark hunt: -P 200000 hung at rps=0. Its requests outgrew the kernel's
  // socket buffers while the server, over its output bound, stopped reading: the client waited for
  // its write, the server for the client's read. Redis reads on (into the query buffer).
  const server = await startServer({ port: 0 });
  t.teardown(() => server.close());
  // 30 MB of requests, as much of replies: far past the bound and the buffers.
  await pipelineBeforeReading(t, server.port, 100 * 1024, 300);
});

test('a pipeline written before reading that outgrows the held-input bound too is served: its output grows, as Redis', async (t) => {
  // The held input's bound (here 512 KB: half of client-query-buffer-limit 1mb) was reached and
  // reading stopped, with the client still writing: both waited forever. Now the held input runs
  // over the output bound, as Redis serves every client; the output is buffered until read.
  const server = await startServer({ port: 0, config: { 'client-query-buffer-limit': '1mb' } });
  t.teardown(() => server.close());
  await pipelineBeforeReading(t, server.port, 1024, 40_000); // 41 MB each way: past the kernel's buffers
  const setup = await RawClient.connect(server.port);
  t.is(await setup.call('PING'), '+PONG\r\n');
  setup.close();
});

test('a pipeline of requests bigger than half the held-input bound, written before reading, is served (found in review)', async (t) => {
  // Capped with half a request held (here ECHOs of 600 KB, the bound 512 KB): the complete ones
  // ran, but reading waited for the held input to fall under half the bound, which only more
  // input (the rest of that request) could do. Redis serves it.
  const server = await startServer({ port: 0, config: { 'client-query-buffer-limit': '1mb' } });
  t.teardown(() => server.close());
  await pipelineBeforeReading(t, server.port, 600 * 1024, 40); // 24 MB each way
});

test('a request that reaches the held-input bound while CLIENT PAUSE holds its client runs once the pause ends (found in review)', async (t) => {
  // Held behind a paused PING, a SET of 700 KB reached the bound (512 KB) half-read: after the
  // pause, nothing held could run and reading never resumed. Redis answers it.
  const server = await startServer({ port: 0, config: { 'client-query-buffer-limit': '1mb' } });
  t.teardown(() => server.close());
  const admin = await RawClient.connect(server.port);
  t.teardown(() => admin.close());
  t.is(await admin.call('CLIENT', 'PAUSE', '300', 'ALL'), '+OK\r\n');
  const c = await RawClient.connect(server.port);
  t.teardown(() => c.close());
  const n = 700 * 1024;
  c.write('PING\r\n');
  c.write(Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${n}\r\n`), Buffer.alloc(n, 120), Buffer.from('\r\nSTRLEN k\r\n')]));
  t.is(await c.read(), '+PONG\r\n');
  t.is(await c.read(), '+OK\r\n');
  t.is(await c.read(), `:${n}\r\n`);
});

/** A server holding a 1 MB value `big`, a client to it, and a second one that does not read yet. */
async function bigValueAndSilentClient(t: ExecutionContext): Promise<{ setup: RawClient; client: Socket }> {
  const server = await startServer({ port: 0 });
  t.teardown(() => server.close());
  const setup = await RawClient.connect(server.port);
  t.is(await setup.call('SET', 'big', 'v'.repeat(1024 * 1024)), '+OK\r\n');
  const client: Socket = connect({ port: server.port, host: '127.0.0.1' });
  t.teardown(() => client.destroy());
  await new Promise<void>((r) => client.once('connect', () => r()));
  client.pause();
  return { setup, client };
}

// Serial (ava runs them before the others): their big pipelines would count in the first test's
// measure of the process's buffers.
test.serial('a client that half-closes (FIN) while held: the rest of its pipeline still runs and is answered, then the connection ends', async (t) => {
  // Its input is read while held, so the FIN came before its last commands ran: Node then ended
  // our side, and they never ran (SET marker was lost). Redis runs every command it reads.
  const { setup, client } = await bigValueAndSilentClient(t);
  client.end('GET big\r\n'.repeat(30) + 'SET marker 1\r\n');
  await delay(500); // held over the bound, FIN read
  let received = 0;
  const want = 30 * ('$1048576\r\n'.length + 1024 * 1024 + 2) + '+OK\r\n'.length;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${received} of ${want} bytes`)), 30_000);
    client.on('data', (d: Buffer) => (received += d.length));
    client.on('end', () => (clearTimeout(timer), resolve()));
    client.resume();
  });
  t.is(received, want);
  t.is(await setup.call('GET', 'marker'), '$1\r\n1\r\n');
  setup.close();
});

test.serial('held input that piled up runs a turn at a time when released, so others are served in between; the read-ahead is capped', async (t) => {
  // 20 MB of replies hold the client; the SETs behind them (replies off so that the output bound
  // does not hold them again) pile up in its query buffer meanwhile. Released at once, they ran in
  // one go: a PING waited about a second. Now a turn's share runs at a time: another client's
  // CLIENT LIST sees the held query buffer part-way consumed (never possible in one go).
  const { setup, client } = await bigValueAndSilentClient(t);
  const sets = 2_500_000; // 85 MB: past the 64 MB read-ahead cap
  const pipeline = 'CLIENT SETNAME held\r\n' + 'GET big\r\n'.repeat(20) + 'CLIENT REPLY OFF\r\n' + '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n'.repeat(sets) + 'CLIENT REPLY ON\r\nECHO done\r\n';
  client.write(pipeline);
  const qbuf = async (): Promise<number> => Number(/ name=held .* qbuf=(\d+) /.exec(await setup.call('CLIENT', 'LIST'))?.[1] ?? -1);
  await waitFor(async () => (await qbuf()) >= 32 * 1024 * 1024, 30_000, 'the held input to be read ahead');
  await delay(300);
  const held = await qbuf();
  t.true(held <= 64 * 1024 * 1024 + 2 * 1024 * 1024, `read ahead ${held} bytes: capped`);
  const seen = new Set<number>();
  let done = false;
  const probe = (async () => {
    while (!done) {
      seen.add(await qbuf());
      await delay(1);
    }
  })();
  const want = '+OK\r\n'.length + 20 * ('$1048576\r\n'.length + 1024 * 1024 + 2) + '+OK\r\n$4\r\ndone\r\n'.length;
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${received} of ${want} bytes`)), 90_000);
    client.on('data', (d: Buffer) => {
      if ((received += d.length) < want) return;
      clearTimeout(timer);
      resolve();
    });
    client.resume();
  });
  done = true;
  await probe;
  setup.close();
  t.is(received, want);
  const between = [...seen].filter((q) => q > 0 && q < held - 1024 * 1024);
  t.log(`part-way: ${between.length}`);
  t.true(between.length >= 3, `the held input was seen part-way run ${between.length} times`);
});
