import { describe, expect, it } from 'vitest';
import { isVecdexError } from '../src/errors/vecdex-error.js';
import { reciprocalRankFusion } from '../src/fusion/reciprocal-rank-fusion.js';

const keys = (...ids: string[]) => ids.map((id) => ({ collection: 'c', id }));

describe('reciprocalRankFusion', () => {
  it('scores Σ weight / (k + rank) and sorts by it', () => {
    const fused = reciprocalRankFusion([
      { name: 'vector', keys: keys('a', 'b', 'c') },
      { name: 'keyword', keys: keys('c', 'd') },
    ]);
    expect(fused.map((f) => f.id)).toEqual(['c', 'a', 'b', 'd']);
    const c = fused[0];
    expect(c?.score).toBeCloseTo(1 / 63 + 1 / 61, 15);
    expect(c?.ranks).toEqual({ vector: 3, keyword: 1 });
    expect(fused.find((f) => f.id === 'd')?.ranks).toEqual({ keyword: 2 });
  });

  it('weights and k change the order; ties keep first appearance; repeated keys count once', () => {
    const lists = [
      { name: 'vector', keys: keys('a', 'b') },
      { name: 'keyword', keys: keys('b', 'a', 'b'), weight: 2 },
    ];
    expect(reciprocalRankFusion(lists).map((f) => f.id)).toEqual(['b', 'a']);
    expect(reciprocalRankFusion(lists, { k: 0 }).find((f) => f.id === 'b')?.score).toBeCloseTo(1 / 2 + 2 / 1, 15);
    const tie = reciprocalRankFusion([
      { name: 'x', keys: keys('p') },
      { name: 'y', keys: keys('q') },
    ]);
    expect(tie.map((f) => f.id)).toEqual(['p', 'q']);
    // The same id in two collections is two entries.
    const two = reciprocalRankFusion([
      {
        name: 'x',
        keys: [
          { collection: 'c1', id: 'a' },
          { collection: 'c2', id: 'a' },
        ],
      },
    ]);
    expect(two).toHaveLength(2);
  });

  it('refuses a negative or non-finite k or weight', () => {
    for (const bad of [
      () => reciprocalRankFusion([], { k: -1 }),
      () => reciprocalRankFusion([{ name: 'v', keys: [], weight: Number.NaN }]),
    ]) {
      try {
        bad();
        expect.unreachable();
      } catch (err) {
        expect(isVecdexError(err, 'INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});
