/**
 * Searching an index's collections at once (issue 12): three collections (TILs, posts, tweets)
 * (1,800 items each) embedded with the hashing provider, one hnswlib index over the three. Text and vector queries,
 * with filters of every selectivity, must equal exact search over the three (`exact: true`, and
 * brute force over the store), return full hits (collection, id, distance, metadata, content on
 * request), and never fewer than k while k items match.
 */
import {
  type NormalizedItem,
  type SearchHit,
  type Vecdex,
  createHashingProvider,
  filterPredicate,
  ingest,
  parseFilter,
} from '@vecdex/core';
import { bruteForce, expectSameRanking, expectVecdexError } from '@vecdex/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStore, textCorpus } from './helpers.js';

const COLLECTIONS = ['tils', 'posts', 'tweets'];
const provider = createHashingProvider({ dimensions: 256 });
const PARAMS = { efSearch: 400 };
const PER_COLLECTION = 1800;
const keys = (hits: { collection: string; id: string }[]) => hits.map((h) => `${h.collection}/${h.id}`);

describe('vx.search over the collections of one index', () => {
  let store: Awaited<ReturnType<typeof queryStore>>;
  let vx: Vecdex;
  const stored = new Map<string, NormalizedItem[]>();
  const texts = new Map<string, string>();

  beforeAll(async () => {
    store = await queryStore('vecdex-index-search-');
    vx = await store.open();
    for (const [i, name] of COLLECTIONS.entries()) {
      const records = textCorpus(PER_COLLECTION, 100 + i, name);
      for (const r of records) texts.set(`${name}/${r.id}`, r.text);
      await ingest(vx, { collection: name, provider, records, storeContent: true });
      const items: NormalizedItem[] = [];
      for await (const batch of vx.collection(name).scan({ vectors: true })) {
        for (const it of batch)
          items.push({ id: it.id, vector: it.vector as Float32Array, content: it.content, metadata: it.metadata });
      }
      stored.set(name, items);
    }
    await vx.indexes.create({
      name: 'all',
      // Without hnswlib's planner hints (which oversample from 2 %), so that the defaults put
      // the filters below on every plan the planner has.
      plugin: 'hnswlib-defaults',
      collections: COLLECTIONS,
      params: { M: 16, efConstruction: 200 },
      default: true,
    });
    await vx.indexes.build('all');
  });
  afterAll(async () => {
    await vx?.close();
    await store?.cleanup();
  });

  /**
   * Brute force over the store's items of `collections`; `expect` checks hits against it, ties
   * at equal distance in any order (texts sharing all their words have equal hashing vectors).
   */
  async function groundTruth(text: string, k: number, filter: object | null, collections = COLLECTIONS) {
    const [vector] = (await provider.embed([text])) as [Float32Array];
    const items = new Map([...stored].filter(([c]) => collections.includes(c)));
    const { ranked, byKey } = bruteForce({ items, vector, metric: 'cosine', filter: parseFilter(filter) });
    return { expect: (hits: readonly SearchHit[]) => expectSameRanking(hits, ranked.slice(0, k), byKey) };
  }

  const queries = ['rotate the keys in the vault', 'feed the kitten in the attic', 'deploy the server from the dock'];
  // Each plan the planner has: no filter; half of the items (oversampled candidates); 525 of
  // 5,400 (9.7 %: the filter inside the index search); 360 (exact over the subset).
  const filters: [object | null, string][] = [
    [null, 'index'],
    [{ lang: 'en' }, 'index-oversample'],
    [{ n: { $lt: 175 } }, 'index'],
    [{ n: { $lt: 120 } }, 'exact-subset'],
    [{ $and: [{ lang: 'de' }, { n: { $gte: 1560 } }] }, 'exact-subset'],
  ];

  it('text and vector queries with a filter equal exact search over the three', async () => {
    for (const text of queries) {
      const [vector] = (await provider.embed([text])) as [Float32Array];
      for (const [filter, strategy] of filters) {
        const what = `${text} / ${JSON.stringify(filter)}`;
        const truth = await groundTruth(text, 10, filter);
        const exact = await vx.search({ index: 'all', text, mode: 'vector', k: 10, filter, exact: true });
        expect(exact.plan.strategy, what).toBe('exact');
        truth.expect(exact.hits as SearchHit[]);
        const viaIndex = await vx.search({ index: 'all', text, mode: 'vector', k: 10, filter, params: PARAMS });
        truth.expect(viaIndex.hits as SearchHit[]);
        expect(viaIndex.plan.strategy, what).toBe(strategy);
        expect(viaIndex.plan.collections).toEqual(COLLECTIONS);
        expect(viaIndex.plan.embedding?.model).toBe('hashing-256');
        const byVector = await vx.similar({ vector }, { index: 'all', k: 10, filter, params: PARAMS });
        truth.expect(byVector);
        expect(keys(byVector), what).toEqual(keys(viaIndex.hits));
        if (filter !== null) {
          const match = filterPredicate(parseFilter(filter));
          for (const h of viaIndex.hits) expect(match(h.metadata ?? null), what).toBe(true);
        }
      }
      // The hits come from every collection, with distances, metadata and (on request) content.
      const full = await vx.similar(
        { text },
        { index: 'all', k: 30, include: { metadata: true, content: true }, params: PARAMS },
      );
      expect(new Set(full.map((h) => h.collection))).toEqual(new Set(COLLECTIONS));
      for (const h of full) {
        expect(h.content).toBe(texts.get(`${h.collection}/${h.id}`));
        expect(h.metadata).toEqual({ lang: expect.any(String), n: expect.any(Number) });
        expect(typeof h.distance).toBe('number');
      }
    }
  });

  it("reads the hits' content from the store only when include asks for it, and their metadata either way", async () => {
    const backend = vx.backend;
    const get = backend.get.bind(backend);
    const asked: ({ vectors?: boolean; content?: boolean } | undefined)[] = [];
    backend.get = (collection, ids, options) => {
      asked.push(options);
      return get(collection, ids, options);
    };
    try {
      const text = queries[1] as string;
      const plain = await vx.similar({ text }, { index: 'all', k: 12, params: PARAMS });
      expect(asked.every((o) => o?.content === false && o.vectors === false)).toBe(true);
      const calls = asked.length;
      expect(calls).toBeGreaterThan(0);
      const full = await vx.similar(
        { text },
        { index: 'all', k: 12, include: { metadata: true, content: true }, params: PARAMS },
      );
      expect(asked.slice(calls).every((o) => o?.content === true)).toBe(true);
      // The same hits and metadata, the content only on request (as stored).
      expect(keys(plain)).toEqual(keys(full));
      for (const [i, h] of plain.entries()) {
        expect(h).not.toHaveProperty('content');
        expect(h.metadata).toEqual(full[i]?.metadata);
        expect(full[i]?.content).toBe(texts.get(`${h.collection}/${h.id}`));
      }
      // Oversampled candidates are matched on their metadata alone: no content read either.
      const before = asked.length;
      const over = await vx.search({ index: 'all', text, mode: 'vector', k: 10, filter: { lang: 'en' } });
      expect(over.plan.strategy).toBe('index-oversample');
      expect(asked.slice(before).some((o) => o?.content === false)).toBe(true);
    } finally {
      backend.get = get;
    }
  });

  it('never fewer than k while k items match, however selective the filter', async () => {
    const filter = { $and: [{ lang: 'en' }, { n: { $in: [2, 4, 400, 402] } }] }; // 4 per collection
    const { hits, plan } = await vx.search({ index: 'all', text: queries[0] as string, mode: 'vector', k: 10, filter });
    expect(plan.matching).toBe(12);
    (await groundTruth(queries[0] as string, 10, filter)).expect(hits as SearchHit[]);
    const all = await vx.search({ index: 'all', vector: new Float32Array(256).fill(0.1), k: 20, filter });
    expect(all.hits).toHaveLength(12);
  });

  it('collections picks a subset; without index, their common default index serves', async () => {
    const text = queries[1] as string;
    const two = ['tils', 'tweets'];
    const subset = await vx.search({ index: 'all', collections: two, text, mode: 'vector', k: 10, params: PARAMS });
    expect(new Set(subset.hits.map((h) => h.collection))).toEqual(new Set(two));
    (await groundTruth(text, 10, null, two)).expect(subset.hits as SearchHit[]);
    const noIndex = await vx.search({ collections: two, text, mode: 'vector', k: 10, params: PARAMS });
    expect(noIndex.plan.index).toBe('all');
    expect(noIndex.hits).toEqual(subset.hits);
    const exact = await vx.search({ collections: two, text, mode: 'vector', k: 10, exact: true });
    (await groundTruth(text, 10, null, two)).expect(exact.hits as SearchHit[]);
  });

  it('a text alone is hybrid across the collections too', async () => {
    const { hits, plan } = await vx.search({ index: 'all', text: 'kitten attic', k: 10 });
    expect(plan.strategy).toBe('hybrid');
    expect(plan.collections).toEqual(COLLECTIONS);
    expect(hits.every((h) => typeof h.score === 'number' && typeof h.distance === 'number')).toBe(true);
    expect(new Set(hits.map((h) => h.collection)).size).toBeGreaterThan(1);
    const keyword = await vx.search({ index: 'all', text: 'kitten attic', k: 10, mode: 'keyword' });
    expect(keyword.plan.strategy).toBe('keyword');
    expect(keyword.hits.every((h) => /kitten|attic/.test(texts.get(`${h.collection}/${h.id}`) as string))).toBe(true);
  });

  it('refuses what cannot be answered, saying why', async () => {
    await vx.collections.create({ name: 'other', dimensions: 256, metric: 'cosine', model: 'another-model' });
    await vx.collection('other').upsert([{ id: 'o', vector: new Float32Array(256).fill(0.2) }]);
    const uncovered = await expectVecdexError(
      vx.search({ index: 'all', collections: ['tils', 'other'], vector: new Float32Array(256).fill(1) }),
      'INVALID_ARGUMENT',
    );
    expect(uncovered.message).toMatch(/does not cover collection "other"/);
    const models = await expectVecdexError(vx.similar({ text: 'keys' }, { collections: ['tils', 'other'] }), 'MODEL_MISMATCH');
    expect(models.message).toMatch(/"hashing-256", "another-model"/);
    // A vector query over both is fine: exact, as they share no index.
    const mixed = await vx.search({ collections: ['tils', 'other'], vector: new Float32Array(256).fill(0.2), k: 1 });
    expect(mixed.plan.strategy).toBe('exact');
    expect(keys(mixed.hits)).toEqual(['other/o']);
    await expectVecdexError(vx.search({ vector: [1] } as never), 'INVALID_ARGUMENT');
    await expectVecdexError(vx.search({ index: 'all', id: 'tils-1' } as never), 'INVALID_ARGUMENT');
    await expectVecdexError(vx.search({ index: 'nope', vector: [1] }), 'UNKNOWN_INDEX');
    await expectVecdexError(vx.search({ collections: ['ghost'], vector: [1] }), 'UNKNOWN_COLLECTION');
    await vx.collections.create({ name: 'small', dimensions: 3, metric: 'cosine' });
    await expectVecdexError(vx.search({ collections: ['tils', 'small'], vector: [1, 0, 0] }), 'INVALID_ARGUMENT');
  });
});
