// `npm test`'s last step: ava with TMPDIR set to a directory of this run, removed when it ends.
// The tests make thousands of temporary directories (each server's data directory, AOF files, config
// files, some holding 256 MB bitmaps); left in /tmp, repeated runs filled a development machine's
// disk (73 GB over a day of runs, then ENOSPC mid-suite). Arguments are passed on to ava.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = mkdtempSync(join(tmpdir(), 'keystonelight-tests-'));
const cli = fileURLToPath(new URL('../node_modules/ava/entrypoints/cli.mjs', import.meta.url));
let status = 1;
try {
  const r = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, TMPDIR: root } });
  status = r.status ?? 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
process.exit(status);
