/**
 * @vecdex/langchain: LangChain.js on vecdex. A `VectorStore` over vecdex collections and a
 * `RecordManager` for LangChain's `index()` API, both on the same vecdex store.
 */
export { VecdexVectorStore, type VecdexDeleteParams } from './vecdex-vector-store.js';
export type { VecdexStoreArgs, StoreSearchOptions } from './store-args.js';
export { VecdexRecordManager, type VecdexRecordManagerArgs } from './vecdex-record-manager.js';
export { CollectionEmbeddings } from './collection-embeddings.js';
export { hitToDocument } from './hit-document.js';
