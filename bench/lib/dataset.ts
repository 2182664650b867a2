// The benchmark dataset: N keys "key:0000000", "key:0000001", ... (zero-padded, at least 7 digits)
// with 16-byte values. Loaded over one connection as a raw SET pipeline (a window of batches in
// flight keeps the server busy without buffering gigabytes), or written directly as an
// append-only file in Redis's format, the same bytes both servers would log.

import { closeSync, openSync, writeSync } from 'node:fs';
import { Client, encode } from './client.js';

export const VALUE_BYTES = 16;

export function keyWidth(n: number): number {
  return Math.max(7, String(Math.max(0, n - 1)).length);
}

export function keyName(i: number, width: number): string {
  return 'key:' + String(i).padStart(width, '0');
}

/** A 16-byte value that tells which key it belongs to, so reads can be checked. */
export function valueOf(i: number): string {
  return 'v' + String(i).padStart(VALUE_BYTES - 1, '0');
}

/** RESP for SET of keys [from, to). */
function setCommands(from: number, to: number, width: number): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) parts.push(encode(['SET', keyName(i, width), valueOf(i)]));
  return parts.join('');
}

export interface LoadResult {
  /** Keys acknowledged with +OK. */
  loaded: number;
  seconds: number;
  /** The first error reply or connection failure, if loading stopped early. */
  error: string | null;
}

/**
 * Loads keys [0, n) into the server at `port`. Stops at the first error reply (e.g. a server
 * limit) or a lost connection and reports how far it got. `onProgress` is called per batch.
 */
export async function loadKeys(port: number, n: number, onProgress?: (done: number) => void): Promise<LoadResult> {
  const batch = 5000;
  const window = 8;
  const width = keyWidth(n);
  const c = await Client.connect(port);
  const t0 = performance.now();
  let loaded = 0;
  let error: string | null = null;
  const inflight: Promise<void>[] = [];
  try {
    for (let from = 0; from < n && error === null; from += batch) {
      const to = Math.min(n, from + batch);
      const p = c.batch(setCommands(from, to, width), to - from).then(
        (r) => {
          loaded += to - from - r.errors;
          if (r.errors > 0) error ??= `error reply after ~${loaded} keys: ${r.firstError}`;
          onProgress?.(loaded);
        },
        (e: Error) => {
          error ??= `${e.message} after ${loaded} keys`;
        },
      );
      inflight.push(p);
      if (inflight.length >= window) await inflight.shift();
    }
    await Promise.all(inflight);
  } finally {
    c.close();
  }
  return { loaded, seconds: (performance.now() - t0) / 1000, error };
}

/** Writes the dataset as an append-only file (SELECT 0, then one SET per key). Returns its size. */
export function writeAof(path: string, n: number): number {
  const width = keyWidth(n);
  const fd = openSync(path, 'w');
  let size = 0;
  try {
    const head = Buffer.from(encode(['SELECT', '0']), 'latin1');
    writeSync(fd, head);
    size += head.length;
    for (let from = 0; from < n; from += 50000) {
      const buf = Buffer.from(setCommands(from, Math.min(n, from + 50000), width), 'latin1');
      writeSync(fd, buf);
      size += buf.length;
    }
  } finally {
    closeSync(fd);
  }
  return size;
}
