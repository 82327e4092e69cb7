/**
 * sqlite-vec computes cosine in float32, where the sum of squares of a vector with components
 * below ~1e-19 underflows and above ~1e19 overflows (NaN or -Infinity distances). Core accepts
 * any finite float32 component, so the backend must rank such vectors like the double-precision
 * reference, and still return every vector bit for bit as stored.
 */
import type { Metric, NormalizedItem, SearchHit } from '@vecdex/core';
import { Random, bruteForce, expectBitExact, expectSameRanking } from '@vecdex/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteVecBackend } from '../src/index.js';
import { makeTempDir, openStore, removeDir, spec } from './helpers.js';

const DIMS = 6;
const SCALES = [1e-38, 1e-30, 1e-22, 1e-12, 1, 1e12, 1e20, 1e30, 1e37];

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

/** Items at every scale, plus vectors whose components span more than float32 can scale. */
function extremeItems(rng: Random): NormalizedItem[] {
  const items: NormalizedItem[] = [];
  for (let i = 0; i < 90; i++) {
    const scale = SCALES[i % SCALES.length] as number;
    items.push({ id: `v${i}`, vector: rng.vector(DIMS).map((x) => x * scale), content: null, metadata: null });
  }
  const wide = [
    [3.4e38, 1e-40, -2e-45, 1, 5e30, -0],
    [-1e-44, 1e-45, 2.5e-42, 0, 0, 1e-40],
    [1e38, -1e-38, 1e-39, 0, 0, 2e-45],
  ];
  for (const [i, v] of wide.entries()) items.push({ id: `wide${i}`, vector: new Float32Array(v), content: null, metadata: null });
  return items;
}

async function search(
  b: SqliteVecBackend,
  collection: string,
  vector: Float32Array,
  metric: Metric,
  k: number,
): Promise<SearchHit[]> {
  return b.searchExact({ collections: [collection], vector, k, metric, include: { vector: true } });
}

function expectLikeReference(
  hits: SearchHit[],
  items: NormalizedItem[],
  collection: string,
  vector: Float32Array,
  metric: Metric,
  k: number,
) {
  for (const h of hits) expect(Number.isFinite(h.distance), `distance of ${h.id} is ${h.distance}`).toBe(true);
  const { ranked, byKey } = bruteForce({ items: new Map([[collection, items]]), vector, metric });
  expectSameRanking(hits, ranked.slice(0, k), byKey);
  const byId = new Map(items.map((i) => [i.id, i]));
  for (const h of hits) expectBitExact(h.vector, (byId.get(h.id) as NormalizedItem).vector, `vector of hit ${h.id}`);
}

describe('vectors of extreme magnitude', () => {
  it('cosine: rank like the double-precision reference at every scale, through the KNN and the scan', async () => {
    const b = await openStore(dir);
    try {
      const rng = new Random(11);
      const items = extremeItems(rng);
      await b.createCollection(spec('c', DIMS, 'cosine'));
      await b.upsert('c', items);
      for (const scale of [...SCALES, 1e-44]) {
        const q = rng.vector(DIMS).map((x) => x * scale);
        expectLikeReference(await search(b, 'c', q, 'cosine', 10), items, 'c', q, 'cosine', 10);
        // k above vec0's KNN limit: the scan path.
        expectLikeReference(await search(b, 'c', q, 'cosine', 5000), items, 'c', q, 'cosine', items.length);
      }
      // An item's own direction is at distance ~0, whatever its length.
      for (const id of ['v0', 'v8', 'wide0', 'wide1']) {
        const v = (items.find((i) => i.id === id) as NormalizedItem).vector;
        const [top] = await search(b, 'c', v, 'cosine', 1);
        expect(top?.distance).toBeCloseTo(0, 5);
      }
    } finally {
      await b.close();
    }
  });

  it('get, scan and the change feed return the vectors bit for bit, also after an update', async () => {
    const b = await openStore(dir);
    try {
      const items = extremeItems(new Random(12));
      await b.createCollection(spec('c', DIMS, 'cosine'));
      await b.upsert('c', items);
      // Replace a scaled vector by a normal one and a normal one by a scaled one.
      const swapped: NormalizedItem[] = [
        { id: 'v1', vector: new Float32Array([1, 2, 3, 4, 5, 6]), content: null, metadata: null },
        { id: 'v4', vector: new Float32Array([1e-40, 0, 0, 0, 0, 3e-39]), content: null, metadata: null },
      ];
      await b.upsert('c', swapped);
      const want = new Map(items.map((i) => [i.id, i.vector]));
      for (const s of swapped) want.set(s.id, s.vector);
      const got = await b.get('c', [...want.keys()]);
      expect(got.length).toBe(want.size);
      for (const g of got) expectBitExact(g.vector, want.get(g.id) as Float32Array, `get ${g.id}`);
      let scanned = 0;
      for await (const batch of b.scan('c', { batchSize: 7 })) {
        for (const s of batch) expectBitExact(s.vector, want.get(s.id) as Float32Array, `scan ${s.id}`);
        scanned += batch.length;
      }
      expect(scanned).toBe(want.size);
      const feed = await b.readChanges({ collections: ['c'], after: null, limit: 1000 });
      for (const ch of feed.changes) {
        if (ch.op === 'upsert') expectBitExact(ch.item.vector, want.get(ch.id) as Float32Array, `feed ${ch.id}`);
      }
    } finally {
      await b.close();
    }
  });

  it('another metric over a cosine collection measures the vectors as stored, not as scaled', async () => {
    const b = await openStore(dir);
    try {
      const rng = new Random(13);
      // Magnitudes where l2, l1 and ip stay finite in double precision.
      const items: NormalizedItem[] = [];
      for (let i = 0; i < 60; i++) {
        const scale = [1e-30, 1e-20, 1, 1e20, 1e30][i % 5] as number;
        items.push({ id: `v${i}`, vector: rng.vector(DIMS).map((x) => x * scale), content: null, metadata: null });
      }
      await b.createCollection(spec('c', DIMS, 'cosine'));
      await b.upsert('c', items);
      for (const metric of ['l2', 'l1', 'ip'] as const) {
        for (const scale of [1e-30, 1, 1e30]) {
          const q = rng.vector(DIMS).map((x) => x * scale);
          expectLikeReference(await search(b, 'c', q, metric, 10), items, 'c', q, metric, 10);
        }
      }
    } finally {
      await b.close();
    }
  });

  it('cosine over an l2 collection is computed in double precision', async () => {
    const b = await openStore(dir);
    try {
      const rng = new Random(14);
      const items = extremeItems(rng);
      await b.createCollection(spec('e', DIMS, 'l2'));
      await b.upsert('e', items);
      for (const scale of [1e-30, 1, 1e30]) {
        const q = rng.vector(DIMS).map((x) => x * scale);
        expectLikeReference(await search(b, 'e', q, 'cosine', 10), items, 'e', q, 'cosine', 10);
      }
    } finally {
      await b.close();
    }
  });
});
