import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingServer, startEmbeddingServer } from '../ingest/embedding-server.js';
import { type FreshProject, freshProject } from './fresh-project.js';

/**
 * @vecdex/llamaindex and @vecdex/provider-ai-sdk as a user installs them: the packed tarballs of
 * core, the sqlite-vec backend and both adapters, with llamaindex, ai and @ai-sdk/openai-compatible
 * from npm (pinned), in an empty project. Scripts there (ESM and require()) build a LlamaIndex
 * VectorStoreIndex on a real SQLite file and retrieve through it, and ingest and query text with
 * the AI SDK provider named in the config, against the local OpenAI-compatible test server.
 */
const REGISTRY = ['llamaindex@0.12.1', 'ai@6.0.325', '@ai-sdk/openai-compatible@2.0.92', 'zod@4.1.12'];
let project: FreshProject;
let server: EmbeddingServer;

beforeAll(async () => {
  server = await startEmbeddingServer({ dimensions: 16 });
  project = await freshProject({
    packages: ['packages/core', 'packages/backend-sqlitevec', 'packages/llamaindex', 'packages/provider-ai-sdk'],
    registry: REGISTRY,
    nativeSqlite: true,
  });
  console.log(`llamaindex/ai-sdk pack-install setup (ms): ${JSON.stringify(project.setupMs)}`);
}, 240_000);

afterAll(async () => {
  await project?.remove();
  await server?.close();
});

/** An offline LlamaIndex embedding model from vecdex's hashing embedder (words shared = near). */
const HASHING_EMBEDDING = `class HashingEmbedding extends BaseEmbedding {
  provider = createHashingProvider({ dimensions: 128 });
  async getTextEmbedding(text) {
    const [v] = await this.provider.embed([text]);
    return Array.from(v);
  }
}`;

describe('@vecdex/llamaindex and @vecdex/provider-ai-sdk installed from their tarballs', () => {
  it('an ES module runs VectorStoreIndex on vecdex and ingests / queries through the AI SDK provider from its config', async () => {
    const { stdout, stderr } = await project.node(
      'use.mjs',
      `import { createEmbeddingProvider, createHashingProvider, ingest, openVecdex } from '@vecdex/core';
import { VecdexVectorStore } from '@vecdex/llamaindex';
import { BaseEmbedding, Document, Settings, VectorStoreIndex } from 'llamaindex';

${HASHING_EMBEDDING}
Settings.embedModel = new HashingEmbedding();
const vx = await openVecdex({
  config: {
    backend: { use: '@vecdex/backend-sqlitevec', options: { path: './vecdex.db' } },
    plugins: ['@vecdex/provider-ai-sdk'],
    embedding: { provider: 'ai-sdk', model: 'test-embed', apiBase: process.env.API_BASE, dimensions: 16,
                 options: { package: '@ai-sdk/openai-compatible' } },
  },
});
const vectorStore = new VecdexVectorStore({ vecdex: vx, collection: 'handbook' });
const index = await VectorStoreIndex.fromDocuments(
  [
    new Document({ id_: 'keys', text: 'Rotate the signing keys every month.', metadata: { team: 'security' } }),
    new Document({ id_: 'backup', text: 'Back up the database nightly.', metadata: { team: 'ops' } }),
  ],
  { vectorStores: { TEXT: vectorStore } },
);
const found = await index.asRetriever({ similarityTopK: 1 }).retrieve({ query: 'when are signing keys rotated?' });
const filtered = await index
  .asRetriever({ similarityTopK: 2, filters: { filters: [{ key: 'team', value: 'ops', operator: '==' }] } })
  .retrieve({ query: 'signing keys' });

const provider = await createEmbeddingProvider(vx.plugins, vx.config.embedding);
const report = await ingest(vx, { collection: 'notes', provider, records: [{ id: 'a', text: 'alpha' }, { id: 'b', text: 'beta' }] });
const hits = await vx.collection('notes').similar({ text: 'beta' }, { k: 1 });
console.log(JSON.stringify({
  retrieved: found.map((n) => n.node.sourceNode?.nodeId),
  text: found[0]?.node.getContent(),
  filtered: filtered.map((n) => n.node.sourceNode?.nodeId),
  stored: await vx.collection('handbook').count(),
  ingested: report.embedded,
  model: (await vx.collection('notes').info()).model,
  hit: hits[0]?.id,
}));
await vx.close();
`,
      { API_BASE: server.apiBase },
    );
    expect(JSON.parse(stdout)).toEqual({
      retrieved: ['keys'],
      text: 'Rotate the signing keys every month.',
      filtered: ['backup'],
      stored: 2,
      ingested: 2,
      model: 'test-embed',
      hit: 'b',
    });
    expect(server.answered.get('alpha')).toBe(1);
    expect(stderr).not.toContain('already imported');
  }, 60_000);

  it('a CommonJS script require()s both adapters and uses them (Node >= 20.19)', async () => {
    const { stdout, stderr } = await project.node(
      'use.cjs',
      `'use strict';
const { createHashingProvider, ingest, openVecdex } = require('@vecdex/core');
const { VecdexVectorStore } = require('@vecdex/llamaindex');
const { aiSdkProvider, createAiSdkProvider } = require('@vecdex/provider-ai-sdk');
const { createOpenAICompatible } = require('@ai-sdk/openai-compatible');
const { BaseEmbedding, Settings, VectorStoreIndex } = require('llamaindex');

${HASHING_EMBEDDING}
(async () => {
  const model = createOpenAICompatible({ name: 'local', baseURL: process.env.API_BASE }).embeddingModel('cjs-embed');
  const vx = await openVecdex({
    config: {
      backend: { use: '@vecdex/backend-sqlitevec', options: { path: './vecdex.db' } },
      plugins: [aiSdkProvider({ model })],
      embedding: { provider: 'ai-sdk' },
    },
  });
  // The adapter's CommonJS build require()s the same llamaindex: one Settings, one set of classes.
  Settings.embedModel = new HashingEmbedding();
  const store = new VecdexVectorStore({ vecdex: vx, collection: 'handbook' });
  const index = await VectorStoreIndex.fromVectorStore(store);
  const found = await index.asRetriever({ similarityTopK: 1 }).retrieve({ query: 'database backup nightly' });
  const report = await ingest(vx, { collection: 'cjs', provider: await createAiSdkProvider(model), records: [{ id: 'x', text: 'gamma' }] });
  const hits = await vx.collection('cjs').similar({ text: 'gamma' }, { k: 1 });
  console.log(JSON.stringify({ retrieved: found.map((n) => n.node.sourceNode && n.node.sourceNode.nodeId), ingested: report.embedded, hit: hits[0].id }));
  await vx.close();
})().catch((e) => { console.error(e); process.exit(1); });
`,
      { API_BASE: server.apiBase },
    );
    expect(JSON.parse(stdout)).toEqual({ retrieved: ['backup'], ingested: 1, hit: 'x' });
    // llamaindex warns when both its ES and CommonJS builds load (a second Settings, other classes).
    expect(stderr).not.toContain('already imported');
  }, 60_000);
});
