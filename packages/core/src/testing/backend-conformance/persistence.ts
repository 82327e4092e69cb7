import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import { parseFilter } from '../../filter/parse-filter.js';
import type { NormalizedItem } from '../../model/item.js';
import { expectSameItem, expectVecdexError } from '../assertions.js';
import { type ConformanceContext, spec } from '../context.js';
import { describeChange, readAll } from '../feed.js';
import { Random, makeItems } from '../random.js';
import { definition } from './index-catalog.js';

/** Everything survives close and reopen of the same location; a closed backend says so. */
export function persistenceTests(ctx: ConformanceContext): void {
  describe('persistence', () => {
    it('keeps collections, items (vectors bit-exact), the feed and the index catalog across close and reopen', async () => {
      const location = await ctx.location();
      const b1 = await ctx.open(location);
      const rng = new Random(901);
      const other = ctx.metrics.find((m) => m !== ctx.defaultMetric) ?? ctx.defaultMetric;
      await b1.createCollection(spec('first', 8, ctx.defaultMetric, 'model-a'));
      await b1.createCollection(spec('second', 24, other));
      await b1.updateCollection('first', { defaultIndex: 'idx' });
      const first = makeItems(rng, 80, 8);
      first[0] = {
        ...(first[0] as NormalizedItem),
        vector: new Float32Array([-0, 1e-40, 3.4e38, -1.17e-38, 0.1, 1 / 3, -7, 2 ** -20]),
      };
      const second = makeItems(rng, 40, 24, 's-');
      await b1.upsert('first', first.slice(0, 50));
      await b1.upsert('second', second);
      await b1.upsert('first', first.slice(50));
      expect(await b1.delete('first', ['item-3', 'item-4'])).toBe(2);
      await b1.createIndexDefinition(definition('idx', ['first']));
      const mid = await b1.readChanges({ collections: ['first', 'second'], after: null, limit: 30 });
      await b1.putIndexState('idx', { cursor: mid.cursor, state: { n: 30 }, updatedAt: 5 });
      const rest = await readAll(b1, ['first', 'second'], mid.cursor, 9);
      const head = await b1.headCursor();
      const collections = await b1.listCollections();
      const query = rng.vector(8);
      const search = {
        collections: ['first'],
        vector: query,
        k: 10,
        metric: ctx.defaultMetric,
        filter: parseFilter({ group: 'a' }),
      };
      const hits = await b1.searchExact(search);
      await b1.close();

      const b2 = await ctx.open(location);
      expect(await b2.listCollections()).toEqual(collections);
      expect(await b2.count('first')).toBe(78);
      expect(await b2.count('second')).toBe(40);
      const kept = first.filter((i) => i.id !== 'item-3' && i.id !== 'item-4');
      const got = await b2.get(
        'first',
        kept.map((i) => i.id),
      );
      for (const [i, item] of kept.entries()) expectSameItem(got[i], item);
      const got2 = await b2.get(
        'second',
        second.map((i) => i.id),
      );
      for (const [i, item] of second.entries()) expectSameItem(got2[i], item);
      expect(await b2.getIndexDefinition('idx')).toEqual(definition('idx', ['first']));
      const state = await b2.getIndexState('idx');
      expect(state).toEqual({ cursor: mid.cursor, state: { n: 30 }, updatedAt: 5 });
      expect(await b2.searchExact(search)).toEqual(hits);

      // Cursors from before the restart continue where they were.
      const again = await readAll(b2, ['first', 'second'], state?.cursor ?? null, 9);
      expect(again.changes.map(describeChange)).toEqual(rest.changes.map(describeChange));
      expect(await b2.countChanges(['first', 'second'], head)).toBe(0);
      await b2.upsert('second', [{ id: 'after-restart', vector: rng.vector(24), content: null, metadata: null }]);
      await b2.delete('first', ['item-5']);
      const fresh = await readAll(b2, ['first', 'second'], head, 1);
      expect(fresh.changes.map(describeChange)).toEqual(['upsert second/after-restart', 'delete first/item-5']);
      expect((await readAll(b2, ['first', 'second'], rest.cursor)).changes.map(describeChange)).toEqual(
        fresh.changes.map(describeChange),
      );
    });

    it('throws STORE_CLOSED from every method after close', async () => {
      const b = await ctx.fresh();
      await b.createCollection(spec('docs', 4, ctx.defaultMetric));
      await b.upsert('docs', makeItems(new Random(902), 3, 4));
      await b.createIndexDefinition(definition('idx'));
      await b.close();
      const vector = new Float32Array([1, 2, 3, 4]);
      const calls: [string, (s: StorageBackend) => Promise<unknown>][] = [
        ['createCollection', (s) => s.createCollection(spec('x', 4, ctx.defaultMetric))],
        ['getCollection', (s) => s.getCollection('docs')],
        ['listCollections', (s) => s.listCollections()],
        ['updateCollection', (s) => s.updateCollection('docs', { model: 'm' })],
        ['deleteCollection', (s) => s.deleteCollection('docs')],
        ['upsert', (s) => s.upsert('docs', [{ id: 'n', vector, content: null, metadata: null }])],
        ['get', (s) => s.get('docs', ['item-0'])],
        ['delete', (s) => s.delete('docs', ['item-0'])],
        ['count', (s) => s.count('docs')],
        [
          'scan',
          async (s) => {
            for await (const _ of s.scan('docs', { batchSize: 2 })) {
              /* drain */
            }
          },
        ],
        ['searchExact', (s) => s.searchExact({ collections: ['docs'], vector, k: 1, metric: ctx.defaultMetric })],
        ['readChanges', (s) => s.readChanges({ collections: ['docs'], after: null, limit: 1 })],
        ['countChanges', (s) => s.countChanges(['docs'], null)],
        ['headCursor', (s) => s.headCursor()],
        ['createIndexDefinition', (s) => s.createIndexDefinition(definition('idx-2'))],
        ['getIndexDefinition', (s) => s.getIndexDefinition('idx')],
        ['listIndexDefinitions', (s) => s.listIndexDefinitions()],
        ['deleteIndexDefinition', (s) => s.deleteIndexDefinition('idx')],
        ['getIndexState', (s) => s.getIndexState('idx')],
        ['putIndexState', (s) => s.putIndexState('idx', { cursor: null, state: {}, updatedAt: 1 })],
      ];
      for (const [name, call] of calls) {
        try {
          await expectVecdexError(async () => call(b), 'STORE_CLOSED');
        } catch (err) {
          throw new Error(`${name} after close: ${(err as Error).message}`);
        }
      }
    });
  });
}
