// Debian binaries the tests use. A test that needs one skips loudly, naming the package, when it is
// missing; in CI (.ci/run installs them) a missing binary fails the test instead of skipping.

import { execFileSync } from 'node:child_process';
import type { ExecutionContext } from 'ava';

const PACKAGES: Record<string, string> = {
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  'redis-benchmark': 'redis-tools',
  'redis-check-aof': 'redis-tools',
  nutcracker: 'nutcracker',
  'systemd-analyze': 'systemd',
  stdbuf: 'coreutils',
  'prometheus-redis-exporter': 'prometheus-redis-exporter',
  prlimit: 'util-linux',
  setpriv: 'util-linux',
};

// Debian installs some of them (nutcracker) in /usr/sbin, which a normal user's PATH leaves out:
// the tests, and the processes they start, look there too.
for (const dir of ['/usr/sbin', '/sbin']) {
  if (!(process.env.PATH ?? '').split(':').includes(dir)) process.env.PATH = `${process.env.PATH ?? ''}:${dir}`;
}

const cache = new Map<string, boolean>();

export function hasBinary(bin: string): boolean {
  let ok = cache.get(bin);
  if (ok === undefined) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
      ok = true;
    } catch {
      ok = false;
    }
    cache.set(bin, ok);
  }
  return ok;
}

/** Message for a missing binary, naming the Debian package. */
export function missing(bin: string): string {
  return `SKIPPED: '${bin}' not found — install the Debian package '${PACKAGES[bin] ?? bin}' (apt-get install ${PACKAGES[bin] ?? bin})`;
}

/**
 * Returns true if `bin` exists. Otherwise: in CI fails the test; elsewhere logs a loud skip
 * message and passes the test (ava has no run-time skip), returning false so the test returns.
 */
export function needBinary(t: ExecutionContext, bin: string): boolean {
  if (hasBinary(bin)) return true;
  if (process.env.CI) {
    t.fail(`${bin} is required in CI: ${missing(bin)}`);
  } else {
    console.warn(missing(bin));
    t.log(missing(bin));
    t.pass();
  }
  return false;
}

/**
 * Returns true when the tests run as root (to act as another user, with setpriv). Otherwise as
 * needBinary: fails the test in CI (.ci/run runs as root), elsewhere skips loudly.
 */
export function needRoot(t: ExecutionContext): boolean {
  if (process.getuid?.() === 0) return true;
  const why = 'SKIPPED: needs to run as root (it acts as another user with setpriv)';
  if (process.env.CI) {
    t.fail(`root is required in CI: ${why}`);
  } else {
    console.warn(why);
    t.log(why);
    t.pass();
  }
  return false;
}
