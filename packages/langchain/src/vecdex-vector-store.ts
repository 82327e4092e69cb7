import { randomUUID } from 'node:crypto';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { type MaxMarginalRelevanceSearchOptions, VectorStore } from '@langchain/core/vectorstores';
import {
  type Collection,
  type Filter,
  type Item,
  type QueryInput,
  type SearchHit,
  type SimilarOptions,
  type Vecdex,
  VecdexError,
} from '@vecdex/core';
import { CollectionEmbeddings } from './collection-embeddings.js';
import { documentMetadata } from './document-metadata.js';
import { hitToDocument } from './hit-document.js';
import type { VecdexStoreArgs } from './store-args.js';

/** What `delete()` takes: ids, a vecdex filter, or both. */
export interface VecdexDeleteParams {
  ids?: string[];
  filter?: Filter;
}

/**
 * A LangChain.js `VectorStore` over a vecdex collection (or, read-only, over several collections
 * or a vecdex index). Documents are items: `pageContent` is the item's content, `metadata` its
 * metadata, `id` its id. Filters are vecdex's filter language (`{ lang: 'en', year: { $gte: 2020 } }`).
 * Scores are vecdex distances (smaller is closer; cosine: `1 − cos`).
 *
 * With `embeddings` null, texts are embedded with the collection's own model through vecdex's
 * provider and query cache (see {@link CollectionEmbeddings}).
 *
 * ```ts
 * const store = new VecdexVectorStore(null, { vecdex: vx, collection: 'notes' })
 * await store.addDocuments([new Document({ pageContent: 'rotate keys monthly', metadata: { lang: 'en' } })], { ids: ['k1'] })
 * const docs = await store.similaritySearch('key rotation', 4, { lang: 'en' })
 * ```
 */
export class VecdexVectorStore extends VectorStore {
  declare FilterType: Filter;
  readonly vecdex: Vecdex;
  readonly args: Readonly<VecdexStoreArgs>;
  /** True when no LangChain embeddings were given: query texts go to vecdex as `{ text }`. */
  readonly #ownModel: boolean;

  _vectorstoreType(): string {
    return 'vecdex';
  }

  constructor(embeddings: EmbeddingsInterface | null | undefined, args: VecdexStoreArgs) {
    const first = checkArgs(args);
    const own = embeddings === null || embeddings === undefined;
    const vx = args.vecdex;
    const index = args.index;
    const collection =
      first !== undefined || index === undefined
        ? vx.collection(first as string)
        : async () => vx.collection((await vx.indexes.get(index)).collections[0] as string);
    super(own ? new CollectionEmbeddings(collection) : embeddings, args);
    this.vecdex = args.vecdex;
    this.args = Object.freeze({ ...args });
    this.#ownModel = own;
  }

  /** The collection written to, or null for a read-only store over several collections. */
  get collectionName(): string | null {
    return this.args.collection ?? null;
  }

  /** Embed the documents' `pageContent` and store them; `options.ids` (else each `doc.id`, else a new UUID). */
  async addDocuments(documents: DocumentInterface[], options: { ids?: string[] } = {}): Promise<string[]> {
    const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
    return this.addVectors(vectors, documents, options);
  }

  /**
   * Store documents with their vectors in one transaction (all or nothing). Existing ids are
   * replaced. Creates the collection on first use (`metric`, `model` of the store args).
   */
  async addVectors(vectors: number[][], documents: DocumentInterface[], options: { ids?: string[] } = {}): Promise<string[]> {
    const collection = this.#writable('addVectors');
    if (vectors.length !== documents.length) {
      throw new VecdexError('INVALID_ARGUMENT', `addVectors got ${vectors.length} vectors for ${documents.length} documents`);
    }
    if (options.ids !== undefined && options.ids.length !== documents.length) {
      throw new VecdexError('INVALID_ARGUMENT', `addVectors got ${options.ids.length} ids for ${documents.length} documents`);
    }
    if (documents.length === 0) return [];
    await this.#ensureCollection(collection, (vectors[0] as number[]).length);
    const ids = documents.map((d, i) => options.ids?.[i] ?? d.id ?? randomUUID());
    const items: Item[] = documents.map((d, i) => ({
      id: ids[i] as string,
      vector: vectors[i] as number[],
      content: d.pageContent,
      metadata: documentMetadata(d.metadata),
    }));
    await collection.upsert(items);
    return ids;
  }

  /**
   * Delete by ids, by a vecdex filter, or both (ids first). Each delete is a tombstone in vecdex's
   * change feed, so indexes and feed readers see it.
   *
   * ```ts
   * await store.delete({ ids: ['k1'] })
   * await store.delete({ filter: { source: 'old.md' } })
   * ```
   */
  override async delete(params: VecdexDeleteParams = {}): Promise<void> {
    const collection = this.#writable('delete');
    if (params.ids === undefined && params.filter === undefined) {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        'delete() needs { ids } or { filter } (to empty the collection, delete it in vecdex)',
      );
    }
    if (params.ids !== undefined && params.ids.length > 0) await collection.delete(params.ids);
    if (params.filter !== undefined) await collection.delete({ filter: params.filter });
  }

  async similaritySearchVectorWithScore(query: number[], k: number, filter?: Filter): Promise<[Document, number][]> {
    return this.#scored(await this.#search({ vector: query }, k, filter));
  }

  override async similaritySearch(query: string, k = 4, filter?: Filter, _callbacks?: Callbacks): Promise<Document[]> {
    return (await this.similaritySearchWithScore(query, k, filter)).map(([d]) => d);
  }

  override async similaritySearchWithScore(
    query: string,
    k = 4,
    filter?: Filter,
    _callbacks?: Callbacks,
  ): Promise<[Document, number][]> {
    return this.#scored(await this.#search(await this.#queryInput(query), k, filter));
  }

  /**
   * vecdex's MMR: the `fetchK` nearest (default 20) re-ranked by
   * `lambda · sim(query, hit) − (1 − lambda) · max sim(hit, picked)` (lambda default 0.5).
   */
  override async maxMarginalRelevanceSearch(
    query: string,
    options: MaxMarginalRelevanceSearchOptions<Filter>,
    _callbacks?: Callbacks,
  ): Promise<Document[]> {
    const mmr = { lambda: options.lambda ?? 0.5, fetchK: Math.max(options.fetchK ?? 20, options.k) };
    const hits = await this.#search(await this.#queryInput(query), options.k, options.filter, { mmr });
    return hits.map((h) => hitToDocument(h, this.args.collectionKey));
  }

  /** A store over texts: each becomes a document with the metadata at the same position (or the one object). */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface | null,
    args: VecdexStoreArgs & { ids?: string[] },
  ): Promise<VecdexVectorStore> {
    const docs = texts.map(
      (pageContent, i) =>
        new Document({ pageContent, metadata: { ...(Array.isArray(metadatas) ? (metadatas[i] ?? {}) : metadatas) } }),
    );
    return VecdexVectorStore.fromDocuments(docs, embeddings, args);
  }

  /** A store holding `docs` (added with `args.ids` when given). */
  static override async fromDocuments(
    docs: DocumentInterface[],
    embeddings: EmbeddingsInterface | null,
    args: VecdexStoreArgs & { ids?: string[] },
  ): Promise<VecdexVectorStore> {
    const { ids, ...storeArgs } = args;
    const store = new VecdexVectorStore(embeddings, storeArgs);
    await store.addDocuments(docs, ids === undefined ? {} : { ids });
    return store;
  }

  async #queryInput(query: string): Promise<QueryInput> {
    return this.#ownModel ? { text: query } : { vector: await this.embeddings.embedQuery(query) };
  }

  async #search(query: QueryInput, k: number, filter: Filter | undefined, extra: SimilarOptions = {}): Promise<SearchHit[]> {
    const options: SimilarOptions = {
      ...this.args.search,
      ...extra,
      k,
      include: { content: true, metadata: true },
      ...(filter !== undefined ? { filter } : {}),
    };
    const { vecdex, collection, collections, index } = this.args;
    if (collection !== undefined && collections === undefined && index === undefined) {
      return vecdex.collection(collection).similar(query, options);
    }
    return vecdex.similar(query, {
      ...options,
      ...(collections !== undefined ? { collections } : {}),
      ...(index !== undefined ? { index } : {}),
    });
  }

  #scored(hits: SearchHit[]): [Document, number][] {
    return hits.map((h) => [hitToDocument(h, this.args.collectionKey), h.distance]);
  }

  #writable(what: string): Collection {
    const { collection, collections } = this.args;
    if (collection === undefined || collections !== undefined) {
      throw new VecdexError(
        'NOT_SUPPORTED',
        `${what}: this store searches several collections and is read-only; make a store with { collection } to write`,
      );
    }
    return this.vecdex.collection(collection);
  }

  async #ensureCollection(collection: Collection, dimensions: number): Promise<void> {
    if (await this.vecdex.collections.has(collection.name)) return;
    try {
      await this.vecdex.collections.create({
        name: collection.name,
        dimensions,
        metric: this.args.metric ?? 'cosine',
        model: this.args.model ?? null,
      });
    } catch (e) {
      // Another writer created it meanwhile: use theirs (upsert checks the dimensions).
      if (!(e instanceof VecdexError && e.code === 'COLLECTION_EXISTS')) throw e;
    }
  }
}

/** Validates the args; returns the collection whose model embeds texts when no embeddings are given. */
function checkArgs(args: VecdexStoreArgs): string | undefined {
  if (typeof args !== 'object' || args === null || typeof args.vecdex?.collection !== 'function') {
    throw new VecdexError('INVALID_ARGUMENT', 'VecdexVectorStore needs { vecdex: await openVecdex(), collection: "name" }');
  }
  const first = args.collection ?? args.collections?.[0];
  if (first === undefined && args.index === undefined) {
    throw new VecdexError('INVALID_ARGUMENT', 'VecdexVectorStore needs a collection, collections, or an index to search');
  }
  if (args.collections !== undefined && args.collections.length === 0) {
    throw new VecdexError('INVALID_ARGUMENT', 'VecdexVectorStore: collections is empty; name at least one');
  }
  // An index alone: the first collection it covers is looked up when first needed.
  return first;
}
