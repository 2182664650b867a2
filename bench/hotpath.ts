// The server's own cost per command, without sockets or the kernel: a Server and Connections over
// fake sockets that take every write, fed pipelined batches of one command, as redis-benchmark
// -P 16 sends them. Prints ns per command, the median and the fastest of the runs (other load on
// the machine only slows a run down, so the fastest is the steadier figure to compare builds by).
// For profiles of decode, dispatch, keyspace and encode alone, which over a real socket drown in
// the kernel's and Node's share and in the VM's noise.
//
//   npm run bench -- hotpath [ping|ping_inline|get|set|incr|mset] [-d 3] [-P 16] [-c 50] [-r N] [--runs 7] [--batches 200000] [--aof]
//   node --cpu-prof .out/bench-runner/hotpath.mjs get     (once compiled by the line above)
//
// Each batch is one read of one connection (round robin over -c of them), and every batch ends
// with the turn's flush, called directly: the server's setImmediate for it is never scheduled
// (a harness that let every batch schedule one and never ran the event loop kept them all alive,
// and measured the garbage collector copying them).

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Config } from '../src/config.js';
import { Server } from '../src/server/server.js';
import { Connection } from '../src/server/connection.js';
import { createLogger } from '../src/server/log.js';
import { openPersistence } from '../src/server/service.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Options {
  test: string;
  size: number;
  pipeline: number;
  clients: number;
  runs: number;
  batches: number;
  /** appendonly yes (everysec), in a temporary directory: the AOF append path too. */
  aof: boolean;
  /**
   * Random keys among this many, as redis-benchmark -r (`key:%012d`), every key set first; 0: its
   * fixed key. The batches are drawn once (RANDOM_BATCHES of them, used in turn).
   */
  random: number;
}

/** Distinct batches drawn for -r: enough that their keys spread over the table and its memory. */
const RANDOM_BATCHES = 8192;

function parse(argv: string[]): Options {
  const o: Options = { test: 'get', size: 3, pipeline: 16, clients: 50, runs: 7, batches: 200_000, aof: false, random: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): number => Number(argv[++i]);
    if (a === '-d') o.size = next();
    else if (a === '-P') o.pipeline = next();
    else if (a === '-c') o.clients = next();
    else if (a === '--runs') o.runs = next();
    else if (a === '--batches') o.batches = next();
    else if (a === '-r') o.random = next();
    else if (a === '--aof') o.aof = true;
    else if (!a.startsWith('-')) o.test = a;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** What Connection and writeBatch use of a net.Socket; every write is taken at once. */
class FakeSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  remotePort = 40000;
  localAddress = '127.0.0.1';
  localPort = 7;
  writableLength = 0;
  writableNeedDrain = false;
  destroyed = false;
  allowHalfOpen = false;
  bytes = 0;
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  cork(): void {}
  uncork(): void {}
  write(b: Uint8Array): boolean {
    this.bytes += b.length;
    return true;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

function resp(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** redis-benchmark's key: its fixed `key:__rand_int__`, or with -r a random `key:%012d`. */
function keyOf(o: Options): string {
  return o.random === 0 ? 'key:__rand_int__' : `key:${String(Math.floor(Math.random() * o.random)).padStart(12, '0')}`;
}

/** One batch of -P requests, as redis-benchmark's. */
function request(o: Options): string {
  const value = 'x'.repeat(o.size);
  const one = (): string[] | undefined => {
    switch (o.test) {
      case 'ping': return ['PING'];
      case 'get': return ['GET', keyOf(o)];
      case 'set': return ['SET', keyOf(o), value];
      case 'incr': return ['INCR', keyOf(o).replace('key:', 'counter:')];
      case 'mset': return ['MSET', ...Array.from({ length: 10 }, () => [keyOf(o), value]).flat()];
      default: return undefined;
    }
  };
  if (o.test === 'ping_inline') return 'PING\r\n'.repeat(o.pipeline);
  if (one() === undefined) throw new Error(`unknown test ${o.test}`);
  return Array.from({ length: o.pipeline }, () => resp(one()!)).join('');
}

interface Flusher {
  scheduled: boolean;
  all(): void;
}

/** The keys GET reads: the fixed one, or with -r every key (and every counter), in batches of 1,000. */
function fill(o: Options, c: Connection, flush: Flusher): void {
  const value = 'x'.repeat(o.size);
  if (o.random === 0) {
    c.receive(Buffer.from(resp(['SET', 'key:__rand_int__', value]), 'latin1'));
  } else {
    for (let i = 0; i < o.random; i += 1000) {
      const reqs: string[] = [];
      for (let j = i; j < Math.min(i + 1000, o.random); j++) {
        const n = String(j).padStart(12, '0');
        reqs.push(resp(['SET', `key:${n}`, value]), resp(['SET', `counter:${n}`, '0']));
      }
      c.receive(Buffer.from(reqs.join(''), 'latin1'));
      flush.all();
      flush.scheduled = true;
    }
  }
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'ks-hotpath-'));
  const config = new Config(o.aof ? { appendonly: 'yes', dir } : {});
  const server = new Server({ config, logger: createLogger('warning', '') });
  await openPersistence(server);
  const flush = (server as unknown as { turnFlush: Flusher }).turnFlush;
  flush.scheduled = true; // never schedules its setImmediate: run() below flushes each batch
  const conns: Connection[] = [];
  for (let i = 0; i < o.clients; i++) conns.push(new Connection(3 + i, new FakeSocket() as unknown as Socket, server, `127.0.0.1:${40000 + i}`));
  const c0 = conns[0];
  fill(o, c0, flush);
  const batches = Array.from({ length: o.random === 0 ? 1 : RANDOM_BATCHES }, () => Buffer.from(request(o), 'latin1'));
  const run = (n: number): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      conns[i % conns.length].receive(batches[i % batches.length]);
      if (i % conns.length === conns.length - 1 || i === n - 1) {
        flush.all();
        flush.scheduled = true;
      }
    }
    return Number(process.hrtime.bigint() - t0) / (n * o.pipeline);
  };
  run(Math.min(o.batches, 50_000)); // warm-up: optimized code before the first measured run
  const results: number[] = [];
  for (let r = 0; r < o.runs; r++) results.push(run(o.batches));
  results.sort((a, b) => a - b);
  const median = results[results.length >> 1];
  const reply = (conns[0].socket as unknown as FakeSocket).bytes;
  console.log(`${o.test} -d ${o.size} -P ${o.pipeline} -c ${o.clients}${o.random === 0 ? '' : ` -r ${o.random}`}: ${median.toFixed(1)} ns/command, fastest ${results[0].toFixed(1)} (runs ${results.map((x) => x.toFixed(0)).join(' ')}; ${reply} reply bytes to client 0)`);
  await server.persistence?.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

await main();
