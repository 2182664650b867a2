// The running total of the clients' buffers (src/server/client-memory.ts) and the keyspace's used
// memory that includes it, without a network.

import test from 'ava';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { STARTUP_BYTES } from '../../src/keyspace/memory.js';
import { BufferAccount, QUERY_ALLOWANCE, REPLY_ALLOWANCE } from '../../src/server/client-memory.js';

test('each client adds its buffers beyond the allowances to the keyspace used memory, and takes them out on release', (t) => {
  const ks = new Keyspace(1);
  const a = new BufferAccount(ks.outside);
  const b = new BufferAccount(ks.outside);
  a.update(QUERY_ALLOWANCE, REPLY_ALLOWANCE);
  t.is(ks.usedMemory, STARTUP_BYTES, 'what every Redis client holds anyway does not count');
  a.update(QUERY_ALLOWANCE + 1000, 0);
  b.update(0, REPLY_ALLOWANCE + 5000);
  t.is(ks.outside.bytes, 6000);
  t.is(ks.usedMemory, STARTUP_BYTES + 6000);
  a.update(QUERY_ALLOWANCE + 300, REPLY_ALLOWANCE + 200);
  t.is(ks.outside.bytes, 5500, 'a re-count replaces what the client added before');
  b.release();
  t.is(ks.outside.bytes, 500);
  b.update(0, 1 << 30);
  t.is(ks.outside.bytes, 500, 'a released client adds nothing more (a late write callback)');
  a.update(0, 0);
  t.is(ks.usedMemory, STARTUP_BYTES);
});

test('eviction counts the clients buffers: it frees keys for them, and fails when keys cannot cover them', (t) => {
  const ks = new Keyspace(1);
  ks.settings.setPolicy('allkeys-random');
  const db = ks.dbs[0];
  for (let i = 0; i < 10; i++) db.set(`k${i}`, 'v'.repeat(1000));
  const acct = new BufferAccount(ks.outside);
  ks.settings.maxmemory = ks.usedMemory;
  t.is(ks.performEvictions(), 'ok');
  t.is(db.size, 10);
  acct.update(QUERY_ALLOWANCE + 2500, 0);
  t.is(ks.performEvictions(), 'ok');
  t.is(db.size, 7, 'three keys of about 1 KB for 2.5 KB of buffers');
  acct.update(QUERY_ALLOWANCE + 100_000, 0);
  t.is(ks.performEvictions(), 'fail', 'every key went and the buffers alone are over the limit');
  t.is(db.size, 0);
});
