import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import type { Metric } from '../../model/metric.js';
import type { NormalizedItem } from '../../model/item.js';
import { expectSameRanking } from '../assertions.js';
import { bruteForce } from '../brute-force.js';
import { type ConformanceContext, spec } from '../context.js';
import { Random, makeItems } from '../random.js';

const DIMS = 12;

/**
 * Exact search never answers from stale data: a backend that keeps vectors in memory for
 * speed must see every write committed before the search, its own and another connection's.
 */
export function exactFreshnessTests(ctx: ConformanceContext): void {
  describe('exact search sees every committed write', () => {
    for (const metric of ctx.metrics) {
      it(`${metric}: upserts, updates and deletes through this backend`, async () => {
        const b = await ctx.fresh();
        await freshness(b, b, metric);
      });
      const skipped = ctx.options.skip?.sharedStore === true;
      const title = `${metric}: the same, written alternately through two backends open on one store${skipped ? ' (skipped: options.skip.sharedStore, one open backend per store)' : ''}`;
      it.skipIf(skipped)(title, async () => {
        const location = await ctx.location();
        await freshness(await ctx.open(location), await ctx.open(location), metric);
      });
    }
  });
}

/** Writes through `b1` and `b2` (the same backend, or two on one store), checking both search every committed state. */
async function freshness(b1: StorageBackend, b2: StorageBackend, metric: Metric): Promise<void> {
  const rng = new Random(metric.length * 31 + 7);
  await b1.createCollection(spec('live', DIMS, metric));
  const items = new Map<string, NormalizedItem>();
  const write = async (b: StorageBackend, batch: NormalizedItem[]) => {
    await b.upsert('live', batch);
    for (const it of batch) items.set(it.id, it);
  };
  const remove = async (b: StorageBackend, ids: string[]) => {
    await b.delete('live', ids);
    for (const id of ids) items.delete(id);
  };
  const query = rng.vector(DIMS);
  const check = async (label: string) => {
    const ref = bruteForce({ items: new Map([['live', [...items.values()]]]), vector: query, metric });
    for (const b of [b1, b2]) {
      const hits = await b.searchExact({ collections: ['live'], vector: query, k: 8, metric });
      expect(hits.length, label).toBe(Math.min(8, items.size));
      expectSameRanking(hits, ref.ranked.slice(0, 8), ref.byKey);
    }
  };
  await check('empty');
  await write(b1, makeItems(rng, 60, DIMS));
  await check('after the first upsert');
  // The query itself, written by the other backend, must come first at once.
  await write(b2, [{ id: 'probe', vector: Float32Array.from(query), content: null, metadata: null }]);
  await check('after the other backend upserted the query vector');
  const probe = await b1.searchExact({ collections: ['live'], vector: query, k: 1, metric: metric as Metric });
  expect(probe.map((h) => h.id)).toEqual(['probe']);
  // Move the nearest items away and delete others, alternating backends (when there are two).
  const nearest = (await b1.searchExact({ collections: ['live'], vector: query, k: 4, metric })).map((h) => h.id);
  await write(
    b2,
    makeItems(rng, 2, DIMS).map((it, i) => ({ ...it, id: nearest[i + 1] as string })),
  );
  await check('after the other backend updated near items');
  await remove(b1, ['probe']);
  await check('after this backend deleted the nearest');
  await remove(b2, [nearest[3] as string, 'item-0', 'item-1']);
  await check('after the other backend deleted');
  await remove(b1, [...items.keys()]);
  await check('after everything was deleted');
}
