import { describe, expect, it } from 'vitest';
import type { IndexDefinition, IndexSyncState } from '../../model/index-definition.js';
import { expectVecdexError } from '../assertions.js';
import { type ConformanceContext, spec } from '../context.js';
import { readAll } from '../feed.js';
import { Random, makeItems } from '../random.js';

/** An index definition with nested JSON params, as core stores them. */
export function definition(name: string, collections: string[] = ['docs']): IndexDefinition {
  return {
    name,
    plugin: 'hnswlib',
    collections,
    params: { m: 16, efConstruction: 200, space: 'l2', nested: { list: [1, 'two', null, false], ratio: 0.25 }, label: 'ü 😀' },
    createdAt: 1_700_000_000_000,
  };
}

/** The index catalog: definitions and their sync state. */
export function indexCatalogTests(ctx: ConformanceContext): void {
  describe('index catalog', () => {
    it('creates, gets, lists and deletes definitions', async () => {
      const b = await ctx.fresh();
      await b.createCollection(spec('docs', 8, ctx.defaultMetric));
      await b.createCollection(spec('more', 8, ctx.defaultMetric));
      expect(await b.listIndexDefinitions()).toEqual([]);
      expect(await b.getIndexDefinition('idx')).toBeNull();
      const one = definition('idx');
      const two = definition('idx-2', ['docs', 'more']);
      await b.createIndexDefinition(one);
      await b.createIndexDefinition(two);
      expect(await b.getIndexDefinition('idx')).toEqual(one);
      expect(await b.getIndexDefinition('idx-2')).toEqual(two);
      const listed = await b.listIndexDefinitions();
      expect([...listed].sort((x, y) => (x.name < y.name ? -1 : 1))).toEqual([one, two]);
      expect(await b.deleteIndexDefinition('idx')).toBe(true);
      expect(await b.deleteIndexDefinition('idx')).toBe(false);
      expect(await b.getIndexDefinition('idx')).toBeNull();
      expect(await b.listIndexDefinitions()).toEqual([two]);
    });

    it('refuses a duplicate name with INDEX_EXISTS, keeping the original', async () => {
      const b = await ctx.fresh();
      await b.createCollection(spec('docs', 8, ctx.defaultMetric));
      await b.createIndexDefinition(definition('idx'));
      await expectVecdexError(b.createIndexDefinition({ ...definition('idx'), plugin: 'other' }), 'INDEX_EXISTS');
      expect(await b.getIndexDefinition('idx')).toEqual(definition('idx'));
    });

    it('round-trips sync state, overwrites it, and forgets it with the definition', async () => {
      const b = await ctx.fresh();
      await b.createCollection(spec('docs', 8, ctx.defaultMetric));
      await b.upsert('docs', makeItems(new Random(801), 5, 8));
      await b.createIndexDefinition(definition('idx'));
      expect(await b.getIndexState('idx')).toBeNull();
      const empty: IndexSyncState = { cursor: null, state: {}, updatedAt: 1 };
      await b.putIndexState('idx', empty);
      expect(await b.getIndexState('idx')).toEqual(empty);
      const { cursor } = await readAll(b, ['docs'], null, 2);
      const built: IndexSyncState = {
        cursor,
        state: { file: 'idx.bin', sha256: 'ab'.repeat(32), count: 5, parts: [1, 2] },
        updatedAt: 2,
      };
      await b.putIndexState('idx', built);
      const back = await b.getIndexState('idx');
      expect(back).toEqual(built);
      // The stored cursor still works as a feed position.
      expect((await b.readChanges({ collections: ['docs'], after: back?.cursor ?? null, limit: 10 })).changes).toEqual([]);
      expect(await b.deleteIndexDefinition('idx')).toBe(true);
      expect(await b.getIndexState('idx')).toBeNull();
      await b.createIndexDefinition(definition('idx'));
      expect(await b.getIndexState('idx'), 'a re-created definition starts without state').toBeNull();
    });
  });
}
