// Arguments within Redis's limits that once stalled the server for a long time, answered an
// internal error or took far more memory than redis-server 7.0.15: runs of one character inside a
// text a regular expression trimmed (src/trim.ts; timed: before, 19 s and 14 s), a process title
// template that expanded past V8's longest string (config-parsers.ts), COMMAND INFO / DOCS entries
// made once per name given (commands/command.ts), LATENCY HISTOGRAM's too (commands/latency.ts),
// error texts quoting an argument as long as a string can be (errors.ts's `quoting`).

import test from 'ava';
import { constants } from 'node:buffer';
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { startServer } from '../../src/index.js';
import { expandProcTitle } from '../../src/config-parsers.js';
import { RawClient } from '../helpers/raw.js';
import { encodeReply } from '../../src/protocol/encode-once.js';
import { LongArray, MapReply, type Deferred, type Reply } from '../../src/protocol/reply.js';
import type { CommandSpec, Ctx } from '../../src/commands/types.js';

const RUN = 200_000;

test('FUNCTION LOAD with an option of 200,000 newlines inside: Redis\'s error at once (the trim was quadratic)', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  const t0 = performance.now();
  const reply = await c.call('FUNCTION', 'LOAD', `\na${'\n'.repeat(RUN)}x\r\n`, 'code');
  t.true(performance.now() - t0 < 3000, `${performance.now() - t0} ms`);
  // As Redis's addReplyErrorFormat: CR and LF trimmed at the ends, the others made spaces.
  t.is(reply, `-ERR Unknown option given:  a${' '.repeat(RUN)}x\r\n`);
});

test('CONFIG SET proc-title-template with 200,000 spaces inside: +OK at once', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  const t0 = performance.now();
  t.is(await c.call('CONFIG', 'SET', 'proc-title-template', `{port}${' '.repeat(RUN)}x `), '+OK\r\n');
  t.true(performance.now() - t0 < 3000, `${performance.now() - t0} ms`);
});

test('a title template is expanded up to 1 MB from its first character that is not a space (all of it checked)', (t) => {
  const vars = new Map([['title', 'keystonelight.js']]);
  const title = expandProcTitle('x{title}'.repeat(300_000), vars)!;
  t.is(title.length, 1024 * 1024);
  t.true(title.startsWith('xkeystonelight.jsxkeystonelight.js'));
  t.is(expandProcTitle(`${' '.repeat(2_000_000)}{title} `, vars), 'keystonelight.js');
  t.is(expandProcTitle(`${'x{title}'.repeat(300_000)}{nosuch}`, vars), null);
});

test('COMMAND INFO and DOCS: one entry per command, shared by every name (a request may name one 2^26 times); a long DOCS is written in chunks', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const command = s.server.commands.get('command')!;
  const sub = (name: string): CommandSpec => command.subcommands!.find((x) => x.name === name)!;
  for (const proto of [2, 3]) {
    const ctx = { server: s.server, client: { proto } } as unknown as Ctx;
    const infos = sub('command|info').handler(ctx, ['COMMAND', 'INFO', 'get', 'GET', 'nosuch']) as Reply[];
    t.is(infos[0], infos[1], 'the same entry');
    t.is(infos[2], null);
    const names = Array.from({ length: 40_000 }, (_, i) => (i % 2 === 0 ? 'get' : 'set'));
    const long = sub('command|docs').handler(ctx, ['COMMAND', 'DOCS', ...names]);
    const short = sub('command|docs').handler(ctx, ['COMMAND', 'DOCS', 'get', 'set']) as MapReply;
    t.true(long instanceof LongArray, 'chunked from 65,536 entries');
    // Redis's map has one entry per name given, duplicates included (a RESP3 client's decoder keeps the last).
    const encoded = encodeReply(long, proto).toString('latin1');
    const one = encodeReply(short, proto).toString('latin1');
    const body = one.slice(one.indexOf('\r\n') + 2);
    t.is(encoded, `${proto === 3 ? '%40000' : '*80000'}\r\n${body.repeat(20_000)}`);
  }
});

test('LATENCY HISTOGRAM: each command\'s entry made once per call, however often it is named; a long map written in chunks', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const c = await RawClient.connect(s.port);
  await c.call('GET', 'x');
  const latency = s.server.commands.get('latency')!.subcommands!.find((x) => x.name === 'latency|histogram')!;
  for (const proto of [2, 3]) {
    const ctx = { server: s.server, client: { proto } } as unknown as Ctx;
    const short = (latency.handler(ctx, ['LATENCY', 'HISTOGRAM', 'get', 'GET']) as Deferred).reply as MapReply;
    t.is(short.entries[1], short.entries[3], 'the same entry');
    const long = (latency.handler(ctx, ['LATENCY', 'HISTOGRAM', ...Array.from({ length: 40_000 }, () => 'get')]) as Deferred).reply;
    t.true(long instanceof LongArray, 'chunked from 65,536 entries');
    const one = encodeReply(new MapReply(short.entries.slice(0, 2)), proto).toString('latin1');
    t.is(encodeReply(long, proto).toString('latin1'), `${proto === 3 ? '%40000' : '*80000'}\r\n${one.slice(one.indexOf('\r\n') + 2).repeat(40_000)}`);
  }
});

/** Sends `args` (Buffers as they are) and reads one single-line reply: its length, SHA-1 and first bytes (not kept whole). */
async function lineReply(sock: Socket, args: (string | Buffer)[]): Promise<{ length: number; sha1: string; head: string }> {
  const hash = createHash('sha1');
  let length = 0;
  let head = '';
  let last = 0;
  const done = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      hash.update(d);
      length += d.length;
      if (head.length < 100) head += d.subarray(0, 100).toString('latin1');
      if ((d.length > 1 && d[d.length - 2] === 13) || (d.length === 1 && last === 13)) {
        sock.off('data', onData);
        resolve();
      }
      last = d[d.length - 1];
    };
    sock.on('data', onData);
    sock.once('close', () => reject(new Error(`closed after ${length} bytes: ${head}`)));
  });
  sock.write(`*${args.length}\r\n`);
  for (const a of args) {
    sock.write(`$${a.length}\r\n`);
    sock.write(a);
    sock.write('\r\n');
  }
  await done;
  return { length, sha1: hash.digest('hex'), head: head.slice(0, 100) };
}

// Needs about 2.3 GB: the argument here, and in the server its bytes, its string and the reply.
test('an error quoting an argument as long as a string can be: Redis\'s text whole, as redis-server 7.0.15 sends it (an internal error before), and CONFIG <that word> its unknown subcommand (the connection was closed)', async (t) => {
  const s = await startServer({ port: 0 });
  t.teardown(() => s.close());
  const sock = connect(s.port, '127.0.0.1');
  t.teardown(() => sock.destroy());
  const n = constants.MAX_STRING_LENGTH;
  const word = Buffer.alloc(n, 'a');
  const prefix = "-ERR Unknown option or number of arguments for CONFIG SET - '";
  const r = await lineReply(sock, ['CONFIG', 'SET', word, 'x']);
  const expected = createHash('sha1').update(prefix).update(word).update("'\r\n").digest('hex');
  t.deepEqual(r, { length: prefix.length + n + 3, sha1: expected, head: `${prefix}${'a'.repeat(100 - prefix.length)}` });
  // The subcommand is quoted up to 128 bytes (%.128s).
  const sub = await lineReply(sock, ['CONFIG', word]);
  t.is(sub.head, `-ERR unknown subcommand '${'a'.repeat(128)}'. Try CONFIG HELP.\r\n`.slice(0, 100));
  t.is(sub.length, `-ERR unknown subcommand '${'a'.repeat(128)}'. Try CONFIG HELP.\r\n`.length);
});
