import { describe, expect, it } from 'vitest';
import { type AliasStore, aliasStoreFor, collectionAliasStore } from '../../api/alias-store.js';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import type { ConformanceContext } from '../context.js';

/**
 * Collection aliases: the backend's own `getAlias`/`listAliases`/`setAlias`/`deleteAlias` (all
 * four or none), and core's default (a reserved collection) on the same backend, which must work
 * on every backend since it uses only the required contract.
 */
export function aliasTests(ctx: ConformanceContext): void {
  describe('aliases', () => {
    it('has all four alias methods or none', async () => {
      const b = await ctx.fresh();
      const present = (['getAlias', 'listAliases', 'setAlias', 'deleteAlias'] as const).filter(
        (m) => typeof (b as StorageBackend)[m] === 'function',
      );
      expect([0, 4], `alias methods present: ${present.join(', ') || 'none'}`).toContain(present.length);
    });

    for (const [what, storeOf] of [
      ['the store core uses (native, else the default)', aliasStoreFor],
      ["core's default (a reserved collection)", collectionAliasStore],
    ] as const) {
      it(`${what}: set, get, list, repoint, delete, and they persist across a reopen`, async () => {
        const loc = await ctx.location();
        const b = await ctx.open(loc);
        await b.createCollection({ name: 'v1', dimensions: 2, metric: ctx.defaultMetric, model: null });
        await b.createCollection({ name: 'v2', dimensions: 2, metric: ctx.defaultMetric, model: null });
        const s: AliasStore = storeOf(b);
        expect(await s.get('docs')).toBeNull();
        expect(await s.list()).toEqual([]);
        await s.set('docs', 'v1', 1000);
        await s.set('blog', 'v2', 1001);
        expect(await s.get('docs')).toEqual({ alias: 'docs', collection: 'v1', updatedAt: 1000 });
        await s.set('docs', 'v2', 1002);
        expect(await s.get('docs'), 'repointed').toEqual({ alias: 'docs', collection: 'v2', updatedAt: 1002 });
        expect((await s.list()).map((a) => `${a.alias}->${a.collection}`)).toEqual(['blog->v2', 'docs->v2']);
        expect(await s.delete('blog')).toBe(true);
        expect(await s.delete('blog'), 'already gone').toBe(false);
        await b.close();
        const again = storeOf(await ctx.open(loc));
        expect((await again.list()).map((a) => `${a.alias}->${a.collection}`)).toEqual(['docs->v2']);
      });
    }
  });
}
