// The soak test's model of one key: the set of states the key may be in, given every reply the
// client received. A write whose reply arrived happened, exactly once, at some moment between its
// send and its reply; a write whose reply never came (the server was killed) may or may not have
// happened — so it forks the set, and later replies prune it again (INCR's reply tells which).
// A TTL's deadline is only known to lie in [send, reply] + ttl, so near its deadline a key may be
// there or gone. An observation no candidate explains is a violation: an acknowledged write lost,
// or a value nobody wrote.

/** One possible state: the value (null: no key) and the deadline window of its TTL, if any. */
export interface KeyState {
  v: string | null;
  exp: [number, number] | null;
}

export type Op =
  | { op: 'set'; value: string }
  | { op: 'get' }
  | { op: 'incr' }
  | { op: 'append'; value: string }
  | { op: 'del' }
  | { op: 'expire'; seconds: number };

/** What a command answered: a value, or an error reply's text. */
export type Answer = { ok: string | number | null } | { error: string };

/** Clock slack (ms) when deciding whether a deadline had passed when the command ran. */
const SLACK = 15;
const ABSENT: KeyState = { v: null, exp: null };
const INT64 = /^(0|-?[1-9][0-9]{0,18})$/;
const MAX = 2n ** 63n - 1n;
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const OVERFLOW = 'ERR increment or decrement would overflow';

/** The states `s` may have been in when a command ran at some moment of [from, to]. */
function atExec(s: KeyState, from: number, to: number): KeyState[] {
  if (s.exp === null) return [s];
  const out: KeyState[] = [];
  if (from < s.exp[1] + SLACK) out.push(s); // it may still have been there
  if (to >= s.exp[0] - SLACK) out.push(ABSENT); // it may have expired already
  return out;
}

/** Applies `op` at a moment of [from, to] to a state as it was then: the answer and the new state. */
function apply(op: Op, s: KeyState, from: number, to: number): [Answer, KeyState] {
  switch (op.op) {
    case 'set': return [{ ok: 'OK' }, { v: op.value, exp: null }];
    case 'get': return [{ ok: s.v }, s];
    case 'del': return [{ ok: s.v === null ? 0 : 1 }, ABSENT];
    case 'append': {
      const v = (s.v ?? '') + op.value;
      return [{ ok: v.length }, { v, exp: s.exp }];
    }
    case 'expire':
      if (s.v === null) return [{ ok: 0 }, s];
      return [{ ok: 1 }, { v: s.v, exp: [from + op.seconds * 1000, to + op.seconds * 1000] }];
    case 'incr': {
      if (s.v === null) return [{ ok: 1 }, { v: '1', exp: null }];
      if (!INT64.test(s.v) || BigInt(s.v) > MAX) return [{ error: NOT_INTEGER }, s];
      const n = BigInt(s.v) + 1n;
      if (n > MAX) return [{ error: OVERFLOW }, s];
      return [{ ok: Number(n) }, { v: String(n), exp: s.exp }];
    }
  }
}

const same = (a: Answer, b: Answer): boolean => JSON.stringify(a) === JSON.stringify(b);

export class KeyModel {
  states: KeyState[] = [ABSENT];

  /**
   * An acknowledged command: keeps the successors of the states that explain `answer`. Returns
   * false (and keeps the states as they were) when none does — a violation.
   */
  observe(op: Op, answer: Answer, from: number, to: number): boolean {
    const next: KeyState[] = [];
    for (const s of this.states) {
      for (const e of atExec(s, from, to)) {
        const [a, n] = apply(op, e, from, to);
        if (same(a, answer)) next.push(n);
      }
    }
    if (next.length === 0) return false;
    this.states = dedupe(next);
    return true;
  }

  /** A command whose outcome is unknown (no reply): it ran at some moment before `to`, or never. */
  unknown(op: Op, from: number, to: number): void {
    if (op.op === 'get') return;
    const next = [...this.states];
    for (const s of this.states) for (const e of atExec(s, from, to)) next.push(apply(op, e, from, to)[1]);
    this.states = dedupe(next);
  }

  /** A copy (tests try several observations on one history). */
  clone(): KeyModel {
    const m = new KeyModel();
    m.states = [...this.states];
    return m;
  }

  /** The states, readable (for violation reports). */
  describe(): string {
    return this.states.map((s) => (s.v === null ? 'absent' : `${JSON.stringify(s.v)}${s.exp ? ` (ttl ${s.exp[0]}..${s.exp[1]})` : ''}`)).join(' | ');
  }
}

/** Drops duplicates; a key never has more than a few states (replies prune them). */
function dedupe(states: KeyState[]): KeyState[] {
  const seen = new Map<string, KeyState>();
  for (const s of states) seen.set(JSON.stringify(s), s);
  return [...seen.values()];
}
