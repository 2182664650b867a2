// DEBUG PROTOCOL <type>: a sample reply of each RESP type, as Redis 7.0's debug.c writes them, for
// client libraries (and Redis's own test suite, unit/protocol) to test their parsers with. RESP3's
// attribute and push are sent ahead of a real reply, in the protocol the client speaks now.

import { cWord } from './args.js';
import type { Ctx } from './types.js';
import { encodeRaw } from '../protocol/encode-once.js';
import { BoolReply, DoubleReply, err, MapReply, PushedReply, RawReply, SetReply, VerbatimReply, type Reply } from '../protocol/reply.js';

const BIGNUM = '1234567999999999999999999999999999999';

/** A RESP3 out-of-band header (`|` attribute, `>` push) of `n` entries, then `replies`, as one reply's bytes. */
function withHeader(header: string, replies: Reply[], proto: number): RawReply {
  const body = encodeRaw(replies, proto, false).bytes;
  return new RawReply(Buffer.concat([Buffer.from(header, 'latin1'), body]));
}

/**
 * The push, then the real reply: as Redis, the push is written even when the client's replies are
 * off or skipped (CLIENT_PUSHING), the real reply only as any reply.
 */
function pushThenReply(): PushedReply {
  const push = withHeader('>2\r\n', ['server-cpu-usage', 42], 3).bytes;
  const real = encodeRaw(['Some real reply following the push reply'], 3, false).bytes;
  return new PushedReply(Buffer.concat([push, real]), push.length);
}

/** Redis addReplyBigNum: RESP3's big number, a bulk string in RESP2. */
const bignum = (proto: number): Reply => (proto === 3 ? new RawReply(Buffer.from(`(${BIGNUM}\r\n`, 'latin1')) : BIGNUM);

const TYPES: Record<string, (proto: number) => Reply> = {
  string: () => 'Hello World',
  integer: () => 12345,
  double: () => new DoubleReply('3.141'),
  bignum,
  null: () => null,
  array: () => [0, 1, 2],
  set: () => new SetReply([0, 1, 2]),
  map: () => new MapReply([0, new BoolReply(false), 1, new BoolReply(true), 2, new BoolReply(false)]),
  // An attribute is no reply of its own: RESP2 clients get the real one alone.
  attrib: (proto) => {
    const real = 'Some real reply following the attribute';
    return proto === 3 ? withHeader('|1\r\n', ['key-popularity', ['key:123', 90], real], proto) : real;
  },
  // The real reply after it lets a client that drops pushes read on, as Redis says.
  push: (proto) => (proto === 3 ? pushThenReply() : err('ERR RESP2 is not supported by this command')),
  verbatim: () => new VerbatimReply('This is a verbatim\nstring'),
  true: () => new BoolReply(true),
  false: () => new BoolReply(false),
};

/** DEBUG PROTOCOL <type>: the type's name compared as Redis's strcasecmp (cWord). */
export function debugProtocol(ctx: Ctx, args: string[]): Reply {
  const name = cWord(args[2]).toLowerCase();
  const make = Object.hasOwn(TYPES, name) ? TYPES[name] : undefined;
  if (make === undefined) {
    return err('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
  }
  return make(ctx.client.proto);
}
