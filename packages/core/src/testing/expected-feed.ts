import { expect } from 'vitest';
import type { Change } from '../model/change.js';
import type { NormalizedItem } from '../model/item.js';
import { expectBitExact } from './assertions.js';
import { describeChange, keyOf } from './feed.js';

interface Entry {
  op: 'upsert' | 'delete';
  collection: string;
  id: string;
  /** The write call that produced it; one call is one transaction. */
  write: number;
  item?: NormalizedItem;
}

/**
 * A model of what the feed must hold: each item's latest write, tagged with the number of the
 * write call that made it. Writes through {@link upsert} / {@link delete} in step with the backend.
 */
export class ExpectedFeed {
  #writes = 0;
  readonly #entries = new Map<string, Entry>();
  /** The items that exist now, by `collection\0id`. */
  readonly live = new Map<string, NormalizedItem & { collection: string }>();

  /** Number of the last write call so far; entries after it are what a reader has not seen. */
  get position(): number {
    return this.#writes;
  }

  upsert(collection: string, items: readonly NormalizedItem[]): void {
    const write = ++this.#writes;
    for (const item of items) {
      const key = keyOf({ collection, id: item.id });
      this.#entries.delete(key);
      this.#entries.set(key, { op: 'upsert', collection, id: item.id, write, item });
      this.live.set(key, { ...item, collection });
    }
  }

  /** Record a delete; returns how many existed (what the backend must return). */
  delete(collection: string, ids: readonly string[]): number {
    const write = ++this.#writes;
    let existed = 0;
    for (const id of ids) {
      const key = keyOf({ collection, id });
      if (!this.live.delete(key)) continue;
      existed++;
      this.#entries.delete(key);
      this.#entries.set(key, { op: 'delete', collection, id, write });
    }
    return existed;
  }

  /** Expect `changes` to be exactly the latest changes of `collections` after write `after`, in commit order. */
  expectChanges(changes: readonly Change[], collections: readonly string[], after = 0, vectors = true): void {
    const want = [...this.#entries.values()].filter((e) => e.write > after && collections.includes(e.collection));
    const wantByKey = new Map(want.map((e) => [keyOf(e), e]));
    const got = changes.map(describeChange);
    const context = `\n  got:  ${got.join(', ')}\n  want: ${want.map((e) => `${e.op} ${e.collection}/${e.id}`).join(', ')}`;
    expect(changes.length, `number of changes${context}`).toBe(want.length);
    let lastWrite = 0;
    const seen = new Set<string>();
    for (const c of changes) {
      const e = wantByKey.get(keyOf(c));
      if (e === undefined) return void expect.fail(`unexpected change ${describeChange(c)}${context}`);
      if (seen.has(keyOf(c))) expect.fail(`${c.collection}/${c.id} appears twice${context}`);
      seen.add(keyOf(c));
      expect(c.op, `op of ${c.collection}/${c.id}${context}`).toBe(e.op);
      if (e.write < lastWrite) expect.fail(`${describeChange(c)} is out of commit order${context}`);
      lastWrite = e.write;
      expect(Number.isFinite(c.modified), 'modified is a finite number').toBe(true);
      if (c.op === 'delete') {
        expect((c as { item?: unknown }).item, `a tombstone carries no item (${c.collection}/${c.id})`).toBeUndefined();
        continue;
      }
      const item = e.item as NormalizedItem;
      expect(c.item.id).toBe(c.id);
      expect(c.item.content, `content of ${c.collection}/${c.id}`).toEqual(item.content);
      expect(c.item.metadata, `metadata of ${c.collection}/${c.id}`).toEqual(item.metadata);
      expect(c.item.modified, 'item.modified equals change.modified').toBe(c.modified);
      if (vectors) expectBitExact(c.item.vector, item.vector, `vector of ${c.collection}/${c.id}`);
      else expect(c.item.vector, 'vectors: false returns no vector').toBeUndefined();
    }
  }
}
