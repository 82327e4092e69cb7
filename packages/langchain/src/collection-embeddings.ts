import { Embeddings } from '@langchain/core/embeddings';
import type { Collection } from '@vecdex/core';

/**
 * A LangChain `Embeddings` that embeds with a vecdex collection's own model: the provider the
 * vecdex config names, the model the collection records, through vecdex's query cache, retries
 * and timeouts (`collection.embedQueries`). What the store uses when it is given no embeddings,
 * so `similaritySearch('text')` embeds exactly as `collection.similar({ text })` does.
 *
 * ```ts
 * const embeddings = new CollectionEmbeddings(vx.collection('notes'))
 * const [v] = await embeddings.embedDocuments(['rotate the keys'])
 * ```
 */
export class CollectionEmbeddings extends Embeddings {
  readonly #collection: Collection | (() => Promise<Collection>);

  /** `collection`, or a function finding it when first needed (a store over an index). */
  constructor(collection: Collection | (() => Promise<Collection>)) {
    super({});
    this.#collection = collection;
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    if (documents.length === 0) return [];
    return (await (await this.#resolve()).embedQueries(documents)).map((v) => Array.from(v));
  }

  async embedQuery(document: string): Promise<number[]> {
    const [v] = await (await this.#resolve()).embedQueries([document]);
    return Array.from(v as Float32Array);
  }

  async #resolve(): Promise<Collection> {
    return typeof this.#collection === 'function' ? this.#collection() : this.#collection;
  }
}
