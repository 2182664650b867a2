// Loading AOF files into a running server: at start (in slices, clients get -LOADING meanwhile)
// and inside DEBUG LOADAOF / RELOAD (at once), with Redis's log lines and the INFO loading_*
// progress. The files are replayed by the server's own command path (Server.replayer), one
// client per file as Redis's.

import type { Server } from '../server/server.js';
import { loadFiles, loadFilesSync, type LoadProgress, type LoadSink } from './loader.js';
import { filesToLoad, locationOf } from './layout.js';
import { realFileIO } from './fileio.js';
import { errorText, NO_AOF_TO_LOAD } from '../errors.js';
import { wallNow } from '../timers.js';

function sink(server: Server, lastFileEnd = -1): LoadSink {
  const s: LoadSink = {
    lastFileEnd,
    replay: server.replayer(),
    fileStart: () => (s.replay = server.replayer()),
    notice: (m) => server.log.notice(m),
    warning: (m) => server.log.warning(m),
    truncate: server.config.bool('aof-load-truncated'),
    // As the replayer's own errors (server/replay.ts): propagation-error-behavior panic stops the load.
    panics: server.config.get('propagation-error-behavior') === 'panic',
  };
  return s;
}

function newProgress(server: Server): LoadProgress {
  const progress: LoadProgress = { totalBytes: 0, loadedBytes: 0, startedAt: wallNow() };
  server.loadProgress = progress;
  return progress;
}

function loaded(server: Server, started: number): void {
  const secs = ((wallNow() - started) / 1000).toFixed(3);
  server.log.notice(`DB loaded from append only file: ${secs} seconds (${server.keyspace.keyCount} keys)`);
}

/** Replays files into the server with the server in loading state (clients get -LOADING). */
export async function loadInto(server: Server, files: string[]): Promise<void> {
  const progress = newProgress(server);
  server.log.notice(`Loading the append only file: ${files.join(', ')}`);
  await loadFiles(files, sink(server), progress);
  loaded(server, progress.startedAt);
}

/** The same inside one command (DEBUG LOADAOF); `lastFileEnd`: see LoadSink. */
export function loadSync(server: Server, files: string[], lastFileEnd = -1): void {
  const progress = newProgress(server);
  server.setLoading(true);
  try {
    loadFilesSync(files, sink(server, lastFileEnd), progress);
  } finally {
    server.setLoading(false);
  }
  loaded(server, progress.startedAt);
}

/**
 * DEBUG LOADAOF's load: the dataset emptied, then `files` replayed at once (the last one up to
 * `lastFileEnd` when it is not -1: LoadSink); throws what stopped the load (the dataset then
 * holds what loaded before it).
 */
export function reloadSync(server: Server, files: string[], lastFileEnd = -1): void {
  // The replay gives each command of the files a time of its own; after it, the command (and an
  // EXEC's later commands) go on with the time of the load's end, as Redis's, which caches a new
  // time while it loads: a key whose deadline passed since EXEC started reads as nil after it.
  const time = server.keyspace.time;
  try {
    server.keyspace.flushAll();
    loadSync(server, files, lastFileEnd);
  } finally {
    time.read();
    // As Redis's DEBUG LOADAOF (and RELOAD, whose save resets it): nothing loaded is a change.
    server.dirty = 0;
  }
  server.log.warning('Append Only File loaded by DEBUG LOADAOF');
}

/**
 * DEBUG LOADAOF without a running file (appendonly no, or yes set by the running EXEC): the dataset
 * replaced by the files the manifest on disk names, as Redis's loadAppendOnlyFiles(aof_manifest),
 * its manifest being the one it last wrote (read at start whatever appendonly says). Null, or the
 * error reply: without a manifest Redis exits, its load finding no file; ours keeps the dataset.
 */
export function reloadFromManifest(server: Server): string | null {
  try {
    // An old-style file is moved in first, as Redis's loadAppendOnlyFiles (layout.ts).
    const files = filesToLoad(locationOf(server.config), realFileIO, server.log);
    if (files === null) return NO_AOF_TO_LOAD;
    reloadSync(server, files);
  } catch (e) {
    return `ERR ${errorText(e)}`;
  }
  return null;
}
