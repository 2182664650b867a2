// Where an AOF rewrite spends the event loop: `node scripts/rewrite-trace.mjs [--keys N]
// [--requests N] [--node-flags "--trace-gc ..."] [--keep]` (after `node build.mjs`; KS_OUT is
// honoured). Writes an AOF of N keys (default 1,000,000) into a temp dir, starts the built server
// on it with KS_REWRITE_TRACE, then runs redis-benchmark SET -r N -c 50 three times: warm-up,
// baseline, and with a BGREWRITEAOF 200 ms in. Prints p99 and eventloop_max_stall_ms with and
// without the rewrite, then the rewrite's own trace: its longest steps, how long the OS kept the
// process off the CPU in them (run-queue wait, from /proc: on a shared machine most long stalls
// are that), the garbage collections, and the asynchronous phases (writes, fsyncs).
// Needs redis-cli and redis-benchmark. A profiling aid, not a test: numbers move with the load.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const argv = process.argv.slice(2);
const opt = (name, def) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : def);
const keys = Number(opt('--keys', 1000000));
const requests = Number(opt('--requests', 200000));
const nodeFlags = opt('--node-flags', '').split(' ').filter((f) => f !== '');
const bundle = resolve(process.env.KS_OUT ?? '.', 'dist', 'keystonelight.js');
const dir = mkdtempSync(join(tmpdir(), 'ks-rewrite-trace-'));
const traceFile = join(dir, 'trace.json');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function writeDataset() {
  const enc = (a) => `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
  const fd = openSync(join(dir, 'appendonly.aof'), 'w');
  writeSync(fd, enc(['SELECT', '0']));
  for (let from = 0; from < keys; from += 50000) {
    let s = '';
    for (let i = from; i < Math.min(keys, from + 50000); i++) s += enc(['SET', `key:${String(i).padStart(7, '0')}`, `v${String(i).padStart(15, '0')}`]);
    writeSync(fd, s, null, 'latin1');
  }
  closeSync(fd);
}

const freePort = () => new Promise((r) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => r(port));
  });
});

writeDataset();
const port = await freePort();
const server = spawn(process.execPath, [...nodeFlags, bundle, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', join(dir, 'server.log')],
  { env: { ...process.env, KS_REWRITE_TRACE: traceFile }, stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
server.on('exit', (code, sig) => {
  if (stopping) return;
  console.log(`server exited (${code ?? sig}); log: ${join(dir, 'server.log')}`);
  process.exit(1);
});
const cli = (...a) => spawnSync('redis-cli', ['-p', String(port), ...a], { encoding: 'latin1' }).stdout.trim();
const stall = () => Number(/eventloop_max_stall_ms:(\S+)/.exec(cli('INFO', 'stats'))?.[1]);
const rewriting = () => /aof_rewrite_in_progress:1/.test(cli('INFO', 'persistence'));

function bench() {
  return new Promise((done) => {
    const p = spawn('redis-benchmark', ['-p', String(port), '-t', 'set', '-r', String(keys), '-d', '16', '-c', '50', '-n', String(requests), '--csv'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', () => {
      const [head, row] = out.trim().split('\n').map((l) => l.split('","').map((c) => c.replace(/"/g, '')));
      done(Object.fromEntries(head.map((h, i) => [h, Number(row[i])])));
    });
  });
}

async function rewrite() {
  const t = Date.now();
  cli('BGREWRITEAOF');
  await sleep(20);
  while (rewriting()) await sleep(20);
  return Date.now() - t;
}

while (cli('PING') !== 'PONG') await sleep(100);
console.log(`${keys} keys loaded; quiet rewrite ${await rewrite()} ms`);
await bench();
cli('CONFIG', 'RESETSTAT');
const base = await bench();
const baseStall = stall();
cli('CONFIG', 'RESETSTAT');
const loaded = bench();
await sleep(200);
const ms = await rewrite();
const during = await loaded;
console.log(`baseline: ${base.rps} req/s, p99 ${base.p99_latency_ms} ms, max ${base.max_latency_ms} ms, stall ${baseStall} ms`);
console.log(`rewrite:  ${during.rps} req/s, p99 ${during.p99_latency_ms} ms, max ${during.max_latency_ms} ms, stall ${stall()} ms; rewrite ${ms} ms; p99 ratio ${(during.p99_latency_ms / base.p99_latency_ms).toFixed(2)}`);

const tr = JSON.parse(readFileSync(traceFile, 'utf8'));
const f = (x) => x.toFixed(1);
const steps = tr.steps.filter((s) => !s.async);
const slices = steps.filter((s) => s.name === 'slice');
console.log(`trace: ${slices.length} slices (p50 ${f(tr.slices.p50)}, p99 ${f(tr.slices.p99)}, max ${f(tr.slices.max)} ms); longest step ${f(tr.longestMs)} ms (${tr.longestStep}), ${f(tr.longestOwnMs)} ms without run-queue wait`);
const worst = [...steps].sort((a, b) => b.ms - a.ms).slice(0, 8);
console.log('longest steps (ms, of which run-queue wait):', worst.map((s) => `${s.name} ${f(s.ms)} (${f(s.waited ?? 0)})`).join(', '));
const span = steps.length > 1 ? steps[steps.length - 1].at - steps[0].at : 0;
const rq = steps.length > 1 ? (steps[steps.length - 1].rq ?? 0) - (steps[0].rq ?? 0) : 0;
console.log(`run-queue wait over the rewrite: ${f(rq)} of ${f(span)} ms`);
console.log(`GC during the rewrite: ${tr.gcs.length} pauses, ${f(tr.gcTotalMs)} ms in all, longest ${f(Math.max(0, ...tr.gcs.map((g) => g.ms)))} ms`);
const phases = tr.steps.filter((s) => s.async && s.name === 'fsync').map((s) => f(s.ms));
console.log(`fsyncs of the new file (off the loop): ${phases.join(', ')} ms; T0 step ${f(steps.find((s) => s.name === 'begin')?.ms ?? NaN)} ms; rename ${f(steps.find((s) => s.name === 'rename')?.ms ?? NaN)} ms`);

stopping = true;
// A clean shutdown, so that --node-flags "--cpu-prof ..." gets its profile written.
server.kill('SIGTERM');
for (let i = 0; i < 100 && server.exitCode === null && server.signalCode === null; i++) await sleep(50);
server.kill('SIGKILL');
if (argv.includes('--keep')) console.log(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });
