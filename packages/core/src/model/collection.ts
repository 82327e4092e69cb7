import type { Metric } from './metric.js';

/**
 * What defines a collection. Fixed at creation: every item has exactly `dimensions` numbers and
 * is compared with `metric`. `model` names the embedding model that produced the vectors (an
 * ingest with another model is refused).
 */
export interface CollectionSpec {
  name: string;
  dimensions: number;
  metric: Metric;
  model?: string | null;
}

/** A collection as the backend reports it. */
export interface CollectionInfo {
  name: string;
  dimensions: number;
  metric: Metric;
  model: string | null;
  /** Name of the index `similar()` uses when none is named; null means exact search. */
  defaultIndex: string | null;
  createdAt: number;
}

/** Fields of a collection that may change after creation. */
export interface CollectionPatch {
  defaultIndex?: string | null;
  model?: string | null;
}
