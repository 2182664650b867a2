// The keyspace commands of the keyspace's seeded random checker (keyspace-check.ts), each run by
// its own handler and its reply checked against the model: reads (GET, EXISTS, TYPE, TTL, PTTL,
// DBSIZE, KEYS), writes (SET, PEXPIREAT, PERSIST, DEL, RENAME, RENAMENX, COPY, MOVE, FLUSHDB,
// FLUSHALL, SWAPDB), SCAN iterations (MATCH, COUNT, TYPE) with their guarantee, and RANDOMKEY.

import { typeOf } from '../../src/keyspace/values.js';
import { pick } from './rng.js';
import { hashValue } from './keyspace-model.js';
import { CheckBase, clip, matches, sameValue, show, type ScanState } from './keyspace-check-base.js';

const PATTERNS = ['*', 'k*', '{t1}*', '*1*', '\x00*', '?', 'k[0-3]*', 'b*'];

export class CommandOps extends CheckBase {
  protected readOp(): void {
    const db = this.db();
    const k = this.key();
    const k2 = this.key();
    const m = this.m;
    const what = pick(this.rng, 6);
    if (what === 0) {
      this.note(`db ${db} t=${this.now}: get ${JSON.stringify(k)}`);
      this.ks.beginCommand();
      this.lazily(db, [k], () => {
        const v = this.ks.dbs[db].get(k);
        const e = m.live(db, k);
        this.expect(sameValue(v, e?.v), () => `db ${db}: get ${JSON.stringify(k)} gave ${show(v)}, the model says ${show(e?.v)}`);
      });
      return;
    }
    const live = (key: string): boolean => m.live(db, key) !== undefined;
    this.lazily(db, what === 1 ? [k, k2] : what === 5 ? [] : [k], () => {
      // The model's answers are taken before the command: it reclaims, the model follows.
      if (what === 1) {
        const want = [k, k2, k].filter(live).length;
        this.same(this.cmd(db, ['EXISTS', k, k2, k]), want, 'EXISTS');
      } else if (what === 2) {
        const e = m.live(db, k);
        this.same(this.cmd(db, ['TYPE', k]), `+${e === undefined ? 'none' : typeOf(e.v)}`, 'TYPE');
      } else {
        const e = m.live(db, k);
        const ms = e === undefined ? -2 : e.dl === undefined ? -1 : Math.max(0, e.dl - m.now);
        const secs = ms < 0 ? ms : Math.floor((ms + 500) / 1000);
        if (what === 3) this.same(this.cmd(db, ['PTTL', k]), ms, 'PTTL');
        else if (what === 4) this.same(this.cmd(db, ['TTL', k]), secs, 'TTL');
        else this.same(this.cmd(db, ['DBSIZE']), m.dbs[db].size, 'DBSIZE');
      }
    });
  }

  protected listOp(): void {
    const db = this.db();
    const pattern = PATTERNS[pick(this.rng, PATTERNS.length)];
    const want = this.m.liveKeys(db).filter((k) => matches(pattern, k)).sort();
    const got = (this.cmd(db, ['KEYS', pattern]) as string[]).slice().sort();
    this.same(got, want, `KEYS ${pattern}`);
  }

  protected setOp(): void {
    const db = this.db();
    const k = this.key();
    const v = this.value();
    const keepTtl = this.rng() < 0.2;
    this.note(`db ${db} t=${this.now}: set ${JSON.stringify(k)} ${show(v)} keepTtl=${keepTtl}`);
    this.ks.beginCommand();
    this.lazily(db, [k], () => this.ks.dbs[db].set(k, v, keepTtl));
    const old = this.m.dbs[db].get(k);
    // A change of type: scans with a TYPE filter no longer owe the key.
    if (old !== undefined && typeOf(old.v) !== typeOf(v)) for (const s of this.scans) if (s.db === db && s.type !== undefined) s.must.delete(k);
    if (this.m.dbs[db].has(k)) this.m.set(db, k, v, keepTtl);
    else this.create(db, k, v, undefined);
  }

  protected expireOp(): void {
    const db = this.db();
    const k = this.key();
    const m = this.m;
    if (this.rng() < 0.2) {
      const e = m.live(db, k);
      this.lazily(db, [k], () => this.same(this.cmd(db, ['PERSIST', k]), e?.dl !== undefined ? 1 : 0, 'PERSIST'));
      if (e !== undefined) e.dl = undefined;
      return;
    }
    // Now and then a deadline past 2^53 ms, stored as MAX_DEADLINE (database.ts).
    const huge = this.rng() < 0.05;
    const when = huge ? Number.MAX_SAFE_INTEGER : m.now + pick(this.rng, 800) - 100;
    const e = m.live(db, k);
    this.lazily(db, [k], () => this.same(this.cmd(db, ['PEXPIREAT', k, huge ? '9223372036854775807' : String(when)]), e === undefined ? 0 : 1, 'PEXPIREAT'));
    if (e === undefined) return;
    if (when <= m.now) this.gone(db, k);
    else e.dl = when;
  }

  protected delOp(): void {
    const db = this.db();
    const keys = [this.key(), this.key(), this.key()];
    const want = new Set(keys.filter((k) => this.m.live(db, k) !== undefined)).size;
    this.lazily(db, keys, () => this.same(this.cmd(db, ['DEL', ...keys]), want, 'DEL'));
    for (const k of keys) this.gone(db, k);
  }

  /** RENAME / RENAMENX / COPY [DB] [REPLACE] / MOVE, their TTLs and their refusals in cluster mode. */
  protected renameCopyMoveOp(): void {
    const m = this.m;
    const db = this.db();
    // Half the time keys that exist (expired ones too): replacements of live keys, scans owing them.
    const src = this.rng() < 0.5 ? this.storedKey(db) : this.key();
    const dst = this.rng() < 0.1 ? src : this.rng() < 0.5 ? this.storedKey(db) : this.key();
    const e = m.live(db, src);
    const what = pick(this.rng, 5);
    if (what === 4) return this.restoreOp(db, src, dst);
    if (what <= 1) {
      const nx = what === 1;
      const taken = m.live(db, dst) !== undefined;
      const want = e === undefined ? '-ERR no such key' : src === dst ? (nx ? 0 : '+OK') : nx && taken ? 0 : nx ? 1 : '+OK';
      this.lazily(db, e !== undefined && src !== dst ? [src, dst] : [src], () => this.same(this.cmd(db, [nx ? 'RENAMENX' : 'RENAME', src, dst]), want, 'RENAME'));
      if (e !== undefined && src !== dst && !(nx && taken)) {
        this.gone(db, src);
        this.replace(db, dst, e.v, e.dl);
      }
      return;
    }
    const to = this.cluster ? 0 : this.db();
    if (what === 2) {
      const replace = this.rng() < 0.5;
      const args = ['COPY', src, dst, ...(to !== db || this.rng() < 0.3 ? ['DB', String(to)] : []), ...(replace ? ['REPLACE'] : [])];
      const taken = m.live(to, dst) !== undefined;
      const want = to === db && src === dst ? '-ERR source and destination objects are the same' : e === undefined || (taken && !replace) ? 0 : 1;
      const looked = to === db && src === dst ? [] : [src];
      this.lazily(db, looked, () => this.same(this.cmd(db, args), want, 'COPY'));
      if (e !== undefined && want === 1) this.replace(to, dst, typeof e.v === 'string' ? e.v : hashValue((e.v as unknown as { tag: number }).tag), e.dl);
      return;
    }
    if (this.cluster) return void this.same(this.cmd(db, ['MOVE', src, '0']), '-ERR MOVE is not allowed in cluster mode', 'MOVE');
    const target = this.db();
    const taken = m.live(target, src) !== undefined;
    const want = target === db ? '-ERR source and destination objects are the same' : e === undefined || taken ? 0 : 1;
    this.lazily(db, target === db ? [] : [src], () => this.same(this.cmd(db, ['MOVE', src, String(target)]), want, 'MOVE'));
    if (want === 1) {
      this.gone(db, src);
      this.create(target, src, e!.v, e!.dl);
    }
  }

  /** DUMP src, then RESTORE dst ... REPLACE ABSTTL with src's deadline: a copy by way of the payload. */
  private restoreOp(db: number, src: string, dst: string): void {
    const m = this.m;
    const e = m.live(db, src);
    let payload: unknown;
    this.lazily(db, [src], () => (payload = this.cmd(db, ['DUMP', src])));
    if (e === undefined) return this.same(payload, null, 'DUMP');
    if (typeof e.v !== 'string') return this.expect(typeof payload === 'string' && payload.startsWith('-'), () => `DUMP of a hash: ${clip(payload)}`);
    const bulk = payload as string;
    const ttl = e.dl === undefined ? '0' : String(e.dl);
    // No lookup of dst (Redis's dbDelete): one past its deadline is removed, not reported expired.
    this.same(this.cmd(db, ['RESTORE', dst, ttl, bulk.slice(bulk.indexOf('\r\n') + 2), 'REPLACE', 'ABSTTL']), '+OK', 'RESTORE');
    // A deadline that is now is already past for RESTORE (checkAlreadyExpired: when <= now).
    if (e.dl !== undefined && e.dl <= m.now) this.gone(db, dst);
    else this.replace(db, dst, e.v, e.dl);
  }

  protected flushOp(): void {
    const db = this.db();
    const mode = ['', 'SYNC', 'ASYNC'][pick(this.rng, 3)];
    const all = this.rng() < 0.25;
    const name = all ? 'FLUSHALL' : 'FLUSHDB';
    this.same(this.cmd(db, mode === '' ? [name] : [name, mode]), '+OK', name);
    for (let i = 0; i < this.m.dbs.length; i++) if (all || i === db) for (const k of [...this.m.dbs[i].keys()]) this.gone(i, k);
  }

  protected swapOp(): void {
    const a = this.db();
    const b = this.db();
    if (this.cluster) return void this.same(this.cmd(0, ['SWAPDB', '0', '0']), '-ERR SWAPDB is not allowed in cluster mode', 'SWAPDB');
    this.same(this.cmd(a, ['SWAPDB', String(a), String(b)]), '+OK', 'SWAPDB');
    const dbs = this.m.dbs;
    [dbs[a], dbs[b]] = [dbs[b], dbs[a]];
    // A scan's cursor now walks other data: nothing is owed to it (as in Redis).
    if (a !== b) for (const s of this.scans) if (s.db === a || s.db === b) s.must.clear();
  }

  /** Goes on with a scan in progress, or starts one (MATCH, COUNT, TYPE at random). */
  protected scanOp(): void {
    if (this.scans.length > 0 && this.rng() < 0.85) {
      const s = this.scans[pick(this.rng, this.scans.length)];
      this.scanCall(s);
      if (s.cursor === '0') this.scans.splice(this.scans.indexOf(s), 1);
      return;
    }
    if (this.scans.length >= 4) return;
    const db = this.db();
    const opts: string[] = [];
    const pattern = this.rng() < 0.4 ? PATTERNS[pick(this.rng, PATTERNS.length)] : '*';
    if (pattern !== '*' || this.rng() < 0.1) opts.push('MATCH', pattern);
    if (this.rng() < 0.7) opts.push('COUNT', String(this.rng() < 0.1 ? 1000 : 1 + pick(this.rng, 40)));
    const type = this.rng() < 0.2 ? ['string', 'hash', 'none', 'STRING'][pick(this.rng, 4)] : undefined;
    if (type !== undefined) opts.push('TYPE', type);
    const s: ScanState = { db, cursor: '0', opts, pattern, type: type?.toLowerCase(), must: new Set(), seen: new Map(), calls: 0 };
    for (const k of this.m.liveKeys(db)) if (this.owed(s, k)) s.must.add(k);
    this.scans.push(s);
    this.scanCall(s);
    if (s.cursor === '0') this.scans.pop();
  }

  /** Whether `s` must return `k` if it stays as it is now: live, matching, of the type asked. */
  protected owed(s: ScanState, k: string): boolean {
    const e = this.m.live(s.db, k);
    return e !== undefined && matches(s.pattern, k) && (s.type === undefined || s.type === typeOf(e.v));
  }

  protected scanCall(s: ScanState): void {
    const [cursor, keys] = this.cmd(s.db, ['SCAN', s.cursor, ...s.opts]) as [string, string[]];
    s.calls++;
    for (const k of keys) {
      // TYPE none: a key that expired during the call reads as type "none" (Redis's filter looks it
      // up, which reclaims it, and then finds nothing left to expire): returned, as Redis does.
      if (s.type === 'none' && this.reported.some((e) => e.kind === 'expired' && e.db === s.db && e.key === k)) continue;
      this.expect(this.owed(s, k), () => `db ${s.db}: SCAN returned ${JSON.stringify(k)}, not live or not matching (${JSON.stringify(s.opts)})`);
      s.seen.set(k, (s.seen.get(k) ?? 0) + 1);
    }
    this.expect(s.calls < 100_000, () => `db ${s.db}: SCAN did not end after ${s.calls} calls`);
    s.cursor = cursor;
    if (cursor !== '0') return;
    this.tally(s.must.size > 0 ? 'full scans owing keys' : 'full scans owing none');
    const missed = [...s.must].filter((k) => !s.seen.has(k));
    this.expect(missed.length === 0, () => `db ${s.db}: a full SCAN (${JSON.stringify(s.opts)}, ${s.calls} calls) missed ${clip(missed.slice(0, 10))}, live and matching throughout`);
    // A key keeps its slot for as long as it exists, and the cursor only moves on: once (redis-compat.md).
    const twice = [...s.must].filter((k) => s.seen.get(k)! > 1);
    this.expect(twice.length === 0, () => `db ${s.db}: a full SCAN (${JSON.stringify(s.opts)}) returned ${clip(twice.slice(0, 10))} more than once`);
  }

  /**
   * The clock moved on: keys whose deadline it passed are no longer live, so no longer owed (only
   * time makes a key stop being live without leaving the model; gone() handles the rest).
   */
  protected pruneScans(): void {
    const now = this.now;
    for (const s of this.scans) {
      const keys = this.m.dbs[s.db];
      for (const k of s.must) if ((keys.get(k)?.dl ?? Infinity) < now) s.must.delete(k);
    }
  }

  /** RANDOMKEY: a live key whenever there is one; nil only when none is live (expired picks reclaimed). */
  protected randomKeyOp(db = this.db()): void {
    this.m.now = this.now;
    const m = this.m;
    const anyLive = m.liveKeys(db).length > 0;
    const allVolatile = [...m.dbs[db].values()].every((e) => e.dl !== undefined);
    const stored = m.dbs[db].size;
    const got = this.cmd(db, ['RANDOMKEY']) as string | null;
    if (got === null) {
      this.tally(stored > 0 ? 'RANDOMKEY nil, all expired' : 'RANDOMKEY nil, empty');
      this.expect(!anyLive, () => `db ${db}: RANDOMKEY gave nil with ${m.liveKeys(db).length} live keys`);
      if (!this.paused) this.expect(m.dbs[db].size === 0, () => `db ${db}: RANDOMKEY gave nil, ${m.dbs[db].size} expired keys left`);
      return;
    }
    // Redis 7.2's way out of 7.0's endless loop (redis-compat.md): the 100th pick, expired or not.
    if (this.paused && allVolatile && m.live(db, got) === undefined) return void this.tally('RANDOMKEY paused, expired pick');
    this.expect(m.live(db, got) !== undefined, () => `db ${db}: RANDOMKEY gave ${JSON.stringify(got)}, not live`);
  }
}
