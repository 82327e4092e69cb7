import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type IndexEntry, type JsonValue, type Metric, type StorageBackend, distance } from '@vecdex/core';
import { Random, expectVecdexError } from '@vecdex/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function open(metric: Metric, dims: number, params: { [key: string]: JsonValue }) {
  const directory = await mkdtemp(path.join(tmpdir(), 'vecdex-usearch-dtype-'));
  dirs.push(directory);
  return plugin.open({
    definition: { name: 'd', plugin: 'usearch', collections: ['a'], params: plugin.normalizeParams(params), createdAt: 1 },
    dimensions: dims,
    metric,
    directory,
    backend: {} as StorageBackend,
  });
}

async function* once(entries: IndexEntry[]) {
  yield entries;
}

/** Mean recall@10 over 50 queries against float64 brute force, and the worst relative distance error. */
async function measure(metric: Metric, dtype: string) {
  const rng = new Random(15);
  const dims = 32;
  const entries = Array.from({ length: 2000 }, (_, i) => ({ collection: 'a', id: `i${i}`, vector: rng.vector(dims) }));
  // One thread: the build is then deterministic, so the recall below is a fixed number.
  const index = await open(metric, dims, { dtype, threads: 1 });
  await index.build(once(entries));
  let recall = 0;
  let worst = 0;
  for (let q = 0; q < 50; q++) {
    const query = rng.vector(dims);
    const exact = entries
      .map((e) => ({ id: e.id, d: distance(metric, query, e.vector) }))
      .sort((x, y) => x.d - y.d)
      .slice(0, 10);
    const hits = await index.search(query, { k: 10, params: { efSearch: 200 } });
    const want = new Set(exact.map((e) => e.id));
    recall += hits.filter((h) => want.has(h.id)).length / 10;
    for (const h of hits) {
      const ref = distance(metric, query, entries[Number(h.id.slice(1))]?.vector as Float32Array);
      worst = Math.max(worst, Math.abs(h.distance - ref) / Math.max(1e-9, Math.abs(ref)));
    }
  }
  return { recall: recall / 50, worst, bytes: (await index.save()).bytes as number };
}

describe('usearch dtype: quantized storage keeps recall, distances are approximate', () => {
  it('f32 is exact to float precision; f16 halves the file and keeps recall', async () => {
    const f32 = await measure('l2', 'f32');
    const f16 = await measure('l2', 'f16');
    expect(f32.recall).toBeGreaterThanOrEqual(0.99);
    expect(f32.worst).toBeLessThan(1e-5);
    // Measured: recall 1.0, worst relative distance error 1.7e-4; the file 0.78× (the graph is
    // most of it at 32-d).
    expect(f16.recall).toBeGreaterThanOrEqual(0.97);
    expect(f16.worst).toBeLessThan(5e-3);
    expect(f16.worst).toBeGreaterThan(0); // really quantized
    expect(f16.bytes).toBeLessThan(f32.bytes * 0.85);
  });

  it('i8 (cosine only) quarters the vectors and keeps recall', async () => {
    const i8 = await measure('cosine', 'i8');
    const f32 = await measure('cosine', 'f32');
    // Measured: recall 0.962, worst relative distance error 0.02, the file 0.67×.
    expect(i8.recall).toBeGreaterThanOrEqual(0.9);
    expect(i8.bytes).toBeLessThan(f32.bytes * 0.75);
  });

  it('i8 on l2 or ip is refused when the index opens, naming the param', async () => {
    for (const metric of ['l2', 'ip'] as const) {
      const err = await expectVecdexError(open(metric, 8, { dtype: 'i8' }), 'INVALID_ARGUMENT');
      expect(err.message).toMatch(/dtype i8 needs the cosine metric/);
    }
  });
});
