// kill -9 of the real process under a concurrent write load, at random moments: after a restart
// every acknowledged write is there and nothing was invented. With appendfsync always this is the
// durability promise; with everysec it holds too for a process kill (every reply follows the
// write() of its data, so the data is in the OS page cache) — only a machine crash could lose the
// last second — and the file must always load (a torn last command is cut off).

import test from 'ava';
import { startBundle, type ServerProcess } from '../helpers/bundle.js';
import { loadDir, WriteLoad } from '../helpers/aof.js';

/** Runs `n` trials, `parallel` at a time. */
async function trials(n: number, parallel: number, trial: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await trial(next++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function killUnderLoad(policy: string, killAfterMs: number): Promise<{ problems: string[]; acked: number; output: string }> {
  const sp = await startBundle(['--appendfsync', policy, '--loglevel', 'warning']);
  try {
    return await killAndCheck(sp, killAfterMs);
  } finally {
    await sp.stop('SIGKILL');
  }
}

async function killAndCheck(sp: ServerProcess, killAfterMs: number): Promise<{ problems: string[]; acked: number; output: string }> {
  const load = new WriteLoad(sp.port, 4);
  await new Promise((r) => setTimeout(r, killAfterMs));
  await sp.stop('SIGKILL');
  await load.stop();
  const d = await loadDir(sp.dir);
  return { problems: load.check(d), acked: load.acked.size, output: sp.output() };
}

for (const [policy, n] of [['always', 20], ['everysec', 6]] as const) {
  test(`kill -9 at random moments under write load (appendfsync ${policy}, ${n} trials): every acknowledged write survives`, async (t) => {
    let total = 0;
    await trials(n, 3, async (i) => {
      const at = 30 + Math.floor(Math.random() * 400);
      const r = await killUnderLoad(policy, at);
      total += r.acked;
      t.deepEqual(r.problems.slice(0, 5), [], `trial ${i} killed after ${at} ms: ${r.output.slice(-500)}`);
    });
    t.true(total > n * 10, `writes were acknowledged before the kills (${total})`);
    t.log(`${n} trials, ${total} acknowledged writes checked`);
  });
}
