// How a connection handles what the decoder reports: protocol errors are counted and close the
// connection after their reply, limits are read live from the configuration, and an unexpected
// exception (a bug) closes only the connection it happened on.

import test from 'ava';
import { startServer } from '../../src/index.js';
import { RawClient } from '../helpers/raw.js';
import { connect } from 'node:net';
import { waitFor } from '../helpers/aof.js';

test('a protocol error is answered, counted as an error reply, and closes the connection', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const before = s.server.stats.errorReplies;
  const c = await RawClient.connect(s.port);
  c.write('PING\r\n*abc\r\nPING\r\n');
  t.is(await c.read(), '+PONG\r\n');
  t.is(await c.read(), '-ERR Protocol error: invalid multibulk length\r\n');
  await c.waitClosed();
  t.is(c.pending(), '');
  t.is(s.server.stats.errorReplies - before, 1);
});

test('proto-max-bulk-len changes apply to the next bytes of open connections', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  t.is(await c.call('PING'), '+PONG\r\n');
  s.server.config.set('proto-max-bulk-len', '1mb');
  c.write('*2\r\n$4\r\nECHO\r\n$1048577\r\n');
  t.is(await c.read(), '-ERR Protocol error: invalid bulk length\r\n');
  await c.waitClosed();
});

test('an unexpected exception closes only its own connection; the server goes on', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const inner = s.server;
  const execute = inner.execute.bind(inner);
  inner.execute = (conn, args) => {
    if (args[0] === 'BOOM') throw new Error('simulated bug');
    return execute(conn, args);
  };
  const warnings: string[] = [];
  const log = inner.log as unknown as { warning: (m: string) => void };
  log.warning = (m: string) => warnings.push(m); // collected instead of printed
  const victim = await RawClient.connect(s.port);
  const other = await RawClient.connect(s.port);
  victim.write('PING\r\nBOOM\r\nPING\r\n');
  t.is(await victim.read(), '+PONG\r\n');
  await victim.waitClosed();
  t.is(victim.pending(), '');
  t.is(await other.call('PING'), '+PONG\r\n');
  t.true(warnings.some((w) => w.includes('simulated bug')), 'logged');
  other.close();
});

test('nothing after QUIT is run, even in the same read', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  c.write('SET after:quit 1\r\nQUIT\r\nSET after:quit 2\r\n*abc\r\n');
  t.is(await c.read(), '+OK\r\n');
  t.is(await c.read(), '+OK\r\n');
  await c.waitClosed();
  t.is(c.pending(), '');
  const d = await RawClient.connect(s.port);
  t.is(await d.call('GET', 'after:quit'), '$1\r\n1\r\n');
  d.close();
});

test('after QUIT or a protocol error the server closes the connection even if the client keeps its side open', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  for (const request of ['QUIT\r\n', '*abc\r\n']) {
    // allowHalfOpen: the client does not answer the server's FIN with its own.
    const sock = connect({ port: s.port, host: '127.0.0.1', allowHalfOpen: true });
    t.teardown(() => sock.destroy());
    await new Promise((r) => sock.once('connect', r));
    let got = '';
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    const ended = new Promise((r) => sock.once('end', r));
    sock.write(request);
    await ended;
    t.regex(got, request === 'QUIT\r\n' ? /^\+OK\r\n$/ : /^-ERR Protocol error/);
    const gone = Date.now() + 10_000;
    while ([...s.server.clients()].length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 10));
    t.is([...s.server.clients()].length, 0, `${request.trim()}: the server dropped the connection`);
  }
});

test('the reply before QUIT arrives whole even while the client keeps sending (no reset of the close)', async (t) => {
  // Closing a socket with unread bytes in its receive queue makes the kernel reset the connection
  // and throw away what it had not sent yet. The client here reads slowly and keeps writing after
  // QUIT, so that bytes arrive around the moment the server has written its last reply.
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const size = 8 * 1024 * 1024;
  const setup = await RawClient.connect(s.port);
  t.is(await setup.call('SET', 'big', 'x'.repeat(size)), '+OK\r\n');
  setup.close();
  for (let round = 0; round < 3; round++) {
    const sock = connect({ port: s.port, host: '127.0.0.1' });
    t.teardown(() => sock.destroy());
    await new Promise((r) => sock.once('connect', r));
    let got = 0;
    let tail = '';
    sock.pause();
    // A slow reader: the reply's last bytes are still queued in the server's kernel when Node
    // has handed them all over (the moment the server used to close).
    sock.on('data', (d: Buffer) => {
      got += d.length;
      tail = (tail + d.toString('latin1')).slice(-16);
      sock.pause();
      setTimeout(() => sock.resume(), 2);
    });
    const closed = new Promise((r) => sock.once('close', r));
    sock.on('error', () => {});
    sock.write('GET big\r\nQUIT\r\n');
    const junk = setInterval(() => sock.writable && sock.write('PING\r\n'), 1);
    await new Promise((r) => setTimeout(r, 100));
    sock.resume();
    await closed;
    clearInterval(junk);
    const header = `$${size}\r\n`.length;
    t.is(got, header + size + 2 + 5, `round ${round}: ${got} bytes of ${header + size + 7}`);
    t.true(tail.endsWith('\r\n+OK\r\n'));
  }
});

test('a client that sends its commands and FIN in one go gets every reply, then the end of the stream', async (t) => {
  // Its FIN arrives with (or right after) the commands: the server closes at once once the
  // kernel holds the replies (the usual case), or ends after they drain (a big reply pending).
  const server = await startServer({ port: 0 });
  t.teardown(() => server.close());
  const setup = await RawClient.connect(server.port);
  await setup.call('SET', 'big', 'b'.repeat(4 * 1024 * 1024));
  for (const [script, want] of [
    ['SET k v\r\n' + 'GET k\r\n'.repeat(200), '+OK\r\n' + '$1\r\nv\r\n'.repeat(200)],
    ['GET big\r\n'.repeat(8) + 'PING\r\n', `$${4 * 1024 * 1024}\r\n${'b'.repeat(4 * 1024 * 1024)}\r\n`.repeat(8) + '+PONG\r\n'],
  ]) {
    const client = connect({ port: server.port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    client.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise<void>((resolve, reject) => {
      client.on('end', () => resolve());
      client.on('error', reject);
    });
    client.end(script);
    await ended;
    t.true(Buffer.concat(chunks).toString('latin1') === want, `all ${want.length} bytes of replies, then EOF`);
    client.destroy();
  }
  await waitFor(async () => /connected_clients:1\r\n/.test(await setup.call('INFO', 'clients')), 10_000, 'both closed');
  setup.close();
});
