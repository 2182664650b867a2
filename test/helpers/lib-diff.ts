// Runs one piece of client-library application code against Keystonelight and against a real
// redis-server 7.0.15, one after the other, and hands back what the application saw on each, in a
// form t.deepEqual compares: thrown errors become their class name and message, Buffers their
// bytes, Sets and Maps sorted arrays / entry lists. The scenarios in test/wire/client-libs-*.test.ts
// use it to check that ioredis and node-redis code sees the same values, errors and events.

import type { ExecutionContext } from 'ava';
import type { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needBinary } from './bins.js';
import { startRealRedis } from './redis.js';
import { serve } from './serve.js';

export type Seen = unknown;

/** `v` made comparable: errors by class and message, Buffers by bytes, Sets sorted, Maps as entries. */
export function normalize(v: unknown): Seen {
  if (v instanceof Error) return { error: v.constructor.name, message: v.message };
  if (Buffer.isBuffer(v)) return { bytes: v.toString('latin1') };
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Set) return { set: [...v].map(normalize).map((x) => JSON.stringify(x)).sort() };
  if (v instanceof Map) return { map: [...v].map(([k, x]) => [normalize(k), normalize(x)]) };
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

/** What the promise gave: its value, or the error it rejected with (an application's try/catch). */
export function settle<T>(p: Promise<T>): Promise<T | Error> {
  return p.then(
    (v) => v,
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
}

/** Records the named events of a client in order (an error event as `error:<message>`). */
export function recordEvents(emitter: EventEmitter, names: string[]): string[] {
  const seen: string[] = [];
  for (const name of names) emitter.on(name, (x: unknown) => seen.push(x instanceof Error ? `${name}:${x.message}` : name));
  return seen;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `done()` holds, or `ms` passed (then the comparison shows what was missing). Events
 * and closes are waited for this way rather than for a fixed time: on a loaded machine either
 * server can take longer than a few milliseconds to close a socket.
 */
export async function until(done: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !done() && Date.now() < end;) await sleep(10);
}

export interface PairOptions {
  /** Options for our server (redis.conf names). */
  ours?: Record<string, string | number>;
  /** Extra redis-server arguments. */
  theirs?: string[];
}

/**
 * `app(port)` run against our server, then against a real redis-server, each fresh; null when
 * redis-server is missing (the test has then passed with needBinary's loud skip message).
 */
export async function sideBySide(t: ExecutionContext, app: (port: number) => Promise<unknown>, opts: PairOptions = {}): Promise<{ ours: Seen; theirs: Seen } | null> {
  if (!needBinary(t, 'redis-server')) return null;
  const dir = mkdtempSync(join(tmpdir(), 'ks-libdiff-'));
  const ks = await serve(t, { config: { dir, ...opts.ours } });
  const ours = normalize(await app(ks.port).catch((e: unknown) => ({ thrown: e })));
  await ks.close();
  const redis = await startRealRedis(opts.theirs ?? []);
  t.teardown(() => redis.stop());
  const theirs = normalize(await app(redis.port).catch((e: unknown) => ({ thrown: e })));
  await redis.stop();
  return { ours, theirs };
}

/** sideBySide, then t.deepEqual of the two; returns what ours saw (for checks of its own), or null. */
export async function sameOnBoth(t: ExecutionContext, app: (port: number) => Promise<unknown>, opts: PairOptions = {}): Promise<Seen> {
  const seen = await sideBySide(t, app, opts);
  if (seen === null) return null;
  t.deepEqual(seen.ours, seen.theirs);
  return seen.ours;
}
