/**
 * Declared filterable fields through the API (`vx.collections.create({ filterable })`,
 * `vx.collections.setFilterable`): the same hits and plans as an undeclared collection, through
 * exact search and an index, on sqlite-vec and pgvector; bad declarations refused with nothing
 * changed.
 */
import { EXACT_SUBSET_THRESHOLD, type Vecdex } from '@vecdex/core';
import { expectVecdexError, Random } from '@vecdex/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL, cleanupStores, pgStore, sqliteStore } from '../lifecycle/stores.js';
import { hnswlibDefaults } from './planner-defaults.js';

afterAll(cleanupStores);

const STORES: [string, () => Promise<Vecdex>, boolean][] = [
  ['sqlite-vec', () => sqliteStore({ plugins: [hnswlibDefaults] }), true],
  ['pgvector', () => pgStore({ plugins: [hnswlibDefaults] }), PG_URL !== undefined],
];

const N = 8000;
const DIMS = 8;

for (const [name, open, available] of STORES) {
  describe.skipIf(!available)(`filterable fields on ${name}`, () => {
    it('plans and answers like an undeclared collection, exactly and through an index', async () => {
      const vx = await open();
      const rng = new Random(77);
      const items = Array.from({ length: N }, (_, i) => ({
        id: `d${i}`,
        vector: rng.vector(DIMS),
        // g: 0.1 % each; t: 10 %, stored as a string for every 7th item (never equal to the number)
        metadata: { g: i % 1000, t: i % 7 === 0 ? String(i % 10) : i % 10, ...(i % 5 === 0 ? {} : { h: i % 100 }) },
      }));
      const created = await vx.collections.create({ name: 'on', dimensions: DIMS, metric: 'l2', filterable: ['g', 't', 'h'] });
      expect(created.filterable).toEqual(['g', 't', 'h']);
      await vx.collections.create({ name: 'off', dimensions: DIMS, metric: 'l2' });
      await vx.collection('on').upsert(items);
      await vx.collection('off').upsert(items);
      for (const c of ['on', 'off']) {
        await vx.indexes.create({
          name: `ix-${c}`,
          plugin: 'hnswlib-defaults', // the planner's defaults: hnswlib's own hints oversample from 2 %
          collections: [c],
          params: { M: 16, efConstruction: 100 },
          default: true,
        });
        await vx.indexes.build(`ix-${c}`);
      }
      const filters = [
        { g: 3 },
        { h: { $lt: 10 } },
        { t: 3 },
        { t: '3' },
        { t: { $in: [1, 2, '3'] } },
        { h: { $exists: false } },
        { $not: { t: { $gte: 2 } } },
      ];
      for (const filter of filters) {
        const q = rng.vector(DIMS);
        const truth = (await vx.collection('off').similar(q, { k: 10, filter, exact: true })).map((h) => h.id);
        const exact = await vx.collection('on').search(q, { k: 10, filter, exact: true });
        expect(
          exact.hits.map((h) => h.id),
          `${JSON.stringify(filter)} exact`,
        ).toEqual(truth);
        const on = await vx.collection('on').search(q, { k: 10, filter });
        const off = await vx.collection('off').search(q, { k: 10, filter });
        expect(on.plan.matching, JSON.stringify(filter)).toBe(off.plan.matching);
        expect(on.hits.length).toBe(Math.min(10, on.plan.matching ?? 0));
        if (on.plan.strategy === 'exact-subset') expect(on.hits.map((h) => h.id)).toEqual(truth);
        if (off.plan.strategy === 'exact-subset') expect(on.plan.strategy).toBe('exact-subset');
      }
      // 640 matches (8 %): above EXACT_SUBSET_THRESHOLD and below OVERSAMPLE_MIN_SELECTIVITY, so
      // undeclared the filter goes inside the index search; on declared fields exact search over
      // the matches costs what they are and is taken.
      const broad = { g: { $lt: 80 } };
      const q = rng.vector(DIMS);
      const on = await vx.collection('on').search(q, { k: 10, filter: broad });
      const off = await vx.collection('off').search(q, { k: 10, filter: broad });
      expect(on.plan.matching).toBeGreaterThan(EXACT_SUBSET_THRESHOLD);
      expect(off.plan.strategy).not.toBe('exact-subset');
      expect(on.plan.strategy).toBe('exact-subset');
      expect(on.plan.reason).toContain('filterable');
      expect(on.hits.map((h) => h.id)).toEqual(
        (await vx.collection('off').similar(q, { k: 10, filter: broad, exact: true })).map((h) => h.id),
      );
    });

    it('declares and drops fields on an existing collection; refuses bad names with nothing changed', async () => {
      const vx = await open();
      await vx.collections.create({ name: 'c', dimensions: 2, metric: 'l2' });
      await vx.collection('c').upsert([{ id: 'a', vector: new Float32Array([1, 2]), metadata: { tenant: 'x' } }]);
      expect((await vx.collections.setFilterable('c', ['tenant', 'tenant'])).filterable).toEqual(['tenant']);
      expect((await vx.collections.get('c'))?.filterable).toEqual(['tenant']);
      await expectVecdexError(vx.collections.setFilterable('c', ['a b']), 'INVALID_ARGUMENT');
      await expectVecdexError(vx.collections.setFilterable('c', 'tenant' as unknown as string[]), 'INVALID_ARGUMENT');
      await expectVecdexError(
        vx.collections.create({ name: 'd', dimensions: 2, metric: 'l2', filterable: ['x"y'] }),
        'INVALID_ARGUMENT',
      );
      expect(await vx.collections.has('d')).toBe(false);
      expect((await vx.collections.get('c'))?.filterable).toEqual(['tenant']);
      expect(
        (await vx.collection('c').similar(new Float32Array([1, 2]), { k: 1, filter: { tenant: 'x' } })).map((h) => h.id),
      ).toEqual(['a']);
      expect((await vx.collections.setFilterable('c', [])).filterable).toBeUndefined();
    });
  });
}
