// Request decoder: turns the bytes a client sends into argument vectors, exactly as Redis 7.0's
// processMultibulkBuffer / processInlineBuffer do, including their protocol-error texts and their
// quirks (kept on purpose, since clients and tools can observe them):
//   - a line is found with strchr(): a NUL byte before the CR (multibulk) or LF (inline) hides
//     the line end, so the request waits for more bytes until the 64 KB line limit trips;
//   - after a header's CR one byte is skipped without looking at it, and the two bytes after a
//     bulk's data are skipped the same way (they "should" be CRLF);
//   - `*0` and `*-N` requests are consumed and ignored, an empty inline line too (but the sink is
//     told: Redis resetClient()s after them, which uses up a CLIENT REPLY SKIP);
//   - lengths are parsed with string2ll (no '+', no leading zeros, no "-0", int64 range).
//
// Arguments are "binary strings": each byte becomes one UTF-16 code unit (latin1), so any byte
// sequence round-trips and V8 stores them as compact one-byte strings.
//
// Memory: nothing large is allocated from a declared size. `*N` does not pre-size the argument
// list, and a big bulk (`$N`) is gathered into a buffer of its size only up to a bound
// (big-bulk.ts). A chunk given to push() is only read during the call (connections read every
// socket into one shared buffer, server/shared-read.ts): whatever is left unparsed is copied
// (query-buffer.ts, the base class: what is held between reads, and its accounting).
//
// Why not redis-parser here: it is a *reply* parser for clients. It cannot produce Redis's server
// protocol errors (`expected '$', got 'X'`, `invalid bulk length`, ...), does not handle inline
// commands, and decodes strings as UTF-8 (not binary safe) unless it returns Buffers, which then
// need a second conversion. This module is the only place that deals with request framing.

import { constants } from 'node:buffer';
import { PROTOCOL } from '../errors.js';
import { argString, parseLong, sameOrNew } from './binary.js';
import { plainWords, splitArgs, type CommandNames } from './splitargs.js';
import { EMPTY, QueryBuffer } from './query-buffer.js';
import { BigBulk } from './big-bulk.js';
import { LARGEST_POOLED } from './piece-pool.js';
import { FunctionSink, ProtocolError, type DecoderLimits, type RequestSink } from './request-sink.js';

/** PROTO_INLINE_MAX_SIZE: the longest line (inline request or header) Redis waits for. */
export const INLINE_MAX = 64 * 1024;
const CR = 13;
const LF = 10;
/** Bulk strings at least this big are gathered in a buffer of their own (big-bulk.ts). */
const BIG_ARG = 32 * 1024;
/**
 * V8 cannot hold a longer string. Redis accepts bulks up to proto-max-bulk-len (512 MB by default,
 * 24 bytes more than this). Such an argument is received like any other (so the connection
 * behaves as Redis's while it arrives) but its bytes are not kept, and once complete it is
 * refused as an invalid bulk length.
 */
const MAX_ARG = constants.MAX_STRING_LENGTH;
/**
 * The most arguments one request may have; a larger count is an invalid multibulk length, as
 * Redis's above INT_MAX. A request's arguments are one JS array, and V8 stops the process (a fatal
 * "invalid size error", not an exception) when an array grows past about 112.8M elements: one
 * request of 120M one-byte arguments, 840 MB and under client-query-buffer-limit, brought the
 * server down, where Redis holds it in about 4.8 GB. 2^26 leaves room for the arrays commands
 * make from the arguments (replies of one element per argument).
 */
export const MAX_ARGS = 64 * 1024 * 1024;

/** `args` between requests (never written to: each request gets its own array). */
const EMPTY_ARGS: string[] = [];

/**
 * Incremental decoder. Feed it chunks with `push`; its sink gets each complete request (onRequest),
 * in order. On a protocol error it throws ProtocolError after delivering every command before it;
 * the connection then answers the error and closes, as Redis does.
 */
export class RequestDecoder extends QueryBuffer implements CommandNames {
  /** Multibulk state: arguments still expected (0 = between requests) and those read so far. */
  private remaining = 0;
  private args: string[] = EMPTY_ARGS;
  /** Arguments of `args` filled so far (small requests get an array of their exact size). */
  private argc = 0;
  /**
   * The previous request's command name. Pipelines repeat commands: handing out the same string
   * again skips building it, and lets the command lookup compare it by identity.
   */
  private lastName = '';
  /** While paused, bytes are kept but no command is delivered (see pause()). */
  private paused = false;
  private stopped = false;
  /** Whether the client may send large requests (false before AUTH when a password is set). */
  authenticated = true;
  /**
   * While onRequest runs: the request's own bytes are rawBuf[rawStart, rawEnd), or rawStart is
   * -1. They are given only when the sink wants them (RequestSink.wantsRaw: the AOF is on), and
   * only for a multibulk request in Redis's canonical form (every line ending in CRLF: the bytes
   * the AOF would hold for these arguments), parsed from one buffer; the AOF then copies them
   * instead of encoding the arguments again, during the call: afterwards the bytes may be
   * overwritten (the read buffer is shared, our own buffer is compacted).
   */
  rawBuf: Buffer = EMPTY;
  /** The arguments those bytes encode (the array onRequest got). */
  rawArgs: readonly string[] = EMPTY_ARGS;
  rawStart = -1;
  rawEnd = 0;
  /** Offset of the current request's '*' in buf, or -1 when its bytes cannot be given (above). */
  private cmdStart = -1;

  /** Where the requests go (a connection). */
  private readonly sink: RequestSink;

  /** `sink`: a RequestSink, or just the function requests go to. */
  constructor(
    sink: RequestSink | ((args: string[]) => void),
    public limits: DecoderLimits = { maxBulkLen: 512 * 1024 * 1024 },
  ) {
    super();
    this.sink = typeof sink === 'function' ? new FunctionSink(sink) : sink;
  }

  /** Whether delivery is paused (pause()) or stopped for good (stop()). */
  get halted(): boolean {
    return this.paused || this.stopped;
  }

  push(chunk: Buffer): void {
    if (this.stopped || chunk.length === 0) return;
    const big = this.big;
    if (big !== null && big.need >= 0) {
      const used = this.collectBig(big, chunk);
      if (used < 0) return;
      // The big bulk is complete, alone in its buffer: parse it, then the rest of the read.
      if (!this.paused) this.parse();
      big.recycle(this.end === 0);
      if (used < chunk.length) this.push(chunk.subarray(used));
      return;
    }
    // A request begun in another buffer has no bytes of its own to give (cmdStart, rawBuf).
    if (this.remaining > 0) this.cmdStart = -1;
    // Where Redis's query buffer starts for this read: past a bulk header it took out before.
    let taken = 0;
    if (this.pos >= this.end) {
      this.buf = chunk;
      this.pos = this.scanned = 0;
      this.end = chunk.length;
      this.owned = false;
    } else {
      taken = this.headerRead();
      this.append(chunk);
    }
    if (!this.paused) this.parse(this.pos + taken);
    if (this.pos < this.end && !this.owned) {
      if (this.remaining > 0) this.cmdStart = -1; // its bytes move to a buffer of our own
      this.keepRest(chunk.length);
    }
  }

  /**
   * Stops delivering commands after the current one; bytes keep accumulating. Used when a
   * client's unsent output is too big: its remaining pipeline waits until the output drains.
   */
  pause(): void {
    this.paused = true;
  }

  /** Delivers what was held back by pause(); may throw ProtocolError like push(). */
  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    this.parse();
  }

  /** No more commands, ever (QUIT, a protocol error, a closing connection). Frees the buffer. */
  stop(): void {
    this.stopped = true;
    this.args = EMPTY_ARGS;
    this.argBytes = 0;
    this.buf = EMPTY;
    this.pos = this.end = this.scanned = 0;
    if (this.big?.gave) this.big.ran(this.sink);
    this.big?.clear();
  }

  /**
   * Adds the start of a chunk to the pending big bulk. Once it is complete, it becomes buf (to be
   * parsed) and the result is how many bytes of the chunk it took; before that, -1.
   */
  private collectBig(big: BigBulk, chunk: Buffer): number {
    const took = big.collect(chunk);
    if (big.have < big.need) return -1;
    if (big.discard) throw new ProtocolError(PROTOCOL.INVALID_BULK);
    this.buf = big.finish();
    this.pos = this.scanned = 0;
    this.end = this.buf.length;
    this.owned = true;
    return took;
  }

  /** Parses and runs what the buffer holds; Redis's query buffer (parsedFrom) starts at `from`. */
  private parse(from = this.pos): void {
    // Restored, not reset: a request run here may resume a parse (nothing does today). No
    // try/finally: the server answers a command that throws with an error reply, so nothing
    // thrown crosses here but a bug of the decoder's own, and the block cost GET 10-12 ns a command
    // in process (V8 inlined less around it: `npm run bench -- hotpath get -d 100`, 183 -> 172 ns).
    const outer = this.parsedFrom;
    if (outer < 0) this.parsedFrom = from;
    this.parseAll();
    this.parsedFrom = outer;
  }

  private parseAll(): void {
    while (this.pos < this.end && !this.paused && !this.stopped) {
      if (this.remaining === 0) {
        if (this.buf[this.pos] !== 42 /* '*' */) {
          if (!this.readInline()) break;
          continue;
        }
        if (this.readWhole()) continue;
        if (!this.readMultibulkCount()) break;
        if (this.remaining === 0) continue; // "*0" or negative: nothing to run
      }
      if (!this.readBulks()) break;
    }
    if (this.pos >= this.end) {
      // Everything consumed: drop the reference to the (possibly large) last chunk.
      this.buf = EMPTY;
      this.pos = this.end = this.scanned = 0;
      this.owned = false;
    }
  }

  /** Moves past consumed bytes. */
  private advance(to: number): void {
    this.pos = to;
    this.scanned = 0;
  }

  /** Waits for more bytes of a line; past 64 KB that is a protocol error. */
  private waitLine(message: string): false {
    if (this.end - this.pos > INLINE_MAX) throw new ProtocolError(message);
    return false;
  }

  private readMultibulkCount(): boolean {
    // Fast path for the usual short header ("*3\r\n"), as in readBulks; else the exact slow path.
    const buf = this.buf;
    const start = this.pos;
    let i = start + 1;
    let n = 0;
    if (i < this.end && buf[i] !== 48 /* '0' */) {
      for (let c = buf[i]; c >= 48 && c <= 57 && i < start + 7; c = buf[++i]) n = n * 10 + c - 48;
    }
    let cr = i;
    if (i === start + 1 || buf[i] !== CR || i + 1 >= this.end) {
      cr = this.headerEnd();
      if (cr < 0) return this.waitLine(PROTOCOL.TOO_BIG_MBULK);
      const parsed = parseLong(buf, start + 1, cr);
      if (parsed === null || parsed > 2147483647) throw new ProtocolError(PROTOCOL.INVALID_MULTIBULK);
      n = parsed;
    }
    if (n > 10 && !this.authenticated && this.sink.passwordSet) throw new ProtocolError(PROTOCOL.UNAUTH_MBULK);
    if (n > MAX_ARGS) throw new ProtocolError(PROTOCOL.INVALID_MULTIBULK);
    this.cmdStart = buf[cr + 1] === LF ? start : -1;
    this.advance(cr + 2);
    if (n > 0) {
      this.remaining = n;
      // An exact-size array for the usual few arguments; never sized from a large declared count.
      this.args = n <= 16 ? new Array<string>(n) : [];
      this.argc = this.argBytes = 0;
    } else {
      this.sink.onEmptyRequest();
    }
    return true;
  }

  private readBulks(): boolean {
    const buf = this.buf;
    while (this.remaining > 0) {
      const start = this.pos;
      // Fast path for the usual short header ("$3\r\n"): digits parsed as they are scanned; any
      // other header (long, odd, incomplete, with an error) takes the exact slow path.
      let i = start + 1;
      let len = 0;
      if (buf[start] === 36 /* '$' */ && i < this.end && buf[i] !== 48 /* '0' */) {
        for (let c = buf[i]; c >= 48 && c <= 57 && i < start + 10; c = buf[++i]) len = len * 10 + c - 48;
      }
      let dataStart = i + 2;
      if (i === start + 1 || buf[i] !== CR || dataStart > this.end || len > 16384) {
        const cr = this.headerEnd();
        if (cr < 0) return this.waitLine(PROTOCOL.TOO_BIG_BULK);
        len = this.bulkLength(start, cr);
        dataStart = cr + 2;
      }
      if (this.end - dataStart < len + 2 || len > MAX_ARG) {
        if (len >= BIG_ARG) this.startBig(start, dataStart - start, len, len > MAX_ARG);
        return false;
      }
      this.args[this.argc] = this.argc === 0 ? this.commandName(buf, dataStart, len) : argString(buf, dataStart, len);
      if (buf[dataStart - 1] !== LF || buf[dataStart + len] !== CR || buf[dataStart + len + 1] !== LF) this.cmdStart = -1;
      else if (len > LARGEST_POOLED && this.sink.wantsRaw) this.big?.give(this.sink, this.args[this.argc], buf.subarray(start, dataStart + len + 2));
      this.argc++;
      this.argBytes += len;
      this.advance(dataStart + len + 2);
      this.remaining--;
      // Redis reads a big argument into a query buffer of its own, made the argument: what follows
      // it comes into a new one (CLIENT INFO after `SET k <40 KB>` in one write: qbuf=26).
      if (len >= BIG_ARG && this.parsedFrom >= 0) this.parsedFrom = this.pos;
    }
    const args = this.args;
    this.args = EMPTY_ARGS;
    this.argBytes = 0;
    this.deliver(args, buf, this.cmdStart, this.pos);
    if (this.big?.gave) this.big.ran(this.sink);
    return true;
  }

  /**
   * The usual request, whole in the buffer: `*N` (N from 1 to 99), then N bulks whose headers are
   * `$L` (L up to 16384, no leading zero) and whose lines all end in CRLF. Parsed with locals only,
   * in one pass; anything else (a request cut by the end of the read, an odd or long header, a
   * line without its LF, a big bulk, more than 10 arguments from a client that must still
   * authenticate) consumes nothing and returns false, and the exact path above parses it. Within
   * these bounds neither path has an error to give.
   */
  private readWhole(): boolean {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    let n = buf[start + 1] - 48;
    if (!(n >= 1 && n <= 9)) return false;
    let i = start + 2;
    const d = buf[i] - 48;
    if (d >= 0 && d <= 9) {
      // Two digits (MSET, MGET, DEL of several keys): past 10 arguments, a client that must still
      // authenticate gets an error, which only the exact path gives.
      n = n * 10 + d;
      i++;
      if (n > 10 && !this.authenticated && this.sink.passwordSet) return false;
    }
    if (buf[i] !== CR || buf[i + 1] !== LF) return false;
    const args = new Array<string>(n);
    i += 2;
    for (let a = 0; a < n; a++) {
      if (buf[i] !== 36 /* '$' */) return false;
      let j = i + 1;
      let c = buf[j];
      let len = c - 48;
      if (len === 0) c = buf[++j]; // "$0": only as the whole length
      else for (len = 0; c >= 48 && c <= 57 && j < i + 6; c = buf[++j]) len = len * 10 + c - 48;
      const data = j + 2;
      if (j === i + 1 || c !== CR || buf[j + 1] !== LF || len > 16384 || data + len + 2 > end) return false;
      if (buf[data + len] !== CR || buf[data + len + 1] !== LF) return false;
      args[a] = a === 0 ? this.commandName(buf, data, len) : argString(buf, data, len);
      i = data + len + 2;
    }
    this.advance(i);
    this.deliver(args, buf, start, i);
    return true;
  }

  /**
   * Redis's processMultibulkBuffer takes a bulk's header line out of the query buffer as soon as it
   * is whole (c->bulklen), before the data: inside a multibulk request, the length of such a header
   * at pos (CLIENT LIST qbuf and the query buffer limit leave it out, as Redis's), else 0. Only
   * read for reporting and once a read, never per request.
   */
  protected override headerRead(): number {
    if (this.remaining === 0 || this.pos >= this.end || this.buf[this.pos] !== 36 /* '$' */) return 0;
    // As scan(): a NUL before the CR hides the line end from Redis's strchr.
    for (let i = this.pos + 1; i + 1 < this.end; i++) {
      if (this.buf[i] === CR) return i + 2 - this.pos;
      if (this.buf[i] === 0) return 0;
    }
    return 0;
  }

  /**
   * The bytes of the arguments of a request received in part (Redis's c->argv_len_sum: CLIENT LIST
   * argv-mem), 0 between requests.
   */
  get partialArgBytes(): number {
    return this.argBytes;
  }

  /** Runs a parsed request; its bytes are buf[start, end), or start is -1 (see rawBuf). */
  private deliver(args: string[], buf: Buffer, start: number, end: number): void {
    const raw = this.sink.wantsRaw;
    if (raw) {
      this.rawBuf = buf;
      this.rawArgs = args;
      this.rawStart = start;
      this.rawEnd = end;
    }
    this.sink.onRequest(args);
    if (raw) {
      this.rawStart = -1;
      // Not kept past the call: a connection's last request (a big value) would stay alive, and so
      // would the buffer it was parsed from (held input replayed: tens of MB, for an idle client).
      this.rawArgs = EMPTY_ARGS;
      this.rawBuf = EMPTY;
    }
  }

  /** buf[at, at+len) as the request's first argument; see lastName. */
  commandName(buf: Buffer, at: number, len: number): string {
    return (this.lastName = sameOrNew(this.lastName, buf, at, len));
  }

  /** Checks a bulk header line buf[start, cr) the slow way, with Redis's errors; returns the length. */
  private bulkLength(start: number, cr: number): number {
    if (this.buf[start] !== 36 /* '$' */) {
      throw new ProtocolError(PROTOCOL.expectedDollar(String.fromCharCode(this.buf[start])));
    }
    const len = parseLong(this.buf, start + 1, cr);
    if (len === null || len < 0 || len > this.limits.maxBulkLen) {
      throw new ProtocolError(PROTOCOL.INVALID_BULK);
    }
    if (len > 16384 && !this.authenticated && this.sink.passwordSet) throw new ProtocolError(PROTOCOL.UNAUTH_BULK);
    return len;
  }

  /** Switches to gathering a big bulk (its header at `start`, `header` bytes long). */
  private startBig(start: number, header: number, len: number, discard: boolean): void {
    this.cmdStart = -1;
    // Copies what we have: it may be a view into a shared chunk, or our own larger buffer.
    (this.big ??= new BigBulk()).start(this.buf, start, this.end, header, len, discard);
    this.buf = EMPTY;
    this.pos = this.end = this.scanned = 0;
    this.owned = false;
  }

  private readInline(): boolean {
    const buf = this.buf;
    const nl = this.scan(LF);
    if (nl < 0) return this.waitLine(PROTOCOL.TOO_BIG_INLINE);
    let lineEnd = nl;
    if (lineEnd > this.pos && buf[lineEnd - 1] === CR) lineEnd--;
    const start = this.pos;
    const args = plainWords(buf, start, lineEnd, this) ?? splitArgs(buf.latin1Slice(start, lineEnd));
    if (args === null) throw new ProtocolError(PROTOCOL.UNBALANCED_QUOTES); // at the line, as Redis's qb_pos
    this.advance(nl + 1);
    if (args.length > 0) this.sink.onRequest(args);
    else this.sink.onEmptyRequest();
    return true;
  }
}
