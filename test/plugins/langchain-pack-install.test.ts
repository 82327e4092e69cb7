import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshProject, freshProject } from './fresh-project.js';

/**
 * @vecdex/langchain as a user installs it: the packed tarballs of core, the sqlite-vec backend and
 * the adapter, with @langchain/core from npm, in an empty project; scripts there (ESM and
 * require()) store documents on a real SQLite file, retrieve through a LangChain chain and run
 * LangChain's index() on the vecdex RecordManager.
 */
const LANGCHAIN_CORE = '@langchain/core@1.4.0';
let project: FreshProject;

beforeAll(async () => {
  project = await freshProject({
    packages: ['packages/core', 'packages/backend-sqlitevec', 'packages/langchain'],
    registry: [LANGCHAIN_CORE],
    nativeSqlite: true,
  });
  console.log(`langchain pack-install setup (ms): ${JSON.stringify(project.setupMs)}`);
}, 170_000);

afterAll(() => project?.remove());

const CONFIG = `{ backend: { use: '@vecdex/backend-sqlitevec', options: { path: './vecdex.db' } } }`;

describe('@vecdex/langchain installed from its tarball', () => {
  it('an ES module stores, retrieves through a RunnableSequence and indexes with the vecdex RecordManager', async () => {
    const { stdout } = await project.node(
      'use.mjs',
      `import { Document } from '@langchain/core/documents';
import { index } from '@langchain/core/indexing';
import { RunnableLambda, RunnableSequence } from '@langchain/core/runnables';
import { openVecdex } from '@vecdex/core';
import { VecdexRecordManager, VecdexVectorStore } from '@vecdex/langchain';

const vx = await openVecdex({ config: ${CONFIG} });
await vx.collections.create({ name: 'notes', dimensions: 256, metric: 'cosine', model: 'hashing-256' });
const store = new VecdexVectorStore(null, { vecdex: vx, collection: 'notes' });
const recordManager = new VecdexRecordManager({ vecdex: vx, collection: 'notes.records' });
await recordManager.createSchema();
const docs = [
  new Document({ pageContent: 'Rotate the signing keys every month.', metadata: { source: 'keys.md' } }),
  new Document({ pageContent: 'Back up the database nightly.', metadata: { source: 'backup.md' } }),
];
const options = { cleanup: 'incremental', sourceIdKey: 'source' };
const first = await index({ docsSource: docs, recordManager, vectorStore: store, options });
const second = await index({ docsSource: docs, recordManager, vectorStore: store, options });
const chain = RunnableSequence.from([store.asRetriever(1), RunnableLambda.from((found) => found.map((d) => d.metadata.source))]);
const answer = await chain.invoke('when are the signing keys rotated?');
console.log(JSON.stringify({ first, second, answer, count: await vx.collection('notes').count() }));
await vx.close();
`,
    );
    expect(JSON.parse(stdout)).toEqual({
      first: { numAdded: 2, numDeleted: 0, numUpdated: 0, numSkipped: 0 },
      second: { numAdded: 0, numDeleted: 0, numUpdated: 0, numSkipped: 2 },
      answer: ['keys.md'],
      count: 2,
    });
  }, 60_000);

  it('a CommonJS script require()s the adapter and searches the same store (Node >= 20.19)', async () => {
    const { stdout } = await project.node(
      'use.cjs',
      `'use strict';
const { Document } = require('@langchain/core/documents');
const { openVecdex } = require('@vecdex/core');
const { VecdexVectorStore } = require('@vecdex/langchain');
(async () => {
  const vx = await openVecdex({ config: ${CONFIG} });
  const store = new VecdexVectorStore(null, { vecdex: vx, collection: 'notes' });
  await store.addDocuments([new Document({ pageContent: 'Deploy with a canary first.', metadata: { source: 'deploy.md' } })], { ids: ['deploy'] });
  const [[doc, distance]] = await store.similaritySearchWithScore('canary deploy', 1);
  console.log(JSON.stringify({ id: doc.id, source: doc.metadata.source, close: distance < 0.5, type: store._vectorstoreType() }));
  await vx.close();
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    expect(JSON.parse(stdout)).toEqual({ id: 'deploy', source: 'deploy.md', close: true, type: 'vecdex' });
  }, 60_000);
});
