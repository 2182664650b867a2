// Random command generators for the differential stream (random.test.ts): a seeded PRNG, a small
// key set, value pools that reach the edges (64-bit limits, floats, binary, empty), and one
// generator per command producing plausible arguments, now and then invalid ones.
//
// Every generated command must give the same reply on both servers given the same state. So: no
// short TTLs (all relative expiries are >= 100 s, absolute ones far in the future or in the past),
// no sizes that allocate hundreds of MB, and anything whose reply Redis itself leaves unspecified
// is listed in NORMALIZE by random.test.ts.

/** mulberry32: small, fast, good enough for test streams, and reproducible from a 32-bit seed. */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
}

export const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'key:6', '\x00b\xff7'];
const PATTERNS = ['*', 'k*', 'k?', 'k[0-3]', 'k[^0-3]', '*:*', '\x00*', '[a-k]*', 'nomatch*', 'k\\1', '*[', ''];
const INTS = ['0', '1', '-1', '7', '42', '-100', '1000000', '9223372036854775807', '-9223372036854775808', '9223372036854775806', '-9223372036854775807', '4611686018427387904'];
const BAD_INTS = ['', 'a', '1.5', ' 1', '1 ', '+1', '01', '-0', '9223372036854775808', '0x10', '1e3'];
const FLOATS = ['0', '1.5', '-0.25', '3e2', '0.1', '1e-5', '10.50', '-7', '5.0e3', '1e308', '-1e308', '3.0000000000000001', '.5', '-.5', '17'];
const BAD_FLOATS = ['abc', '', 'inf', '-inf', 'nan', '1.5.5', ' 1', '1e', '0x1p3'];
const STRINGS = ['', 'a', 'abc', 'hello world', 'foobar', '\x00\xff\x01', 'ÿÿ', 'ab\r\ncd', 'x'.repeat(40), '12abc', 'ohmytext', 'mynewtext'];

type Gen = (r: Rng) => string[];

const key = (r: Rng): string => r.pick(KEYS);
const keys = (r: Rng, min = 1, max = 4): string[] => Array.from({ length: r.int(min, max) }, () => key(r));
const int = (r: Rng): string => (r.chance(0.06) ? r.pick(BAD_INTS) : r.chance(0.25) ? r.pick(INTS) : String(r.int(-20, 50)));
const value = (r: Rng): string => (r.chance(0.35) ? r.pick(INTS) : r.chance(0.2) ? r.pick(FLOATS) : r.chance(0.3) ? r.pick(STRINGS) : String(r.int(-5, 30)));
const db = (r: Rng): string => (r.chance(0.05) ? r.pick(['16', '-1', 'x', '2147483648']) : r.pick(['0', '1']));
/** Seconds for a relative TTL: long, so nothing expires while the stream runs; sometimes invalid. */
const secs = (r: Rng): string => (r.chance(0.06) ? r.pick(['0', '-5', 'x', '9223372036854775807', '1.5']) : String(r.int(100, 100000)));
const millis = (r: Rng): string => (r.chance(0.06) ? r.pick(['0', '-5', 'x', '9223372036854775807']) : String(r.int(100000, 100000000)));
/** Unix time in seconds: far future, or the past (which deletes the key), sometimes invalid. */
const unixSecs = (r: Rng): string => (r.chance(0.15) ? r.pick(['1', '1000000000', '0', '-1', 'x']) : String(4102444800 + r.int(0, 1000000)));
const unixMs = (r: Rng): string => (r.chance(0.15) ? r.pick(['1', '1000000000000', '0', 'x']) : String(4102444800000 + r.int(0, 1000000000)));
const offset = (r: Rng): string => (r.chance(0.05) ? r.pick(['-1', 'x', '536870912', '4294967296']) : String(r.int(0, 64)));
const index = (r: Rng): string => (r.chance(0.05) ? r.pick(['x', '9223372036854775807', '-9223372036854775808', '']) : String(r.int(-20, 20)));

/** A bit offset: within a few hundred bytes (a huge one would make a 512 MB value), sometimes invalid. */
const bitOffset = (r: Rng): string => (r.chance(0.05) ? r.pick(['-1', 'x', '01', '4294967296']) : String(r.int(0, r.chance(0.8) ? 100 : 3000)));
/** BITCOUNT / BITPOS ranges: none, start end, with a unit; sometimes a lone start or a bad unit. */
function bitRange(r: Rng): string[] {
  const n = r.int(0, 3);
  const out = Array.from({ length: Math.min(n, 2) }, () => index(r));
  if (n === 3) out.push(r.pick(['BIT', 'BYTE', 'bit', 'BIT', 'bits']));
  return out;
}
/** BITFIELD operations: GET / SET / INCRBY of i1..i64, u1..u63, OVERFLOW; now and then a bad one. */
function bitfieldOps(r: Rng, readOnly: boolean): string[] {
  const out: string[] = [];
  for (let i = r.int(0, 4); i > 0; i--) {
    if (r.chance(0.2)) {
      out.push('OVERFLOW', r.pick(['WRAP', 'SAT', 'FAIL', 'sat', 'nope']));
      continue;
    }
    const op = readOnly && r.chance(0.9) ? 'GET' : r.pick(['GET', 'SET', 'INCRBY']);
    const signed = r.chance(0.5);
    const type = r.chance(0.03) ? r.pick(['u64', 'x8', 'i0', 'U8']) : `${signed ? 'i' : 'u'}${r.int(1, signed ? 64 : 63)}`;
    const at = r.chance(0.2) ? `#${r.int(0, 20)}` : bitOffset(r);
    out.push(op, type, at);
    if (op !== 'GET') out.push(r.chance(0.5) ? int(r) : r.pick(INTS));
  }
  return out;
}

/**
 * SET's options: one expiry, one condition, GET; now and then a conflicting or unknown one.
 * Absolute times are always in the future here: SET (unlike EXPIREAT and GETEX) stores a key whose
 * time has passed, which then counts in DBSIZE until the active expiry cycle of each server
 * happens to remove it, a race between the servers' timers, not a difference in behaviour.
 */
function setOptions(r: Rng): string[] {
  const out: string[] = [];
  const exp = r.int(0, 9);
  if (exp === 1) out.push('EX', secs(r));
  else if (exp === 2) out.push('PX', millis(r));
  else if (exp === 3) out.push('EXAT', r.chance(0.05) ? 'x' : String(4102444800 + r.int(0, 1000000)));
  else if (exp === 4) out.push('PXAT', r.chance(0.05) ? '-1' : String(4102444800000 + r.int(0, 1000000000)));
  else if (exp === 5) out.push('KEEPTTL');
  const cond = r.int(0, 5);
  if (cond === 1) out.push('NX');
  else if (cond === 2) out.push('XX');
  if (r.chance(0.2)) out.push('GET');
  if (r.chance(0.04)) out.push(r.pick(['NX', 'XX', 'EX', 'KEEPTTL', 'BOGUS', 'PX', 'GET']));
  return r.chance(0.3) ? shuffle(r, pairsOf(out)).flat() : out;
}

/** Keeps an option and its argument together when reordering. */
function pairsOf(opts: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < opts.length; i++) {
    const takesArg = ['EX', 'PX', 'EXAT', 'PXAT'].includes(opts[i]) && i + 1 < opts.length && !/^[A-Z]+$/.test(opts[i + 1]);
    out.push(takesArg ? [opts[i], opts[++i]] : [opts[i]]);
  }
  return out;
}

function shuffle<T>(r: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

function getexOptions(r: Rng): string[] {
  switch (r.int(0, 7)) {
    case 1: return ['EX', secs(r)];
    case 2: return ['PX', millis(r)];
    case 3: return ['EXAT', unixSecs(r)];
    case 4: return ['PXAT', unixMs(r)];
    case 5: return ['PERSIST'];
    case 6: return r.pick([['EX'], ['PERSIST', 'EX', '10'], ['BOGUS'], ['EX', '100', 'PX', '100']]);
    default: return [];
  }
}

const expireCondition = (r: Rng): string[] => (r.chance(0.3) ? [r.pick(['NX', 'XX', 'GT', 'LT', 'nx', 'gt', 'BAD'])] : r.chance(0.03) ? ['NX', 'XX'] : []);

function lcsOptions(r: Rng): string[] {
  const out: string[] = [];
  if (r.chance(0.3)) out.push('LEN');
  if (r.chance(0.4)) out.push('IDX');
  if (r.chance(0.3)) out.push('MINMATCHLEN', r.chance(0.1) ? 'x' : String(r.int(-1, 4)));
  if (r.chance(0.3)) out.push('WITHMATCHLEN');
  if (r.chance(0.03)) out.push('BOGUS');
  return out;
}

function scanArgs(r: Rng): string[] {
  // COUNT 1000 over at most 8 keys: one call returns every key and cursor 0 on both servers. Any
  // other valid cursor (even "-1", which strtoul reads as ULONG_MAX) depends on Redis's hash layout.
  const out = ['SCAN', r.chance(0.04) ? r.pick(['x', '1.5', ' 0', '']) : '0'];
  if (r.chance(0.4)) out.push('MATCH', r.pick(PATTERNS));
  out.push('COUNT', '1000');
  if (r.chance(0.3)) out.push('TYPE', r.pick(['string', 'list', 'set', 'hash', 'zset', 'nosuchtype']));
  return out;
}

/**
 * The generator of each command, by table name. A command's weight says how often it is drawn
 * relative to the others (default 1). DUMP payloads for RESTORE are filled in at run time.
 */
export const GENERATORS: Record<string, { gen: Gen; weight?: number }> = {
  // strings
  get: { gen: (r) => ['GET', key(r)], weight: 4 },
  set: { gen: (r) => ['SET', key(r), value(r), ...setOptions(r)], weight: 5 },
  setnx: { gen: (r) => ['SETNX', key(r), value(r)] },
  setex: { gen: (r) => ['SETEX', key(r), secs(r), value(r)] },
  psetex: { gen: (r) => ['PSETEX', key(r), millis(r), value(r)] },
  getset: { gen: (r) => ['GETSET', key(r), value(r)] },
  mget: { gen: (r) => ['MGET', ...keys(r)], weight: 2 },
  mset: { gen: (r) => ['MSET', ...keys(r, 1, 3).flatMap((k) => [k, value(r)]), ...(r.chance(0.03) ? ['odd'] : [])] },
  msetnx: { gen: (r) => ['MSETNX', ...keys(r, 1, 3).flatMap((k) => [k, value(r)])] },
  incr: { gen: (r) => ['INCR', key(r)], weight: 2 },
  decr: { gen: (r) => ['DECR', key(r)] },
  incrby: { gen: (r) => ['INCRBY', key(r), int(r)], weight: 2 },
  decrby: { gen: (r) => ['DECRBY', key(r), int(r)] },
  incrbyfloat: { gen: (r) => ['INCRBYFLOAT', key(r), r.chance(0.06) ? r.pick(BAD_FLOATS) : r.pick(FLOATS)], weight: 2 },
  append: { gen: (r) => ['APPEND', key(r), r.pick(STRINGS.slice(0, 8))], weight: 2 },
  strlen: { gen: (r) => ['STRLEN', key(r)] },
  setrange: { gen: (r) => ['SETRANGE', key(r), offset(r), r.chance(0.1) ? '' : r.pick(STRINGS.slice(1, 8))], weight: 2 },
  getrange: { gen: (r) => ['GETRANGE', key(r), index(r), index(r)], weight: 2 },
  substr: { gen: (r) => ['SUBSTR', key(r), index(r), index(r)] },
  getex: { gen: (r) => ['GETEX', key(r), ...getexOptions(r)], weight: 2 },
  getdel: { gen: (r) => ['GETDEL', key(r)] },
  lcs: { gen: (r) => ['LCS', key(r), key(r), ...lcsOptions(r)] },
  // bitmaps
  setbit: { gen: (r) => ['SETBIT', key(r), bitOffset(r), r.chance(0.05) ? r.pick(['2', '-1', 'x']) : r.pick(['0', '1'])], weight: 2 },
  getbit: { gen: (r) => ['GETBIT', key(r), bitOffset(r)], weight: 2 },
  bitcount: { gen: (r) => ['BITCOUNT', key(r), ...bitRange(r)] },
  bitpos: { gen: (r) => ['BITPOS', key(r), r.chance(0.05) ? r.pick(['2', 'x']) : r.pick(['0', '1']), ...bitRange(r)] },
  bitop: { gen: (r) => ['BITOP', r.pick(['AND', 'OR', 'XOR', 'NOT', 'NOT', 'and', 'bad']), key(r), ...keys(r, 1, 3)] },
  bitfield: { gen: (r) => ['BITFIELD', key(r), ...bitfieldOps(r, false)], weight: 2 },
  bitfield_ro: { gen: (r) => ['BITFIELD_RO', key(r), ...bitfieldOps(r, true)] },
  // keyspace
  del: { gen: (r) => ['DEL', ...keys(r)], weight: 2 },
  unlink: { gen: (r) => ['UNLINK', ...keys(r)] },
  exists: { gen: (r) => ['EXISTS', ...keys(r)], weight: 2 },
  touch: { gen: (r) => ['TOUCH', ...keys(r)] },
  type: { gen: (r) => ['TYPE', key(r)], weight: 2 },
  rename: { gen: (r) => ['RENAME', key(r), key(r)] },
  renamenx: { gen: (r) => ['RENAMENX', key(r), key(r)] },
  copy: { gen: (r) => ['COPY', key(r), key(r), ...(r.chance(0.4) ? ['DB', db(r)] : []), ...(r.chance(0.4) ? ['REPLACE'] : []), ...(r.chance(0.02) ? ['BOGUS'] : [])] },
  move: { gen: (r) => ['MOVE', key(r), db(r)] },
  swapdb: { gen: (r) => ['SWAPDB', db(r), db(r)], weight: 0.3 },
  select: { gen: (r) => ['SELECT', db(r)], weight: 2 },
  expire: { gen: (r) => ['EXPIRE', key(r), r.chance(0.1) ? r.pick(['-1', '0']) : secs(r), ...expireCondition(r)], weight: 2 },
  pexpire: { gen: (r) => ['PEXPIRE', key(r), r.chance(0.1) ? '-1' : millis(r), ...expireCondition(r)] },
  expireat: { gen: (r) => ['EXPIREAT', key(r), unixSecs(r), ...expireCondition(r)] },
  pexpireat: { gen: (r) => ['PEXPIREAT', key(r), unixMs(r), ...expireCondition(r)] },
  ttl: { gen: (r) => ['TTL', key(r)], weight: 2 },
  pttl: { gen: (r) => ['PTTL', key(r)] },
  expiretime: { gen: (r) => ['EXPIRETIME', key(r)] },
  pexpiretime: { gen: (r) => ['PEXPIRETIME', key(r)] },
  persist: { gen: (r) => ['PERSIST', key(r)] },
  keys: { gen: (r) => ['KEYS', r.pick(PATTERNS)] },
  scan: { gen: scanArgs },
  randomkey: { gen: () => ['RANDOMKEY'], weight: 0.5 },
  dbsize: { gen: () => ['DBSIZE'] },
  object: { gen: (r) => ['OBJECT', r.pick(['ENCODING', 'ENCODING', 'ENCODING', 'encoding', 'FREQ', 'NOPE']), key(r)] },
  dump: { gen: (r) => ['DUMP', key(r)], weight: 0.5 },
  restore: { gen: (r) => ['RESTORE', key(r), r.pick(['0', '0', String(r.int(100000, 999999)), '-1', 'x']), r.pick(DUMPS), ...(r.chance(0.4) ? ['REPLACE'] : []), ...(r.chance(0.1) ? ['ABSTTL'] : [])], weight: 0.5 },
  sort: { gen: (r) => ['SORT', key(r), ...(r.chance(0.3) ? ['ALPHA'] : [])], weight: 0.3 },
  sort_ro: { gen: (r) => ['SORT_RO', key(r)], weight: 0.3 },
  flushdb: { gen: (r) => ['FLUSHDB', ...(r.chance(0.3) ? [r.pick(['ASYNC', 'SYNC', 'bad'])] : [])], weight: 0.1 },
  flushall: { gen: (r) => ['FLUSHALL', ...(r.chance(0.3) ? [r.pick(['ASYNC', 'SYNC', 'bad'])] : [])], weight: 0.05 },
  // server (FUNCTION exists for clients that probe it; there is no scripting engine behind it)
  function: { gen: (r) => ['FUNCTION', ...r.pick([['LIST'], ['FLUSH'], ['FLUSH', 'SYNC'], ['LIST', 'LIBRARYNAME', 'x'], ['NOPE']])], weight: 0.1 },
  // connection
  ping: { gen: (r) => (r.chance(0.5) ? ['PING'] : ['PING', value(r)]), weight: 0.3 },
  echo: { gen: (r) => ['ECHO', value(r)], weight: 0.3 },
  // other types, when they exist: they make WRONGTYPE replies possible
  lpush: { gen: (r) => ['LPUSH', key(r), value(r), value(r)] },
  rpush: { gen: (r) => ['RPUSH', key(r), value(r)] },
  lrange: { gen: (r) => ['LRANGE', key(r), index(r), index(r)] },
  llen: { gen: (r) => ['LLEN', key(r)] },
  sadd: { gen: (r) => ['SADD', key(r), value(r), value(r)] },
  scard: { gen: (r) => ['SCARD', key(r)] },
  sismember: { gen: (r) => ['SISMEMBER', key(r), value(r)] },
  hset: { gen: (r) => ['HSET', key(r), r.pick(['f1', 'f2']), value(r)] },
  hget: { gen: (r) => ['HGET', key(r), r.pick(['f1', 'f2'])] },
  hlen: { gen: (r) => ['HLEN', key(r)] },
};

/**
 * RESTORE payloads. Valid ones are filled in from the real redis-server's DUMP at run time (the
 * payload carries a checksum); the invalid ones test the error path.
 */
export const DUMPS: string[] = ['garbage', '', '\x00\x03abc\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00'];

/** In the table, but deliberately not generated: server-wide, per-connection or time-dependent. */
export const EXCLUDED: Record<string, string> = {
  quit: 'closes the connection',
  reset: 'resets the connection (covered by the corpus)',
  hello: 'replies carry the client id (covered by the corpus)',
  auth: 'covered by the corpus',
  client: 'connection introspection differs by design',
  config: 'server-wide settings',
  command: 'server introspection',
  info: 'server introspection',
  debug: 'server internals',
  monitor: 'changes the connection mode',
  shutdown: 'stops the server',
  save: 'persistence',
  bgsave: 'persistence',
  bgrewriteaof: 'persistence',
  lastsave: 'time-dependent',
  time: 'time-dependent',
  wait: 'blocks its client (covered by test/wire/wait.test.ts and the corpus)',
  memory: 'allocator-specific',
  latency: 'time-dependent',
  slowlog: 'time-dependent',
  multi: 'transactions change how replies arrive',
  exec: 'transactions',
  discard: 'transactions',
  watch: 'transactions',
  unwatch: 'transactions',
  subscribe: 'changes the connection mode',
  psubscribe: 'changes the connection mode',
  ssubscribe: 'changes the connection mode',
  role: 'replication',
  replicaof: 'replication',
  slaveof: 'replication',
  sync: 'replication',
  psync: 'replication',
  failover: 'replication',
  migrate: 'needs another server',
  module: 'server-wide',
  acl: 'server-wide',
  lolwut: 'random art',
  readonly: 'cluster',
  readwrite: 'cluster',
  asking: 'cluster',
  cluster: 'cluster',
};

/** Draws commands from the generators of the commands present in the table. */
export class Stream {
  private readonly names: string[];
  private readonly cumulative: number[] = [];
  private total = 0;

  constructor(
    readonly rng: Rng,
    tableNames: Iterable<string>,
  ) {
    this.names = [...tableNames].filter((n) => GENERATORS[n] !== undefined).sort();
    for (const n of this.names) this.cumulative.push((this.total += GENERATORS[n].weight ?? 1));
  }

  get commands(): readonly string[] {
    return this.names;
  }

  /** The next command: a generated one, sometimes in another letter case or with one argument too few/many. */
  next(): string[] {
    const x = this.rng.next() * this.total;
    let i = this.cumulative.findIndex((c) => c > x);
    if (i < 0) i = this.names.length - 1;
    const args = GENERATORS[this.names[i]].gen(this.rng);
    if (this.rng.chance(0.1)) args[0] = this.rng.chance(0.5) ? args[0].toLowerCase() : mixCase(this.rng, args[0]);
    if (this.rng.chance(0.02)) {
      if (args.length > 1 && this.rng.chance(0.5)) args.pop();
      else args.push(extraArgument(args, this.rng.pick(['extra', '1', 'NX'])));
    }
    return args;
  }
}

/**
 * The argument added to `args`: `picked`, but never a '1' after a dangling expiry option (SET's
 * stray PX, GETEX's lone EX), which would make a 1 ms or 1 s TTL, or a time in the past for SET:
 * whether the key is still there a few commands later is then a race between the two servers'
 * clocks (SET k3 -100 GET PX 1, then GET k3 three commands on: redis-server had it, ours not, in
 * one run of the full suite under load).
 */
function extraArgument(args: readonly string[], picked: string): string {
  return picked === '1' && /^[ep]x(at)?$/i.test(args[args.length - 1]) ? 'NX' : picked;
}

function mixCase(r: Rng, s: string): string {
  return [...s].map((ch) => (r.chance(0.5) ? ch.toLowerCase() : ch.toUpperCase())).join('');
}
