// `npm run fuzz [-- options]`: the fuzzer from the command line (scripts/fuzz.mjs compiles this and
// runs it). Prints the seed first, a progress line every 10 s, each finding with the cases that
// reproduce it, and a summary; exits 1 if anything was found.
//
//   npm run fuzz                                  # 20,000 cases or 40 s, random seed
//   npm run fuzz -- --seed 1234 --cases 1000000   # the long form, reproducible
//   npm run fuzz -- --seed 1234 --replay 5321     # re-run case 5321's epoch up to it, printing every reply
//   FUZZ_SEED=1234 npm run fuzz

import { runFuzz, type FuzzSummary } from './runner.js';
import { EXCLUSIONS } from './gen-commands.js';

const HELP = `Usage: npm run fuzz -- [--seed N] [--cases N] [--time SECONDS] [--replay CASE] [--bytes SHARE] [--json FILE]
  --seed N       run seed (default: $FUZZ_SEED, else random); the same seed runs the same cases
  --cases N      most cases to run (default 20000)
  --time S       stop starting new epochs after S seconds (default 40; 0 = no limit)
  --replay CASE  run only the epoch of case CASE, up to it, printing every command and reply
  --bytes SHARE  share of byte-stream cases, 0..1 (default 0.2)
  --json FILE    also write the summary as JSON
Never sent: ${EXCLUSIONS.map((e) => `\n  - ${e}`).join('')}`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) throw new Error(`${name} needs a value`);
  return v;
}

function number(args: string[], name: string, dflt: number): number {
  const v = option(args, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: not a number: ${v}`);
  return n;
}

export async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const seed = number(args, '--seed', Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31)));
  const replay = option(args, '--replay');
  const time = number(args, '--time', 40);
  const opts = {
    seed,
    cases: number(args, '--cases', 20_000),
    timeMs: time === 0 ? Infinity : time * 1000,
    bytesShare: number(args, '--bytes', 0.2),
    only: replay === undefined ? undefined : number(args, '--replay', 0),
    log: (l: string) => console.log(l),
    trace: replay === undefined ? undefined : (l: string) => console.log(l),
  };
  console.log(`fuzz: seed ${seed} (reproduce with: npm run fuzz -- --seed ${seed} --cases ${opts.cases})`);
  const sum = await runFuzz(opts);
  report(sum);
  const json = option(args, '--json');
  if (json !== undefined) (await import('node:fs')).writeFileSync(json, JSON.stringify(sum, null, 2));
  return sum.findings.length === 0 ? 0 : 1;
}

function report(s: FuzzSummary): void {
  const top = Object.entries(s.perCommand).sort((a, b) => a[1] - b[1]);
  console.log([
    `seed ${s.seed}: ${s.cases} cases in ${(s.elapsedMs / 1000).toFixed(1)} s over ${s.epochs} fresh servers`,
    `  ${s.commandCases} command cases over ${top.length} commands (fewest: ${top.slice(0, 3).map(([n, c]) => `${n} ${c}`).join(', ')})`,
    `  ${s.byteCases} byte-stream cases (${s.byteCasesDecoderOnly} checked on the decoder only)`,
    `  server heap after a full GC: first epoch ${(s.heapFirst / 1048576).toFixed(1)} MB, largest ${(s.heapMax / 1048576).toFixed(1)} MB`,
    s.uncovered.length > 0 ? `  commands no case reached: ${s.uncovered.join(' ')}` : '  every command of the table was exercised',
    `  findings: ${s.findings.length}${s.findings.map((f) => `\n    - ${f.kind} at case ${f.index}: ${f.detail.split('\n')[0].slice(0, 200)}\n      reproduce: ${f.repro.join(' ; ').slice(0, 600)}`).join('')}`,
  ].join('\n'));
}
