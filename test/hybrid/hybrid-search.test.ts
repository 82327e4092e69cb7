import sqlitevec from '@vecdex/backend-sqlitevec';
import {
  type StorageBackend,
  type Vecdex,
  distance,
  filterPredicate,
  openVecdex,
  parseFilter,
  reciprocalRankFusion,
} from '@vecdex/core';
import { Random, expectVecdexError } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStore, tempStore } from '../indexes/helpers.js';

/**
 * Hybrid search on a deterministic corpus: 3,000 items in 30 topics. Each topic has its own
 * words and its own region of vector space, so the two sides agree most of the time; planted
 * items make them disagree:
 * - `kw-*`: contain the rare query word "xylophone" but have vectors far from the query;
 * - `vec-*`: have vectors nearest to the query but none of its words.
 * The keyword side must find the first, the vector side the second, and fusion both.
 */
const DIMS = 24;
const TOPICS = 30;
const PER_TOPIC = 100;
const WORDS = ['river', 'stone', 'amber', 'violet', 'falcon', 'harbor', 'lantern', 'meadow', 'copper', 'thistle'];

const rng = new Random(808);
const centers = Array.from({ length: TOPICS }, () => rng.vector(DIMS).map((x) => x * 3));
const jitter = (v: Float32Array, s: number) => v.map((x) => x + s * rng.between(-1, 1));
const query = jitter(centers[0] as Float32Array, 0.05);

function corpus() {
  const items = [];
  for (let t = 0; t < TOPICS; t++) {
    for (let i = 0; i < PER_TOPIC; i++) {
      const words = [`topic${t}`, WORDS[(t + i) % WORDS.length], WORDS[(t * 3 + i) % WORDS.length], `n${i}`];
      items.push({
        id: `t${t}-${i}`,
        vector: jitter(centers[t] as Float32Array, 1),
        content: words.join(' '),
        metadata: { topic: t, even: i % 2 === 0 },
      });
    }
  }
  // Keyword-only matches: the rare word, in far topics.
  for (let i = 0; i < 4; i++) {
    items.push({
      id: `kw-${i}`,
      vector: jitter(centers[15 + i] as Float32Array, 1),
      content: `xylophone concert ${WORDS[i]}`,
      metadata: { topic: 15 + i, even: i % 2 === 0 },
    });
  }
  // Vector-only matches: right at the query, with unrelated words.
  for (let i = 0; i < 4; i++) {
    items.push({
      id: `vec-${i}`,
      vector: jitter(query, 0.01),
      content: 'unrelated words entirely',
      metadata: { topic: 0, even: i % 2 === 0 },
    });
  }
  return items;
}

const TEXT = 'xylophone "concert" AND';

describe('hybrid keyword + vector search', () => {
  let store: TestStore;
  let vx: Vecdex;
  beforeAll(async () => {
    store = await tempStore('vecdex-hybrid-');
    vx = await store.open();
    await vx.collections.create({ name: 'docs', dimensions: DIMS, metric: 'l2' });
    await vx.collection('docs').upsert(corpus());
  });
  afterAll(async () => {
    await vx?.close();
    await store?.cleanup();
  });

  it('each side finds what the other misses, and the fused result holds both', async () => {
    const docs = vx.collection('docs');
    const vectorOnly = await docs.similar(query, { k: 10, exact: true, include: {} });
    const keywordOnly = (await docs.search({ text: TEXT, k: 10 })).hits;
    const vIds = vectorOnly.map((h) => h.id);
    const kIds = keywordOnly.map((h) => h.id);
    expect(vIds.filter((id) => id.startsWith('vec-')).length, 'vector side finds the planted neighbours').toBe(4);
    expect(
      vIds.some((id) => id.startsWith('kw-')),
      'vector side misses the keyword items',
    ).toBe(false);
    expect(kIds.slice(0, 4).sort(), 'keyword side finds the rare word first').toEqual(['kw-0', 'kw-1', 'kw-2', 'kw-3']);
    expect(
      kIds.some((id) => id.startsWith('vec-')),
      'keyword side misses the vector items',
    ).toBe(false);

    const { hits, plan } = await docs.search({ text: TEXT, vector: query, k: 10, exact: true });
    expect(plan.strategy).toBe('hybrid');
    const ids = hits.map((h) => h.id);
    expect(ids.filter((id) => id.startsWith('kw-')).length, `fused: ${ids.join(' ')}`).toBeGreaterThanOrEqual(2);
    expect(ids.filter((id) => id.startsWith('vec-')).length, `fused: ${ids.join(' ')}`).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]?.score).toBeGreaterThanOrEqual(hits[i]?.score as number);
    // Every hit has its true vector distance, also those only the keyword side found.
    const stored = new Map((await docs.getMany(ids)).map((it) => [it.id, it.vector as Float32Array]));
    for (const h of hits) expect(h.distance).toBeCloseTo(distance('l2', query, stored.get(h.id) as Float32Array), 4);
    // similar(v, { text }) is the same query, as plain search hits with a score.
    const viaSimilar = await docs.similar(query, { text: TEXT, k: 10, exact: true });
    expect(viaSimilar.map((h) => h.id)).toEqual(ids);
    expect(viaSimilar.every((h) => typeof h.score === 'number' && typeof h.distance === 'number')).toBe(true);
  });

  it('scores are Reciprocal Rank Fusion of the two rankings, with weights and k as options', async () => {
    const docs = vx.collection('docs');
    const fusion = { k: 10, weights: { vector: 1, keyword: 3 }, candidates: 40 };
    const { hits } = await docs.search({ text: TEXT, vector: query, k: 15, exact: true, fusion, include: {} });
    const vector = await docs.similar(query, { k: 40, exact: true, include: {} });
    const keyword = (await docs.search({ text: TEXT, k: 40, include: {} })).hits;
    const expected = reciprocalRankFusion(
      [
        { name: 'vector', keys: vector, weight: 1 },
        { name: 'keyword', keys: keyword, weight: 3 },
      ],
      { k: 10 },
    ).slice(0, 15);
    expect(hits.map((h) => h.score)).toEqual(expected.map((e) => e.score));
    for (const h of hits) {
      const want = (h.ranks.vector ? 1 / (10 + h.ranks.vector) : 0) + (h.ranks.keyword ? 3 / (10 + h.ranks.keyword) : 0);
      expect(h.score).toBeCloseTo(want, 12);
    }
    // A weight of 0 leaves that side out: the result is the other side's ranking.
    const noKeyword = await docs.search({ text: TEXT, vector: query, k: 10, exact: true, fusion: { weights: { keyword: 0 } } });
    expect(noKeyword.hits.map((h) => h.id)).toEqual((await docs.similar(query, { k: 10, exact: true })).map((h) => h.id));
    const noVector = await docs.search({ text: TEXT, vector: query, k: 10, fusion: { weights: { vector: 0 } } });
    expect(noVector.hits.map((h) => h.id)).toEqual((await docs.search({ text: TEXT, k: 10 })).hits.map((h) => h.id));
    await expectVecdexError(docs.search({ text: TEXT, vector: query, fusion: { k: -1 } }), 'INVALID_ARGUMENT');
    await expectVecdexError(
      docs.search({ text: TEXT, vector: query, fusion: { weights: { vector: 0, keyword: 0 } } }),
      'INVALID_ARGUMENT',
    );
    await expectVecdexError(docs.search({ text: TEXT, k: 5, fusion: { candidates: 2 } }), 'INVALID_ARGUMENT');
  });

  it('the filter applies to both sides', async () => {
    const docs = vx.collection('docs');
    for (const filter of [{ even: true }, { topic: { $in: [0, 16] } }, { topic: { $gte: 17 } }]) {
      const match = filterPredicate(parseFilter(filter));
      const { hits } = await docs.search({ text: TEXT, vector: query, k: 20, filter, exact: true });
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) expect(match(h.metadata ?? null), `${h.id} ${JSON.stringify(filter)}`).toBe(true);
      const kw = (await docs.search({ text: TEXT, k: 50, filter })).hits;
      const allKw = (await docs.search({ text: TEXT, k: 50 })).hits;
      expect(kw.map((h) => h.id)).toEqual(allKw.filter((h) => match(h.metadata ?? null)).map((h) => h.id));
    }
  });

  it('hybrid through an index: the vector side uses it, the keyword side still finds the rare word', async () => {
    await vx.indexes.create({ name: 'ix', plugin: 'hnswlib', collections: ['docs'], params: { M: 16 } });
    await vx.indexes.build('ix');
    const docs = vx.collection('docs');
    const { hits, plan } = await docs.search({ text: 'xylophone', vector: query, k: 10, index: 'ix' });
    expect(plan.strategy).toBe('hybrid');
    expect(plan.vector?.strategy).toBe('index');
    expect(plan.index).toBe('ix');
    const ids = hits.map((h) => h.id);
    expect(ids.filter((id) => id.startsWith('kw-')).length).toBeGreaterThanOrEqual(2);
    expect(ids.filter((id) => id.startsWith('vec-')).length).toBeGreaterThanOrEqual(2);
    // By id: the query item is left out of both sides.
    const byId = await docs.search({ id: 'kw-0', text: 'xylophone', k: 10, index: 'ix' });
    expect(byId.hits.map((h) => h.id)).not.toContain('kw-0');
    expect(byId.hits.map((h) => h.id)).toContain('kw-1');
  });

  it('keyword search follows writes made through the collection API', async () => {
    const docs = vx.collection('docs');
    await docs.upsert([{ id: 'new', vector: query, content: 'a quokka appears' }]);
    expect((await docs.search({ text: 'quokka' })).hits.map((h) => h.id)).toEqual(['new']);
    await docs.upsert([{ id: 'new', vector: query, content: 'gone now' }]);
    expect((await docs.search({ text: 'quokka' })).hits).toEqual([]);
    await docs.upsert([{ id: 'new', vector: query, content: 'quokka again' }]);
    await docs.delete('new');
    expect((await docs.search({ text: 'quokka' })).hits).toEqual([]);
  });

  it('refuses bad queries with errors that say what to do', async () => {
    const docs = vx.collection('docs');
    await expectVecdexError(docs.search({ vector: query, id: 't0-1' }), 'INVALID_ARGUMENT');
    await expectVecdexError(docs.search({ text: 42 as unknown as string }), 'INVALID_ARGUMENT');
    await expectVecdexError(docs.search({ text: 'x', filter: { $bad: 1 } }), 'INVALID_FILTER');
    await expectVecdexError(docs.search({ text: 'x', k: 0 }), 'INVALID_ARGUMENT');
  });
});

describe('a backend without full text', () => {
  let store: TestStore;
  afterAll(() => store?.cleanup());

  it('refuses text queries with NOT_SUPPORTED, naming the backend, and still searches by vector', async () => {
    store = await tempStore('vecdex-nofts-');
    const real = await sqlitevec.create({ path: store.dbPath }, { baseDir: store.dir });
    // The same store, declaring no full text (as a third-party backend might).
    const plain = new Proxy(real, {
      get(target, prop) {
        if (prop === 'capabilities') return { ...target.capabilities, fullText: false };
        if (prop === 'searchKeyword') return undefined;
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as StorageBackend;
    const vx = await openVecdex({
      backend: plain,
      config: { backend: { use: sqlitevec }, plugins: [hnswlib], dataDir: store.dataDir },
      cwd: store.dir,
      env: {},
    });
    try {
      await vx.collections.create({ name: 'd', dimensions: 2, metric: 'l2' });
      const d = vx.collection('d');
      await d.upsert([{ id: 'a', vector: [1, 0], content: 'hello' }]);
      const err = await d.search({ text: 'hello' }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'NOT_SUPPORTED',
        message: expect.stringMatching(/sqlitevec backend has no full-text index.*search by vector only/),
      });
      await expectVecdexError(d.similar([1, 0], { text: 'hello' }), 'NOT_SUPPORTED');
      expect((await d.similar([1, 0])).map((h) => h.id)).toEqual(['a']);
    } finally {
      await vx.close();
    }
  });
});
