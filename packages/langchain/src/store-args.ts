import type { Metric, SimilarOptions, Vecdex } from '@vecdex/core';

/** Search settings passed to every vecdex query the store makes. */
export type StoreSearchOptions = Pick<SimilarOptions, 'index' | 'exact' | 'stale' | 'params' | 'maxDistance'>;

/**
 * Where a `VecdexVectorStore` reads and writes: one collection (read and write), or several
 * collections / the collections of a vecdex index (search only, across all of them).
 *
 * ```ts
 * const one: VecdexStoreArgs = { vecdex: vx, collection: 'notes' }
 * const many: VecdexStoreArgs = { vecdex: vx, collections: ['notes', 'posts'], collectionKey: 'collection' }
 * ```
 */
export interface VecdexStoreArgs {
  /** The open vecdex store (`openVecdex()`); the adapter never closes it. */
  vecdex: Vecdex;
  /** The collection to read and write. */
  collection?: string;
  /** Search these collections together (read-only store). */
  collections?: readonly string[];
  /** Search every collection of this vecdex index (read-only store unless `collection` is named too). */
  index?: string;
  /**
   * When the collection does not exist yet, the first `addVectors` creates it with the vectors'
   * dimensions and this metric (default cosine) and model (default none: vectors came from LangChain).
   */
  metric?: Metric;
  model?: string | null;
  /** Also write each hit's collection to this metadata key of the returned documents. */
  collectionKey?: string;
  /** Options for every search: an index to use, exact search, stale policy, index parameters. */
  search?: StoreSearchOptions;
}
