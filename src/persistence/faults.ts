// Test-only fault points. KS_FAULT="<point>:<action>[,<point>:<action>...]" makes the process stop
// at a named step of a rewrite: `kill` sends itself SIGKILL (exactly a kill -9 at that point),
// `sleep=<ms>` blocks there. Read once at start; when unset, a fault point is one null check,
// and the points sit on the rewrite's steps and the PID file's takeover of a stale one only,
// never on the per-command path.

import { blockFor } from '../timers.js';

type Action = { kind: 'kill' } | { kind: 'sleep'; ms: number };

const faults: Map<string, Action> | null = parse(process.env.KS_FAULT);

function parse(spec: string | undefined): Map<string, Action> | null {
  if (!spec) return null;
  const m = new Map<string, Action>();
  for (const item of spec.split(',')) {
    const [point, action] = item.split(':');
    if (action === 'kill') m.set(point, { kind: 'kill' });
    else if (action?.startsWith('sleep=')) m.set(point, { kind: 'sleep', ms: Number(action.slice(6)) });
  }
  return m;
}

export function faultPoint(name: string): void {
  if (faults === null) return;
  const a = faults.get(name);
  if (a === undefined) return;
  if (a.kind === 'kill') {
    process.kill(process.pid, 'SIGKILL');
    // SIGKILL is delivered asynchronously; never run another step meanwhile.
    blockFor(10000);
  } else {
    blockFor(a.ms);
  }
}
