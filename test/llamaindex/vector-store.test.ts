import { type Vecdex, isVecdexError } from '@vecdex/core';
import { VecdexVectorStore } from '@vecdex/llamaindex';
import { MockLLM } from '@llamaindex/core/llms/mock';
import {
  Document,
  type MetadataFilters,
  type NodeWithScore,
  Settings,
  SimpleVectorStore,
  VectorStoreIndex,
  VectorStoreQueryMode,
} from 'llamaindex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, cleanupStores, pgStore, sqliteStore } from '../lifecycle/stores.js';
import { HashingEmbedding } from './hashing-embedding.js';

/**
 * @vecdex/llamaindex through LlamaIndex's own public API: `VectorStoreIndex.fromDocuments` with
 * the vecdex store, its retriever (filters, MMR, hybrid) and its query engine with LlamaIndex's
 * MockLLM, checked against LlamaIndex's own SimpleVectorStore on the same documents.
 */
const embedModel = new HashingEmbedding();
Settings.embedModel = embedModel;

const DOCS = [
  {
    id: 'keys',
    text: 'Rotate the API keys every ninety days and revoke old keys.',
    metadata: { lang: 'en', year: 2024, team: 'security' },
  },
  {
    id: 'keys-dup',
    text: 'Rotate the API keys every ninety days, revoke the old keys.',
    metadata: { lang: 'en', year: 2023, team: 'security' },
  },
  { id: 'wool', text: 'A wool coat keeps you warm in winter rain.', metadata: { lang: 'en', year: 2021, team: 'shop' } },
  { id: 'boots', text: 'Rain boots and a wool coat for wet winter days.', metadata: { lang: 'en', year: 2022, team: 'shop' } },
  {
    id: 'schluessel',
    text: 'Die API Schlüssel alle neunzig Tage rotieren.',
    metadata: { lang: 'de', year: 2024, team: 'security' },
  },
  { id: 'backup', text: 'Back up the database nightly and test the restore.', metadata: { lang: 'en', year: 2020, team: 'ops' } },
];
const documents = () => DOCS.map((d) => new Document({ id_: d.id, text: d.text, metadata: d.metadata }));

const refs = (nodes: NodeWithScore[]) => nodes.map((n) => n.node.sourceNode?.nodeId);

const backends: [string, () => Promise<Vecdex>][] = [['sqlite-vec', () => sqliteStore()]];
if (PG_URL !== undefined) backends.push(['pgvector', () => pgStore()]);
else it.skip('pgvector (set VECDEX_TEST_PG_URL: eval "$(bash scripts/setup-postgres.sh)")', () => {});

afterAll(() => cleanupStores());

let simple: VectorStoreIndex;
beforeAll(async () => {
  simple = await VectorStoreIndex.fromDocuments(documents(), { vectorStores: { TEXT: new SimpleVectorStore() } });
});

describe.each(backends)('@vecdex/llamaindex on %s', (_name, open) => {
  let vx: Vecdex;
  let store: VecdexVectorStore;
  let index: VectorStoreIndex;
  beforeAll(async () => {
    vx = await open();
    store = new VecdexVectorStore({ vecdex: vx, collection: 'docs' });
    index = await VectorStoreIndex.fromDocuments(documents(), { vectorStores: { TEXT: store } });
  });

  it('fromDocuments writes every node into the vecdex collection with its text and metadata', async () => {
    const docs = vx.collection('docs');
    expect(await docs.count()).toBe(DOCS.length);
    expect((await docs.info()).dimensions).toBe(256);
    const items = [];
    for await (const batch of vx.collection('docs').scan({ filter: { ref_doc_id: 'wool' } })) items.push(...batch);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      content: DOCS[2]?.text,
      metadata: { lang: 'en', year: 2021, team: 'shop', ref_doc_id: 'wool' },
    });
  });

  it('the retriever ranks as LlamaIndex`s SimpleVectorStore does, with the same scores', async () => {
    for (const query of ['how often should I rotate API keys', 'warm coat for rain', 'database restore test']) {
      const ours = await index.asRetriever({ similarityTopK: 4 }).retrieve({ query });
      const theirs = await simple.asRetriever({ similarityTopK: 4 }).retrieve({ query });
      expect(refs(ours)).toEqual(refs(theirs));
      for (let i = 0; i < ours.length; i++) expect(ours[i]?.score).toBeCloseTo(theirs[i]?.score ?? Number.NaN, 5);
      expect(ours[0]?.node.getContent()).toBe(theirs[0]?.node.getContent());
      expect(ours[0]?.node.metadata).toEqual(theirs[0]?.node.metadata);
    }
  });

  it('metadata filters translate to vecdex filters with the semantics of SimpleVectorStore', async () => {
    const cases: MetadataFilters[] = [
      { filters: [{ key: 'lang', value: 'de', operator: '==' }] },
      { filters: [{ key: 'team', value: 'security', operator: '!=' }] },
      {
        filters: [
          { key: 'year', value: 2022, operator: '>=' },
          { key: 'team', value: 'shop', operator: '==' },
        ],
      },
      { filters: [{ key: 'team', value: ['ops', 'shop'], operator: 'in' }] },
      { filters: [{ key: 'team', value: ['ops', 'shop'], operator: 'nin' }] },
      {
        filters: [
          { key: 'year', value: 2021, operator: '<' },
          { key: 'lang', value: 'de', operator: '==' },
        ],
        condition: 'or',
      },
      { filters: [{ key: 'missing', operator: 'is_empty' }] },
      { filters: [{ key: 'missing', value: 'x', operator: '!=' }] },
    ];
    for (const filters of cases) {
      const query = 'rotate keys in the rain';
      const ours = await index.asRetriever({ similarityTopK: 10, filters }).retrieve({ query });
      const theirs = await simple.asRetriever({ similarityTopK: 10, filters }).retrieve({ query });
      expect(refs(ours), JSON.stringify(filters)).toEqual(refs(theirs));
    }
    const bad = await index
      .asRetriever({ filters: { filters: [{ key: 'team', value: 'ops', operator: 'contains' }] } })
      .retrieve({ query: 'x' })
      .catch((e: unknown) => e);
    expect(isVecdexError(bad) && bad.code).toBe('INVALID_ARGUMENT');
    expect(String(bad)).toContain('"contains"');
  });

  // LlamaIndex's own MMR (getTopKMMREmbeddings) weighs a candidate's overlap with the most recent
  // pick only; vecdex's is the standard one (the largest overlap with any pick, as LangChain's).
  // Both agree on the first two picks; from the third on vecdex must follow the standard rule.
  it('MMR mode re-ranks through vecdex: standard MMR, agreeing with SimpleVectorStore where the two rules coincide', async () => {
    const queries = ['rotate the API keys every ninety days', 'wool coat rain boots', 'keys and backups'];
    // The vectors LlamaIndex embedded (node text with its metadata, MetadataMode.EMBED), as stored.
    const vectors = new Map<string, number[]>();
    for await (const batch of vx.collection('docs').scan({ vectors: true }))
      for (const it of batch) vectors.set(String(it.metadata?.ref_doc_id), Array.from(it.vector));
    const cos = (a: number[], b: number[]) => {
      let dot = 0,
        na = 0,
        nb = 0;
      for (let i = 0; i < a.length; i++) {
        dot += (a[i] ?? 0) * (b[i] ?? 0);
        na += (a[i] ?? 0) ** 2;
        nb += (b[i] ?? 0) ** 2;
      }
      return dot / Math.sqrt(na * nb);
    };
    const standardMmr = (q: number[], k: number, lambda: number) => {
      const picked: string[] = [];
      while (picked.length < k) {
        let best = '',
          bestScore = Number.NEGATIVE_INFINITY;
        for (const [id, v] of vectors) {
          if (picked.includes(id)) continue;
          const overlap = picked.length === 0 ? 0 : Math.max(...picked.map((p) => cos(v, vectors.get(p) as number[])));
          const score = lambda * cos(q, v) - (1 - lambda) * overlap;
          if (score > bestScore) [best, bestScore] = [id, score];
        }
        picked.push(best);
      }
      return picked;
    };
    for (const query of queries) {
      const mmr = await index.asRetriever({ similarityTopK: 3, mode: VectorStoreQueryMode.MMR }).retrieve({ query });
      const theirs = await simple.asRetriever({ similarityTopK: 2, mode: VectorStoreQueryMode.MMR }).retrieve({ query });
      expect(refs(mmr).slice(0, 2), query).toEqual(refs(theirs));
      expect(refs(mmr), query).toEqual(standardMmr(await embedModel.getTextEmbedding(query), 3, 0.5));
    }
    // LlamaIndex's retriever leaves mmrThreshold at 0.5; a store query sets it (low = diversity first).
    const queryEmbedding = await embedModel.getTextEmbedding(queries[0] as string);
    const simpleStore = simple.vectorStores.TEXT as SimpleVectorStore;
    // Node ids are random per index: compare the source documents.
    const oursRef = async (ids: string[]) => (await vx.collection('docs').getMany(ids)).map((it) => it.metadata?.ref_doc_id);
    const theirsRef = async (ids: string[]) =>
      Promise.all(ids.map(async (id) => (await simple.docStore.getNode(id)).sourceNode?.nodeId));
    const ask = (s: { query: VecdexVectorStore['query'] }, mode: VectorStoreQueryMode) =>
      s.query({ queryEmbedding, similarityTopK: 3, mode, mmrThreshold: 0.1 }).then((r) => r.ids);
    const diverse = await oursRef(await ask(store, VectorStoreQueryMode.MMR));
    // SimpleVectorStore ignores mmrThreshold (0.12.1 passes it as getTopKMMREmbeddings' similarity
    // cutoff argument): it always ranks with 0.5, as the retriever above.
    const simpleAt05 = await theirsRef(await ask(simpleStore, VectorStoreQueryMode.MMR));
    expect(simpleAt05.slice(0, 2)).toEqual(standardMmr(queryEmbedding, 2, 0.5));
    expect(diverse).toEqual(standardMmr(queryEmbedding, 3, 0.1));
    expect(diverse).not.toEqual(await oursRef(await ask(store, VectorStoreQueryMode.DEFAULT)));
  });

  it('hybrid and sparse modes run vecdex`s full-text search beside the vectors', async () => {
    const hybrid = await index
      .asRetriever({ similarityTopK: 3, mode: VectorStoreQueryMode.HYBRID })
      .retrieve({ query: 'nightly database' });
    expect(refs(hybrid)[0]).toBe('backup');
    const sparse = await index.asRetriever({ similarityTopK: 3, mode: VectorStoreQueryMode.SPARSE }).retrieve({ query: 'boots' });
    expect(refs(sparse)).toEqual(['boots']);
    await expect(simple.asRetriever({ mode: VectorStoreQueryMode.HYBRID }).retrieve({ query: 'x' })).rejects.toThrow();
  });

  it("LlamaIndex's query engine retrieves through vecdex and hands the nodes to the LLM", async () => {
    const prompts: string[] = [];
    const llm = new MockLLM({ responseMessage: 'Every ninety days.', timeBetweenToken: 0 });
    const chat = llm.chat.bind(llm);
    llm.chat = ((params: { messages: { content: unknown }[] }) => {
      prompts.push(params.messages.map((m) => String(m.content)).join('\n'));
      return chat(params as never);
    }) as typeof llm.chat;
    const complete = llm.complete.bind(llm);
    llm.complete = ((params: { prompt: unknown }) => {
      prompts.push(String(params.prompt));
      return complete(params as never);
    }) as typeof llm.complete;
    const preFilters: MetadataFilters = { filters: [{ key: 'lang', value: 'en', operator: '==' }] };
    const response = await Settings.withLLM(llm, () =>
      index.asQueryEngine({ similarityTopK: 2, preFilters }).query({ query: 'How often do we rotate API keys?' }),
    );
    expect(response.toString()).toBe('Every ninety days.');
    expect(refs(response.sourceNodes ?? []).sort()).toEqual(['keys', 'keys-dup']);
    expect(prompts.join('\n')).toContain('Rotate the API keys every ninety days and revoke old keys.');
  });

  it('deleteRefDoc removes the document`s nodes from vecdex; re-adding a document replaces its nodes', async () => {
    await index.deleteRefDoc('backup');
    expect(await vx.collection('docs').count({ ref_doc_id: 'backup' })).toBe(0);
    expect(await vx.collection('docs').count()).toBe(DOCS.length - 1);
    const after = await index.asRetriever({ similarityTopK: 10 }).retrieve({ query: 'database restore' });
    expect(refs(after)).not.toContain('backup');
    await index.insert(
      new Document({ id_: 'backup', text: 'Back up the database every hour.', metadata: { lang: 'en', team: 'ops' } }),
    );
    const back = await index.asRetriever({ similarityTopK: 1 }).retrieve({ query: 'back up the database every hour' });
    expect(back[0]?.node.getContent()).toBe('Back up the database every hour.');
    expect(await vx.collection('docs').count()).toBe(DOCS.length);
  });

  it('a new VectorStoreIndex over the same collection (another process) answers from vecdex alone', async () => {
    const reopened = await VectorStoreIndex.fromVectorStore(
      new VecdexVectorStore({ vecdex: vx, collection: 'docs', embedModel }),
    );
    const query = 'a warm wool coat';
    const hits = await reopened.asRetriever({ similarityTopK: 1 }).retrieve({ query });
    expect(refs(hits)).toEqual(refs(await simple.asRetriever({ similarityTopK: 1 }).retrieve({ query })));
    expect(hits[0]?.node.getContent()).toBe(DOCS.find((d) => d.id === refs(hits)[0])?.text);
  });
});
