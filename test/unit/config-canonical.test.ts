// Values in canonical form that are not valid input (save's changes wrap as a C int), and a value
// read whole where Redis reads it whole (maxmemory-clients' percent form): as redis-server 7.0.15
// (each checked by hand against a real 7.0.15), at start as with CONFIG SET.

import test from 'ava';
import { applyOptions, Config, ConfigError, findOption, normalize } from '../../src/config.js';
import { parseArgs, parseConfigFile } from '../../src/config-file.js';

// `redis-server --save "5 2147483648"` starts and CONFIG GET save shows "5 -2147483648" (the
// changes are a C int). Read again as input, that canonical value is refused: the start failed with
// "bad option 'save' (value '5 -2147483648'): Invalid save parameters" (a value the user never typed).
test('save with changes past a C int starts from the command line, as Redis', (t) => {
  const c = new Config();
  t.notThrows(() => applyOptions(c, parseArgs(['--save', '5 2147483648']).options));
  t.is(c.get('save'), '5 -2147483648');
});

test('save with changes past a C int starts from the config file, as Redis', (t) => {
  const c = new Config();
  t.notThrows(() => applyOptions(c, parseConfigFile('save 5 2147483648\n')));
  t.is(c.get('save'), '5 -2147483648');
});

test('save lines adding up, one with changes past a C int, as Redis', (t) => {
  const c = new Config();
  // The lines of a file (and the command line) add up in parseArgs.
  t.notThrows(() => applyOptions(c, parseArgs(['/x.conf'], () => 'save 5 2147483648\nsave 10 1\n').options));
  t.is(c.get('save'), '5 -2147483648 10 1');
});

// maxmemory-clients is MEMORY_CONFIG | PERCENT_CONFIG in Redis: memtoull reads a C string, but the
// percent branch reads the whole sds (value[sdslen-1] == '%'), so "10%\0" is not a valid value:
// Redis answers "argument must be a memory or percent value". Keystonelight cuts the value at the
// NUL first ("10%", valid) and answers its own "not supported" refusal instead of Redis's error.
test('maxmemory-clients "10%\\0" gets Redis\'s value error, not the unsupported refusal', (t) => {
  t.throws(() => normalize(findOption('maxmemory-clients')!, '10%\x00'), { instanceOf: ConfigError, message: 'argument must be a memory or percent value' });
});
