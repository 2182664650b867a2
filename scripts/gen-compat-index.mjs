// Prints the "every Redis 7.0 command" index of redis-compat.md: each command of the groups we
// cover, from the Redis 7.0 metadata we record, marked with whether our command table has it.
// Usage: node build.mjs && node scripts/gen-compat-index.mjs
import { readFileSync } from 'node:fs';
import { startServer } from '../dist/index.js';
import Redis from 'ioredis';

const meta = JSON.parse(readFileSync(new URL('../src/commands/meta/redis-7.0.json', import.meta.url), 'utf8')).commands;
const server = await startServer({ port: 0 });
const r = new Redis({ port: server.port, lazyConnect: true });
await r.connect();
const ours = new Set((await r.call('COMMAND', 'LIST')).map((n) => n.toLowerCase()));
const subs = new Map();
for (const info of await r.call('COMMAND', 'INFO', ...ours)) {
  if (info && Array.isArray(info[9])) subs.set(info[0], new Set(info[9].map((s) => s[0])));
}
r.disconnect();
await server.close();

const groups = new Map();
for (const [name, c] of Object.entries(meta)) {
  const g = c.docs.group;
  if (!groups.has(g)) groups.set(g, []);
  const sub = c.subcommands ? Object.keys(c.subcommands).sort() : [];
  groups.get(g).push({ name, sub });
}
for (const [g, list] of [...groups].sort()) {
  console.log(`\n### ${g}\n`);
  const have = [];
  const missing = [];
  for (const { name, sub } of list.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!ours.has(name)) {
      missing.push(name.toUpperCase());
      continue;
    }
    const got = subs.get(name) ?? new Set();
    const lack = sub.filter((s) => !got.has(s)).map((s) => s.split('|')[1].toUpperCase());
    have.push(lack.length ? `${name.toUpperCase()} (not: ${lack.join(', ')})` : name.toUpperCase());
  }
  console.log(`- Implemented: ${have.length ? have.join(', ') : 'none'}`);
  console.log(`- Not supported: ${missing.length ? missing.join(', ') : 'none'}`);
}
