import { describe, expect, it } from 'vitest';
import type { Filter } from '../../filter/filter-ast.js';
import { filterPredicate } from '../../filter/filter-predicate.js';
import { MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH, parseFilter } from '../../filter/parse-filter.js';
import type { NormalizedItem } from '../../model/item.js';
import { expectSameRanking } from '../assertions.js';
import { bruteForce } from '../brute-force.js';
import { type ConformanceContext, spec } from '../context.js';
import { Random, makeItems } from '../random.js';

const DIMS = 8;
const COUNT = 300;

/**
 * The widest and deepest filter `parseFilter` accepts: `MAX_FILTER_DEPTH` levels of `$or`, `$and`
 * and `$not`, the `$or`/`$and` levels wide, exactly `MAX_FILTER_CONDITIONS` conditions in all.
 */
export function limitFilter(): Filter {
  const levels = MAX_FILTER_DEPTH - 1;
  const isNot = (level: number): boolean => level % 4 === 3;
  const perLevel = Math.floor(MAX_FILTER_CONDITIONS / (levels + 1)) - 1;
  const leaves = (n: number, level: number): Filter[] =>
    Array.from({ length: n }, (_, j) =>
      level % 2 === 0 ? { i: (level * 37 + j * 11) % COUNT } : { [`absent${j}`]: { $ne: j } },
    );
  let outer = 0;
  for (let level = 0; level < levels; level++) outer += isNot(level) ? 1 : 1 + perLevel;
  // Innermost: an $and holding whatever conditions remain.
  const rest = MAX_FILTER_CONDITIONS - outer - 1;
  let node: Filter = { $and: [{ group: { $in: ['a', 'b', 'c'] } }, ...leaves(rest - 1, 1)] };
  for (let level = levels - 1; level >= 0; level--) {
    if (isNot(level)) node = { $not: node };
    else if (level % 2 === 0) node = { $or: [node, ...leaves(perLevel, level)] };
    else node = { $and: [node, ...leaves(perLevel, level)] };
  }
  return node;
}

/** Filters with hundreds of children: SQL compilers must not nest them as deep as they are wide. */
export const WIDE_FILTER_CASES: readonly { name: string; filter: Filter }[] = [
  { name: '$or of 1,000 values of one key', filter: { $or: Array.from({ length: 1000 }, (_, j) => ({ i: j * 3 })) } },
  {
    name: '$or of 1,000 different keys',
    filter: { $or: [{ group: 'b' }, ...Array.from({ length: 999 }, (_, j) => ({ [`k${j}`]: j }))] },
  },
  {
    name: '$and of 1,000 keys',
    filter: { $and: [{ group: { $ne: 'a' } }, ...Array.from({ length: 999 }, (_, j) => ({ [`k${j}`]: { $exists: false } }))] },
  },
  {
    name: 'one object with 1,000 keys (an implicit $and)',
    filter: Object.fromEntries([['score', { $gte: 30 }], ...Array.from({ length: 999 }, (_, j) => [`k${j}`, { $ne: j }])]),
  },
  { name: `${MAX_FILTER_CONDITIONS} conditions nested ${MAX_FILTER_DEPTH} deep`, filter: limitFilter() },
];

/** Wide and deep filters up to core's limits: count and exact search equal brute force. */
export function wideFilterTests(ctx: ConformanceContext): void {
  describe('wide filters', () => {
    it('count and exact search answer every filter within parseFilter limits, equal to brute force', async () => {
      const b = await ctx.fresh();
      await b.createCollection(spec('w', DIMS, ctx.defaultMetric));
      const items: NormalizedItem[] = makeItems(new Random(301), COUNT, DIMS);
      await b.upsert('w', items);
      const data = new Map([['w', items]]);
      const rng = new Random(302);
      for (const { name, filter: f } of WIDE_FILTER_CASES) {
        const filter = parseFilter(f);
        const match = filterPredicate(filter);
        const want = items.filter((i) => match(i.metadata)).length;
        expect(want, `${name}: the case selects some items but not all`).toBeGreaterThan(0);
        expect(want, `${name}: the case selects some items but not all`).toBeLessThan(COUNT);
        expect(await b.count('w', filter), `count, ${name}`).toBe(want);
        const vector = rng.vector(DIMS);
        const ref = bruteForce({ items: data, vector, metric: ctx.defaultMetric, filter });
        const hits = await b.searchExact({ collections: ['w'], vector, k: 20, metric: ctx.defaultMetric, filter });
        try {
          expectSameRanking(hits, ref.ranked.slice(0, 20), ref.byKey);
        } catch (err) {
          throw new Error(`exact search, ${name}: ${(err as Error).message}`);
        }
        const scanned: string[] = [];
        for await (const batch of b.scan('w', { batchSize: 100, vectors: false, filter }))
          scanned.push(...batch.map((i) => i.id));
        expect(scanned.length, `scan, ${name}`).toBe(want);
      }
    });
  });
}
