import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import type { Filter, FilterNode } from '../../filter/filter-ast.js';
import { filterPredicate } from '../../filter/filter-predicate.js';
import { parseFilter } from '../../filter/parse-filter.js';
import type { NormalizedItem } from '../../model/item.js';
import { expectSameRanking } from '../assertions.js';
import { bruteForce } from '../brute-force.js';
import { type ConformanceContext, spec } from '../context.js';
import { Random, makeItems } from '../random.js';
import { FILTER_CASES } from './filters.js';
import { randomFilter, randomMetadata } from './filter-property.js';

const DIMS = 4;

/** Every key `makeItems` writes, nested ones, one through an array, one never present. */
const MADE_FIELDS = [
  'i',
  'group',
  'score',
  'tag',
  'flag',
  'mixed',
  'arr',
  'maybe',
  'rare',
  'nested',
  'nested.level',
  'nested.name',
  'nested.level.deeper',
  'never',
];
/** `randomMetadata`'s keys (see filter-property.ts). */
const RANDOM_FIELDS = ['a', 'b', 'c', 'n', 'n.x', 'n.y', 'n.x.z', 'arr', 'missing', 'n.missing'];

/** Type edge cases on top of FILTER_CASES: numbers stored as strings, booleans against 1, null, missing. */
const EDGE_CASES: readonly Filter[] = [
  { mixed: { $lt: '5' } },
  { mixed: { $gte: 1 } },
  { mixed: { $in: [1, '1', true, null] } },
  { mixed: { $nin: ['1'] } },
  { flag: { $in: [true, 1] } },
  { flag: { $gte: 0 } },
  { maybe: { $gte: 0 } },
  { maybe: { $exists: false } },
  { maybe: { $in: [null] } },
  { never: { $exists: false } },
  { never: { $ne: 1 } },
  { arr: { $in: [0, 'x'] } },
  { nested: 'n1' },
  { $not: { score: { $lt: 50 } } },
  { $or: [{ group: 'a' }, { $not: { i: { $lt: 400 } } }] },
  { $and: [{ i: { $gte: 10 } }, { i: { $lt: 20 } }, { tag: { $exists: true } }] },
];

/**
 * Declared filterable fields (`CollectionPatch.filterable`, only when the backend declares
 * `capabilities.filterableFields`): a collection declaring them answers every filter exactly as
 * one that does not — counts, scans, matching ids and filtered exact search — whatever the
 * metadata types (numbers stored as strings, booleans, null, missing keys, arrays, objects),
 * before and after writes, and after the declaration changes.
 */
export function filterableTests(ctx: ConformanceContext): void {
  describe('filterable fields', () => {
    const supported = async (): Promise<StorageBackend | null> => {
      const b = await ctx.fresh();
      return b.capabilities.filterableFields === true ? b : null;
    };
    const skip = `${ctx.options.name} declares no filterable fields (capabilities.filterableFields)`;

    /** Every observable answer to `node` in `collection`, in a comparable form. */
    const answers = async (b: StorageBackend, collection: string, node: FilterNode | null, vector: Float32Array) => {
      const scanned: string[] = [];
      for await (const batch of b.scan(collection, { batchSize: 64, vectors: false, filter: node })) {
        for (const item of batch) scanned.push(item.id);
      }
      const ids = b.matchingIds === undefined || node === null ? null : (await b.matchingIds(collection, node)).sort();
      const hits = await b.searchExact({ collections: [collection], vector, k: 7, metric: ctx.defaultMetric, filter: node });
      return { count: await b.count(collection, node), scanned: scanned.sort(), ids, hits: hits.map((h) => h.id) };
    };

    it('answers every filter case like an undeclared collection, and like brute force', async (t) => {
      const b = await supported();
      if (b === null) return t.skip(skip);
      const items = makeItems(new Random(301), 400, DIMS);
      await b.createCollection(spec('plain', DIMS, ctx.defaultMetric));
      await b.createCollection(spec('declared', DIMS, ctx.defaultMetric));
      await b.upsert('plain', items);
      // Half the items before the declaration (the index is built over them), half after.
      await b.upsert('declared', items.slice(0, 200));
      const info = await b.updateCollection('declared', { filterable: MADE_FIELDS });
      expect(info.filterable).toEqual(MADE_FIELDS);
      await b.upsert('declared', items.slice(200));
      const rng = new Random(302);
      for (const f of [...FILTER_CASES, ...EDGE_CASES]) {
        const node = parseFilter(f);
        const vector = rng.vector(DIMS);
        const plain = await answers(b, 'plain', node, vector);
        const declared = await answers(b, 'declared', node, vector);
        const expected = items.filter((i) => filterPredicate(node)(i.metadata)).length;
        expect(plain.count, `count ${JSON.stringify(f)}`).toBe(expected);
        expect(declared, `declared vs undeclared: ${JSON.stringify(f)}`).toEqual(plain);
        const ref = bruteForce({ items: new Map([['declared', items]]), vector, metric: ctx.defaultMetric, filter: node });
        const hits = await b.searchExact({ collections: ['declared'], vector, k: 7, metric: ctx.defaultMetric, filter: node });
        expectSameRanking(hits, ref.ranked.slice(0, 7), ref.byKey);
      }
    });

    it('agrees with the undeclared collection on 300 random filters over mixed-type metadata', async (t) => {
      const b = await supported();
      if (b === null) return t.skip(skip);
      const rng = new Random(303);
      const items: NormalizedItem[] = Array.from({ length: 250 }, (_, n) => ({
        id: `r${n}`,
        vector: rng.vector(DIMS),
        content: null,
        metadata: randomMetadata(rng),
      }));
      await b.createCollection(spec('plain', DIMS, ctx.defaultMetric));
      await b.createCollection(spec('declared', DIMS, ctx.defaultMetric));
      await b.updateCollection('declared', { filterable: RANDOM_FIELDS });
      await b.upsert('plain', items);
      await b.upsert('declared', items);
      for (let q = 0; q < 300; q++) {
        const f = randomFilter(rng);
        const node = parseFilter(f);
        const expected = items
          .filter((i) => filterPredicate(node)(i.metadata))
          .map((i) => i.id)
          .sort();
        const declaredIds: string[] = [];
        for await (const batch of b.scan('declared', { batchSize: 1000, vectors: false, filter: node })) {
          for (const item of batch) declaredIds.push(item.id);
        }
        expect(declaredIds.sort(), `scan ${JSON.stringify(f)}`).toEqual(expected);
        expect(await b.count('declared', node), `count ${JSON.stringify(f)}`).toBe(expected.length);
        expect(await b.count('plain', node), `count (undeclared) ${JSON.stringify(f)}`).toBe(expected.length);
        if (b.matchingIds !== undefined && node !== null)
          expect((await b.matchingIds('declared', node)).sort()).toEqual(expected);
      }
    });

    it('keeps the declaration across updates, deletes, re-declaration, reopening and re-creation', async (t) => {
      const b = await supported();
      if (b === null) return t.skip(skip);
      await b.createCollection(spec('c', DIMS, ctx.defaultMetric, 'm1'));
      expect((await b.getCollection('c'))?.filterable).toBeUndefined();
      await b.updateCollection('c', { filterable: ['g', 'x.y'] });
      const rng = new Random(304);
      const item = (n: number, g: unknown): NormalizedItem => ({
        id: `i${n}`,
        vector: rng.vector(DIMS),
        content: null,
        metadata: { g: g as number, x: { y: n % 2 } },
      });
      await b.upsert('c', [item(1, 1), item(2, '1'), item(3, 2), item(4, null), item(5, true)]);
      const g1 = parseFilter({ g: 1 });
      expect(await b.count('c', g1)).toBe(1);
      await b.upsert('c', [item(2, 1), item(3, 1)]); // changed values are found through the index
      expect(await b.count('c', g1)).toBe(3);
      await b.delete('c', ['i1']);
      expect(await b.count('c', g1)).toBe(2);
      const info = await b.updateCollection('c', { filterable: ['x.y', 'h'], model: 'm2' });
      expect(info).toMatchObject({ filterable: ['x.y', 'h'], model: 'm2' });
      expect(await b.count('c', g1)).toBe(2);
      expect(await b.count('c', parseFilter({ 'x.y': 1 }))).toBe(2);
      // A patch without `filterable` keeps it; [] drops it.
      expect((await b.updateCollection('c', { defaultIndex: null })).filterable).toEqual(['x.y', 'h']);
      expect(await b.getCollection('c')).toEqual(info);
      expect((await b.listCollections()).find((c) => c.name === 'c')).toEqual(info);
      expect((await b.updateCollection('c', { filterable: [] })).filterable).toBeUndefined();
      expect(await b.count('c', g1)).toBe(2);
      await b.updateCollection('c', { filterable: ['g'] });
      expect(await b.deleteCollection('c')).toBe(true);
      const again = await b.createCollection(spec('c', DIMS, ctx.defaultMetric));
      expect(again.filterable).toBeUndefined();
      await b.upsert('c', [item(1, 1)]);
      expect(await b.count('c', g1)).toBe(1);
      await b.updateCollection('c', { filterable: ['g'] });
      const location = await ctx.location();
      const first = await ctx.open(location);
      await first.createCollection(spec('p', DIMS, ctx.defaultMetric));
      await first.updateCollection('p', { filterable: ['tenant'] });
      await first.upsert('p', [{ id: 'a', vector: rng.vector(DIMS), content: null, metadata: { tenant: 't1' } }]);
      await first.close();
      const second = await ctx.open(location);
      expect((await second.getCollection('p'))?.filterable).toEqual(['tenant']);
      expect(await second.count('p', parseFilter({ tenant: 't1' }))).toBe(1);
    });
  });
}
