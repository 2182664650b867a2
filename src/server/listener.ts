// The server's listening sockets, as Redis 7.0's: TCP on every address of `bind` at `port`
// (listenToPort), and the Unix socket of `unixsocket` (initServer). CONFIG SET port and bind move
// the TCP ones at run time, as Redis 7.0's changeListenPort and changeBindAddr, answering whether
// that worked. Each socket is opened by listen-socket.ts.
//
// Port 0: for the CLI beside a Unix socket, no TCP at all, as Redis; otherwise (the library, or no
// Unix socket, where Redis would have nothing to listen on and exits) a free port the system picks.

import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { isIP } from 'node:net';
import { unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApplyError, type Config } from '../config.js';
import { fsPath } from '../config-values.js';
import {
  BIND_APPLY_FAILED, BIND_FAILED_LINE, errnoText, errorText, failedListening, listenFailure, NO_SYNC_LISTEN, NOT_LISTENING,
  PORT_APPLY_FAILED, socketUnsupported, unixFailure,
} from '../errors.js';
import type { Logger } from './log.js';
import { bindError, canListenNow, closeAll, closeNow, ListenError, listenLater, listenNow, listenUnix, noSuchName, resolveHost } from './listen-socket.js';

/** Redis's wildcard addresses. A Map: a bind address such as `constructor` must not find Object's. */
const ANY = new Map([['*', '0.0.0.0'], ['::*', '::']]);

/** An address of `bind`: as written, without the '-' that marks it optional (unavailable: skipped). */
interface BindAddress {
  host: string;
  optional: boolean;
}

/**
 * The words of `bind` as Redis takes them: split at each single space (CONFIG SET's sdssplitlen;
 * a file's value is already its words joined so), so `" 127.0.0.1"` holds an empty word and a tab
 * is part of a word: such a word names nothing (noName), as Redis's getaddrinfo finds.
 */
function bindAddresses(bind: string): BindAddress[] {
  return (bind === '' ? [] : bind.split(' ')).map((raw) => (raw.startsWith('-') ? { host: raw.slice(1), optional: true } : { host: raw, optional: false }));
}

interface TcpListener {
  host: string;
  server: NetServer;
}

/** What the listeners need of the server. */
export interface ListenerHost {
  readonly config: Config;
  readonly log: Logger;
  /** A connection accepted; `unixSocket`: the socket's path as configured, '' for TCP. */
  accept(socket: Socket, unixSocket: string): void;
  /**
   * A host name's IPv4 address, or why not, with the server blocked (CONFIG SET bind of a name not
   * resolved at start, as Redis's getaddrinfo).
   */
  lookup(host: string): string | Error;
}

export { ListenError };

/** A ListenError with the lines a start that fails with it logs. */
function withLines<E extends ListenError>(e: E, lines: string[]): E {
  e.lines = lines;
  return e;
}

/** A word of `bind` no resolver takes: empty, or holding a blank (Node's lookup of "" answers with no address). */
const noName = (host: string): boolean => host === '' || /\s/.test(host);

export class Listeners {
  private tcp: TcpListener[] = [];
  private unix: NetServer | null = null;
  /** The port the TCP listeners share (the one given, or the one picked for port 0); with none, the setting. */
  port = 0;
  /** The Unix socket's file (resolved inside `dir`, where Redis works), '' for none. */
  unixPath = '';
  /** The `bind` and `port` values the TCP listeners were opened for. */
  private openFor = { bind: '', port: -1 };
  /** The host names of `bind` resolved at start (their address, or why not): see listen-socket.ts. */
  private readonly names = new Map<string, string | Error>();
  /** Set by close(): a CONFIG SET after it opens nothing (the server is gone). */
  private closed = false;

  /** `redisPortZero`: port 0 beside a Unix socket means no TCP, as Redis (the CLI); else always a free port. */
  constructor(
    private readonly host: ListenerHost,
    private readonly redisPortZero: boolean,
  ) {}

  private tcpOff(port: number): boolean {
    return port === 0 && this.redisPortZero && this.host.config.get('unixsocket') !== '';
  }

  /** Opens TCP, then the Unix socket, as Redis's initServer; throws ListenError. */
  async open(): Promise<void> {
    const c = this.host.config;
    await this.resolveNames(c.get('bind'));
    try {
      await this.openTcp(c.get('bind'), c.int('port'));
    } catch (e) {
      // Redis's lines for the address that failed: listenToPort's (bindError's text), then initServer's.
      throw e instanceof ListenError ? withLines(e, [`Warning: ${e.message}`, failedListening(c.int('port'))]) : e;
    }
    try {
      await this.openUnix();
    } catch (e) {
      await this.close();
      throw e;
    }
    if (this.tcp.length === 0 && this.unix === null) throw withLines(new ListenError(NOT_LISTENING), [NOT_LISTENING]);
    // A name start could not resolve (an optional one) is looked up again by a later CONFIG SET.
    for (const [name, address] of this.names) if (address instanceof Error) this.names.delete(name);
    if (!canListenNow()) {
      // Moved, a listener would be bound a tick after CONFIG SET answered: it stays where it is.
      for (const name of ['port', 'bind']) c.addCheck(name, (v, prev) => (v === prev ? null : NO_SYNC_LISTEN));
      return;
    }
    c.onChange('port', (v) => this.move(c.get('bind'), Number(v), PORT_APPLY_FAILED));
    c.onChange('bind', (v) => this.move(v, c.int('port'), BIND_APPLY_FAILED));
  }

  /** The host names of `bind` (its other words are IP addresses), resolved for openTcp. */
  private async resolveNames(bind: string): Promise<void> {
    for (const { host } of bindAddresses(bind)) {
      if (ANY.has(host) || isIP(host) !== 0 || noName(host) || this.names.has(host)) continue;
      this.names.set(host, await resolveHost(host).catch((e: Error) => e));
    }
  }

  /** Binds `bind` at `port` (as the settings say: port 0 may be none, or a free one). */
  private async openTcp(bind: string, port: number): Promise<void> {
    const addresses = this.tcpOff(port) ? [] : bindAddresses(bind);
    const opened = canListenNow() ? this.bindEach(addresses, port) : await this.bindEachLater(addresses, port);
    this.tcp = opened.listeners;
    this.port = opened.listeners.length > 0 ? opened.port : port;
    this.openFor = { bind, port };
  }

  /**
   * Listens on each address at `port` (the first listener's port for the others: port 0 picks one
   * for all). As Redis 7.0's listenToPort, an address whose protocol the system lacks (IPv6
   * disabled) is skipped, as is an optional one ('-') on no interface, with Redis's warning; any
   * other failure closes what was opened and throws Redis's line (bindError).
   */
  private bindEach(addresses: BindAddress[], port: number): { listeners: TcpListener[]; port: number } {
    const listeners: TcpListener[] = [];
    for (const a of addresses) {
      try {
        port = this.add(listeners, a.host, listenNow(this.addressOf(a.host), port, ...this.listenArgs()));
      } catch (e) {
        this.failed(listeners, a, port, e);
      }
    }
    return { listeners, port };
  }

  /** bindEach through Node's server.listen() (a tick later): at start on a Node.js without canListenNow. */
  private async bindEachLater(addresses: BindAddress[], port: number): Promise<{ listeners: TcpListener[]; port: number }> {
    const listeners: TcpListener[] = [];
    for (const a of addresses) {
      let server: NetServer;
      try {
        server = await listenLater(this.addressOf(a.host), port, ...this.listenArgs());
      } catch (e) {
        this.failed(listeners, a, port, e);
        continue;
      }
      port = this.add(listeners, a.host, server);
    }
    return { listeners, port };
  }

  /** A listener's backlog, what it does with a connection, and where its accept failures go. */
  private listenArgs(): [number, (s: Socket) => void, (line: string) => void] {
    return [this.host.config.int('tcp-backlog'), (s) => this.host.accept(s, ''), (line) => this.host.log.warning(line)];
  }

  /** Adds a listener of `host`; returns its port (the one port 0 picked, for the next addresses). */
  private add(listeners: TcpListener[], host: string, server: NetServer): number {
    listeners.push({ host, server });
    return (server.address() as AddressInfo).port;
  }

  /** An address that failed: skipped with Redis's warning (see bindEach), or what was opened is closed and Redis's line thrown. */
  private failed(listeners: TcpListener[], { host, optional }: BindAddress, port: number, e: unknown): void {
    if (socketUnsupported(e) || (optional && (e as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL')) {
      this.host.log.warning(`Warning: ${listenFailure(host, port, e)}`);
      return;
    }
    for (const l of listeners) closeNow(l.server);
    throw bindError(host, port, e);
  }

  /**
   * The IP address a word of `bind` stands for; throws a name's resolution error. A name is
   * resolved once at start (before listening, asynchronously; its failure kept for the start's
   * error, then dropped); one that start did not see, or could not resolve, is resolved when CONFIG
   * SET binds it, with the server blocked, as Redis's getaddrinfo, each time (a name that failed
   * may resolve later).
   */
  private addressOf(host: string): string {
    if (noName(host)) throw noSuchName(host);
    const known = ANY.get(host) ?? (isIP(host) !== 0 ? host : this.names.get(host));
    if (known instanceof Error) throw known; // at start: its lookup, made before listening
    const address = known ?? this.host.lookup(host);
    if (address instanceof Error) throw address;
    return address;
  }

  /**
   * CONFIG SET port or bind (`failure`: its reason if the new listeners cannot be opened). A new
   * port is listened on before the old one is closed. On the port in use, the listeners of the
   * addresses kept stay and the others close first (an old `*` would hold the port for a new
   * `127.0.0.1`), as Redis closes them all first. On failure the listeners are as before and
   * ApplyError is thrown (CONFIG SET restores the old value, which finds them so). Redis's log lines.
   */
  private move(bind: string, port: number, failure: string): void {
    if (this.closed || (bind === this.openFor.bind && port === this.openFor.port)) return;
    // An unchanged port 0 keeps the free port it picked; a new port 0 picks another.
    const at = port === 0 && port === this.openFor.port ? this.port : port;
    const addresses = this.tcpOff(port) ? [] : bindAddresses(bind);
    const samePort = at !== 0 && at === this.port && this.tcp.length > 0;
    const pending = samePort ? [...this.tcp] : [];
    const keep: TcpListener[] = [];
    const toOpen = addresses.filter((a) => {
      const i = pending.findIndex((l) => l.host === a.host);
      if (i >= 0) keep.push(...pending.splice(i, 1));
      return i < 0;
    });
    const drop = this.tcp.filter((l) => !keep.includes(l));
    if (samePort) for (const l of drop) closeNow(l.server);
    let opened: { listeners: TcpListener[]; port: number };
    try {
      opened = this.bindEach(toOpen, at);
    } catch (e) {
      this.host.log.warning(`Warning: ${errorText(e)}`);
      if (failure === BIND_APPLY_FAILED) this.host.log.warning(BIND_FAILED_LINE);
      if (samePort) this.reopen(keep, drop);
      throw new ApplyError(failure);
    }
    if (!samePort) for (const l of drop) closeNow(l.server);
    this.tcp = [...keep, ...opened.listeners];
    this.port = this.tcp.length === 0 ? port : samePort ? at : opened.port;
    this.openFor = { bind, port };
  }

  /** Listens again where a failed move closed listeners first (Redis's restore of the old value does). */
  private reopen(keep: TcpListener[], closed: TcpListener[]): void {
    let again: TcpListener[] = [];
    try {
      again = this.bindEach(closed.map(({ host }) => ({ host, optional: false })), this.port).listeners;
    } catch (e) {
      this.host.log.warning(`Warning: ${errorText(e)}`);
    }
    this.tcp = [...keep, ...again];
  }

  /** The Unix socket of `unixsocket`, if any; throws ListenError with Redis's line. */
  private async openUnix(): Promise<void> {
    const { config, log } = this.host;
    const shown = config.get('unixsocket');
    if (shown === '') return;
    const path = resolve(fsPath(config.get('dir')), fsPath(shown));
    const perm = parseInt(config.get('unixsocketperm'), 8);
    try {
      this.unix = await listenUnix(path, perm, config.int('tcp-backlog'), (s) => this.host.accept(s, shown), (line) => log.warning(line));
    } catch (e) {
      const line = unixFailure(errorText(e));
      throw withLines(Object.assign(new ListenError(line, { cause: e }), { code: (e as NodeJS.ErrnoException).code }), [line]);
    }
    this.unixPath = path;
  }

  /** Whether any TCP listener is open (Redis's ready line is only logged then). */
  get tcpOpen(): boolean {
    return this.tcp.length > 0;
  }

  /** Stops accepting everywhere (connections already accepted stay open); the Unix socket's file goes with its listener. */
  async close(): Promise<void> {
    const all = [...this.tcp.map((l) => l.server), ...(this.unix === null ? [] : [this.unix])];
    this.closed = true;
    this.tcp = [];
    this.unix = null;
    await closeAll(all);
  }

  /**
   * At shutdown, as Redis's closeListeningSockets(1): its line, and the socket file removed. A
   * closed listener removed its own (libuv unlinks a Unix socket's path when it closes it); one
   * still open (a stop while the AOF loads, which exits at once) has it unlinked here.
   */
  removeUnixSocket(): void {
    if (this.unixPath === '') return;
    const { log } = this.host;
    log.notice('Removing the unix socket file.');
    if (this.unix === null) return;
    try {
      unlinkSync(this.unixPath);
    } catch (e) {
      log.warning(`Error removing the unix socket file: ${errnoText(e)}`);
    }
  }
}
