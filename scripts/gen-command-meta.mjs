#!/usr/bin/env node
// Generates src/commands/meta/redis-7.0.json: what Keystonelight's command table does not carry
// but COMMAND INFO / COMMAND DOCS / COMMAND GETKEYS must answer exactly as Redis 7.0 does — ACL
// categories, tips, key specs and docs — read from a real redis-server.
//
//   node scripts/gen-command-meta.mjs [path/to/redis-server]
//
// It starts redis-server on a free loopback port in a temporary directory, reads COMMAND INFO and
// COMMAND DOCS for every command in RESP3 (types matter: sets vs arrays, status vs bulk strings),
// converts them to plain JSON and writes the file. The JSON relies on one convention, which the
// command module follows when it rebuilds the replies: an array stored under a key named in
// SET_KEYS is a RESP3 set, whose string members are status strings under STATUS_KEYS; every other
// array is an array, every object a map, every string a bulk string, every number an integer.
// Before writing, the script re-encodes its JSON by that convention and checks it against the
// server's bytes, so the file is known to reproduce Redis's replies exactly (up to the order of
// subcommands, which Redis itself randomises per process: the file lists them sorted).
//
// Redis's own arity/flags/key positions are recorded too ("redis"), for reference and for tests
// that run without a redis-server; the server answers those from its own table.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'commands', 'meta', 'redis-7.0.json');
const SET_KEYS = new Set(['flags', 'doc_flags', 'acl', 'tips', 'history', 'key_specs']);
const STATUS_KEYS = new Set(['flags', 'doc_flags', 'acl']);

// --- a typed RESP3 reader -------------------------------------------------------------------------

/** Parses one RESP3 value at `pos`; returns [value, next] or null if incomplete. Values are typed. */
function parse(buf, pos) {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const t = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, eol);
  let p = eol + 2;
  switch (t) {
    case '+': return [{ t: 'status', v: line }, p];
    case '-': return [{ t: 'error', v: line }, p];
    case ':': return [{ t: 'int', v: Number(line) }, p];
    case '_': return [{ t: 'null' }, p];
    case '$': case '=': {
      const n = Number(line);
      if (n < 0) return [{ t: 'null' }, p];
      if (buf.length < p + n + 2) return null;
      const v = buf.toString('latin1', p, p + n);
      return [{ t: 'bulk', v: t === '=' ? v.slice(4) : v }, p + n + 2];
    }
    case '*': case '~': case '%': {
      const n = Number(line) * (t === '%' ? 2 : 1);
      const items = [];
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (r === null) return null;
        items.push(r[0]);
        p = r[1];
      }
      return [{ t: t === '*' ? 'array' : t === '~' ? 'set' : 'map', v: items }, p];
    }
    default:
      throw new Error(`unexpected RESP type ${t}`);
  }
}

/** Encodes a typed value back to RESP2 or RESP3 bytes (a latin1 string). */
function encodeTyped(x, proto) {
  switch (x.t) {
    case 'status': return `+${x.v}\r\n`;
    case 'int': return `:${x.v}\r\n`;
    case 'null': return proto === 3 ? '_\r\n' : '$-1\r\n';
    case 'bulk': return `$${x.v.length}\r\n${x.v}\r\n`;
    default: {
      const head = proto === 2 ? '*' : x.t === 'array' ? '*' : x.t === 'set' ? '~' : '%';
      const n = x.t === 'map' && proto === 3 ? x.v.length / 2 : x.v.length;
      return `${head}${n}\r\n` + x.v.map((e) => encodeTyped(e, proto)).join('');
    }
  }
}

// --- typed value -> plain JSON (and back, by the convention) ---------------------------------------

function toPlain(x, key) {
  switch (x.t) {
    case 'bulk': case 'int': return x.v;
    case 'set':
      if (!SET_KEYS.has(key)) throw new Error(`unexpected set under '${key}'`);
      if (x.v.some((e) => (e.t === 'status') !== STATUS_KEYS.has(key))) throw new Error(`unexpected member type under '${key}'`);
      return x.v.map((e) => (e.t === 'status' ? e.v : toPlain(e, '')));
    case 'array':
      if (SET_KEYS.has(key)) throw new Error(`array under set key '${key}'`);
      return x.v.map((e) => toPlain(e, ''));
    case 'map': {
      const o = {};
      for (let i = 0; i < x.v.length; i += 2) {
        const k = x.v[i].v;
        if (/^\d+$/.test(k)) throw new Error(`integer-like map key ${k} would be reordered by JSON`);
        o[k] = toPlain(x.v[i + 1], k);
      }
      return o;
    }
    default:
      throw new Error(`unexpected ${x.t} under '${key}'`);
  }
}

/** The convention the server uses to rebuild replies from the JSON. */
function fromPlain(v, key) {
  if (typeof v === 'number') return { t: 'int', v };
  if (typeof v === 'string') return { t: 'bulk', v };
  if (Array.isArray(v)) {
    if (STATUS_KEYS.has(key)) return { t: 'set', v: v.map((e) => ({ t: 'status', v: e })) };
    if (SET_KEYS.has(key)) return { t: 'set', v: v.map((e) => fromPlain(e, '')) };
    return { t: 'array', v: v.map((e) => fromPlain(e, '')) };
  }
  return { t: 'map', v: Object.entries(v).flatMap(([k, e]) => [{ t: 'bulk', v: k }, fromPlain(e, k)]) };
}

// --- COMMAND INFO / DOCS entries -> meta records -----------------------------------------------------

/** One COMMAND INFO entry (typed) -> { name, redis, acl, tips, key_specs, subcommands(info) }. */
function infoRecord(x) {
  const [name, arity, flags, first, last, step, acl, tips, specs, subs] = x.v;
  return {
    name: name.v,
    redis: { arity: arity.v, flags: flags.v.map((f) => f.v), keys: [first.v, last.v, step.v] },
    acl: toPlain(acl, 'acl'),
    tips: toPlain(tips, 'tips'),
    key_specs: toPlain(specs, 'key_specs'),
    subs: subs.v.map(infoRecord),
  };
}

function buildMeta(infoAll, docsAll) {
  const docs = toPlain(docsAll, 'docs');
  const record = (x, docsOf) => {
    const r = infoRecord(x);
    const d = { ...(docsOf[r.name] ?? {}) };
    const subDocs = d.subcommands ?? {};
    delete d.subcommands;
    const out = { redis: r.redis, acl: r.acl, tips: r.tips, key_specs: r.key_specs, docs: d };
    if (x.v[9].v.length > 0) {
      const subs = x.v[9].v.map((s) => record(s, subDocs));
      subs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
      out.subcommands = Object.fromEntries(subs);
    }
    return [r.name, out];
  };
  const entries = infoAll.v.map((x) => record(x, docs));
  entries.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return Object.fromEntries(entries);
}

/** Rebuilds the typed COMMAND INFO entry of `name` from the meta (subcommands in the given order). */
function infoFromMeta(name, m, subOrder) {
  const subs = (subOrder ?? []).map((s) => infoFromMeta(s, m.subcommands[s], []));
  return {
    t: 'array',
    v: [
      { t: 'bulk', v: name }, { t: 'int', v: m.redis.arity },
      { t: 'set', v: m.redis.flags.map((f) => ({ t: 'status', v: f })) },
      ...m.redis.keys.map((k) => ({ t: 'int', v: k })),
      fromPlain(m.acl, 'acl'), fromPlain(m.tips, 'tips'), fromPlain(m.key_specs, 'key_specs'),
      // Redis answers an empty set when there are no subcommands, an array otherwise.
      { t: subs.length === 0 ? 'set' : 'array', v: subs },
    ],
  };
}

/** Rebuilds the typed COMMAND DOCS value of `name`, subcommands in the given order. */
function docsFromMeta(m, subOrder) {
  const d = fromPlain(m.docs, 'docs');
  if (subOrder && subOrder.length > 0) {
    const subs = subOrder.flatMap((s) => [{ t: 'bulk', v: s }, docsFromMeta(m.subcommands[s], [])]);
    d.v.push({ t: 'bulk', v: 'subcommands' }, { t: 'map', v: subs });
  }
  return d;
}

/** Checks that the meta reproduces every entry the server sent, byte for byte, in both protocols. */
function verify(meta, infoAll, docsAll) {
  for (const x of infoAll.v) {
    const name = x.v[0].v;
    const order = x.v[9].v.map((s) => s.v[0].v);
    for (const proto of [2, 3]) {
      if (encodeTyped(infoFromMeta(name, meta[name], order), proto) !== encodeTyped(x, proto)) {
        throw new Error(`COMMAND INFO ${name} does not round-trip in RESP${proto}`);
      }
    }
  }
  for (let i = 0; i < docsAll.v.length; i += 2) {
    const name = docsAll.v[i].v;
    const x = docsAll.v[i + 1];
    const subsAt = x.v.findIndex((e) => e.t === 'bulk' && e.v === 'subcommands');
    const order = subsAt < 0 ? [] : x.v[subsAt + 1].v.filter((_, j) => j % 2 === 0).map((e) => e.v);
    for (const proto of [2, 3]) {
      if (encodeTyped(docsFromMeta(meta[name], order), proto) !== encodeTyped(x, proto)) {
        throw new Error(`COMMAND DOCS ${name} does not round-trip in RESP${proto}`);
      }
    }
  }
}

/** JSON with one member per line, but arrays of scalars and small objects kept on one line. */
function pretty(v, ind = '') {
  const flat = JSON.stringify(v);
  if (v === null || typeof v !== 'object' || flat.length <= 100 - ind.length) return flat;
  const inner = ind + ' ';
  if (Array.isArray(v)) return `[\n${v.map((e) => inner + pretty(e, inner)).join(',\n')}\n${ind}]`;
  return `{\n${Object.entries(v).map(([k, e]) => `${inner}${JSON.stringify(k)}: ${pretty(e, inner)}`).join(',\n')}\n${ind}}`;
}

// --- talking to redis-server --------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Sends commands on one connection and resolves with their typed replies. */
function query(port, cmds) {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const replies = [];
    sock.on('error', reject);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      let r;
      while (replies.length < cmds.length && (r = parse(buf, 0)) !== null) {
        replies.push(r[0]);
        buf = buf.subarray(r[1]);
      }
      if (replies.length === cmds.length) {
        sock.destroy();
        resolve(replies);
      }
    });
    for (const c of cmds) sock.write(`*${c.length}\r\n` + c.map((a) => `$${a.length}\r\n${a}\r\n`).join(''));
  });
}

async function startRedis(bin) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ks-gen-meta-'));
  const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      await query(port, [['PING']]);
      return { port, stop: () => { proc.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); } };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  proc.kill('SIGKILL');
  throw new Error('redis-server did not start');
}

async function main() {
  const redis = await startRedis(process.argv[2] ?? 'redis-server');
  try {
    const [, version, infoAll, docsAll] = await query(redis.port, [
      ['HELLO', '3'], ['INFO', 'server'], ['COMMAND', 'INFO'], ['COMMAND', 'DOCS'],
    ]);
    const redisVersion = /redis_version:(\S+)/.exec(version.v)[1];
    if (!redisVersion.startsWith('7.0.')) throw new Error(`expected Redis 7.0.x, found ${redisVersion}`);
    const meta = buildMeta(infoAll, docsAll);
    verify(meta, infoAll, docsAll);
    const file = { redis_version: redisVersion, generated_by: 'scripts/gen-command-meta.mjs', commands: meta };
    writeFileSync(OUT, pretty(file) + '\n');
    console.log(`wrote ${OUT}: ${Object.keys(meta).length} commands from Redis ${redisVersion}`);
  } finally {
    redis.stop();
  }
}

await main();
