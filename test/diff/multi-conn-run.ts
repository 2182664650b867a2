// The runner of the multi-connection differential stream: a few players, each a connection to
// Keystonelight and one to a real redis-server, take turns sending the same command to both servers
// and reading both replies before the next turn, so both servers see the same interleaving. Every
// reply is compared byte for byte, after masking only what legitimately differs (client ids,
// addresses, ages, buffer sizes, KEYS order, a TTL's value beyond its sign).
//
// Where a turn cannot be read at once: a command held by a long CLIENT PAUSE WRITE is read after the
// UNPAUSE that frees it (held on one server only is a difference); a reply switched off by CLIENT
// REPLY is not waited for (an extra one shows up as a mismatch on the player's next reply); a short
// TTL is waited out and the keys read on a control connection (which expired key was reclaimed
// by the servers' own timers is a race, not a behaviour); a short CLIENT PAUSE is waited out too.
// A CLIENT KILL must close the same players on both servers; they are then connected again.

import { RawClient } from '../helpers/raw.js';
import { encodeArgs } from '../helpers/resp.js';
import { HELLO_ID } from './cases/types.js';
import { Rng } from './generators.js';
import { advance, blocks, DBS, freshPlayer, hasShortTtl, KEYS, pick, pickBatch, PLAYERS, ref, REF, replyDue, type PlayerState } from './multi-conn-gen.js';
import { CLOSED, escape, sortTop, type ServerPair } from './pair.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits: a reply due comes within LONG_MS; a command held by a long pause answers in neither within PROBE_MS. */
const LONG_MS = 5000;
const PROBE_MS = 150;
/** Past SHORT_MS's longest TTL; past Redis's cron period (hz 10), which is when it ends a short pause. */
const TTL_SETTLE_MS = 25;
const SHORT_PAUSE_SETTLE_MS = 200;
/** Turns shown before a divergence (KS_MC_CONTEXT=200 for more). */
const CONTEXT = Number(process.env.KS_MC_CONTEXT ?? 30);

/** One connection to each server: [redis, keystonelight]. */
class Conn {
  /** The command a long pause or a WAIT holds, whose reply is read when it comes (UNPAUSE, CLIENT UNBLOCK). */
  held: string[] | null = null;
  /** The held command is a WAIT: a pause's end does not free it, and it changes no key. */
  heldByWait = false;
  /** Its held command is the barrier's CLIENT REPLY ON: send CLIENT REPLY OFF once it answers. */
  offAfterRelease = false;
  state: PlayerState = freshPlayer();

  private constructor(
    readonly sides: [RawClient, RawClient],
    readonly ids: [string, string],
  ) {}

  static async open(pair: ServerPair): Promise<Conn> {
    const sides = await Promise.all([RawClient.connect(pair.redis.port), RawClient.connect(pair.ks.port)]);
    // A command without a reply and the barrier behind it are two small writes: without this, Nagle
    // holds the second until the first's (delayed, 40 ms) ACK.
    for (const c of sides) c.socket.setNoDelay(true);
    const ids = await Promise.all(sides.map(async (c) => (await c.call('CLIENT', 'ID')).slice(1, -2)));
    return new Conn(sides as [RawClient, RawClient], ids as [string, string]);
  }

  addr(side: number): string {
    return `127.0.0.1:${this.sides[side].socket.localPort}`;
  }

  closed(side: number): boolean {
    return this.sides[side].closed;
  }

  close(): void {
    for (const c of this.sides) c.close();
  }
}

/** A reply within `ms`; null if none came; CLOSED if the server closed the connection first. */
async function within(c: RawClient, ms: number): Promise<string | null> {
  try {
    return await c.read(ms);
  } catch (e) {
    if (c.closed && c.pending() === '') return CLOSED;
    const msg = e instanceof Error ? e.message : String(e);
    return msg.startsWith('timed out') ? null : `<unreadable reply: ${msg}>`;
  }
}

/** CLIENT INFO / LIST fields that depend on the connection or the moment (as cases/server.ts). */
const CLIENT_FIELDS = /\b(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem|tot-mem|events)=[^ \n]*/g;
const INFO_FIELDS = /\b(avg_ttl|client_recent_max_input_buffer|client_recent_max_output_buffer)([:=])\d+/g;

/** The reply with what legitimately differs masked; bulk lengths too once a mask changed a bulk. */
export function normalize(args: readonly string[], raw: string): string {
  const name = args[0].toUpperCase();
  let out = raw.replace(new RegExp(HELLO_ID.source, 'g'), '<id>');
  const masked = out.replace(CLIENT_FIELDS, '$1=<m>').replace(INFO_FIELDS, '$1$2<m>');
  if (masked !== out) out = masked.replace(/(^|\r\n)([$=])\d+\r\n/g, '$1$2<len>\r\n');
  if (name === 'TTL' || name === 'PTTL') out = out.replace(/^:[1-9]\d*\r\n$/, ':<positive>\r\n');
  if (name === 'KEYS') out = sortTop(out);
  return out;
}

/** `args` with the placeholders of players' ids and addresses filled in for server `side`. */
function resolveRefs(args: readonly string[], players: readonly Conn[], side: number): string[] {
  return args.map((a) => {
    const m = REF.exec(a);
    if (!m) return a;
    const target = players[Number(m[2])];
    return m[1] === 'id' ? target.ids[side] : target.addr(side);
  });
}

/**
 * A step of a fixed interleaving: player and command, 'read' for the reply a pause or a WAIT held,
 * or a number of ms to sleep (to let a short TTL pass on both servers).
 */
export type ScriptStep = [number, string[] | 'read' | number];

/**
 * Runs a fixed interleaving on `players` fresh connections to each server (the regression tests
 * of what the stream found): each command's reply is read at once, unless neither server answers
 * within PROBE_MS (held: a later 'read' step reads it). Returns redis-server's replies and the
 * differences, each naming its step.
 */
export async function runScript(pair: ServerPair, players: number, script: readonly ScriptStep[]): Promise<{ redis: string[]; diffs: string[] }> {
  const conns = await Promise.all(Array.from({ length: players }, () => Conn.open(pair)));
  const redis: string[] = [];
  const diffs: string[] = [];
  try {
    for (const [n, [p, what]] of script.entries()) {
      const c = conns[p];
      if (typeof what === 'number') {
        await sleep(what);
        continue;
      }
      if (what !== 'read') for (const side of [0, 1]) c.sides[side].write(encodeArgs(resolveRefs(what, conns, side)));
      const got = await Promise.all(c.sides.map((s) => within(s, what === 'read' ? LONG_MS : PROBE_MS)));
      const [r, k] = got.map((x) => x ?? '<held>');
      const args = what === 'read' ? ['<read>'] : what;
      redis.push(r);
      if (normalize(args, r) !== normalize(args, k)) diffs.push(`step ${n} p${p} ${args.join(' ')}:\n  redis: ${escape(r, 600)}\n  ks:    ${escape(k, 600)}`);
    }
  } finally {
    for (const c of conns) c.close();
  }
  return { redis, diffs };
}

interface Turn {
  n: number;
  who: string;
  args: string[];
  redis: string;
  ks: string;
}

export class Divergence extends Error {}

/** One seeded stream of `steps` turns over a pair of servers (already flushed). */
export class MultiConnRun {
  private players: Conn[] = [];
  private control!: Conn;
  private readonly rng: Rng;
  private turns: Turn[] = [];
  private n = 0;
  private longPause = false;
  private shortPauseTurns = 0;
  private ttlPending = false;
  readonly counts = new Map<string, number>();

  constructor(
    private readonly pair: ServerPair,
    readonly seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  async run(steps: number): Promise<void> {
    this.control = await Conn.open(this.pair);
    for (let i = 0; i < PLAYERS; i++) this.players.push(await Conn.open(this.pair));
    try {
      for (let s = 0; s < steps; s++) {
        await this.turn();
        if ((s + 1) % 500 === 0) await this.compareDatasets();
      }
      await this.finish();
    } finally {
      for (const c of [...this.players, this.control]) c.close();
    }
  }

  /** The player whose turn it is: any not held by a pause (in a short pause's wake, one that gets replies). */
  private chooser(): number | null {
    const free = this.players.map((p, i) => (p.held === null && (this.shortPauseTurns === 0 || p.state.mode === 'on') ? i : -1)).filter((i) => i >= 0);
    return free.length === 0 ? null : this.rng.pick(free);
  }

  private async turn(): Promise<void> {
    const i = this.chooser();
    if (i === null) {
      await this.unblockAll();
      return this.settle();
    }
    const p = this.players[i];
    // No batch in MULTI during a long pause: its CLIENT UNPAUSE would be queued, not run, and the
    // write after it held by the pause on both servers (seed 1558795362: COPY, then a WATCH waited for).
    const batchOk = this.shortPauseTurns === 0 && p.state.mode === 'on' && !(this.longPause && p.state.multi);
    if (batchOk && this.rng.chance(this.longPause ? 0.03 : 0.1)) {
      const batch = pickBatch(this.rng, i, p.state, this.longPause);
      if (batch.length >= 2) return this.sendBatch(i, batch);
    }
    let args = pick(this.rng, i, p.state, this.longPause);
    while (this.shortPauseTurns > 0 && !replyDue(p.state, args)) args = pick(this.rng, i, p.state, this.longPause);
    this.counts.set(args[0].toUpperCase(), (this.counts.get(args[0].toUpperCase()) ?? 0) + 1);
    const queuedTtl = p.state.queuedShortTtl;
    const queuedKill = p.state.queuedKill;
    const inMulti = p.state.multi;
    await this.send(i, args);
    const name = args.slice(0, 2).join(' ').toUpperCase();
    const exec = args[0].toUpperCase() === 'EXEC';
    if (name === 'CLIENT UNPAUSE' && !inMulti) await this.release();
    if (name === 'CLIENT PAUSE' && !inMulti) this.startPause(args);
    if ((hasShortTtl(args) && !inMulti) || (exec && queuedTtl)) this.ttlPending = true;
    if ((name === 'CLIENT KILL' && !inMulti) || (exec && queuedKill)) await this.checkKills();
    await this.pollHeld(0);
    await this.settle();
  }

  /** Sends a batch in one write on player `i` of both servers, then reads every reply (all due: pickBatch). */
  private async sendBatch(i: number, batch: string[][]): Promise<void> {
    const p = this.players[i];
    for (const args of batch) this.counts.set(args[0].toUpperCase(), (this.counts.get(args[0].toUpperCase()) ?? 0) + 1);
    for (const side of [0, 1]) p.sides[side].write(Buffer.concat(batch.map((args) => encodeArgs(this.resolve(args, side)))));
    for (const [n, args] of batch.entries()) {
      advance(p.state, args);
      const got = (await this.readPair(p, LONG_MS)) ?? ['<no reply>', '<no reply>'];
      this.check(`p${i} (batch ${n + 1}/${batch.length})`, args, got[0], got[1]);
    }
    if (batch.some((args) => args.join(' ').toUpperCase() === 'CLIENT UNPAUSE')) await this.release();
    await this.pollHeld(0);
    await this.settle();
  }

  /** Sends `args` on player `i` of both servers and reads both replies if one is due. */
  private async send(i: number, args: string[], who = `p${i}`): Promise<void> {
    const p = this.players[i];
    const due = replyDue(p.state, args);
    const wait = blocks(p.state, args);
    for (const side of [0, 1]) p.sides[side].write(encodeArgs(this.resolve(args, side)));
    advance(p.state, args);
    if (!due) {
      this.log(who, args, '<no reply due>', '<no reply due>');
      if (who === `p${i}`) await this.barrier(i);
      return;
    }
    const got = await this.readPair(p, this.longPause || wait ? PROBE_MS : LONG_MS);
    if (got === null) {
      if (!this.longPause && !wait) this.fail(who, args, '<no reply>', '<no reply>', 'neither server answered a command whose reply was due');
      p.held = args;
      p.heldByWait = wait;
      return this.log(who, args, '<held>', '<held>');
    }
    this.check(who, args, got[0], got[1]);
  }

  /**
   * After a command without a reply, a command with one on the same connection, so that the next
   * turn (another player's) comes after it on both servers: CLIENT REPLY ON then OFF again when
   * replies are off, PING when the skipped command was this one. After CLIENT REPLY SKIP nothing can
   * answer without taking the skip: its effect is its own connection's (and CLIENT LIST cmd=).
   */
  private async barrier(i: number): Promise<void> {
    const p = this.players[i];
    if (p.state.mode === 'skip') return sleep(2);
    if (p.state.mode === 'on') return this.send(i, ['PING'], `p${i} (barrier)`);
    await this.send(i, ['CLIENT', 'REPLY', 'ON'], `p${i} (barrier)`);
    if (p.held !== null) p.offAfterRelease = true;
    else await this.send(i, ['CLIENT', 'REPLY', 'OFF'], `p${i} (barrier)`);
  }

  /** Both replies; null when neither came within `ms` (held); a reply on one side only waits LONG_MS for the other. */
  private async readPair(p: Conn, ms: number): Promise<[string, string] | null> {
    const got = await Promise.all(p.sides.map((c) => within(c, ms)));
    if (got[0] === null && got[1] === null) return null;
    for (const side of [0, 1]) got[side] ??= (await within(p.sides[side], LONG_MS)) ?? '<held: no reply>';
    return got as [string, string];
  }

  private resolve(args: readonly string[], side: number): string[] {
    return resolveRefs(args, this.players, side);
  }

  private startPause(args: string[]): void {
    if (args[2] === '100000') this.longPause = true;
    else this.shortPauseTurns = 2;
  }

  /** After an UNPAUSE: the commands it held answer, in the order they were held, on both servers. */
  private async release(): Promise<void> {
    this.longPause = false;
    await this.pollHeld(PROBE_MS);
  }

  /** Reads the replies of held commands that came within `ms` (on one server only: waits for the other). */
  private async pollHeld(ms: number): Promise<void> {
    for (const [i, p] of this.players.entries()) {
      if (p.held === null || (ms > 0 && p.heldByWait)) continue;
      const got = await this.readPair(p, ms);
      if (got === null) continue;
      this.check(`p${i} (released)`, p.held, got[0], got[1]);
      p.held = null;
      if (p.offAfterRelease) await this.send(i, ['CLIENT', 'REPLY', 'OFF'], `p${i} (barrier)`);
      p.offAfterRelease = false;
    }
  }

  /** Every player held: the control connection ends the pause and unblocks the WAITs. */
  private async unblockAll(): Promise<void> {
    if (this.longPause) {
      await this.controlCall(['CLIENT', 'UNPAUSE']);
      await this.release();
    }
    for (const [i, p] of this.players.entries()) if (p.heldByWait && p.held !== null) await this.controlCall(['CLIENT', 'UNBLOCK', ref('id', i)]);
    for (let waited = 0; waited < LONG_MS && this.players.some((p) => p.held !== null); waited += 10) await this.pollHeld(10);
  }

  /** Waits out short TTLs and short pauses, then reads every key so that expired ones are reclaimed on both. */
  private async settle(): Promise<void> {
    if (this.shortPauseTurns > 0 && --this.shortPauseTurns === 0) await sleep(SHORT_PAUSE_SETTLE_MS);
    if (!this.ttlPending || this.players.some((p) => p.held !== null && !p.heldByWait)) return;
    this.ttlPending = false;
    await sleep(TTL_SETTLE_MS);
    for (const db of DBS) {
      await this.controlCall(['SELECT', db]);
      await this.controlCall(['EXISTS', ...KEYS]);
    }
  }

  /** After a CLIENT KILL: the same connections closed on both servers; those are opened again. */
  private async checkKills(): Promise<void> {
    await sleep(20);
    const conns = [...this.players, this.control];
    for (let waited = 0; waited < 1000 && conns.some((c) => c.closed(0) !== c.closed(1)); waited += 20) await sleep(20);
    for (const [i, c] of conns.entries()) {
      const who = i === PLAYERS ? 'control' : `p${i}`;
      if (c.closed(0) !== c.closed(1)) this.fail(who, ['<closed after the kill?>'], String(c.closed(0)), String(c.closed(1)), 'a CLIENT KILL closed a connection on one server only');
    }
    for (const [i, c] of this.players.entries()) {
      if (!c.closed(0)) continue;
      c.close();
      this.players[i] = await Conn.open(this.pair);
      this.log(`p${i}`, ['<reconnected>'], '', '');
    }
    if (this.control.closed(0)) {
      this.control.close();
      this.control = await Conn.open(this.pair);
    }
  }

  private async controlCall(args: string[]): Promise<string> {
    for (const side of [0, 1]) this.control.sides[side].write(encodeArgs(this.resolve(args, side)));
    const got = (await this.readPair(this.control, LONG_MS)) ?? ['<no reply>', '<no reply>'];
    this.check('control', args, got[0], got[1]);
    return got[0];
  }

  /** Both databases, key by key, on the control connection. */
  async compareDatasets(): Promise<void> {
    for (const db of DBS) {
      await this.controlCall(['SELECT', db]);
      await this.controlCall(['KEYS', '*']);
      for (const k of KEYS) for (const cmd of ['TYPE', 'GET', 'TTL']) await this.controlCall([cmd, k]);
    }
  }

  /** Every player answers again (RESET ends MULTI and CLIENT REPLY OFF), then the datasets compare. */
  private async finish(): Promise<void> {
    if (this.players.some((p) => p.held !== null)) await this.unblockAll();
    for (const i of this.players.keys()) {
      await this.send(i, ['RESET']);
      await this.send(i, ['PING']);
    }
    await this.compareDatasets();
  }

  private check(who: string, args: string[], redis: string, ks: string): void {
    if (normalize(args, redis) !== normalize(args, ks)) this.fail(who, args, redis, ks, 'replies differ');
    this.log(who, args, redis, ks);
  }

  private log(who: string, args: string[], redis: string, ks: string): void {
    this.turns.push({ n: this.n++, who, args, redis, ks });
    if (this.turns.length > CONTEXT * 4) this.turns.splice(0, this.turns.length - CONTEXT);
  }

  private fail(who: string, args: string[], redis: string, ks: string, what: string): never {
    const show = (a: string[]): string => a.map((x) => x.replace(REF, '<$1 of p$2>')).map((x) => (/^[\x21-\x7e]+$/.test(x) ? x : JSON.stringify(x))).join(' ');
    const lines = [`multi-connection stream: ${what} at turn #${this.n} (seed ${this.seed}; replay with KS_SEED=${this.seed})`];
    lines.push(`  ${who}: ${show(args)}`, `    redis: ${escape(redis, 1500)}`, `    ks:    ${escape(ks, 1500)}`, `last ${CONTEXT} turns before it:`);
    for (const t of this.turns.slice(-CONTEXT)) {
      lines.push(`  #${t.n} ${t.who}: ${show(t.args)}  ->  ${escape(t.redis, 200)}${t.redis === t.ks ? '' : `   (ks: ${escape(t.ks, 200)})`}`);
    }
    throw new Divergence(lines.join('\n'));
  }
}
