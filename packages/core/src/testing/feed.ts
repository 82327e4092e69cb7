import { expect } from 'vitest';
import type { StorageBackend } from '../contracts/storage-backend.js';
import type { Change, ChangeCursor } from '../model/change.js';
import type { StoredItem } from '../model/item.js';

/** Read the change feed from `after` until `done`, in batches of `limit`, checking each batch's shape. */
export async function readAll(
  backend: StorageBackend,
  collections: readonly string[],
  after: ChangeCursor | null,
  limit = 1000,
  vectors = true,
): Promise<{ changes: Change[]; cursor: ChangeCursor | null; batches: number }> {
  const changes: Change[] = [];
  let cursor = after;
  for (let batches = 1; batches <= 100_000; batches++) {
    const batch = await backend.readChanges({ collections, after: cursor, limit, vectors });
    expect(batch.changes.length, `a batch holds at most limit=${limit} changes`).toBeLessThanOrEqual(limit);
    if (!batch.done && batch.changes.length === 0) {
      expect(batch.cursor, 'an empty batch that is not done must move the cursor').not.toEqual(cursor);
    }
    changes.push(...batch.changes);
    cursor = batch.cursor;
    if (batch.done) return { changes, cursor, batches };
  }
  return expect.fail('the change feed never reported done');
}

/** `collection\0id`: the identity of an item across collections. */
export function keyOf(c: { collection: string; id: string }): string {
  return `${c.collection}\u0000${c.id}`;
}

/** The feed lists each item at most once (its latest state). */
export function expectNoDuplicates(changes: readonly Change[]): void {
  const seen = new Set<string>();
  for (const c of changes) {
    if (seen.has(keyOf(c))) expect.fail(`${c.collection}/${c.id} appears twice in one read of the feed`);
    seen.add(keyOf(c));
  }
}

/** A compact view of a change for comparisons: `upsert a/x` or `delete a/x`. */
export function describeChange(c: Change): string {
  return `${c.op} ${c.collection}/${c.id}`;
}

/** The item of an upsert change (fails on a tombstone). */
export function itemOf(c: Change): StoredItem {
  if (c.op !== 'upsert') return expect.fail(`expected an upsert for ${c.collection}/${c.id}, got a tombstone`);
  return c.item;
}

/** A clock tests move by hand. */
export class ManualClock {
  now: number;
  constructor(start: number) {
    this.now = start;
  }
  readonly read = (): number => this.now;
}
