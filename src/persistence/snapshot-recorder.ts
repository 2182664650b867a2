// One database's T0 data for an AOF rewrite (rewrite.ts): which of its keys the walk may still
// write as they are, and the T0 state of every key changed since, saved by the snapshot hook just
// before its first change.
//
// "Changed since T0" is a bitmap over the values dict's slots, not a Set of keys: a slot at or
// above the view's `limit` was allocated after T0, one below it is unchanged unless its bit is set
// (by the hook, by the walk, or as a freed slot SlotDict gave to a key added since: `claimed`). Profile of the Set (1M keys,
// redis-benchmark SET -r 1M during the rewrite): every write added a key to a Set that grew to
// hundreds of thousands of entries, and each of its rehashes stopped the server (50-65 ms under a
// long rewrite), and the walk looked every key up in it. The bitmap is allocated once at T0
// (an eighth of a byte per slot) and never grows.
//
// The saved states are encoded at once (a value changed in place later cannot leak in) into 1 MB
// chunks rather than one buffer: a buffer that doubles copies everything saved so far each time
// (tens of MB in one stop under a heavy write load).

import { ReplyBuffer } from '../protocol/encoder.js';
import type { SlotSnapshotView } from '../keyspace/slot-dict.js';
import type { Database } from '../keyspace/database.js';
import type { Value } from '../keyspace/values.js';
import { deadlineOrUndefined } from '../keyspace/deadline-column.js';
import { writeKey } from './keydump.js';

/** Bytes of saved states per chunk. */
const SAVED_CHUNK = 1024 * 1024;

export class SnapshotRecorder {
  /** The T0 data: keys, values and deadlines (a deadline change runs the hook too). */
  readonly values: SlotSnapshotView<Value>;
  /** Bit per T0 slot: set once the key is done (its T0 state saved by the hook, or written by the walk). */
  private readonly changedSlots: Uint32Array;
  private readonly limit: number;
  private readonly chunks: Buffer[] = [];
  private out = new ReplyBuffer();
  /** T0 keys done with so far (INFO current_save_keys_processed). */
  doneCount = 0;

  /** Starts recording `db` at T0. */
  constructor(db: Database) {
    this.values = db.dict.beginSnapshot(this.before, this.claimed);
    this.limit = this.values.limit;
    this.changedSlots = new Uint32Array((this.limit + 31) >>> 5);
  }

  /** Whether the key at `slot` of the T0 maps was added or changed since T0 (the walk skips it). */
  changed(slot: number): boolean {
    return slot >= this.limit || (this.changedSlots[slot >>> 5] & (1 << (slot & 31))) !== 0;
  }

  /**
   * The T0 key at `slot` is done with: the walk wrote (or dropped) it unchanged, or the hook saved
   * its T0 state. Either way neither does anything more for it.
   */
  done(slot: number): void {
    this.changedSlots[slot >>> 5] |= 1 << (slot & 31);
    this.doneCount++;
  }

  /** A freed slot was given to a key added since T0: the walk skips it (not counted as done). */
  private readonly claimed = (slot: number): void => {
    if (slot < this.limit) this.changedSlots[slot >>> 5] |= 1 << (slot & 31);
  };

  /** The snapshot hook: called before `key` changes (its value, its deadline, or its removal). */
  private readonly before = (key: string): void => {
    const slot = this.values.slot(key);
    // Missing at T0 (or added since): no T0 state to save, and the walk skips its slot.
    if (slot === undefined || this.changed(slot)) return;
    this.done(slot);
    writeKey(this.out, key, this.values.value(slot), deadlineOrUndefined(this.values.deadline(slot)));
    if (this.out.len >= SAVED_CHUNK) this.chunks.push(this.out.take());
  };

  /** The saved T0 states, as commands; the recorder is spent after this. */
  takeSaved(): Buffer[] {
    const all = this.chunks.splice(0);
    if (this.out.len > 0) all.push(this.out.take());
    this.out = new ReplyBuffer();
    return all;
  }

  /** Stops calling the hook (idempotent). */
  end(): void {
    this.values.end();
  }
}
