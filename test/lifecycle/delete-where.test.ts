/**
 * Delete by filter (`collection.delete({ filter })`): atomic on sqlite-vec and pgvector (their
 * own `deleteWhere`), and through core's fallback for a backend without it; a tombstone per item
 * in the change feed; `dryRun` counts; an empty or invalid filter deletes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgVectorBackend } from '@vecdex/backend-pgvector';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type StorageBackend, type Vecdex, openVecdex } from '@vecdex/core';
import { expectVecdexError } from '@vecdex/core/testing';
import { afterAll, describe, expect, it } from 'vitest';

const PG_URL = process.env.VECDEX_TEST_PG_URL?.trim() || undefined;
if (PG_URL === undefined && process.env.VECDEX_REQUIRE_PG === '1') {
  throw new Error('VECDEX_REQUIRE_PG=1 but VECDEX_TEST_PG_URL is not set: eval "$(bash scripts/setup-postgres.sh)" first');
}

const here = path.dirname(fileURLToPath(import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function sqliteStore(): Promise<Vecdex> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-delete-where-'));
  const vx = await openVecdex({
    config: { backend: { use: sqlitevec, options: { path: path.join(dir, 'v.db') } } },
    cwd: dir,
    env: {},
  });
  cleanups.push(async () => {
    await vx.close();
    await rm(dir, { recursive: true, force: true });
  });
  return vx;
}

async function pgStore(): Promise<Vecdex> {
  const schema = `vdx_delwhere_${process.pid}_${Date.now().toString(36)}`;
  const vx = await openVecdex({
    config: {},
    env: { VECDEX_BACKEND: 'pgvector', VECDEX_DB_URL: PG_URL, VECDEX_PG_SCHEMA: schema },
    cwd: here,
  });
  cleanups.push(async () => {
    await (vx.backend as PgVectorBackend).pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await vx.close();
  });
  return vx;
}

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
