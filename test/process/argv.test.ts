// The command line as redis-server 7.0 reads it (it makes more lines of configuration of it),
// checked against redis-server itself: each case's arguments go to both, after the same start
// options. Both must start, with the same CONFIG GET answers for the options the cases set, or both
// refuse with exit status 1 and Redis's reason (its last line, e.g. "Invalid save parameters";
// ours ends with it). test/unit/config.test.ts has the same edges as literal texts.

import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BUNDLE, tempDir } from '../helpers/bundle.js';
import { needBinary } from '../helpers/bins.js';
import { RawClient } from '../helpers/raw.js';

interface Case {
  /** The arguments after the start options; PORT stands for the server's port. */
  args: string[];
  /** Arguments before the start options: the config file. */
  first?: string[];
  /** The requirepass the case sets, to AUTH with before CONFIG GET. */
  auth?: string;
}

const PORT = '<port>';

const CASES: Record<string, Case> = {
  'a newline in a value stays in it': { args: ['--requirepass', 'a\nb'], auth: 'a\nb' },
  'a newline after an option and its value ends the line': { args: ['--hz 11\n'] },
  'a newline in an option starts another line': { args: ['--hz 11\nmaxmemory 5mb'] },
  'a newline in a value of a number': { args: ['--hz', '11\n'] },
  'a newline in an option leaves a word alone on a line': { args: ['--requirepass x\nb'] },
  'a newline between an option and its value': { args: ['--hz\n11'] },
  'a comment line after a newline': { args: ['--hz 11\n# x'] },
  'a trailing bare --': { args: ['--port', PORT, '--'] },
  'a bare -- before an option': { args: ['--', '--hz', '11'] },
  'a bare -- in the middle': { args: ['--hz', '11', '--', '--hz', '12'] },
  'a bare -- before words': { args: ['--', 'hz', '11'] },
  'a bare -- before an empty argument': { args: ['--', ''] },
  'an empty argument after a value': { args: ['--hz', '11', ''] },
  'an option starting with #': { args: ['--#hz 11'] },
  'save given two words holding spaces': { args: ['--save', '900 1', '300 10'] },
  'save given one word of four': { args: ['--save', '900 1 300 10'] },
  'save given one word with two spaces': { args: ['--save', '900  1'] },
  'save given a word with a leading space': { args: ['--save', ' 900', '1'] },
  'save given "" then a word': { args: ['--save', '', '60 5'] },
  'save followed by an option': { args: ['--save', '--hz', '11'] },
  'save given unbalanced quotes in its one word': { args: ['--save', "'900"] },
  'client-output-buffer-limit given one empty word': { args: ['--client-output-buffer-limit', ''] },
  'client-output-buffer-limit given seconds with a leading space': { args: ['--client-output-buffer-limit', 'normal', '0', '0', ' 5'] },
  'latency-tracking-info-percentiles given a word holding a space': { args: ['--latency-tracking-info-percentiles', '50 99', '99.9'] },
  'unbalanced quotes in an option': { args: ['--hz "11"x', '5'] },
  'an empty config file argument (the working directory, read as empty)': { first: [''], args: ['--hz', '11'] },
  // Redis's own cases (tests/unit/introspection.tcl, "command line arguments - error cases"): an
  // option given no value yet takes the next argument even if it starts with `--`.
  'an option last, without its value': { args: ['--port'] },
  'an option without its value before another option': { args: ['--port', PORT, '--loglevel'] },
  'a number option given two words': { args: ['--port', '6379', '6380'] },
  'an option taking the next option and its value': { args: ['--port', '--loglevel', 'verbose'] },
  'an option taking the next option as its value': { args: ['--port', '--bla', '--loglevel', 'verbose'] },
  'an enum option taking an option as its value': { args: ['--logfile', '--my--log--file', '--loglevel', '--bla'] },
  'a multi-word enum option given no value': { args: ['--shutdown-on-sigint'] },
  'a multi-word enum option given no value after a good one': { args: ['--shutdown-on-sigint', 'now force', '--shutdown-on-sigterm'] },
  'replicaof given a bad port': { args: ['--replicaof', '127.0.0.1', 'abc'] },
  'replicaof given an option-like host and a bad port': { args: ['--replicaof', '--127.0.0.1', 'abc'] },
  'replicaof given one option-like word': { args: ['--replicaof', '--127.0.0.1', '--abc'] },
  'an unknown option': { args: ['--bla', '1'] },
  // Redis sets each line as it reads it: of two bad lines the first is named, whatever is wrong.
  'a bad value, then a line of the wrong length': { args: ['--maxmemory', 'lots', '--hz', '1', '2'] },
  'a bad value, then a directive we refuse': { args: ['--maxmemory', 'lots', '--loadmodule', 'x.so'] },
  'a bad value, then an unknown option': { args: ['--maxmemory', 'lots', '--bla', '1'] },
  'a rename-command of no command, then a bad value': { args: ['--rename-command', 'nosuch', 'foo', '--maxmemory', 'lots'] },
  'a rename-command of a command renamed before, then a bad value': { args: ['--rename-command', 'get', 'x', '--rename-command', 'get', 'y', '--hz', 'x'] },
};

/** What the configuration of a started server looks like from a client. */
const SHOWN = ['hz', 'maxmemory', 'save', 'requirepass', 'client-output-buffer-limit', 'latency-tracking-info-percentiles'];

interface Outcome {
  code: number | null;
  /** Refused: the reason printed; started: the CONFIG GET answers. */
  text: string;
  /** Refused: Redis's `>>> '<line>'` line, our whole `keystonelight: ...` line. */
  where?: string;
}

/**
 * A free port in 18600-18699: away from 6379 and from the ephemeral ports freePort() hands out, so
 * a server started with an odd command line never meets another test's.
 */
let nextPort = 18600 + (process.pid % 100);
async function reservedPort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = 18600 + (nextPort++ % 100);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 18600-18699');
}

/** Runs `cmd` until it exits (refused) or is ready (started: asked, then killed). */
async function outcome(cmd: string, before: string[], c: Case): Promise<Outcome> {
  const port = await reservedPort();
  const dir = tempDir('ks-argv-');
  const start = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const args = [...before, ...(c.first ?? []), ...start, ...c.args.map((a) => (a === PORT ? String(port) : a))];
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString('latin1')));
  const exited = new Promise<number | null>((resolve) => proc.once('close', resolve));
  try {
    if (!(await readyOrExited(proc, () => out))) {
      const code = await exited;
      const printed = err === '' ? out : err;
      return { code, text: lastLine(printed), where: /^(>>> .*|keystonelight: .*)$/m.exec(printed)?.[1] };
    }
    return { code: null, text: await shown(port, c.auth) };
  } finally {
    proc.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True once the server logs that it is ready, false if it exits first. */
async function readyOrExited(proc: ChildProcess, out: () => string, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (proc.exitCode === null && proc.signalCode === null) {
    if (/Ready to accept connections/.test(out())) return true;
    if (Date.now() > deadline) throw new Error(`neither ready nor exited: ${out()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** The last line printed, without a log line's "pid:C date # " or our "keystonelight: ". */
function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return (lines.at(-1) ?? '').replace(/^\d+:[A-Z] .*? [.\-*#] /, '').replace(/^keystonelight: /, '');
}

async function shown(port: number, auth?: string): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    const replies = auth === undefined ? [] : [await c.call('AUTH', auth)];
    for (const name of SHOWN) replies.push(await c.call('CONFIG', 'GET', name));
    return replies.join('');
  } finally {
    c.close();
  }
}

for (const [name, c] of Object.entries(CASES)) {
  test.serial(`command line as redis-server reads it: ${name}`, async (t) => {
    if (!needBinary(t, 'redis-server')) return;
    const [redis, ours] = await Promise.all([outcome('redis-server', [], c), outcome(process.execPath, [BUNDLE], c)]);
    t.is(ours.code, redis.code, `exit status (null: started); Redis: ${redis.text}; ours: ${ours.text}`);
    if (redis.code === null) t.is(ours.text, redis.text, 'CONFIG GET answers');
    else t.true(ours.text === redis.text || ours.text.endsWith(`: ${redis.text}`), `Redis's reason "${redis.text}"; ours "${ours.text}"`);
    // A refused command line names the line Redis names (`>>> 'port "6379" "6380"'`), as Redis made it.
    if (redis.code !== null && redis.where?.startsWith('>>> ')) t.is(ours.where, `keystonelight: command line: ${redis.where.slice(4)}: ${redis.text}`);
  });
}

test.serial('a missing config file is named by its absolute path, with strerror\'s text, as redis-server', async (t) => {
  if (!needBinary(t, 'redis-server')) return;
  const c: Case = { first: [join(tempDir('ks-argv-'), 'nope.conf')], args: [] };
  const [redis, ours] = await Promise.all([outcome('redis-server', [], c), outcome(process.execPath, [BUNDLE], c)]);
  t.is(redis.code, 1);
  t.is(ours.code, 1);
  t.regex(redis.text, /^Fatal error, can't open config file '\/.*nope\.conf': No such file or directory$/);
  t.is(ours.text, redis.text);
});
