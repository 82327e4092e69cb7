import { describe, expect, it } from 'vitest';
import type { IndexChange, IndexKey } from '../../contracts/index-plugin.js';
import { Random } from '../random.js';
import { HitChecker } from './expect-hits.js';
import type { IndexSuiteContext } from './index-context.js';
import { IndexModel, keyOf, makeEntries, randomChanges, unevenBatches } from './index-model.js';

/** Build a small index and its model. */
async function built(ctx: IndexSuiteContext, seed: number, perCollection = 60) {
  const rng = new Random(seed);
  const { index, directory } = await ctx.open();
  const entries = makeEntries(rng, perCollection, ctx.dimensions);
  await index.build(unevenBatches(entries));
  const model = new IndexModel();
  model.apply(entries.map((e) => ({ ...e, op: 'upsert' as const })));
  return { rng, index, directory, model };
}

const only = (key: IndexKey) => (k: IndexKey) => k.collection === key.collection && k.id === key.id;

/** `apply` takes batches of upserts (add or replace) and deletes (absent keys ignored). */
export function applyTests(ctx: IndexSuiteContext): void {
  describe('apply', () => {
    it('adds new keys', async () => {
      const { rng, index, model } = await built(ctx, 201);
      const changes: IndexChange[] = ['a', 'b', 'c'].flatMap((collection) =>
        Array.from({ length: 10 }, (_, i) => ({
          op: 'upsert' as const,
          collection,
          id: `added-${i}`,
          vector: rng.vector(ctx.dimensions),
        })),
      );
      await index.apply(changes);
      model.apply(changes);
      expect(index.stats().items).toBe(210);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (const c of changes.slice(0, 5)) {
        const hits = await check.search(index, model, (c as { vector: Float32Array }).vector, 1, only(c));
        expect(hits.map(keyOf)).toEqual([keyOf(c)]);
      }
      for (let q = 0; q < 15; q++) await check.search(index, model, rng.vector(ctx.dimensions), 10);
      check.done();
    });

    it('an upsert of a present key replaces its vector, leaving the same id in other collections alone', async () => {
      const { rng, index, model } = await built(ctx, 202);
      const changes: IndexChange[] = Array.from({ length: 20 }, (_, i) => ({
        op: 'upsert' as const,
        collection: 'a',
        id: `id-${i}`,
        vector: rng.vector(ctx.dimensions),
      }));
      await index.apply(changes);
      model.apply(changes);
      expect(index.stats().items).toBe(180);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      // Each replaced key is found with the distance of its new vector (the checker compares
      // every hit's distance with the model's current vector), and its twins keep theirs.
      for (let i = 0; i < 20; i++) {
        const key = { collection: 'a', id: `id-${i}` };
        const twin = { collection: 'b', id: `id-${i}` };
        const q = rng.vector(ctx.dimensions);
        expect((await check.search(index, model, q, 1, only(key))).map(keyOf)).toEqual([keyOf(key)]);
        expect((await check.search(index, model, q, 1, only(twin))).map(keyOf)).toEqual([keyOf(twin)]);
      }
      for (let q = 0; q < 15; q++) await check.search(index, model, rng.vector(ctx.dimensions), 10);
      check.done();
    });

    it("a delete removes only that collection's key", async () => {
      const { rng, index, model } = await built(ctx, 203);
      const gone = { collection: 'a', id: 'id-3' };
      await index.apply([{ op: 'delete', ...gone }]);
      model.apply([{ op: 'delete', ...gone }]);
      expect(index.stats().items).toBe(179);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      const q = (model.get({ collection: 'b', id: 'id-3' })?.vector as Float32Array) ?? rng.vector(ctx.dimensions);
      expect(await check.search(index, model, q, 5, only(gone))).toEqual([]);
      const left = await check.search(index, model, q, 5, (k) => k.id === 'id-3');
      expect(left.map((h) => h.collection).sort()).toEqual(['b', 'c']);
      for (let n = 0; n < 15; n++) await check.search(index, model, rng.vector(ctx.dimensions), 10);
      check.done();
    });

    it('deletes of absent keys are ignored, also when the id exists in another collection', async () => {
      const { rng, index, model } = await built(ctx, 204);
      await index.apply([
        { op: 'delete', collection: 'a', id: 'never-was' },
        { op: 'delete', collection: 'not-a-collection', id: 'id-1' },
      ]);
      await index.apply([{ op: 'delete', collection: 'a', id: 'id-4' }]);
      await index.apply([{ op: 'delete', collection: 'a', id: 'id-4' }]);
      model.apply([{ op: 'delete', collection: 'a', id: 'id-4' }]);
      expect(index.stats().items).toBe(179);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (let q = 0; q < 10; q++) await check.search(index, model, rng.vector(ctx.dimensions), 10);
      check.done();
    });

    it('within one batch, a later change of the same key wins', async () => {
      const { rng, index, model } = await built(ctx, 205, 20);
      const changes: IndexChange[] = [
        { op: 'upsert', collection: 'c', id: 'flip', vector: rng.vector(ctx.dimensions) },
        { op: 'delete', collection: 'c', id: 'flip' },
        { op: 'delete', collection: 'b', id: 'id-2' },
        { op: 'upsert', collection: 'b', id: 'id-2', vector: rng.vector(ctx.dimensions) },
        { op: 'upsert', collection: 'a', id: 'id-5', vector: rng.vector(ctx.dimensions) },
        { op: 'upsert', collection: 'a', id: 'id-5', vector: rng.vector(ctx.dimensions) },
      ];
      await index.apply(changes);
      model.apply(changes);
      expect(index.stats().items).toBe(model.size);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      expect(await check.search(index, model, rng.vector(ctx.dimensions), 3, only({ collection: 'c', id: 'flip' }))).toEqual([]);
      for (const key of [
        { collection: 'b', id: 'id-2' },
        { collection: 'a', id: 'id-5' },
      ]) {
        const hits = await check.search(index, model, rng.vector(ctx.dimensions), 3, only(key));
        expect(hits.map(keyOf)).toEqual([keyOf(key)]);
      }
    });

    it('a deleted key can be added again, with its new vector', async () => {
      const { rng, index, model } = await built(ctx, 206, 30);
      const key = { collection: 'b', id: 'id-9' };
      for (let round = 0; round < 3; round++) {
        await index.apply([{ op: 'delete', ...key }]);
        model.apply([{ op: 'delete', ...key }]);
        const back: IndexChange = { op: 'upsert', ...key, vector: rng.vector(ctx.dimensions) };
        await index.apply([back]);
        model.apply([back]);
      }
      expect(index.stats().items).toBe(90);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      expect((await check.search(index, model, rng.vector(ctx.dimensions), 2, only(key))).map(keyOf)).toEqual([keyOf(key)]);
      for (let q = 0; q < 10; q++) await check.search(index, model, rng.vector(ctx.dimensions), 10);
      check.done();
    });

    it('follows a long random mix of inserts, replacements and deletes batch by batch', async () => {
      const { rng, index, model } = await built(ctx, 207, 80);
      const check = new HitChecker(ctx, ctx.defaultMetric);
      for (let round = 0; round < 12; round++) {
        const changes = randomChanges(rng, model, 40, ctx.dimensions, `r${round}`);
        await index.apply(changes);
        model.apply(changes);
        expect(index.stats().items, `items after round ${round}`).toBe(model.size);
        for (let q = 0; q < 4; q++) await check.search(index, model, rng.vector(ctx.dimensions), 10);
      }
      check.done();
    });

    it('an empty batch changes nothing', async () => {
      const { index } = await built(ctx, 208, 10);
      await index.apply([]);
      expect(index.stats().items).toBe(30);
    });
  });
}
