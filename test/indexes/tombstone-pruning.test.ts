/**
 * `vx.pruneTombstones()` with a real hnswlib index on a real SQLite file: tombstones an index
 * still needs are kept; once it synced past them they go; and an index whose cursor fell behind
 * pruned tombstones (another process pruned without it) rebuilds on its next sync instead of
 * keeping deleted items.
 */
import { type Vecdex, isVecdexError } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { INDEX, type TestStore, tempStore } from './helpers.js';

const DIMS = 8;
let store: TestStore;
let vx: Vecdex;

beforeEach(async () => {
  store = await tempStore('vecdex-prune-');
  vx = await store.open();
  await vx.collections.create({ name: 'docs', dimensions: DIMS, metric: 'l2' });
  const rng = new Random(77);
  await vx.collection('docs').upsert(Array.from({ length: 60 }, (_, i) => ({ id: `d${i}`, vector: rng.vector(DIMS) })));
  await vx.indexes.create({ name: INDEX, plugin: 'hnswlib', collections: ['docs'], default: true });
  await vx.indexes.build(INDEX);
});
afterEach(async () => {
  await vx?.close();
  await store.cleanup();
});

/** Ids the index returns for every stored item's vector, over the whole collection. */
async function indexedIds(): Promise<Set<string>> {
  const docs = vx.collection('docs');
  const hits = await docs.similar(new Float32Array(DIMS), { k: 100, stale: 'allow', include: {} });
  return new Set(hits.map((h) => h.id));
}

it('keeps the tombstones an index has not applied, and prunes them once it has', async () => {
  const docs = vx.collection('docs');
  await docs.delete(['d1', 'd2', 'd3']);
  // The index's cursor is before the three deletes: nothing may go.
  expect(await vx.pruneTombstones()).toEqual({ deleted: 0, readers: 1 });
  expect((await vx.indexes.sync(INDEX)).applied).toBe(3);
  expect(await indexedIds()).not.toContain('d1');
  expect(await vx.pruneTombstones()).toEqual({ deleted: 3, readers: 1 });
  expect((await docs.changes(null)).changes.filter((c) => c.op === 'delete')).toEqual([]);
});

it('keeps what an outside reader (keep) has not read', async () => {
  const docs = vx.collection('docs');
  const reader = (await docs.changes(null)).cursor as string;
  await docs.delete(['d4']);
  await vx.indexes.sync(INDEX);
  expect((await vx.pruneTombstones({ keep: [reader] })).deleted).toBe(0);
  const next = await docs.changes(reader);
  expect(next.changes.map((c) => `${c.op} ${c.id}`)).toEqual(['delete d4']);
  expect((await vx.pruneTombstones({ keep: [next.cursor as string] })).deleted).toBe(1);
});

it('rebuilds an index whose cursor fell behind pruned tombstones, so deleted items never come back', async () => {
  const docs = vx.collection('docs');
  await docs.delete(['d5', 'd6']);
  // Pruned without the index as a reader (as another tool or process might): its deletes are gone.
  expect(await vx.backend.pruneTombstones?.([])).toBe(2);
  const err = await docs.similar(new Float32Array(DIMS), { stale: 'error' }).catch((e: unknown) => e);
  expect(isVecdexError(err, 'INDEX_STALE')).toBe(true);
  const result = await vx.indexes.sync(INDEX);
  expect(result.rebuilt).toMatch(/pruned past the index's cursor/);
  const ids = await indexedIds();
  expect(ids.has('d5') || ids.has('d6')).toBe(false);
  expect(ids.size).toBe(58);
  expect((await vx.indexes.status(INDEX)).pendingChanges).toBe(0);
});

it('is refused with NOT_SUPPORTED by a backend without pruneTombstones', async () => {
  const backend = vx.backend as { pruneTombstones?: unknown };
  const saved = backend.pruneTombstones;
  backend.pruneTombstones = undefined;
  try {
    const err = await vx.pruneTombstones().catch((e: unknown) => e);
    expect(isVecdexError(err, 'NOT_SUPPORTED')).toBe(true);
  } finally {
    backend.pruneTombstones = saved;
  }
});
