/**
 * Partial updates (`collection.update`): metadata merged or replaced and content changed without
 * sending vectors, vectors kept bit for bit, one change each in the feed, an index applying it
 * without a rebuild; on sqlite-vec and pgvector.
 */
import type { Vecdex } from '@vecdex/core';
import { expectVecdexError } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL, cleanupStores, pgStore, sqliteStore } from './stores.js';

afterAll(cleanupStores);

const STORES: [string, () => Promise<Vecdex>, boolean][] = [
  ['sqlite-vec', () => sqliteStore({ plugins: [hnswlib] }), true],
  ['pgvector', () => pgStore({ plugins: [hnswlib] }), PG_URL !== undefined],
];

for (const [name, open, available] of STORES) {
  describe.skipIf(!available)(`update() on ${name}`, () => {
    it('merges or replaces metadata and changes content without touching vectors', async () => {
      const vx = await open();
      await vx.collections.create({ name: 'docs', dimensions: 3, metric: 'l2' });
      const docs = vx.collection('docs');
      const vectors = [new Float32Array([0.1, -0, 3e-39]), new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6])];
      await docs.upsert([
        {
          id: 'a',
          vector: vectors[0] as Float32Array,
          content: 'alpha',
          metadata: { lang: 'en', year: 2020 },
          contentHash: 'h-a',
        },
        { id: 'b', vector: vectors[1] as Float32Array, content: 'beta', metadata: { lang: 'de' }, contentHash: 'h-b' },
        { id: 'c', vector: vectors[2] as Float32Array, content: 'gamma', metadata: null },
      ]);
      await vx.indexes.create({ name: 'ix', plugin: 'hnswlib', collections: ['docs'] });
      await vx.indexes.build('ix');
      const cursor = (await docs.changes(null)).cursor;

      const r = await docs.update([
        { id: 'a', metadata: { year: 2021, reviewed: true } },
        { id: 'b', content: 'beta, rewritten' },
        { id: 'zz', metadata: { x: 1 } },
      ]);
      expect(r).toEqual({ updated: 2, missing: ['zz'] });
      const [a, b] = await docs.getMany(['a', 'b']);
      expect(a?.metadata).toEqual({ lang: 'en', year: 2021, reviewed: true });
      expect(a?.content).toBe('alpha');
      expect(a?.contentHash).toBe('h-a');
      expect(b?.metadata).toEqual({ lang: 'de' });
      expect(b?.content).toBe('beta, rewritten');
      expect(b?.contentHash, 'a changed content drops the hash of the old one').toBeNull();
      expect(Buffer.from((a as { vector: Float32Array }).vector.buffer)).toEqual(
        Buffer.from((vectors[0] as Float32Array).buffer),
      );
      expect(await docs.get('zz')).toBeNull();

      await docs.update([{ id: 'a', metadata: { lang: 'fr' } }], { mode: 'replace' });
      expect((await docs.get('a'))?.metadata).toEqual({ lang: 'fr' });
      await docs.update([{ id: 'c', metadata: { tag: 'new' } }]);
      expect((await docs.get('c'))?.metadata).toEqual({ tag: 'new' });

      const feed = await docs.changes(cursor);
      expect(feed.changes.map((c) => `${c.op} ${c.id}`).sort()).toEqual(['upsert a', 'upsert b', 'upsert c']);

      // The index applies the updates as changes, with no rebuild, and filters see them.
      const hits = await docs.similar([0.1, 0, 0], { k: 3, filter: { lang: 'fr' } });
      expect(hits.map((h) => h.id)).toEqual(['a']);
      expect(await vx.indexes.sync('ix')).toMatchObject({ applied: 3, rebuilt: null });
      const st = await vx.indexes.status('ix');
      expect(st.pendingChanges).toBe(0);
      expect(st.lastRebuild).toBeNull();

      // Bad input writes nothing.
      await expectVecdexError(docs.update([{ id: 'a', vector: [1, 2, 3] } as never]), 'INVALID_ARGUMENT');
      await expectVecdexError(
        docs.update([{ id: 'a', metadata: { lang: 'x' } }], { mode: 'upsert' as never }),
        'INVALID_ARGUMENT',
      );
      await expectVecdexError(
        docs.update([
          { id: 'a', metadata: { bad: Number.NaN } },
          { id: 'b', metadata: { ok: 1 } },
        ]),
        'INVALID_ITEM',
      );
      expect((await docs.get('a'))?.metadata).toEqual({ lang: 'fr' });
      expect((await docs.get('b'))?.metadata).toEqual({ lang: 'de' });
    });
  });
}
