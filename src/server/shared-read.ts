// Client sockets read into one shared buffer instead of a new Buffer per read.
//
// By default Node allocates a 64 KB backing store for every socket read, shrinks it to the bytes
// read and hands it to JavaScript as a new Buffer, which the GC frees later. net.Socket's `onread`
// option reads into a buffer of ours instead, and since every read is handled to the end before
// the next one starts, one buffer serves all clients: no allocation and no garbage per read.
// Measured on the floor servers of bench/floor (ping_mbulk -P 1, six alternating rounds): 9.7 µs
// of server CPU per request with 'data' events, 8.75 with `onread`; Keystonelight itself went from
// 10.57 to 9.85 µs (-P 1) and from 0.92 to 0.82 (get -P 16). RSS after a 1M-key bulk load did not
// change measurably (glibc had kept ~15 MB of freed read buffers; the runs vary by more).
//
// net.Server has no `onread` option, so an accepted socket (paused on connect) is wrapped again:
// a new net.Socket around the same handle, with `onread`, takes over the server's bookkeeping
// (`_server`, which counts connections for server.close()). `_handle` and the `handle` option are
// Node internals, stable since Node 0.x; where they are missing, the socket is read the usual way.

import { Socket } from 'node:net';

const READ_SIZE = 64 * 1024;
const shared = Buffer.allocUnsafe(READ_SIZE);
/** Reads up to this long get a view of `shared` made once per length (at most ~400 KB of views). */
const VIEWS_UP_TO = 4096;
const views: Buffer[] = [];

/**
 * shared[0, n) as a Buffer. Making a view per read showed in profiles at -P 1 (2% of the
 * server's user time for PING); the views of short reads, the usual ones, are kept and reused.
 */
function readView(n: number): Buffer {
  if (n > VIEWS_UP_TO) return shared.subarray(0, n);
  return (views[n] ??= shared.subarray(0, n));
}

/**
 * Receives the bytes of one read of the socket it is called on (`this`), so that one function
 * serves every socket. The chunk is only valid during the call: copy what you keep.
 */
export type ChunkSink = (this: Socket, chunk: Buffer) => void;

/**
 * `onread` callbacks, one per sink (the server has one): a callback made per socket (a closure
 * holding its sink) cost every connection two closures and their contexts (~190 B). Node calls
 * it as a method of the socket (`socket[kBufferCb](nread, buf)`), so `this` is the socket read.
 */
const onReads = new WeakMap<ChunkSink, (this: Socket, n: number) => void>();

function onReadOf(sink: ChunkSink): (this: Socket, n: number) => void {
  let onRead = onReads.get(sink);
  if (onRead === undefined) {
    onRead = function (this: Socket, n: number): void {
      sink.call(this, readView(n));
    };
    onReads.set(sink, onRead);
  }
  return onRead;
}

interface Internals {
  _handle: { useUserBuffer?: unknown } | null;
  _server: unknown;
  server: unknown;
}

/**
 * Starts reading an accepted socket (created with pauseOnConnect) into the shared buffer, passing
 * each read to `sink` (called on the socket returned); returns the socket to use from now on (the
 * accepted one when Node's internals do not allow the re-wrap: it then reads with 'data' events,
 * into fresh Buffers, whose listeners EventEmitter calls on the socket too).
 */
export function readShared(accepted: Socket, sink: ChunkSink): Socket {
  const old = accepted as unknown as Internals;
  const handle = old._handle;
  if (handle === null || typeof handle.useUserBuffer !== 'function') {
    accepted.on('data', sink);
    accepted.resume();
    return accepted;
  }
  const socket = new Socket({
    handle,
    readable: true,
    writable: true,
    onread: { buffer: shared, callback: onReadOf(sink) },
  } as ConstructorParameters<typeof Socket>[0] & { handle: unknown });
  // Only now (the constructor may throw, and the caller then closes the accepted socket with its
  // handle): the old socket lets go of the handle, so that nothing it does can close it.
  old._handle = null;
  const adopted = socket as unknown as Internals;
  adopted._server = old._server;
  adopted.server = old.server;
  old._server = old.server = null;
  return socket;
}
