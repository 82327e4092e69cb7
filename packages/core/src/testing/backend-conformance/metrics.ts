import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import type { NormalizedItem } from '../../model/item.js';
import { METRICS, type Metric } from '../../model/metric.js';
import type { SearchHit } from '../../model/search.js';
import { expectBitExact, expectSameRanking } from '../assertions.js';
import { bruteForce } from '../brute-force.js';
import { type ConformanceContext, spec } from '../context.js';
import { Random, makeItems } from '../random.js';

const DIMS = 16;

/** Exact search per metric: results equal brute force with the reference `distance()`. */
export function metricTests(ctx: ConformanceContext): void {
  describe('exact search by metric', () => {
    for (const metric of METRICS) {
      const skipped = ctx.skippedMetrics.includes(metric);
      const title = skipped ? `${metric} (skipped: declared unsupported in options.skip.metrics)` : metric;
      describe.skipIf(skipped)(title, () => metricCases(ctx, metric));
    }
  });
}

async function setup(ctx: ConformanceContext, metric: Metric, counts: Record<string, number>, seed: number) {
  const b = await ctx.fresh();
  const rng = new Random(seed);
  const data = new Map<string, NormalizedItem[]>();
  for (const [name, count] of Object.entries(counts)) {
    await b.createCollection(spec(name, DIMS, metric));
    // Both collections use the same ids, so a hit is only right with the right `collection`.
    const items = makeItems(rng, count, DIMS);
    await b.upsert(name, items);
    data.set(name, items);
  }
  return { b, rng, data };
}

function search(b: StorageBackend, collections: string[], metric: Metric, vector: Float32Array, k: number, extra = {}) {
  return b.searchExact({ collections, vector, k, metric, ...extra });
}

function metricCases(ctx: ConformanceContext, metric: Metric): void {
  it('returns the same top k as brute force, with the same distances', async () => {
    const { b, rng, data } = await setup(ctx, metric, { main: 300 }, 101);
    const items = data.get('main') as NormalizedItem[];
    const queries = [rng.vector(DIMS), rng.vector(DIMS), rng.vector(DIMS), (items[42] as NormalizedItem).vector];
    for (const vector of queries) {
      const ref = bruteForce({ items: data, vector, metric });
      for (const k of [1, 10, 57]) {
        const hits = await search(b, ['main'], metric, vector, k);
        expectSameRanking(hits, ref.ranked.slice(0, k), ref.byKey);
        for (const h of hits) expect(h.collection).toBe('main');
      }
    }
  });

  it('returns every item when k exceeds the collection', async () => {
    const { b, rng, data } = await setup(ctx, metric, { small: 7 }, 102);
    const vector = rng.vector(DIMS);
    const ref = bruteForce({ items: data, vector, metric });
    const hits = await search(b, ['small'], metric, vector, 20);
    expect(hits).toHaveLength(7);
    expectSameRanking(hits, ref.ranked, ref.byKey);
  });

  it('merges several collections by distance and names the collection of each hit', async () => {
    const { b, rng, data } = await setup(ctx, metric, { left: 150, right: 150 }, 103);
    for (let q = 0; q < 3; q++) {
      const vector = rng.vector(DIMS);
      const ref = bruteForce({ items: data, vector, metric });
      for (const k of [5, 40]) {
        const hits = await search(b, ['left', 'right'], metric, vector, k);
        expectSameRanking(hits, ref.ranked.slice(0, k), ref.byKey);
      }
      const both = new Set((await search(b, ['left', 'right'], metric, vector, 300)).map((h) => h.collection));
      expect([...both].sort()).toEqual(['left', 'right']);
    }
  });

  it('leaves out excluded (collection, id) pairs only', async () => {
    const { b, rng, data } = await setup(ctx, metric, { left: 100, right: 100 }, 104);
    const vector = rng.vector(DIMS);
    const top = bruteForce({ items: data, vector, metric }).ranked.slice(0, 3);
    // Excluding an id in one collection must not hide the same id in the other.
    const exclude = [...top.map(({ collection, id }) => ({ collection, id })), { collection: 'nowhere', id: 'item-1' }];
    const ref = bruteForce({ items: data, vector, metric, exclude });
    const hits = await search(b, ['left', 'right'], metric, vector, 10, { exclude });
    expectSameRanking(hits, ref.ranked.slice(0, 10), ref.byKey);
    const first = top[0] as { collection: string; id: string };
    const other = first.collection === 'left' ? 'right' : 'left';
    const single = await search(b, [other], metric, vector, 200, { exclude: [first] });
    expect(single.map((h) => h.id)).toContain(first.id);
  });

  it('returns metadata, content and vector exactly when asked', async () => {
    const { b, rng, data } = await setup(ctx, metric, { main: 40 }, 105);
    const byId = new Map((data.get('main') as NormalizedItem[]).map((i) => [i.id, i]));
    const vector = rng.vector(DIMS);
    const check = (hits: SearchHit[], want: { metadata?: boolean; content?: boolean; vector?: boolean }) => {
      expect(hits).toHaveLength(5);
      for (const h of hits) {
        const item = byId.get(h.id) as NormalizedItem;
        if (want.metadata) expect(h.metadata, `metadata of ${h.id}`).toEqual(item.metadata);
        else expect(h.metadata, 'metadata was not asked for').toBeUndefined();
        if (want.content) expect(h.content, `content of ${h.id}`).toEqual(item.content);
        else expect(h.content, 'content was not asked for').toBeUndefined();
        if (want.vector) expectBitExact(h.vector, item.vector, `vector of ${h.id}`);
        else expect(h.vector, 'vector was not asked for').toBeUndefined();
      }
    };
    check(await search(b, ['main'], metric, vector, 5), {});
    check(await search(b, ['main'], metric, vector, 5, { include: {} }), {});
    check(await search(b, ['main'], metric, vector, 5, { include: { metadata: true } }), { metadata: true });
    check(await search(b, ['main'], metric, vector, 5, { include: { content: true, vector: true } }), {
      content: true,
      vector: true,
    });
    const all = { metadata: true, content: true, vector: true };
    check(await search(b, ['main'], metric, vector, 5, { include: all }), all);
  });
}
