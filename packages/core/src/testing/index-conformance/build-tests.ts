import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { HitChecker } from './expect-hits.js';
import type { IndexSuiteContext } from './index-context.js';
import { IndexModel, makeEntries, unevenBatches } from './index-model.js';

/** `build` replaces the contents with a stream of batches spanning collections with overlapping ids. */
export function buildTests(ctx: IndexSuiteContext): void {
  describe('build', () => {
    it('builds from uneven batches over several collections whose ids overlap', async () => {
      const rng = new Random(101);
      const { index } = await ctx.open();
      const entries = makeEntries(rng, 120, ctx.dimensions);
      const model = new IndexModel();
      model.apply(entries.map((e) => ({ ...e, op: 'upsert' as const })));
      await index.build(unevenBatches(entries), { expectedCount: entries.length });
      expect(index.stats().items).toBe(360);
      expect(index.stats().deleted).toBeGreaterThanOrEqual(0);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (let q = 0; q < 25; q++) await check.search(index, model, rng.vector(ctx.dimensions), 10);
      // The same id in two collections is two entries: querying one's vector finds that one.
      const a = model.get({ collection: 'a', id: 'id-7' });
      const b = model.get({ collection: 'b', id: 'id-7' });
      const onlyId7 = (k: { id: string }) => k.id === 'id-7';
      const hits = await check.search(index, model, a?.vector as Float32Array, 3, onlyId7);
      expect(hits.map((h) => h.collection).sort()).toEqual(['a', 'b', 'c']);
      await check.search(index, model, b?.vector as Float32Array, 3, onlyId7);
      check.done();
    });

    it('reports progress up to the number of entries, never going back', async () => {
      const rng = new Random(102);
      const { index } = await ctx.open();
      const entries = makeEntries(rng, 40, ctx.dimensions);
      const seen: number[] = [];
      await index.build(unevenBatches(entries), { onProgress: (done) => seen.push(done), expectedCount: entries.length });
      // Progress is optional; when reported it must be cumulative and end at the total.
      if (seen.length > 0) {
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
        expect(seen[seen.length - 1]).toBe(entries.length);
      }
    });

    it('a second build replaces everything the first one added', async () => {
      const rng = new Random(103);
      const { index } = await ctx.open();
      await index.build(unevenBatches(makeEntries(rng, 60, ctx.dimensions, 'old-')));
      const fresh = makeEntries(rng, 30, ctx.dimensions, 'new-');
      await index.build(unevenBatches(fresh));
      const model = new IndexModel();
      model.apply(fresh.map((e) => ({ ...e, op: 'upsert' as const })));
      expect(index.stats().items).toBe(90);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (let q = 0; q < 15; q++) await check.search(index, model, rng.vector(ctx.dimensions), 20);
      check.done();
    });

    it('a build from an empty source leaves an empty index that searches return nothing from', async () => {
      const rng = new Random(104);
      const { index } = await ctx.open();
      await index.build(unevenBatches(makeEntries(rng, 10, ctx.dimensions)));
      await index.build(unevenBatches([]));
      expect(index.stats().items).toBe(0);
      expect(await index.search(rng.vector(ctx.dimensions), { k: 5 })).toEqual([]);
    });

    it('searches an instance that was opened but never built or loaded as empty', async () => {
      const { index } = await ctx.open();
      expect(index.stats().items).toBe(0);
      expect(await index.search(new Random(105).vector(ctx.dimensions), { k: 3 })).toEqual([]);
    });

    it('does not modify the vectors it is given', async () => {
      const rng = new Random(106);
      const { index } = await ctx.open();
      const entries = makeEntries(rng, 20, ctx.dimensions);
      const copies = entries.map((e) => Float32Array.from(e.vector));
      await index.build(unevenBatches(entries));
      const change = { op: 'upsert' as const, collection: 'a', id: 'x', vector: rng.vector(ctx.dimensions) };
      const changeCopy = Float32Array.from(change.vector);
      await index.apply([change]);
      const query = rng.vector(ctx.dimensions);
      const queryCopy = Float32Array.from(query);
      await index.search(query, { k: 5 });
      for (const [i, e] of entries.entries()) expect(e.vector, `vector of ${e.collection}/${e.id}`).toEqual(copies[i]);
      expect(change.vector).toEqual(changeCopy);
      expect(query).toEqual(queryCopy);
    });
  });
}
