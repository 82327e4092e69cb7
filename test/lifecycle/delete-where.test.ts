/**
 * Delete by filter (`collection.delete({ filter })`): atomic on sqlite-vec and pgvector (their
 * own `deleteWhere`), and through core's fallback for a backend without it; a tombstone per item
 * in the change feed; `dryRun` counts; an empty or invalid filter deletes nothing.
 */
import type { StorageBackend, Vecdex } from '@vecdex/core';
import { expectVecdexError } from '@vecdex/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL, cleanupStores, pgStore, sqliteStore } from './stores.js';

afterAll(cleanupStores);

/** The sqlite-vec store seen through a backend without `deleteWhere`: core's fallback runs. */
async function fallbackStore(): Promise<Vecdex> {
  const vx = await sqliteStore();
  const backend = vx.backend as StorageBackend & { deleteWhere?: unknown };
  Object.defineProperty(backend, 'deleteWhere', { value: undefined, configurable: true });
  return vx;
}

const STORES: [string, () => Promise<Vecdex>, boolean][] = [
  ['sqlite-vec', sqliteStore, true],
  ['pgvector', pgStore, PG_URL !== undefined],
  ['core fallback (no deleteWhere)', fallbackStore, true],
];

for (const [name, open, available] of STORES) {
  describe.skipIf(!available)(`delete({ filter }) on ${name}`, () => {
    it('deletes exactly the matching items, atomically, with a tombstone each; dryRun only counts', async () => {
      const vx = await open();
      await vx.collections.create({ name: 'docs', dimensions: 3, metric: 'l2' });
      const docs = vx.collection('docs');
      const items = Array.from({ length: 600 }, (_, i) => ({
        id: `d${i}`,
        vector: [i, i % 7, 1],
        metadata: { source: i % 3 === 0 ? 'old-crawl' : 'fresh', n: i },
      }));
      await docs.upsert(items);
      const before = (await docs.changes(null)).cursor;

      expect(await docs.delete({ filter: { source: 'old-crawl' }, dryRun: true })).toBe(200);
      expect(await docs.count()).toBe(600);

      expect(await docs.delete({ filter: { source: 'old-crawl', n: { $lt: 300 } } })).toBe(100);
      expect(await docs.delete({ filter: { source: 'old-crawl' } })).toBe(100);
      expect(await docs.count()).toBe(400);
      expect(await docs.count({ source: 'old-crawl' })).toBe(0);
      expect(await docs.delete({ filter: { source: 'old-crawl' } })).toBe(0);

      const feed = await docs.changes(before, { limit: 1000 });
      const tombstones = feed.changes.filter((c) => c.op === 'delete').map((c) => c.id);
      expect(new Set(tombstones)).toEqual(new Set(items.filter((_, i) => i % 3 === 0).map((it) => it.id)));
      expect(feed.changes).toHaveLength(200);

      // Bad input deletes nothing.
      await expectVecdexError(docs.delete({ filter: {} }), 'INVALID_ARGUMENT');
      await expectVecdexError(docs.delete({ filter: { n: { $near: 1 } } }), 'INVALID_FILTER');
      expect(await docs.count()).toBe(400);
      await expectVecdexError(vx.collection('nope').delete({ filter: { n: 1 } }), 'UNKNOWN_COLLECTION');
    });
  });
}
