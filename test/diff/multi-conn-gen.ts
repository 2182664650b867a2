// The seeded command source of the multi-connection differential stream (multi-conn.test.ts): what
// each of a few players (a connection to each server) sends next, and the little the runner must
// know of each player to read its replies in lock step (is a reply due, is it in MULTI, what did it
// queue). Commands touch a few keys in two databases, so that one player's writes, SWAPDBs,
// FLUSHes, MOVEs, expiries, pauses and kills land on another's WATCHed keys and transactions.
//
// Arguments that differ between the servers (another player's client id or address) are written
// as placeholders, `ref('id', n)` / `ref('addr', n)`, which the runner fills in per server.

import { Rng } from './generators.js';

export const PLAYERS = 3;
export const KEYS = ['a', 'b', 'c'];
export const DBS = ['0', '1'];
const VALUES = ['1', '7', '-3', 'x', 'hello', '12345678901', ''];
const NAMES = ['p0', 'p1', 'p2', 'dup'];

/** A TTL short enough to pass while the stream runs: the runner waits it out and reads the keys. */
export const SHORT_MS = ['3', '5', '8'];
/** How long a long CLIENT PAUSE WRITE lasts unless a CLIENT UNPAUSE ends it (ms). */
export const LONG_PAUSE_MS = '100000';

/** A placeholder for another player's client id or address, filled in per server by the runner. */
export const ref = (what: 'id' | 'addr', player: number): string => `\u0001${what}:${player}`;
export const REF = /^\u0001(id|addr):(\d+)$/;

export type ReplyMode = 'on' | 'off' | 'skip';

/** What the stream knows about one player: enough to say whether a reply is due. */
export interface PlayerState {
  mode: ReplyMode;
  multi: boolean;
  /** A short TTL among its queued commands: the EXEC that runs it must be waited out. */
  queuedShortTtl: boolean;
  /** A CLIENT KILL among its queued commands: the EXEC that runs it may close connections. */
  queuedKill: boolean;
}

export const freshPlayer = (): PlayerState => ({ mode: 'on', multi: false, queuedShortTtl: false, queuedKill: false });

const up = (args: readonly string[], n = 2): string => args.slice(0, n).join(' ').toUpperCase();

/** Whether the command gets a reply, given the player's CLIENT REPLY mode (Redis's reply flags). */
export function replyDue(p: PlayerState, args: readonly string[]): boolean {
  const reply = up(args, 3);
  if (p.mode === 'off') return reply === 'CLIENT REPLY ON' || up(args, 1) === 'RESET';
  if (p.mode === 'skip') return reply === 'CLIENT REPLY ON';
  return reply !== 'CLIENT REPLY OFF' && reply !== 'CLIENT REPLY SKIP';
}

/** The player's state after sending `args` (whatever the reply: it may be switched off). */
export function advance(p: PlayerState, args: readonly string[]): void {
  const name = up(args, 1);
  const reply = up(args, 3);
  if (reply === 'CLIENT REPLY ON') p.mode = 'on';
  else if (reply === 'CLIENT REPLY OFF') p.mode = 'off';
  else if (reply === 'CLIENT REPLY SKIP') p.mode = p.mode === 'off' ? 'off' : 'skip';
  else if (p.mode === 'skip' || name === 'RESET') p.mode = 'on'; // the skipped command is this one
  if (name === 'RESET' || name === 'EXEC' || name === 'DISCARD') {
    p.multi = false;
    p.queuedShortTtl = false;
    p.queuedKill = false;
  } else if (name === 'MULTI') {
    p.multi = true;
  } else if (p.multi) {
    if (hasShortTtl(args)) p.queuedShortTtl = true;
    if (up(args) === 'CLIENT KILL') p.queuedKill = true;
  }
}

/** Whether `args` blocks its client until a timeout or CLIENT UNBLOCK (WAIT for replicas, outside MULTI). */
export const blocks = (p: PlayerState, args: readonly string[]): boolean => args[0] === 'WAIT' && args[1] !== '0' && !p.multi;

/** Whether `args` may give a key a TTL of a few ms. */
export const hasShortTtl = (args: readonly string[]): boolean => {
  const u = args.map((a) => a.toUpperCase());
  return (u[0] === 'PEXPIRE' || u.includes('PX')) && args.some((a) => SHORT_MS.includes(a));
};

type Gen = (r: Rng, self: number) => string[];

const key = (r: Rng): string => r.pick(KEYS);
const keys = (r: Rng): string[] => Array.from({ length: r.int(1, 3) }, () => key(r));
const value = (r: Rng): string => r.pick(VALUES);
const db = (r: Rng): string => (r.chance(0.04) ? r.pick(['2', '16', 'x']) : r.pick(DBS));
/**
 * A long TTL in seconds, drawn from a wide range: EXPIRE ... GT / LT comparing two deadlines made
 * with the same TTL a few ms apart would answer by whether both fell in the same millisecond.
 */
const longTtl = (r: Rng): string => String(r.int(1000, 1000000));
const other = (r: Rng, self: number): number => (self + r.int(1, PLAYERS - 1)) % PLAYERS;

/** SET's options: sometimes a long or a short expiry, a condition, GET. */
function setOptions(r: Rng): string[] {
  const out: string[] = [];
  const e = r.int(0, 8);
  if (e === 1) out.push('EX', longTtl(r));
  else if (e === 2) out.push('PX', r.pick(SHORT_MS));
  else if (e === 3) out.push('KEEPTTL');
  if (r.chance(0.2)) out.push(r.pick(['NX', 'XX']));
  if (r.chance(0.15)) out.push('GET');
  return out;
}

/** Keyspace and string commands: the state the players share. */
const DATA: [number, Gen][] = [
  [8, (r) => ['SET', key(r), value(r), ...setOptions(r)]],
  [6, (r) => ['GET', key(r)]],
  [4, (r) => ['INCR', key(r)]],
  [2, (r) => ['APPEND', key(r), value(r)]],
  [2, (r) => ['GETDEL', key(r)]],
  [2, (r) => ['GETEX', key(r), ...r.pick([[], ['PERSIST'], ['EX', longTtl(r)], ['PX', r.pick(SHORT_MS)]])]],
  [1, (r) => ['SETRANGE', key(r), String(r.int(0, 3)), value(r)]],
  [3, (r) => ['EXPIRE', key(r), longTtl(r), ...r.pick([[], [], ['NX'], ['XX'], ['GT'], ['LT']])]],
  [2, (r) => ['PEXPIRE', key(r), r.pick(SHORT_MS)]],
  [2, (r) => ['PERSIST', key(r)]],
  [2, (r) => ['TTL', key(r)]],
  [1, (r) => ['PTTL', key(r)]],
  [3, (r) => ['DEL', ...keys(r)]],
  [3, (r) => ['EXISTS', ...keys(r)]],
  [1, (r) => ['TYPE', key(r)]],
  [1, (r) => ['OBJECT', 'ENCODING', key(r)]],
  [2, () => ['DBSIZE']],
  [1, (r) => ['KEYS', r.pick(['*', '[ab]'])]],
  [2, (r) => [r.pick(['RENAME', 'RENAMENX']), key(r), key(r)]],
  [3, (r) => ['COPY', key(r), key(r), ...(r.chance(0.7) ? ['DB', db(r)] : []), ...(r.chance(0.4) ? ['REPLACE'] : [])]],
  [3, (r) => ['MOVE', key(r), db(r)]],
  [2, (r) => (r.chance(0.9) ? ['SWAPDB', '0', '1'] : ['SWAPDB', db(r), db(r)])],
  [1, (r) => ['FLUSHDB', ...(r.chance(0.3) ? ['ASYNC'] : [])]],
  [1, (r) => ['FLUSHALL', ...(r.chance(0.3) ? ['SYNC'] : [])]],
  [4, (r) => ['SELECT', db(r)]],
  [2, (r) => ['MSET', ...keys(r).flatMap((k) => [k, value(r)])]],
  [2, (r) => ['MGET', ...keys(r)]],
  [1, (r) => ['SETNX', key(r), value(r)]],
  [1, (r) => ['GETSET', key(r), value(r)]],
  [1, (r) => [r.pick(['INCRBY', 'DECRBY']), key(r), r.pick(['1', '-5', '100'])]],
  [1, (r) => ['STRLEN', key(r)]],
  [1, (r) => [r.pick(['UNLINK', 'TOUCH']), ...keys(r)]],
  // A deadline in the past deletes the key at once, as DEL (and tells WATCH).
  [1, (r) => (r.chance(0.5) ? ['EXPIREAT', key(r), r.pick(['1', '1000000000'])] : ['PEXPIREAT', key(r), '1'])],
];

/** Transactions: WATCH early, MULTI, EXEC / DISCARD (more likely once inside: see pick()). */
const TX: [number, Gen][] = [
  [5, (r) => ['WATCH', ...keys(r)]],
  [1, () => ['UNWATCH']],
  [3, () => ['MULTI']],
  [1, () => ['EXEC']],
  [1, () => ['DISCARD']],
];

/** Connection and client commands: names, reply modes, kills, pauses, protocols. */
const CONN: [number, Gen][] = [
  [2, (r) => ['CLIENT', 'SETNAME', r.pick(NAMES)]],
  [1, () => ['CLIENT', 'GETNAME']],
  [1, () => ['CLIENT', 'LIST']],
  [1, () => ['CLIENT', 'INFO']],
  [1, (r) => ['CLIENT', 'NO-EVICT', r.pick(['on', 'off'])]],
  [1, (r) => ['HELLO', r.pick(['2', '3']), ...(r.chance(0.3) ? ['SETNAME', r.pick(NAMES)] : [])]],
  [1, () => ['RESET']],
  [1, () => ['WAIT', '0', '0']],
  [1, (r) => ['WAIT', '1', r.pick(['0', '0', '30'])]],
  [1, (r, self) => ['CLIENT', 'UNBLOCK', ref('id', other(r, self)), ...r.pick([[], ['TIMEOUT'], ['ERROR']])]],
  [1, () => ['PING']],
  [1, (r) => ['INFO', r.pick(['keyspace', 'clients'])]],
];

/** Commands that change the connections themselves; not sent inside MULTI (see pick()). */
const CONTROL: [number, Gen][] = [
  [2, (r) => ['CLIENT', 'REPLY', r.pick(['ON', 'OFF', 'SKIP', 'SKIP'])]],
  [2, killCommand],
  // A long pause holds writes only: under ALL even CLIENT UNPAUSE waits (Redis 7.0's processCommand).
  [1, (r) => (r.chance(0.4) ? ['CLIENT', 'PAUSE', LONG_PAUSE_MS, 'WRITE'] : ['CLIENT', 'PAUSE', r.pick(['2', '5']), ...r.pick([[], ['WRITE'], ['ALL']])])],
  [1, () => ['CLIENT', 'UNPAUSE']],
];

function killCommand(r: Rng, self: number): string[] {
  const target = r.chance(0.15) ? self : other(r, self);
  switch (r.int(0, 5)) {
    case 0: return ['CLIENT', 'KILL', ref('addr', target)];
    case 1: return ['CLIENT', 'KILL', 'ADDR', ref('addr', target), ...(r.chance(0.5) ? ['SKIPME', r.pick(['yes', 'no'])] : [])];
    case 2: return ['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'];
    case 3: return ['CLIENT', 'KILL', 'USER', 'default', 'ID', ref('id', target)];
    default: return ['CLIENT', 'KILL', 'ID', ref('id', target), ...(r.chance(0.3) ? ['SKIPME', r.pick(['yes', 'no'])] : [])];
  }
}

/**
 * Where each family's share of the draws ends: keyspace, transactions, connection, control. By
 * default mostly keyspace commands; KS_MC_FOCUS=clients draws transactions, kills, pauses and
 * reply modes far more often (a hunt for client-state interleavings).
 */
const MIX = process.env.KS_MC_FOCUS === 'clients' ? [0.35, 0.6, 0.75] : [0.6, 0.78, 0.94];

function weighted(r: Rng, table: [number, Gen][], self: number): string[] {
  let n = r.next() * table.reduce((s, [w]) => s + w, 0);
  for (const [w, g] of table) if ((n -= w) < 0) return g(r, self);
  return table[table.length - 1][1](r, self);
}

/**
 * The next command of player `self`. `pauseOn`: a long CLIENT PAUSE holds writes, so no new pause
 * is started and UNPAUSE comes more often. Inside MULTI: no CLIENT REPLY, kill or pause (their
 * effect at EXEC would need a model of its own), no TTL / KEYS (masked or sorted outside only); no
 * MULTI while replies are off or skipped.
 */
export function pick(r: Rng, self: number, p: PlayerState, pauseOn: boolean): string[] {
  if (p.multi && r.chance(0.25)) return r.chance(0.85) ? ['EXEC'] : ['DISCARD'];
  if (pauseOn && r.chance(0.08)) return ['CLIENT', 'UNPAUSE'];
  for (;;) {
    const family = r.next();
    const args = family < MIX[0] ? weighted(r, DATA, self) : family < MIX[1] ? weighted(r, TX, self) : family < MIX[2] ? weighted(r, CONN, self) : weighted(r, CONTROL, self);
    const name = up(args);
    if (p.multi && (['CLIENT REPLY', 'CLIENT KILL', 'CLIENT PAUSE', 'CLIENT UNPAUSE'].includes(name) || ['TTL', 'PTTL', 'KEYS'].includes(args[0]))) continue;
    if (pauseOn && name === 'CLIENT PAUSE') continue;
    // redis-server 7.0.15 crashes on a CLIENT UNBLOCK of a client a pause holds (redis-compat.md).
    if (pauseOn && name === 'CLIENT UNBLOCK') continue;
    // Without replies, the runner cannot tell when a queued command was taken (CLIENT LIST multi=).
    if (p.mode !== 'on' && (args[0] === 'MULTI' || blocks(p, args))) continue;
    // A client that kills itself with no reply to send: redis-server 7.0.15 never closes it (its
    // close waits for the reply it dropped), ours closes; redis-compat.md, CLIENT KILL and QUIT.
    if (p.mode !== 'on' && (args.includes(ref('id', self)) || args.includes(ref('addr', self)))) continue;
    return args;
  }
}

/**
 * Whether `args` may go in a pipelined batch (one write, replies read after): not what the runner
 * must act on between two commands (a reply mode, a kill, a pause, a block, a short TTL to wait
 * out, an EXEC that runs one of those).
 */
function batchable(p: PlayerState, args: readonly string[]): boolean {
  const name = up(args);
  if (['CLIENT REPLY', 'CLIENT KILL', 'CLIENT PAUSE'].includes(name) || blocks(p, args) || hasShortTtl(args)) return false;
  return !(args[0] === 'EXEC' && (p.queuedShortTtl || p.queuedKill));
}

/**
 * A batch of 2-4 commands of player `self` sent in one write, so that both servers run them in one
 * read (what Redis does between two turns of its event loop, such as resuming the clients a
 * CLIENT UNPAUSE freed, happens after the whole batch). During a long pause a batch starts with
 * CLIENT UNPAUSE. Fewer than 2 commands when the draw hits one that cannot be batched.
 */
export function pickBatch(r: Rng, self: number, p: PlayerState, pauseOn: boolean): string[][] {
  const sim: PlayerState = { ...p };
  const batch: string[][] = pauseOn ? [['CLIENT', 'UNPAUSE']] : [];
  for (const n = r.int(2, 4); batch.length < n; ) {
    const args = pick(r, self, sim, false);
    if (!batchable(sim, args)) break;
    batch.push(args);
    advance(sim, args);
  }
  return batch;
}
