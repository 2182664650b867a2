// Compaction of the real process: SIGHUP and SIGUSR1 each shrink a file holding 10,000 overwrites
// of 100 keys to the size of 100 SETs, with the data unchanged and the server answering all along;
// automatic rewrites by auto-aof-rewrite-percentage / auto-aof-rewrite-min-size.

import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startBundle } from '../helpers/bundle.js';
import { aofBytes, aofFiles, aofSize, dumpWire, loadDir, waitFor } from '../helpers/aof.js';
import { RawClient } from '../helpers/raw.js';
import { encodeArgs } from '../helpers/resp.js';

async function overwrite(port: number, total: number, keys: number): Promise<Map<string, string>> {
  const c = await RawClient.connect(port);
  const last = new Map<string, string>();
  for (let i = 0; i < total; i += 500) {
    const cmds: Buffer[] = [];
    for (let j = i; j < i + 500; j++) {
      last.set(`key:${j % keys}`, `value-${j}`);
      cmds.push(encodeArgs(['SET', `key:${j % keys}`, `value-${j}`]));
    }
    c.write(Buffer.concat(cmds));
    for (let j = 0; j < 500; j++) await c.read();
  }
  c.close();
  return last;
}

for (const signal of ['SIGHUP', 'SIGUSR1'] as const) {
  test(`${signal} compacts 10,000 overwrites of 100 keys to 100 SETs, answering throughout`, async (t) => {
    const sp = await startBundle(['--loglevel', 'notice', '--auto-aof-rewrite-percentage', '0']);
    t.teardown(() => void sp.stop('SIGKILL'));
    const last = await overwrite(sp.port, 10_000, 100);
    const before = aofSize(sp.dir);
    const data = await dumpWire(sp.port, 1);
    // A client pinging all along: every PING is answered while the rewrite runs.
    const pinger = await RawClient.connect(sp.port);
    let pongs = 0;
    let pinging = true;
    const pings = (async () => {
      while (pinging) {
        t.is(await pinger.call('PING'), '+PONG\r\n');
        pongs++;
      }
    })();
    sp.proc.kill(signal);
    const expected = aofBytes(['SELECT', '0'], ...[...last].map(([k, v]) => ['SET', k, v])).length;
    await waitFor(() => /Background AOF rewrite finished successfully/.test(sp.output()), 15_000, 'the rewrite').catch(() => {});
    pinging = false;
    await pings;
    pinger.close();
    t.regex(sp.output(), new RegExp(`Received ${signal}, rewriting the append only file`));
    const after = aofSize(sp.dir);
    t.log(`${before} bytes -> ${after} bytes (100 SETs: ${expected}), ${pongs} PINGs answered meanwhile`);
    t.is(after, expected);
    // The 100 SETs are the new base file; the incr file started by the rewrite is still empty (PINGs log nothing).
    const files = aofFiles(sp.dir);
    t.deepEqual(files.map((f) => basename(f)), ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof']);
    const base = readFileSync(files[0]);
    t.is(base.length, expected);
    t.true(base.subarray(0, aofBytes(['SELECT', '0']).length).equals(aofBytes(['SELECT', '0'])), 'the base starts with SELECT 0');
    for (const [k, v] of last) t.true(base.includes(aofBytes(['SET', k, v])), `the base sets ${k} to ${v}`);
    // The replaced files (base 1, incr 1) are deleted as history, and no temp file is left.
    const listing = (): string[] => [...readdirSync(join(sp.dir, 'appendonlydir')), ...readdirSync(sp.dir).filter((f) => f.startsWith('temp-'))].sort();
    const final = ['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest'];
    await waitFor(() => listing().join() === final.join(), 5_000, 'the history files to be removed').catch(() => {});
    t.deepEqual(listing(), final);
    t.true(pongs > 0);
    t.deepEqual(await dumpWire(sp.port, 1), data, 'data unchanged in memory');
    t.deepEqual(await loadDir(sp.dir), data, 'and in the file');
    t.is(await sp.stop(), 0);
  });
}

test('automatic rewrite when the file doubles past auto-aof-rewrite-min-size', async (t) => {
  const sp = await startBundle(['--loglevel', 'notice', '--auto-aof-rewrite-min-size', '64kb', '--auto-aof-rewrite-percentage', '100']);
  t.teardown(() => void sp.stop('SIGKILL'));
  await overwrite(sp.port, 6_000, 50);
  // 6,000 overwrites are ~210 kB of AOF: automatic rewrites must compact it to a base of one SET
  // a key, and once the last one finished none may be due: the file is at most the minimum size or
  // has not doubled since that rewrite's end. (Not "under twice the minimum": the base size counts
  // what was written while the rewrite ran, which a loaded machine makes long.)
  const c = await RawClient.connect(sp.port);
  t.teardown(() => c.close());
  const count = (re: RegExp): number => sp.output().split(re).length - 1;
  const field = (info: string, name: string): number => Number(new RegExp(`\r\n${name}:(\\d+)\r\n`).exec(info)?.[1]);
  let state = '';
  const settled = async (): Promise<boolean> => {
    const info = await c.call('INFO', 'persistence');
    const [size, base] = [field(info, 'aof_current_size'), field(info, 'aof_base_size')];
    state = `${size} bytes, ${base} at the last rewrite's end, ${aofSize(sp.dir)} on disk`;
    const due = size > 64 * 1024 && size >= 2 * base;
    return count(/rewriting started/) === count(/rewrite finished successfully/) && !/aof_rewrite_in_progress:1/.test(info) && !due;
  };
  // Generous: on a loaded machine the last rewrite can take seconds to finish (a 10 s bound flaked once).
  await waitFor(settled, 30_000).catch(() => {});
  t.regex(sp.output(), /Starting automatic rewriting of AOF on \d+% growth/);
  t.true(await settled(), state);
  const baseFile = aofFiles(sp.dir)[0];
  const oneSetAKey = aofBytes(['SELECT', '0'], ...Array.from({ length: 50 }, (_, i) => ['SET', `key:${i}`, 'value-5999'])).length;
  t.true(baseFile.endsWith('.base.aof') && statSync(baseFile).size <= oneSetAKey, `the base holds one SET a key: ${statSync(baseFile).size} bytes`);
  const data = await dumpWire(sp.port, 1);
  t.is(Object.keys(data).length, 50);
  t.deepEqual(await loadDir(sp.dir), data);
  t.is(await sp.stop(), 0);
});

test('after a restart aof_base_size is the base file alone, as Redis 7.0: the incr files count as growth for auto-rewrite', async (t) => {
  // redis-server 7.0.15, seen: restarted on a base of 68,098,109 bytes and an incr file of
  // 57,531,623, INFO says aof_base_size:68098109 (loadAppendOnlyFiles sets aof_rewrite_base_size to
  // the base file's size), so a restart with an incr file bigger than its base starts an automatic
  // rewrite at once. We said the whole size (125,629,732): no rewrite until it doubled again.
  const sp = await startBundle(['--loglevel', 'notice', '--auto-aof-rewrite-percentage', '0']);
  t.teardown(() => void sp.stop('SIGKILL'));
  await overwrite(sp.port, 100, 100);
  const c = await RawClient.connect(sp.port);
  t.is(await c.call('BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
  await waitFor(async () => /\r\naof_rewrite_in_progress:0\r\n/.test(await c.call('INFO', 'persistence')), 30_000, 'the rewrite');
  c.close();
  await overwrite(sp.port, 400, 100); // the incr file: four times the base
  t.is(await sp.stop(), 0);
  const [baseFile, incrFile] = aofFiles(sp.dir);
  t.true(baseFile.endsWith('.base.aof') && incrFile.endsWith('.incr.aof'), aofFiles(sp.dir).join(' '));
  const [baseSize, incrSize] = [statSync(baseFile).size, statSync(incrFile).size];
  t.true(incrSize > 2 * baseSize, `${incrSize} bytes of incr, ${baseSize} of base`);

  const again = await startBundle(['--loglevel', 'notice', '--auto-aof-rewrite-percentage', '0'], { dir: sp.dir });
  t.teardown(() => void again.stop('SIGKILL'));
  const c2 = await RawClient.connect(again.port);
  const info = await c2.call('INFO', 'persistence');
  c2.close();
  t.true(info.includes(`\r\naof_current_size:${baseSize + incrSize}\r\n`), info);
  t.true(info.includes(`\r\naof_base_size:${baseSize}\r\n`), info);
  t.is(await again.stop(), 0);

  // With auto-rewrite on, that growth (over 100%) starts a rewrite right after the start.
  const third = await startBundle(['--loglevel', 'notice', '--auto-aof-rewrite-percentage', '100', '--auto-aof-rewrite-min-size', '1kb'], { dir: sp.dir });
  t.teardown(() => void third.stop('SIGKILL'));
  await waitFor(async () => /Starting automatic rewriting of AOF on \d+% growth/.test(third.output()), 10_000, 'the automatic rewrite').catch(() => {});
  t.regex(third.output(), /Starting automatic rewriting of AOF on \d+% growth/);
  t.is(await third.stop(), 0);
});
