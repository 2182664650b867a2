// The server's clients: how an accepted connection becomes one (or is turned away, as Redis's
// acceptCommonHandler and clientAcceptHandler do), the client IDs, the table of live clients by ID
// that the cron, CLIENT LIST and shutdown walk, and the clients that have left it but whose socket
// still waits for its peer (`ending`). The server (server.ts) runs their commands.

import type { Socket } from 'node:net';
import { DENIED_PROTECTED_MODE, MAX_CLIENTS } from '../errors.js';
import { readShared } from './shared-read.js';
import { Connection } from './connection.js';
import { peerOf, unixPeer } from './client-socket.js';
import { logAccepted } from './verbose-log.js';
import { protectedModeDenies } from './limits.js';
import type { Server } from './server.js';

export class ClientRegistry {
  /** The live clients by ID, in the order they connected. */
  readonly byId = new Map<number, Connection>();
  /**
   * Clients whose last replies are written and whose socket waits for its peer's FIN (up to 2 s:
   * client-socket.ts endAfterReplies): gone from byId, as Redis frees such a client at once (CLIENT
   * LIST, connected_clients and maxclients no longer count it), but still closed by close().
   */
  readonly ending = new Set<Connection>();
  /** Redis 7.0's first connection is client 3: it creates two clients of its own at start-up. */
  private nextId = 3;

  constructor(private readonly server: Server) {}

  /**
   * A connection a listener accepted: turned away (maxclients, protected mode) or a new client.
   * `unixSocket`: the path (as configured) of the Unix socket it came through, '' for TCP.
   */
  accept(socket: Socket, unixSocket = ''): void {
    logAccepted(this.server.log, socket, unixSocket); // as Redis, before maxclients and protected mode turn it away
    // As Redis: over maxclients, the new connection gets an error and is closed.
    const max = this.server.config.int('maxclients');
    this.makeRoom(max);
    if (this.byId.size >= max) return this.refuse(socket, MAX_CLIENTS);
    // Then, as Redis's clientAcceptHandler: protected mode turns away non-loopback peers (a Unix
    // socket's are local). Redis has created the client by then: its ID is used up (one refused
    // over maxclients never had one).
    if (unixSocket === '' && protectedModeDenies(this.server.config, socket.remoteAddress)) {
      this.nextId++;
      return this.refuse(socket, DENIED_PROTECTED_MODE);
    }
    // Read from the accepted socket, whose getpeername above is cached: the socket readShared
    // makes around the same handle would ask the kernel again. A Unix socket's peer has no
    // address: Redis shows the socket's path (as configured) and port 0.
    const addr = unixSocket === '' ? peerOf(socket) : unixPeer(unixSocket);
    let conn: Connection | null = null;
    let reading: Socket | null = null;
    try {
      reading = readShared(socket, Connection.receiveOn);
      conn = new Connection(this.nextId++, reading, this.server, addr, unixSocket);
    } catch (e) {
      // A bug, or a Node whose sockets refuse what readShared does: this client is dropped, the
      // server stays up (an exception here would reach the 'connection' event and end the process).
      // The re-wrapped socket holds the handle once readShared returned: it is closed too (a review).
      this.server.log.warning(`Closing a new connection that could not be set up: ${e instanceof Error ? e.stack : String(e)}`);
      reading?.destroy();
      socket.destroy();
      return;
    }
    this.byId.set(conn.id, conn);
    // Counted once accepted, as Redis's clientAcceptHandler (after its protected-mode check): a
    // connection refused for maxclients or protected mode is in rejected_connections only.
    this.server.stats.totalConnections++;
  }

  /**
   * maxclients is also the descriptor budget (ulimit -n less 32): ending clients, whose sockets
   * Redis would have closed already, give theirs up for a new connection, oldest first.
   */
  private makeRoom(max: number): void {
    for (const c of this.ending) {
      if (this.byId.size + this.ending.size < max) return;
      this.ending.delete(c);
      c.socket.destroy();
    }
  }

  /** Answers a connection that is not accepted with an error, and closes it. */
  private refuse(socket: Socket, error: string): void {
    this.server.stats.rejectedConnections++;
    socket.on('error', () => {});
    // Closed once the text is written, as Redis: a peer that never closes its side must not keep
    // the socket (and a shutdown waiting for every connection) open.
    socket.end(`-${error}\r\n`, () => socket.destroy());
  }

  /** A client whose socket only waits for its peer now (see `ending`). */
  end(conn: Connection): void {
    if (this.byId.delete(conn.id)) this.ending.add(conn);
  }

  /** A client that closed. */
  remove(conn: Connection): void {
    this.byId.delete(conn.id);
    this.ending.delete(conn);
  }
}
