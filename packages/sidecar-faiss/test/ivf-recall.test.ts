/**
 * Approximate index types against exact search on a synthetic clustered set (5,000 points
 * around 50 centres, 32-d): recall@10 at the default nprobe / efSearch, per-query nprobe, the
 * automatic choice, and quantized codes.
 */
import type { IndexEntry, Metric, VectorIndex } from '@vecdex/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeFaiss } from './faiss-available.js';
import { batches, bruteForce, clustered, openIndex, randomVector, recall, rng, tempDir } from './helpers.js';

const DIMS = 32;
const N = 5000;
const QUERIES = 60;

describeFaiss('faiss plugin: recall of approximate indexes on a clustered set', () => {
  let cleanup: () => Promise<void>;
  let dir: string;
  let data: IndexEntry[];
  let queries: Float32Array[];
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    const rand = rng(7);
    data = clustered(rand, N, DIMS, 50);
    // Queries near the data (a stored point plus noise), as real queries are.
    queries = Array.from({ length: QUERIES }, () => {
      const base = data[Math.floor(rand() * N)]?.vector as Float32Array;
      const noise = randomVector(rand, DIMS);
      return base.map((x, i) => x + 0.05 * (noise[i] as number));
    });
  });
  afterAll(() => cleanup());

  async function measure(ix: VectorIndex, metric: Metric, params?: { [key: string]: number }): Promise<number> {
    let sum = 0;
    for (const q of queries) {
      const hits = await ix.search(q, { k: 10, ...(params ? { params } : {}) });
      expect(hits.length).toBe(10);
      sum += recall(hits, bruteForce(metric, data, q, 10));
    }
    return sum / queries.length;
  }

  const cases: [string, Metric, number][] = [
    ['IVF64,Flat', 'l2', 0.9],
    ['IVF64,Flat', 'cosine', 0.9],
    ['IVF64,SQ8', 'l2', 0.9],
    ['HNSW16', 'l2', 0.9],
    ['HNSW16', 'cosine', 0.9],
  ];
  for (const [factory, metric, min] of cases) {
    it(`${factory} (${metric}): recall@10 ≥ ${min} at the default settings`, async () => {
      const ix = await openIndex(dir, metric, DIMS, { factory });
      await ix.build(batches(data));
      const st = ix.stats();
      expect(st.factory).toBe(factory);
      if (factory.startsWith('IVF')) {
        expect([st.nlist, st.nprobe, st.trainedCount]).toEqual([64, 4, N]);
      }
      const r = await measure(ix, metric);
      expect(r).toBeGreaterThanOrEqual(min);
      if (factory === 'IVF64,Flat') {
        // Every cell probed: exhaustive over full vectors, so exact.
        expect(await measure(ix, metric, { nprobe: 64 })).toBe(1);
        // One cell: a real trade-off, so fewer hits in common (and still k hits).
        expect(await measure(ix, metric, { nprobe: 1 })).toBeLessThan(r);
      }
      await ix.close();
    });
  }

  it('IVF64,PQ8 compresses to 8 code bytes a vector and still finds most neighbours', async () => {
    const ix = await openIndex(dir, 'l2', DIMS, { factory: 'IVF64,PQ8' });
    await ix.build(batches(data));
    expect(await measure(ix, 'l2', { nprobe: 16 })).toBeGreaterThanOrEqual(0.5);
    await ix.save();
    const flat = await openIndex(dir, 'l2', DIMS, { factory: 'IVF64,Flat' });
    await flat.build(batches(data));
    await flat.save();
    // 8 code bytes + 8 id bytes a vector (+ codebooks, labels) against 128 + 8 for full vectors.
    expect(ix.stats().bytesOnDisk as number).toBeLessThan((flat.stats().bytesOnDisk as number) / 3);
  });

  it('the automatic choice: Flat below flatBelow, else IVF{min(4√n, n/39)},Flat with nprobe cells/16', async () => {
    const auto = await openIndex(dir, 'l2', DIMS, { flatBelow: 1000 });
    await auto.build(batches(data));
    // min(4·√5000 = 282.8, 5000/39 = 128.2) → 128 cells, nprobe 8.
    expect(auto.stats()).toMatchObject({ factory: 'IVF128,Flat', nlist: 128, nprobe: 8, trainedCount: N });
    expect(await measure(auto, 'l2')).toBeGreaterThanOrEqual(0.9);
    const small = await openIndex(dir, 'l2', DIMS, {});
    await small.build(batches(data));
    expect(small.stats()).toMatchObject({ factory: 'Flat', nlist: null });
    expect(await measure(small, 'l2')).toBe(1);
    const quantized = await openIndex(dir, 'l2', DIMS, { flatBelow: 1000, quantize: true, sample: 0.5 });
    await quantized.build(batches(data));
    expect(quantized.stats()).toMatchObject({ factory: 'IVF128,SQ8', trainedCount: N });
    expect(await measure(quantized, 'l2')).toBeGreaterThanOrEqual(0.85);
  });
});
