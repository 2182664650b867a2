// The sample config (deploy/keystonelight.conf) and the systemd unit (deploy/systemd/*.service):
// the sample is accepted by the built server and CONFIG GET shows what it sets; it lists every
// option Keystonelight has (but Redis's ones accepted for redis.conf files, src/config-redis-only.ts), and each commented-out example is a valid value; the unit has what an
// operator relies on, agrees with the sample config, and passes `systemd-analyze verify`.

import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Config, OPTIONS, findOption, normalize } from '../../src/config.js';
import { parseConfigFile } from '../../src/config-file.js';
import { REDIS_ONLY_OPTIONS } from '../../src/config-redis-only.js';
import { hasBinary, missing } from '../helpers/bins.js';
import { BUNDLE, startBundle, tempDir } from '../helpers/bundle.js';
import { aofContent } from '../helpers/aof.js';

const run = promisify(execFile);
const SAMPLE = join(process.cwd(), 'deploy', 'keystonelight.conf');
const UNIT = join(process.cwd(), 'deploy', 'systemd', 'keystonelight.service');

/** The options the sample sets (canonical values), and its commented-out `# name value` examples. */
function readSample(): { set: Map<string, string>; examples: [string, string][] } {
  const text = readFileSync(SAMPLE, 'latin1');
  const set = new Map<string, string>();
  for (const [name, value] of parseConfigFile(text)) {
    const spec = findOption(name);
    if (spec === undefined) throw new Error(`the sample sets unknown option '${name}'`);
    const v = normalize(spec, value);
    // A line of client-output-buffer-limit sets its class only.
    set.set(spec.name, spec.merge ? spec.merge(set.get(spec.name) ?? spec.default, v) : v);
  }
  const examples: [string, string][] = [];
  for (const m of text.matchAll(/^# ([a-z-]+) (.+)$/gm)) if (findOption(m[1]) !== undefined) examples.push([m[1], m[2]]);
  return { set, examples };
}

/** The unit's `Key=value` settings (the last one wins, as in systemd, for the keys read here). */
function readUnit(): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of readFileSync(UNIT, 'utf8').matchAll(/^([A-Za-z]+)=(.*)$/gm)) out.set(m[1], m[2]);
  return out;
}

test('the sample config is accepted, and CONFIG GET shows what it sets (port and dir overridden)', async (t) => {
  const dir = tempDir('ks-conf-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sp = await startBundle([], { configFile: SAMPLE, dir });
  t.teardown(() => void sp.stop('SIGKILL'));
  const r = new Redis({ port: sp.port, host: '127.0.0.1', protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0 });
  t.teardown(() => r.disconnect());
  await r.connect();
  const flat = (await r.config('GET', '*')) as string[];
  const live = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) live.set(flat[i], flat[i + 1]);

  const { set } = readSample();
  const overridden = new Set(['port', 'bind', 'dir']);
  for (const [name, value] of set) {
    if (!overridden.has(name)) t.is(live.get(name), value, `CONFIG GET ${name}`);
  }
  t.is(live.get('port'), String(sp.port));
  t.is(live.get('dir'), dir);
  t.is(set.get('dir'), '/var/lib/keystonelight', 'the file itself names the service directory');
  // A few by hand, in the form CONFIG GET answers.
  t.deepEqual(await r.config('GET', 'appendonly'), ['appendonly', 'yes']);
  t.deepEqual(await r.config('GET', 'appendfsync'), ['appendfsync', 'everysec']);
  t.deepEqual(await r.config('GET', 'auto-aof-rewrite-min-size'), ['auto-aof-rewrite-min-size', '67108864']);
  t.deepEqual(await r.config('GET', 'maxclients'), ['maxclients', '10000']);
  t.deepEqual(await r.config('GET', 'stream-node-max-bytes'), ['stream-node-max-bytes', '4096']);
  t.is(await r.set('k', 'v'), 'OK');
  r.disconnect();
  t.is(await sp.stop('SIGTERM'), 0);
  t.true(aofContent(dir).toString('latin1').includes('$1\r\nk\r\n'), 'appendonly yes from the file');
});

test('the sample config names every option, and each commented-out example is valid', (t) => {
  const { set, examples } = readSample();
  const mentioned = new Set([...set.keys(), ...examples.map(([n]) => findOption(n)!.name)]);
  // Redis's options accepted only so that a redis.conf starts us are not listed (the sample says so).
  for (const spec of OPTIONS) if (!REDIS_ONLY_OPTIONS.includes(spec)) t.true(mentioned.has(spec.name), `deploy/keystonelight.conf mentions ${spec.name}`);
  t.true(examples.length >= 5, `${examples.length} examples`);
  for (const [name, value] of examples) {
    const [[, parsed]] = parseConfigFile(`${name} ${value}`);
    t.notThrows(() => new Config({ [name]: parsed }), `example '${name} ${value}'`);
  }
});

test('the systemd unit: what operators rely on, consistent with the sample config', (t) => {
  const unit = readUnit();
  const text = readFileSync(UNIT, 'utf8');
  const { set } = readSample();
  const pidfile = set.get('pidfile') || `${set.get('dir')}/keystonelight.pid`;
  t.is(unit.get('PIDFile'), pidfile, "PIDFile= is where the sample config's server writes it");
  t.is(unit.get('ExecStart'), 'keystonelight /etc/keystonelight/keystonelight.conf', 'the command, found in /usr/local/bin or /usr/bin, with the config file');
  t.is(unit.get('ExecReload'), '/bin/kill -HUP $MAINPID');
  t.regex(text, /compact the append-only file \(AOF rewrite\)/);
  t.is(unit.get('Restart'), 'on-failure');
  t.is(unit.get('NoNewPrivileges'), 'yes');
  t.is(unit.get('ProtectSystem'), 'strict');
  t.is(unit.get('ReadWritePaths'), set.get('dir'), 'the only writable path is the data directory');
  t.is(unit.get('PrivateTmp'), 'yes');
  t.is(unit.get('ProtectHome'), 'yes');
  t.truthy(unit.get('User'));
  t.not(unit.get('User'), 'root');
  t.is(set.get('daemonize'), 'no', 'the server stays in the foreground (Type=simple)');
  t.is(unit.get('Type'), 'simple');
});

test('the systemd unit passes systemd-analyze verify', async (t) => {
  if (!hasBinary('systemd-analyze')) {
    console.warn(missing('systemd-analyze'));
    t.log(missing('systemd-analyze'));
    t.pass();
    return;
  }
  // verify checks that ExecStart's program exists: point it at this build's bundle.
  const dir = tempDir('ks-unit-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'keystonelight.service');
  const text = readFileSync(UNIT, 'utf8').replace(/^ExecStart=\S+/m, `ExecStart=${BUNDLE}`);
  writeFileSync(copy, text);
  const { stdout, stderr } = await run('systemd-analyze', ['verify', copy]).catch((e: { stdout: string; stderr: string; message: string }) => {
    t.fail(e.message);
    return e;
  });
  // verify exits 0 after mere warnings (unknown keys, bad values): any line about our unit fails.
  const ours = `${stdout}${stderr}`.split('\n').filter((l) => l.includes('keystonelight'));
  t.deepEqual(ours, [], 'no warnings about the unit');
});
