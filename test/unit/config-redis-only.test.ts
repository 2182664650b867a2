// Redis's options accepted for redis.conf compatibility (src/config-redis-only.ts): the syntaxes of
// their own (octal, memory-or-percent, templates, replicaof, oom-score-adj-values), aliases, the
// refusal of values asking for a missing feature (config file, command line, library), Redis's
// directives that are not options, and CONFIG REWRITE of them. CONFIG GET / SET of every one is
// compared with redis-server in test/diff/.

import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOptions, Config, ConfigError, findOption, normalize, OPTIONS } from '../../src/config.js';
import { REDIS_ONLY_OPTIONS } from '../../src/config-redis-only.js';
import { parseArgs, parseConfigFile } from '../../src/config-file.js';
import { rewriteConfigFile } from '../../src/config-rewrite.js';

const reason = (name: string, value: string): string => {
  try {
    return `ok ${normalize(findOption(name)!, value)}`;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.message;
  }
};

/** Applies a config file's text as the server does at start; the error text, or 'ok'. */
const start = (text: string): string => {
  try {
    applyOptions(new Config(), parseConfigFile(text, undefined, 'redis.conf'));
    return 'ok';
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.message;
  }
};

test('the table: every name and alias once, each default valid', (t) => {
  const names = OPTIONS.flatMap((o) => [o.name, ...(o.alias ? [o.alias] : [])]);
  t.is(new Set(names).size, names.length);
  // Defaults are canonical (CONFIG REWRITE and the refusal of non-defaults compare with them);
  // replicaof's, no master, is the value of `replicaof no one`.
  for (const o of OPTIONS) t.is(o === findOption('replicaof') ? normalize(o, 'no one') : normalize(o, o.default), o.default, o.name);
  t.true(REDIS_ONLY_OPTIONS.every((o) => OPTIONS.includes(o)));
});

test('aliases: slave-* names reach the replica-* options', (t) => {
  const c = new Config({ 'slave-serve-stale-data': 'no', 'SLAVE-PRIORITY': '7', 'lua-time-limit': '100', 'cluster-slave-validity-factor': '3' });
  t.is(c.get('replica-serve-stale-data'), 'no');
  t.is(c.get('replica-priority'), '7');
  t.is(c.get('busy-reply-threshold'), '100');
  t.is(c.get('cluster-replica-validity-factor'), '3');
  t.is(findOption('slaveof'), findOption('replicaof'));
});

test('unixsocketperm: an octal number up to 777, shown in octal', (t) => {
  t.is(reason('unixsocketperm', '700'), 'ok 700');
  t.is(reason('unixsocketperm', '0777'), 'ok 777');
  t.is(reason('unixsocketperm', ' +17'), 'ok 17');
  t.is(reason('unixsocketperm', ''), 'ok 0');
  t.is(reason('unixsocketperm', '8'), "argument couldn't be parsed as an octal number");
  t.is(reason('unixsocketperm', '+'), "argument couldn't be parsed as an octal number");
  t.is(reason('unixsocketperm', '1000'), 'argument must be between 0 and 777 inclusive');
  t.is(reason('unixsocketperm', '-1'), 'argument must be between 0 and 777 inclusive');
});

test('maxmemory-clients: memory or percent; only 0 is accepted (no client eviction)', (t) => {
  t.is(reason('maxmemory-clients', '0'), 'ok 0');
  t.is(reason('maxmemory-clients', '0%'), 'ok 0');
  t.is(reason('maxmemory-clients', '0gb'), 'ok 0');
  t.is(reason('maxmemory-clients', 'x'), 'argument must be a memory or percent value');
  t.is(reason('maxmemory-clients', '101%'), 'percentage argument must be less or equal to 100');
  t.is(reason('maxmemory-clients', '5%'), 'client eviction (maxmemory-clients) is not supported by Keystonelight');
});

test('proc-title-template: known variables, {{, and something left once expanded', (t) => {
  t.is(reason('proc-title-template', '{title} {listen-addr} {server-mode}'), 'ok {title} {listen-addr} {server-mode}');
  t.is(reason('proc-title-template', '{{'), 'ok {{');
  t.is(reason('proc-title-template', 'a}'), 'ok a}');
  for (const bad of ['{title}', '{nope}', '{title', 'x{', '', '  {unixsocket} ']) {
    t.is(reason('proc-title-template', bad), 'template format is invalid or contains unknown variables', bad);
  }
});

test('replicaof: "no one" is the default, any master is refused; oom-score-adj-values: three numbers', (t) => {
  t.is(reason('replicaof', 'NO ONE'), 'ok ');
  t.is(reason('replicaof', 'x'), 'wrong number of arguments');
  t.is(reason('replicaof', 'h 65536'), 'Invalid master port');
  t.is(reason('replicaof', 'h 6379'), 'replication is not supported by Keystonelight');
  t.is(reason('oom-score-adj-values', '0 200 800'), 'ok 0 200 800');
  t.is(reason('oom-score-adj-values', '-1 +2 03'), 'ok -1 2 3');
  t.is(reason('oom-score-adj-values', '1 2'), 'wrong number of arguments');
  t.is(reason('oom-score-adj-values', '1 2 2001'), 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
});

test('a config file: defaults accepted, a value asking for a missing feature refused at its line', (t) => {
  t.is(start('replicaof no one\nnotify-keyspace-events ""\ntls-port 0\nunixsocket ""\noom-score-adj no\naclfile ""\n'), 'ok');
  t.is(start('port 7000\nreplicaof 10.0.0.1 6379\n'), "redis.conf, line 2: 'replicaof 10.0.0.1 6379': replication is not supported by Keystonelight");
  t.is(start('slaveof 10.0.0.1 6379\n'), "redis.conf, line 1: 'slaveof 10.0.0.1 6379': replication is not supported by Keystonelight");
  t.is(start('notify-keyspace-events Ex\n'), "redis.conf, line 1: 'notify-keyspace-events Ex': keyspace notifications (notify-keyspace-events) is not supported by Keystonelight");
  t.is(start('unixsocket /run/redis.sock\nunixsocketperm 700\n'), 'ok'); // supported now (server/listener.ts)
  t.is(start('tls-port 6380\n'), "redis.conf, line 1: 'tls-port 6380': TLS is not supported by Keystonelight");
  t.is(start('aclfile /etc/redis/users.acl\n'), "redis.conf, line 1: 'aclfile /etc/redis/users.acl': an ACL file (aclfile) is not supported by Keystonelight");
  t.is(start('supervised systemd\n'), "redis.conf, line 1: 'supervised systemd': supervision by upstart or systemd (supervised) is not supported by Keystonelight");
  t.is(start('replicaof\n'), "redis.conf, line 1: 'replicaof': wrong number of arguments");
  t.is(start('replicaof ""\n'), `redis.conf, line 1: 'replicaof ""': wrong number of arguments`);
  t.is(start('replicaof "h 1"\n'), `redis.conf, line 1: 'replicaof "h 1"': replication is not supported by Keystonelight`);
  // Options Redis 7.0 dropped but still reads (and ignores) with one value.
  t.is(start('list-max-ziplist-entries 512\nlist-max-ziplist-value 64\nlua-replicate-commands yes\n'), 'ok');
  t.is(start('lua-replicate-commands\n'), "redis.conf, line 1: 'lua-replicate-commands': Bad directive or wrong number of arguments");
  t.is(start('oom-score-adj-values 0 200\n'), "redis.conf, line 1: 'oom-score-adj-values 0 200': wrong number of arguments");
});

test("Redis's directives that are not options are refused with their reason", (t) => {
  t.is(start('user worker on >pw ~* +@all\n'), "redis.conf, line 1: 'user worker on >pw ~* +@all': ACL users (user) are not supported by Keystonelight");
  t.is(start('loadmodule /x/m.so a\n'), "redis.conf, line 1: 'loadmodule /x/m.so a': modules (loadmodule) are not supported by Keystonelight");
  t.is(start('mymod.opt 1\n'), "redis.conf, line 1: 'mymod.opt 1': module options (mymod.opt) are not supported by Keystonelight");
  t.is(start('sentinel monitor m 127.0.0.1 6379 2\n'), "redis.conf, line 1: 'sentinel monitor m 127.0.0.1 6379 2': Sentinel (sentinel) is not supported by Keystonelight");
  // A bare `sentinel` line, as Redis's (started as a server, not a Sentinel): ignored.
  t.is(start('sentinel\nport 7000\n'), 'ok');
  // Not at the argument counts Redis takes them at: a bad directive there too.
  t.is(start('rename-command CONFIG\n'), "redis.conf, line 1: 'rename-command CONFIG': Bad directive or wrong number of arguments");
  t.is(start('rename-command CONFIG x y\n'), "redis.conf, line 1: 'rename-command CONFIG x y': Bad directive or wrong number of arguments");
});

test('the command line and the library refuse them the same way', (t) => {
  const fromArgs = (argv: string[]): string => {
    try {
      applyOptions(new Config(), parseArgs(argv).options);
      return 'ok';
    } catch (e) {
      return (e as Error).message;
    }
  };
  t.is(fromArgs(['--replicaof', '127.0.0.1', '6379']), 'command line: \'replicaof "127.0.0.1" "6379"\': replication is not supported by Keystonelight');
  t.is(fromArgs(['--tls-replication', 'yes']), 'command line: \'tls-replication "yes"\': TLS is not supported by Keystonelight');
  // `--sentinel` asks redis-server for Sentinel mode (a bare line in a file does not).
  t.is(fromArgs(['--sentinel']), "command line: 'sentinel': Sentinel (sentinel) is not supported by Keystonelight");
  t.is(fromArgs(['--replicaof', 'no', 'one', '--tls-port', '0', '--rdbcompression', 'no']), 'ok');
  t.throws(() => new Config({ 'notify-keyspace-events': 'KEA' }), { instanceOf: ConfigError, message: 'keyspace notifications (notify-keyspace-events) is not supported by Keystonelight' });
});

test('CONFIG REWRITE keeps inert options and drops `replicaof no one`, as Redis', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ks-conf-'));
  const file = join(dir, 'redis.conf');
  writeFileSync(file, 'replicaof no one\nrdbcompression no\nunixsocketperm 0700\n');
  const c = new Config();
  applyOptions(c, parseConfigFile(readFileSync(file, 'latin1')));
  c.set('repl-backlog-size', '2mb');
  t.is(rewriteConfigFile(file, c), null);
  const text = readFileSync(file, 'latin1');
  // As redis-server 7.0.15 rewrites the same file (but for the order of what it appends): the
  // replicaof line becomes blank, unixsocketperm is written in octal without its leading 0.
  t.is(text, `\nrdbcompression no\nunixsocketperm 700\n\n# Generated by CONFIG REWRITE\ndir "${process.cwd()}/data"\nsave ""\nlatency-tracking-info-percentiles 50 99 99.9\nrepl-backlog-size 2mb\nuser default on nopass ~* &* +@all\n`);
  t.is(start(text.replace(/^dir .*$/m, '')), 'ok');
});
