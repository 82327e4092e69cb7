/**
 * Cosine ignores magnitude, and core accepts any finite float32 component: an index must rank
 * vectors of any length as core's double-precision reference does. hnswlib-node normalises in
 * float32, where the sum of squares underflows (components below ~1e-19) or overflows (above
 * ~1e19); the plugin normalises in double first.
 */
import type { NormalizedItem } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import { expect, it } from 'vitest';
import { INDEX, expectExactTopK, tempStore } from './helpers.js';

it('cosine: vectors and queries of very small and very large magnitude rank like the reference', async () => {
  const store = await tempStore();
  const vx = await store.open();
  try {
    const rng = new Random(5);
    const scales = [1e-30, 1e-22, 1e-12, 1, 1e12, 1e20, 1e30];
    await vx.collections.create({ name: 'a', dimensions: 6, metric: 'cosine' });
    const items: NormalizedItem[] = [];
    for (let i = 0; i < 70; i++) {
      const scale = scales[i % scales.length] as number;
      items.push({ id: `v${i}`, vector: rng.vector(6).map((x) => x * scale), content: null, metadata: null });
    }
    await vx.collection('a').upsert(items.map(({ id, vector }) => ({ id, vector })));
    await vx.indexes.create({
      name: INDEX,
      plugin: 'hnswlib',
      collections: ['a'],
      params: { efSearch: 200, efConstruction: 200 },
    });
    await vx.indexes.build(INDEX);
    const all = new Map([['a', items]]);
    for (const scale of scales) {
      const v = rng.vector(6).map((x) => x * scale);
      const { hits } = await vx.indexes.search(INDEX, v, { k: 10, stale: 'error' });
      expectExactTopK(hits, all, v, 'cosine', 10);
      const res = await vx.collection('a').search(v, { index: INDEX, k: 10, stale: 'error', include: {} });
      expect(res.plan.strategy).toBe('index');
      expectExactTopK(res.hits, all, v, 'cosine', 10);
    }
  } finally {
    await vx.close();
    await store.cleanup();
  }
});
