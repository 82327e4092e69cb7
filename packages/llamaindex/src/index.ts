/**
 * @vecdex/llamaindex: a LlamaIndex.TS vector store over vecdex collections.
 *
 * ```ts
 * import { openVecdex } from '@vecdex/core'
 * import { VecdexVectorStore } from '@vecdex/llamaindex'
 * import { Document, VectorStoreIndex } from 'llamaindex'
 *
 * const vx = await openVecdex()
 * const vectorStore = new VecdexVectorStore({ vecdex: vx, collection: 'docs' })
 * const index = await VectorStoreIndex.fromDocuments([new Document({ text: 'hello' })], { vectorStores: { TEXT: vectorStore } })
 * ```
 */
export { VecdexVectorStore, type VecdexVectorStoreOptions, type VecdexQueryParams } from './vecdex-vector-store.js';
export { toVecdexFilter } from './translate-filters.js';
export { nodeToItem, hitToNode } from './node-items.js';
export { similarityOf } from './similarity.js';
export { VecdexEmbedding } from './vecdex-embedding.js';
