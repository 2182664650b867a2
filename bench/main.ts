// `npm run bench`: Keystonelight (the built dist/keystonelight.js) side by side with a real
// redis-server, both with appendonly yes and the same fsync policy, each on a free loopback port
// in its own temporary directory. Suites: the redis-benchmark matrix (alternating rounds,
// medians, server CPU per request), memory per key, AOF load time, latency during an AOF rewrite,
// and optionally (--scale) a one-database fill far past a V8 Map's 2^24 entries.
// Writes a table to stdout, <out>/latest.json and <out>/latest.svg. Options: see options.ts.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { HELP, parseOptions, type Options } from './options.js';
import { cleanupAll, installCleanupHandlers, useNodeFlags } from './lib/servers.js';
import { renderSvg } from './report/svg.js';
import { renderTables, type Machine, type Results } from './report/table.js';
import { loadSuite, memorySuite } from './suites/memory.js';
import { rewriteSuite } from './suites/rewrite.js';
import { scaleSuite } from './suites/scale.js';
import { throughputSuite } from './suites/throughput.js';

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

function version(cmd: string, args: string[], re: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'latin1' });
    return re.exec(out)?.[1] ?? out.trim();
  } catch (e) {
    throw new Error(`${cmd} is needed (Debian: apt-get install redis-server redis-tools): ${(e as Error).message}`);
  }
}

function machine(bundle: string): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'latin1');
  return {
    date: new Date().toISOString(),
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1].trim() ?? cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    redis: version('redis-server', ['--version'], /v=(\S+)/),
    redisBenchmark: version('redis-benchmark', ['--version'], /redis-benchmark (\S+)/),
    keystonelight: version(process.execPath, [bundle, '--version'], /v=(\S+)/),
  };
}

async function attempt<T>(name: string, errors: string[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    const msg = `${name}: ${(e as Error).message}`;
    errors.push(msg.slice(0, 2000));
    log(`!! ${msg.slice(0, 2000)}`);
    return undefined;
  }
}

async function run(o: Options, bundle: string): Promise<Results> {
  const t0 = performance.now();
  const errors: string[] = [];
  const m = machine(bundle);
  log(`Keystonelight ${m.keystonelight} (${bundle}) vs redis-server ${m.redis}; ${m.cpu}, ${m.cores} cores`);
  const results: Results = { machine: m, options: { ...o }, seconds: 0, throughput: [], errors };
  results.throughput = (await attempt('throughput', errors, () => throughputSuite(bundle, o, log))) ?? [];
  if (o.memory || o.rewrite) {
    const r = await attempt('memory', errors, () => memorySuite(bundle, o, log, (servers) =>
      o.rewrite ? attempt('rewrite', errors, () => rewriteSuite(servers, o, log)) : Promise.resolve(undefined)));
    if (o.memory) results.memory = r?.memory;
    results.rewrite = r?.after;
  }
  if (o.load) results.load = await attempt('load', errors, () => loadSuite(bundle, o, log));
  if (o.scale > 0) results.scale = await attempt('scale', errors, () => scaleSuite(bundle, o, log));
  results.seconds = (performance.now() - t0) / 1000;
  return results;
}

export async function main(argv: string[]): Promise<number> {
  let o: Options | 'help';
  try {
    o = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  useNodeFlags(o.nodeFlags);
  const bundle = resolve(process.env.KS_BUNDLE ?? join(process.env.KS_OUT ?? '.', 'dist', 'keystonelight.js'));
  if (!existsSync(bundle)) {
    process.stderr.write(`bench: ${bundle} not found; build it with 'node build.mjs' (npm run bench does)\n`);
    return 2;
  }
  installCleanupHandlers();
  try {
    const results = await run(o, bundle);
    process.stdout.write(renderTables(results) + '\n');
    mkdirSync(o.outDir, { recursive: true });
    writeFileSync(join(o.outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(join(o.outDir, 'latest.svg'), renderSvg(results));
    log(`wrote ${join(o.outDir, 'latest.json')} and ${join(o.outDir, 'latest.svg')}`);
    return results.errors.length > 0 ? 1 : 0;
  } finally {
    cleanupAll();
  }
}
