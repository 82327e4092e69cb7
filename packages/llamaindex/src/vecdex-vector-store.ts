import { type Collection, type Filter, type JsonValue, type Metric, type Vecdex, VecdexError } from '@vecdex/core';
import {
  BaseVectorStore,
  type BaseEmbedding,
  type BaseNode,
  type VectorStoreQuery,
  VectorStoreQueryMode,
  type VectorStoreQueryResult,
} from 'llamaindex';
import { hitToNode, nodeToItem } from './node-items.js';
import { similarityOf } from './similarity.js';
import { toVecdexFilter } from './translate-filters.js';

/** Per-query settings, as `customParams` of a LlamaIndex query (retriever, query engine). */
export interface VecdexQueryParams {
  /** MMR: candidates to re-rank (default max(20, 4 · k)). */
  fetchK?: number;
  /** Search through this vecdex index instead of the collection's default. */
  index?: string;
  /** Exact search, bypassing every index. */
  exact?: boolean;
  /** Per-query index parameters, e.g. `{ efSearch: 128 }`. */
  params?: { [key: string]: JsonValue };
  /** Leave out hits farther than this vecdex distance. */
  maxDistance?: number;
  /** A vecdex filter, combined (and) with the LlamaIndex `filters`: the full filter language ($or, $not, nested keys). */
  filter?: Filter;
}

export interface VecdexVectorStoreOptions {
  /** An open vecdex store (`openVecdex()`). */
  vecdex: Vecdex;
  /** The collection nodes go into; created on the first `add` with the embeddings' length. */
  collection: string;
  /** The metric of a collection created here (default cosine, as SimpleVectorStore ranks). */
  metric?: Metric;
  /**
   * The embedding model. Default: LlamaIndex's `Settings.embedModel`. Pass it when your app
   * `require()`s llamaindex (CommonJS): this ES module sees the ES build's `Settings`.
   */
  embedModel?: BaseEmbedding;
  /** Defaults for every query (see {@link VecdexQueryParams}). */
  defaults?: VecdexQueryParams;
}

const INCLUDE = { metadata: true, content: true } as const;

/**
 * A LlamaIndex.TS vector store over a vecdex collection, on any vecdex backend (sqlite-vec,
 * pgvector, …) and through its indexes: nodes are upserted with their text and metadata,
 * `delete(refDocId)` removes every node of a source document, and `query` runs vecdex's
 * search with LlamaIndex's metadata filters translated to vecdex's filter language. Modes:
 * `default` (nearest neighbours), `mmr` (vecdex's maximal marginal relevance, `mmrThreshold` as
 * its lambda), `hybrid` (the embedding and the query's words fused with RRF, `alpha` weighting
 * the vector side; needs a backend with full text) and `sparse` (keywords only).
 *
 * ```ts
 * const vectorStore = new VecdexVectorStore({ vecdex: vx, collection: 'docs' })
 * const index = await VectorStoreIndex.fromDocuments(documents, { vectorStores: { TEXT: vectorStore } })
 * const nodes = await index.asRetriever({ similarityTopK: 3 }).retrieve({ query: 'rotate keys' })
 * ```
 */
export class VecdexVectorStore extends BaseVectorStore<Collection, VecdexQueryParams> {
  storesText = true;
  readonly vecdex: Vecdex;
  readonly collectionName: string;
  readonly #metric: Metric;
  readonly #defaults: VecdexQueryParams;
  #ready: Promise<void> | null = null;

  constructor(options: VecdexVectorStoreOptions) {
    super(options.embedModel !== undefined ? { embedModel: options.embedModel } : undefined);
    this.vecdex = options.vecdex;
    this.collectionName = options.collection;
    this.#metric = options.metric ?? 'cosine';
    this.#defaults = options.defaults ?? {};
  }

  /** The vecdex collection handle. */
  client(): Collection {
    return this.vecdex.collection(this.collectionName);
  }

  /** Upsert nodes (each needs its embedding), all in one transaction; returns their ids. */
  async add(nodes: BaseNode[]): Promise<string[]> {
    if (nodes.length === 0) return [];
    const items = nodes.map(nodeToItem);
    await this.#ensureCollection(items[0]?.vector.length ?? 0);
    await this.client().upsert(items);
    return nodes.map((n) => n.id_);
  }

  /** Delete every node of a source document (`ref_doc_id`), atomically. */
  async delete(refDocId: string): Promise<void> {
    if (!(await this.#exists())) return;
    await this.client().delete({ filter: { ref_doc_id: refDocId } });
  }

  /** Delete nodes by their ids (not part of LlamaIndex's interface). Returns how many were deleted. */
  async deleteNodes(ids: readonly string[]): Promise<number> {
    return (await this.#exists()) ? this.client().delete(ids) : 0;
  }

  async query(query: VectorStoreQuery<VecdexQueryParams>): Promise<VectorStoreQueryResult> {
    if (query.docIds !== undefined && query.docIds.length > 0) {
      throw new VecdexError('INVALID_ARGUMENT', 'the vecdex vector store does not take docIds: filter on ref_doc_id instead', {
        details: { argument: 'docIds' },
      });
    }
    const custom = { ...this.#defaults, ...(query.customParams ?? {}) };
    const fromLlama = toVecdexFilter(query.filters);
    const filter = fromLlama && custom.filter ? { $and: [fromLlama, custom.filter] } : (fromLlama ?? custom.filter ?? null);
    const k = query.similarityTopK;
    const common = {
      k,
      filter,
      include: INCLUDE,
      ...(custom.index !== undefined ? { index: custom.index } : {}),
      ...(custom.exact !== undefined ? { exact: custom.exact } : {}),
      ...(custom.params !== undefined ? { params: custom.params } : {}),
      ...(custom.maxDistance !== undefined ? { maxDistance: custom.maxDistance } : {}),
    };
    const collection = this.client();
    const mode = query.mode ?? VectorStoreQueryMode.DEFAULT;
    if (mode === VectorStoreQueryMode.DEFAULT || mode === VectorStoreQueryMode.MMR) {
      const vector = needEmbedding(query);
      const mmr =
        mode === VectorStoreQueryMode.MMR
          ? { mmr: { lambda: query.mmrThreshold ?? 0.5, ...(custom.fetchK !== undefined ? { fetchK: custom.fetchK } : {}) } }
          : {};
      const hits = await collection.similar({ vector }, { ...common, ...mmr });
      const metric = (await collection.info()).metric;
      return {
        nodes: hits.map(hitToNode),
        ids: hits.map((h) => h.id),
        similarities: hits.map((h) => similarityOf(h.distance, metric)),
      };
    }
    if (mode === VectorStoreQueryMode.HYBRID || mode === VectorStoreQueryMode.SPARSE) {
      const text = query.queryStr;
      if (text === undefined || text.trim() === '') {
        throw new VecdexError('INVALID_ARGUMENT', `${mode} queries need the query's text (queryStr)`, {
          details: { argument: 'queryStr' },
        });
      }
      const alpha = query.alpha;
      const { hits } =
        mode === VectorStoreQueryMode.SPARSE
          ? await collection.search({ ...common, text, mode: 'keyword' })
          : await collection.search({
              ...common,
              text,
              vector: needEmbedding(query),
              ...(alpha !== undefined ? { fusion: { weights: { vector: alpha, keyword: 1 - alpha } } } : {}),
            });
      return { nodes: hits.map(hitToNode), ids: hits.map((h) => h.id), similarities: hits.map((h) => h.score) };
    }
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `the vecdex vector store does not support query mode "${mode}": use default, mmr, hybrid or sparse`,
      { details: { argument: 'mode' } },
    );
  }

  async #exists(): Promise<boolean> {
    return (await this.vecdex.backend.getCollection(this.collectionName)) !== null;
  }

  #ensureCollection(dimensions: number): Promise<void> {
    this.#ready ??= (async () => {
      if (await this.#exists()) return;
      try {
        await this.vecdex.collections.create({ name: this.collectionName, dimensions, metric: this.#metric });
      } catch (err) {
        // Another writer created it meanwhile: fine, the upsert checks its dimensions.
        if (!(await this.#exists())) throw err;
      }
    })().catch((err) => {
      this.#ready = null;
      throw err;
    });
    return this.#ready;
  }
}

function needEmbedding(query: VectorStoreQuery<unknown>): number[] {
  const v = query.queryEmbedding;
  if (v === undefined || v.length === 0) {
    throw new VecdexError('INVALID_ARGUMENT', 'the query has no embedding (queryEmbedding); set an embedModel', {
      details: { argument: 'queryEmbedding' },
    });
  }
  return v;
}
