// The model side of the keyspace's seeded random checker (test/unit/keyspace-model-random.test.ts):
// a trivial model of the databases (a Map per database of key -> value, deadline and creation
// number), a stub command context to run the keyspace commands' own handlers in-process on a
// ManualClock, and the key names the checker draws from (empty, binary, hash-tagged, colliding).

import type { Ctx, Handler } from '../../src/commands/types.js';
import { keyspaceCommands } from '../../src/commands/keys.js';
import { dumpCommands } from '../../src/commands/dump.js';
import type { Keyspace } from '../../src/keyspace/keyspace.js';
import { Deferred, ErrorReply, LongArray, RawReply, SimpleString, type Reply } from '../../src/protocol/reply.js';
import type { TypedValue, Value } from '../../src/keyspace/values.js';
import { EXPIRE_ENTRY_BYTES, keyBytes, valueBytes } from '../../src/keyspace/memory.js';
import { pick, type Rng } from './rng.js';

/** A stored key of the model: value, deadline (undefined: none), and when it was created. */
export interface Entry {
  v: Value;
  dl: number | undefined;
  born: number;
}

/** The model: per database, the keys stored (expired ones too, until the keyspace reclaims them). */
export class Model {
  readonly dbs: Map<string, Entry>[];
  /** The time of the command being checked (whole ms, as the keyspace reads its clock). */
  now = 0;
  private births = 0;

  constructor(count: number) {
    this.dbs = Array.from({ length: count }, () => new Map<string, Entry>());
  }

  /** Alive: stored, and no deadline or now <= deadline (Redis's keyIsExpired is now > when). */
  live(db: number, key: string): Entry | undefined {
    const e = this.dbs[db].get(key);
    return e !== undefined && (e.dl === undefined || this.now <= e.dl) ? e : undefined;
  }

  /** Stored but past its deadline: the next access must reclaim it. */
  stale(db: number, key: string): boolean {
    const e = this.dbs[db].get(key);
    return e !== undefined && e.dl !== undefined && e.dl < this.now;
  }

  liveKeys(db: number): string[] {
    return [...this.dbs[db].keys()].filter((k) => this.live(db, k) !== undefined);
  }

  /** Stores a new key (or a replacement that counts as new: RENAME, COPY, MOVE's target). */
  create(db: number, key: string, v: Value, dl: number | undefined): void {
    this.dbs[db].set(key, { v, dl, born: this.births++ });
  }

  /** SET: an overwrite keeps its creation number (and its deadline only with keepTtl). */
  set(db: number, key: string, v: Value, keepTtl: boolean): void {
    const e = this.dbs[db].get(key);
    if (e === undefined) this.create(db, key, v, undefined);
    else this.dbs[db].set(key, { v, dl: keepTtl ? e.dl : undefined, born: e.born });
  }

  /** What Database.bytes should say for database `db` (memory.ts), `perKey` more per key for an index. */
  bytes(db: number, perKey: number): number {
    let n = 0;
    for (const [k, e] of this.dbs[db]) n += keyBytes(k) + valueBytes(e.v) + (e.dl === undefined ? 0 : EXPIRE_ENTRY_BYTES) + perKey;
    return n;
  }
}

/** A value of another type than string (SCAN's TYPE filter), copyable by COPY. */
export function hashValue(tag: number): TypedValue {
  const v = { type: 'hash', tag, clone: (): TypedValue => hashValue(tag) };
  return v;
}

/** A reply as plain data: a status or error as "+text" / "-text", arrays recursively. */
export function plain(r: Reply): unknown {
  if (r instanceof SimpleString) return `+${r.value}`;
  if (r instanceof RawReply) return r.bytes.toString('latin1').replace(/\r\n$/, '');
  if (r instanceof ErrorReply) return `-${r.message}`;
  if (Array.isArray(r)) return r.map(plain);
  if (r instanceof Deferred) return plain(r.reply as Reply);
  if (r instanceof LongArray) return r.chunks.flatMap((c) => c.map(plain));
  return r;
}

/** Runs keyspace commands with their real handlers against `ks`, each as one command of a client. */
export class Runner {
  private readonly handlers = new Map<string, Handler>();
  readonly server = {
    stats: { keyspaceHits: 0, keyspaceMisses: 0, lazyfreedObjects: 0 },
    cluster: null as object | null,
    config: { bool: (): boolean => false, get: (): string => '' }, // rdbcompression no, save ''
    persistence: null,
  };

  constructor(private readonly ks: Keyspace) {
    for (const spec of [...keyspaceCommands, ...dumpCommands]) this.handlers.set(spec.name, spec.handler);
  }

  /** Runs `args` in database `db`: a new command time, then the handler; the reply as plain data. */
  run(db: number, args: string[]): unknown {
    const handler = this.handlers.get(args[0].toLowerCase());
    if (handler === undefined) throw new Error(`no handler for ${args[0]}`);
    const ks = this.ks;
    ks.beginCommand();
    const ctx = {
      server: this.server,
      client: {},
      keyspace: ks,
      db: ks.dbs[db],
      get now() {
        return ks.time.now;
      },
      get clockNow() {
        return ks.time.now;
      },
      propagate: () => {},
    } as unknown as Ctx;
    return plain(handler(ctx, args));
  }
}

/**
 * 2^k distinct keys of 4k bytes with one hashKey (a Joux multicollision: hashKey has no secret, and
 * each 4-byte block of FNV over 16-bit units can be made to collide from a known state): more than
 * 4 of them in one probe move a table to SipHash. Also keyspace-slot-dict.test.ts's.
 */
export function collidingKeys(k: number): string[] {
  const P = 0x01000193;
  let s = 0x811c9dc5 ^ (4 * k);
  const blocks: [number, number][][] = [];
  for (let b = 0; b < k; b++) {
    const seen = new Map<number, number>();
    for (let u = 0; ; u++) {
      const a = Math.imul(s ^ u, P);
      const u0 = seen.get(a >>> 16);
      if (u0 === undefined) {
        seen.set(a >>> 16, u);
        continue;
      }
      // Same high half after the first unit: the second unit evens out the low half.
      blocks.push([[u0, 0], [u, (Math.imul(s ^ u0, P) ^ a) & 0xffff]]);
      s = Math.imul(Math.imul(s ^ u0, P), P);
      break;
    }
  }
  const ch = (u: number): string => String.fromCharCode(u & 255, u >>> 8);
  return Array.from({ length: 1 << k }, (_, m) => blocks.map((p, b) => ch(p[(m >> b) & 1][0]) + ch(p[(m >> b) & 1][1])).join(''));
}

/** The names a run draws from: a few hundred small ones of every shape, plus bulk names. */
export function keyNames(rng: Rng, colliding: boolean): string[] {
  const names = ['', '\x00', '\xff', '\x00\x00', 'a\x00b', '{', '}', '{}', '{}x', '*', '?', '[', '\\'];
  for (let i = 0; i < 120; i++) names.push(`k${i}`);
  for (let i = 0; i < 60; i++) names.push(`{t${i % 6}}${i}`);
  for (let i = 0; i < 40; i++) {
    let s = '';
    for (let j = pick(rng, 6); j > 0; j--) s += String.fromCharCode(pick(rng, 256));
    names.push(s);
  }
  if (colliding) names.push(...collidingKeys(4));
  return [...new Set(names)];
}
