import { describe, expect, it } from 'vitest';
import { openVecdex } from '../../api/open-vecdex.js';
import { isVecdexError } from '../../errors/vecdex-error.js';
import { cacheCollectionName } from '../../ingest/embedding-cache.js';
import { validateName } from '../../validation/validate-name.js';
import { expectVecdexError } from '../assertions.js';
import { type ConformanceContext, spec } from '../context.js';
import { ManualClock, readAll } from '../feed.js';
import { Random, makeItems } from '../random.js';

/** Collections: create, get, list, update, delete, and the errors around them. */
export function collectionTests(ctx: ConformanceContext): void {
  describe('collections', () => {
    it('creates a collection and reports it as created', async () => {
      const b = await ctx.fresh();
      const info = await b.createCollection(spec('docs', 8, ctx.defaultMetric, 'model-x'));
      expect(info).toMatchObject({
        name: 'docs',
        dimensions: 8,
        metric: ctx.defaultMetric,
        model: 'model-x',
        defaultIndex: null,
      });
      expect(Number.isFinite(info.createdAt)).toBe(true);
      expect(await b.getCollection('docs')).toEqual(info);
      expect(await b.getCollection('nope')).toBeNull();
    });

    it.skipIf(ctx.clockSkipped)(
      `takes createdAt from the clock${ctx.clockSkipped ? ' (skipped: backend declares no injectable clock)' : ''}`,
      async () => {
        const clock = new ManualClock(1_700_000_000_123);
        const b = await ctx.fresh({ clock: clock.read });
        expect((await b.createCollection(spec('c', 4, ctx.defaultMetric))).createdAt).toBe(1_700_000_000_123);
      },
    );

    it('stores each metric it supports', async () => {
      const b = await ctx.fresh();
      for (const m of ctx.metrics) await b.createCollection(spec(`m-${m}`, 3, m));
      for (const m of ctx.metrics) expect((await b.getCollection(`m-${m}`))?.metric).toBe(m);
      for (const m of ctx.metrics) expect(b.capabilities.metrics, `capabilities.metrics lists ${m}`).toContain(m);
      for (const m of ctx.skippedMetrics) expect(b.capabilities.metrics, `${m} is declared skipped`).not.toContain(m);
    });

    it('lists every collection', async () => {
      const b = await ctx.fresh();
      expect(await b.listCollections()).toEqual([]);
      const names = ['b-two', 'a.one', 'C_3', '9lives'];
      for (const [i, n] of names.entries()) await b.createCollection(spec(n, 4 + i, ctx.defaultMetric));
      const listed = await b.listCollections();
      expect(listed.map((c) => c.name).sort()).toEqual([...names].sort());
      for (const c of listed) expect(c).toEqual(await b.getCollection(c.name));
    });

    it("accepts core's own collections (the embedding cache's `_vecdex.cache.<16 hex>`) and lists them", async () => {
      const b = await ctx.fresh();
      const name = cacheCollectionName('model-x', 6);
      expect(validateName('collection', name), 'core names pass validateName').toBe(name);
      const info = await b.createCollection(spec(name, 6, ctx.defaultMetric, 'model-x'));
      expect(info.name).toBe(name);
      expect(await b.getCollection(name)).toEqual(info);
      expect((await b.listCollections()).map((c) => c.name)).toContain(name);
      const items = makeItems(new Random(5), 3, 6);
      await b.upsert(name, items);
      expect((await b.get(name, ['item-2'])).map((i) => i.id)).toEqual(['item-2']);
    });

    it('refuses a duplicate name with COLLECTION_EXISTS, keeping the original', async () => {
      const b = await ctx.fresh();
      const first = await b.createCollection(spec('docs', 8, ctx.defaultMetric));
      await expectVecdexError(b.createCollection(spec('docs', 16, ctx.defaultMetric)), 'COLLECTION_EXISTS');
      expect(await b.getCollection('docs')).toEqual(first);
      const vx = await openVecdex({ backend: b, config: {} });
      await expectVecdexError(
        vx.collections.create({ name: 'docs', dimensions: 8, metric: ctx.defaultMetric }),
        'COLLECTION_EXISTS',
      );
    });

    it('updates defaultIndex and model, leaving other fields alone', async () => {
      const b = await ctx.fresh();
      const created = await b.createCollection(spec('docs', 8, ctx.defaultMetric, 'm1'));
      const updated = await b.updateCollection('docs', { defaultIndex: 'hnsw-1' });
      expect(updated).toEqual({ ...created, defaultIndex: 'hnsw-1' });
      expect(await b.getCollection('docs')).toEqual(updated);
      expect(await b.updateCollection('docs', { model: 'm2' })).toEqual({ ...created, defaultIndex: 'hnsw-1', model: 'm2' });
      expect(await b.updateCollection('docs', { defaultIndex: null, model: null })).toEqual({ ...created, model: null });
      expect(await b.getCollection('docs')).toEqual({ ...created, model: null });
      await expectVecdexError(b.updateCollection('nope', { model: 'x' }), 'UNKNOWN_COLLECTION');
    });

    it('deletes a collection with its items and change-feed entries, and only that one', async () => {
      const b = await ctx.fresh();
      const rng = new Random(11);
      await b.createCollection(spec('gone', 8, ctx.defaultMetric));
      await b.createCollection(spec('kept', 8, ctx.defaultMetric));
      const items = makeItems(rng, 20, 8);
      await b.upsert('gone', items);
      await b.upsert('kept', items.slice(0, 5));
      expect(await b.deleteCollection('gone')).toBe(true);
      expect(await b.deleteCollection('gone')).toBe(false);
      expect(await b.getCollection('gone')).toBeNull();
      expect((await b.listCollections()).map((c) => c.name)).toEqual(['kept']);
      expect(await b.count('kept')).toBe(5);
      // A new collection of the same name starts empty, with an empty feed.
      await b.createCollection(spec('gone', 4, ctx.defaultMetric));
      expect(await b.count('gone')).toBe(0);
      expect(
        await b.get(
          'gone',
          items.map((i) => i.id),
        ),
      ).toEqual([]);
      expect((await readAll(b, ['gone'], null)).changes).toEqual([]);
      expect(await b.countChanges(['gone'], null)).toBe(0);
      expect((await readAll(b, ['kept'], null)).changes).toHaveLength(5);
    });

    it('names the missing collection and the existing ones in UNKNOWN_COLLECTION through the API', async () => {
      const b = await ctx.fresh();
      const vx = await openVecdex({ backend: b, config: {} });
      await vx.collections.create({ name: 'present', dimensions: 3, metric: ctx.defaultMetric });
      const err = await expectVecdexError(vx.collection('absent').upsert([{ id: 'a', vector: [1, 2, 3] }]), 'UNKNOWN_COLLECTION');
      expect(err.message).toContain('"absent"');
      expect(err.message).toContain('present');
      expect(err.message).toMatch(/create/);
      expect(isVecdexError(err) && err.details.collection).toBe('absent');
      expect(await vx.collections.has('absent')).toBe(false);
      expect(await vx.collections.delete('absent')).toBe(false);
    });
  });
}
