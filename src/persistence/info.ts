// INFO persistence, field for field as Redis 7.0 prints it. Keystonelight has no RDB and no fork,
// so the cow fields hold Redis's idle values and the rdb_* ones what a BGSAVE (an fsync of the
// append-only file, bgsave.ts) shows as Redis shows its BGSAVE child; the aof_* fields come from AofPersistence
// (or Redis's values for `appendonly no`), and the loading_* fields appear while loading, as in
// Redis (at start, before persistence is attached, and during DEBUG LOADAOF).

import type { Server } from '../server/server.js';
import type { SaveInfo } from '../server/persistence-port.js';
import { wallNow } from '../timers.js';

type Fields = [string, string | number][];

/** The aof_* fields of a server without an append-only file (the rewrite figures are the server's). */
const aofOff = (server: Server): Fields => [
  ['aof_enabled', 0],
  // A BGREWRITEAOF running with appendonly no (aof-off.ts), as Redis's child then.
  ['aof_rewrite_in_progress', server.aofOff.rewriting ? 1 : 0],
  ['aof_rewrite_scheduled', 0],
  ['aof_last_rewrite_time_sec', server.aofLastRewriteSeconds],
  ['aof_current_rewrite_time_sec', server.aofOff.currentSeconds],
  ['aof_last_bgrewrite_status', server.aofLastRewriteOk ? 'ok' : 'err'],
  ['aof_rewrites', server.stats.aofRewrites],
  ['aof_rewrites_consecutive_failures', server.stats.aofrwConsecutiveFailures],
  ['aof_last_write_status', 'ok'],
  ['aof_last_cow_size', 0],
  ['module_fork_in_progress', 0],
  ['module_fork_last_cow_size', 0],
];

/**
 * While the file is loaded at start, persistence is not attached yet: Redis (7.0.15, seen) shows
 * aof_enabled:0, its loadAppendOnlyFiles turning aof_state off meanwhile, and these too (printed for
 * the appendonly setting).
 */
const AOF_STARTING: Fields = [
  ['aof_current_size', 0],
  ['aof_base_size', 0],
  ['aof_pending_rewrite', 0],
  ['aof_buffer_length', 0],
  ['aof_pending_bio_fsync', 0],
  ['aof_delayed_fsync', 0],
];

/**
 * CONFIG SET appendonly yes run by the running EXEC (the file starts when it ends): Redis's
 * AOF_WAIT_REWRITE, its rewrite scheduled, the size fields printed (for the setting) with nothing written.
 */
const aofScheduled = (server: Server): Fields => [
  ...aofOff(server).map(([k, v]): [string, string | number] => [k, k === 'aof_enabled' || k === 'aof_rewrite_scheduled' ? 1 : v]),
  ...AOF_STARTING.map(([k, v]): [string, string | number] => [k, k === 'aof_pending_rewrite' ? 1 : v]),
];

/** Without persistence none runs (BGSAVE is refused then); the last one's outcome is the server's. */
const idleSave = (server: Server): SaveInfo => {
  const { lastSeconds, lastOk } = server.bgsaveRecord;
  // A BGREWRITEAOF running with appendonly no: its keys, as Redis's current_save_* of any child.
  const keys = server.aofOff.saveKeys() ?? { keysTotal: 0, keysProcessed: 0 };
  return { inProgress: false, ...keys, currentSeconds: -1, lastSeconds, lastOk };
};

export function persistenceInfo(server: Server): Fields {
  const save = server.persistence?.saveInfo() ?? idleSave(server);
  const out: Fields = [
    ['loading', server.loading ? 1 : 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', save.keysTotal > 0 ? ((save.keysProcessed / save.keysTotal) * 100).toFixed(2) : '0.00'],
    ['current_save_keys_processed', save.keysProcessed],
    ['current_save_keys_total', save.keysTotal],
    ['rdb_changes_since_last_save', server.dirty],
    ['rdb_bgsave_in_progress', save.inProgress ? 1 : 0],
    ['rdb_last_save_time', server.lastSave],
    ['rdb_last_bgsave_status', save.lastOk ? 'ok' : 'err'],
    ['rdb_last_bgsave_time_sec', save.lastSeconds],
    ['rdb_current_bgsave_time_sec', save.currentSeconds],
    ['rdb_saves', server.stats.rdbSaves],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', 0],
  ];
  if (server.persistence !== null) out.push(...server.persistence.info());
  else if (server.loading && server.config.bool('appendonly')) out.push(...aofOff(server), ...AOF_STARTING);
  else if (server.aofStart !== null) out.push(...aofScheduled(server));
  else out.push(...aofOff(server));
  if (server.loading) out.push(...loadingFields(server));
  return out;
}

/** Redis's loading_* fields, with its ETA formula. */
function loadingFields(server: Server): Fields {
  const p = server.loadProgress ?? { totalBytes: 0, loadedBytes: 0, startedAt: wallNow() };
  const startSec = Math.floor(p.startedAt / 1000);
  const perc = p.totalBytes > 0 ? (p.loadedBytes / p.totalBytes) * 100 : 0;
  const remaining = p.totalBytes > 0 ? p.totalBytes - p.loadedBytes : 1;
  const elapsed = Math.floor(wallNow() / 1000) - startSec;
  const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (p.loadedBytes + 1));
  return [
    ['loading_start_time', startSec],
    ['loading_total_bytes', p.totalBytes],
    ['loading_rdb_used_mem', 0],
    ['loading_loaded_bytes', p.loadedBytes],
    ['loading_loaded_perc', perc.toFixed(2)],
    ['loading_eta_seconds', eta],
  ];
}
