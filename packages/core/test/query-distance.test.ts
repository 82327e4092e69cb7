import { describe, expect, it } from 'vitest';
import { queryDistance } from '../src/compression/query-distance.js';
import { type Metric, distance } from '../src/model/metric.js';
import { Random } from '../src/testing/random.js';

describe('queryDistance (rescoring)', () => {
  it('gives the very double distance(metric, query, vector) gives, for every metric, odd sizes and magnitudes', () => {
    const rng = new Random(7);
    for (const metric of ['cosine', 'l2', 'ip', 'l1'] as Metric[]) {
      for (const dims of [1, 3, 17, 768]) {
        for (const scale of [1e-20, 1, 3e15]) {
          const query = Float32Array.from(rng.vector(dims), (x) => x * scale);
          const of = queryDistance(metric, query);
          for (let j = 0; j < 20; j++) {
            const v = Float32Array.from(rng.vector(dims), (x) => x * scale * (j + 1));
            expect(Object.is(of(v), distance(metric, query, v)), `${metric} ${dims}-d ×${scale}`).toBe(true);
          }
        }
      }
    }
  });
});
