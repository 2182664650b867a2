// The socket side of a client connection, apart from reading (shared-read.ts, read-gate.ts): the
// addresses CLIENT LIST shows, the file descriptor, writing a turn's replies, the waiting output
// whose progress the `timeout` cron reads, and how a connection ends once its replies are out.

import type { Socket } from 'node:net';
import type { ReplyBuffer } from '../protocol/encoder.js';
import { clearTimeout, setTimeout } from '../timers.js';

/** How long a closing connection waits for its peer to close before it is dropped (endAfterReplies). */
const CLOSE_GRACE_MS = 2000;

interface Internals {
  _handle?: { fd?: number; writeQueueSize?: number } | null;
}

/** A socket's remote address as CLIENT LIST's addr (one getpeername, cached by the socket). */
export function peerOf(socket: Socket): string {
  return peer(socket.remoteAddress, socket.remotePort);
}

/** Redis's NET_ADDR_STR_LEN: the buffer a client's address string is made in, its NUL included. */
const NET_ADDR_STR_LEN = 78;

/**
 * A client of the Unix socket's addr and laddr, as Redis's genClientAddrString: the path as
 * configured (bytes, one a character) and port 0, snprintf'd into NET_ADDR_STR_LEN bytes, so a path
 * of 76 bytes or more loses its end (and the `:0`) in CLIENT LIST, CLIENT KILL, SLOWLOG and the log.
 */
export function unixPeer(path: string): string {
  return `${path}:0`.slice(0, NET_ADDR_STR_LEN - 1);
}

/** A socket's local address as CLIENT LIST's laddr (a getsockname: callers read it when asked). */
export function localOf(socket: Socket): string {
  return peer(socket.localAddress, socket.localPort);
}

function peer(address: string | undefined, port: number | undefined): string {
  if (address === undefined) return '?:0';
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  // As Redis's formatAddr: an IPv6 address is bracketed ([::1]:6379), so the port stays apart.
  // Joined, not a template literal: past 12 characters V8 makes that a cons string of its pieces,
  // which every connection kept (88 B for "127.0.0.1:48808", where join's flat string takes 32).
  return [a.includes(':') ? `[${a}]` : a, port ?? 0].join(':');
}

/** CLIENT LIST's fd: the handle's descriptor, -1 once closed. */
export function socketFd(socket: Socket): number {
  return (socket as unknown as Internals)._handle?.fd ?? -1;
}

/**
 * Writes the batch in `out` (one write; one writev when big replies are pieces of their own),
 * `written` called when the last write completes, and readies `out` for the next batch. Returns the
 * bytes Node still holds. Written through at once (the usual case: nothing was queued and the
 * kernel took it all), the socket keeps no reference to the bytes and the storage is reused;
 * otherwise the socket holds a view of it until sent, and `out` gets new storage.
 */
export function writeBatch(socket: Socket, out: ReplyBuffer, written: () => void): number {
  if (out.pieceBytes === 0) {
    socket.write(out.peek(), written);
  } else {
    const chunks = out.chunks();
    socket.cork();
    for (let i = 0; i < chunks.length; i++) socket.write(chunks[i], i === chunks.length - 1 ? written : undefined);
    socket.uncork();
  }
  const queued = socket.writableLength;
  if (out.len > out.peak) out.peak = out.len; // CLIENT LIST rbp (reply-buffers.ts)
  if (queued === 0) out.clear();
  else out.detach();
  // As Redis's, whose peak is of its reply buffer: never past the storage kept (clear() gives a large one up).
  if (out.peak > out.buf.length) out.peak = out.buf.length;
  return queued;
}

/**
 * Ends a connection whose last replies were just written. If the peer has closed its side and the
 * kernel holds every reply, close(2) sends them, then our FIN (nothing is left unread after its
 * FIN, so close does not reset the connection); ending first (shutdown, then close on 'finish')
 * cost a client that connects per request (redis-benchmark -k 0) a system call and Node's end
 * machinery. Otherwise, as Redis's CLIENT_CLOSE_AFTER_REPLY: the replies, then our FIN. A peer that
 * reads it closes its side, which ends the connection; one that never does (half-open, stuck) is
 * dropped CLOSE_GRACE_MS after Node handed the kernel the last byte. Not at once: the kernel may
 * still hold bytes the peer has not taken, and closing a socket with input unread (a peer still
 * sending) resets the connection, throwing them away. Until then reading goes on, discarding,
 * even if it was paused (a turn's yield, the output bound), so that input does not pile up unread.
 */
export function endAfterReplies(socket: Socket, peerEnded: boolean): void {
  if (peerEnded && socket.writableLength === 0) {
    socket.destroy();
    return;
  }
  socket.end(() => {
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
  socket.resume();
}

/**
 * The output a socket still has waiting: Node's queue and libuv's. Redis's writeToClient counts
 * every partial write as interaction for `timeout`; Node reports a write only when it completes
 * ('drain'), so a slow reader of one large reply looked idle. libuv's write queue shrinks as the
 * kernel takes the bytes: that is the progress (the handle's writeQueueSize, which Node's own net
 * module reads too). The connection compares it with the cron's last look at it, about once a
 * second (Connection.outputMoved).
 */
export function waitingOutput(socket: Socket): number {
  const queued = socket.writableLength;
  // Nothing queued in Node means nothing in libuv's queue either: no native accessor to read.
  const handle = queued === 0 ? null : (socket as unknown as Internals)._handle;
  return queued + (handle?.writeQueueSize ?? 0);
}
