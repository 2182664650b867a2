// `npm run bench [-- options]`: builds Keystonelight (node build.mjs -> $KS_OUT/dist), compiles
// the benchmark (bench/*.ts, one esbuild bundle under .out/, which git and lint ignore), and runs
// it from the repository root. `--no-build` skips both builds. Options: `npm run bench -- --help`.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
const rest = args.filter((a) => a !== '--no-build');
const out = process.env.KS_OUT ?? '.';
// resolve, not join: an absolute KS_OUT is taken as it is.
const runner = out === '.' ? join(root, '.out/bench-runner') : resolve(root, out, 'bench-runner');
const compiled = join(runner, 'bench.mjs');

// `npm run bench -- hotpath [get|ping|set|incr|mset] [-d N] [-P N]`: the server's own cost per
// command, in process (bench/hotpath.ts), compiled from the sources (no build of dist/ needed).
if (rest[0] === 'hotpath') {
  const { build } = await import('esbuild');
  const file = join(runner, 'hotpath.mjs');
  await build({
    entryPoints: ['bench/hotpath.ts'],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    // winston's CommonJS dependencies call require() on Node's modules
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const r = spawnSync(process.execPath, [file, ...rest.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

if (!noBuild) {
  const b = spawnSync(process.execPath, ['build.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
  const { build } = await import('esbuild');
  await build({
    entryPoints: ['bench/main.ts'],
    outfile: compiled,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
  });
}
process.env.KS_BUNDLE ??= resolve(out, 'dist', 'keystonelight.js');
const { main } = await import(pathToFileURL(compiled).href);
process.exit(await main(rest));
