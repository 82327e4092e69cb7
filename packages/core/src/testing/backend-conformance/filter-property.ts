import { describe, expect, it } from 'vitest';
import type { Filter } from '../../filter/filter-ast.js';
import { filterPredicate } from '../../filter/filter-predicate.js';
import { parseFilter } from '../../filter/parse-filter.js';
import type { JsonValue, Metadata, NormalizedItem } from '../../model/item.js';
import { type ConformanceContext, spec } from '../context.js';
import { Random } from '../random.js';

const DIMS = 4;
const ITEMS = 300;
const FILTERS = 400;

/** Keys filters ask about: top-level, nested, through a non-object, and never present. */
const PATHS = ['a', 'b', 'c', 'n', 'n.x', 'n.y', 'n.x.z', 'arr', 'missing', 'n.missing'];
const STRINGS = ['', 'x', 'y', 'X', 'é', 'e\u0301', '10', '2', 'x y', '😀', '1'];
const NUMBERS = [-3, -1, 0, 0.5, 1, 2, 2.5, 10, 1e-7, 1e21, -0.25, 2 ** 53 + 2];

function scalar(rng: Random): string | number | boolean | null {
  const r = rng.next();
  if (r < 0.4) return rng.pick(NUMBERS);
  if (r < 0.8) return rng.pick(STRINGS);
  if (r < 0.93) return rng.next() < 0.5;
  return null;
}

/** Metadata with mixed types per key, missing keys, nested objects, arrays, and null. */
export function randomMetadata(rng: Random): Metadata | null {
  if (rng.next() < 0.05) return null;
  const md: Metadata = {};
  for (const key of ['a', 'b', 'c']) {
    const r = rng.next();
    if (r < 0.2) continue; // missing
    md[key] = r < 0.9 ? scalar(rng) : r < 0.95 ? [scalar(rng), scalar(rng)] : { x: scalar(rng) };
  }
  const r = rng.next();
  if (r < 0.6) {
    const n: { [k: string]: JsonValue } = {};
    if (rng.next() < 0.8) n.x = rng.next() < 0.8 ? scalar(rng) : { z: scalar(rng) };
    if (rng.next() < 0.7) n.y = scalar(rng);
    md.n = n;
  } else if (r < 0.75) {
    md.n = scalar(rng); // a scalar where other items have an object
  }
  if (rng.next() < 0.3) md.arr = [scalar(rng), scalar(rng)];
  return md;
}

/** A random user filter over {@link PATHS}, up to `depth` levels of $and/$or/$not. */
export function randomFilter(rng: Random, depth = 3): Filter {
  const r = rng.next();
  if (depth > 0 && r < 0.25) {
    const op = rng.pick(['$and', '$or', '$not']);
    if (op === '$not') return { $not: randomFilter(rng, depth - 1) };
    return { [op]: Array.from({ length: 1 + rng.int(3) }, () => randomFilter(rng, depth - 1)) };
  }
  const path = rng.pick(PATHS);
  const op = rng.pick(['bare', '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);
  switch (op) {
    case 'bare':
      return { [path]: scalar(rng) };
    case '$in':
    case '$nin':
      return { [path]: { [op]: Array.from({ length: rng.int(4) }, () => scalar(rng)) } };
    case '$exists':
      return { [path]: { $exists: rng.next() < 0.5 } };
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return { [path]: { [op]: rng.next() < 0.6 ? rng.pick(NUMBERS) : rng.pick(STRINGS) } };
    default:
      return { [path]: { [op]: scalar(rng) } };
  }
}

/**
 * Property test: on seeded random metadata and seeded random filters (nested paths, missing keys,
 * mixed types, arrays, null), the backend's compiled filters select exactly what core's
 * in-memory `filterPredicate` selects, in `count`, `scan` and `searchExact`.
 */
export function filterPropertyTests(ctx: ConformanceContext): void {
  describe('filters agree with filterPredicate on random filters and metadata', () => {
    it(`${FILTERS} seeded random filters over ${ITEMS} items of random metadata`, async () => {
      const b = await ctx.fresh();
      await b.createCollection(spec('p', DIMS, ctx.defaultMetric));
      const rng = new Random(701);
      const items: NormalizedItem[] = Array.from({ length: ITEMS }, (_, n) => ({
        id: `p${n}`,
        vector: rng.vector(DIMS),
        content: null,
        metadata: randomMetadata(rng),
      }));
      await b.upsert('p', items);
      const frng = new Random(702);
      let nonTrivial = 0;
      for (let f = 0; f < FILTERS; f++) {
        const filter = randomFilter(frng);
        const node = parseFilter(filter);
        const match = filterPredicate(node);
        const want = items
          .filter((it) => match(it.metadata))
          .map((it) => it.id)
          .sort();
        if (want.length > 0 && want.length < ITEMS) nonTrivial++;
        const what = `filter #${f} ${JSON.stringify(filter)}`;
        expect(await b.count('p', node), `count, ${what}`).toBe(want.length);
        if (f % 4 === 0) {
          const scanned: string[] = [];
          for await (const batch of b.scan('p', { batchSize: 128, vectors: false, filter: node }))
            scanned.push(...batch.map((i) => i.id));
          expect(scanned.sort(), `scan, ${what}`).toEqual(want);
          const hits = await b.searchExact({
            collections: ['p'],
            vector: rng.vector(DIMS),
            k: ITEMS,
            metric: ctx.defaultMetric,
            filter: node,
          });
          expect(hits.map((h) => h.id).sort(), `searchExact, ${what}`).toEqual(want);
        }
      }
      // The generator must produce informative cases, not only all-or-nothing filters.
      expect(nonTrivial).toBeGreaterThan(FILTERS / 3);
    });
  });
}
