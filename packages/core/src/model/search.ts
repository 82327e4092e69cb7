import type { Metadata } from './item.js';
import type { Metric } from './metric.js';
import type { FilterNode } from '../filter/filter-ast.js';

/** Which stored fields a search returns beside id and distance; left undefined it is `{}` (none). */
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
  /** Hybrid queries (`similar(v, { text })`): the fused RRF score, higher is better; hits are sorted by it. */
  score?: number;
  /** Hybrid queries: the keyword relevance, when the keyword side found the hit. */
  keywordScore?: number;
  metadata?: Metadata | null;
  content?: string | null;
  vector?: Float32Array;
}

/**
 * Keyword (full-text) search over `content`, as a backend receives it. `query` is the user's
 * plain text: backends tokenise it themselves and never hand it to their engine as query syntax
 * (FTS5 MATCH expressions, `to_tsquery` operators), so no input can be a syntax error.
 */
export interface KeywordSearchRequest {
  collections: readonly string[];
  query: string;
  k: number;
  filter?: FilterNode | null;
  include?: Include;
}

/** One keyword hit. Hits are sorted by descending `score` (e.g. bm25 relevance; higher is better). */
export interface KeywordHit {
  collection: string;
  id: string;
  score: number;
  metadata?: Metadata | null;
  content?: string | null;
  vector?: Float32Array;
}
