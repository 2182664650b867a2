// Differential cases for the hardening options (src/server/limits.ts, src/config-obuf.ts):
// client-output-buffer-limit's CONFIG GET / SET syntax and errors, protected-mode and timeout
// settings. Every case sets what it changed back to Redis's default.

import type { DiffCase } from './types.js';

const OBUF = 'client-output-buffer-limit';
const DEFAULT = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

/** Sets the option, reads it back, restores the default. */
const obuf = (name: string, value: string): DiffCase => ({
  name: `CONFIG SET ${OBUF}: ${name}`,
  cmds: [['CONFIG', 'SET', OBUF, value], ['CONFIG', 'GET', OBUF], ['CONFIG', 'SET', OBUF, DEFAULT]],
});

export const cases: DiffCase[] = [
  { name: `CONFIG GET ${OBUF}`, cmds: [['CONFIG', 'GET', OBUF]] },
  { name: 'CONFIG GET client-output-*', cmds: [['CONFIG', 'GET', 'client-output-*']] },
  obuf('one class keeps the others', 'normal 1mb 512kb 10'),
  obuf('replica and slave name one class', 'replica 1 2 3 slave 4 5 6'),
  obuf('class names in any case, units', 'NORMAL 1K 2KB 3 PubSub 1gb 1g 0'),
  obuf('the last group of a class wins', 'normal 1 2 3 normal 4 5 6'),
  obuf('an empty value changes nothing', ''),
  obuf('soft seconds: leading zeros and sign (strtoll)', 'normal 1 2 03 pubsub 1 2 +4'),
  obuf('soft seconds keep the low 32 bits (a C int)', 'normal 1 2 4294967297'),
  obuf('a hard limit too large saturates', 'normal 99999999999999999999 2 3'),
  obuf('a limit times its unit wraps modulo 2^64 (memtoull)', 'normal 17179869184gb 17179869185gb 1 pubsub 99999999999999999999kb 0 0'),
  obuf('wrong number of words', 'normal 1 2'),
  obuf('two spaces make an empty word', 'normal  1 2 3'),
  obuf('unknown class', 'foo 1 2 3'),
  obuf('master has no limits of its own', 'master 1 2 3'),
  obuf('a bad group refuses the whole value', 'normal 1 2 3 foo 1 2 3'),
  obuf('bad hard limit', 'normal x 2 3'),
  obuf('negative soft limit', 'normal 1 -2 3'),
  obuf('negative soft seconds', 'normal 1 2 -1'),
  obuf('soft seconds not an integer', 'normal 1 2 3.5'),
  obuf('soft seconds over a C int', 'normal 1 2 2147483648'),
  { name: 'CONFIG SET protected-mode and back', cmds: [['CONFIG', 'SET', 'protected-mode', 'NO'], ['CONFIG', 'GET', 'protected-mode'], ['CONFIG', 'SET', 'protected-mode', 'yes']] },
  { name: 'CONFIG SET timeout and back', cmds: [['CONFIG', 'SET', 'timeout', '1'], ['CONFIG', 'GET', 'timeout'], ['CONFIG', 'SET', 'timeout', '0']] },
];
