// Builds Keystonelight with esbuild.
//   node build.mjs          -> dist/keystonelight.js (the CLI, one file, shebang), the library:
//                              dist/index.cjs (CommonJS, the one implementation), dist/index.js (its ES
//                              module entry; dist/index.module.js for bundlers), and dist/types/ (declarations: .d.ts for import, .d.cts
//                              for require)
//   node build.mjs --tests  -> the above, plus src/ and test/ compiled file-by-file into build/ for ava
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { createRequire } from 'node:module';

// Bundled CommonJS dependencies (winston, ...) call require() for Node built-ins; an ESM bundle
// has no require, so give it one.
const requireShim = "import { createRequire as __ksCreateRequire } from 'node:module';\nconst require = __ksCreateRequire(import.meta.url);";

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // Data files are imported with `with { type: 'json' }` (e.g. src/commands/meta/redis-7.0.json);
  // Node 20.10+ understands import attributes, so keep them instead of stripping them.
  supported: { 'import-attributes': true },
};

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if ((p.endsWith('.ts') && !p.endsWith('.d.ts')) || p.endsWith('.json')) out.push(p);
  }
  return out;
}

// A database's heap must be able to grow with its data: Node's default V8 heap limit (about 4 GB on
// a 64-bit machine, whatever its memory) crashed a 50M-key dataset at 34M keys ("Reached heap
// limit"). The CLI's shebang lifts it, so that as with Redis only the machine's memory (or
// maxmemory) bounds the dataset. The benchmark starts the bundle with the same flags (it reads them
// from this line), and the server warns at start when it runs without them (src/server/heap.ts).
//
// V8's young generation is left at its default (2 x 16 MB). 2 x 4 MB (--max-semi-space-size=4)
// brought RSS per key of the 1M-key dataset from 1.48x to 1.28x Redis's, but cost p99 latency
// (redis-benchmark -r 1000000 -c 50 on 1M keys, 3 alternating rounds: SET p99 1.53 -> 2.38 ms,
// GET 1.48 -> 1.84 ms) and ~3% CPU; 2 x 8 MB gave 1.15-1.17x against 1.24-1.33x for 4-5% more CPU on
// random-key writes and a 12-20% higher p99 at -P 1 (2026-11-27): see bench/README.md. Users who
// want the memory can add either.
//
// --expose-gc gives the server V8's gc(), for one collection after a client closes with big buffers
// (src/server/dropped-memory.ts): an idle server otherwise kept a gone client's 1.7 GB of replies.
const NODE_FLAGS = '--max-old-space-size=1048576 --expose-gc';

// KS_OUT lets several builds coexist (dist/ and build/ under it); default: the project root.
const out = process.env.KS_OUT ?? '.';

// The library is built once, as CommonJS (dist/index.cjs), for require() and for test runners with
// their own CommonJS module system (Jest without ESM mode). dist/index.js, what `import` loads, only
// re-exports it: two bundles would be two copies of the library in a process that both imports
// and requires it (the dual-package hazard: `instanceof ConfigError` false across them, two sets
// of module state). The sources use no ES-module-only feature (import.meta, top-level await):
// esbuild would warn building them as CommonJS.
await Promise.all([
  build({ ...common, entryPoints: ['src/cli.ts'], outfile: `${out}/dist/keystonelight.js`, banner: { js: `#!/usr/bin/env -S node ${NODE_FLAGS}\n` + requireShim } }),
  build({ ...common, format: 'cjs', entryPoints: ['src/index.ts'], outfile: `${out}/dist/index.cjs` }),
]);
chmodSync(`${out}/dist/keystonelight.js`, 0o755);
// The names the CommonJS build exports (`export *` included; loading it starts nothing), listed in
// the wrapper: an ES module's exports are named when it is written.
const names = Object.keys(createRequire(import.meta.url)(resolvePath(`${out}/dist/index.cjs`))).sort();
if (names.length === 0) throw new Error('build.mjs: src/index.ts exports nothing?');
// `export { default } from` a CommonJS module would be its module.exports, not a default export.
if (names.includes('default')) throw new Error('build.mjs: src/index.ts has a default export, which the ES module wrapper cannot re-export');
// Loaded with require(), not `export ... from './index.cjs'`: importing a CommonJS module makes
// Node scan its source for the names it exports (cjs-module-lexer), 66 ms for this 1.1 MB bundle,
// which doubled the time `import('keystonelight')` takes (95 ms against 47, node 20.20). require()
// shares Node's module cache with a require() of the package elsewhere: still one copy.
writeFileSync(`${out}/dist/index.js`, [
  '// The ES module entry of the library: its CommonJS build, re-exported (one copy of the library',
  '// whether it is imported or required).',
  "import { createRequire } from 'node:module';",
  `export const { ${names.join(', ')} } = createRequire(import.meta.url)('./index.cjs');`,
  '',
].join('\n'));
// Bundlers (esbuild, webpack, Rollup, Vite: package.json's "module" condition, which Node ignores)
// get the static re-export instead: they cannot follow createRequire(import.meta.url), so a bundle
// made from dist/index.js would look for ./index.cjs beside the bundle at run time and fail.
writeFileSync(`${out}/dist/index.module.js`, [
  '// The ES module entry of the library for bundlers: its CommonJS build, re-exported statically.',
  `export { ${names.join(', ')} } from './index.cjs';`,
  '',
].join('\n'));

// Type declarations for TypeScript users of the library (package.json "types"), written by tsc
// from the sources (about 3 s): esbuild only strips types.
rmSync(`${out}/dist/types`, { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.types.json', '--outDir', `${out}/dist/types`], { stdio: 'inherit' });
// The same declarations as CommonJS ones (.d.cts, importing each other as .cjs) for TypeScript
// projects that are CommonJS themselves (package.json without "type": "module", module node16 or
// nodenext): for them a .d.ts here is an ES module (this package's "type"), which a CommonJS file
// cannot import (TS1479), and its `import ... = require` fails (TS1471).
for (const file of walkExt(`${out}/dist/types`, '.d.ts')) {
  const text = readFileSync(file, 'utf8').replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*)\.js\2/g, '$1$2$3.cjs$2');
  writeFileSync(file.slice(0, -'.d.ts'.length) + '.d.cts', text);
}

function walkExt(dir, ext) {
  return readdirSync(dir, { recursive: true }).map((p) => join(dir, p)).filter((p) => p.endsWith(ext) && statSync(p).isFile());
}

if (process.argv.includes('--tests')) {
  rmSync(`${out}/build`, { recursive: true, force: true });
  await build({
    entryPoints: [...walk('src'), ...walk('test')],
    outdir: `${out}/build`,
    outbase: '.',
    bundle: false,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'inline',
    logLevel: 'warning',
    supported: common.supported,
    // JSON data files are copied beside the compiled modules that import them.
    loader: { '.json': 'copy' },
  });
}
