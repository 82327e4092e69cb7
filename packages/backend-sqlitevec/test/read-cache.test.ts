/**
 * Collection info and the head cursor are kept in memory between calls while SQLite's
 * `data_version` (other connections' commits) and this connection's own write count stay the
 * same. Two backends on one file stand in for two processes: every change one makes is seen by
 * the other's very next call, never a cached value.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createSqliteVecBackend, type SqliteVecBackend } from '../src/index.js';
import { item, makeTempDir, rawDb, removeDir, spec } from './helpers.js';

let dir: string;
const open: SqliteVecBackend[] = [];
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

async function pair(name: string): Promise<[SqliteVecBackend, SqliteVecBackend]> {
  const file = path.join(dir, `${name}.db`);
  const a = await createSqliteVecBackend({ path: file });
  const b = await createSqliteVecBackend({ path: file });
  open.push(a, b);
  return [a, b];
}

it("sees another connection's collection changes at its next lookup", async () => {
  const [a, b] = await pair('collections');
  expect(await a.getCollection('docs')).toBeNull();
  await b.createCollection(spec('docs', 3, 'l2'));
  expect((await a.getCollection('docs'))?.dimensions).toBe(3);
  expect((await a.getCollection('docs'))?.defaultIndex).toBeNull(); // cached now
  await b.updateCollection('docs', { defaultIndex: 'ix' });
  expect((await a.getCollection('docs'))?.defaultIndex).toBe('ix');
  await b.deleteCollection('docs');
  expect(await a.getCollection('docs')).toBeNull();
  await b.createCollection(spec('docs', 5, 'cosine'));
  expect(await a.getCollection('docs')).toMatchObject({ dimensions: 5, metric: 'cosine' });
});

it("moves the head cursor for another connection's writes and its own", async () => {
  const [a, b] = await pair('head');
  await a.createCollection(spec('docs', 2, 'l2'));
  const h0 = await a.headCursor();
  expect(await a.headCursor()).toBe(h0);
  await b.upsert('docs', [item('x', [1, 2])]);
  const h1 = await a.headCursor();
  expect(h1).not.toBe(h0);
  await a.delete('docs', ['x']);
  const h2 = await a.headCursor();
  expect(h2).not.toBe(h1);
  expect(await b.headCursor()).toBe(h2);
});

it('sees its own changes at once, and a change written by plain SQL from outside', async () => {
  const [a] = await pair('own');
  await a.createCollection(spec('docs', 2, 'l2'));
  expect((await a.getCollection('docs'))?.model).toBeNull();
  await a.updateCollection('docs', { model: 'm1' });
  expect((await a.getCollection('docs'))?.model).toBe('m1');
  const raw = rawDb(path.join(dir, 'own.db'));
  try {
    raw.prepare(`UPDATE vecdex_collections SET model = 'm2' WHERE name = 'docs'`).run();
  } finally {
    raw.close();
  }
  expect((await a.getCollection('docs'))?.model).toBe('m2');
});

it("changes its change token for another connection's commits and its own writes, and only then", async () => {
  const [a, b] = await pair('token');
  await a.createCollection(spec('docs', 2, 'l2'));
  const t0 = await a.changeToken();
  expect(await a.changeToken()).toBe(t0);
  await a.getCollection('docs');
  await a.headCursor();
  expect(await a.changeToken()).toBe(t0); // reads move nothing
  await b.upsert('docs', [item('x', [1, 2])]);
  const t1 = await a.changeToken();
  expect(t1).not.toBe(t0);
  await a.upsert('docs', [item('y', [2, 1])]);
  const t2 = await a.changeToken();
  expect(t2).not.toBe(t1);
  await a.createIndexDefinition({ name: 'ix', plugin: 'hnswlib', collections: ['docs'], params: {}, createdAt: 1 });
  const t2b = await a.changeToken();
  expect(t2b).not.toBe(t2);
  await a.putIndexState('ix', { cursor: null, state: {}, updatedAt: 1 });
  expect(await a.changeToken()).not.toBe(t2b);
  const raw = rawDb(path.join(dir, 'token.db'));
  const t3 = await a.changeToken();
  try {
    raw.prepare(`UPDATE vecdex_collections SET model = 'm2' WHERE name = 'docs'`).run();
  } finally {
    raw.close();
  }
  expect(await a.changeToken()).not.toBe(t3);
});
