import type { Metric } from '../model/metric.js';

/**
 * What a backend can do. Core reads these flags and falls back (or refuses with a clear error);
 * it never probes a backend by trial. New flags are always optional, so adding one breaks no
 * third-party backend.
 */
export interface BackendCapabilities {
  /** Metrics `searchExact` supports. */
  metrics: readonly Metric[];
  /** Largest `dimensions` a collection may have. */
  maxDimensions: number;
  /** Index plugins the backend implements natively (e.g. `pgvector-hnsw`); empty when none. */
  nativeIndexes?: readonly string[];
  /** Keyword search over `content` is available (see `StorageBackend.searchKeyword`). */
  fullText?: boolean;
  /** Several processes may write concurrently (PostgreSQL yes, SQLite one writer at a time). */
  concurrentWriters?: boolean;
  /**
   * Collections may declare filterable metadata fields (`CollectionPatch.filterable`) that the
   * backend keeps indexed and its filter compiler uses. Without it core refuses the declaration.
   */
  filterableFields?: boolean;
}
