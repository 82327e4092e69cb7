import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import type { Metric } from '../../model/metric.js';
import type { NormalizedItem } from '../../model/item.js';
import { expectBitExact, expectVecdexError } from '../assertions.js';
import { type ConformanceContext, spec } from '../context.js';
import { Random, makeItems } from '../random.js';

const DIMS = 8;

/** Vectors a cosine store may have to keep scaled (tiny, huge, spanning more than float32's range). */
function oddVectors(): NormalizedItem[] {
  const v = (xs: number[]) => Float32Array.from({ length: DIMS }, (_, i) => xs[i % xs.length] as number);
  return [
    { id: 'tiny', vector: v([1e-30, -3e-31, 2e-32, 0]), content: 'c', metadata: { m: 1 } },
    { id: 'huge', vector: v([3e37, -1e36, 2e35, 1]), content: null, metadata: null },
    { id: 'span', vector: v([1e30, 1e-40, -2.5e-39, 1e-10]), content: null, metadata: null },
  ];
}

/** `StorageBackend.getVectors` (only run when the backend has it: it is optional). */
export function getVectorsTests(ctx: ConformanceContext): void {
  describe('vectors by id', () => {
    it('returns what get returns, bit for bit, in the order asked, null for missing ids, and follows writes after an exact search', async (t) => {
      const b = await ctx.fresh();
      if (typeof b.getVectors !== 'function') t.skip(`${ctx.options.name} has no getVectors (it is optional)`);
      const getVectors = (b.getVectors as NonNullable<StorageBackend['getVectors']>).bind(b);
      for (const metric of ['cosine', ctx.defaultMetric] as Metric[]) {
        const name = `v-${metric}`;
        if ((await b.getCollection(name)) !== null) continue;
        await b.createCollection(spec(name, DIMS, metric));
        await b.createCollection(spec(`${name}-other`, DIMS, metric));
        const items = [...makeItems(new Random(41), 40, DIMS), ...(metric === 'cosine' ? oddVectors() : [])];
        await b.upsert(name, items);
        await b.upsert(`${name}-other`, makeItems(new Random(42), 5, DIMS));
        const check = async (ids: string[], what: string) => {
          const want = await b.get(name, ids, { vectors: true });
          const byId = new Map(want.map((i) => [i.id, i.vector as Float32Array]));
          const got = await getVectors(name, ids);
          expect(got, `${what}: one entry per id`).toHaveLength(ids.length);
          ids.forEach((id, i) => {
            const expected = byId.get(id);
            if (expected === undefined) expect(got[i], `${what}: ${id} does not exist`).toBeNull();
            else expectBitExact(got[i] ?? undefined, expected, `${what}: ${metric} vector of ${id}`);
          });
        };
        const ids = items.map((i) => i.id).reverse();
        await check([...ids, 'missing', ids[0] as string], 'before any search');
        // After an exact search (a backend may keep an in-memory copy from then on), and after writes.
        await b.searchExact({ collections: [name], vector: items[0]?.vector as Float32Array, k: 3, metric });
        await check(ids, 'after an exact search');
        const moved = makeItems(new Random(43), 3, DIMS);
        await b.upsert(name, moved);
        await b.delete(name, ['item-5', 'tiny']);
        await b.upsert(name, [{ id: 'new', vector: new Float32Array(DIMS).fill(0.5), content: null, metadata: null }]);
        await check(['item-0', 'item-1', 'item-2', 'item-5', 'tiny', 'new', 'huge', 'item-39', 'item-0'], 'after writes');
        const fromOther = await getVectors(`${name}-other`, ['item-0', 'item-6']);
        expect(fromOther[1], 'ids are per collection').toBeNull();
        expectBitExact(
          fromOther[0] ?? undefined,
          makeItems(new Random(42), 5, DIMS)[0]?.vector as Float32Array,
          'other collection',
        );
        expect(await getVectors(name, []), 'no ids, no vectors').toEqual([]);
      }
      await expectVecdexError(getVectors('nope', ['a']), 'UNKNOWN_COLLECTION');
    });
  });
}
