/**
 * A query through an index sees every write committed before it began, by this process or any
 * other. With the sqlite-vec store, a query reads one change token (`PRAGMA data_version` plus
 * the connection's own write count) and, while it is unchanged, reuses the collection's info and
 * the index's "current" verdict without reading them again: these are the writes that must move
 * it. A second `Vecdex` on the same file is another connection; a child process run
 * synchronously is another process whose commit lands between two queries of one macrotask.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type Vecdex, openVecdex } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import { afterAll, beforeAll, expect, it } from 'vitest';

const DIMS = 8;
const INDEX = 'docs-hnsw';
const HERE = path.dirname(fileURLToPath(import.meta.url));
let dir: string;
let a: Vecdex;
let b: Vecdex;
const rng = new Random(1414);
const query = rng.vector(DIMS);

const open = () =>
  openVecdex({
    config: {
      backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } },
      plugins: [hnswlib],
      dataDir: path.join(dir, 'data'),
    },
    cwd: dir,
    env: {},
  });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vecdex-other-writers-'));
  a = await open();
  b = await open();
  await a.collections.create({ name: 'docs', dimensions: DIMS, metric: 'l2' });
  await a.collection('docs').upsert(Array.from({ length: 200 }, (_, i) => ({ id: `d${i}`, vector: rng.vector(DIMS) })));
  await a.indexes.create({ name: INDEX, plugin: 'hnswlib', collections: ['docs'], params: { efSearch: 400 } });
  await a.indexes.build(INDEX);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The same query twice, so the second is answered under a token already seen current. */
async function twice(options: { index?: string } = { index: INDEX }) {
  const docs = a.collection('docs');
  await docs.search(query, { ...options, k: 3, include: {} });
  return docs.search(query, { ...options, k: 3, include: {} });
}

it("sees another connection's upsert and delete at its next query", async () => {
  const before = await twice();
  expect(before.plan).toMatchObject({ strategy: 'index', pending: 0 });
  expect(before.hits.map((h) => h.id)).not.toContain('near');
  await b.collection('docs').upsert([{ id: 'near', vector: query }]);
  const after = await a.collection('docs').search(query, { index: INDEX, k: 3, include: {} });
  expect(after.hits[0]).toMatchObject({ id: 'near', distance: 0 });
  expect(after.plan.synced).toBe(1);
  await twice();
  await b.collection('docs').delete('near');
  const gone = await a.collection('docs').search(query, { index: INDEX, k: 3, include: {} });
  expect(gone.hits.map((h) => h.id)).not.toContain('near');
  expect(gone.plan.synced).toBe(1);
});

it("sees another process's write between two queries of one macrotask", async () => {
  await twice();
  const script = `
    import { createSqliteVecBackend } from '@vecdex/backend-sqlitevec';
    const b = await createSqliteVecBackend({ path: ${JSON.stringify(path.join(dir, 'store.db'))} });
    await b.upsert('docs', [{ id: 'far-process', vector: new Float32Array(${JSON.stringify(Array.from(query))}), metadata: null, content: null }]);
    await b.close();`;
  // Synchronously: no macrotask boundary between the query before and the query after.
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: HERE, stdio: 'pipe' });
  const after = await a.collection('docs').search(query, { index: INDEX, k: 3, include: {} });
  expect(after.hits[0]).toMatchObject({ id: 'far-process', distance: 0 });
  expect(after.plan.synced).toBe(1);
});

it("sees another connection's change of the collection's default index", async () => {
  const exact = await twice({});
  expect(exact.plan.strategy).toBe('exact');
  await b.backend.updateCollection('docs', { defaultIndex: INDEX });
  const indexed = await a.collection('docs').search(query, { k: 3, include: {} });
  expect(indexed.plan).toMatchObject({ strategy: 'index', index: INDEX });
  await twice({});
  await b.backend.updateCollection('docs', { defaultIndex: null });
  expect((await a.collection('docs').search(query, { k: 3, include: {} })).plan.strategy).toBe('exact');
});

it("vx.search over an index sees another connection's upsert at its next query", async () => {
  const ask = () => a.search({ vector: query, index: INDEX, k: 3, include: {} });
  await ask();
  const before = await ask();
  expect(before.hits.map((h) => h.id)).not.toContain('near-vx');
  await b.collection('docs').upsert([{ id: 'near-vx', vector: query }]);
  const after = await ask();
  expect(after.hits.map((h) => h.id)).toContain('near-vx'); // at distance 0, beside far-process
  expect(after.plan.vector?.synced ?? after.plan.synced).toBe(1);
  await ask();
  await b.collection('docs').delete('near-vx');
  expect((await ask()).hits.map((h) => h.id)).not.toContain('near-vx');
});
