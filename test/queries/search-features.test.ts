/**
 * What LangChain, Chroma and LanceDB users expect of a search call: maximal marginal relevance,
 * a distance or score threshold, offset paging, and a batch form (similarMany), exactly and
 * through an hnswlib index; and their bad input.
 */
import { type Vecdex, distance } from '@vecdex/core';
import { Random, expectVecdexError } from '@vecdex/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryStore } from './helpers.js';

const DIMS = 12;
const rng = new Random(4242);
const query = rng.vector(DIMS);
const jitter = (v: Float32Array, s: number) => v.map((x) => x + s * rng.between(-1, 1));
// 600 spread items, plus a tight clump of 12 near-duplicates right by the query.
const items = [
  ...Array.from({ length: 600 }, (_, i) => ({
    id: `p${i}`,
    vector: rng.vector(DIMS),
    content: `item ${i} ${i % 5 === 0 ? 'amber' : 'stone'}`,
    metadata: { g: i % 4 },
  })),
  ...Array.from({ length: 12 }, (_, i) => ({
    id: `dup${i}`,
    vector: jitter(query, 0.02),
    content: `duplicate ${i} amber`,
    metadata: { g: 0 },
  })),
];
const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

/**
 * LangChain's maximalMarginalRelevance, written independently: cosine similarity of the
 * embeddings, the first pick the most similar to the query, then argmax of
 * lambda · sim(query, c) − (1 − lambda) · max sim(c, picked).
 */
function referenceMmr(q: Float32Array, candidates: { id: string; vector: Float32Array }[], k: number, lambda: number): string[] {
  const cos = (a: Float32Array, b: Float32Array) => 1 - distance('cosine', a, b);
  const picked: typeof candidates = [];
  const rest = [...candidates];
  while (picked.length < k && rest.length > 0) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    rest.forEach((c, i) => {
      const redundancy = picked.length === 0 ? 0 : Math.max(...picked.map((p) => cos(c.vector, p.vector)));
      const score = lambda * cos(q, c.vector) - (1 - lambda) * redundancy;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    });
    picked.push(...rest.splice(best, 1));
  }
  return picked.map((p) => p.id);
}

describe('MMR, thresholds, offset and similarMany', () => {
  let store: Awaited<ReturnType<typeof queryStore>>;
  let vx: Vecdex;
  beforeAll(async () => {
    store = await queryStore('vecdex-search-features-');
    vx = await store.open();
    await vx.collections.create({ name: 'c', dimensions: DIMS, metric: 'cosine' });
    await vx.collection('c').upsert(items);
    await vx.indexes.create({ name: 'ix', plugin: 'hnswlib', collections: ['c'], params: { M: 16, efConstruction: 200 } });
    await vx.indexes.build('ix');
  });
  afterAll(async () => {
    await vx?.close();
    await store?.cleanup();
  });

  it("MMR picks what LangChain's algorithm picks, and trades the near-duplicates for variety", async () => {
    const c = vx.collection('c');
    const candidates = await c.similar(query, { k: 40, exact: true, include: { vector: true } });
    for (const lambda of [0, 0.3, 0.5, 0.8]) {
      const hits = await c.similar(query, { k: 8, exact: true, mmr: { lambda, fetchK: 40 } });
      expect(ids(hits), `lambda ${lambda}`).toEqual(
        referenceMmr(
          query,
          candidates.map((h) => ({ id: h.id, vector: h.vector as Float32Array })),
          8,
          lambda,
        ),
      );
      expect(hits.every((h) => h.vector === undefined && h.metadata !== undefined)).toBe(true);
    }
    const plain = await c.similar(query, { k: 8, exact: true });
    expect(ids(plain).every((id) => id.startsWith('dup'))).toBe(true);
    const diverse = await c.similar(query, { k: 8, exact: true, mmr: { lambda: 0.5 } });
    expect(diverse[0]?.id).toBe(plain[0]?.id);
    // Plain: all 8 from the clump; MMR keeps a few of them (seeded data: 3) and adds other items.
    expect(ids(diverse).filter((id) => id.startsWith('dup')).length).toBeLessThanOrEqual(3);
    // lambda 1 is relevance only: the plain ranking.
    expect(ids(await c.similar(query, { k: 8, exact: true, mmr: { lambda: 1 } }))).toEqual(ids(plain));
    // Through the index, with the planner fetching fetchK candidates.
    const { hits, plan } = await c.search({ vector: query, k: 8, index: 'ix', mmr: { fetchK: 40 }, include: { vector: true } });
    expect(plan.reason).toMatch(/maximal marginal relevance \(lambda = 0.5\) picked 8 of 40 candidates/);
    expect(hits.every((h) => h.vector instanceof Float32Array)).toBe(true);
  });

  it('offset pages through the same ranking; past the end is an empty page', async () => {
    const c = vx.collection('c');
    for (const via of [{ exact: true }, { index: 'ix' }]) {
      const all = await c.similar(query, { k: 30, ...via });
      const pages = [];
      for (let offset = 0; offset < 30; offset += 10) pages.push(...(await c.similar(query, { k: 10, offset, ...via })));
      expect(pages).toEqual(all);
    }
    expect(await c.similar(query, { k: 10, offset: 612 })).toEqual([]);
    expect(await c.similar(query, { k: 10, offset: 605 })).toHaveLength(7);
    const hybrid = await c.search({ vector: query, text: 'amber', k: 5, offset: 5, exact: true });
    const hybridAll = await c.search({ vector: query, text: 'amber', k: 10, exact: true });
    expect(hybrid.hits).toEqual(hybridAll.hits.slice(5));
    expect(hybrid.plan.reason).toMatch(/skipped the 5 best hit\(s\) \(offset\)/);
  });

  it('maxDistance and minScore cut the ranking, and may return fewer than k', async () => {
    const c = vx.collection('c');
    const all = await c.similar(query, { k: 50, exact: true });
    const max = (all[20] as { distance: number }).distance;
    const cut = await c.similar(query, { k: 50, exact: true, maxDistance: max });
    expect(cut.length).toBeGreaterThanOrEqual(21);
    expect(cut).toEqual(all.filter((h) => h.distance <= max));
    const hybrid = await c.search({ vector: query, text: 'amber', k: 30, exact: true });
    const min = (hybrid.hits[9] as { score: number }).score;
    const scored = await c.search({ vector: query, text: 'amber', k: 30, exact: true, minScore: min });
    expect(scored.hits).toEqual(hybrid.hits.filter((h) => h.score >= min));
    expect(
      (await c.search({ vector: query, text: 'amber', k: 30, exact: true, maxDistance: max })).hits.every(
        (h) => (h.distance as number) <= max,
      ),
    ).toBe(true);
  });

  it('similarMany answers each query as similar does, in order', async () => {
    const c = vx.collection('c');
    const queries = [query, rng.vector(DIMS), 'p7', { id: 'dup3' }, { vector: rng.vector(DIMS) }];
    for (const options of [
      { k: 5 },
      { k: 5, index: 'ix', filter: { g: { $in: [1, 2, 3] } } },
      { k: 3, offset: 2, exact: true },
    ]) {
      const many = await c.similarMany(queries, options);
      expect(many).toHaveLength(queries.length);
      for (const [i, q] of queries.entries()) expect(many[i], JSON.stringify(options)).toEqual(await c.similar(q, options));
    }
    expect(await c.similarMany([])).toEqual([]);
    // Vector queries with nothing to plan per query go to the index in one searchMany call.
    const vectors = Array.from({ length: 6 }, () => rng.vector(DIMS));
    const spy = vi.spyOn(vx.indexes, 'searchMany');
    try {
      for (const options of [
        { k: 5, index: 'ix' },
        { k: 4, offset: 3, index: 'ix', include: { content: true } },
        { k: 10, index: 'ix', maxDistance: 0.9 },
      ]) {
        spy.mockClear();
        const many = await c.similarMany(vectors, options);
        expect(spy, JSON.stringify(options)).toHaveBeenCalledTimes(1);
        for (const [i, v] of vectors.entries()) expect(many[i], JSON.stringify(options)).toEqual(await c.similar(v, options));
      }
      spy.mockClear();
      await c.similarMany(vectors, { k: 5, index: 'ix', filter: { g: 1 } });
      expect(spy, 'a filter is planned per query').not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    await expectVecdexError(c.similarMany('p1' as unknown as string[]), 'INVALID_ARGUMENT');
    await expectVecdexError(c.similarMany([query], { text: 'amber' }), 'INVALID_ARGUMENT');
    await expectVecdexError(c.similarMany([query, 'nope']), 'INVALID_ARGUMENT');
  });

  it('refuses out-of-range options before searching', async () => {
    const c = vx.collection('c');
    const bad = [
      { mmr: { lambda: 1.5 } },
      { mmr: { lambda: -0.1 } },
      { mmr: { fetchK: 5 } }, // below k
      { mmr: { fetchK: 20_000 } },
      { mmr: 'yes' as unknown as object },
      { offset: -1 },
      { offset: 1.5 },
      { offset: 9_995 }, // offset + k past 10,000
      { maxDistance: 2.5 }, // cosine distances are at most 2
      { maxDistance: -0.1 },
      { maxDistance: Number.NaN },
    ];
    for (const options of bad) await expectVecdexError(c.similar(query, options), 'INVALID_ARGUMENT');
    await expectVecdexError(c.search({ vector: query, minScore: 0.1 }), 'INVALID_ARGUMENT'); // vector only: use maxDistance
    await expectVecdexError(c.search({ vector: query, text: 'amber', minScore: -1 }), 'INVALID_ARGUMENT');
    await expectVecdexError(c.search({ vector: query, text: 'amber', mmr: {} }), 'INVALID_ARGUMENT');
    await expectVecdexError(c.search({ text: 'amber', mode: 'keyword', maxDistance: 0.5 }), 'INVALID_ARGUMENT');
    // l2 and ip take other ranges.
    await vx.collections.create({ name: 'dot', dimensions: 2, metric: 'ip' });
    await vx.collection('dot').upsert([{ id: 'a', vector: [1, 0] }]);
    expect(await vx.collection('dot').similar([1, 0], { maxDistance: -0.5 })).toHaveLength(1);
    expect(await vx.collection('dot').similar([1, 0], { maxDistance: -1.5 })).toHaveLength(0);
  });
});
