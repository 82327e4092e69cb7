/**
 * Text queries against the local OpenAI-compatible test server (test/ingest/embedding-server.ts),
 * which counts its requests: the query cache (memory LRU with a bound and a TTL, then the store's
 * persistent cache, so a new process hits too) costs zero requests on a repeat; a text query
 * equals a vector query with the server's own embedding; several texts go in one request; and a
 * provider that is down, slow, or refuses a text fails within its bound with a typed error.
 */
import { QueryCache, type Vecdex, createOpenAIProvider, ingest } from '@vecdex/core';
import { expectVecdexError } from '@vecdex/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingServer, type Misbehaviour, expectedVector, startEmbeddingServer } from '../ingest/embedding-server.js';
import { queryStore, textCorpus } from './helpers.js';

const DIMS = 8;
const MODEL = 'toy-8';
const corpus = textCorpus(60, 11);

describe('text queries through an OpenAI-compatible server, and the query cache', () => {
  let server: EmbeddingServer;
  let store: Awaited<ReturnType<typeof queryStore>>;
  let misbehave: ((n: number) => Misbehaviour | undefined) | undefined;
  let opened: Vecdex[] = [];
  const open = async (extra: Record<string, unknown> = {}) => {
    const vx = await store.open({ provider: 'openai', apiBase: server.apiBase, ...extra });
    opened.push(vx);
    return vx;
  };
  const requests = () => server.requests.length;

  beforeAll(async () => {
    server = await startEmbeddingServer({ dimensions: DIMS, behave: (r) => misbehave?.(r.n) });
    store = await queryStore('vecdex-query-cache-');
    const vx = await store.open();
    const provider = createOpenAIProvider({ apiBase: server.apiBase, model: MODEL, dimensions: DIMS });
    const report = await ingest(vx, { collection: 'docs', provider, records: corpus, storeContent: true });
    expect(report.embedded).toBe(corpus.length);
    await vx.close();
  });
  afterEach(async () => {
    misbehave = undefined;
    for (const vx of opened) await vx.close();
    opened = [];
  });
  afterAll(async () => {
    await server?.close();
    await store?.cleanup();
  });

  it("ranks the item whose text it is first, with zero requests (ingest cached that text's vector)", async () => {
    const docs = (await open()).collection('docs');
    const before = requests();
    for (const r of corpus.slice(0, 10)) {
      const { hits, plan } = await docs.search({ text: r.text, mode: 'vector', k: 3 });
      expect(hits[0]?.id).toBe(r.id);
      expect(plan.embedding).toEqual({ model: MODEL, source: 'store' });
    }
    expect(requests()).toBe(before);
  });

  it("equals a vector query with the server's own embedding of the text", async () => {
    const docs = (await open()).collection('docs');
    for (const text of ['where is the coat', 'how do I rotate the keys', 'feed the kitten']) {
      const viaText = await docs.similar({ text }, { k: 10 });
      expect(viaText).toEqual(await docs.similar(expectedVector(text, DIMS), { k: 10 }));
      expect(viaText).toHaveLength(10);
    }
  });

  it('a repeat costs zero requests: memory, then the store for a new process; clear() forgets', async () => {
    const text = 'a question nobody asked before';
    let vx = await open();
    const entries = async () => (await vx.queryCache.stats()).store.caches.find((c) => c.model === MODEL)?.entries ?? 0;
    const cachedBefore = await entries();
    const before = requests();
    expect((await vx.collection('docs').search({ text, mode: 'vector' })).plan.embedding?.source).toBe('provider');
    expect(requests()).toBe(before + 1);
    expect((await vx.collection('docs').search({ text, mode: 'vector' })).plan.embedding?.source).toBe('memory');
    expect(requests()).toBe(before + 1);
    const stats = await vx.queryCache.stats();
    expect(stats.memory).toMatchObject({ hits: 1, misses: 1, entries: 1, maxEntries: 1000, ttlMs: 3_600_000 });
    expect(stats.provider).toEqual({ texts: 1, requests: 1 });
    expect(stats.store.pendingWrites).toBe(1);

    await vx.close(); // writes the pending vector to the store
    opened = [];
    vx = await open();
    expect((await vx.collection('docs').search({ text, mode: 'vector' })).plan.embedding?.source).toBe('store');
    expect(requests()).toBe(before + 1);
    const again = await vx.queryCache.stats();
    expect(again.store).toMatchObject({ hits: 1, misses: 0, enabled: true });
    expect(await entries()).toBe(cachedBefore + 1);

    const cleared = await vx.queryCache.clear({ model: MODEL });
    expect(cleared).toEqual({ memory: 1, store: cachedBefore + 1 });
    expect((await vx.queryCache.stats()).store.caches.find((c) => c.model === MODEL)).toBeUndefined();
    await vx.collection('docs').similar({ text });
    expect(requests()).toBe(before + 2);
  });

  it('similarMany sends every text not cached in one request, each distinct text once', async () => {
    const docs = (await open()).collection('docs');
    const texts = ['batch one', 'batch two', 'batch three', 'batch one', 'batch four'];
    const before = server.requests.length;
    const results = await docs.similarMany(
      texts.map((text) => ({ text })),
      { k: 4 },
    );
    expect(server.requests.length).toBe(before + 1);
    expect(server.requests.at(-1)?.texts).toEqual(['batch one', 'batch two', 'batch three', 'batch four']);
    expect(results[0]).toEqual(results[3]);
    for (const [i, text] of texts.entries()) expect(results[i]).toEqual(await docs.similar(expectedVector(text, DIMS), { k: 4 }));
  });

  it('the same new text asked by concurrent queries is requested once', async () => {
    const docs = (await open()).collection('docs');
    const before = requests();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => docs.similar({ text: 'asked five times at once' }, { k: 3 })),
    );
    expect(requests()).toBe(before + 1);
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it('the memory layer keeps at most maxEntries texts, least recently used out first', async () => {
    const docs = (await open({ queryCache: { maxEntries: 2, store: false } })).collection('docs');
    const before = requests();
    for (const t of ['lru one', 'lru two', 'lru three']) await docs.similar({ text: t });
    expect(requests()).toBe(before + 3);
    await docs.similar({ text: 'lru three' });
    await docs.similar({ text: 'lru two' });
    expect(requests()).toBe(before + 3);
    await docs.similar({ text: 'lru one' }); // evicted
    expect(requests()).toBe(before + 4);
  });

  it('memory entries expire after ttlMs', async () => {
    const vx = await open();
    let now = 1_000_000;
    const cache = new QueryCache(vx.backend, { ttlMs: 1000, store: false }, () => now);
    const vector = new Float32Array(DIMS).fill(0.5);
    await cache.remember(MODEL, DIMS, [{ hash: 'h', vector }]);
    expect((await cache.lookup(MODEL, DIMS, ['h'])).get('h')?.source).toBe('memory');
    now += 1001;
    expect((await cache.lookup(MODEL, DIMS, ['h'])).size).toBe(0);
    expect((await cache.stats()).memory).toMatchObject({ hits: 1, misses: 1, entries: 0 });
  });

  it('a provider that is down fails after bounded retries with PROVIDER_FAILURE', async () => {
    misbehave = () => ({ kind: 'status', status: 503 });
    const docs = (await open({ maxAttempts: 3, queryTimeoutMs: 20_000 })).collection('docs');
    const before = requests();
    const err = await expectVecdexError(docs.similar({ text: 'is anyone there' }), 'PROVIDER_FAILURE');
    expect(err.message).toMatch(/after 3 attempt\(s\).*503/);
    expect(requests()).toBe(before + 3);
  });

  it('a provider that never answers fails at queryTimeoutMs, not at the request timeout', { timeout: 15_000 }, async () => {
    misbehave = () => ({ kind: 'slow', delayMs: 60_000 });
    const docs = (await open({ queryTimeoutMs: 400 })).collection('docs');
    const err = await expectVecdexError(docs.similar({ text: 'hello?' }), 'PROVIDER_FAILURE');
    expect(err.message).toMatch(/did not finish within 400 ms \(embedding\.queryTimeoutMs\)/);
  });

  it('a text the server refuses (400) fails at once; one over maxInputTokens never reaches it', async () => {
    misbehave = () => ({ kind: 'status', status: 400, body: '{"error":{"message":"input is too long"}}' });
    const docs = (await open({ maxAttempts: 5 })).collection('docs');
    let before = requests();
    const refused = await expectVecdexError(docs.similar({ text: 'a very long text' }), 'PROVIDER_FAILURE');
    expect(refused.message).toMatch(/400.*input is too long/);
    expect(requests()).toBe(before + 1);
    misbehave = undefined;
    const limited = (await open({ maxInputTokens: 10 })).collection('docs');
    before = requests();
    const long = await expectVecdexError(limited.similar({ text: 'word '.repeat(20) }), 'INVALID_ARGUMENT');
    expect(long.message).toMatch(/about 25 tokens.*limit of 10/);
    expect(requests()).toBe(before);
  });

  it("MODEL_MISMATCH when the configured model is not the collection's, naming both", async () => {
    const docs = (await open({ model: 'text-embedding-3-large' })).collection('docs');
    const err = await expectVecdexError(docs.similar({ text: 'hi' }), 'MODEL_MISMATCH');
    expect(err.message).toMatch(/"toy-8".*"text-embedding-3-large"/);
  });

  it('an API base in the environment is enough to pick the openai provider', async () => {
    const vx = await store.open(undefined, { VECDEX_API_BASE: server.apiBase });
    opened.push(vx);
    const r = corpus[5] as (typeof corpus)[number];
    expect((await vx.collection('docs').similar({ text: r.text }, { k: 1 }))[0]?.id).toBe(r.id);
  });
});
