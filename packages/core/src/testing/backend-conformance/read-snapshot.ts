import { describe, expect, it } from 'vitest';
import type { SnapshotReader, StorageBackend } from '../../contracts/storage-backend.js';
import type { ConformanceContext } from '../context.js';
import { FeedFixture } from './change-feed.js';

/** `StorageBackend.readSnapshot` (only run when the backend has it: it is optional). */
export function readSnapshotTests(ctx: ConformanceContext): void {
  describe('read snapshot', () => {
    it('every read of the reader sees the store as of the snapshot, whatever is written meanwhile', async (t) => {
      const f = await FeedFixture.create(ctx, 1301);
      if (typeof f.b.readSnapshot !== 'function') t.skip(`${ctx.options.name} has no readSnapshot (it is optional)`);
      const b = f.b as StorageBackend & Required<Pick<StorageBackend, 'readSnapshot'>>;
      await f.upsert('a', 'x1', 'x2');
      await f.upsert('b', 'x1');
      const ids = async (r: SnapshotReader, c: string) => {
        const out: string[] = [];
        for await (const batch of r.scan(c, { batchSize: 1, vectors: false })) for (const i of batch) out.push(i.id);
        return out.sort();
      };
      const seen = await b.readSnapshot(async (r) => {
        const first = await r.count('a');
        // Writes outside the snapshot, committed while it is open.
        await f.upsert('a', 'x3');
        await f.upsert('b', 'x2');
        await f.delete('a', 'x1');
        await f.b.createCollection({ name: 'd', dimensions: 4, metric: ctx.defaultMetric, model: null });
        return {
          first,
          a: await ids(r, 'a'),
          b: await r.count('b'),
          x1: (await r.get('a', ['x1'], { vectors: false })).map((i) => i.id),
          d: await r.getCollection('d'),
          names: (await r.listCollections()).map((c) => c.name).filter((n) => !n.startsWith('_')),
        };
      });
      expect(seen.first).toBe(2);
      expect(seen.a, 'a scan inside the snapshot sees neither the later upsert nor the later delete').toEqual(['x1', 'x2']);
      expect(seen.b).toBe(1);
      expect(seen.x1).toEqual(['x1']);
      expect(seen.d, 'a collection created after the snapshot is not in it').toBeNull();
      expect(seen.names.sort()).toEqual(['a', 'b', 'c']);
      expect((await f.b.count('a')) + (await f.b.count('b')), 'outside the snapshot the writes are there').toBe(4);
    });
  });
}
