/**
 * Zero-downtime model change: collection aliases followed by every read and search path,
 * `reembed()` into a collection with another model (resumable), and one alias switch while
 * searches run: each search sees the old collection or the new one, never a mix or an error.
 * On sqlite-vec and pgvector.
 */
import hnswlib from '@vecdex/index-hnswlib';
import { type Vecdex, createEmbeddingProvider, ingest, reembed } from '@vecdex/core';
import { expectVecdexError } from '@vecdex/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL, cleanupStores, pgStore, sqliteStore } from './stores.js';

afterAll(cleanupStores);

const STORES: [string, () => Promise<Vecdex>, boolean][] = [
  ['sqlite-vec', () => sqliteStore({ plugins: [hnswlib] }), true],
  ['pgvector', () => pgStore({ plugins: [hnswlib] }), PG_URL !== undefined],
];

const WORDS = ['wool', 'coat', 'rain', 'boots', 'linen', 'shirt', 'denim', 'jacket', 'silk', 'scarf', 'leather', 'belt'];
const text = (i: number) => `${WORDS[i % 12]} ${WORDS[(i * 7 + 3) % 12]} ${WORDS[(i * 5 + 1) % 12]} item ${i}`;

async function seed(vx: Vecdex, n: number): Promise<void> {
  const provider = await createEmbeddingProvider(vx.plugins, { provider: 'hashing', dimensions: 32 });
  const records = Array.from({ length: n }, (_, i) => ({ id: `d${i}`, text: text(i), metadata: { n: i } }));
  await ingest(vx, { collection: 'docs_v1', provider, records, storeContent: true });
}

for (const [name, open, available] of STORES) {
  describe.skipIf(!available)(`aliases and re-embedding on ${name}`, () => {
    it('resolves an alias on every read, write and search path; guards names and targets', async () => {
      const vx = await open();
      await seed(vx, 20);
      await vx.collections.create({ name: 'other', dimensions: 32, metric: 'cosine' });
      expect(await vx.aliases.set('docs', 'docs_v1')).toEqual({ previous: null });
      const docs = vx.collection('docs');
      expect((await docs.info()).name).toBe('docs_v1');
      expect(await docs.count()).toBe(20);
      expect((await docs.get('d3'))?.content).toBe(text(3));
      const { hits } = await docs.search({ text: 'wool coat', k: 3 });
      expect(hits).toHaveLength(3);
      expect(new Set(hits.map((h) => h.collection))).toEqual(new Set(['docs_v1']));
      const across = await vx.search({ collections: ['docs'], text: 'wool coat', k: 3 });
      expect(across.hits.map((h) => h.id)).toEqual(hits.map((h) => h.id));
      await docs.update([{ id: 'd3', metadata: { tagged: true } }]);
      expect((await vx.collection('docs_v1').get('d3'))?.metadata).toEqual({ n: 3, tagged: true });
      expect(await docs.delete(['d4'])).toBe(1);
      expect(await vx.collection('docs_v1').count()).toBe(19);

      await expectVecdexError(vx.aliases.set('other', 'docs_v1'), 'COLLECTION_EXISTS');
      await expectVecdexError(vx.aliases.set('x', 'nope'), 'UNKNOWN_COLLECTION');
      await expectVecdexError(vx.aliases.set('x', 'docs'), 'INVALID_ARGUMENT'); // no chains
      await expectVecdexError(vx.collections.create({ name: 'docs', dimensions: 2 }), 'COLLECTION_EXISTS');
      await expectVecdexError(vx.collections.delete('docs_v1'), 'INVALID_ARGUMENT'); // an alias points at it
      expect(await vx.aliases.set('docs', 'other')).toEqual({ previous: 'docs_v1' });
      expect((await vx.aliases.list()).map((a) => `${a.alias}->${a.collection}`)).toEqual(['docs->other']);
      expect(await vx.collections.delete('docs_v1')).toBe(true);
      expect(await vx.aliases.delete('docs')).toBe(true);
      await expectVecdexError(vx.collection('docs').count(), 'UNKNOWN_COLLECTION');
      expect((await vx.collections.list()).map((c) => c.name)).toEqual(['other']);
    });

    it('indexes.create and setFilterable take an alias for the collection it points to now', async () => {
      const vx = await open();
      await seed(vx, 20);
      await vx.collections.create({ name: 'docs_v2', dimensions: 32, metric: 'cosine' });
      await vx.aliases.set('docs', 'docs_v1');
      const def = await vx.indexes.create({ name: 'ix', plugin: 'hnswlib', collections: ['docs', 'docs_v1'], default: true });
      expect(def.collections, 'the alias and its target are one collection').toEqual(['docs_v1']);
      expect((await vx.indexes.get('ix'))?.collections).toEqual(['docs_v1']);
      expect((await vx.collection('docs_v1').info()).defaultIndex).toBe('ix');
      await vx.indexes.build('ix');
      const { plan } = await vx.collection('docs').search({ text: 'wool coat', k: 3 });
      expect(plan.vector?.index ?? plan.index).toBe('ix');
      await expectVecdexError(vx.indexes.create({ name: 'iy', plugin: 'hnswlib', collections: ['nope'] }), 'UNKNOWN_COLLECTION');

      const info = await vx.collections.setFilterable('docs', ['n']);
      expect([info.name, info.filterable]).toEqual(['docs_v1', ['n']]);
      expect((await vx.collection('docs_v1').info()).filterable).toEqual(['n']);
      expect((await vx.collection('docs_v2').info()).filterable ?? []).toEqual([]);
      // After a repoint the alias names the new collection; the index stays on the old one.
      await vx.aliases.set('docs', 'docs_v2');
      expect((await vx.collections.setFilterable('docs', ['n'])).name).toBe('docs_v2');
      expect((await vx.indexes.get('ix'))?.collections).toEqual(['docs_v1']);
      const v2 = await vx.indexes.create({ name: 'ix2', plugin: 'hnswlib', collections: ['docs'] });
      expect(v2.collections).toEqual(['docs_v2']);
    });

    it('re-embeds into a new model resumably, and searches during the switch see one collection, never a mix', async () => {
      const vx = await open();
      const n = 300;
      await seed(vx, n);
      await vx.aliases.set('docs', 'docs_v1');
      const v2 = await createEmbeddingProvider(vx.plugins, { provider: 'hashing', dimensions: 64 });

      // Interrupted after the first batch: what was written stays, the re-run does the rest.
      const controller = new AbortController();
      await expect(
        reembed(vx, {
          from: 'docs',
          to: 'docs_v2',
          provider: v2,
          batchSize: 50,
          concurrency: 1,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.done >= 50) controller.abort(new Error('stop'));
          },
        }),
      ).rejects.toThrow('stop');
      const partial = await vx.collection('docs_v2').count();
      expect(partial).toBeGreaterThanOrEqual(50);
      expect(partial).toBeLessThan(n);
      const progress: number[] = [];
      const report = await reembed(vx, { from: 'docs', to: 'docs_v2', provider: v2, onProgress: (p) => progress.push(p.done) });
      expect(report.embedded + report.cached).toBe(n - partial);
      expect(report.unchanged).toBe(partial);
      expect(report.failed).toEqual([]);
      expect(progress.at(-1)).toBe(n);
      const info = await vx.collection('docs_v2').info();
      expect([info.model, info.dimensions, await vx.collection('docs_v2').count()]).toEqual(['hashing-64', 64, n]);
      const [a, b] = [await vx.collection('docs_v1').get('d7'), await vx.collection('docs_v2').get('d7')];
      expect([b?.content, b?.metadata]).toEqual([a?.content, a?.metadata]);

      // Searches through the alias while it switches back and forth.
      const seen = new Set<string>();
      let stop = false;
      const errors: unknown[] = [];
      let searches = 0;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          // sqlite-vec answers synchronously: let the timers (the switches) run between searches.
          await new Promise((r) => setImmediate(r));
          try {
            const { hits } = await vx.collection('docs').search({ text: text(w * 31 + i), k: 10 });
            const from = new Set(hits.map((h) => h.collection));
            if (hits.length !== 10 || from.size !== 1) errors.push(new Error(`mixed or short: ${[...from].join(',')}`));
            seen.add([...from].join(','));
            searches++;
          } catch (err) {
            errors.push(err);
          }
        }
      };
      const workers = [0, 1, 2, 3].map(worker);
      for (let s = 0; s < 6; s++) {
        await new Promise((r) => setTimeout(r, 40));
        await vx.aliases.set('docs', s % 2 === 0 ? 'docs_v2' : 'docs_v1');
      }
      await new Promise((r) => setTimeout(r, 40));
      stop = true;
      await Promise.all(workers);
      expect(errors).toEqual([]);
      expect(searches).toBeGreaterThan(20);
      expect(seen).toEqual(new Set(['docs_v1', 'docs_v2']));
      expect((await vx.aliases.get('docs'))?.collection).toBe('docs_v1');
    });
  });
}
