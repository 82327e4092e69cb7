import { describe, expect, it } from 'vitest';
import { FlatCodes } from '../src/flat-codes.js';
import { hammingScan } from '../src/hamming-scan.js';

/** Reference: differing signs (> 0) component by component. */
function reference(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > 0 !== b[i] > 0) d++;
  return d;
}

describe('binary flat codes: the WebAssembly popcount scan', () => {
  for (const dims of [8, 64, 100, 768]) {
    it(`${dims}-d: every distance equals the component-by-component count, across growth and a save/load round trip`, () => {
      let seed = dims;
      const rand = () => {
        seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
        return seed / 4294967296 - 0.5;
      };
      const vectors = Array.from({ length: 3000 }, () => Float32Array.from({ length: dims }, rand));
      const codes = new FlatCodes('b1', dims); // starts at 16 rows: grows many times below
      for (let i = 0; i < vectors.length; i++) codes.write(i, vectors[i] as Float32Array, null);
      const q = Float32Array.from({ length: dims }, rand);
      const check = (c: FlatCodes) => {
        const dist = c.hamming(c.encodeQuery(q, null) as Uint32Array);
        expect(dist.length).toBe(vectors.length);
        for (let i = 0; i < vectors.length; i++) expect(dist[i], `row ${i}`).toBe(reference(vectors[i] as Float32Array, q));
      };
      check(codes);
      check(FlatCodes.fromBytes('b1', dims, codes.rows, codes.bytes().slice()));
      // The selection: the 10 smallest, ties by row, skipping what `skip` says.
      const dist = codes.hamming(codes.encodeQuery(q, null) as Uint32Array);
      const top = hammingScan(dist, codes.rows, codes.rowLength * 32, 10, (r) => r % 2 === 1);
      const want = vectors
        .map((v, i) => ({ i, d: reference(v, q) }))
        .filter((x) => x.i % 2 === 0)
        .sort((a, b) => a.d - b.d || a.i - b.i)
        .slice(0, 10);
      expect(Array.from(top.rows)).toEqual(want.map((x) => x.i));
      expect(Array.from(top.distances)).toEqual(want.map((x) => x.d));
    });
  }
});
