import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import type { Filter } from '../../filter/filter-ast.js';
import { filterPredicate } from '../../filter/filter-predicate.js';
import { parseFilter } from '../../filter/parse-filter.js';
import type { NormalizedItem } from '../../model/item.js';
import { expectSameRanking } from '../assertions.js';
import { bruteForce } from '../brute-force.js';
import { type ConformanceContext, spec } from '../context.js';
import { Random, makeItems } from '../random.js';

const DIMS = 8;
const COUNT = 500;

/**
 * Filters with the documented semantics (see `FilterNode`): type-strict equality, `$ne`/`$nin`
 * matching missing keys, `null` being present, arrays never equal to scalars, code-point string
 * order, nested paths, and the boolean combinators.
 */
export const FILTER_CASES: readonly Filter[] = [
  {},
  { group: 'a' },
  { group: { $ne: 'a' } },
  { group: 'nothing-has-this' },
  { score: { $gte: 50 } },
  { score: { $lt: 10.5 } },
  { score: { $gt: 20, $lte: 40 } },
  { i: { $gte: 100, $lt: 103 } },
  { tag: { $gt: 'beta' } },
  { tag: { $lte: 'Beta' } },
  { tag: '' },
  { tag: 'ä-umlaut' },
  { tag: { $in: ['alpha', '😀 emoji'] } },
  { tag: { $nin: ['alpha', 'gamma'] } },
  { flag: true },
  { flag: 1 },
  { mixed: 1 },
  { mixed: '1' },
  { mixed: { $gt: 0 } },
  { arr: 0 },
  { arr: { $exists: true } },
  { 'nested.level': { $gte: 3 } },
  { 'nested.name': { $in: ['n1', 'n2'] } },
  { nested: { $exists: true } },
  { 'group.x': { $exists: false } },
  { 'nested.level.deeper': 1 },
  { rare: 'yes' },
  { rare: { $exists: true } },
  { rare: { $exists: false } },
  { maybe: null },
  { maybe: { $ne: null } },
  { maybe: { $exists: true } },
  { maybe: { $in: [null, 3] } },
  { maybe: { $nin: [null] } },
  { $or: [{ group: 'a' }, { score: { $lt: 5 } }] },
  { $not: { group: 'b' } },
  { $and: [{ flag: false }, { 'nested.level': { $in: [1, 2] } }] },
  { $not: { $or: [{ flag: true }, { rare: { $exists: true } }] } },
  { $or: [{ $and: [{ group: 'c' }, { score: { $gte: 60 } }] }, { i: 7 }] },
];

/** Filtered count and exact search: exactly min(k, #matching) hits, equal to brute force. */
export function filterTests(ctx: ConformanceContext): void {
  describe('filters', () => {
    // A fresh store per test (the context closes it after each test).
    const setup = async (): Promise<{ b: StorageBackend; data: Map<string, NormalizedItem[]>; rng: Random }> => {
      const b = await ctx.fresh();
      await b.createCollection(spec('f', DIMS, ctx.defaultMetric));
      const items = makeItems(new Random(201), COUNT, DIMS);
      await b.upsert('f', items);
      return { b, data: new Map([['f', items]]), rng: new Random(202) };
    };

    it('count with a filter equals brute force for every filter case', async () => {
      const { b, data } = await setup();
      const items = data.get('f') as NormalizedItem[];
      for (const f of FILTER_CASES) {
        const node = parseFilter(f);
        const match = filterPredicate(node);
        expect(await b.count('f', node), `count ${JSON.stringify(f)}`).toBe(items.filter((i) => match(i.metadata)).length);
      }
    });

    it('exact search with a filter returns exactly min(k, #matching) hits, equal to brute force', async () => {
      const { b, data, rng } = await setup();
      for (const f of FILTER_CASES) {
        const filter = parseFilter(f);
        const vector = rng.vector(DIMS);
        const ref = bruteForce({ items: data, vector, metric: ctx.defaultMetric, filter });
        for (const k of [1, 10, 600]) {
          const hits = await b.searchExact({ collections: ['f'], vector, k, metric: ctx.defaultMetric, filter });
          try {
            expectSameRanking(hits, ref.ranked.slice(0, k), ref.byKey);
          } catch (err) {
            throw new Error(`filter ${JSON.stringify(f)}, k=${k}: ${(err as Error).message}`);
          }
        }
      }
    });

    it('a very selective filter (3 of 500 items) with k=10 returns exactly those 3', async () => {
      const { b, data, rng } = await setup();
      const filter = parseFilter({ rare: 'yes' });
      for (let q = 0; q < 5; q++) {
        const vector = rng.vector(DIMS);
        const hits = await b.searchExact({ collections: ['f'], vector, k: 10, metric: ctx.defaultMetric, filter });
        expect(hits.map((h) => h.id).sort(), 'a short result must never be silent').toEqual(['item-17', 'item-230', 'item-411']);
        const ref = bruteForce({ items: data, vector, metric: ctx.defaultMetric, filter });
        expectSameRanking(hits, ref.ranked, ref.byKey);
      }
    });

    it('filters, excludes and merges across collections together', async () => {
      const { b, data, rng } = await setup();
      await b.createCollection(spec('g', DIMS, ctx.defaultMetric));
      const more = makeItems(new Random(203), 200, DIMS);
      await b.upsert('g', more);
      data.set('g', more);
      const filter = parseFilter({ $or: [{ rare: 'yes' }, { group: 'd', flag: true }] });
      const exclude = [{ collection: 'g', id: 'item-17' }];
      const vector = rng.vector(DIMS);
      const ref = bruteForce({ items: data, vector, metric: ctx.defaultMetric, filter, exclude });
      for (const k of [3, 25, 1000]) {
        const hits = await b.searchExact({ collections: ['f', 'g'], vector, k, metric: ctx.defaultMetric, filter, exclude });
        expectSameRanking(hits, ref.ranked.slice(0, k), ref.byKey);
      }
    });
  });
}
