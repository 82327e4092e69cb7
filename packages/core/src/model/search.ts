import type { Metadata } from './item.js';
import type { Metric } from './metric.js';
import type { FilterNode } from '../filter/filter-ast.js';

/** Which stored fields a search returns beside id and distance. */
export interface Include {
  metadata?: boolean;
  content?: boolean;
  vector?: boolean;
}

/** Exact k-nearest-neighbour search, as a backend receives it (already validated by core). */
export interface ExactSearchRequest {
  /** One or more collections with the same dimensions; results are merged by distance. */
  collections: readonly string[];
  vector: Float32Array;
  k: number;
  /** Defaults to the collections' metric. A backend may refuse one it does not support. */
  metric: Metric;
  filter?: FilterNode | null;
  /** Leave these (collection, id) pairs out, e.g. the query item itself. */
  exclude?: readonly { collection: string; id: string }[];
  include?: Include;
}

/** One search hit. Hits are sorted by ascending distance; ties in unspecified order. */
export interface SearchHit {
  collection: string;
  id: string;
  distance: number;
  metadata?: Metadata | null;
  content?: string | null;
  vector?: Float32Array;
}
