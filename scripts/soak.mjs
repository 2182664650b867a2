// `npm run soak [-- options]`: builds the server bundle ($KS_OUT/dist/keystonelight.js, default
// ./dist), compiles the soak test (test/soak/main.ts, bundled under $KS_OUT/soak-runner, default
// .out/soak-runner) and runs it against that bundle. Options: `npm run soak -- --help`.
// Loopback only: the server binds 127.0.0.1 on a free port, with its data in a temporary directory.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const args = process.argv.slice(2);
const out = process.env.KS_OUT ?? '.';
const dir = join(root, out === '.' ? '.out/soak-runner' : join(out, 'soak-runner'));

if (!args.includes('--help')) {
  const b = spawnSync(process.execPath, ['build.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
await build({
  entryPoints: { main: 'test/soak/main.ts' },
  outdir: dir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
  // Bundled CommonJS dependencies (ioredis) call require() for Node built-ins.
  banner: { js: "import { createRequire as __ksCreateRequire } from 'node:module';\nconst require = __ksCreateRequire(import.meta.url);" },
});
const { main } = await import(pathToFileURL(join(dir, 'main.js')).href);
process.exit(await main(args, resolve(out, 'dist', 'keystonelight.js')));
