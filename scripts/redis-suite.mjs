// `npm run redis-suite`: runs Redis 7.0.15's own Tcl tests (tests/unit/..., tests/integration/...)
// against Keystonelight, one unit at a time, and prints per unit how many tests passed, failed,
// threw or were skipped; exits 1 if any failed or threw. Not part of `npm test`: it needs Redis's
// source (fetched once with apt-get source, see redis-suite-tree.mjs) and takes minutes.
//
//   node scripts/redis-suite.mjs [--unit unit/expire]... [--only <test>]... [--baseport N]
//                                [--clients N] [--timeout S] [--verbose] [-- <more runtest options>]
//
// Units: every line of test/redis-suite/units-*.txt unless --unit names some. Skips: every line of
// every test/redis-suite/skip-*.txt, `<exact test name or /regex/> # <reason>`, passed to runtest as one
// --skipfile (runtest keeps only the last --skipfile it is given, so they are merged). A test that
// uses a feature Keystonelight lacks throws and aborts its unit: it belongs in a skip list with why.
// The bundle is $KS_OUT/dist/keystonelight.js (KS_OUT defaults to the checkout), built if missing;
// logs and the merged skip file go to $KS_OUT/redis-suite (.out/redis-suite without KS_OUT).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findTree, readyTree, SetupError } from './redis-suite-tree.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LISTS = join(ROOT, 'test', 'redis-suite');
const OUT = resolve(ROOT, process.env.KS_OUT || '.');
/** Where the run's files go: never the checkout's top level (untracked files there). */
const WORK = join(process.env.KS_OUT ? OUT : join(ROOT, '.out'), 'redis-suite');

function parseArgs(argv) {
  const o = { units: [], only: [], baseport: 21111, clients: 1, timeout: 600, verbose: false, extra: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new SetupError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--') {
      o.extra = argv.slice(i + 1);
      break;
    } else if (a === '--unit') o.units.push(value());
    else if (a === '--only') o.only.push(value());
    else if (a === '--baseport') o.baseport = Number(value());
    else if (a === '--clients') o.clients = Number(value());
    else if (a === '--timeout') o.timeout = Number(value());
    else if (a === '--verbose') o.verbose = true;
    else throw new SetupError(`unknown option ${a} (see the header of scripts/redis-suite.mjs; runtest's own options go after --)`);
  }
  if ([6379, 7379].some((p) => p >= o.baseport && p < o.baseport + 8000)) {
    throw new SetupError('--baseport: runtest uses 8000 ports from it; keep 6379 and 7379 out of that range');
  }
  return o;
}

/** The entries of every `<prefix>*.txt` list: lines without ` # reason`, blank lines and comments. */
function readLists(prefix) {
  const entries = [];
  for (const f of readdirSync(LISTS).filter((n) => n.startsWith(prefix) && n.endsWith('.txt')).sort()) {
    readFileSync(join(LISTS, f), 'utf8').split('\n').forEach((raw, i) => {
      const cut = raw.indexOf(' # ');
      let line = (cut < 0 ? raw : raw.slice(0, cut)).trimEnd();
      // runtest takes a regex as `/re` (all after the slash): accept the usual `/re/` too.
      if (/^\/.+\/$/.test(line)) line = line.slice(0, -1);
      if (line !== '' && !line.startsWith('#')) entries.push({ line, where: `${f}:${i + 1}` });
    });
  }
  return entries;
}

function ensureBundle() {
  const bundle = join(OUT, 'dist', 'keystonelight.js');
  if (existsSync(bundle)) return bundle;
  console.log(`redis-suite: ${bundle} is missing: node build.mjs`);
  const r = spawnSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(bundle)) throw new SetupError('the build failed');
  return bundle;
}

const STATUS = /^\[(ok|err|exception|skip|ignore|TIMEOUT)\]: (.*)$/;

/**
 * The runtest running now. It gets a process group of its own (with its test clients and the
 * servers they start), ended whole if we are stopped, or if our output goes away (`| head`):
 * runtest left alone kept its test server's port, so the next run could not start.
 */
let running = null;
function stopRunning() {
  if (running === null || running.exitCode !== null) return;
  try {
    process.kill(-running.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    stopRunning();
    process.exit(130);
  });
}
process.on('exit', stopRunning);
process.stdout.on('error', () => process.exit(1));

/** Runs one unit through runtest; resolves to its counts and the names of the tests it skipped. */
function runUnit(tree, bundle, unit, skipFile, o) {
  const args = ['--single', unit, '--clients', String(o.clients), '--timeout', String(o.timeout), '--tags', '-needs:repl',
    '--baseport', String(o.baseport), '--skipfile', skipFile, ...o.only.flatMap((t) => ['--only', t]), ...o.extra];
  const logs = join(WORK, 'logs');
  mkdirSync(logs, { recursive: true });
  const log = createWriteStream(join(logs, `${unit.replace(/\//g, '_')}.log`));
  const counts = { ok: 0, err: 0, exception: 0, skip: 0, ignore: 0, skipped: [], finished: false, code: 0 };
  const child = spawn('./runtest', args, { cwd: tree, env: { ...process.env, KS_BUNDLE: bundle, TERM: 'dumb' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running = child;
  const onLine = (raw) => {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    log.write(line + '\n');
    const m = STATUS.exec(line);
    const status = m === null ? null : m[1] === 'TIMEOUT' ? 'exception' : m[1];
    if (status !== null) counts[status]++;
    if (status === 'skip') counts.skipped.push(m[2]);
    if (/^\[\d+\/\d+ done\]: /.test(line)) counts.finished = true;
    if (o.verbose || !['ok', 'skip', 'ignore'].includes(status)) console.log(line);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  return new Promise((done) => {
    child.on('close', (code) => {
      counts.code = code ?? 1;
      // A runtest that ended badly without saying which test (a crash of Tcl, a server that never
      // started) counts as an exception, so it cannot pass as a clean run.
      if (counts.code !== 0 && counts.err + counts.exception === 0) counts.exception++;
      log.end(() => done(counts));
    });
  });
}

function printSummary(results) {
  const width = Math.max(4, ...results.map((r) => r.unit.length));
  const cols = ['ok', 'err', 'exception', 'skip', 'ignore'];
  console.log(`\n${'unit'.padEnd(width)}  ${cols.map((c) => (c === 'ignore' ? 'tag-excluded' : c === 'skip' ? 'skipped' : c).padStart(13)).join('')}`);
  for (const r of results) {
    const note = r.counts.finished ? '' : '  (did not run to its end)';
    console.log(`${r.unit.padEnd(width)}  ${cols.map((c) => String(r.counts[c]).padStart(13)).join('')}${note}`);
  }
}

/** Skip lines that matched no test of this run: stale, or a test renamed. Only meaningful for a full run. */
function reportUnused(skips, results) {
  const skipped = results.flatMap((r) => r.counts.skipped);
  const used = (line) => line.startsWith('/') ? skipped.some((n) => new RegExp(line.slice(1)).test(n)) : skipped.includes(line);
  for (const s of skips.filter((e) => !used(e.line))) console.log(`redis-suite: ${s.where}: matched no test: ${s.line}`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const units = o.units.length > 0 ? o.units : readLists('units-').map((e) => e.line);
  const bundle = ensureBundle();
  const tree = findTree(ROOT);
  readyTree(tree, bundle);
  const skips = readLists('skip-');
  const skipFile = join(WORK, 'skip.txt');
  mkdirSync(dirname(skipFile), { recursive: true });
  writeFileSync(skipFile, skips.map((e) => e.line).join('\n') + '\n');
  console.log(`redis-suite: Redis tree ${tree}, bundle ${bundle}, ${units.length} unit(s), ${skips.length} skip line(s); logs in ${join(WORK, 'logs')}`);
  const results = [];
  for (const unit of units) {
    console.log(`\n=== ${unit}`);
    results.push({ unit, counts: await runUnit(tree, bundle, unit, skipFile, o) });
  }
  printSummary(results);
  if (o.units.length === 0 && o.only.length === 0) reportUnused(skips, results);
  return results.some((r) => r.counts.err + r.counts.exception > 0) ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`redis-suite: ${e instanceof SetupError ? e.message : e.stack}`);
  process.exit(2);
});
