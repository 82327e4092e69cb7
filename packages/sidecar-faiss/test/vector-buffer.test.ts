/**
 * VectorBuffer keeps vectors as float32 chunks and hands them to faiss-node one chunk at a time
 * (a single `number[]` of a 1M × 128 build crashed V8). Then a real Flat index built from three
 * chunks' worth of vectors, searched with each of them: every one is found at distance 0 under
 * its own key, so the chunks went in whole and in order.
 */
import { describe, expect, it } from 'vitest';
import { VectorBuffer } from '../src/vector-buffer.js';
import { describeFaiss } from './faiss-available.js';
import { batches, openIndex, randomVector, rng, tempDir } from './helpers.js';

describe('VectorBuffer', () => {
  const rows = (n: number, dims: number) => {
    const rand = rng(3);
    return Array.from({ length: n }, () => randomVector(rand, dims));
  };

  it('hands its rows over in chunks of chunkRows, in order, as float32 values, then is empty', () => {
    const data = rows(11, 3);
    const buf = new VectorBuffer(3, 'l2', 'test', 4);
    for (const v of data) buf.push(v);
    expect(buf.count).toBe(11);
    const chunks = [...buf.takeChunks()];
    expect(chunks.map((c) => c.length)).toEqual([12, 12, 9]);
    expect(chunks.flat()).toEqual(data.flatMap((v) => Array.from(v)));
    expect(buf.count).toBe(0);
    expect([...buf.takeChunks()]).toEqual([]);
  });

  it('samples rows spread evenly (row floor(i·n/count)), or every row in order when count ≥ n', () => {
    const data = rows(10, 2);
    const buf = new VectorBuffer(2, 'l2', 'test', 3);
    for (const v of data) buf.push(v);
    expect(buf.sample(4)).toEqual([0, 2, 5, 7].flatMap((r) => Array.from(data[r] as Float32Array)));
    expect(buf.sample(50)).toEqual(data.flatMap((v) => Array.from(v)));
    expect(buf.count).toBe(10); // sampling keeps the rows
  });

  it('normalises cosine rows and refuses non-finite and wrong-length vectors', () => {
    const buf = new VectorBuffer(2, 'cosine', 'index "x"');
    buf.push([3, 4]);
    expect(buf.take()).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(() => buf.push([1, Number.NaN])).toThrow(/component 1 is NaN/);
    expect(() => new VectorBuffer(2, 'l2', 'x').push([1e39, 0])).toThrow(/beyond float32/);
    expect(() => buf.push([1, 2, 3])).toThrow(/3 dimensions but index "x" expects 2/);
  });

  it('a single row (a query) takes one row of memory and comes back as one number[]', () => {
    const buf = new VectorBuffer(4, 'l2', 'q');
    buf.push([1, 2, 3, 4]);
    expect(buf.take()).toEqual([1, 2, 3, 4]);
  });
});

describeFaiss('faiss plugin: a build of several add chunks', () => {
  it('finds every one of 9,000 vectors (three 4,096-row chunks) under its own key at distance 0', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const rand = rng(11);
      const data = Array.from({ length: 9000 }, (_, i) => ({ collection: 'a', id: `v${i}`, vector: randomVector(rand, 8) }));
      const ix = await openIndex(dir, 'l2', 8, { factory: 'Flat' });
      await ix.build(batches(data, 1000));
      expect(ix.stats().items).toBe(9000);
      for (let i = 0; i < data.length; i += 97) {
        const [hit] = await ix.search(data[i]?.vector as Float32Array, { k: 1 });
        expect(hit).toMatchObject({ collection: 'a', id: `v${i}` });
        expect(hit?.distance).toBe(0);
      }
      await ix.close();
    } finally {
      await cleanup();
    }
  });
});
