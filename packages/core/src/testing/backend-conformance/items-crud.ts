import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import { parseFilter } from '../../filter/parse-filter.js';
import { filterPredicate } from '../../filter/filter-predicate.js';
import type { NormalizedItem, StoredItem } from '../../model/item.js';
import { expectBitExact, expectSameItem } from '../assertions.js';
import { type ConformanceContext, spec } from '../context.js';
import { Random, makeItems } from '../random.js';

const DIMS = 12;

async function seeded(ctx: ConformanceContext, count: number, seed = 1): Promise<{ b: StorageBackend; items: NormalizedItem[] }> {
  const b = await ctx.fresh();
  await b.createCollection(spec('items', DIMS, ctx.defaultMetric));
  const items = makeItems(new Random(seed), count, DIMS);
  if (items.length > 0) await b.upsert('items', items);
  return { b, items };
}

async function scanAll(b: StorageBackend, collection: string, options: Parameters<StorageBackend['scan']>[1]) {
  const batches: StoredItem[][] = [];
  for await (const batch of b.scan(collection, options)) batches.push(batch);
  return { batches, items: batches.flat() };
}

/** Items: upsert, get, delete, count and scan. */
export function itemTests(ctx: ConformanceContext): void {
  describe('items', () => {
    it('stores what it is given: vector bit-exact, content and metadata as JSON', async () => {
      const b = await ctx.fresh();
      await b.createCollection(spec('items', 4, ctx.defaultMetric));
      const odd: NormalizedItem[] = [
        { id: 'plain', vector: new Float32Array([0.1, -0.2, 0.3, 1e-7]), content: 'hello', metadata: { a: 1 } },
        {
          id: 'extremes',
          vector: new Float32Array([-0, 1e-40, 3.4028234663852886e38, -1.1754943508222875e-38]),
          content: '',
          metadata: {},
        },
        { id: 'no-meta', vector: new Float32Array([1, 2, 3, 4]), content: null, metadata: null },
        {
          id: 'rich metadata ü 😀',
          vector: new Float32Array([5, 6, 7, 8]),
          content: 'multi\nline ✓ "quoted" \u2028',
          metadata: {
            nested: { deep: { x: [1, 'two', null, true, { y: 0.1 }] } },
            big: 9007199254740991,
            neg: -2.5e-8,
            s: 'ä"\\',
            n: null,
            f: false,
          },
        },
        { id: 'x'.repeat(512), vector: new Float32Array([1, 0, 0, 0]), content: 'long id', metadata: { k: 'v' } },
      ];
      await b.upsert('items', odd);
      const got = await b.get(
        'items',
        odd.map((i) => i.id),
        { vectors: true },
      );
      expect(got.map((i) => i.id)).toEqual(odd.map((i) => i.id));
      for (const [i, item] of odd.entries()) expectSameItem(got[i], item);
      expect(await b.count('items')).toBe(odd.length);
    });

    it('replaces vector, content and metadata together on a second upsert (no merge)', async () => {
      const { b, items } = await seeded(ctx, 10);
      const before = items[3] as NormalizedItem;
      const after: NormalizedItem = {
        id: before.id,
        vector: new Float32Array(DIMS).fill(0.25),
        content: null,
        metadata: { only: 'this' },
      };
      await b.upsert('items', [after]);
      expectSameItem((await b.get('items', [before.id]))[0], after);
      expect(await b.count('items')).toBe(10);
      const again: NormalizedItem = { ...after, content: 'back', metadata: null };
      await b.upsert('items', [again]);
      expectSameItem((await b.get('items', [before.id]))[0], again);
    });

    it('stores contentHash, returns it from get and scan, and a later upsert without it clears it', async () => {
      const b = await ctx.fresh();
      await b.createCollection(spec('items', 3, ctx.defaultMetric));
      const hash = `sha256:${'ab'.repeat(32)}`;
      await b.upsert('items', [
        { id: 'hashed', vector: new Float32Array([1, 2, 3]), content: null, metadata: null, contentHash: hash },
        { id: 'plain', vector: new Float32Array([3, 2, 1]), content: 'text', metadata: { a: 1 } },
      ]);
      const got = await b.get('items', ['hashed', 'plain'], { vectors: false });
      expect(got.map((i) => i.contentHash)).toEqual([hash, null]);
      const scanned = (await scanAll(b, 'items', { batchSize: 1, vectors: false })).items;
      expect(new Map(scanned.map((i) => [i.id, i.contentHash]))).toEqual(
        new Map([
          ['hashed', hash],
          ['plain', null],
        ]),
      );
      const changed = `sha256:${'cd'.repeat(32)}`;
      await b.upsert('items', [
        { id: 'plain', vector: new Float32Array([3, 2, 1]), content: 'new', metadata: null, contentHash: changed },
      ]);
      await b.upsert('items', [{ id: 'hashed', vector: new Float32Array([1, 2, 3]), content: null, metadata: null }]);
      const after = await b.get('items', ['hashed', 'plain']);
      expect(
        after.map((i) => i.contentHash),
        'an upsert replaces contentHash like content',
      ).toEqual([null, changed]);
    });

    it('get keeps the order asked, skips missing ids and honours vectors: false', async () => {
      const { b, items } = await seeded(ctx, 10);
      const ids = ['item-7', 'missing-1', 'item-2', 'item-9', 'missing-2', 'item-0'];
      const got = await b.get('items', ids);
      expect(got.map((i) => i.id)).toEqual(['item-7', 'item-2', 'item-9', 'item-0']);
      for (const g of got) expectSameItem(g, items.find((i) => i.id === g.id) as NormalizedItem);
      const bare = await b.get('items', ids, { vectors: false });
      expect(bare.map((i) => i.id)).toEqual(['item-7', 'item-2', 'item-9', 'item-0']);
      for (const g of bare) expect(g.vector, 'vectors: false returns no vector').toBeUndefined();
      expect(await b.get('items', ['missing'])).toEqual([]);
      expect(await b.get('items', [])).toEqual([]);
    });

    it('keeps collections apart: the same id in two collections is two items', async () => {
      const b = await ctx.fresh();
      await b.createCollection(spec('one', 3, ctx.defaultMetric));
      await b.createCollection(spec('two', 3, ctx.defaultMetric));
      const a1 = { id: 'same', vector: new Float32Array([1, 2, 3]), content: 'one', metadata: { c: 1 } };
      const a2 = { id: 'same', vector: new Float32Array([3, 2, 1]), content: 'two', metadata: { c: 2 } };
      await b.upsert('one', [a1]);
      await b.upsert('two', [a2]);
      expectSameItem((await b.get('one', ['same']))[0], a1);
      expectSameItem((await b.get('two', ['same']))[0], a2);
      expect(await b.delete('one', ['same'])).toBe(1);
      expectSameItem((await b.get('two', ['same']))[0], a2);
      expect(await b.count('one')).toBe(0);
      expect(await b.count('two')).toBe(1);
    });

    it('delete returns how many existed and removes exactly those', async () => {
      const { b } = await seeded(ctx, 10);
      expect(await b.delete('items', ['item-1', 'nope', 'item-5'])).toBe(2);
      expect(await b.delete('items', ['item-1', 'item-5'])).toBe(0);
      expect(await b.count('items')).toBe(8);
      expect(await b.get('items', ['item-1', 'item-5'])).toEqual([]);
      expect((await b.get('items', ['item-0', 'item-2'])).map((i) => i.id)).toEqual(['item-0', 'item-2']);
    });

    it('counts, with and without a filter', async () => {
      const { b, items } = await seeded(ctx, 60);
      expect(await b.count('items')).toBe(60);
      expect(await b.count('items', null)).toBe(60);
      const node = parseFilter({ group: 'a' });
      const match = filterPredicate(node);
      expect(await b.count('items', node)).toBe(items.filter((i) => match(i.metadata)).length);
    });

    for (const batchSize of [1, 7, 64, 101, 1000]) {
      it(`scan visits every item exactly once in batches of ${batchSize}`, async () => {
        const { b, items } = await seeded(ctx, 101);
        const { batches, items: seen } = await scanAll(b, 'items', { batchSize });
        for (const batch of batches) {
          expect(batch.length, 'batches are non-empty').toBeGreaterThan(0);
          expect(batch.length, 'batches hold at most batchSize items').toBeLessThanOrEqual(batchSize);
        }
        expect(seen.map((i) => i.id).sort()).toEqual(items.map((i) => i.id).sort());
        const byId = new Map(items.map((i) => [i.id, i]));
        for (const s of seen) expectSameItem(s, byId.get(s.id) as NormalizedItem);
      });
    }

    it('scan order is stable across batch sizes, omits vectors on request, and sees an empty collection as empty', async () => {
      const { b } = await seeded(ctx, 50);
      const a = (await scanAll(b, 'items', { batchSize: 7 })).items.map((i) => i.id);
      const c = (await scanAll(b, 'items', { batchSize: 13, vectors: false })).items;
      expect(c.map((i) => i.id)).toEqual(a);
      for (const i of c) expect(i.vector).toBeUndefined();
      await b.createCollection(spec('empty', DIMS, ctx.defaultMetric));
      expect((await scanAll(b, 'empty', { batchSize: 10 })).items).toEqual([]);
    });

    it('scan with a filter visits exactly the matching items', async () => {
      const { b, items } = await seeded(ctx, 120);
      for (const f of [{ group: 'b' }, { score: { $lt: 30 } }, { rare: 'yes' }, { group: 'none' }]) {
        const node = parseFilter(f);
        const match = filterPredicate(node);
        const want = items.filter((i) => match(i.metadata)).map((i) => i.id);
        const { items: seen } = await scanAll(b, 'items', { batchSize: 5, filter: node });
        expect(seen.map((i) => i.id).sort(), JSON.stringify(f)).toEqual(want.sort());
        for (const s of seen) expectBitExact(s.vector, (items.find((i) => i.id === s.id) as NormalizedItem).vector);
      }
    });
  });
}
