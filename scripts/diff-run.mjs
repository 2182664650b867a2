#!/usr/bin/env node
// Differential debugging: sends commands to Keystonelight and to a real redis-server and prints both
// raw replies, one under the other, marked '==' when the bytes are identical, '~=' when they differ
// only by HELLO's client id, and '!=' otherwise.
//
//   node build.mjs && node scripts/diff-run.mjs 'SET k v EX 10' 'TTL k' 'GET k'
//   printf 'HELLO 3\nECHO "a\\x00b"\n' | node scripts/diff-run.mjs -        # one command per line
//   node scripts/diff-run.mjs -3 'HELLO' 'PING'                              # HELLO 3 first
//
// Commands are split as redis-cli/inline requests do: "double quotes" know \n \r \t \xHH, 'single
// quotes' keep text as is. Options:
//   -3              switch both connections to RESP3 first (its HELLO reply is not shown)
//   --ks-port N     use an already running Keystonelight instead of starting one in-process
//   --redis-port N  use an already running redis-server instead of spawning one (never 6379!)
//   --raw           print the replies' bytes as they are instead of escaped
// Keystonelight is loaded from $KS_OUT/dist/index.js (default ./dist/index.js): build it first.
// Exit status: 0 when every reply matched, 1 otherwise.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// --- RESP framing (the same rules as test/helpers/resp.ts) -------------------------------------

function replyEnd(buf, pos = 0) {
  if (pos >= buf.length) return -1;
  const lineEnd = buf.indexOf('\r\n', pos);
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(buf[pos]);
  const n = Number(buf.toString('latin1', pos + 1, lineEnd));
  const after = lineEnd + 2;
  if ('+-:_,#('.includes(type)) return after;
  if ('$!='.includes(type)) return n < 0 ? after : buf.length >= after + n + 2 ? after + n + 2 : -1;
  if ('*~>%|'.includes(type)) {
    if (n < 0) return after;
    let p = after;
    for (let i = 0; i < (type === '%' || type === '|' ? 2 * n : n); i++) {
      p = replyEnd(buf, p);
      if (p < 0) return -1;
    }
    return p;
  }
  throw new Error(`bad reply type byte ${JSON.stringify(type)}`);
}

function encode(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** Redis's sdssplitargs, enough for typing commands: quotes, \xHH, \n \r \t \b \a. */
function splitArgs(line) {
  const out = [];
  let i = 0;
  const esc = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };
  while (true) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) return out;
    let cur = '';
    let quote = '';
    for (; i < line.length; i++) {
      const c = line[i];
      if (quote === '"') {
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < line.length) cur += esc[line[++i]] ?? line[i];
        else if (c === '"') quote = '';
        else cur += c;
      } else if (quote === "'") {
        if (c === '\\' && line[i + 1] === "'") cur += line[++i];
        else if (c === "'") quote = '';
        else cur += c;
      } else if (/\s/.test(c)) break;
      else if (c === '"' || c === "'") quote = c;
      else cur += c;
    }
    if (quote) throw new Error(`unbalanced quotes in: ${line}`);
    out.push(cur);
  }
}

// --- connections ---------------------------------------------------------------------------------

class Conn {
  static open(port) {
    return new Promise((res, rej) => {
      const s = connect({ port, host: '127.0.0.1' }, () => res(new Conn(s)));
      s.once('error', rej);
    });
  }
  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.wake = null;
    socket.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.wake?.(); });
    socket.on('close', () => { this.closed = true; this.wake?.(); });
    socket.on('error', () => {});
  }
  async call(args, timeoutMs = 3000) {
    if (this.closed) return '<connection closed>';
    this.socket.write(encode(args));
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const end = replyEnd(this.buf);
      if (end >= 0) {
        const r = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(end);
        return r;
      }
      if (this.closed) return '<connection closed>';
      const left = deadline - Date.now();
      if (left <= 0) return '<timeout>';
      await new Promise((r) => { const t = setTimeout(r, left); this.wake = () => { clearTimeout(t); r(); }; });
      this.wake = null;
    }
  }
  close() { this.socket.destroy(); }
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ks-diff-run-'));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--logfile', '', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error('redis-server exited');
    try {
      const c = await Conn.open(port);
      c.close();
      const stop = () => { proc.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); };
      process.once('exit', stop); // however we leave (EPIPE from `| head`, ^C), the server goes too
      return { port, stop };
    } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  proc.kill('SIGKILL');
  throw new Error('redis-server did not start');
}

async function startKeystonelight() {
  const lib = resolve(process.env.KS_OUT ?? '.', 'dist/index.js');
  const { startServer } = await import(pathToFileURL(lib).href);
  const s = await startServer({ port: 0 });
  return { port: s.port, stop: () => s.close() };
}

// --- main ----------------------------------------------------------------------------------------

/** HELLO's client id differs between any two servers: '~=' marks replies equal but for it. */
const HELLO_ID = /(?<=\$2\r\nid\r\n:)\d+/g;

const show = (raw, asIs) => (asIs ? raw : JSON.stringify(raw).slice(1, -1));

async function main() {
  const argv = process.argv.slice(2);
  const opt = { resp3: false, raw: false, ksPort: 0, redisPort: 0 };
  const lines = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-3') opt.resp3 = true;
    else if (a === '--raw') opt.raw = true;
    else if (a === '--ks-port') opt.ksPort = Number(argv[++i]);
    else if (a === '--redis-port') opt.redisPort = Number(argv[++i]);
    else if (a === '-') lines.push(...readFileSync(0, 'latin1').split('\n'));
    else lines.push(a);
  }
  if (lines.length === 0 && !process.stdin.isTTY) lines.push(...readFileSync(0, 'latin1').split('\n'));
  const cmds = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map(splitArgs);
  if (cmds.length === 0) {
    console.error('usage: node scripts/diff-run.mjs [-3] [--raw] [--ks-port N] [--redis-port N] CMD... | -');
    process.exit(2);
  }
  if (opt.redisPort === 6379 || opt.ksPort === 6379) throw new Error('port 6379 is off limits');
  const redis = opt.redisPort ? { port: opt.redisPort, stop() {} } : await startRedis();
  const ks = opt.ksPort ? { port: opt.ksPort, stop() {} } : await startKeystonelight();
  let same = true;
  try {
    const [r, k] = await Promise.all([Conn.open(redis.port), Conn.open(ks.port)]);
    if (opt.resp3) await Promise.all([r.call(['HELLO', '3']), k.call(['HELLO', '3'])]);
    for (const args of cmds) {
      const [rr, kr] = await Promise.all([r.call(args), k.call(args)]);
      const eq = rr === kr;
      const masked = !eq && rr.replace(HELLO_ID, '') === kr.replace(HELLO_ID, '');
      same &&= eq || masked;
      console.log(`${eq ? '==' : masked ? '~=' : '!='} ${args.map((a) => JSON.stringify(a)).join(' ')}`);
      console.log(`   redis: ${show(rr, opt.raw)}`);
      console.log(`   ks:    ${show(kr, opt.raw)}`);
    }
    r.close();
    k.close();
  } finally {
    await ks.stop();
    redis.stop();
  }
  process.exit(same ? 0 : 1);
}

process.stdout.on('error', (e) => process.exit(e.code === 'EPIPE' ? 0 : 2));
process.once('SIGINT', () => process.exit(130));

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});
