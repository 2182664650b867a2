// The lines a failed listen logs and fails with (errors.ts listenFailure), as Redis 7.0's
// listenToPort and anet.c write them. The live cases (a port in use, an unknown host, an address on
// no interface) are compared with redis-server in test/tools/cli.test.ts; these are the ones a test
// machine cannot produce (a kernel without IPv6).

import test from 'ava';
import { listenFailure, socketUnsupported } from '../../src/errors.js';

const errnoError = (code: string, errno: number, syscall: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${syscall} ${code}`), { code, errno, syscall });

test('no socket of the address family (IPv6 disabled): anet.c\'s "unable to bind socket" with the errno', (t) => {
  t.is(listenFailure('::1', 7379, errnoError('EAFNOSUPPORT', -97, 'listen')), 'Could not create server TCP listening socket ::1:7379: unable to bind socket, errno: 97');
});

test('bind() errors: "bind: <strerror>"; getaddrinfo errors: gai_strerror', (t) => {
  t.is(listenFailure('127.0.0.1', 7379, errnoError('EADDRINUSE', -98, 'listen')), 'Could not create server TCP listening socket 127.0.0.1:7379: bind: Address already in use');
  t.is(listenFailure('10.254.254.254', 7379, errnoError('EADDRNOTAVAIL', -99, 'listen')), 'Could not create server TCP listening socket 10.254.254.254:7379: bind: Cannot assign requested address');
  t.is(listenFailure('no.such.host', 7379, errnoError('ENOTFOUND', -3008, 'getaddrinfo')), 'Could not create server TCP listening socket no.such.host:7379: Name or service not known');
});

test('the other socket() errors listenToPort skips read as anet.c writes them; EPFNOSUPPORT, which Node names UNKNOWN, is one', (t) => {
  t.is(listenFailure('::1', 7379, errnoError('ESOCKTNOSUPPORT', -94, 'listen')), 'Could not create server TCP listening socket ::1:7379: unable to bind socket, errno: 94');
  t.is(listenFailure('::1', 7379, errnoError('EPROTONOSUPPORT', -93, 'listen')), 'Could not create server TCP listening socket ::1:7379: unable to bind socket, errno: 93');
  t.is(listenFailure('::1', 7379, errnoError('ENOPROTOOPT', -92, 'listen')), 'Could not create server TCP listening socket ::1:7379: setsockopt: Protocol not available');
  if (process.platform === 'linux') {
    t.true(socketUnsupported(errnoError('UNKNOWN', -96, 'listen')));
    t.is(listenFailure('::1', 7379, errnoError('UNKNOWN', -96, 'listen')), 'Could not create server TCP listening socket ::1:7379: unable to bind socket, errno: 96');
  }
  t.false(socketUnsupported(errnoError('EADDRNOTAVAIL', -99, 'listen')));
});
