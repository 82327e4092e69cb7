import {
  type Vecdex,
  cacheCollectionName,
  createHashingProvider,
  createOpenAIProvider,
  ingest,
  isVecdexError,
} from '@vecdex/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddingServer, type Misbehaviour, expectedVector, startEmbeddingServer } from './embedding-server.js';
import { corpus, seeded, tempStore } from './ingest-helpers.js';

const DIMS = 8;
const FAST = { baseDelayMs: 5, maxDelayMs: 40, timeoutMs: 300, maxAttempts: 8 };

let store: Awaited<ReturnType<typeof tempStore>>;
let vx: Vecdex;
let server: EmbeddingServer | null = null;

beforeEach(async () => {
  store = await tempStore();
  vx = await store.open();
});
afterEach(async () => {
  await vx.close();
  await server?.close();
  server = null;
  await store.cleanup();
});

const remote = (s: EmbeddingServer) =>
  createOpenAIProvider({ apiBase: s.apiBase, model: 'toy-8', dimensions: DIMS, maxBatchSize: 10 });

/** Every stored item with its vector, by id. */
async function stored(
  name: string,
): Promise<Map<string, { vector: number[]; contentHash: string | null | undefined; content: string | null }>> {
  const out = new Map();
  for await (const batch of vx.collection(name).scan({ vectors: true })) {
    for (const it of batch)
      out.set(it.id, { vector: [...(it.vector as Float32Array)], contentHash: it.contentHash, content: it.content });
  }
  return out;
}

describe('ingest with the hashing provider (no network)', () => {
  it('creates the collection with the model, then re-embeds only what changed', async () => {
    const provider = createHashingProvider({ dimensions: 64 });
    const first = await ingest(vx, { collection: 'docs', provider, records: corpus(50), storeContent: true });
    expect(first).toMatchObject({ created: true, records: 50, embedded: 50, unchanged: 0, failed: [] });
    const info = await vx.collections.get('docs');
    expect(info).toMatchObject({ dimensions: 64, model: 'hashing-64', metric: 'cosine' });
    expect((await vx.collection('docs').get('doc-0003'))?.content).toBe('document number 3 about topic 3');

    const again = await ingest(vx, { collection: 'docs', provider, records: corpus(50), storeContent: true });
    expect(again).toMatchObject({ created: false, embedded: 0, cached: 0, updated: 0, unchanged: 50, requests: 0 });

    const changed = corpus(50, '');
    (changed[7] as { text: string }).text = 'a brand new text';
    (changed[8] as { metadata: object }).metadata = { n: 8, topic: 'moved' };
    const third = await ingest(vx, { collection: 'docs', provider, records: changed, storeContent: true });
    expect(third).toMatchObject({ embedded: 1, updated: 1, unchanged: 48, requests: 1 });
    expect((await vx.collection('docs').get('doc-0008'))?.metadata).toEqual({ n: 8, topic: 'moved' });
    expect((await vx.collection('docs').get('doc-0007'))?.content).toBe('a brand new text');
  });

  it('reports empty texts, bad ids and repeated ids instead of dropping them', async () => {
    const provider = createHashingProvider({ dimensions: 32 });
    const report = await ingest(vx, {
      collection: 'docs',
      provider,
      records: [
        { id: 'a', text: 'alpha' },
        { id: 'b', text: '   ' },
        { id: '', text: 'no id' },
        { id: 'a', text: 'alpha again' },
        { id: 'c', text: '!!!' },
      ],
    });
    expect(report.embedded).toBe(1);
    expect(report.failed.map((f) => f.id).sort()).toEqual(['', 'a', 'b', 'c']);
    expect(report.failed.find((f) => f.id === 'b')?.reason).toMatch(/empty/);
    expect(report.failed.find((f) => f.id === 'a')?.reason).toMatch(/more than once/);
    // '!!!' has no words: its vector is all zeros, which a cosine collection refuses.
    expect(report.failed.find((f) => f.id === 'c')?.reason).toMatch(/zero/i);
    expect(await vx.collection('docs').count()).toBe(1);
  });

  it('refuses another model or size for an existing collection', async () => {
    await ingest(vx, { collection: 'docs', provider: createHashingProvider({ dimensions: 32 }), records: corpus(3) });
    const err = await ingest(vx, {
      collection: 'docs',
      provider: createHashingProvider({ dimensions: 64 }),
      records: corpus(3),
    }).catch((e: unknown) => e);
    expect(isVecdexError(err, 'MODEL_MISMATCH')).toBe(true);
    expect((err as Error).message).toMatch(/hashing-32/);
    await vx.collections.create({ name: 'manual', dimensions: 16, metric: 'cosine', model: 'hashing-32' });
    const dims = await ingest(vx, {
      collection: 'manual',
      provider: createHashingProvider({ dimensions: 32 }),
      records: corpus(1),
    }).catch((e: unknown) => e);
    expect(isVecdexError(dims, 'DIMENSION_MISMATCH')).toBe(true);
  });
});

describe('ingest against a local OpenAI-compatible server', () => {
  it('makes zero requests for an unchanged corpus, and serves other collections from the cache', async () => {
    server = await startEmbeddingServer({ dimensions: DIMS });
    const provider = remote(server);
    const first = await ingest(vx, { collection: 'a', provider, records: corpus(35), retry: FAST });
    expect(first).toMatchObject({ embedded: 35, requests: 4, failed: [] });
    expect(server.requests).toHaveLength(4);

    const rerun = await ingest(vx, { collection: 'a', provider, records: corpus(35), retry: FAST });
    expect(rerun).toMatchObject({ unchanged: 35, requests: 0 });
    expect(server.requests).toHaveLength(4);

    const other = await ingest(vx, { collection: 'b', provider, records: corpus(35), retry: FAST });
    expect(other).toMatchObject({ created: true, embedded: 0, cached: 35, requests: 0 });
    expect(server.requests).toHaveLength(4);
    const b = await stored('b');
    expect(b.get('doc-0010')?.vector).toEqual(expectedVector('document number 10 about topic 3', DIMS).map(Math.fround));

    // The cache is a hidden collection: not listed, and no user can name it.
    expect((await vx.collections.list()).map((c) => c.name).sort()).toEqual(['a', 'b']);
    expect(await vx.backend.getCollection(cacheCollectionName('toy-8', DIMS))).not.toBeNull();
    expect(() => vx.collection(cacheCollectionName('toy-8', DIMS))).toThrow(/name/);

    const noCache = await ingest(vx, { collection: 'c', provider, records: corpus(5), retry: FAST, cache: false });
    expect(noCache).toMatchObject({ embedded: 5, requests: 1 });
  });

  it('keeps at most `concurrency` requests in flight, and uses all of them', async () => {
    server = await startEmbeddingServer({ dimensions: DIMS, latencyMs: 40 });
    const report = await ingest(vx, {
      collection: 'a',
      provider: remote(server),
      records: corpus(200),
      concurrency: 3,
      retry: FAST,
    });
    expect(report.embedded).toBe(200);
    expect(server.maxInFlight).toBe(3);
  });

  it('chaos: every item ends embedded exactly once with the right vector, or is reported failed', async () => {
    const rand = seeded(7);
    const seen = new Map<string, number>();
    const behave = (r: { texts: string[] }): Misbehaviour | undefined => {
      if (r.texts.some((t) => t.includes('POISON'))) return { kind: 'status', status: 400, body: 'input rejected' };
      if (r.texts.some((t) => t.includes('DOWN'))) return { kind: 'status', status: 503 };
      // A batch misbehaves at random on its first five tries at most, so healthy batches finish.
      const key = r.texts.join('\n');
      const tries = (seen.get(key) ?? 0) + 1;
      seen.set(key, tries);
      if (tries > 5) return undefined;
      const x = rand();
      if (x < 0.06) return { kind: 'status', status: 429, retryAfter: '0' };
      if (x < 0.1) return { kind: 'status', status: 429, retryAfter: new Date(Date.now() - 1000).toUTCString() };
      if (x < 0.18) return { kind: 'status', status: 500 };
      if (x < 0.23) return { kind: 'slow', delayMs: 800 };
      if (x < 0.28) return { kind: 'malformed' };
      if (x < 0.32) return { kind: 'wrong-length' };
      if (x < 0.36) return { kind: 'wrong-count' };
      if (x < 0.38) return { kind: 'duplicate-index' };
      if (x < 0.4) return { kind: 'nan' };
      return undefined;
    };
    server = await startEmbeddingServer({ dimensions: DIMS, behave, shuffle: true });
    const records = corpus(300);
    (records[42] as { text: string }).text += ' POISON';
    (records[211] as { text: string }).text += ' POISON';
    for (const i of [120, 121, 122, 123, 124, 125, 126, 127, 128, 129]) (records[i] as { text: string }).text += ' DOWN';
    const report = await ingest(vx, { collection: 'chaos', provider: remote(server), records, concurrency: 4, retry: FAST });

    const failed = new Set(report.failed.map((f) => f.id));
    // The two refused texts are isolated by splitting their batches; the rest of those batches is embedded.
    expect([...failed].filter((id) => id === 'doc-0042' || id === 'doc-0211')).toHaveLength(2);
    // The batch that always gets 503 fails as a whole (doc-0120..0129 is exactly one batch of 10).
    for (let i = 120; i < 130; i++) expect(failed.has(`doc-0${i}`)).toBe(true);
    expect(failed.size).toBe(12);
    expect(report.failed.find((f) => f.id === 'doc-0125')?.reason).toMatch(/503/);
    expect(report.failed.find((f) => f.id === 'doc-0125')?.attempts).toBe(FAST.maxAttempts);

    const items = await stored('chaos');
    expect(items.size + failed.size).toBe(300);
    expect(report.embedded).toBe(items.size);
    for (const r of records) {
      if (failed.has(r.id)) {
        expect(items.has(r.id), `${r.id} is both failed and stored`).toBe(false);
      } else {
        expect(items.get(r.id)?.vector, r.id).toEqual(expectedVector(r.text, DIMS).map(Math.fround));
      }
    }
    expect(report.requests).toBeGreaterThan(30);

    // A re-run against a healthy server sends only the failed texts, and finishes them.
    await server.close();
    server = await startEmbeddingServer({ dimensions: DIMS });
    const fixed = records.map((r) => ({ ...r, text: r.text.replace(' POISON', '').replace(' DOWN', '') }));
    const rerun = await ingest(vx, { collection: 'chaos', provider: remote(server), records: fixed, retry: FAST });
    expect(rerun.failed).toEqual([]);
    expect(rerun.embedded).toBe(12);
    expect(new Set(server.requests.flatMap((r) => r.texts)).size).toBe(12);
    expect(await vx.collection('chaos').count()).toBe(300);
  });
});
