// Differential cases for ACL and MODULE: Keystonelight's one user, `default`, against a
// redis-server whose only user is the default one, configured by requirepass alone (or not at
// all), and no module loaded. `cases` run on servers without requirepass; `requirepassCases` with
// requirepass REQUIREPASS (authenticated first; HELLO 3 AUTH for RESP3); `moduleCommandCases` with
// enable-module-command yes, so that MODULE LOAD gets as far as its load error.
//
// ACL CAT <category> is compared by test/diff/acl.test.ts (Redis lists commands we do not have).

import { HELLO_ID, REQUIREPASS, type DiffCase, type DiffMask } from './types.js';

/** Every HELLO reply carries the connection id, which differs between the servers: mask it. */
function c(name: string, cmds: string[][], extra: Partial<DiffCase> = {}): DiffCase {
  const mask = cmds.flatMap((args, i) => (args[0].toLowerCase() === 'hello' ? [{ cmd: i, pattern: HELLO_ID }] : []));
  return { name, cmds, ...(mask.length > 0 ? { mask } : {}), ...extra };
}

const w = (line: string): string[] => line.split(' ');
/** GENPASS's random hex digits (the length, in the bulk header, is still compared). */
const HEX: RegExp = /(?<=\r\n)[0-9a-f]+(?=\r\n$)/;
const hexMask = (n: number): DiffMask[] => Array.from({ length: n }, (_, i) => ({ cmd: i, pattern: HEX }));

/**
 * ACL LOG entries: the age (a double, `0.001`...) and the client-info line's sizes, address and
 * ages vary; its flags= and cmd= are compared.
 */
const logMask = (n: number): DiffMask[] => Array.from({ length: n }, (_, i) => [
  { cmd: i, pattern: /(?<=age-seconds\r\n)(\$\d+\r\n|,)[0-9.e-]+\r\n/, with: '<age>\r\n' },
  { cmd: i, pattern: /\$\d+\r\nid=[^\r]* flags=(\S+) [^\r]* cmd=(\S+) [^\r]*\r\n/, with: '<client flags=$1 cmd=$2>\r\n' },
]).flat();

const readOnly: DiffCase[] = [
  c('ACL WHOAMI, USERS, LIST', [w('ACL WHOAMI'), w('ACL USERS'), w('ACL LIST'), w('acl whoami')]),
  c('ACL GETUSER default (a map in RESP3, flags a set)', [w('ACL GETUSER default')]),
  c('ACL GETUSER of a missing user is null; names are exact bytes', [w('ACL GETUSER nobody'), w('ACL GETUSER Default'), ['ACL', 'GETUSER', 'default\0x'], ['ACL', 'GETUSER', '']]),
  c('ACL arity errors', [w('ACL'), w('ACL WHOAMI x'), w('ACL USERS x'), w('ACL LIST x'), w('ACL GETUSER'), w('ACL GETUSER a b'), w('ACL HELP x'), w('ACL DRYRUN default'), w('ACL SETUSER'), w('ACL DELUSER')]),
  c('ACL unknown subcommand', [w('ACL foo'), w('ACL foo bar'), ['ACL', 'who\0ami']]),
  c('ACL HELP', [w('ACL HELP'), w('acl help')]),
  c('ACL CAT lists the categories', [w('ACL CAT')]),
  c('ACL CAT errors', [w('ACL CAT foo'), w('ACL CAT @read'), w('ACL CAT a b'), ['ACL', 'CAT', 'x'.repeat(300)], ['ACL', 'CAT', 'a\r\nb']]),
  c('ACL LOG with no failed AUTH is empty; RESET is OK', [w('ACL LOG'), w('ACL LOG 5'), w('ACL LOG 0'), w('ACL LOG -1'), w('ACL LOG RESET'), w('acl log reset'), w('ACL LOG')]),
  // As Redis's ACLAuthenticateUser: every failed AUTH or HELLO AUTH is an "auth" entry, even with
  // no requirepass (a user that does not exist); alike ones are counted in one; newest first.
  c('ACL LOG records failed AUTH and HELLO AUTH', [
    w('ACL LOG RESET'), w('auth bob x'), w('AUTH default x'), w('AUTH x'), w('HELLO 3 AUTH bob y'), w('HELLO 3 AUTH bob y'), w('AUTH bob x'),
    w('MULTI'), w('AUTH bob z'), w('EXEC'), w('ACL LOG'), w('ACL LOG 1'), w('ACL LOG 0'), w('ACL LOG -5'), ['ACL', 'LOG', 'reset\0x'], w('ACL LOG'),
  ], { mask: logMask(16) }),
  c('ACL LOG keeps acllog-max-len entries', [
    w('CONFIG SET acllog-max-len 2'), w('AUTH a x'), w('AUTH b x'), w('AUTH c x'), w('ACL LOG'), w('CONFIG SET acllog-max-len 0'), w('AUTH d x'),
    w('ACL LOG'), w('CONFIG SET acllog-max-len 128'), w('ACL LOG RESET'),
  ], { mask: logMask(10) }),
  c('ACL LOG errors', [w('ACL LOG x'), w('ACL LOG 1.5'), w('ACL LOG 99999999999999999999'), w('ACL LOG 1 2'), w('ACL LOG RESET x')]),
  c('ACL GENPASS lengths', [w('ACL GENPASS'), w('ACL GENPASS 1'), w('ACL GENPASS 4'), w('ACL GENPASS 5'), w('ACL GENPASS 9'), w('ACL GENPASS 4096'), w('ACL GENPASS 007')], { mask: hexMask(7) }),
  c('ACL GENPASS errors', [w('ACL GENPASS 0'), w('ACL GENPASS -1'), w('ACL GENPASS 4097'), w('ACL GENPASS x'), w('ACL GENPASS 1.5'), w('ACL GENPASS 99999999999999999999'), w('ACL GENPASS 1 2')]),
  c('ACL DRYRUN of existing commands', [w('ACL DRYRUN default get x'), w('ACL DRYRUN default SET k v'), w('ACL DRYRUN default CONFIG GET x'), w('ACL DRYRUN default acl whoami'), w('ACL DRYRUN default ping')]),
  c('ACL DRYRUN errors', [
    w('ACL DRYRUN nobody get x'), w('ACL DRYRUN Default get x'), w('ACL DRYRUN default nosuch'), w('ACL DRYRUN default config foo'),
    w('ACL DRYRUN default get'), w('ACL DRYRUN default get x y'), w('ACL DRYRUN default config'), w('ACL DRYRUN default config get'), w('ACL DRYRUN default acl'),
  ]),
  c('ACL DRYRUN does not run the command', [w('ACL DRYRUN default set k v'), w('EXISTS k')]),
  c('ACL DELUSER: the default user cannot be removed, no other exists', [w('ACL DELUSER default'), w('ACL DELUSER x default'), w('ACL DELUSER x y'), ['ACL', 'DELUSER', 'default\0x'], w('ACL USERS')]),
  c('ACL LOAD and SAVE: no ACL file', [w('ACL LOAD'), w('ACL SAVE'), w('ACL LOAD x'), w('ACL SAVE x')]),
  c('ACL in MULTI', [w('MULTI'), w('ACL WHOAMI'), w('ACL LIST'), w('EXEC')]),
];

const modules: DiffCase[] = [
  c('MODULE LIST is empty', [w('MODULE LIST'), w('module list')]),
  c('MODULE HELP', [w('MODULE HELP')]),
  c('MODULE errors', [w('MODULE'), w('MODULE foo'), w('MODULE LIST x'), w('MODULE HELP x'), w('MODULE LOAD'), w('MODULE UNLOAD'), w('MODULE UNLOAD a b')]),
  // enable-module-command is no, as Redis's default: refused before anything else.
  c('MODULE LOAD, LOADEX, UNLOAD refused by enable-module-command', [w('MODULE LOAD /nonexistent.so'), w('MODULE LOADEX /x CONFIG a b'), w('MODULE UNLOAD foo')]),
  c('MODULE LOAD refused in MULTI aborts it', [w('MULTI'), w('MODULE LOAD /nonexistent.so'), w('MODULE LIST'), w('EXEC')]),
];

export const cases: DiffCase[] = [...readOnly, ...modules];

const PW = REQUIREPASS;

export const requirepassCases: DiffCase[] = [
  c('ACL before AUTH is NOAUTH', [w('ACL WHOAMI'), w('ACL LIST'), w('MODULE LIST')]),
  // Redis's CMD_PROTECTED check comes before authentication.
  c('MODULE LOAD before AUTH: enable-module-command refuses first', [w('MODULE LOAD /x.so'), w('MODULE UNLOAD x'), w('MODULE HELP')]),
  c('ACL LIST and GETUSER show the password hash', [['AUTH', PW], w('ACL WHOAMI'), w('ACL USERS'), w('ACL LIST'), w('ACL GETUSER default')]),
  c('ACL in RESP3 with requirepass', [['HELLO', '3', 'AUTH', 'default', PW], w('ACL GETUSER default'), w('ACL LIST'), w('ACL GETUSER x'), w('MODULE LIST'), w('ACL LOG')]),
  c('ACL LOG records wrong passwords', [
    ['AUTH', PW], w('ACL LOG RESET'), w('AUTH wrong'), w('AUTH default wrong'), w('AUTH wrong'), ['AUTH', 'nobody', PW], w('ACL LOG'), w('ACL LOG RESET'),
  ], { mask: logMask(8) }),
  c('ACL DRYRUN with requirepass', [['AUTH', 'default', PW], w('ACL DRYRUN default get k'), w('ACL DRYRUN default auth x')]),
];

export const moduleCommandCases: DiffCase[] = [
  c('MODULE LOAD of a path that does not exist', [w('MODULE LOAD /nonexistent/module.so'), w('MODULE LOAD /nonexistent.so a b'), w('MODULE LOAD nothere.so')]),
  c('MODULE LOAD of a file without execute permission', [w('MODULE LOAD /etc/passwd')]),
  c('MODULE LOADEX argument errors and loads', [
    w('MODULE LOADEX /x.so'), w('MODULE LOADEX /x.so CONFIG a'), w('MODULE LOADEX /x.so CONFIG a b'), w('MODULE LOADEX /x.so foo'),
    w('MODULE LOADEX /x.so ARGS'), w('MODULE LOADEX /x.so CONFIG a b ARGS 1 2'), w('MODULE LOADEX /x.so args a CONFIG b'),
  ]),
  c('MODULE UNLOAD of a module not loaded', [w('MODULE UNLOAD foo'), w('MODULE LIST')]),
];
