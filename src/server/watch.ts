// WATCH's registry, as Redis 7.0's multi.c: per database number, the watched keys and who watches
// them. The keyspace tells it of every change of a key of a database that has watched keys
// (Database.watchers, set here only while that database has some); a change marks the watchers
// dirty (Redis's CLIENT_DIRTY_CAS) and unwatches all their keys, so that their next EXEC fails.
//
// As Redis 7.0, a key already expired when it was watched is remembered as such: its deletion
// (lazy or active expiry, FLUSHDB) is no logical change; EXEC fails if a key that was not expired
// then has expired since (isWatchedKeyExpired).

import type { Database, WatchHook } from '../keyspace/database.js';

/** One key one client watches (Redis's watchedKey). */
export interface WatchedKey {
  readonly owner: Watcher;
  readonly db: number;
  readonly key: string;
  /** The key had expired (still stored) when it was watched. */
  expired: boolean;
}

/**
 * A client watching nothing: one empty list for all (an array per client cost every connection
 * 32 B). Frozen, so that it is never written to: watch() gives a client its own list.
 */
export const NOTHING_WATCHED: readonly WatchedKey[] = Object.freeze([]);

/** A client's side of WATCH (TxState). */
export interface Watcher {
  /** A watched key was touched since WATCH: EXEC answers a null array. */
  dirtyCas: boolean;
  /** Its keys (only this registry changes the list); NOTHING_WATCHED at first. */
  watched: readonly WatchedKey[];
}

export class WatchRegistry implements WatchHook {
  /** Per database number: key -> its watchers, in the order they watched it. */
  private readonly byDb: Map<string, WatchedKey[]>[];

  constructor(private readonly dbs: readonly Database[]) {
    this.byDb = dbs.map(() => new Map());
  }

  /** Redis's watchForKey: `key` of `db`, once per client. */
  watch(w: Watcher, db: Database, key: string): void {
    for (const k of w.watched) if (k.db === db.id && k.key === key) return;
    const wk: WatchedKey = { owner: w, db: db.id, key, expired: db.isExpired(key) };
    if (w.watched.length === 0) w.watched = [wk];
    else (w.watched as WatchedKey[]).push(wk); // its own, made by the line above
    const keys = this.byDb[db.id];
    const list = keys.get(key);
    if (list === undefined) keys.set(key, [wk]);
    else list.push(wk);
    db.watchers = this;
  }

  /** Redis's unwatchAllKeys (the dirty flag is the caller's). */
  unwatchAll(w: Watcher): void {
    for (const wk of w.watched) {
      const keys = this.byDb[wk.db];
      const list = keys.get(wk.key)!;
      list.splice(list.indexOf(wk), 1);
      if (list.length > 0) continue;
      keys.delete(wk.key);
      if (keys.size === 0) this.dbs[wk.db].watchers = null;
    }
    w.watched = NOTHING_WATCHED;
  }

  /** Redis's isWatchedKeyExpired: a key not expired when watched has expired since. */
  anyExpired(w: Watcher): boolean {
    for (const wk of w.watched) if (!wk.expired && this.dbs[wk.db].isExpired(wk.key)) return true;
    return false;
  }

  private dirty(w: Watcher): void {
    w.dirtyCas = true;
    this.unwatchAll(w);
  }

  /** Redis's touchWatchedKey. */
  touched(db: Database, key: string): void {
    const list = this.byDb[db.id].get(key);
    if (list === undefined) return;
    for (const wk of [...list]) {
      if (wk.expired) {
        // Already expired when watched, and now deleted: logically no change.
        if (!db.dict.has(key)) {
          wk.expired = false;
          continue;
        }
        break; // as Redis 7.0's loop, which stops at such a key still stored
      }
      this.dirty(wk.owner);
    }
  }

  /** Redis's touchAllWatchedKeysInDb (FLUSHDB, FLUSHALL, SWAPDB). */
  flushed(emptied: Database, replacedWith: Database | null): void {
    for (const [key, list] of [...this.byDb[emptied.id]]) {
      const inEmptied = emptied.dict.has(key);
      const inReplacing = replacedWith !== null && replacedWith.dict.has(key);
      if (!inEmptied && !inReplacing) continue;
      for (const wk of [...list]) {
        if (wk.expired) {
          if (!inReplacing) {
            wk.expired = false;
            continue;
          }
          if (replacedWith!.isExpired(key)) continue;
        } else if (!inEmptied && replacedWith!.isExpired(key)) {
          wk.expired = true;
          continue;
        }
        this.dirty(wk.owner);
      }
    }
  }
}
