// The dispatcher: finds a command in the table, checks unknown command/subcommand and arity once,
// then runs the handler. Handlers never re-check their arity.

import { ErrorReply, type Reply } from '../protocol/reply.js';
import { unknownCommand, unknownSubcommand, wrongArity } from '../errors.js';
import type { CommandSpec, Ctx } from './types.js';

export type CommandTable = Map<string, CommandSpec>;

/** Builds the name -> spec table from every family's list. Duplicate names are a programming error. */
export function buildTable(families: readonly (readonly CommandSpec[])[]): CommandTable {
  const table: CommandTable = new Map();
  for (const family of families) {
    for (const spec of family) {
      if (table.has(spec.name)) throw new Error(`duplicate command ${spec.name}`);
      table.set(spec.name, spec);
    }
  }
  return table;
}

const arityOk = (arity: number, argc: number): boolean => (arity >= 0 ? argc === arity : argc >= -arity);

/**
 * Looks up the spec for `args`, resolving subcommands. Returns the spec, or an error reply for an
 * unknown command/subcommand or a wrong argument count.
 */
export function resolve(table: CommandTable, args: string[]): CommandSpec | ErrorReply {
  const name = args[0];
  const spec = table.get(name) ?? table.get(name.toLowerCase());
  if (spec === undefined) return new ErrorReply(unknownCommand(name, args.slice(1)));
  if (spec.subcommands === undefined || args.length < 2) {
    return arityOk(spec.arity, args.length) ? spec : new ErrorReply(wrongArity(spec.name));
  }
  const subName = args[1].toLowerCase();
  const sub = spec.subcommands.find((s) => s.name === `${spec.name}|${subName}`);
  if (sub === undefined) return new ErrorReply(unknownSubcommand(args[1], spec.name));
  return arityOk(sub.arity, args.length) ? sub : new ErrorReply(wrongArity(sub.name));
}

/** Runs one resolved command. A handler that throws answers -ERR and leaves the server running. */
export function execute(spec: CommandSpec, ctx: Ctx, args: string[], onCrash: (e: unknown, args: string[]) => void): Reply {
  try {
    return spec.handler(ctx, args);
  } catch (e) {
    onCrash(e, args);
    return new ErrorReply(`ERR internal error running '${spec.name}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A container command (CONFIG, CLIENT, ...): its own handler only runs for a bare call. */
export function container(name: string, arity: number, subcommands: CommandSpec[], flags: CommandSpec['flags'] = []): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey: 0,
    lastKey: 0,
    step: 0,
    subcommands,
    handler: () => new ErrorReply(wrongArity(name)),
  };
}
