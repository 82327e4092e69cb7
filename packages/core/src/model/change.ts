import type { StoredItem } from './item.js';

/**
 * An opaque position in a backend's change feed. Only the backend that issued it can interpret
 * it; store it as given and pass it back. `null` means "before the first change".
 */
export type ChangeCursor = string;

/**
 * One entry of the change feed: the *latest* state of one item. An item written several times
 * between two reads appears once, at the position of its last write; a deleted item appears as a
 * tombstone (`op: 'delete'`, no `item`).
 */
export type Change =
  | { op: 'upsert'; collection: string; id: string; modified: number; item: StoredItem }
  | { op: 'delete'; collection: string; id: string; modified: number };

export interface ReadChangesRequest {
  /** Changes of these collections, interleaved in commit order. */
  collections: readonly string[];
  /** Exclusive start; `null` reads from the beginning. */
  after: ChangeCursor | null;
  /** At most this many changes. */
  limit: number;
  /** Include vectors in upserts (default true). */
  vectors?: boolean;
}

export interface ChangeBatch {
  changes: Change[];
  /**
   * Pass this as `after` to continue. Reading again from it never skips a change that was
   * committed, whatever the clock did and in whatever order concurrent writers committed.
   */
  cursor: ChangeCursor | null;
  /** True when the batch reached the end of what is committed now. */
  done: boolean;
}
