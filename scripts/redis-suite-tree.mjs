// The Redis 7.0.15 source tree that scripts/redis-suite.mjs runs Redis's own tests from: found (env
// REDIS_SRC, else a copy cached under .out/redis-src), or fetched once from Debian's source package,
// then readied: its src/redis-server becomes a wrapper that starts Keystonelight's bundle, and its
// other tools link to the installed redis-tools (the suite runs src/redis-cli, src/redis-check-aof
// ...). Nothing is compiled: the tests are Tcl, only the server they start is ours.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REDIS_VERSION = '7.0.15';

/** Thrown for a problem the user has to fix; its message says how. */
export class SetupError extends Error {}

/** The version in a tree's src/version.h, or null when it is not a Redis source tree. */
function treeVersion(dir) {
  try {
    const m = /REDIS_VERSION "([^"]+)"/.exec(readFileSync(join(dir, 'src', 'version.h'), 'latin1'));
    return m === null || !existsSync(join(dir, 'runtest')) ? null : m[1];
  } catch {
    return null;
  }
}

function checkVersion(dir, where) {
  const v = treeVersion(dir);
  if (v === null) throw new SetupError(`${where} (${dir}) is not a Redis source tree (no src/version.h or runtest)`);
  if (v !== REDIS_VERSION) throw new SetupError(`${where} (${dir}) is Redis ${v}; the suite must be Redis ${REDIS_VERSION}'s, the version Keystonelight follows`);
  return dir;
}

/** True when some APT source (one-line or deb822 format) has an active deb-src entry. */
function hasDebSrc() {
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d')) {
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push(join('/etc/apt/sources.list.d', f));
    }
  } catch {
    // no directory
  }
  return files.some((f) => {
    try {
      return /^\s*(deb-src\s|Types:.*\bdeb-src\b)/m.test(readFileSync(f, 'utf8'));
    } catch {
      return false;
    }
  });
}

function debSrcHelp() {
  let codename = 'bookworm';
  try {
    codename = /^VERSION_CODENAME=(.+)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? codename;
  } catch {
    // keep the default
  }
  return [
    "apt-get source needs a 'deb-src' entry, and there is none. Add this file, then run `sudo apt-get update`:",
    '',
    '# /etc/apt/sources.list.d/debian-src.sources',
    'Types: deb-src',
    'URIs: http://deb.debian.org/debian',
    `Suites: ${codename} ${codename}-updates`,
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
    `(or the one-line form in /etc/apt/sources.list: deb-src http://deb.debian.org/debian ${codename} main)`,
    `Or point REDIS_SRC at an extracted redis-${REDIS_VERSION} tree (https://download.redis.io/releases/redis-${REDIS_VERSION}.tar.gz).`,
  ].join('\n');
}

/** Downloads Debian's redis source package into `cache` and extracts its upstream tarball. */
function fetchDebianSource(cache) {
  if (!hasDebSrc()) throw new SetupError(debSrcHelp());
  mkdirSync(cache, { recursive: true });
  console.log(`redis-suite: fetching Debian's redis source package into ${cache} (apt-get source --download-only redis)`);
  const r = spawnSync('apt-get', ['source', '--download-only', 'redis'], { cwd: cache, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  process.stderr.write(r.stderr ?? '');
  if (r.error !== undefined) throw new SetupError(`cannot run apt-get: ${r.error.message}`);
  if (r.status !== 0) throw new SetupError(/deb-src/.test(r.stderr ?? '') ? debSrcHelp() : `apt-get source failed (exit ${r.status})`);
  const tarballs = readdirSync(cache).filter((f) => /^redis_[^_]+\.orig\.tar\.\w+$/.test(f));
  const ours = tarballs.find((f) => f.startsWith(`redis_${REDIS_VERSION}.orig.`));
  if (ours === undefined) {
    throw new SetupError(`Debian's redis source is ${tarballs.join(', ') || 'missing'}, not ${REDIS_VERSION}: point REDIS_SRC at a redis-${REDIS_VERSION} tree`);
  }
  const x = spawnSync('tar', ['xf', ours], { cwd: cache, stdio: 'inherit' });
  if (x.status !== 0) throw new SetupError(`tar xf ${ours} failed`);
}

/** The source tree to run: REDIS_SRC, the cached copy, or a fresh download (in that order). */
export function findTree(repoRoot) {
  if (process.env.REDIS_SRC) return checkVersion(resolve(process.env.REDIS_SRC), 'REDIS_SRC');
  const cache = join(repoRoot, '.out', 'redis-src');
  const cached = join(cache, `redis-${REDIS_VERSION}`);
  if (treeVersion(cached) === null) fetchDebianSource(cache);
  return checkVersion(cached, 'the cached copy');
}

/**
 * Directives dropped from the suite's config files, for features Keystonelight lacks and refuses
 * at start: keyspace notifications (pub/sub), an ACL file and ACL users (unit/acl's servers; their
 * tests are skipped by name, but a server refused at start made the suite wait two minutes for each).
 */
const DROPPED_DIRECTIVES = ['notify-keyspace-events', 'aclfile', 'user'];

/**
 * The wrapper filters the config file in place: CONFIG REWRITE writes the file the server was
 * started with, and the suite's restart_server starts again from its own file, so a filtered copy
 * lost every rewrite ("CONFIG REWRITE handles alias config properly").
 */
function wrapperScript(bundle) {
  return `#!/bin/bash
# Installed by Keystonelight's scripts/redis-suite.mjs (KS_BUNDLE marks it as ours). Redis's test
# suite starts "src/redis-server <config> [--opt val ...]": run Keystonelight's bundle instead, with
# ${DROPPED_DIRECTIVES.join(', ')} dropped from the config file, in place (why: DROPPED_DIRECTIVES there).
args=("$@")
if [ -f "\${args[0]}" ]; then
  filtered="\${args[0]}.ks"
  grep -v -E '^(${DROPPED_DIRECTIVES.join('|')})\\b' "\${args[0]}" > "$filtered"
  cat "$filtered" > "\${args[0]}"
  rm -f "$filtered"
fi
exec "\${KS_BUNDLE:-${bundle}}" "\${args[@]}"
`;
}

/** Replaces `path` if it is missing, a symlink, or (`ours`) a file `ours` recognises; refuses a real binary. */
function replaceable(path, ours) {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSymbolicLink() && !ours(path)) {
    throw new SetupError(`${path} is a real file (a built Redis tree?): use a clean copy of the source, whose src/ has no binaries`);
  }
  unlinkSync(path);
}

function which(tool) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir !== '' && existsSync(join(dir, tool))) return join(dir, tool);
  }
  return null;
}

/** Installs the src/redis-server wrapper (running `bundle`) and links src/redis-cli & co. to the real tools. */
export function readyTree(tree, bundle) {
  const server = join(tree, 'src', 'redis-server');
  replaceable(server, (p) => readFileSync(p, 'latin1').includes('KS_BUNDLE'));
  writeFileSync(server, wrapperScript(bundle));
  chmodSync(server, 0o755);
  for (const tool of ['redis-cli', 'redis-benchmark', 'redis-check-aof', 'redis-check-rdb']) {
    const real = which(tool);
    if (real === null) throw new SetupError(`${tool} is not installed: sudo apt-get install redis-tools (the suite runs Redis's own tools)`);
    const link = join(tree, 'src', tool);
    replaceable(link, () => false);
    symlinkSync(real, link);
  }
  if (which('tclsh8.6') === null && which('tclsh8.5') === null && which('tclsh8.7') === null) {
    throw new SetupError('Redis\'s test suite needs Tcl 8.5+: sudo apt-get install tcl');
  }
}
