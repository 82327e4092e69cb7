/**
 * Text in, answers out (issue 12), on the offline hashing provider: a text query embeds with the
 * collection's recorded model and searches like a vector query (the same hits as the provider's
 * own embedding searched as a vector, exactly and through an index, with filters); search({ text })
 * is hybrid by default; the errors for a model mismatch, no model, no provider and bad text; and
 * queries write nothing to the store but the embedding cache.
 */
import sqlitevec from '@vecdex/backend-sqlitevec';
import {
  type StorageBackend,
  type Vecdex,
  createHashingProvider,
  filterPredicate,
  ingest,
  isReservedCollectionName,
  openVecdex,
  parseFilter,
} from '@vecdex/core';
import { expectVecdexError } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStore, textCorpus } from './helpers.js';

const corpus = textCorpus(400);
const provider = createHashingProvider(); // hashing-512, what the collection records
const embed = async (text: string) => ((await provider.embed([text])) as [Float32Array])[0];
const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

describe('text queries on the hashing provider', () => {
  let store: Awaited<ReturnType<typeof queryStore>>;
  let vx: Vecdex;
  beforeAll(async () => {
    store = await queryStore();
    vx = await store.open();
    const report = await ingest(vx, { collection: 'notes', provider, records: corpus, storeContent: true });
    expect(report.embedded).toBe(corpus.length);
    expect((await vx.collections.get('notes'))?.model).toBe('hashing-512');
  });
  afterAll(async () => {
    await vx?.close();
    await store?.cleanup();
  });

  it("similar({ text: <an item's text> }) ranks that item first", async () => {
    const notes = vx.collection('notes');
    for (const r of corpus.filter((_, i) => i % 37 === 0)) {
      const [top] = await notes.similar({ text: r.text }, { k: 3 });
      expect(top?.id, r.text).toBe(r.id);
      expect(top?.distance).toBeCloseTo(0, 5);
    }
  });

  it("equals a vector query with the provider's own embedding: exact, through an index, with a filter", async () => {
    const notes = vx.collection('notes');
    const texts = ['rotate the keys in the vault', 'feed the kitten in the kitchen', 'audit ledger invoice'];
    for (const text of texts) {
      const v = await embed(text);
      expect(await notes.similar({ text }, { k: 10 })).toEqual(await notes.similar(v, { k: 10 }));
      const filter = { lang: 'de', n: { $gte: 100 } };
      const filtered = await notes.similar({ text }, { k: 10, filter });
      expect(filtered).toEqual(await notes.similar(v, { k: 10, filter }));
      const match = filterPredicate(parseFilter(filter));
      for (const h of filtered) expect(match(h.metadata ?? null)).toBe(true);
    }
    await vx.indexes.create({ name: 'notes-hnsw', plugin: 'hnswlib', collections: ['notes'], default: true });
    await vx.indexes.build('notes-hnsw');
    for (const text of texts) {
      const { hits, plan } = await notes.search({ text, mode: 'vector', k: 10 });
      expect(plan.strategy).toBe('index');
      expect(plan.embedding?.model).toBe('hashing-512');
      expect(ids(hits)).toEqual(ids(await notes.similar(await embed(text), { k: 10 })));
    }
  });

  it('search({ text }) is hybrid by default; mode picks vector-only or keyword-only', async () => {
    const notes = vx.collection('notes');
    const text = 'repair the violin in the studio';
    const v = await embed(text);
    const hybrid = await notes.search({ text, k: 10 });
    expect(hybrid.plan.strategy).toBe('hybrid');
    expect(hybrid.plan.embedding).toEqual({ model: 'hashing-512', source: expect.stringMatching(/memory|store|provider/) });
    // The same as the explicit form, a text with its vector.
    const explicit = await notes.search({ text, vector: v, k: 10 });
    expect(hybrid.hits).toEqual(explicit.hits);
    expect(hybrid.hits.every((h) => typeof h.distance === 'number')).toBe(true);

    const keyword = await notes.search({ text, k: 10, mode: 'keyword' });
    expect(keyword.plan.strategy).toBe('keyword');
    expect(keyword.plan.embedding).toBeUndefined();
    expect(keyword.hits.every((h) => h.distance === undefined && typeof h.keywordScore === 'number')).toBe(true);

    const vectorOnly = await notes.search({ text, k: 10, mode: 'vector' });
    expect(ids(vectorOnly.hits)).toEqual(ids(await notes.similar({ text }, { k: 10 })));
    await expectVecdexError(notes.search({ text, vector: v, mode: 'vector' }), 'INVALID_ARGUMENT');
    await expectVecdexError(notes.search({ vector: v, mode: 'keyword' }), 'INVALID_ARGUMENT');
    await expectVecdexError(notes.search({ text, mode: 'fuzzy' as 'vector' }), 'INVALID_ARGUMENT');
  });

  it('refuses bad text with typed errors, and never reads a string as text', async () => {
    const notes = vx.collection('notes');
    for (const text of ['', '   \n\t', 'x'.repeat(100_001)]) {
      await expectVecdexError(notes.similar({ text }), 'INVALID_ARGUMENT');
      await expectVecdexError(notes.search({ text }), 'INVALID_ARGUMENT');
      await expectVecdexError(notes.search({ text, mode: 'keyword' }), 'INVALID_ARGUMENT');
    }
    // No letters or digits: the hashing vector is all zeros, which cosine cannot rank.
    const err = await expectVecdexError(notes.similar({ text: '?!  ...' }), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/nothing for the model to embed/);
    await expectVecdexError(notes.similar({ text: 42 as unknown as string }), 'INVALID_ARGUMENT');
    await expectVecdexError(notes.similar({ text: 'a', id: 'doc-1' } as unknown as { text: string }), 'INVALID_ARGUMENT');
    // A bare string is an id, as it always was.
    const asId = await expectVecdexError(notes.similar('rotate the keys'), 'INVALID_ARGUMENT');
    expect(asId.message).toMatch(/an id stored in collection "notes"/);
  });

  it('several texts in one similarMany call are embedded in one batch', async () => {
    const notes = vx.collection('notes');
    const texts = ['paint the attic', 'sail to the dock', 'water the garden'];
    const before = (await vx.queryCache.stats()).provider;
    const many = await notes.similarMany(
      texts.map((text) => ({ text })),
      { k: 5 },
    );
    const after = (await vx.queryCache.stats()).provider;
    expect(after.requests - before.requests).toBe(1);
    expect(after.texts - before.texts).toBe(3);
    for (const [i, text] of texts.entries()) expect(many[i]).toEqual(await notes.similar({ text }, { k: 5 }));
    const vectors = await notes.embedQueries(texts);
    expect(vectors.map((v) => [...v])).toEqual(await Promise.all(texts.map(async (t) => [...(await embed(t))])));
  });

  it('nothing but the embedding cache is written by queries', async () => {
    const notes = vx.collection('notes');
    const userCollections = async () =>
      (await vx.backend.listCollections()).filter((c) => !isReservedCollectionName(c.name)).map((c) => c.name);
    const feedOf = async () => (await notes.changes(null, { limit: 10_000, vectors: false })).changes.length;
    const collectionsBefore = await userCollections();
    const feedBefore = await feedOf();
    const countBefore = await notes.count();
    const status = await vx.indexes.status('notes-hnsw');
    await notes.similar({ text: 'a brand new question about harbors' });
    await notes.search({ text: 'another fresh one about cellars' });
    await notes.similarMany([{ text: 'third' }, { text: 'fourth question' }]);
    await vx.queryCache.flush();
    expect(await userCollections()).toEqual(collectionsBefore);
    expect(await feedOf()).toBe(feedBefore);
    expect(await notes.count()).toBe(countBefore);
    expect((await vx.indexes.status('notes-hnsw')).cursor).toBe(status.cursor);
    const caches = (await vx.queryCache.stats()).store.caches;
    expect(caches.map((c) => c.model)).toEqual(['hashing-512']);
  });

  it('a collection without a model: keyword search by default, a typed error for a text query', async () => {
    await vx.collections.create({ name: 'imported', dimensions: 3, metric: 'l2' });
    const imported = vx.collection('imported');
    await imported.upsert([{ id: 'a', vector: [1, 0, 0], content: 'wool coat' }]);
    const { hits, plan } = await imported.search({ text: 'coat' });
    expect(plan.strategy).toBe('keyword');
    expect(ids(hits)).toEqual(['a']);
    const err = await expectVecdexError(imported.similar({ text: 'coat' }), 'MODEL_MISMATCH');
    expect(err.message).toMatch(/records no embedding model.*query it by vector/);
    await expectVecdexError(imported.search({ text: 'coat', mode: 'hybrid' }), 'MODEL_MISMATCH');
  });

  it('MODEL_MISMATCH names both models; no provider configured says what to configure', async () => {
    await vx.collections.create({ name: 'remote', dimensions: 8, metric: 'cosine', model: 'toy-8' });
    await vx.collection('remote').upsert([{ id: 'r', vector: [1, 0, 0, 0, 0, 0, 0, 0] }]);
    const none = await expectVecdexError(vx.collection('remote').similar({ text: 'hello' }), 'CONFIG_INVALID');
    expect(none.message).toMatch(/model "toy-8".*set embedding\.provider/);
    await vx.queryCache.flush();

    for (const embedding of [{ provider: 'hashing', dimensions: 256 }, { model: 'text-embedding-3-small' }]) {
      const other = await store.open(embedding);
      try {
        const err = await expectVecdexError(other.collection('notes').similar({ text: 'rotate keys' }), 'MODEL_MISMATCH');
        expect(err.message).toContain('"hashing-512"');
        expect(err.message).toContain(embedding.model ?? 'hashing-256');
        // Vector queries are unaffected.
        expect(await other.collection('notes').similar(await embed('rotate keys'), { k: 1 })).toHaveLength(1);
      } finally {
        await other.close();
      }
    }
    const hashingOnRemote = await store.open({ provider: 'hashing' });
    try {
      await expectVecdexError(hashingOnRemote.collection('remote').similar({ text: 'hello' }), 'MODEL_MISMATCH');
    } finally {
      await hashingOnRemote.close();
    }
  });
});

describe('a backend without full text', () => {
  it('search({ text }) on a collection with a model is a vector query; keyword mode is NOT_SUPPORTED', async () => {
    const store = await queryStore('vecdex-queries-nofts-');
    const real = await sqlitevec.create({ path: `${store.dir}/store.db` }, { baseDir: store.dir });
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
      config: { backend: { use: sqlitevec }, plugins: [hnswlib] },
      cwd: store.dir,
      env: {},
    });
    try {
      await ingest(vx, { collection: 'n', provider, records: corpus.slice(0, 20) });
      const { hits, plan } = await vx.collection('n').search({ text: corpus[3]?.text as string, k: 3 });
      expect(plan.strategy).toBe('exact');
      expect(hits[0]?.id).toBe(corpus[3]?.id);
      await expectVecdexError(vx.collection('n').search({ text: 'x', mode: 'keyword' }), 'NOT_SUPPORTED');
    } finally {
      await vx.close();
      await store.cleanup();
    }
  });
});
