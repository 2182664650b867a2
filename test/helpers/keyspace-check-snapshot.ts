// Snapshots in the keyspace checker (keyspace-check.ts): a SlotDict snapshot (what an AOF rewrite
// opens) taken mid-run, with the workload going on, must keep its promise: its hook runs before the
// first change of each key of the T0 data, when the view still reads the T0 value; a key added to
// that table meanwhile gets a slot at or above the view's limit or a freed one claimed in the
// snapshot; and at the end the slots below the limit neither claimed nor holding a key whose hook
// ran hold exactly the T0 keys left unchanged, with their T0 values and deadlines.

import type { Database } from '../../src/keyspace/database.js';
import type { SlotSnapshotView } from '../../src/keyspace/slot-dict.js';
import type { Value } from '../../src/keyspace/values.js';

/** One key of the T0 data: value and deadline (NaN: none), as the table stores them. */
interface T0Entry {
  v: Value;
  dl: number;
}

export class SnapshotCheck {
  private readonly t0 = new Map<string, T0Entry>();
  /** Keys whose hook ran (the T0 ones among them were saved before changing). */
  private readonly hooked = new Set<string>();
  /** Freed slots given to keys added since T0. */
  private readonly claimed = new Set<number>();
  private readonly view: SlotSnapshotView<Value>;

  /** Opens a snapshot of `db` as it is now; problems go to `fail`. */
  constructor(
    db: Database,
    private readonly fail: (msg: string) => void,
  ) {
    for (const [k, v] of db.dict.entries()) this.t0.set(k, { v, dl: db.expires.get(k) ?? NaN });
    this.view = db.dict.beginSnapshot((key) => this.before(key), (slot) => this.claim(slot));
  }

  private claim(slot: number): void {
    const key = this.view.keyAt(slot);
    if (key !== undefined) this.fail(`snapshot: slot ${slot}, claimed for a new key, holds ${JSON.stringify(key)}`);
    this.claimed.add(slot);
  }

  private before(key: string): void {
    if (this.hooked.has(key)) return;
    this.hooked.add(key);
    const was = this.t0.get(key);
    if (was === undefined) return;
    const slot = this.view.slot(key);
    if (slot === undefined || slot >= this.view.limit) return this.fail(`snapshot: the hook for T0 key ${JSON.stringify(key)} ran with the key at slot ${slot}`);
    if (this.view.value(slot) !== was.v || !sameDeadline(this.view.deadline(slot), was.dl)) {
      this.fail(`snapshot: the hook for ${JSON.stringify(key)} ran after its change`);
    }
  }

  /** Ends the snapshot and checks what it left (see the module comment). */
  close(): void {
    const v = this.view;
    const unchanged = new Set<string>();
    for (let slot = 0; slot < v.limit; slot = v.next(slot)) {
      const key = v.keyAt(slot);
      if (key === undefined || this.hooked.has(key) || this.claimed.has(slot)) continue;
      const was = this.t0.get(key);
      if (was === undefined) return this.fail(`snapshot: ${JSON.stringify(key)}, not in the T0 data, holds slot ${slot} below the limit ${v.limit} without its hook`);
      if (v.value(slot) !== was.v || !sameDeadline(v.deadline(slot), was.dl)) return this.fail(`snapshot: ${JSON.stringify(key)} changed without its hook`);
      unchanged.add(key);
    }
    for (const k of this.t0.keys()) {
      if (!this.hooked.has(k) && !unchanged.has(k)) return this.fail(`snapshot: T0 key ${JSON.stringify(k)} is gone without its hook`);
    }
    for (const k of this.hooked) {
      const slot = v.slot(k);
      if (!this.t0.has(k) && slot !== undefined && slot < v.limit && !this.claimed.has(slot)) return this.fail(`snapshot: ${JSON.stringify(k)}, added after T0, got slot ${slot} below the limit ${v.limit} unclaimed`);
    }
    v.end();
  }
}

function sameDeadline(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
