import { Document } from '@langchain/core/documents';
import { PromptTemplate } from '@langchain/core/prompts';
import { RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { FakeEmbeddings, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { VecdexVectorStore } from '@vecdex/langchain';
import { afterAll, describe, expect, it } from 'vitest';
import { STORES, cleanupStores } from './stores.js';

afterAll(cleanupStores);

const NOTES = [
  { id: 'keys', text: 'Rotate the signing keys every month and revoke the old keys.', lang: 'en', year: 2024 },
  { id: 'backup', text: 'Back up the database nightly and test a restore every week.', lang: 'en', year: 2023 },
  { id: 'deploy', text: 'Deploy with a canary first, then roll out to every region.', lang: 'en', year: 2022 },
  { id: 'schluessel', text: 'Die Schlüssel werden jeden Monat rotiert.', lang: 'de', year: 2024 },
];
const docs = () => NOTES.map((n) => new Document({ pageContent: n.text, metadata: { lang: n.lang, year: n.year } }));

describe.each(STORES)('VecdexVectorStore on %s', (_name, open, skip) => {
  describe.skipIf(skip)('with LangChain embeddings', () => {
    it('addDocuments keeps ids, content and metadata; similaritySearchWithScore ranks by distance; filters are vecdex filters', async () => {
      const vx = await open();
      const store = new VecdexVectorStore(new SyntheticEmbeddings({ vectorSize: 16 }), { vecdex: vx, collection: 'notes' });
      const ids = await store.addDocuments(docs(), { ids: NOTES.map((n) => n.id) });
      expect(ids).toEqual(NOTES.map((n) => n.id));
      const info = await vx.collection('notes').info();
      expect(info).toMatchObject({ dimensions: 16, metric: 'cosine', model: null });
      const stored = await vx.collection('notes').get('backup');
      expect(stored).toMatchObject({ content: NOTES[1]?.text, metadata: { lang: 'en', year: 2023 } });

      const scored = await store.similaritySearchWithScore(NOTES[0]?.text as string, 3);
      expect(scored.map(([d]) => d.id)[0]).toBe('keys');
      expect(scored[0]?.[0]).toMatchObject({ pageContent: NOTES[0]?.text, metadata: { lang: 'en', year: 2024 } });
      expect(scored[0]?.[1]).toBeCloseTo(0, 5);
      const distances = scored.map(([, s]) => s);
      expect([...distances].sort((a, b) => a - b)).toEqual(distances);

      const german = await store.similaritySearch(NOTES[0]?.text as string, 4, { lang: 'de' });
      expect(german.map((d) => d.id)).toEqual(['schluessel']);
      const recent = await store.similaritySearch('anything', 10, { lang: 'en', year: { $gte: 2023 } });
      expect(recent.map((d) => d.id).sort()).toEqual(['backup', 'keys']);
    });

    it('similaritySearchVectorWithScore, ids from doc.id, replace on the same id', async () => {
      const vx = await open();
      const store = new VecdexVectorStore(new FakeEmbeddings(), { vecdex: vx, collection: 'vectors', metric: 'l2' });
      const ids = await store.addVectors(
        [
          [1, 0, 0, 0],
          [0, 1, 0, 0],
        ],
        [new Document({ pageContent: 'x', id: 'x' }), new Document({ pageContent: 'y' })],
      );
      expect(ids[0]).toBe('x');
      expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
      await store.addVectors([[0, 0, 1, 0]], [new Document({ pageContent: 'x again', metadata: { v: 2 } })], { ids: ['x'] });
      const [[doc, distance]] = (await store.similaritySearchVectorWithScore([0, 0, 1, 0], 1)) as [[Document, number]];
      expect(doc).toMatchObject({ id: 'x', pageContent: 'x again', metadata: { v: 2 } });
      expect(distance).toBeCloseTo(0, 6);
      expect(await vx.collection('vectors').count()).toBe(2);

      // Metadata is stored as JSON.stringify would; what JSON cannot hold is refused, nothing written.
      const when = new Date(Date.UTC(2024, 0, 2));
      await store.addVectors(
        [[0, 0, 0, 1]],
        [new Document({ pageContent: 'm', metadata: { when, gone: undefined, loc: { lines: { from: 1, to: 3 } } } })],
        {
          ids: ['m'],
        },
      );
      expect((await vx.collection('vectors').get('m'))?.metadata).toEqual({
        when: '2024-01-02T00:00:00.000Z',
        loc: { lines: { from: 1, to: 3 } },
      });
      const bad = [new Document({ pageContent: 'ok' }), new Document({ pageContent: 'bad', metadata: { n: Number.NaN } })];
      await expect(
        store.addVectors(
          [
            [1, 1, 0, 0],
            [1, 0, 1, 0],
          ],
          bad,
          { ids: ['ok', 'bad'] },
        ),
      ).rejects.toMatchObject({ code: 'INVALID_ITEM' });
      expect(await vx.collection('vectors').getMany(['ok', 'bad'])).toEqual([]);
    });

    it('maxMarginalRelevanceSearch gives a near-duplicate up for a different hit', async () => {
      const vx = await open();
      // FakeEmbeddings embeds every query as [0.1, 0.2, 0.3, 0.4].
      const store = new VecdexVectorStore(new FakeEmbeddings(), { vecdex: vx, collection: 'mmr' });
      await store.addVectors(
        [
          [0.1, 0.2, 0.3, 0.4],
          [0.1, 0.2, 0.3, 0.41],
          [0.4, 0.2, 0.3, 0.1],
        ],
        ['a', 'a2', 'b'].map((id) => new Document({ pageContent: id, id })),
      );
      const plain = await store.similaritySearch('q', 2);
      expect(plain.map((d) => d.id)).toEqual(['a', 'a2']);
      const diverse = await store.maxMarginalRelevanceSearch('q', { k: 2, fetchK: 3, lambda: 0.3 });
      expect(diverse.map((d) => d.id)).toEqual(['a', 'b']);
      const retriever = store.asRetriever({ k: 2, searchType: 'mmr', searchKwargs: { fetchK: 3, lambda: 0.3 } });
      expect((await retriever.invoke('q')).map((d) => d.id)).toEqual(['a', 'b']);
    });

    it('delete by ids and by filter; fromTexts and fromDocuments', async () => {
      const vx = await open();
      const embeddings = new SyntheticEmbeddings({ vectorSize: 8 });
      const store = await VecdexVectorStore.fromTexts(
        ['one', 'two', 'three', 'four'],
        [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }],
        embeddings,
        { vecdex: vx, collection: 'texts', ids: ['1', '2', '3', '4'] },
      );
      expect(await vx.collection('texts').count()).toBe(4);
      await store.delete({ ids: ['1'] });
      await store.delete({ filter: { n: { $gte: 3 } } });
      expect((await vx.collection('texts').getMany(['1', '2', '3', '4'])).map((i) => i.id)).toEqual(['2']);
      await expect(store.delete({})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

      const again = await VecdexVectorStore.fromDocuments(docs(), embeddings, { vecdex: vx, collection: 'from-docs' });
      expect(await vx.collection('from-docs').count()).toBe(4);
      expect(again.collectionName).toBe('from-docs');
    });

    it('a store over several collections searches them together and refuses writes', async () => {
      const vx = await open();
      const embeddings = new SyntheticEmbeddings({ vectorSize: 16 });
      await VecdexVectorStore.fromDocuments(docs().slice(0, 2), embeddings, {
        vecdex: vx,
        collection: 'part-a',
        ids: ['keys', 'backup'],
      });
      await VecdexVectorStore.fromDocuments(docs().slice(2), embeddings, {
        vecdex: vx,
        collection: 'part-b',
        ids: ['deploy', 'schluessel'],
      });
      const both = new VecdexVectorStore(embeddings, {
        vecdex: vx,
        collections: ['part-a', 'part-b'],
        collectionKey: 'collection',
      });
      const hits = await both.similaritySearch(NOTES[2]?.text as string, 4);
      expect(hits[0]).toMatchObject({ id: 'deploy', metadata: { collection: 'part-b' } });
      expect(new Set(hits.map((d) => d.metadata.collection))).toEqual(new Set(['part-a', 'part-b']));
      await expect(both.addDocuments(docs())).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
      await expect(both.delete({ ids: ['keys'] })).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    });
  });

  describe.skipIf(skip)("with the collection's own vecdex model (no LangChain embeddings)", () => {
    it('embeds documents and queries with the collection model; a retriever chain returns the expected documents', async () => {
      const vx = await open();
      await vx.collections.create({ name: 'runbook', dimensions: 256, metric: 'cosine', model: 'hashing-256' });
      const store = new VecdexVectorStore(null, { vecdex: vx, collection: 'runbook' });
      await store.addDocuments(docs(), { ids: NOTES.map((n) => n.id) });

      // The vectors stored are the collection's own model's: vecdex's text query finds the same.
      const viaVecdex = await vx.collection('runbook').similar({ text: 'rotate the signing keys' }, { k: 1 });
      expect(viaVecdex[0]?.id).toBe('keys');

      const retriever = store.asRetriever({ k: 2, filter: { lang: 'en' } });
      const format = (found: Document[]) => found.map((d) => `[${d.id}] ${d.pageContent}`).join('\n');
      const chain = RunnableSequence.from([
        { context: retriever.pipe(format), question: new RunnablePassthrough() },
        PromptTemplate.fromTemplate('Answer from the context.\nContext:\n{context}\nQuestion: {question}'),
      ]);
      const prompt = (await chain.invoke('how do I restore the database backup?')).toString();
      expect(prompt).toContain('[backup] Back up the database nightly');
      expect(prompt).toContain('Question: how do I restore the database backup?');
      expect(prompt).not.toContain('[schluessel]');
      const found = await retriever.invoke('canary deploy to every region');
      expect(found.map((d) => d.id)[0]).toBe('deploy');
      expect(found).toHaveLength(2);

      const mmr = await store.maxMarginalRelevanceSearch('rotate keys', { k: 2, filter: { year: 2024 } });
      expect(mmr.map((d) => d.id).sort()).toEqual(['keys', 'schluessel']);
    });

    it('a store over several collections or over a vecdex index embeds query texts with the model they share', async () => {
      const vx = await open();
      for (const name of ['ops-a', 'ops-b'])
        await vx.collections.create({ name, dimensions: 256, metric: 'cosine', model: 'hashing-256' });
      await new VecdexVectorStore(null, { vecdex: vx, collection: 'ops-a' }).addDocuments(docs().slice(0, 2), {
        ids: ['keys', 'backup'],
      });
      await new VecdexVectorStore(null, { vecdex: vx, collection: 'ops-b' }).addDocuments(docs().slice(2), {
        ids: ['deploy', 'schluessel'],
      });
      const byCollections = new VecdexVectorStore(null, { vecdex: vx, collections: ['ops-a', 'ops-b'] });
      expect((await byCollections.similaritySearch('canary deploy', 1))[0]?.id).toBe('deploy');
      const vector = await byCollections.embeddings.embedQuery('canary deploy');
      expect(vector).toHaveLength(256);

      // A store over a vecdex index: searches through it, embeds with its collections' model.
      await vx.indexes.create({ name: 'ops', plugin: 'hnswlib', collections: ['ops-a', 'ops-b'] });
      await vx.indexes.build('ops');
      const byIndex = new VecdexVectorStore(null, { vecdex: vx, index: 'ops', collectionKey: 'from' });
      const [[hit, distance]] = (await byIndex.similaritySearchWithScore('canary deploy', 1)) as [[Document, number]];
      expect(hit).toMatchObject({ id: 'deploy', metadata: { from: 'ops-b' } });
      const exact = await vx.collection('ops-b').similar({ text: 'canary deploy' }, { k: 1, exact: true });
      expect(distance).toBeCloseTo(exact[0]?.distance as number, 5);
      expect(await byIndex.embeddings.embedQuery('canary deploy')).toEqual(vector);
      expect((await byIndex.maxMarginalRelevanceSearch('rotate keys', { k: 2 })).map((d) => d.id)).toContain('keys');
      await expect(byIndex.addDocuments(docs())).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    });
  });
});
