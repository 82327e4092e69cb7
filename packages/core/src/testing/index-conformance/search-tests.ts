import { describe, expect, it } from 'vitest';
import type { IndexEntry, IndexKey } from '../../contracts/index-plugin.js';
import type { Metric } from '../../model/metric.js';
import { Random } from '../random.js';
import { HitChecker } from './expect-hits.js';
import type { IndexSuiteContext } from './index-context.js';
import { IndexModel, keyOf, makeEntries, unevenBatches } from './index-model.js';

async function builtWith(ctx: IndexSuiteContext, entries: IndexEntry[], metric: Metric = ctx.defaultMetric) {
  const { index } = await ctx.open(metric);
  await index.build(unevenBatches(entries));
  const model = new IndexModel();
  model.apply(entries.map((e) => ({ ...e, op: 'upsert' as const })));
  return { index, model };
}

/** `search` returns the k nearest allowed entries with the metric's distances. */
export function searchTests(ctx: IndexSuiteContext): void {
  describe('search', () => {
    it(
      ctx.exact ? 'returns exactly the k nearest, rank by rank' : `returns the k nearest with recall >= ${ctx.minRecall}`,
      async () => {
        const rng = new Random(301);
        const { index, model } = await builtWith(ctx, makeEntries(rng, 150, ctx.dimensions));
        const check = new HitChecker(ctx, ctx.defaultMetric);
        for (const k of [1, 5, 10, 50]) {
          for (let q = 0; q < 10; q++) await check.search(index, model, rng.vector(ctx.dimensions), k);
        }
        check.done();
      },
    );

    it('k at or above the number of entries returns every entry', async () => {
      const rng = new Random(302);
      const { index, model } = await builtWith(ctx, makeEntries(rng, 8, ctx.dimensions));
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (const k of [24, 25, 1000]) {
        const hits = await check.search(index, model, rng.vector(ctx.dimensions), k);
        expect(hits.length, `k = ${k} over 24 entries`).toBe(24);
      }
    });

    it('after many deletes, k at or above the live entries still returns every live entry', async () => {
      // Deleted entries may linger as tombstones a graph search still walks (hnswlib#321): a
      // search must not come back short of live entries because of them.
      const rng = new Random(306);
      const entries = makeEntries(rng, 40, ctx.dimensions);
      const { index, model } = await builtWith(ctx, entries);
      const gone = entries
        .filter((_, i) => i % 4 !== 0)
        .map((e) => ({ op: 'delete' as const, collection: e.collection, id: e.id }));
      await index.apply(gone);
      model.apply(gone);
      expect(index.stats().items).toBe(30);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (const k of [30, 31, 500]) {
        const hits = await check.search(index, model, rng.vector(ctx.dimensions), k);
        expect(hits.length, `k = ${k} over 30 live entries (90 deleted)`).toBe(30);
      }
      const onlyA = await check.search(index, model, rng.vector(ctx.dimensions), 100, (key) => key.collection === 'a');
      expect(onlyA.length, 'every live entry of collection a').toBe(10);
    });

    it('a query equal to a stored vector finds that entry first (l2, cosine, l1)', async () => {
      const metric = ctx.plugin.metrics.find((m) => m !== 'ip');
      if (metric === undefined) return;
      const rng = new Random(303);
      const entries = makeEntries(rng, 50, ctx.dimensions);
      const { index, model } = await builtWith(ctx, entries, metric);
      const check = new HitChecker(ctx, metric);
      let first = 0;
      for (const e of entries.slice(0, 30)) {
        const hits = await check.search(index, model, e.vector, 3);
        if (hits[0] !== undefined && keyOf(hits[0]) === keyOf(e)) first++;
        if (ctx.exact) expect(hits[0] && keyOf(hits[0])).toBe(keyOf(e));
      }
      expect(first / 30).toBeGreaterThanOrEqual(ctx.exact ? 1 : ctx.minRecall);
      check.done();
    });

    it('allow is honoured: a collection, a predicate on ids, and a handful of keys', async () => {
      const rng = new Random(304);
      const { index, model } = await builtWith(ctx, makeEntries(rng, 150, ctx.dimensions));
      const check = new HitChecker(ctx, ctx.defaultMetric);
      const asked: IndexKey[] = [];
      const onlyB = (k: IndexKey) => {
        asked.push(k);
        return k.collection === 'b';
      };
      const even = (k: IndexKey) => Number(k.id.slice(3)) % 2 === 0;
      const few = new Set(['a\u0000id-3', 'c\u0000id-77', 'b\u0000id-140']);
      const handful = (k: IndexKey) => few.has(keyOf(k));
      for (let q = 0; q < 10; q++) {
        const query = rng.vector(ctx.dimensions);
        await check.search(index, model, query, 10, onlyB);
        await check.search(index, model, query, 10, even);
        const hits = await check.search(index, model, query, 10, handful);
        expect(hits.map(keyOf).sort(), 'every allowed key among a handful').toEqual([...few].sort());
        expect(await index.search(query, { k: 10, allow: () => false })).toEqual([]);
      }
      // allow receives keys the index holds, as { collection, id }.
      expect(asked.length).toBeGreaterThan(0);
      for (const k of asked.slice(0, 100)) expect(model.has(k), `allow was asked about ${k.collection}/${k.id}`).toBe(true);
      check.done();
    });

    it('searches running concurrently each get their own answer', async () => {
      const rng = new Random(305);
      const { index, model } = await builtWith(ctx, makeEntries(rng, 100, ctx.dimensions));
      const queries = Array.from({ length: 16 }, () => rng.vector(ctx.dimensions));
      const together = await Promise.all(queries.map((q) => index.search(q, { k: 5, ...params(ctx) })));
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (const [i, q] of queries.entries()) {
        check.check(together[i] ?? [], model, q, 5);
        const alone = await index.search(q, { k: 5, ...params(ctx) });
        expect(together[i]?.map(keyOf)).toEqual(alone.map(keyOf));
      }
      check.done();
    });
  });
}

function params(ctx: IndexSuiteContext) {
  return ctx.options.searchParams === undefined ? {} : { params: ctx.options.searchParams };
}
