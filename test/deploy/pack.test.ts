// The npm package: `npm pack` gives a tarball that `npm install -g` installs, and its
// `keystonelight` command runs with nothing but Node (winston and everything else is bundled into
// dist/keystonelight.js by esbuild, so the installed package needs no node_modules at run time).
//
// The tarball is packed from a staging copy of the package: package.json and its `files` taken from
// the repository, dist/ from this test build ($KS_OUT/dist), so the test checks the package.json
// that ships against the bundle that was just built, whatever an other build left in ./dist.

import test from 'ava';
import { build as esbuild } from 'esbuild';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BUNDLE, exited, tempDir, type ServerProcess } from '../helpers/bundle.js';
import { freePort } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw.js';
import { aofContent } from '../helpers/aof.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const DIST = dirname(BUNDLE);

interface PackageJson {
  name: string;
  version: string;
  bin: Record<string, string>;
  files: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

interface PackResult {
  filename: string;
  files: { path: string; mode: number }[];
}

const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

/** A copy of the package as npm would see it in the repository, with dist/ from this build. */
function stage(pkg: PackageJson, dir: string): void {
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  for (const entry of pkg.files) {
    const rel = entry.replace(/\/$/, '');
    const from = rel === 'dist' || rel.startsWith('dist/') ? join(DIST, rel.slice('dist'.length)) : join(ROOT, rel);
    if (!existsSync(from)) throw new Error(`package.json "files" lists '${entry}', which does not exist (${from})`);
    cpSync(from, join(dir, rel), { recursive: true });
  }
}

/** Starts the installed command on a free port; resolves once it answers PING. */
async function startInstalled(bin: string, dataDir: string): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dataDir, env: { ...process.env, NODE_PATH: '' } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const sp: ServerProcess = {
    port,
    dir: dataDir,
    proc,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const done = exited(sp);
      proc.kill(signal);
      return done;
    },
  };
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    if (proc.exitCode !== null) throw new Error(`the installed keystonelight exited with ${proc.exitCode}: ${out}`);
    try {
      const c = await RawClient.connect(port);
      const r = await c.call('PING');
      c.close();
      if (r === '+PONG\r\n') return sp;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await sp.stop('SIGKILL');
  throw new Error(`the installed keystonelight did not start: ${out}`);
}

test('npm pack, npm install -g --prefix, and the installed keystonelight command runs without node_modules', async (t) => {
  t.timeout(180_000); // ~10 s when idle; npm and tsc under load overran 60 s (seen)
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  t.is(pkg.name, 'keystonelight');
  // dist/ is not committed: `npm pack` on a fresh clone must build it (npm silently leaves out
  // "files" that do not exist).
  t.regex(pkg.scripts?.prepack ?? '', /\bnode build\.mjs\b/, 'a prepack script builds dist/');
  const tmp = tempDir('ks-pack-');
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const [staged, out, prefix, data] = ['stage', 'out', 'prefix', 'data'].map((d) => join(tmp, d));
  for (const d of [staged, out, data]) mkdirSync(d);
  stage(pkg, staged);

  // Scripts are ignored: the staged copy already holds the built bundle (no build.mjs there).
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], { cwd: staged, env: npmEnv });
  const [info] = JSON.parse(packed.stdout) as PackResult[];
  const files = info.files.map((f) => f.path).sort();
  t.log(`packed ${info.filename}: ${files.join(', ')}`);
  t.true(files.includes(pkg.bin.keystonelight), 'the bin script is in the package');
  t.is(info.files.find((f) => f.path === pkg.bin.keystonelight)!.mode & 0o111, 0o111, 'and executable');
  t.true(files.includes('README.md') && files.includes('LICENSE'));
  t.false(files.some((f) => /^(src|test|build|node_modules)\//.test(f)), 'no sources, tests or builds');
  for (const f of ['dist/index.js', 'dist/index.module.js', 'dist/index.cjs', 'dist/types/index.d.ts', 'dist/types/index.d.cts']) t.true(files.includes(f), `${f} is in the package`);

  // Offline: anything listed in "dependencies" comes from npm's cache (filled by npm ci).
  const tgz = join(out, info.filename);
  await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', tgz], { cwd: tmp, env: npmEnv });
  const installed = join(prefix, 'lib', 'node_modules', 'keystonelight');
  const bin = join(prefix, 'bin', 'keystonelight');
  t.true(existsSync(bin), `${bin} exists`);
  // Everything the command needs is bundled: take away the dependencies npm installed beside it.
  const deps = Object.keys(pkg.dependencies ?? {});
  if (deps.length > 0) t.log(`"dependencies" (${deps.join(', ')}) are bundled: removing the installed node_modules before running`);
  rmSync(join(installed, 'node_modules'), { recursive: true, force: true });

  const version = await run(bin, ['--version'], { cwd: tmp });
  t.regex(version.stdout, new RegExp(`^Keystonelight v=${pkg.version.replace(/\./g, '\\.')} redis_version=7\\.0\\.15 `));

  // The library entry ("main") is self-contained too: importing it by package name works.
  const lib = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('keystonelight'); console.log(typeof m.startServer, m.VERSION)"], { cwd: join(prefix, 'lib') });
  t.is(lib.stdout.trim(), `function ${pkg.version}`);

  // Bundled (esbuild) into one file that runs elsewhere: the bundler must take the library into the
  // bundle. dist/index.js loads the CommonJS build with createRequire(import.meta.url), which no
  // bundler follows: bundlers get dist/index.module.js ("module" condition), a static re-export.
  writeFileSync(join(prefix, 'lib', 'bundled.mjs'), "import { startServer, VERSION } from 'keystonelight';\nconsole.log(typeof startServer, VERSION);\n");
  const requireShim = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";
  for (const [format, outfile, banner] of [['cjs', 'bundle.cjs', ''], ['esm', 'bundle.mjs', requireShim]] as const) {
    await esbuild({ absWorkingDir: join(prefix, 'lib'), entryPoints: ['bundled.mjs'], bundle: true, platform: 'node', format, banner: { js: banner }, outfile: join(tmp, 'bundles', outfile), logLevel: 'error' });
    const bundled = await run(process.execPath, [join(tmp, 'bundles', outfile)], { cwd: tmp });
    t.is(bundled.stdout.trim(), `function ${pkg.version}`, `bundled as ${format}`);
  }

  // TypeScript users get the library's types: a strict consumer type-checks against the package.
  t.true(files.includes('dist/types/index.d.ts'), 'declarations are in the package');
  writeFileSync(join(prefix, 'lib', 'consumer.mts'), [
    "import { startServer, ManualClock, ConfigError, PidFileError, type RunningServer, type StartOptions } from 'keystonelight';",
    "const opts: StartOptions = { port: 0, clock: new ManualClock(), config: { databases: 4 } };",
    'const s: RunningServer = await startServer(opts);',
    'const port: number = s.port;',
    'await s.close();',
    'export const checked = [port, ConfigError, PidFileError];',
    '',
  ].join('\n'));
  // execFile rejects (failing the test with tsc's output) unless tsc exits 0. --listFiles: which
  // declarations it took (the ES module ones for an ES module).
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const tscFlags = ['--strict', '--target', 'es2022', '--typeRoots', join(ROOT, 'node_modules', '@types'), '--types', 'node', '--listFiles'];
  const esmTypes = await run(process.execPath, [tsc, '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', ...tscFlags, 'consumer.mts'], { cwd: join(prefix, 'lib') });
  t.regex(esmTypes.stdout, /keystonelight\/dist\/types\/index\.d\.ts$/m);
  t.notRegex(esmTypes.stdout, /\.d\.cts$/m);

  // CommonJS consumers: require() gets the CommonJS build (dist/index.cjs), the same library
  // `import` gets (one copy: its classes and functions are the same objects), and a server works.
  writeFileSync(join(prefix, 'lib', 'consumer.cjs'), [
    "const net = require('node:net');",
    "const ks = require('keystonelight');",
    '(async () => {',
    "  const esm = await import('keystonelight');",
    '  const same = esm.startServer === ks.startServer && esm.ConfigError === ks.ConfigError;',
    '  const s = await ks.startServer({ port: 0 });',
    "  const replies = await new Promise((resolve, reject) => {",
    "    const c = net.connect(s.port, '127.0.0.1');",
    "    let got = '';",
    "    c.on('error', reject);",
    "    c.on('data', (d) => { got += d; if (got.length >= 19) { c.end(); resolve(got); } });",
    "    c.write('*1\\r\\n$4\\r\\nPING\\r\\n*3\\r\\n$3\\r\\nSET\\r\\n$1\\r\\nk\\r\\n$1\\r\\nv\\r\\n*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n');",
    '  });',
    '  await s.close();',
    "  console.log(JSON.stringify({ same, version: ks.VERSION, replies, file: require('node:path').basename(require.resolve('keystonelight')) }));",
    '})();',
    '',
  ].join('\n'));
  // Without require(esm), as a loader that cannot load ES modules (Jest's CommonJS mode).
  const cjs = await run(process.execPath, ['--no-experimental-require-module', 'consumer.cjs'], { cwd: join(prefix, 'lib') });
  t.deepEqual(JSON.parse(cjs.stdout), { same: true, version: pkg.version, replies: '+PONG\r\n+OK\r\n$1\r\nv\r\n', file: 'index.cjs' });

  // A TypeScript project that is CommonJS (no "type": "module") with module node16: tsc takes the
  // CommonJS declarations (the ES module ones would fail with TS1479 / TS1471), and its output runs.
  const tsProject = join(prefix, 'lib', 'ts-cjs');
  mkdirSync(tsProject);
  writeFileSync(join(tsProject, 'package.json'), JSON.stringify({ name: 'ts-cjs', private: true, type: 'commonjs' }));
  writeFileSync(join(tsProject, 'index.ts'), [
    "import { startServer, ManualClock, ConfigError, type RunningServer, type StartOptions } from 'keystonelight';",
    "import ks = require('keystonelight');",
    'async function main(): Promise<void> {',
    '  const opts: StartOptions = { port: 0, clock: new ManualClock() };',
    '  const s: RunningServer = await startServer(opts);',
    '  const port: number = s.port;',
    '  await s.close();',
    "  const bad = await ks.startServer({ config: { databases: 'x' } }).then(() => 'started', (e: unknown) => e instanceof ConfigError);",
    "  console.log(JSON.stringify({ port: port > 0, bad, same: ks.startServer === startServer }));",
    '}',
    'void main();',
    '',
  ].join('\n'));
  const cjsTypes = await run(process.execPath, [tsc, '--module', 'node16', '--moduleResolution', 'node16', ...tscFlags, '--outDir', 'out', 'index.ts'], { cwd: tsProject });
  t.regex(cjsTypes.stdout, /keystonelight\/dist\/types\/index\.d\.cts$/m);
  t.notRegex(cjsTypes.stdout, /keystonelight\/dist\/types\/.*\.d\.ts$/m, 'no ES module declaration');
  t.regex(readFileSync(join(tsProject, 'out', 'index.js'), 'utf8'), /require\("keystonelight"\)/, 'compiled to CommonJS');
  const tsRun = await run(process.execPath, [join('out', 'index.js')], { cwd: tsProject });
  t.deepEqual(JSON.parse(tsRun.stdout), { port: true, bad: true, same: true });

  const sp = await startInstalled(bin, data);
  t.teardown(() => void sp.stop('SIGKILL'));
  const c = await RawClient.connect(sp.port);
  t.is(await c.call('SET', 'installed', 'yes'), '+OK\r\n');
  t.is(await c.call('GET', 'installed'), '$3\r\nyes\r\n');
  c.close();
  t.is(await sp.stop('SIGTERM'), 0);
  t.true(aofContent(data).toString('latin1').includes('installed'), 'it wrote its AOF in --dir');
});
