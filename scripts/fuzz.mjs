// `npm run fuzz [-- options]`: compiles the fuzzer (test/fuzz/main.ts and the server's worker
// thread, test/fuzz/server-worker.ts, bundled side by side under $KS_OUT/fuzz-runner, default
// .out/fuzz-runner, which git and lint ignore) and runs it from the repository root.
// Options: `npm run fuzz -- --help`. What it checks: test/fuzz/exec.ts; figures: docs/reliability.md.
import process from 'node:process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const out = process.env.KS_OUT ?? '.';
const dir = join(root, out === '.' ? '.out/fuzz-runner' : join(out, 'fuzz-runner'));

await build({
  entryPoints: { main: 'test/fuzz/main.ts', 'server-worker': 'test/fuzz/server-worker.ts' },
  outdir: dir,
  outExtension: { '.js': '.js' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
  supported: { 'import-attributes': true },
  // Bundled CommonJS dependencies (winston) call require() for Node built-ins.
  banner: { js: "import { createRequire as __ksCreateRequire } from 'node:module';\nconst require = __ksCreateRequire(import.meta.url);" },
});
const { main } = await import(pathToFileURL(join(dir, 'main.js')).href);
process.exit(await main(process.argv.slice(2)));
