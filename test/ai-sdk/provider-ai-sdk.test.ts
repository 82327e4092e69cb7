import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type Vecdex, type VecdexConfig, createEmbeddingProvider, ingest, openVecdex } from '@vecdex/core';
import { aiSdkProvider, createAiSdkProvider } from '@vecdex/provider-ai-sdk';
import { MockEmbeddingModelV3 } from 'ai/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingServer, type Misbehaviour, expectedVector, startEmbeddingServer } from '../ingest/embedding-server.js';

/**
 * @vecdex/provider-ai-sdk through vecdex's public paths: the plugin loaded by package name from a
 * config (as a JSON config names it), the AI SDK's @ai-sdk/openai-compatible talking to the local
 * OpenAI-compatible test server, vecdex's ingest (batching, retries, cache) and text queries.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const DIMS = 16;
let server: EmbeddingServer;
let dir: string;
let misbehave: ((n: number) => Misbehaviour | undefined) | undefined;
const open: Vecdex[] = [];

beforeAll(async () => {
  server = await startEmbeddingServer({ dimensions: DIMS, behave: (r) => misbehave?.(r.n) });
  dir = await mkdtemp(path.join(tmpdir(), 'vecdex-ai-sdk-'));
});
afterEach(async () => {
  misbehave = undefined;
  for (const vx of open.splice(0)) await vx.close();
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function store(config: Omit<VecdexConfig, 'backend'>): Promise<Vecdex> {
  const file = path.join(dir, `s${open.length}-${Date.now()}.db`);
  const vx = await openVecdex({
    config: { backend: { use: sqlitevec, options: { path: file } }, ...config },
    cwd: here,
    env: {},
  });
  open.push(vx);
  return vx;
}

/** The embedding section a JSON config would hold. */
const jsonEmbedding = () => ({
  provider: 'ai-sdk',
  model: 'test-embed',
  apiBase: server.apiBase,
  dimensions: DIMS,
  batchSize: 10,
  options: { package: '@ai-sdk/openai-compatible', providerSettings: { name: 'local' } },
});

const records = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `d${i}`, text: `note ${i} about ${['wool', 'rain', 'keys'][i % 3]}` }));

describe('@vecdex/provider-ai-sdk', () => {
  it('ingests through embedMany with vecdex batching, then answers a text query through the same model', async () => {
    const vx = await store({ plugins: ['@vecdex/provider-ai-sdk'], embedding: jsonEmbedding() });
    const provider = await createEmbeddingProvider(vx.plugins, vx.config.embedding);
    expect(provider).toMatchObject({ model: 'test-embed', dimensions: DIMS, maxBatchSize: 10 });
    const before = server.requests.length;
    const report = await ingest(vx, { collection: 'notes', provider, records: records(35), storeContent: true });
    expect(report).toMatchObject({ created: true, embedded: 35, failed: [], model: 'test-embed' });
    const mine = server.requests.slice(before);
    expect(mine.map((r) => r.texts.length)).toEqual([10, 10, 10, 5]);
    expect(new Set(mine.map((r) => r.model))).toEqual(new Set(['test-embed']));
    const stored = await vx.collection('notes').get('d7');
    expect(Array.from(stored?.vector ?? [])).toEqual(Array.from(Float32Array.from(expectedVector('note 7 about rain', DIMS))));
    expect((await vx.collection('notes').info()).model).toBe('test-embed');

    // A text that was ingested: its vector comes from the store's embedding cache, no request.
    let n = server.requests.length;
    const hits = await vx.collection('notes').similar({ text: 'note 4 about rain' }, { k: 3 });
    expect(hits[0]).toMatchObject({ id: 'd4' });
    expect(hits[0]?.distance).toBeCloseTo(0, 5);
    expect(server.requests.length).toBe(n);
    // A new text: one request through the AI SDK, ranked as an exact search by its vector.
    const fresh = await vx.collection('notes').similar({ text: 'a question about umbrellas' }, { k: 5 });
    expect(server.requests.at(-1)?.texts).toEqual(['a question about umbrellas']);
    const byVector = await vx
      .collection('notes')
      .similar(expectedVector('a question about umbrellas', DIMS), { k: 5, exact: true });
    expect(fresh.map((h) => h.id)).toEqual(byVector.map((h) => h.id));
    // The second time the query cache answers: no request.
    n = server.requests.length;
    await vx.collection('notes').similar({ text: 'a question about umbrellas' }, { k: 3 });
    expect(server.requests.length).toBe(n);
  });

  // The cache is keyed by model and dimensions, so it needs `dimensions` known before the first call.
  it("vecdex's embedding cache spares requests for texts embedded before, in another collection", async () => {
    const vx = await store({ plugins: ['@vecdex/provider-ai-sdk'], embedding: jsonEmbedding() });
    const provider = await createEmbeddingProvider(vx.plugins, vx.config.embedding);
    await ingest(vx, { collection: 'a', provider, records: records(12) });
    const n = server.requests.length;
    const again = await ingest(vx, { collection: 'b', provider, records: records(12) });
    expect(again).toMatchObject({ embedded: 0, cached: 12, requests: 0 });
    expect(server.requests.length).toBe(n);
  });

  it("retries a 429 with vecdex's backoff honouring Retry-After (the SDK's own retries are off), fails a 400 at once", async () => {
    const vx = await store({ plugins: ['@vecdex/provider-ai-sdk'], embedding: jsonEmbedding() });
    const provider = await createEmbeddingProvider(vx.plugins, vx.config.embedding);
    const first = server.requests.length + 1;
    misbehave = (n) => (n < first + 2 ? { kind: 'status', status: 429, retryAfter: '0' } : undefined);
    const retries: unknown[] = [];
    const report = await ingest(vx, {
      collection: 'retry',
      provider,
      records: records(5),
      concurrency: 1,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      onRetry: (e) => retries.push((e.error as { details?: unknown }).details),
    });
    expect(report).toMatchObject({ embedded: 5, failed: [], requests: 3 });
    expect(retries).toEqual([
      { retryable: true, status: 429, retryAfterMs: 0 },
      { retryable: true, status: 429, retryAfterMs: 0 },
    ]);

    misbehave = () => ({ kind: 'status', status: 400, body: '{"error":{"message":"input too long"}}' });
    const before = server.requests.length;
    const bad = await ingest(vx, { collection: 'retry', provider, records: [{ id: 'x', text: 'too long' }] });
    expect(server.requests.length - before).toBe(1);
    expect(bad.failed).toHaveLength(1);
    expect(bad.failed[0]?.reason).toContain('answered 400');
    expect(bad.failed[0]?.attempts).toBe(1);
  });

  it('takes a model object made in code (aiSdkProvider) and a module exporting one (JSON config)', async () => {
    const local = createOpenAICompatible({ name: 'local', baseURL: server.apiBase });
    const vx = await store({
      plugins: [aiSdkProvider({ model: local.embeddingModel('code-model') })],
      embedding: { provider: 'ai-sdk' },
    });
    const provider = await createEmbeddingProvider(vx.plugins, vx.config.embedding);
    expect(provider.model).toBe('code-model');
    await ingest(vx, { collection: 'code', provider, records: records(4) });
    expect((await vx.collection('code').similar({ text: 'note 2 about keys' }, { k: 1 }))[0]?.id).toBe('d2');

    const modelFile = path.join(dir, 'embedding-model.mjs');
    await writeFile(
      modelFile,
      `import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
export default createOpenAICompatible({ name: 'm', baseURL: ${JSON.stringify(server.apiBase)} }).embeddingModel('module-model');
`,
    );
    // The module imports @ai-sdk/openai-compatible: it must resolve from the module's directory.
    const linked = path.join(dir, 'node_modules');
    await rm(linked, { recursive: true, force: true });
    const { symlink, mkdir } = await import('node:fs/promises');
    await mkdir(path.join(linked, '@ai-sdk'), { recursive: true });
    await symlink(
      path.join(here, '..', 'node_modules', '@ai-sdk', 'openai-compatible'),
      path.join(linked, '@ai-sdk', 'openai-compatible'),
    );
    const vx2 = await store({
      plugins: ['@vecdex/provider-ai-sdk'],
      embedding: { provider: 'ai-sdk', model: 'module-model', options: { module: modelFile } },
    });
    const p2 = await createEmbeddingProvider(vx2.plugins, vx2.config.embedding);
    expect(p2.model).toBe('module-model');
    const [v] = await p2.embed(['hello']);
    expect(Array.from(v ?? [])).toEqual(Array.from(Float32Array.from(expectedVector('hello', DIMS))));
  });

  it("takes any EmbeddingModel: the AI SDK's own MockEmbeddingModelV3, its maxEmbeddingsPerCall capping vecdex's batches", async () => {
    const model = new MockEmbeddingModelV3({
      modelId: 'mock-embed',
      maxEmbeddingsPerCall: 3,
      doEmbed: async ({ values }) => ({ embeddings: values.map((v) => expectedVector(v, 4)), warnings: [] }),
    });
    const provider = await createAiSdkProvider(model, { dimensions: 4 });
    expect(provider).toMatchObject({ model: 'mock-embed', maxBatchSize: 3, dimensions: 4 });
    const vx = await store({});
    const report = await ingest(vx, { collection: 'mock', provider, records: records(8) });
    expect(report).toMatchObject({ embedded: 8, failed: [] });
    expect(model.doEmbedCalls.map((c) => c.values.length)).toEqual([3, 3, 2]);
    // A non-HTTP failure from a model counts as retryable and is retried by vecdex.
    let calls = 0;
    const flaky = new MockEmbeddingModelV3({
      modelId: 'flaky',
      maxEmbeddingsPerCall: 10,
      doEmbed: async ({ values }) => {
        if (++calls === 1) throw new Error('socket hang up');
        return { embeddings: values.map((v) => expectedVector(v, 4)), warnings: [] };
      },
    });
    const again = await ingest(vx, {
      collection: 'flaky',
      provider: await createAiSdkProvider(flaky),
      records: records(2),
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    expect(again).toMatchObject({ embedded: 2, failed: [], requests: 2 });
    expect(calls).toBe(2);
  });

  it('refuses a misconfiguration with what to set', async () => {
    const vx = await store({
      plugins: ['@vecdex/provider-ai-sdk'],
      embedding: { provider: 'ai-sdk', model: 'm', options: { packge: 'x' } },
    });
    await expect(createEmbeddingProvider(vx.plugins, vx.config.embedding)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const noBase = await store({ plugins: ['@vecdex/provider-ai-sdk'], embedding: { provider: 'ai-sdk', model: 'm' } });
    await expect(createEmbeddingProvider(noBase.plugins, noBase.config.embedding)).rejects.toThrow(/embedding\.apiBase/);
    const missing = await store({
      plugins: ['@vecdex/provider-ai-sdk'],
      embedding: { provider: 'ai-sdk', model: 'm', options: { package: '@ai-sdk/not-installed' } },
    });
    await expect(createEmbeddingProvider(missing.plugins, missing.config.embedding)).rejects.toThrow(
      'npm install @ai-sdk/not-installed',
    );
  });
});
