import { describe, expect, it } from 'vitest';
import type { Collection } from '../../api/collection.js';
import { openVecdex } from '../../api/open-vecdex.js';
import type { Vecdex } from '../../api/vecdex.js';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import type { Item, NormalizedItem } from '../../model/item.js';
import { expectSameItem, expectVecdexError } from '../assertions.js';
import type { ConformanceContext } from '../context.js';
import { readAll } from '../feed.js';
import { Random, makeItems } from '../random.js';

const DIMS = 4;

async function setup(
  ctx: ConformanceContext,
): Promise<{ b: StorageBackend; vx: Vecdex; col: Collection; good: NormalizedItem[] }> {
  const b = await ctx.fresh();
  // An inline empty config: the suite must not pick up a vecdex config from the working directory.
  const vx = await openVecdex({ backend: b, config: {} });
  await vx.collections.create({ name: 'bad', dimensions: DIMS, metric: ctx.defaultMetric });
  const good = makeItems(new Random(701), 10, DIMS, 'g');
  await b.upsert('bad', good);
  return { b, vx, col: vx.collection('bad'), good };
}

/** The store is exactly as `setup` left it: same items, same contents, no new feed entries. */
async function expectUnchanged(b: StorageBackend, good: readonly NormalizedItem[], extraIds: readonly string[]): Promise<void> {
  expect(await b.count('bad'), 'no item was added or removed').toBe(good.length);
  const goodIds = new Set(good.map((g) => g.id));
  const others = [...new Set(extraIds)].filter((id) => id !== '' && !goodIds.has(id));
  const got = await b.get('bad', [...goodIds, ...others]);
  expect(
    got.map((g) => g.id),
    'none of the batch was stored',
  ).toEqual(good.map((g) => g.id));
  for (const [i, g] of good.entries()) expectSameItem(got[i], g);
  expect((await readAll(b, ['bad'], null)).changes.length, 'no change was recorded').toBe(good.length);
}

const v = (...xs: unknown[]) => xs as number[];

/** Bad input through the public API gets the right error code, and a failed batch stores nothing. */
export function badInputTests(ctx: ConformanceContext): void {
  describe('bad input', () => {
    it('refuses vectors of the wrong length with DIMENSION_MISMATCH', async () => {
      const { col } = await setup(ctx);
      await expectVecdexError(col.upsert([{ id: 'a', vector: [1, 2, 3] }]), 'DIMENSION_MISMATCH');
      await expectVecdexError(col.upsert([{ id: 'a', vector: new Float32Array(DIMS + 1).fill(1) }]), 'DIMENSION_MISMATCH');
      await expectVecdexError(col.similar([1, 2]), 'DIMENSION_MISMATCH');
    });

    it('refuses non-finite, float32-overflowing, non-numeric and non-array vectors with INVALID_VECTOR', async () => {
      const { col } = await setup(ctx);
      const bad: unknown[] = [
        v(1, Number.NaN, 0, 0),
        v(1, Number.POSITIVE_INFINITY, 0, 0),
        v(Number.NEGATIVE_INFINITY, 1, 0, 0),
        v(1e39, 1, 0, 0),
        v(1, '2', 3, 4),
        v(1, null, 3, 4),
        new Float32Array([1, Number.NaN, 0, 0]),
        '1,2,3,4',
        { 0: 1, 1: 2, 2: 3, 3: 4, length: 4 },
        null,
        undefined,
      ];
      for (const vector of bad) {
        await expectVecdexError(col.upsert([{ id: 'a', vector } as unknown as Item]), 'INVALID_VECTOR');
      }
      await expectVecdexError(col.similar(v(1, Number.NaN, 0, 0)), 'INVALID_VECTOR');
      await expectVecdexError(col.similar({} as unknown as number[]), 'INVALID_VECTOR');
    });

    const noCosine = !ctx.metrics.includes('cosine');
    const zeroTitle = `refuses the zero vector under cosine with INVALID_VECTOR${noCosine ? ' (skipped: cosine declared unsupported)' : ''}`;
    it.skipIf(noCosine)(zeroTitle, async () => {
      const { vx } = await setup(ctx);
      await vx.collections.create({ name: 'cos', dimensions: DIMS, metric: 'cosine' });
      await expectVecdexError(vx.collection('cos').upsert([{ id: 'z', vector: [0, 0, 0, 0] }]), 'INVALID_VECTOR');
      await expectVecdexError(vx.collection('cos').similar([0, 0, 0, 0]), 'INVALID_VECTOR');
    });

    it('refuses empty, overlong and non-string ids with INVALID_ID', async () => {
      const { col } = await setup(ctx);
      for (const id of ['', 'x'.repeat(600), 42, null, undefined, {}, 'bad\u0000id']) {
        await expectVecdexError(col.upsert([{ id, vector: [1, 2, 3, 4] } as unknown as Item]), 'INVALID_ID');
      }
      await expectVecdexError(col.get(''), 'INVALID_ID');
      await expectVecdexError(col.getMany(['ok', 'x'.repeat(600)]), 'INVALID_ID');
      await expectVecdexError(col.delete(['ok', 7 as unknown as string]), 'INVALID_ID');
    });

    it('refuses an unknown collection with UNKNOWN_COLLECTION and an unknown metric with UNSUPPORTED_METRIC', async () => {
      const { vx } = await setup(ctx);
      const nope = vx.collection('nope');
      await expectVecdexError(nope.upsert([{ id: 'a', vector: [1, 2, 3, 4] }]), 'UNKNOWN_COLLECTION');
      await expectVecdexError(nope.get('a'), 'UNKNOWN_COLLECTION');
      await expectVecdexError(nope.delete('a'), 'UNKNOWN_COLLECTION');
      await expectVecdexError(nope.count(), 'UNKNOWN_COLLECTION');
      await expectVecdexError(nope.similar([1, 2, 3, 4]), 'UNKNOWN_COLLECTION');
      await expectVecdexError(nope.changes(null), 'UNKNOWN_COLLECTION');
      const create = (metric: string) => vx.collections.create({ name: 'm', dimensions: 4, metric: metric as 'l2' });
      await expectVecdexError(create('hamming'), 'UNSUPPORTED_METRIC');
      await expectVecdexError(create('L2'), 'UNSUPPORTED_METRIC');
      for (const m of ctx.skippedMetrics) await expectVecdexError(create(m), 'UNSUPPORTED_METRIC');
      expect(await vx.collections.has('m')).toBe(false);
    });

    it('refuses malformed filters with INVALID_FILTER', async () => {
      const { col } = await setup(ctx);
      const filters: unknown[] = [
        { $foo: 1 },
        { a: { $regex: 'x' } },
        { a: { $gt: {} } },
        { a: { $in: 'x' } },
        'lang = en',
        [1],
        { $or: [] },
      ];
      for (const filter of filters) {
        await expectVecdexError(col.count(filter as Record<string, unknown>), 'INVALID_FILTER');
        await expectVecdexError(col.similar([1, 2, 3, 4], { filter: filter as Record<string, unknown> }), 'INVALID_FILTER');
      }
    });

    it('refuses k that is not an integer from 1 with INVALID_ARGUMENT', async () => {
      const { col } = await setup(ctx);
      for (const k of [0, -1, 1.5, Number.NaN, '3', 10_001]) {
        await expectVecdexError(col.similar([1, 2, 3, 4], { k: k as number }), 'INVALID_ARGUMENT');
      }
      expect(await col.similar([1, 2, 3, 4], { k: 3 })).toHaveLength(3);
    });

    const atomic: [string, Item, 'INVALID_VECTOR' | 'DIMENSION_MISMATCH' | 'INVALID_ID'][] = [
      ['a NaN', { id: 'bad-50', vector: [1, Number.NaN, 0, 0] }, 'INVALID_VECTOR'],
      ['a wrong-length vector', { id: 'bad-50', vector: [1, 2, 3] }, 'DIMENSION_MISMATCH'],
      ['an empty id', { id: '', vector: [1, 2, 3, 4] }, 'INVALID_ID'],
    ];
    for (const [what, badItem, code] of atomic) {
      it(`a batch whose 50th item has ${what} stores nothing and keeps earlier items intact`, async () => {
        const { b, col, good } = await setup(ctx);
        const rng = new Random(702);
        const batch: Item[] = [];
        for (let i = 0; i < 70; i++) {
          // Overwrites of existing items and new items, with the bad one at position 50.
          if (i === 49) batch.push(badItem);
          else batch.push({ id: i % 5 === 0 ? `g${i % 10}` : `new-${i}`, vector: rng.vector(DIMS), metadata: { changed: true } });
        }
        await expectVecdexError(col.upsert(batch), code);
        await expectUnchanged(
          b,
          good,
          batch.map((x) => String(x.id)),
        );
      });
    }

    it('the backend itself refuses a wrong-length vector in the middle of a batch and stores nothing', async () => {
      const { b, good } = await setup(ctx);
      const rng = new Random(703);
      const batch: NormalizedItem[] = makeItems(rng, 60, DIMS, 'direct-');
      batch[20] = { ...(good[3] as NormalizedItem), metadata: { overwritten: true } };
      batch[30] = { id: 'direct-wrong', vector: new Float32Array(DIMS + 2).fill(0.5), content: null, metadata: null };
      let threw = false;
      try {
        await b.upsert('bad', batch);
      } catch {
        threw = true;
      }
      expect(threw, 'backend.upsert must refuse a vector of the wrong length (defence in depth)').toBe(true);
      await expectUnchanged(
        b,
        good,
        batch.map((x) => x.id),
      );
    });
  });
}
