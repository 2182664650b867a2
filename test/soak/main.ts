// `npm run soak [-- options]`: the soak test (soak.ts) from the command line; scripts/soak.mjs
// builds the server bundle, compiles this and runs it. Prints progress and a report; exits 1 if an
// acknowledged write was lost, a read saw something no history allows, or the server died.
//
//   npm run soak                          # 60 s, 200 clients, kill -9 every 15 s
//   npm run soak -- --duration 600 --kill-every 20 --json /tmp/soak.json

import { writeFileSync } from 'node:fs';
import { runSoak, unexpectedErrors, type SoakReport } from './soak.js';

const HELP = `Usage: npm run soak -- [--duration S] [--clients N] [--kill-every S] [--rewrite-every S] [--seed N] [--json FILE]
  --duration S       seconds of load (default 60)
  --clients N        concurrent ioredis clients (default 200)
  --kill-every S     kill -9 and restart the server every S seconds (default 15)
  --rewrite-every S  BGREWRITEAOF or SIGHUP, alternately, every S seconds (default 3)
  --seed N           seed of the clients' operations (default random)
  --server-arg OPT   one more server option word, repeatable (e.g. --server-arg --appendfsync --server-arg everysec)
  --json FILE        also write the report as JSON`;

function num(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const n = Number(args[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: not a positive number: ${args[i + 1]}`);
  return n;
}

export function summary(r: SoakReport): string {
  const errs = Object.entries(r.errorReplies).map(([e, n]) => `${n} x ${e}`).join('; ') || 'none';
  return [
    `soak (seed ${r.seed}): ${(r.durationMs / 1000).toFixed(1)} s, ${r.clients} clients on ${r.keys} keys`,
    `  ${r.acknowledged} commands acknowledged (${Object.entries(r.byCommand).map(([c, n]) => `${c} ${n}`).join(', ')})`,
    `  error replies: ${errs}${unexpectedErrors(r).length > 0 ? ' (UNEXPECTED ones included)' : ''}`,
    `  faults: ${r.kills} kill -9 (each followed by a restart), ${r.inFlightAtKill} writes in flight at a kill; ${r.cleanRestarts} clean restart`,
    `  rewrites under load: ${r.bgrewriteaofAccepted} BGREWRITEAOF accepted, ${r.sighups} SIGHUP sent, ${r.rewritesDone} rewrites done`,
    `  read violations: ${r.readViolations.length}; acknowledged writes lost: ${r.lost}; keys nobody wrote: ${r.invented.length}; server deaths: ${r.serverDeaths.length}`,
    ...[...r.readViolations, ...r.lostDetails, ...r.invented, ...r.serverDeaths].slice(0, 20).map((l) => `    ${l}`),
  ].join('\n');
}

export async function main(args: string[], bundle: string): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const i = args.indexOf('--seed');
  const r = await runSoak({
    bundle,
    durationMs: num(args, '--duration', 60) * 1000,
    clients: num(args, '--clients', 200),
    killEveryMs: num(args, '--kill-every', 15) * 1000,
    rewriteEveryMs: num(args, '--rewrite-every', 3) * 1000,
    seed: i < 0 ? undefined : Number(args[i + 1]),
    serverArgs: args.flatMap((a, k) => (a === '--server-arg' ? [args[k + 1]] : [])),
    log: (l) => console.log(l),
  });
  console.log(summary(r));
  const j = args.indexOf('--json');
  if (j >= 0) writeFileSync(args[j + 1], JSON.stringify(r, null, 2));
  const ok = r.lost === 0 && r.readViolations.length === 0 && r.invented.length === 0 && r.serverDeaths.length === 0 && unexpectedErrors(r).length === 0;
  return ok ? 0 : 1;
}
