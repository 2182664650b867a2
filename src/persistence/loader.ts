// Start-up replay of append-only files. Reads Redis's AOF format (RESP multibulk commands, `#`
// annotation lines, MULTI/EXEC blocks) from a single file or from a Redis 7 `appendonlydir/`
// (manifest, base, then incr files), in slices so the event loop keeps answering -LOADING and INFO.
//
// As Redis: a command cut short by the end of the last file (a crash in the middle of a write), or
// a MULTI block without its EXEC, is dropped and the file truncated to the last complete command,
// with a warning — or, with `aof-load-truncated no`, the start is refused. Anything else that is
// not a well-formed command refuses the start, naming the byte offset; the file is not modified
// (a file cut short that is not the last one too, where Redis 7.0 cuts it, then refuses). A command
// the server does not have refuses it with Redis's own line (UNKNOWN_COMMAND).

import { closeSync, openSync, statSync, truncateSync } from 'node:fs';
import { basename } from 'node:path';
import { AofFormatError, PREAMBLE_HINT } from './manifest.js';
import { argString, sameOrNew } from '../protocol/binary.js';
import { setImmediate, wallNow } from '../timers.js';
import { AOF_IO, aofClientErrorLine, aofClientPanic, aofUnknownCommand } from '../errors.js';
import { fileError } from './fileio.js';
import { ChunkedList } from '../chunked-list.js';
import { readAt, ReadWindow } from './read-window.js';

export { AofFormatError } from './manifest.js';

export interface LoadProgress {
  totalBytes: number;
  loadedBytes: number;
  /** ms timestamp. */
  startedAt: number;
}

/** What LoadSink.replay returns for a command the server does not have (Redis's lookupCommand fails). */
export const UNKNOWN_COMMAND = Symbol('unknown command');

export interface LoadSink {
  /**
   * Runs one command read from the file; returns null, UNKNOWN_COMMAND, or another error text:
   * either aborts loading.
   */
  replay(args: string[]): string | typeof UNKNOWN_COMMAND | null;
  /**
   * A new file begins. As Redis, which replays each file with a client of its own (in db 0): a
   * file without a SELECT of its own writes to db 0, whatever the file before it selected.
   */
  fileStart?(): void;
  notice(msg: string): void;
  warning(msg: string): void;
  /** aof-load-truncated: cut a truncated tail off (true) or refuse to load (false). */
  truncate: boolean;
  /** propagation-error-behavior panic: the loader's own errors of the AOF client (EXEC without MULTI, nested MULTI) stop the load too. */
  panics?: boolean;
  /** The last file's bytes from this offset on are left out, -1: none (a running EXEC's, written early: AofWriter.syncBeforeUnit). */
  lastFileEnd?: number;
}

/**
 * Commands replayed between two yields to the event loop: 1024, as Redis's loadSingleAppendOnlyFile
 * processes events every 1024 commands. Short, because Node accepts one new connection per
 * event-loop turn: with 20000 (a turn of about 20 ms), clients reconnecting while a big file
 * loaded were accepted about 50 a second (the 70th got its -LOADING after 1.3 s, from Redis after
 * 4 ms). The yields cost about 1% of the load time.
 */
const SLICE = 1024;
/** Files at least this big get progress lines in the log. */
const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;
const FIX_HINT = 'make a backup of your AOF file, then use redis-check-aof --fix <filename>';
/**
 * A file cut short that is not the last one. Redis 7.0.15 truncates it, then refuses ("Fatal
 * error: the truncated file is not the last file"), so its next start loads the cut file; ours
 * leaves it whole. The fix that works is redis-check-aof on the file itself: on the manifest it
 * answers "Failed to truncate AOF ... because it is not the last file".
 */
const notLastHint = (path: string): string =>
  `make a backup of your AOF directory, then run redis-check-aof --fix ${path} (on that file: given the manifest, redis-check-aof truncates only the last file), which drops the incomplete command as Redis would, and restart`;

/**
 * Replays `files` into `sink`, yielding to the event loop between slices (so clients get -LOADING
 * and INFO answers); resolves with the number of commands replayed.
 */
export async function loadFiles(files: string[], sink: LoadSink, progress: LoadProgress): Promise<number> {
  const steps = replayFiles(files, sink, progress);
  let r = steps.next();
  while (!r.done) {
    await new Promise((resolve) => setImmediate(resolve));
    r = steps.next();
  }
  return r.value;
}

/** The same, without yielding (DEBUG LOADAOF runs inside one command). */
export function loadFilesSync(files: string[], sink: LoadSink, progress: LoadProgress): number {
  const steps = replayFiles(files, sink, progress);
  let r = steps.next();
  while (!r.done) r = steps.next();
  return r.value;
}

function* replayFiles(files: string[], sink: LoadSink, progress: LoadProgress): Generator<void, number> {
  progress.totalBytes = files.reduce((n, f) => n + sizeOf(f), 0);
  progress.loadedBytes = 0;
  let commands = 0;
  for (let i = 0; i < files.length; i++) {
    sink.fileStart?.();
    commands += yield* loadOne(files[i], sink, progress, i === files.length - 1);
  }
  return commands;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    throw fileError(AOF_IO.readFile(path), e);
  }
}

/** Parser state that outlives one buffer: an open MULTI block. */
interface Multi {
  /** File offset of the MULTI command (where a truncated block is cut off). */
  start: number;
  /** Chunked: a block can hold more commands than one JS array may (an EXEC of 115M writes). */
  queued: ChunkedList<string[]>;
  /** MULTIs met inside the block: each an error when EXEC runs the block (as Redis queues them). */
  nested: number;
}

function* loadOne(path: string, sink: LoadSink, progress: LoadProgress, last: boolean): Generator<void, number> {
  const end = last ? (sink.lastFileEnd ?? -1) : -1;
  const size = end < 0 ? sizeOf(path) : Math.min(end, sizeOf(path));
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fileError(AOF_IO.readFile(path), e);
  }
  const window = new ReadWindow(fd, path, size);
  let fileOffset = 0; // file offset of window.bytes[0]
  let commands = 0;
  let lastLog = wallNow();
  const state: { multi: Multi | null } = { multi: null };
  try {
    refusePreamble(fd, path);
    while (true) {
      const r = parseCommands(window.bytes, sink, state, fileOffset, path);
      commands += r.count;
      progress.loadedBytes += r.consumed;
      window.consume(r.consumed);
      fileOffset += r.consumed;
      // The file shrank under us when a read gets nothing: what is left is a truncated tail.
      if (r.count < SLICE && (window.done || !window.fill(r.want))) break;
      if (size >= PROGRESS_MIN_BYTES && wallNow() - lastLog >= 1000) {
        lastLog = wallNow();
        const perc = (100 * progress.loadedBytes) / Math.max(1, progress.totalBytes);
        sink.notice(`Loading AOF: ${perc.toFixed(2)}% (${progress.loadedBytes} of ${progress.totalBytes} bytes)`);
      }
      yield;
    }
  } finally {
    closeSync(fd);
  }
  endOfFile(path, state.multi, window.bytes, fileOffset, size, sink, last);
  return commands;
}

/** Refuses a file that starts with an RDB preamble (aof-use-rdb-preamble yes in Redis). */
function refusePreamble(fd: number, path: string): void {
  const head = Buffer.alloc(5);
  if (readAt(fd, path, head, 0) === 5 && head.toString('latin1') === 'REDIS') {
    throw new AofFormatError(`${path} starts with an RDB preamble, which is not supported: ${PREAMBLE_HINT}.`);
  }
}

/**
 * The end of file `path` (`size` bytes): a MULTI block without its EXEC, or bytes left over at
 * `restAt` (`rest`: a command cut short), are cut off (truncatedTail).
 */
function endOfFile(path: string, multi: Multi | null, rest: Buffer, restAt: number, size: number, sink: LoadSink, last: boolean): void {
  if (multi !== null) {
    sink.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${basename(path)}`);
    truncatedTail(path, multi.start, size, sink, last, 'a MULTI block without its EXEC');
  } else if (rest.length > 0 && !(rest[0] === 35 /* # */ && rest.indexOf(10) < 0)) {
    // (An annotation ending the file without its newline is whole: Redis's fgets reads it so.)
    truncatedTail(path, restAt, size, sink, last);
  }
}

/**
 * The file ends in the middle of a command (or transaction): cut it off, as Redis does. `what`
 * says what the bytes dropped were.
 */
function truncatedTail(path: string, validUpTo: number, size: number, sink: LoadSink, last: boolean, what = 'an incomplete last command'): void {
  const dropped = size - validUpTo;
  const refused = `Unexpected end of file reading the append only file ${path} at offset ${validUpTo} (${dropped} bytes of ${what}). You can: 1) Make a backup of your AOF file, then use redis-check-aof --fix <filename>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`;
  if (!last) {
    throw new AofFormatError(`Unexpected end of file reading the append only file ${path} at offset ${validUpTo} (${dropped} bytes of an incomplete command), and it is not the last AOF file: ${notLastHint(path)}`);
  }
  if (!sink.truncate) throw new AofFormatError(refused);
  // Redis's three lines word for word and in a row (the file's name, not its path: log watchers
  // match them), then ours with the path and what is lost, once it is cut.
  const name = basename(path);
  sink.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
  sink.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
  try {
    truncateSync(path, validUpTo);
  } catch (e) {
    // As Redis: the cut could not be made, so the file cannot be loaded as it is.
    sink.warning(fileError(AOF_IO.truncate(path), e).message);
    throw new AofFormatError(refused);
  }
  sink.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
  sink.warning(`Dropped the last ${dropped} bytes of ${path}: ${what}`);
}

interface ParseResult {
  count: number;
  consumed: number;
  /** Bytes the unfinished command at `consumed` needs at least, from its start (0: not known). */
  want: number;
}

/** Thrown inside the parser when more bytes are needed. */
const INCOMPLETE = Symbol('incomplete');

/**
 * Parses and replays up to SLICE complete commands from `buf`. Stops at an incomplete command
 * (more bytes needed); throws AofFormatError for anything that is not a well-formed command.
 * Commands of a MULTI block are queued and replayed at its EXEC, so a block cut off by the end of
 * the file is never half applied.
 */
function parseCommands(buf: Buffer, sink: LoadSink, state: { multi: Multi | null }, base: number, path: string): ParseResult {
  let pos = 0;
  let count = 0;
  let want = 0;
  const bad = (at: number, what: string): AofFormatError =>
    new AofFormatError(`Bad file format reading the append only file ${path} at offset ${base + at} (${what}): ${FIX_HINT}`);
  /** An error the AOF client gets from the transaction words, as Redis's (afterErrorReply): logged, fatal under panic. */
  const clientError = (message: string, at: number): void => {
    sink.warning(aofClientErrorLine(message, 'exec'));
    if (sink.panics === true) throw new AofFormatError(`${aofClientPanic('exec')} at offset ${base + at} of ${path}`);
  };
  const run = (args: string[], at: number): void => {
    const error = sink.replay(args);
    if (error === UNKNOWN_COMMAND) throw new AofFormatError(aofUnknownCommand(args[0], basename(path)));
    if (error !== null) throw new AofFormatError(`${error} at offset ${base + at} of ${path}`);
  };
  while (count < SLICE && pos < buf.length) {
    const start = pos;
    let args: string[];
    try {
      if (buf[pos] === 35 /* # */) {
        // An annotation (e.g. aof-timestamp-enabled's #TS:...): skipped, as Redis does.
        const lf = buf.indexOf(10, pos);
        if (lf < 0) throw INCOMPLETE;
        pos = lf + 1;
        continue;
      }
      args = readCommand(buf, pos, bad);
      pos = readEnd;
    } catch (e) {
      if (e === INCOMPLETE) {
        want = wantEnd > 0 ? wantEnd - start : 0;
        wantEnd = 0;
        pos = start;
        break;
      }
      throw e;
    }
    const multi = state.multi;
    const kind = args.length === 1 ? transactionWord(args[0]) : 0;
    if (kind === MULTI && multi !== null) {
      // As Redis, whose AOF client queues it and gets an error when the block's EXEC runs it:
      // logged, and the block goes on. (Redis 7.0 itself writes such files: after cutting off a
      // block torn by a crash it may keep its MULTI, and a later block follows it.)
      multi.nested++;
    } else if (kind === MULTI) {
      state.multi = { start: base + start, queued: new ChunkedList(), nested: 0 };
    } else if (kind === EXEC && multi === null) {
      // As Redis, whose AOF client runs it and gets an error: logged, and loading goes on.
      clientError('EXEC without MULTI', start);
    } else if (kind === EXEC) {
      multi!.queued.forEach((q) => run(q, start));
      for (let i = 0; i < multi!.nested; i++) clientError('MULTI calls can not be nested', start);
      state.multi = null;
    } else if (multi !== null) {
      multi.queued.push(args);
    } else {
      run(args, start);
    }
    count++;
  }
  return { count, consumed: pos, want };
}

const MULTI = 1;
const EXEC = 2;

/** MULTI or EXEC in any case (a one-word command), else 0: without lowercasing every name. */
function transactionWord(name: string): number {
  if (name.length === 5 && name.toLowerCase() === 'multi') return MULTI;
  if (name.length === 4 && name.toLowerCase() === 'exec') return EXEC;
  return 0;
}

/** Where readCommand / readNumber stopped (module state: no tuple allocated per call). */
let readEnd = 0;
/** Where a bulk string readCommand stopped in ends (with its CRLF); 0 when it stopped elsewhere. */
let wantEnd = 0;
/** The last command name read: a file of SETs makes one "SET" string, not one per command. */
let lastName = '';

/**
 * One multibulk command at `pos`: its arguments (the offset after it in readEnd). Short arguments
 * are made with String.fromCharCode (argString) rather than a latin1Slice binding call each:
 * profile of a 1M-key load, parsing (readCommand, latin1Slice, tuples, a lowercased name per
 * command) was ~17% of it before, plus the garbage.
 */
function readCommand(buf: Buffer, pos: number, bad: (at: number, what: string) => AofFormatError): string[] {
  const argc = readNumber(buf, pos, 42 /* * */, bad);
  if (argc < 1) throw bad(pos, 'invalid multibulk length');
  let p = readEnd;
  // Never sized from a declared count: a damaged header could declare billions (RangeError).
  const args: string[] = argc <= 64 ? new Array<string>(argc) : [];
  for (let i = 0; i < argc; i++) {
    const len = readNumber(buf, p, 36 /* $ */, bad);
    const data = readEnd;
    if (data + len + 2 > buf.length) {
      // Incomplete, unless the bytes we do have already show it can't be a bulk string.
      if (data + len < buf.length && buf[data + len] !== 13) throw bad(data + len, 'bulk string not followed by CRLF');
      wantEnd = data + len + 2;
      throw INCOMPLETE;
    }
    if (buf[data + len] !== 13 || buf[data + len + 1] !== 10) throw bad(data + len, 'bulk string not followed by CRLF');
    args[i] = i === 0 ? nameAt(buf, data, len) : argString(buf, data, len);
    p = data + len + 2;
  }
  readEnd = p;
  return args;
}

function nameAt(buf: Buffer, at: number, len: number): string {
  return (lastName = sameOrNew(lastName, buf, at, len));
}

/**
 * A header line `<prefix><digits>\r\n` at `pos`: the number (the offset after the line in readEnd). Throws
 * INCOMPLETE when the buffer ends inside a line that could still be valid.
 */
function readNumber(buf: Buffer, pos: number, prefix: number, bad: (at: number, what: string) => AofFormatError): number {
  if (pos >= buf.length) throw INCOMPLETE;
  if (buf[pos] !== prefix) {
    throw bad(pos, `expected '${String.fromCharCode(prefix)}', got ${JSON.stringify(String.fromCharCode(buf[pos]))}`);
  }
  let n = 0;
  let p = pos + 1;
  while (p < buf.length && buf[p] >= 48 && buf[p] <= 57) {
    n = n * 10 + (buf[p] - 48);
    p++;
    if (p - pos > 17) throw bad(pos, 'length too long');
  }
  if (p === buf.length) throw INCOMPLETE;
  if (p === pos + 1 || buf[p] !== 13) throw bad(p, prefix === 42 ? 'invalid multibulk length' : 'invalid bulk length');
  if (p + 1 === buf.length) throw INCOMPLETE;
  if (buf[p + 1] !== 10) throw bad(p + 1, 'expected LF after CR');
  readEnd = p + 2;
  return n;
}
