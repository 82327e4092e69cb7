import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import type { Change, ChangeCursor } from '../../model/change.js';
import type { StoredItem } from '../../model/item.js';
import { expectBitExact } from '../assertions.js';
import type { ConformanceContext } from '../context.js';
import { keyOf, readAll } from '../feed.js';
import { Random } from '../random.js';
import { FeedFixture } from './change-feed.js';

const FOLLOWED = ['a', 'b'];

/** Rebuilds `collection\0id → item` purely from the feed, reading from a held cursor. */
class Follower {
  readonly state = new Map<string, StoredItem>();
  cursor: ChangeCursor | null = null;

  constructor(readonly backend: StorageBackend) {}

  apply(changes: readonly Change[]): void {
    for (const c of changes) {
      if (!FOLLOWED.includes(c.collection)) expect.fail(`change of unfollowed collection ${c.collection} in the feed`);
      if (c.op === 'upsert') this.state.set(keyOf(c), c.item);
      else this.state.delete(keyOf(c));
    }
  }

  async readOnce(limit: number): Promise<void> {
    const batch = await this.backend.readChanges({ collections: FOLLOWED, after: this.cursor, limit });
    expect(batch.changes.length).toBeLessThanOrEqual(limit);
    this.apply(batch.changes);
    this.cursor = batch.cursor;
  }

  async catchUp(limit: number): Promise<void> {
    const all = await readAll(this.backend, FOLLOWED, this.cursor, limit);
    this.apply(all.changes);
    this.cursor = all.cursor;
  }
}

/**
 * The key property of the feed: a follower that only ever reads changes from its cursor, while
 * writes keep happening between its reads, ends up with exactly the store's contents.
 */
export function changeFeedFollowerTests(ctx: ConformanceContext): void {
  describe('change feed follower', () => {
    it('rebuilds exactly the store contents from the feed while writes interleave with reads', async () => {
      const rng = new Random(601);
      const f = await FeedFixture.create(ctx, 602);
      const ids = Array.from({ length: 40 }, (_, i) => `id-${i}`);
      const follower = new Follower(f.b);
      for (let step = 0; step < 400; step++) {
        const r = rng.next();
        const collection = rng.pick(['a', 'b', 'a', 'b', 'c']);
        if (r < 0.45) await f.upsert(collection, ...rng.sample(ids, 1 + rng.int(5)));
        else if (r < 0.65) await f.delete(collection, ...rng.sample([...ids, 'ghost-1', 'ghost-2'], 1 + rng.int(4)));
        else if (r < 0.9) await follower.readOnce(1 + rng.int(8));
        else await follower.catchUp(1 + rng.int(8));
      }
      await follower.catchUp(5);

      const store = new Map<string, StoredItem>();
      for (const collection of FOLLOWED) {
        for (const item of await f.b.get(collection, ids, { vectors: true })) store.set(keyOf({ collection, id: item.id }), item);
      }
      expect([...follower.state.keys()].sort(), 'the follower holds exactly the stored items').toEqual([...store.keys()].sort());
      const model = [...f.model.live.keys()].filter((k) => FOLLOWED.some((c) => k.startsWith(`${c}\u0000`)));
      expect([...store.keys()].sort(), 'the store holds what was written').toEqual(model.sort());
      for (const [key, item] of store) {
        const seen = follower.state.get(key) as StoredItem;
        expect(seen.content, key).toEqual(item.content);
        expect(seen.metadata, key).toEqual(item.metadata);
        expect(seen.modified, key).toBe(item.modified);
        expectBitExact(seen.vector, item.vector as Float32Array, `vector of ${key}`);
      }

      // A second follower starting from scratch reaches the same state.
      const late = new Follower(f.b);
      await late.catchUp(7);
      expect([...late.state.keys()].sort()).toEqual([...store.keys()].sort());
      expect(await f.b.countChanges(FOLLOWED, follower.cursor)).toBe(0);
    });
  });
}
