import { afterEach, describe, expect, it } from 'vitest';
import { MAX_FILTER_CONDITIONS, parseFilter } from '@vecdex/core';
import { NO_PG, Stores, item, spec } from './pg-env.js';

// The conformance suite runs wide filters on short keys; here each key is a long dotted path,
// which PostgreSQL would bind as one parameter per part (it takes at most 65,535).
describe.skipIf(NO_PG)('pgvector wide filters on long paths (PostgreSQL)', () => {
  const stores = new Stores();
  afterEach(() => stores.cleanup());

  it(`answers ${MAX_FILTER_CONDITIONS - 1} alternatives on distinct 20-part paths by count and exact search`, async () => {
    const b = await stores.open();
    await b.createCollection(spec('c', 2));
    const deep = (j: number) => Array.from({ length: 20 }, (_, d) => `p${j}_${d}`).join('.');
    await b.upsert('c', [
      item('hit', [1, 0], { p7_0: { p7_1: 1 } }),
      item('a', [0, 1], { lang: 'en' }),
      item('b', [1, 1], { lang: 'de' }),
    ]);
    const alternatives = Array.from({ length: MAX_FILTER_CONDITIONS - 2 }, (_, j) => ({ [deep(j)]: j }));
    const filter = parseFilter({ $or: [{ lang: 'de' }, ...alternatives] });
    expect(await b.count('c', filter)).toBe(1);
    const hits = await b.searchExact({ collections: ['c'], vector: new Float32Array([1, 0]), k: 10, metric: 'l2', filter });
    expect(hits.map((h) => h.id)).toEqual(['b']);
    const notFilter = parseFilter({
      $and: [{ lang: { $exists: true } }, ...alternatives.map((a) => ({ $not: a }))].slice(0, 2000),
    });
    expect(await b.count('c', notFilter)).toBe(2);
  });
});
