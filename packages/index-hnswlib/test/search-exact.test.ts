import type { IndexEntry, Metric } from '@vecdex/core';
import { afterEach, describe, expect, it } from 'vitest';
import { batches, bruteForce, expectExact, keyOf, openIndex, randomVector, rng, tempDir } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe.each(['l2', 'cosine', 'ip'] as Metric[])('build then search, metric %s', (metric) => {
  it('returns the exact top-k with core distances when ef covers the data', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const rand = rng(42);
    const dims = 16;
    // Two collections whose ids overlap: keys are (collection, id).
    const entries: IndexEntry[] = [];
    for (let i = 0; i < 300; i++)
      entries.push({ collection: i % 2 === 0 ? 'a' : 'b', id: `x${Math.floor(i / 2)}`, vector: randomVector(rand, dims) });
    const model = new Map(entries.map((e) => [keyOf(e), e]));
    const index = await openIndex(dir, metric, dims, { efSearch: 400, initialCapacity: 64 });
    const progress: number[] = [];
    await index.build(batches(entries, 37), { onProgress: (done) => progress.push(done) });
    expect(progress.at(-1)).toBe(300);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(index.stats()).toMatchObject({ items: 300, deleted: 0, needsCompaction: false });

    for (let q = 0; q < 20; q++) {
      const query = randomVector(rand, dims);
      for (const k of [1, 10, 50]) {
        const hits = await index.search(query, { k });
        expectExact(metric, model, query, hits, bruteForce(metric, model.values(), query, k));
      }
    }
    // k above the item count returns every item, once.
    const all = await index.search(randomVector(rand, dims), { k: 1000 });
    expect(all.length).toBe(300);
    expect(new Set(all.map(keyOf)).size).toBe(300);
    await index.close();
  });
});
