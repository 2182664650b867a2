// Two "floor" servers for the -P 1 question: how much CPU does Node itself spend per request,
// before any Redis work? Both answer every command with +PONG (and CONFIG GET, which
// redis-benchmark sends first, with an empty array) and do nothing else.
//
//   streams  net.Socket 'data' events and socket.write(): the public API Keystonelight uses.
//   shared   net.Socket's `onread` option, every socket read into one shared buffer (an accepted
//            socket re-wrapped around its handle, as src/server/shared-read.ts): what
//            Keystonelight uses since 2026-11-26 (evening), no Buffer allocated per read.
//   handle   the TCP handle's own onread and writeBuffer() through process.binding('stream_wrap'):
//            what is left of Node once the stream machinery is bypassed (internal, deprecated API:
//            measured here, not used by the server).
//
// node bench/floor/servers.mjs <streams|shared|handle> <port>
import { Buffer } from 'node:buffer';
import net from 'node:net';
import process from 'node:process';

const [mode, port] = [process.argv[2], Number(process.argv[3])];
const PONG = Buffer.from('+PONG\r\n');

/** The reply to one read: +PONG per command, or *0 per command for redis-benchmark's CONFIG GETs. */
function reply(d) {
  let n = 0;
  for (let i = 0; i < d.length; i++) if (d[i] === 42) n++;
  if (n === 1 && d[8] !== 67 && d[9] !== 67) return PONG;
  const isConfig = Buffer.from(d.buffer, d.byteOffset, d.length).includes('CONFIG');
  return Buffer.from((isConfig ? '*0\r\n' : '+PONG\r\n').repeat(n));
}

function streams(s) {
  s.setNoDelay(true);
  s.on('data', (d) => s.write(reply(d)));
  s.on('error', () => s.destroy());
}

function handle(s) {
  const { streamBaseState, kReadBytesOrError, kArrayBufferOffset, WriteWrap } = process.binding('stream_wrap');
  const h = s._handle;
  h.onread = (ab) => {
    const nread = streamBaseState[kReadBytesOrError];
    if (nread <= 0) {
      if (nread < 0) s.destroy();
      return;
    }
    const req = new WriteWrap();
    req.handle = h;
    req.oncomplete = () => {};
    if (h.writeBuffer(req, reply(new Uint8Array(ab, streamBaseState[kArrayBufferOffset], nread))) !== 0) s.destroy();
  };
  h.readStart();
}

const SHARED = Buffer.allocUnsafe(64 * 1024);

function shared(accepted) {
  const h = accepted._handle;
  accepted._handle = null;
  const s = new net.Socket({ handle: h, readable: true, writable: true, onread: { buffer: SHARED, callback: (n, b) => void s.write(reply(b.subarray(0, n))) } });
  s.on('error', () => s.destroy());
}

const modes = { streams, shared, handle };
net.createServer({ pauseOnConnect: mode !== 'streams', noDelay: true }, modes[mode])
  .listen(port, '127.0.0.1');
